"""Invoices (lookup, lists) and credit notes against issued invoices. The caller commits."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import Select, bindparam, or_, select

from billing import numbering
from billing.accounts import allocate, credited_cents, lock_invoice, release_payments, set_status
from billing.choices import CreditNoteKind
from billing.models import Allocation, CreditNote, Invoice, InvoiceLine
from billing.models_options import InvoiceOptionLine
from billing.money import vat_included
from isp.database import AmongIds, built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.pagination import ListStatements
from isp.timeutil import today
from subscribers.models import Building, Household, Unit


def get_invoice(number: str) -> Invoice:
    invoice = db.session.execute(select(Invoice).where(Invoice.number == number)) \
        .scalar_one_or_none()
    if invoice is None:
        raise NotFoundError(_("Facture %(number)s introuvable", number=number))
    return invoice


def invoices_query(*, period: str | None = None, status: str | None = None,
                   building_code: str | None = None, search: str | None = None,
                   household_id: int | None = None, include_drafts: bool = False) -> Select:
    """Invoices for lists and the API, newest first.

    The flat and its building are joined only to filter by building: an invoice always has a
    household, which always has a flat, so the joins never changed the rows (issue 23.3: the
    lists and their counts read ``invoices`` alone)."""
    values = _filter_values(period, status, building_code, household_id)
    statement = _invoices_statement(tuple(values), include_drafts)
    if search and search.strip():
        statement = statement.where(_search_condition(search))
    return statement.params(**values)


def invoice_list(columns: tuple, *, period: str | None = None, status: str | None = None,
                 building_code: str | None = None, search: str | None = None,
                 household_id: int | None = None, include_drafts: bool = False) -> ListStatements:
    """``invoices_query``'s invoices as a list reads them, its ``columns`` as plain rows: the
    statements built once per set of filters used and columns (isp.database.built_once), the
    filters' values as values; a search adds its words (issue 23.3). Newest first;
    ``count_rows``: the invoices' ids."""
    values = _filter_values(period, status, building_code, household_id)
    rows, count_rows = _invoice_list_statements(columns, tuple(values), include_drafts)
    listed = ListStatements(rows, values, count_rows)
    return listed.where(_search_condition(search)) if search and search.strip() else listed


def _filter_values(period: str | None, status: str | None, building_code: str | None,
                   household_id: int | None) -> dict[str, object]:
    return {name: value for name, value in (
        ("period", period), ("status", status), ("building_code", building_code),
        ("household_id", household_id)) if value}


def _search_condition(search: str):
    pattern = f"%{search.strip()}%"
    return or_(Invoice.number.ilike(pattern), Invoice.holder_name.ilike(pattern),
               Invoice.unit_code.ilike(pattern))


@built_once
def _invoices_statement(filtered: tuple[str, ...], include_drafts: bool) -> Select:
    """``invoices_query`` with the filters ``filtered`` as bind parameters of their names."""
    statement = select(Invoice)
    if not include_drafts:
        statement = statement.where(Invoice.number.is_not(None))
    for name in ("period", "status", "household_id"):
        if name in filtered:
            statement = statement.where(getattr(Invoice, name) == bindparam(name))
    if "building_code" in filtered:
        statement = statement.join(Household, Household.id == Invoice.household_id) \
            .join(Unit, Unit.id == Household.unit_id) \
            .join(Building, Building.id == Unit.building_id) \
            .where(Building.code == bindparam("building_code"))
    return statement.order_by(*_newest_first())


@built_once
def _invoice_list_statements(columns: tuple, filtered: tuple[str, ...],
                             include_drafts: bool) -> tuple[Select, Select]:
    statement = _invoices_statement(filtered, include_drafts)
    return statement.with_only_columns(*columns), statement.with_only_columns(Invoice.id)


#: What the invoices page shows of each.
INVOICE_PAGE_COLUMNS = (Invoice.number, Invoice.period, Invoice.holder_name, Invoice.unit_code,
                        Invoice.total_cents, Invoice.due_on, Invoice.status)

#: What a list of invoices shows of each (the API's ``invoice_json``), as plain rows: an ORM
#: object per invoice and per line, loaded by ``selectinload``, cost more than the rest of
#: the request (issue 23.3).
INVOICE_LIST_COLUMNS = (Invoice.id, Invoice.number, Invoice.household_id, Invoice.unit_code,
                        Invoice.period, Invoice.total_cents, Invoice.vat_cents,
                        Invoice.full_cost_cents, Invoice.subsidy_cents.label("subsidy_cents"),
                        Invoice.paid_cents, Invoice.issued_on,
                        Invoice.due_on, Invoice.status)


