"""URL values of the equipment pages for the browser tests (tests/ui/discovery.py)."""

from __future__ import annotations

from sqlalchemy import select


def _item_id(ctx):
    """The demo's refurbished computer (lent: the page shows its holder and moves)."""
    from equipment.models import EquipmentItem

    return ctx.first(select(EquipmentItem.id).where(EquipmentItem.serial == "PC-DEMO-1"))


RESOLVERS = {"item_id": _item_id}
