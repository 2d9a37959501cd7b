"""The equipment demo: a partner, loans, a refurbished computer, a recycled item; idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from equipment import demo
from equipment.models import EquipmentItem
from tests import factories


def test_demo_seeds_once(db):
    assert demo.seed_demo() is None  # no demo operator nor households yet
    factories.make_user("operator", email="operateur@demo.social-isp.fr")
    for _index in range(6):
        factories.make_household()
    assert "1 tablet recycled" in demo.seed_demo()
    states = dict(db.session.execute(select(EquipmentItem.state, func.count()).group_by(
        EquipmentItem.state)).all())
    assert states == {"lent": 6, "recycled": 1}
    computer = db.session.execute(select(EquipmentItem).where(
        EquipmentItem.kind == "computer")).scalar_one()
    assert computer.origin == "refurbished" and computer.partner.code == "ATELIER-REEMPLOI"
    assert demo.seed_demo() is None
