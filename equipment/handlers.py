"""Signal receivers of equipment; they run inside the sender's transaction and flush only."""

from __future__ import annotations

from equipment import services
from isp.signals import household_moved_out


@household_moved_out.connect
def _on_household_moved_out(household, **kwargs) -> None:
    services.end_loans_on_move_out(household, moved_out_on=kwargs["moved_out_on"],
                                   actor=kwargs.get("actor"))
