"""Equipment demo: a local 4R partner, boxes lent to five demo households and a refurbished
computer to a sixth (six holders: an analyst sees figures rather than "< 5"), one recycled item.
Fictitious; idempotent (nothing when a partner exists). Seeded after the households."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from equipment import services
from equipment.models import EquipmentPartner
from isp.extensions import db
from isp.models import User
from isp.timeutil import today
from subscribers.models import Household


def seed_demo() -> str | None:
    """Seed the equipment demo once."""
    if db.session.execute(select(EquipmentPartner.id)).first():
        return None
    operator = db.session.execute(select(User).where(
        User.email == "operateur@demo.social-isp.fr")).scalar_one_or_none()
    households = list(db.session.execute(
        select(Household).where(Household.moved_out_on.is_(None)).order_by(Household.id)
        .limit(6)).scalars())
    if operator is None or len(households) < 6:
        return None
    partner = services.create_partner({"code": "ATELIER-REEMPLOI",
                                       "name": "Atelier du réemploi nantais (fictif)",
                                       "commune": "Nantes"})
    start = today() - timedelta(days=400)
    lent_on = today() - timedelta(days=300)
    for index, household in enumerate(households[:5], start=1):
        box = services.create_item({"kind": "box", "origin": "new", "serial": f"BOX-DEMO-{index}",
                                    "model": "Box fibre (fictive)", "acquired_on": start},
                                   operator)
        _lend(box, household, lent_on, operator, f"CONV-DEMO-{index}")
    computer = services.create_item(
        {"kind": "computer", "origin": "refurbished", "serial": "PC-DEMO-1",
         "model": "Portable reconditionné (fictif)", "partner_code": partner.code,
         "acquired_on": start}, operator)
    _lend(computer, households[5], lent_on, operator, "CONV-DEMO-6")
    old = services.create_item({"kind": "tablet", "origin": "new", "serial": "TAB-DEMO-1",
                                "acquired_on": start}, operator)
    for state, on in (("in_repair", lent_on), ("recycled", lent_on + timedelta(days=30))):
        services.move(old, {"to_state": state, "partner_code": partner.code, "on": on,
                            "note": "Écran irréparable (démo)." if state == "recycled"
                            else None}, operator)
    db.session.flush()
    return "equipment: 1 partner, 5 boxes and 1 refurbished computer lent, 1 tablet recycled"


def _lend(item, household: Household, on, operator: User, agreement: str) -> None:
    services.move(item, {"to_state": "lent", "household_id": household.id,
                         "agreement_ref": agreement, "signed_on": on, "on": on}, operator)
