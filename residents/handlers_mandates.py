"""Mandates end with the move-out (issue 20); receivers flush, never commit."""

from __future__ import annotations

from isp.signals import household_moved_out
from isp.timeutil import today
from residents import mandates


@household_moved_out.connect
def _on_household_moved_out(household, moved_out_on=None, **kwargs) -> None:
    if moved_out_on is not None and moved_out_on > today():
        return  # announced ahead: ends on its day (residents.jobs.end_moved_out, and at use)
    mandates.end_for_household(household.id, reason="moved_out", actor=kwargs.get("actor"))
