"""Equipment test data: a partner, items, loans (flush, never commit)."""

from __future__ import annotations

from datetime import date

from equipment import services
from equipment.models import EquipmentPartner
from isp.extensions import db
from tests import factories


def make_partner(code: str | None = None) -> EquipmentPartner:
    number = factories.n()
    partner = EquipmentPartner(code=code or f"P{number}", name=f"Atelier {number}",
                               commune="Nantes")
    db.session.add(partner)
    db.session.flush()
    return partner


def make_item(kind: str = "box", *, origin: str = "new", partner=None, serial: str | None = None,
              acquired_on: date = date(2024, 1, 1), **fields):
    data = {"kind": kind, "origin": origin, "serial": serial or f"SN{factories.n()}",
            "acquired_on": acquired_on, **fields}
    if partner is not None:
        data["partner_code"] = partner.code
    return services.create_item(data, None)


def lend(item, household, *, on: date = date(2025, 1, 1), actor=None):
    return services.move(item, {"to_state": "lent", "household_id": household.id,
                                "agreement_ref": f"CONV-{item.id}", "signed_on": on, "on": on},
                         actor)
