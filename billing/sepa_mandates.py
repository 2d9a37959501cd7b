"""Billing's published answer to "does this household pay by SEPA direct debit?" (issue 20:
the operators' list of residents' requests asks it before closing one as signed)."""

from __future__ import annotations

from sqlalchemy import select

from billing.models import SepaMandate
from isp.extensions import db


def active_mandates(household_ids: list[int]) -> dict[int, SepaMandate]:
    """Each household's mandate in force (not revoked), the latest signed, in one query."""
    if not household_ids:
        return {}
    found: dict[int, SepaMandate] = {}
    for mandate in db.session.execute(select(SepaMandate).where(
            SepaMandate.household_id.in_(household_ids), SepaMandate.revoked_on.is_(None))
            .order_by(SepaMandate.signed_on, SepaMandate.id)).scalars():
        found[mandate.household_id] = mandate
    return found


def active_mandate(household_id: int) -> SepaMandate | None:
    return active_mandates([household_id]).get(household_id)
