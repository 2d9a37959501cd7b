"""Billing's part of the retention rules and of anonymisation (docs/design.md §3.8, isp/gdpr.py).

Invoices and payments are kept 10 years (accounting law), then deleted with what hangs on
them; a household's anonymisation removes its identity from billing records but keeps amounts
and dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, or_, select, update

from billing.models import (
    Allocation,
    CreditNote,
    DunningStep,
    EligibilityDecision,
    FslRequest,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentPlan,
    SepaMandate,
)
from billing.models_options import InvoiceOptionLine
from isp.extensions import db
from isp.gdpr import anonymised_label, years_before
from isp.timeutil import local_date

#: Stored instead of a mandate's IBAN once the household is anonymised (the column is required).
ANONYMISED_IBAN = "ANONYMISE"


@dataclass(frozen=True)
class BillingPurge:
    invoices_deleted: int
    payments_deleted: int


def purge_expired_billing(before: date) -> BillingPurge:
    """Delete invoices issued (drafts: created) and payments received before ``before``.

    An invoice goes with its lines, credit notes and allocations; a dunning step that named
    it stays, without the link. Safe to run twice.
    """
    issued_or_created = func.coalesce(Invoice.issued_on, func.date(Invoice.created_at))
    old_invoices = select(Invoice.id).where(issued_or_created < before)
    old_payments = select(Payment.id).where(Payment.received_on < before)
    old_notes = select(CreditNote.id).where(CreditNote.invoice_id.in_(old_invoices))
    db.session.execute(delete(Allocation).where(or_(
        Allocation.invoice_id.in_(old_invoices), Allocation.payment_id.in_(old_payments),
        Allocation.credit_note_id.in_(old_notes))).execution_options(synchronize_session=False))
    db.session.execute(update(DunningStep).where(DunningStep.invoice_id.in_(old_invoices))
                       .values(invoice_id=None).execution_options(synchronize_session=False))
    db.session.execute(delete(CreditNote).where(CreditNote.id.in_(old_notes))
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id.in_(old_invoices))
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(InvoiceOptionLine)  # one line per option (issue 22.3)
                       .where(InvoiceOptionLine.invoice_id.in_(old_invoices))
                       .execution_options(synchronize_session=False))
    invoices = db.session.execute(delete(Invoice).where(Invoice.id.in_(old_invoices))
                                  .execution_options(synchronize_session=False)).rowcount
    payments = db.session.execute(delete(Payment).where(Payment.received_on < before)
                                  .execution_options(synchronize_session=False)).rowcount
    return BillingPurge(invoices or 0, payments or 0)


def clear_expired_evidence(before: date) -> int:
    """Forget the evidence references of eligibility decisions no longer valid before ``before``."""
    return db.session.execute(update(EligibilityDecision).where(
        EligibilityDecision.evidence_reference.is_not(None),
        EligibilityDecision.valid_until < before).values(evidence_reference=None)
        .execution_options(synchronize_session=False)).rowcount or 0


def anonymise_household_billing(household_id: int, identity) -> None:
    """Remove a household's identity from its billing records (amounts and dates stay).

    ``identity`` is an ``isp.gdpr.Identity``; ``isp.gdpr.anonymised_label`` replaces the
    holder's name on invoices and mandates.
    """
    label = anonymised_label(household_id)
    mandates = list(db.session.execute(select(SepaMandate).where(
        SepaMandate.household_id == household_id)).scalars())
    identity = identity.with_ibans(*(mandate.iban for mandate in mandates))
    for mandate in mandates:
        mandate.iban, mandate.bic, mandate.account_holder = ANONYMISED_IBAN, None, label[:70]
    for invoice in db.session.execute(select(Invoice).where(
            Invoice.household_id == household_id)).scalars():
        invoice.holder_name = label
        for note in db.session.execute(select(CreditNote).where(
                CreditNote.invoice_id == invoice.id)).scalars():
            note.reason = identity.scrub(note.reason)
    for payment in db.session.execute(select(Payment).where(
            Payment.household_id == household_id)).scalars():
        payment.reference = identity.scrub(payment.reference)
    for step in db.session.execute(select(DunningStep).where(
            DunningStep.household_id == household_id)).scalars():
        step.text, step.reason = identity.scrub(step.text), identity.scrub(step.reason)
    for decision in db.session.execute(select(EligibilityDecision).where(
            EligibilityDecision.household_id == household_id)).scalars():
        decision.evidence_reference = None
        decision.reason = identity.scrub(decision.reason)
    for model in (PaymentPlan, FslRequest):
        for row in db.session.execute(select(model).where(
                model.household_id == household_id)).scalars():
            row.note = identity.scrub(row.note)
    db.session.flush()


def purge_expired_evidence(now: datetime, rules: dict) -> dict[str, int]:
    """Evidence references of eligibility decisions, a year after they ceased to be valid."""
    return {"evidence_references_cleared": clear_expired_evidence(
        years_before(local_date(now), 1))}


def purge_expired_money(now: datetime, rules: dict) -> dict[str, int]:
    """Invoices and payments after the legal period (``billing_years``)."""
    purged = purge_expired_billing(years_before(local_date(now), rules.get("billing_years", 10)))
    return {"invoices_deleted": purged.invoices_deleted,
            "payments_deleted": purged.payments_deleted}
