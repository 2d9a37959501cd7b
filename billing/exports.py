"""Accountant CSV and SEPA direct-debit (pain.008) exports of a period, and mandates."""

from __future__ import annotations

import io
from datetime import date, timedelta

from flask import current_app
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaDD
from sqlalchemy import select

from billing.choices import OPEN_STATUSES
from billing.models import CreditNote, Invoice, Payment, SepaMandate
from billing.money import parse_period
from billing.runs import check_period
from isp import csvexport
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.timeutil import today
from subscribers.models import Household, Unit

#: The fictitious creditor of the demo (the SEPA_CREDITOR setting, from ISP_SEPA_CREDITOR_*
#: variables, gives the real one; production refuses to fall back on this).
DEFAULT_CREDITOR = {"name": "Internet Solidaire Nantes", "IBAN": "FR7630006000011234567890189",
                    "BIC": "AGRIFRPPXXX", "creditor_id": "FR72ZZZ123456", "currency": "EUR",
                    "batch": True}

CSV_COLUMNS = ("kind", "number", "date", "period", "household_id", "unit_code", "holder_name",
               "amount_cents", "vat_cents", "method", "reference", "invoice_number")


def accounting_csv(period: str) -> str:
    """Invoices and credit notes issued for the period and payments received in the month."""
    first, last = check_period(period)
    out = io.StringIO()
    writer = csvexport.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for inv in db.session.execute(select(Invoice).where(
            Invoice.period == period, Invoice.number.is_not(None)).order_by(Invoice.number)
    ).scalars():
        writer.writerow(("invoice", inv.number, inv.issued_on.isoformat(), inv.period,
                         inv.household_id, inv.unit_code, inv.holder_name, inv.total_cents,
                         inv.vat_cents, "", "", ""))
    for note, inv in db.session.execute(select(CreditNote, Invoice).join(Invoice).where(
            CreditNote.issued_on >= first, CreditNote.issued_on <= last)
            .order_by(CreditNote.number)).all():
        writer.writerow(("credit_note", note.number, note.issued_on.isoformat(), inv.period,
                         inv.household_id, inv.unit_code, inv.holder_name, -note.amount_cents,
                         -note.vat_cents, "", note.kind, inv.number))
    for pay, code, holder in db.session.execute(
            select(Payment, Unit.code, Household.holder_name)
            .join(Household, Household.id == Payment.household_id)
            .join(Unit, Unit.id == Household.unit_id)
            .where(Payment.received_on >= first, Payment.received_on <= last)
            .order_by(Payment.received_on, Payment.id)).all():
        writer.writerow(("payment", pay.id, pay.received_on.isoformat(), "", pay.household_id,
                         code, holder, pay.amount_cents, "", pay.method, pay.reference or "",
                         ""))
    return out.getvalue()


def validate_iban(value: str) -> str:
    """The IBAN in compact form, or DomainError with the reason."""
    try:
        return IBAN(value).compact
    except SchwiftyException as error:
        raise DomainError(_("IBAN invalide : %(error)s", error=error), field="iban") from None


def record_mandate(household, *, actor: User, iban: str, account_holder: str, reference: str,
                   signed_on: date, bic: str | None = None) -> SepaMandate:
    """Store a signed SEPA mandate; the IBAN (and BIC) must validate."""
    compact = validate_iban(iban)
    if bic:
        try:
            bic = str(BIC(bic))
        except SchwiftyException as error:
            raise DomainError(_("BIC invalide : %(error)s", error=error), field="bic") from None
    else:
        try:
            bic = str(IBAN(compact).bic) if IBAN(compact).bic else None
        except SchwiftyException:
            bic = None
    if not (reference or "").strip() or not (account_holder or "").strip():
        raise DomainError(_("Référence de mandat et titulaire obligatoires"), field="reference")
    if db.session.execute(select(SepaMandate.id).where(
            SepaMandate.reference == reference.strip())).first():
        raise DomainError(_("Cette référence de mandat existe déjà"), field="reference",
                          status=409)
    for old in db.session.execute(select(SepaMandate).where(
            SepaMandate.household_id == household.id, SepaMandate.revoked_on.is_(None))).scalars():
        old.revoked_on = signed_on
    mandate = SepaMandate(household_id=household.id, iban=compact, bic=bic,
                          account_holder=account_holder.strip()[:70],
                          reference=reference.strip(), signed_on=signed_on)
    db.session.add(mandate)
    db.session.flush()
    return mandate


def sepa_direct_debit(period: str, *, collection_date: date | None = None) -> tuple[bytes, int]:
    """pain.008.001.02 for the period's open invoices of households with a mandate."""
    check_period(period)
    parse_period(period)
    configured = current_app.config.get("SEPA_CREDITOR") or {}
    missing = [field for field in ("name", "IBAN", "BIC", "creditor_id")
               if not configured.get(field)]
    if missing and not current_app.config.get("SEPA_DEMO_CREDITOR_ALLOWED", True):
        raise DomainError(_("Le créancier SEPA n'est pas configuré : renseigner "
                            "ISP_SEPA_CREDITOR_NAME, ISP_SEPA_CREDITOR_IBAN, "
                            "ISP_SEPA_CREDITOR_BIC et ISP_SEPA_CREDITOR_ID (manquant : "
                            "%(missing)s)", missing=", ".join(missing)),
                          status=409)
    creditor = {**DEFAULT_CREDITOR, **configured}
    collection_date = collection_date or today() + timedelta(days=5)
    sepa = SepaDD(creditor, schema="pain.008.001.02", clean=True)
    count = 0
    rows = db.session.execute(
        select(Invoice, SepaMandate).join(SepaMandate,
                                          SepaMandate.household_id == Invoice.household_id)
        .where(Invoice.period == period, Invoice.status.in_(OPEN_STATUSES),
               SepaMandate.revoked_on.is_(None)).order_by(Invoice.number)).all()
    for invoice, mandate in rows:
        due = invoice.total_cents - invoice.paid_cents
        if due <= 0:
            continue
        first_debit = db.session.execute(select(Invoice.id).where(
            Invoice.household_id == invoice.household_id, Invoice.number < invoice.number,
            Invoice.issued_on >= mandate.signed_on).limit(1)).first() is None
        payment = {"name": mandate.account_holder, "IBAN": mandate.iban,
                   "amount": due, "type": "FRST" if first_debit else "RCUR",
                   "collection_date": collection_date, "mandate_id": mandate.reference,
                   "mandate_date": mandate.signed_on,
                   "description": f"Facture {invoice.number}", "endtoend_id": invoice.number
                   .replace("-", "")}
        if mandate.bic:
            payment["BIC"] = mandate.bic
        sepa.add_payment(payment)
        count += 1
    if count == 0:
        raise DomainError(_("Aucun prélèvement à émettre pour %(period)s", period=period),
                          field="period")
    return sepa.export(validate=True), count