def lines_of_invoices(invoice_ids: list[int]) -> tuple[dict[int, list], dict[int, list]]:
    """The lines and the option lines of these invoices (plain rows, in their order), each by
    invoice id: two statements for a page of invoices."""
    lines: dict[int, list] = {invoice_id: [] for invoice_id in invoice_ids}
    option_lines: dict[int, list] = {invoice_id: [] for invoice_id in invoice_ids}
    if invoice_ids:
        for row in db.session.execute(_lines_statement(), {"ids": invoice_ids}):
            lines[row.invoice_id].append(row)
        for row in db.session.execute(_option_lines_statement(), {"ids": invoice_ids}):
            option_lines[row.invoice_id].append(row)
    return lines, option_lines


@built_once
def _lines_statement() -> Select:
    return (select(InvoiceLine.invoice_id, InvoiceLine.subscription_id, InvoiceLine.tier,
                   InvoiceLine.days, InvoiceLine.amount_cents)
            .where(AmongIds(InvoiceLine.invoice_id, "ids")).order_by(InvoiceLine.id))


@built_once
def _option_lines_statement() -> Select:
    return (select(InvoiceOptionLine.invoice_id, InvoiceOptionLine.subscription_id,
                   InvoiceOptionLine.option_code, InvoiceOptionLine.tier, InvoiceOptionLine.days,
                   InvoiceOptionLine.unit_price_cents, InvoiceOptionLine.full_cost_cents,
                   InvoiceOptionLine.subsidy_cents.label("subsidy_cents"),
                   InvoiceOptionLine.amount_cents)
            .where(AmongIds(InvoiceOptionLine.invoice_id, "ids")).order_by(InvoiceOptionLine.id))


def _newest_first() -> tuple:
    return Invoice.period.desc(), Invoice.number.desc(), Invoice.id.desc()


@built_once
def household_invoices_statement(limit: int) -> Select:
    """A household's newest issued invoices (the household page's section), as
    ``invoices_query(household_id=…)`` orders them; built once (isp.database.built_once),
    value ``household_id``."""
    return (select(Invoice).where(Invoice.number.is_not(None),
                                  Invoice.household_id == bindparam("household_id"))
            .order_by(*_newest_first()).limit(limit))


def issue_credit_note(invoice: Invoice, *, actor: User | None, amount_cents: int, reason: str,
                      kind: str = CreditNoteKind.CORRECTION,
                      issued_on: date | None = None) -> CreditNote:
    """AV-YYYY-NNNNNN against an issued invoice; the invoice itself never changes."""
    if invoice.number is None:
        raise DomainError(_("Un brouillon se corrige en relançant la préparation"), status=409)
    if kind not in list(CreditNoteKind):
        raise DomainError(_("Type d'avoir inconnu : %(kind)s", kind=kind), field="kind")
    if not (reason or "").strip():
        raise DomainError(_("Le motif de l'avoir est obligatoire"), field="reason")
    if amount_cents <= 0:
        raise DomainError(_("Le montant de l'avoir doit être positif"), field="amount_cents")
    # The room left is computed under the invoice's lock: eight parallel credit notes of the
    # whole amount leave one, not eight (issue 19.1).
    invoice = lock_invoice(invoice)
    room = invoice.total_cents - credited_cents(invoice)
    if amount_cents > room:
        raise DomainError(_(
            "L'avoir dépasse le montant restant de la facture (%(room)s centimes)", room=room),
                          field="amount_cents")
    issued_on = issued_on or today()
    number = numbering.reserve(numbering.CREDIT_NOTE_PREFIX, issued_on.year)[0]
    note = CreditNote(number=number, invoice_id=invoice.id, household_id=invoice.household_id,
                      kind=kind, amount_cents=amount_cents, reason=reason.strip(),
                      issued_on=issued_on, created_by_id=actor.id if actor else None,
                      vat_cents=vat_included(amount_cents,
                                             current_app.config["VAT_RATE_PERCENT"]))
    db.session.add(note)
    db.session.flush()
    excess = amount_cents - invoice.due_cents
    if excess > 0:
        release_payments(invoice, excess)
    db.session.add(Allocation(invoice_id=invoice.id, credit_note_id=note.id,
                              amount_cents=amount_cents, allocated_on=issued_on))
    invoice.paid_cents += amount_cents
    set_status(invoice)
    db.session.flush()
    allocate(invoice.household_id, on=issued_on)
    return note
