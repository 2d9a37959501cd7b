"""Signal receivers of mediation; they run inside the sender's transaction and flush only."""

from __future__ import annotations

from isp.signals import household_moved_out
from mediation.assignments import end_follow_up_on_move_out


@household_moved_out.connect
def _on_household_moved_out(household, **kwargs) -> None:
    end_follow_up_on_move_out(household, moved_out_on=kwargs["moved_out_on"],
                              actor=kwargs.get("actor"))
