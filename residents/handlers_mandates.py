"""Mandates end with the move-out (issue 20); receivers flush, never commit."""

from __future__ import annotations

from isp.signals import household_moved_out
from residents import mandates


@household_moved_out.connect
def _on_household_moved_out(household, **kwargs) -> None:
    mandates.end_for_household(household.id, reason="moved_out", actor=kwargs.get("actor"))
