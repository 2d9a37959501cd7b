"""The month's billing run: draft invoices prepared, reviewed, then numbered and issued.

The caller commits. Split from the former ``billing/services.py`` (issue 17.4); scaled for
issue 23.4.

**Streamed.** ``prepare_invoices`` reads the subscriptions to bill in windows of whole
households (about ``BATCH_SUBSCRIPTIONS`` subscriptions each), computes every amount in Python
with the pure functions of ``billing.money`` (tier price, proration, full cost, VAT: their one
home), loads the window's rows into two temporary tables (``billing.run_stage``, ``COPY`` on
PostgreSQL) and writes the invoices and their lines with two ``INSERT … SELECT``. Memory holds
one window, whatever the number of subscriptions. ``issue_invoices`` numbers the drafts in one
``UPDATE`` (the number's format has an SQL twin beside ``billing.numbering.format_number``).

**Idempotent and concurrency-safe.** A subscription line exists once per period (unique), the
read skips what is billed, and two runs of a month queue on ``numbering.lock_period``; an issue
takes the year's counter, then the month's run lock, so that it numbers a fixed set of drafts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import load_only

from billing import numbering
from billing import run_stage as stage
from billing.accounts import allocate
from billing.choices import InvoiceStatus
from billing.models import BillingRun, Invoice, InvoiceLine, Payment
from billing.models_options import InvoiceOptionLine
from billing.money import (
    active_days,
    days_in_month,
    parse_period,
    prorate,
    vat_included,
)
from billing.options import billable_option_lines
from billing.tariffs import prices_for_period
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.signals import invoice_issued
from isp.timeutil import today, utcnow
from subscribers.models import Household, Subscription, Unit

log = logging.getLogger(__name__)

#: Subscriptions read, computed and written at a time (a window of whole households).
BATCH_SUBSCRIPTIONS = 20_000
#: Issued invoices loaded at a time to announce them (``invoice_issued``).
SIGNAL_BATCH = 5_000

#: Days between issue and due date (docs/design.md §3.2).
DUE_DAYS = 30


def check_period(period: str, *, on: date | None = None) -> tuple[date, date]:
    """A well-formed period that has ended; DomainError otherwise."""
    try:
        first, last = parse_period(period)
    except ValueError:
        raise DomainError(_(
            "Période invalide %(period)s : attendu AAAA-MM", period=period), field="period",
                          status=400) from None
    if last >= (on or today()):
        raise DomainError(_(
            "La période %(period)s n'est pas terminée", period=period), field="period")
    return first, last


@dataclass
class RunResult:
    period: str
    invoices: int = 0
    lines: int = 0
    total_cents: int = 0
    skipped: int = 0
    anomalies: list[str] = field(default_factory=list)


# --- preparing the drafts --------------------------------------------------------------------

def _billable(period: str):
    """The subscriptions with days to bill in ``period`` and no line yet, with the household's
    invoice of the period if it has one (its id and status)."""
    first, last = parse_period(period)
    already = exists().where(InvoiceLine.subscription_id == Subscription.id,
                             InvoiceLine.period == period)
    return (select(Subscription.id, Subscription.household_id, Subscription.tier,
                   Subscription.plan_code, Subscription.activated_on, Subscription.terminated_on,
                   Household.holder_name, Unit.code, Invoice.id, Invoice.status)
            .join(Household, Household.id == Subscription.household_id)
            .join(Unit, Unit.id == Subscription.unit_id)
            .outerjoin(Invoice, and_(Invoice.household_id == Subscription.household_id,
                                     Invoice.period == period))
            .where(Subscription.activated_on.is_not(None), Subscription.activated_on <= last,
                   or_(Subscription.terminated_on.is_(None), Subscription.terminated_on > first),
                   ~already))


def _windows(period: str, size: int) -> Iterator[list]:
    """The billable rows in windows of whole households, household then subscription order.

    A window ends at the household of the ``size``-th subscription after the previous one (an
    index-only read of ``subscriptions.household_id``), so no household is split and each
    read is a range of that index.
    """
    low = None
    while True:
        bound = select(Subscription.household_id)
        if low is not None:
            bound = bound.where(Subscription.household_id > low)
        high = db.session.execute(bound.order_by(Subscription.household_id)
                                  .offset(size - 1).limit(1)).scalar_one_or_none()
        statement = _billable(period)
        if low is not None:
            statement = statement.where(Subscription.household_id > low)
        if high is not None:
            statement = statement.where(Subscription.household_id <= high)
        rows = db.session.execute(statement.order_by(Subscription.household_id,
                                                     Subscription.id)).all()
        if rows:
            yield rows
        if high is None:
            return
        low = high


@dataclass
class _Run:
    """What one run carries from window to window (counts, not rows)."""

    period: str
    result: RunResult
    prices: dict[str, int]
    month_days: int
    full_cost: int
    vat_rate: float
    started: object
    options: dict[int, list[dict]]
    unknown_tiers: set[str] = field(default_factory=set)
    #: Households with an issued invoice of the period and new lines (said after the options').
    late_lines: list[str] = field(default_factory=list)
    #: (activated_on, terminated_on) → active days; (tier, plan, days) → a line's figures.
    days: dict[tuple, int] = field(default_factory=dict)
    lines: dict[tuple, tuple] = field(default_factory=dict)


def _line(run: _Run, tier: str, plan_code: str, days: int) -> tuple:
    """A subscription line's figures: tier, plan, days, month days, unit price, amount, full
    cost (the rules of ``billing.money``); empty when the tier has no price for the period."""
    price = run.prices.get(tier)
    if price is None:
        return ()
    return (tier, plan_code, days, run.month_days, price, prorate(price, days, run.month_days),
            prorate(run.full_cost, days, run.month_days))


def _prepare_window(run: _Run, rows: list) -> int:
    """Compute and write one window; the number of subscriptions it read."""
    result, period = run.result, run.period
    invoices, lines, option_rows, touched = [], [], [], []
    index = 0
    while index < len(rows):
        household_id = rows[index][1]
        end = index
        while end < len(rows) and rows[end][1] == household_id:
            end += 1
        held = rows[index:end]
        index = end
        computed = []
        for sub_id, _hh, tier, plan_code, activated, terminated, *_rest in held:
            # Most subscriptions share their dates and tier: each distinct case is computed
            # once per run by the rules (``billing.money``), then looked up.
            days = run.days.get((activated, terminated))
            if days is None:
                days = run.days[activated, terminated] = active_days(period, activated,
                                                                     terminated)
            if days == 0:
                continue
            line = run.lines.get((tier, plan_code, days))
            if line is None:
                line = run.lines[tier, plan_code, days] = _line(run, tier, plan_code, days)
            if not line:
                run.unknown_tiers.add(tier)
                result.skipped += 1
                continue
            computed.append((household_id, sub_id, *line))
        if not computed:
            continue  # its options, if any, are settled after the windows
        invoice_id, status = held[0][8:10]
        holder, unit = held[-1][6:8]
        options = run.options.pop(household_id, [])
        if status is not None and status != InvoiceStatus.DRAFT:
            result.skipped += len(computed) + len(options)
            run.late_lines.append(
                f"Foyer {household_id} : facture déjà émise pour {period}, "
                f"{len(computed)} ligne(s) à corriger par une nouvelle facture")
            continue
        lines += computed
        option_rows.append((household_id, options))
        result.lines += len(computed) + len(options)
        if invoice_id is not None:
            touched.append(invoice_id)
            continue
        total = sum(line[7] for line in computed) + sum(o["amount_cents"] for o in options)
        full = sum(line[8] for line in computed) + sum(o["full_cost_cents"] for o in options)
        invoices.append((household_id, total, vat_included(total, run.vat_rate), full, holder,
                         unit))
        result.invoices += 1
        result.total_cents += total
    stage.load(stage.INVOICES, invoices)
    stage.load(stage.LINES, lines)
    _write_window(run, option_rows, touched)
    stage.clear()
    return len(rows)


def _write_window(run: _Run, option_rows: list[tuple[int, list[dict]]],
                  touched: list[int]) -> None:
    """The staged invoices and lines into their tables (two INSERT … SELECT), then the options'
    lines and the totals of drafts that grew."""
    period, new, staged = run.period, stage.INVOICES.c, stage.LINES.c
    db.session.execute(insert(Invoice).from_select(
        ["household_id", "period", "status", "total_cents", "vat_cents", "full_cost_cents",
         "paid_cents", "holder_name", "unit_code", "created_at"],
        select(new.household_id, literal(period, String),
               literal(InvoiceStatus.DRAFT.value, String), new.total_cents, new.vat_cents,
               new.full_cost_cents, literal(0, Integer), new.holder_name, new.unit_code,
               literal(run.started, Invoice.__table__.c.created_at.type))
        .order_by(new.household_id)))
    db.session.execute(insert(InvoiceLine).from_select(
        ["invoice_id", "subscription_id", "period", "tier", "plan_code", "days",
         "days_in_month", "unit_price_cents", "amount_cents", "full_cost_cents"],
        select(Invoice.id, staged.subscription_id, literal(period, String), staged.tier,
               staged.plan_code, staged.days, staged.days_in_month, staged.unit_price_cents,
               staged.amount_cents, staged.full_cost_cents)
        .select_from(stage.LINES.join(Invoice, and_(
            Invoice.household_id == staged.household_id, Invoice.period == period)))
        .order_by(staged.household_id, staged.subscription_id)))
    _write_option_lines(period, [(hh, options) for hh, options in option_rows if options])
    for invoice_id in touched:
        _refresh_draft_totals(invoice_id, run.vat_rate)


def _write_option_lines(period: str, option_rows: list[tuple[int, list[dict]]]) -> None:
    if not option_rows:
        return
    invoice_ids = dict(db.session.execute(
        select(Invoice.household_id, Invoice.id).where(
            Invoice.period == period,
            Invoice.household_id.in_([household_id for household_id, _o in option_rows]))).all())
    rows = [{**line, "invoice_id": invoice_ids[household_id]}
            for household_id, options in option_rows for line in options]
    db.session.execute(insert(InvoiceOptionLine), rows)


def _settle_options_alone(run: _Run) -> list[str]:
    """Options of households that got no subscription line this run: they join the household's
    draft; with no draft they wait for a subscription line (skipped); an issued invoice of the
    period cannot take them (skipped, reported)."""
    anomalies: list[str] = []
    households = sorted(run.options)
    for start in range(0, len(households), 1000):
        chunk = households[start:start + 1000]
        invoices = {household_id: (invoice_id, status) for household_id, invoice_id, status in
                    db.session.execute(select(Invoice.household_id, Invoice.id, Invoice.status)
                                       .where(Invoice.period == run.period,
                                              Invoice.household_id.in_(chunk)))}
        to_write, touched = [], []
        for household_id in chunk:
            options = run.options.pop(household_id)
            invoice_id, status = invoices.get(household_id, (None, None))
            if invoice_id is None:
                run.result.skipped += len(options)
            elif status != InvoiceStatus.DRAFT:
                run.result.skipped += len(options)
                anomalies.append(
                    f"Foyer {household_id} : facture déjà émise pour {run.period}, "
                    f"{len(options)} ligne(s) d'option à corriger par une nouvelle facture")
            else:
                to_write.append((household_id, options))
                touched.append(invoice_id)
                run.result.lines += len(options)
        _write_option_lines(run.period, to_write)
        for invoice_id in touched:
            _refresh_draft_totals(invoice_id, run.vat_rate)
    return anomalies


def prepare_invoices(period: str, *, actor: User | None, on: date | None = None,
                     progress: Callable[[int, int], None] | None = None,
                     batch_size: int = BATCH_SUBSCRIPTIONS) -> RunResult:
    """Prepare the month's draft invoices (idempotent: only what is not yet billed is added).

    One draft per household with subscription days in the month: a line per subscription
    (its days, the tier's price prorated, the full cost for the subsidy) and a line per option
    held (``billing.options.billable_option_lines``). A household's existing draft takes the new
    lines; a household whose invoice is already issued gets none (reported). Streamed by
    windows of ``batch_size`` subscriptions; ``progress(read, total)`` after each window.
    """
    check_period(period, on=on)
    numbering.lock_period(period)  # two runs at once queue up here
    started = utcnow()
    result = RunResult(period)
    # One line per option held in the month (billing/options.py holds the rule).
    option_lines = billable_option_lines(period)
    run = _Run(period, result, prices_for_period(period), days_in_month(period),
               current_app.config["SERVICE_FULL_COST_CENTS"],
               current_app.config["VAT_RATE_PERCENT"], started, option_lines.by_household)
    result.skipped += option_lines.skipped
    total = db.session.execute(select(func.count()).select_from(
        _billable(period).subquery())).scalar_one() if progress else 0
    stage.open_stage()
    for rows in _windows(period, batch_size):
        read = _prepare_window(run, rows)
        if progress:
            progress(read, total)
    options_alone = _settle_options_alone(run)
    if run.unknown_tiers:
        result.anomalies.append("Paliers sans prix pour la période : "
                                + ", ".join(sorted(run.unknown_tiers)))
    result.anomalies += [*option_lines.anomalies, *run.late_lines, *options_alone]
    db.session.add(BillingRun(period=period, kind="prepare", started_at=started,
                              finished_at=utcnow(), invoices_count=result.invoices,
                              lines_count=result.lines, skipped_count=result.skipped,
                              total_cents=result.total_cents,
                              actor_id=actor.id if actor else None))
    db.session.flush()
    log.info("Billing run %s: %d draft invoices, %d lines", period, result.invoices, result.lines)
    return result


def _refresh_draft_totals(invoice_id: int, vat_rate) -> None:
    total, full = db.session.execute(
        select(func.coalesce(func.sum(InvoiceLine.amount_cents), 0),
               func.coalesce(func.sum(InvoiceLine.full_cost_cents), 0))
        .where(InvoiceLine.invoice_id == invoice_id)).one()
    option_total, option_full = db.session.execute(
        select(func.coalesce(func.sum(InvoiceOptionLine.amount_cents), 0),
               func.coalesce(func.sum(InvoiceOptionLine.full_cost_cents), 0))
        .where(InvoiceOptionLine.invoice_id == invoice_id)).one()
    total, full = total + option_total, full + option_full
    db.session.execute(update(Invoice).where(Invoice.id == invoice_id).values(
        total_cents=total, full_cost_cents=full, vat_cents=vat_included(total, vat_rate)))


def discard_drafts(period: str, *, actor: User) -> int:
    """Drop the period's drafts so that a new run picks up changes (issued ones stay)."""
    check_period(period)
    numbering.lock_period(period)
    drafts = select(Invoice.id).where(Invoice.period == period,
                                      Invoice.status == InvoiceStatus.DRAFT)
    db.session.execute(InvoiceLine.__table__.delete().where(InvoiceLine.invoice_id.in_(drafts)))
    db.session.execute(InvoiceOptionLine.__table__.delete().where(
        InvoiceOptionLine.invoice_id.in_(drafts)))
    count = db.session.execute(Invoice.__table__.delete().where(
        Invoice.period == period, Invoice.status == InvoiceStatus.DRAFT)).rowcount
    log.info("%s discarded %d drafts of %s", actor.email, count, period)
    return count


@dataclass
class IssueResult:
    period: str
    issued: int = 0
    total_cents: int = 0
    skipped: int = 0
    first_number: str | None = None
    last_number: str | None = None


def issue_invoices(period: str, *, actor: User | None, issued_on: date | None = None,
                   progress: Callable[[int, int], None] | None = None) -> IssueResult:
    """Number and issue the period's non-zero drafts inside this transaction (idempotent).

    The numbers follow the flats' order (unit code, then id) without gaps: the year's block is
    reserved, then one UPDATE gives each draft ``last + its rank``.
    """
    _first, last = check_period(period, on=issued_on or today())
    issued_on = issued_on or today()
    if issued_on > today():
        raise DomainError(_("La date d'émission ne peut pas être dans le futur"), field="issued_on")
    year = issued_on.year
    # First statement of the transaction: lock the year's counter, so a concurrent issuer waits
    # here and then sees the drafts this one has issued.
    numbering.lock_series(f"{numbering.INVOICE_PREFIX}-{year:04d}")
    # Then the month's run lock: no preparation adds drafts while they are counted and numbered.
    numbering.lock_period(period)
    latest = db.session.execute(select(func.max(Invoice.issued_on)).where(
        Invoice.number.like(f"{numbering.INVOICE_PREFIX}-{year:04d}-%"))).scalar_one()
    if latest is not None and latest > issued_on:
        raise DomainError(_(
            "Des factures ont déjà été émises le %(value)s : la numérotation suit l'ordre "
            "chronologique", value=latest.isoformat()), field="issued_on")
    result = IssueResult(period)
    drafts = and_(Invoice.period == period, Invoice.status == InvoiceStatus.DRAFT)
    count, zero, total = db.session.execute(select(
        func.count(), func.coalesce(func.sum(case((Invoice.total_cents <= 0, 1), else_=0)), 0),
        func.coalesce(func.sum(case((Invoice.total_cents > 0, Invoice.total_cents),
                                    else_=0)), 0)).where(drafts)).one()
    to_issue = int(count) - int(zero)
    result.skipped = int(zero)
    before = numbering.reserve_block(numbering.INVOICE_PREFIX, year, to_issue)
    if to_issue:
        ranked = select(Invoice.id, func.row_number().over(
            order_by=(Invoice.unit_code, Invoice.id)).label("rank")) \
            .where(drafts, Invoice.total_cents > 0).subquery()
        numbered = db.session.execute(
            update(Invoice).where(Invoice.id == ranked.c.id).values(
                number=numbering.number_sql(numbering.INVOICE_PREFIX, year,
                                            before + ranked.c.rank),
                status=InvoiceStatus.ISSUED, issued_on=issued_on,
                due_on=issued_on + timedelta(days=DUE_DAYS))
            .execution_options(synchronize_session=False)).rowcount
        if numbered != to_issue:  # the run lock makes this impossible; never leave a gap
            raise RuntimeError(f"{numbered} drafts numbered, {to_issue} counted")
        if progress:
            progress(to_issue, to_issue)
        result.first_number = numbering.format_number(numbering.INVOICE_PREFIX, year, before + 1)
        result.last_number = numbering.format_number(numbering.INVOICE_PREFIX, year,
                                                     before + to_issue)
    result.issued = to_issue
    result.total_cents = int(total)
    # Households with credit (an overpayment) see it used on the new invoices.
    for household_id in db.session.execute(select(Payment.household_id).where(
            Payment.unallocated_cents > 0).distinct()).scalars().all():
        allocate(household_id, on=issued_on)
    if invoice_issued.receivers and to_issue:  # residents' notices (an invoice available)
        _announce(year, before, to_issue)
    db.session.add(BillingRun(period=period, kind="issue", finished_at=utcnow(),
                              invoices_count=result.issued, skipped_count=result.skipped,
                              total_cents=result.total_cents,
                              actor_id=actor.id if actor else None))
    db.session.flush()
    log.info("Issued %d invoices of %s (%s to %s)", result.issued, period, result.first_number,
             result.last_number)
    return result


def _announce(year: int, before: int, count: int) -> None:
    """``invoice_issued`` for each invoice this issue numbered (``before + 1 … before + count``),
    found ``SIGNAL_BATCH`` numbers at a time through the unique index on the number."""
    for start in range(before + 1, before + count + 1, SIGNAL_BATCH):
        numbers = [numbering.format_number(numbering.INVOICE_PREFIX, year, value)
                   for value in range(start, min(start + SIGNAL_BATCH, before + count + 1))]
        for invoice in db.session.execute(
                select(Invoice).options(load_only(  # what a notice says; the rest loads on use
                    Invoice.id, Invoice.number, Invoice.household_id, Invoice.period,
                    Invoice.status, Invoice.total_cents, Invoice.issued_on, Invoice.due_on))
                .where(Invoice.number.in_(numbers)).order_by(Invoice.id)).scalars():
            invoice_issued.send(invoice, household_id=invoice.household_id)
