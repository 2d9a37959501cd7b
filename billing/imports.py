"""``isp import payments FILE``: bank statements and counter receipts (docs/design.md §4.4)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from billing.choices import PaymentMethod
from billing.fields import AMOUNT_CENTS
from billing.payments import record_payment
from isp.csvimport import (
    BadValue,
    ImportContext,
    ImportSpec,
    parse_choice,
    parse_date,
    parse_money_cents,
    register_importer,
)
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from subscribers.models import Household, Unit


def household_on(unit_code: str, day: date):
    """The household living in the flat on that day (a former tenant can still pay)."""
    return db.session.execute(
        select(Household).join(Unit, Unit.id == Household.unit_id)
        .where(Unit.code == unit_code, Household.moved_in_on <= day,
               or_(Household.moved_out_on.is_(None), Household.moved_out_on > day))
        .order_by(Household.moved_in_on.desc())).scalars().first()


def _payment(row: dict, ctx: ImportContext) -> None:
    amount = parse_money_cents(row, "amount")
    try:
        AMOUNT_CENTS.check(amount)
    except DomainError as error:  # the same bounds as the API's, reported in the CSV's column
        raise BadValue("amount", error.message) from None
    received_on = parse_date(row, "received_on")
    method = parse_choice(row, "method", list(PaymentMethod))
    household = household_on(row["unit_code"], received_on)
    if household is None:
        raise BadValue("unit_code", _("aucun foyer n'habitait le logement %(code)s le %(day)s",
                                      code=row["unit_code"], day=received_on.isoformat()))
    record_payment(household, actor=ctx.actor, amount_cents=amount, method=method,
                   received_on=received_on, reference=row.get("reference"))


register_importer(ImportSpec(
    "payments", ("unit_code", "amount", "received_on", "method"), ("reference",), _payment,
    label=_l("Paiements"),
    example={"unit_code": "BOT-12-A-03-2", "amount": "12,50", "received_on": "2026-11-30",
             "method": "cash", "reference": "REÇU-0042"}))
