"""A household's account: the locks of its money movements, allocations of money to invoices,
invoice statuses, balance and statement (docs/design.md §3.2). The caller commits.

The primitives that invoices (credit notes), payments and dunning share; it imports none of
them, so that ``billing.dunning`` and ``billing.payments`` do not form a cycle (issue 17.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, case, func, select

from billing.choices import OPEN_STATUSES, PAYMENT_METHOD_LABELS, InvoiceStatus
from billing.models import Allocation, CreditNote, Invoice, Payment
from isp.database import built_once
from isp.extensions import db
from isp.i18n import gettext as _
from isp.timeutil import today
from subscribers.models import Household


def lock_account(household_id: int) -> None:
    """Serialise the money movements of one household (payments, credit notes, allocations).

    ``SELECT ... FOR UPDATE`` on the household row on PostgreSQL, held until the caller
    commits; SQLite begins every transaction IMMEDIATE (isp.database), which serialises
    writers already. Every check-then-write on a household's figures runs after this.
    """
    db.session.execute(select(Household.id).where(Household.id == household_id)
                       .with_for_update())


def lock_invoice(invoice: Invoice) -> Invoice:
    """Take the invoice's row lock and reload its figures (paid, status) under it."""
    lock_account(invoice.household_id)
    return db.session.execute(
        select(Invoice).where(Invoice.id == invoice.id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()


def credited_cents(invoice: Invoice) -> int:
    return db.session.execute(select(func.coalesce(func.sum(CreditNote.amount_cents), 0))
                              .where(CreditNote.invoice_id == invoice.id)).scalar_one()


def release_payments(invoice: Invoice, amount: int) -> None:
    """Give back ``amount`` of the payments on an invoice to the household's credit."""
    allocations = db.session.execute(
        select(Allocation).where(Allocation.invoice_id == invoice.id,
                                 Allocation.payment_id.is_not(None))
        .order_by(Allocation.id.desc())).scalars().all()
    for allocation in allocations:
        if amount <= 0:
            break
        taken = min(amount, allocation.amount_cents)
        allocation.amount_cents -= taken
        allocation.payment.unallocated_cents += taken
        invoice.paid_cents -= taken
        amount -= taken
        if allocation.amount_cents == 0:
            db.session.delete(allocation)


def set_status(invoice: Invoice) -> None:
    credited = credited_cents(invoice) if invoice.id else 0
    if credited >= invoice.total_cents:
        invoice.status = InvoiceStatus.CANCELLED
    elif invoice.paid_cents >= invoice.total_cents:
        invoice.status = InvoiceStatus.PAID
    elif invoice.paid_cents > 0:
        invoice.status = InvoiceStatus.PARTIALLY_PAID
    else:
        invoice.status = InvoiceStatus.ISSUED


# --- payments and balances -------------------------------------------------------------------

def allocate(household_id: int, *, on: date | None = None) -> int:
    """Allocate the household's unallocated money to its open invoices, oldest first."""
    on = on or today()
    payments = db.session.execute(
        select(Payment).where(Payment.household_id == household_id,
                              Payment.unallocated_cents > 0)
        .order_by(Payment.received_on, Payment.id)).scalars().all()
    if not payments:
        return 0
    invoices = db.session.execute(
        select(Invoice).where(Invoice.household_id == household_id,
                              Invoice.status.in_(OPEN_STATUSES))
        .order_by(Invoice.issued_on, Invoice.number)).scalars().all()
    moved = 0
    for invoice in invoices:
        for payment in payments:
            if invoice.due_cents <= 0:
                break
            amount = min(payment.unallocated_cents, invoice.due_cents)
            if amount <= 0:
                continue
            db.session.add(Allocation(invoice_id=invoice.id, payment_id=payment.id,
                                      amount_cents=amount, allocated_on=on))
            payment.unallocated_cents -= amount
            invoice.paid_cents += amount
            moved += amount
        set_status(invoice)
    db.session.flush()
    return moved


@built_once
def _overdue_statement():
    """Cents past their due date of the household ``:household_id`` on ``:on``."""
    return (select(func.coalesce(func.sum(Invoice.total_cents - Invoice.paid_cents), 0))
            .where(Invoice.household_id == bindparam("household_id"),
                   Invoice.status.in_(OPEN_STATUSES), Invoice.due_on < bindparam("on")))


def overdue_cents(household_id: int, *, on: date) -> int:
    """What the household owes on invoices past their due date."""
    return db.session.execute(_overdue_statement(),
                              {"household_id": household_id, "on": on}).scalar_one()


@dataclass(frozen=True)
class Balance:
    household_id: int
    invoiced_cents: int
    credited_cents: int
    paid_cents: int
    #: Still to pay on issued invoices.
    due_cents: int
    overdue_cents: int
    #: Money received and not yet used (overpayment), kept for the next invoice.
    credit_cents: int

    @property
    def balance_cents(self) -> int:
        """Positive: the household owes; negative: it has credit."""
        return self.due_cents - self.credit_cents


@built_once
def _balance_statement():
    """Six sums of the household ``:household_id`` on ``:on`` in one round trip (the household
    page shows the balance); built once (isp.database.built_once)."""
    household_id = bindparam("household_id")
    issued = (Invoice.household_id == household_id, Invoice.number.is_not(None))
    payments = Payment.household_id == household_id
    return select(
        select(func.coalesce(func.sum(Invoice.total_cents), 0)).where(*issued)
        .scalar_subquery(),
        select(func.coalesce(func.sum(case((Invoice.status.in_(OPEN_STATUSES),
                                            Invoice.total_cents - Invoice.paid_cents),
                                           else_=0)), 0)).where(*issued).scalar_subquery(),
        select(func.coalesce(func.sum(CreditNote.amount_cents), 0))
        .where(CreditNote.household_id == household_id).scalar_subquery(),
        select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(payments)
        .scalar_subquery(),
        select(func.coalesce(func.sum(Payment.unallocated_cents), 0)).where(payments)
        .scalar_subquery(),
        _overdue_statement().scalar_subquery())


def balance(household_id: int, *, on: date | None = None) -> Balance:
    """The household's account at a glance."""
    invoiced, due, credited, paid, credit, overdue = db.session.execute(
        _balance_statement(), {"household_id": household_id, "on": on or today()}).one()
    return Balance(household_id, invoiced, credited, paid, due, overdue, credit)


@dataclass(frozen=True)
class StatementEntry:
    on: date
    label: str
    reference: str
    debit_cents: int
    credit_cents: int
    running_cents: int


def statement(household_id: int) -> list[StatementEntry]:
    """Invoices, credit notes and payments in date order with the running balance."""
    rows: list[tuple[date, int, str, str, int, int]] = []
    for inv in db.session.execute(select(Invoice).where(
            Invoice.household_id == household_id, Invoice.number.is_not(None))).scalars():
        rows.append((inv.issued_on, 0, _("Facture %(period)s", period=inv.period), inv.number,
                     inv.total_cents, 0))
    for note in db.session.execute(select(CreditNote).where(
            CreditNote.household_id == household_id)).scalars():
        rows.append((note.issued_on, 1, _("Avoir : %(reason)s", reason=note.reason), note.number, 0,
                     note.amount_cents))
    for pay in db.session.execute(select(Payment).where(
            Payment.household_id == household_id)).scalars():
        method = str(PAYMENT_METHOD_LABELS.get(pay.method, pay.method))
        rows.append((pay.received_on, 2, _("Paiement (%(method)s)", method=method),
                     pay.reference or "",
                     0, pay.amount_cents))
    rows.sort(key=lambda row: (row[0], row[1]))
    running = 0
    entries = []
    for on, _order, label, reference, debit, credit in rows:
        running += debit - credit
        entries.append(StatementEntry(on, label, reference, debit, credit, running))
    return entries
