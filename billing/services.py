"""Tariffs, billing runs, invoices, credit notes, payments and balances. The caller commits.

The month's run is set-based: one read of the subscriptions to bill, the amounts computed by the
pure functions of ``billing.money``, bulk inserts; a re-run finds nothing left to bill.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, insert, or_, select, update

from billing import numbering
from billing.choices import (
    OPEN_STATUSES,
    PAYMENT_METHOD_LABELS,
    CreditNoteKind,
    InvoiceStatus,
    PaymentMethod,
)
from billing.fields import AMOUNT_CENTS, RECEIVED_ON, REFERENCE
from billing.models import (
    Allocation,
    BillingRun,
    CreditNote,
    Invoice,
    InvoiceLine,
    Payment,
    Plan,
    Tier,
    TierPrice,
)
from billing.money import (
    active_days,
    days_in_month,
    format_euros,
    next_period_start,
    parse_period,
    previous_period,
    prorate,
    vat_included,
)
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.models import User
from isp.signals import invoice_issued, plan_speeds_changed
from isp.timeutil import today, utcnow

log = logging.getLogger(__name__)

#: The default grid of docs/design.md §3.1 (the migration inserts the same rows).
DEFAULT_PLAN = {"code": "SOLIDAIRE-1G", "name": "Internet solidaire", "down_kbps": 1_000_000,
                "up_kbps": 1_000_000, "reduced_down_kbps": 8_000, "reduced_up_kbps": 2_000,
                "description": "Fibre 1 Gbit/s symétrique ; débit réduit : 8 Mbit/s / 2 Mbit/s."}
DEFAULT_TIERS = (
    ("T1", "Tarif solidaire 1", "Le foyer perçoit le RSA, l'ASS, l'AAH ou la CSS, ou son quotient "
     "familial CAF est inférieur ou égal à 600 €.", 1, True, 600, 290),
    ("T2", "Tarif solidaire 2", "Quotient familial CAF entre 601 € et 900 €.", 2, False, 900, 590),
    ("T3", "Tarif solidaire 3", "Quotient familial CAF au-dessus de 900 €, ou aucun justificatif.",
     3, False, None, 990),
)
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


# --- tariffs ---------------------------------------------------------------------------------

def ensure_default_grid() -> bool:
    """Create the default plan and tiers when the tables are empty (demo, fresh databases)."""
    created = False
    if db.session.execute(select(Plan.id).limit(1)).first() is None:
        db.session.add(Plan(**DEFAULT_PLAN))
        created = True
    if db.session.execute(select(Tier.id).limit(1)).first() is None:
        for code, label, rule, position, minima, qf_max, price in DEFAULT_TIERS:
            tier = Tier(code=code, label=label, rule_text=rule, position=position,
                        covers_minima=minima, qf_max_euros=qf_max)
            tier.prices.append(TierPrice(valid_from=date(2000, 1, 1), price_cents=price))
            db.session.add(tier)
        created = True
    db.session.flush()
    return created


def tiers() -> list[Tier]:
    return list(db.session.execute(select(Tier).order_by(Tier.position, Tier.code)).scalars())


def get_tier(code: str) -> Tier:
    tier = db.session.execute(select(Tier).where(Tier.code == code)).scalar_one_or_none()
    if tier is None:
        raise NotFoundError(_("Palier %(code)s inconnu", code=code), field="tier")
    return tier


def get_plan(code: str) -> Plan:
    plan = db.session.execute(select(Plan).where(Plan.code == code)).scalar_one_or_none()
    if plan is None:
        raise NotFoundError(_("Offre %(code)s inconnue", code=code), field="plan")
    return plan


def price_on(tier: Tier, day: date) -> int | None:
    """The tier's monthly price for a month starting on ``day``."""
    prices = [p for p in tier.prices if p.valid_from <= day]
    return prices[-1].price_cents if prices else None


def prices_for_period(period: str) -> dict[str, int]:
    """Tier code → monthly price (cents) applying to the period."""
    first, _last = parse_period(period)
    latest = select(TierPrice.tier_id, func.max(TierPrice.valid_from).label("valid_from")) \
        .where(TierPrice.valid_from <= first).group_by(TierPrice.tier_id).subquery()
    rows = db.session.execute(
        select(Tier.code, TierPrice.price_cents).join(TierPrice, TierPrice.tier_id == Tier.id)
        .join(latest, and_(latest.c.tier_id == TierPrice.tier_id,
                           latest.c.valid_from == TierPrice.valid_from)))
    return dict(rows.all())


#: Highest monthly price accepted for a social tier (a typo guard: 1 000 €).
MAX_TIER_PRICE_CENTS = 100_000


def set_tier_price(tier: Tier, *, actor: User, price_cents: int, valid_from: date,
                   on: date | None = None) -> TierPrice | None:
    """The tier's monthly price from the month starting ``valid_from`` (the page and the API).

    A price never changes a month already invoiced: ``valid_from`` is the first day of a
    month with no issued invoice of it or of a later month. None when the price is unchanged.
    """
    if not isinstance(price_cents, int) or isinstance(price_cents, bool):
        raise DomainError(_("Le prix doit être un nombre entier de centimes"),
                          field="monthly_price_cents", status=400)
    if price_cents < 0:
        raise DomainError(_("Le prix ne peut pas être négatif"), field="monthly_price_cents")
    if price_cents > MAX_TIER_PRICE_CENTS:
        raise DomainError(_(
            "Le prix dépasse %(value)s € par mois", value=MAX_TIER_PRICE_CENTS // 100),
                          field="monthly_price_cents")
    if valid_from.day != 1:
        raise DomainError(_("Un prix s'applique à partir du premier jour d'un mois"),
                          field="valid_from")
    period = valid_from.strftime("%Y-%m")
    issued = db.session.execute(
        select(func.max(InvoiceLine.period)).join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(InvoiceLine.tier == tier.code, InvoiceLine.period >= period,
               Invoice.number.is_not(None))).scalar_one()
    if issued is not None:
        raise DomainError(_(
            "Des factures du palier %(code)s sont déjà émises pour %(issued)s : un nouveau "
            "prix s'applique à un mois pas encore facturé", code=tier.code, issued=issued),
                          field="valid_from", status=409)
    if price_on(tier, valid_from) == price_cents:
        return None
    new_price = next((p for p in tier.prices if p.valid_from == valid_from), None)
    if new_price is None:
        new_price = TierPrice(valid_from=valid_from, price_cents=price_cents)
        tier.prices.append(new_price)
    new_price.price_cents, new_price.set_by_id, new_price.set_at = \
        price_cents, actor.id, utcnow()
    db.session.flush()
    db.session.expire(tier, ["prices"])  # kept in valid_from order
    return new_price


def update_tier(tier: Tier, *, actor: User, label: str, rule_text: str, price_cents: int,
                on: date | None = None) -> TierPrice | None:
    """Edit a tier (page); a new price applies from the next month, past invoices never change."""
    if not label.strip() or not rule_text.strip():
        raise DomainError(_("Le libellé et la règle sont obligatoires"), field="rule_text")
    tier.label, tier.rule_text = label.strip(), rule_text.strip()
    return set_tier_price(tier, actor=actor, price_cents=price_cents,
                          valid_from=next_period_start(on or today()))


@dataclass(frozen=True)
class PlanSpeeds:
    """A plan's rates in kbit/s: full service and reduced service (dunning), down and up."""

    down_kbps: int
    up_kbps: int
    reduced_down_kbps: int
    reduced_up_kbps: int


def _speeds_of(plan: Plan | None) -> PlanSpeeds:
    if plan is None:
        return PlanSpeeds(*(DEFAULT_PLAN[key] for key in PlanSpeeds.__dataclass_fields__))
    return PlanSpeeds(plan.down_kbps, plan.up_kbps, plan.reduced_down_kbps,
                      plan.reduced_up_kbps)


def plan_speeds_kbps(plan_code: str) -> PlanSpeeds:
    """The speeds a subscription to ``plan_code`` gets (the one home of this rule).

    A code with no plan row (a fresh database before ``ensure_default_grid``) gets the default
    plan's speeds, which the migration also inserts.
    """
    return _speeds_of(db.session.execute(
        select(Plan).where(Plan.code == plan_code)).scalar_one_or_none())


def create_plan(*, actor: User, code: str, name: str, down_kbps: int, up_kbps: int,
                reduced_down_kbps: int, reduced_up_kbps: int, description: str | None) -> Plan:
    """Add a plan (admin): a new code, a name and speeds checked as ``update_plan`` does.
    No port uses it yet, so nothing is provisioned."""
    code = (code or "").strip().upper()
    if not code or len(code) > 30 or not set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"):
        raise DomainError(_("Le code ne contient que des lettres, chiffres, « - » et « _ »"),
                          field="code")
    if db.session.execute(select(Plan.id).where(Plan.code == code)).first() is not None:
        raise DomainError(_("L'offre %(code)s existe déjà", code=code), field="code", status=409)
    _check_speeds(down_kbps, up_kbps, reduced_down_kbps, reduced_up_kbps)
    plan = Plan(code=code, name=name.strip(), description=(description or "").strip() or None,
                down_kbps=down_kbps, up_kbps=up_kbps, reduced_down_kbps=reduced_down_kbps,
                reduced_up_kbps=reduced_up_kbps)
    db.session.add(plan)
    db.session.flush()
    return plan


def _check_speeds(down_kbps: int, up_kbps: int, reduced_down_kbps: int,
                  reduced_up_kbps: int) -> None:
    if min(down_kbps, up_kbps, reduced_down_kbps, reduced_up_kbps) <= 0:
        raise DomainError(_("Les débits doivent être positifs"), field="down_kbps")
    if reduced_down_kbps > down_kbps or reduced_up_kbps > up_kbps:
        raise DomainError(_("Le débit réduit dépasse le débit normal"), field="reduced_down_kbps")


def update_plan(plan: Plan, *, actor: User, name: str, down_kbps: int, up_kbps: int,
                reduced_down_kbps: int, reduced_up_kbps: int, description: str | None) -> Plan:
    """Edit a plan's name and speeds (admin); changed speeds are announced
    (``plan_speeds_changed``) so that the switches get them."""
    _check_speeds(down_kbps, up_kbps, reduced_down_kbps, reduced_up_kbps)
    plan.name, plan.description = name.strip(), (description or "").strip() or None
    before = _speeds_of(plan)
    plan.down_kbps, plan.up_kbps = down_kbps, up_kbps
    plan.reduced_down_kbps, plan.reduced_up_kbps = reduced_down_kbps, reduced_up_kbps
    db.session.flush()
    after = _speeds_of(plan)
    if after != before:
        plan_speeds_changed.send(plan, before=before, after=after, actor=actor)
    return plan


# --- the billing run -------------------------------------------------------------------------

@dataclass
class RunResult:
    period: str
    invoices: int = 0
    lines: int = 0
    total_cents: int = 0
    skipped: int = 0
    anomalies: list[str] = field(default_factory=list)


def _billable_subscriptions(period: str):
    from subscribers.models import Household, Subscription, Unit

    first, last = parse_period(period)
    already = exists().where(InvoiceLine.subscription_id == Subscription.id,
                             InvoiceLine.period == period)
    return (select(Subscription.id, Subscription.household_id, Subscription.tier,
                   Subscription.plan_code, Subscription.activated_on, Subscription.terminated_on,
                   Household.holder_name, Unit.code)
            .join(Household, Household.id == Subscription.household_id)
            .join(Unit, Unit.id == Subscription.unit_id)
            .where(Subscription.activated_on.is_not(None), Subscription.activated_on <= last,
                   or_(Subscription.terminated_on.is_(None), Subscription.terminated_on > first),
                   ~already)
            .order_by(Subscription.household_id, Subscription.id))


def prepare_invoices(period: str, *, actor: User | None, on: date | None = None,
                     progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Prepare the month's draft invoices (idempotent: only what is not yet billed is added)."""
    check_period(period, on=on)
    numbering.lock_period(period)  # two runs at once queue up here
    started = utcnow()
    result = RunResult(period)
    prices = prices_for_period(period)
    month_days = days_in_month(period)
    full_cost = current_app.config["SERVICE_FULL_COST_CENTS"]
    vat_rate = current_app.config["VAT_RATE_PERCENT"]
    by_household: dict[int, list[dict]] = defaultdict(list)
    holders: dict[int, tuple[str, str]] = {}
    unknown_tiers: set[str] = set()
    for sub_id, household_id, tier, plan_code, activated, terminated, holder, unit in \
            db.session.execute(_billable_subscriptions(period)):
        days = active_days(period, activated, terminated)
        if days == 0:
            continue
        price = prices.get(tier)
        if price is None:
            unknown_tiers.add(tier)
            result.skipped += 1
            continue
        by_household[household_id].append({
            "subscription_id": sub_id, "period": period, "tier": tier, "plan_code": plan_code,
            "days": days, "days_in_month": month_days, "unit_price_cents": price,
            "amount_cents": prorate(price, days, month_days),
            "full_cost_cents": prorate(full_cost, days, month_days)})
        holders[household_id] = (holder, unit)
    if unknown_tiers:
        result.anomalies.append("Paliers sans prix pour la période : "
                                + ", ".join(sorted(unknown_tiers)))
    # One line per option held in the month (billing/options.py holds the rule).
    from billing.options import billable_option_lines

    option_lines = billable_option_lines(period)
    result.skipped += option_lines.skipped
    result.anomalies += option_lines.anomalies
    with_options = set(option_lines.by_household)
    existing = dict(db.session.execute(
        select(Invoice.household_id, Invoice.id).where(Invoice.period == period,
                                                        Invoice.status == InvoiceStatus.DRAFT)
    ).all()) if by_household or with_options else {}
    issued_households = set(db.session.execute(
        select(Invoice.household_id).where(Invoice.period == period,
                                           Invoice.status != InvoiceStatus.DRAFT)
    ).scalars()) if by_household or with_options else set()
    # An option line joins the invoice of its subscription's line: a household whose
    # subscription line is not billed this run (skipped) gets no invoice for its options alone.
    for household_id in sorted(with_options - set(by_household) - set(existing)
                               - issued_households):
        result.skipped += len(option_lines.by_household.pop(household_id))
    new_invoices = []
    for household_id, lines in by_household.items():
        if household_id in issued_households:
            result.skipped += len(lines)
            result.anomalies.append(f"Foyer {household_id} : facture déjà émise pour {period}, "
                                    f"{len(lines)} ligne(s) à corriger par une nouvelle facture")
            continue
        if household_id not in existing:
            both = [*lines, *option_lines.by_household.get(household_id, ())]
            total = sum(line["amount_cents"] for line in both)
            holder, unit = holders[household_id]
            new_invoices.append({
                "household_id": household_id, "period": period, "status": InvoiceStatus.DRAFT,
                "total_cents": total, "vat_cents": vat_included(total, vat_rate),
                "full_cost_cents": sum(line["full_cost_cents"] for line in both),
                "paid_cents": 0, "holder_name": holder, "unit_code": unit,
                "created_at": started})
    for start in range(0, len(new_invoices), 5000):
        db.session.execute(insert(Invoice), new_invoices[start:start + 5000])
        if progress:
            progress(len(new_invoices[start:start + 5000]), len(new_invoices))
    if new_invoices:
        existing = dict(db.session.execute(
            select(Invoice.household_id, Invoice.id).where(
                Invoice.period == period, Invoice.status == InvoiceStatus.DRAFT)).all())
    line_rows = []
    option_rows = []
    touched_drafts = []
    created_households = {row["household_id"] for row in new_invoices}
    for household_id in [*by_household, *(set(option_lines.by_household) - set(by_household))]:
        options_held = option_lines.by_household.get(household_id, [])
        if household_id in issued_households:
            if household_id not in by_household:
                result.skipped += len(options_held)
                result.anomalies.append(
                    f"Foyer {household_id} : facture déjà émise pour {period}, "
                    f"{len(options_held)} ligne(s) d'option à corriger par une nouvelle facture")
            else:
                result.skipped += len(options_held)
            continue
        invoice_id = existing[household_id]
        if household_id not in created_households:
            touched_drafts.append(invoice_id)
        for line in by_household.get(household_id, []):
            line["invoice_id"] = invoice_id
            line_rows.append(line)
        for line in options_held:
            line["invoice_id"] = invoice_id
            option_rows.append(line)
    for start in range(0, len(line_rows), 10000):
        db.session.execute(insert(InvoiceLine), line_rows[start:start + 10000])
    if option_rows:
        from billing.models_options import InvoiceOptionLine

        db.session.execute(insert(InvoiceOptionLine), option_rows)
    for invoice_id in touched_drafts:
        _refresh_draft_totals(invoice_id, vat_rate)
    result.invoices = len(new_invoices)
    result.lines = len(line_rows) + len(option_rows)
    result.total_cents = sum(row["total_cents"] for row in new_invoices)
    db.session.add(BillingRun(period=period, kind="prepare", started_at=started,
                              finished_at=utcnow(), invoices_count=result.invoices,
                              lines_count=result.lines, skipped_count=result.skipped,
                              total_cents=result.total_cents,
                              actor_id=actor.id if actor else None))
    db.session.flush()
    log.info("Billing run %s: %d draft invoices, %d lines", period, result.invoices, result.lines)
    return result


def _refresh_draft_totals(invoice_id: int, vat_rate) -> None:
    from billing.models_options import InvoiceOptionLine

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
    from billing.models_options import InvoiceOptionLine

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
    """Number and issue the period's non-zero drafts inside this transaction (idempotent)."""
    _first, last = check_period(period, on=issued_on or today())
    issued_on = issued_on or today()
    if issued_on > today():
        raise DomainError(_("La date d'émission ne peut pas être dans le futur"), field="issued_on")
    year = issued_on.year
    # First statement of the transaction: lock the year's counter, so a concurrent issuer waits
    # here and then sees the drafts this one has issued.
    numbering.lock_series(f"{numbering.INVOICE_PREFIX}-{year:04d}")
    latest = db.session.execute(select(func.max(Invoice.issued_on)).where(
        Invoice.number.like(f"{numbering.INVOICE_PREFIX}-{year:04d}-%"))).scalar_one()
    if latest is not None and latest > issued_on:
        raise DomainError(_(
            "Des factures ont déjà été émises le %(value)s : la numérotation suit l'ordre "
            "chronologique", value=latest.isoformat()), field="issued_on")
    result = IssueResult(period)
    drafts = db.session.execute(
        select(Invoice.id, Invoice.total_cents).where(Invoice.period == period,
                                                      Invoice.status == InvoiceStatus.DRAFT)
        .order_by(Invoice.unit_code, Invoice.id)).all()
    to_issue = [(invoice_id, total) for invoice_id, total in drafts if total > 0]
    result.skipped = len(drafts) - len(to_issue)
    numbers = numbering.reserve(numbering.INVOICE_PREFIX, year, len(to_issue))
    due_on = issued_on + timedelta(days=DUE_DAYS)
    rows = [{"id": invoice_id, "number": number, "status": InvoiceStatus.ISSUED,
             "issued_on": issued_on, "due_on": due_on}
            for (invoice_id, _total), number in zip(to_issue, numbers, strict=True)]
    for start in range(0, len(rows), 5000):
        db.session.execute(update(Invoice), rows[start:start + 5000])
        if progress:
            progress(len(rows[start:start + 5000]), len(rows))
    result.issued = len(rows)
    result.total_cents = sum(total for _id, total in to_issue)
    if numbers:
        result.first_number, result.last_number = numbers[0], numbers[-1]
    # Households with credit (an overpayment) see it used on the new invoices.
    for household_id in db.session.execute(select(Payment.household_id).where(
            Payment.unallocated_cents > 0).distinct()).scalars().all():
        allocate(household_id, on=issued_on)
    if invoice_issued.receivers and rows:  # residents' notices (an invoice available)
        issued_ids = [row["id"] for row in rows]
        for start in range(0, len(issued_ids), 5000):
            for invoice in db.session.execute(select(Invoice).where(
                    Invoice.id.in_(issued_ids[start:start + 5000]))).scalars():
                invoice_issued.send(invoice, household_id=invoice.household_id)
    db.session.add(BillingRun(period=period, kind="issue", finished_at=utcnow(),
                              invoices_count=result.issued, skipped_count=result.skipped,
                              total_cents=result.total_cents,
                              actor_id=actor.id if actor else None))
    db.session.flush()
    log.info("Issued %d invoices of %s (%s to %s)", result.issued, period, result.first_number,
             result.last_number)
    return result


@dataclass
class Review:
    """What an operator checks before issuing: totals, changes from last month, anomalies."""

    period: str
    drafts: int
    total_cents: int
    zero_total: int
    issued: int
    previous_total_cents: int
    previous_count: int
    by_tier: list[tuple[str, int, int]]
    anomalies: list[tuple[str, int, str]]
    #: (option code, lines, amount, subsidy) of the drafts' option lines (issue 22.3)
    by_option: list[tuple[str, int, int, int]] = field(default_factory=list)


def review(period: str) -> Review:
    """Totals and anomalies of the period's drafts."""
    from subscribers.models import Household, Subscription

    first, last = check_period(period)
    in_period = Invoice.period == period
    drafts, total, zero = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Invoice.total_cents), 0),
               func.coalesce(func.sum(case((Invoice.total_cents <= 0, 1), else_=0)), 0))
        .where(in_period, Invoice.status == InvoiceStatus.DRAFT)).one()
    issued = db.session.execute(select(func.count()).where(
        in_period, Invoice.status != InvoiceStatus.DRAFT)).scalar_one()
    prev_count, prev_total = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Invoice.total_cents), 0)).where(
            Invoice.period == previous_period(period), Invoice.number.is_not(None))).one()
    by_tier = db.session.execute(
        select(InvoiceLine.tier, func.count(), func.sum(InvoiceLine.amount_cents))
        .join(Invoice).where(in_period, Invoice.status == InvoiceStatus.DRAFT)
        .group_by(InvoiceLine.tier).order_by(InvoiceLine.tier)).all()
    anomalies: list[tuple[str, int, str]] = []
    moved = db.session.execute(
        select(Invoice.id, Household.id, Household.moved_out_on).join(
            Household, Household.id == Invoice.household_id)
        .where(in_period, Invoice.status == InvoiceStatus.DRAFT,
               Household.moved_out_on.is_not(None), Household.moved_out_on <= last)
        .limit(100)).all()
    for _invoice_id, household_id, moved_out in moved:
        anomalies.append(("moved_out", household_id,
                          f"Foyer parti le {moved_out.isoformat()} mais facturé pour le mois "
                          "(abonnement non résilié ?)"))
    suspended = db.session.execute(
        select(Subscription.household_id).join(InvoiceLine,
                                               InvoiceLine.subscription_id == Subscription.id)
        .join(Invoice).where(in_period, Invoice.status == InvoiceStatus.DRAFT,
                             Subscription.status == "suspended").limit(100)).scalars().all()
    anomalies += [("suspended", hh, "Abonnement suspendu facturé : vérifier les dates")
                  for hh in suspended]
    prev = Invoice.__table__.alias("prev")
    jumps = db.session.execute(
        select(Invoice.household_id, prev.c.total_cents, Invoice.total_cents)
        .join(prev, and_(prev.c.household_id == Invoice.household_id,
                         prev.c.period == previous_period(period)))
        .where(in_period, Invoice.status == InvoiceStatus.DRAFT,
               or_(Invoice.total_cents > 2 * prev.c.total_cents,
                   2 * Invoice.total_cents < prev.c.total_cents)).limit(100)).all()
    anomalies += [("change", hh, f"Montant passé de {before / 100:.2f} € à {now / 100:.2f} €")
                  for hh, before, now in jumps]
    from billing.models_options import InvoiceOptionLine

    by_option = db.session.execute(
        select(InvoiceOptionLine.option_code, func.count(),
               func.sum(InvoiceOptionLine.amount_cents),
               func.sum(InvoiceOptionLine.full_cost_cents - InvoiceOptionLine.amount_cents))
        .join(Invoice).where(in_period, Invoice.status == InvoiceStatus.DRAFT)
        .group_by(InvoiceOptionLine.option_code).order_by(InvoiceOptionLine.option_code)).all()
    return Review(period, drafts, total, zero, issued, prev_total, prev_count, by_tier,
                  anomalies, [tuple(row) for row in by_option])


# --- invoices and credit notes ---------------------------------------------------------------

def get_invoice(number: str) -> Invoice:
    invoice = db.session.execute(select(Invoice).where(Invoice.number == number)) \
        .scalar_one_or_none()
    if invoice is None:
        raise NotFoundError(_("Facture %(number)s introuvable", number=number))
    return invoice


def invoices_query(*, period: str | None = None, status: str | None = None,
                   building_code: str | None = None, search: str | None = None,
                   household_id: int | None = None, include_drafts: bool = False):
    """Invoices for lists and the API, newest first."""
    from subscribers.models import Building, Household, Unit

    statement = select(Invoice).join(Household, Household.id == Invoice.household_id) \
        .join(Unit, Unit.id == Household.unit_id)
    if not include_drafts:
        statement = statement.where(Invoice.number.is_not(None))
    if period:
        statement = statement.where(Invoice.period == period)
    if status:
        statement = statement.where(Invoice.status == status)
    if household_id:
        statement = statement.where(Invoice.household_id == household_id)
    if building_code:
        statement = statement.join(Building, Building.id == Unit.building_id).where(
            Building.code == building_code)
    if search:
        pattern = f"%{search.strip()}%"
        statement = statement.where(or_(Invoice.number.ilike(pattern),
                                        Invoice.holder_name.ilike(pattern),
                                        Invoice.unit_code.ilike(pattern)))
    return statement.order_by(Invoice.period.desc(), Invoice.number.desc(), Invoice.id.desc())


def lock_account(household_id: int) -> None:
    """Serialise the money movements of one household (payments, credit notes, allocations).

    ``SELECT ... FOR UPDATE`` on the household row on PostgreSQL, held until the caller
    commits; SQLite begins every transaction IMMEDIATE (isp.database), which serialises
    writers already. Every check-then-write on a household's figures runs after this.
    """
    from subscribers.models import Household

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
        _release_payments(invoice, excess)
    db.session.add(Allocation(invoice_id=invoice.id, credit_note_id=note.id,
                              amount_cents=amount_cents, allocated_on=issued_on))
    invoice.paid_cents += amount_cents
    _set_status(invoice)
    db.session.flush()
    allocate(invoice.household_id, on=issued_on)
    return note


def _release_payments(invoice: Invoice, amount: int) -> None:
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


def _set_status(invoice: Invoice) -> None:
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
        _set_status(invoice)
    db.session.flush()
    return moved


#: A payment typed in a form or sent to the API that exceeds what the household owes by more
#: than this must be confirmed (issue 18.10): 50 € lets a household pay several months ahead
#: at any tier (9,90 € at most a month), and catches a slip such as 100 000 € for 5,90 €.
OVERPAYMENT_MARGIN_CENTS = 5_000


def overpayment_limit_cents(household_id: int) -> int:
    """The largest payment taken without confirmation: what is owed (issued invoices, less any
    credit; never below zero) plus ``OVERPAYMENT_MARGIN_CENTS``."""
    return max(balance(household_id).balance_cents, 0) + OVERPAYMENT_MARGIN_CENTS


def record_payment(household, *, actor: User | None, amount_cents: int, method: str,
                   received_on: date, reference: str | None = None,
                   confirm_overpayment: bool | None = None) -> Payment:
    """Record money received and allocate it oldest invoice first; any excess is credit.

    ``confirm_overpayment`` is given by the entry points where a person types the amount (form,
    API): False refuses an amount above ``overpayment_limit_cents`` (field
    ``confirm_overpayment``); None (imports of money already received) does not ask.
    """
    from billing import dunning

    amount_cents = AMOUNT_CENTS.check(amount_cents)
    received_on = RECEIVED_ON.check(received_on)
    reference = REFERENCE.check(reference)
    if method not in list(PaymentMethod):
        raise DomainError(_(
            "Moyen de paiement inconnu : %(method)s", method=method), field="method")
    if received_on > today():
        raise DomainError(_("La date de réception est dans le futur"), field="received_on")
    lock_account(household.id)
    if confirm_overpayment is False:
        limit = overpayment_limit_cents(household.id)
        if amount_cents > limit:
            owed = limit - OVERPAYMENT_MARGIN_CENTS
            raise DomainError(
                _(
                    "%(value)s dépasse de plus de %(value2)s ce que le foyer doit (%(value3)s) "
                    ": vérifiez le montant, puis confirmez-le.",
                    value=format_euros(amount_cents),
                    value2=format_euros(OVERPAYMENT_MARGIN_CENTS), value3=format_euros(owed)),
                field="confirm_overpayment")
    owed_before = overdue_cents(household.id, on=today())
    payment = Payment(household_id=household.id, amount_cents=amount_cents, method=method,
                      received_on=received_on, reference=(reference or "").strip() or None,
                      unallocated_cents=amount_cents,
                      recorded_by_id=actor.id if actor else None)
    db.session.add(payment)
    db.session.flush()
    allocate(household.id, on=received_on)
    dunning.after_payment(household, actor=actor, owed_before=owed_before)
    return payment


def _overdue_query(household_id: int, on: date):
    return (select(func.coalesce(func.sum(Invoice.total_cents - Invoice.paid_cents), 0))
            .where(Invoice.household_id == household_id, Invoice.status.in_(OPEN_STATUSES),
                   Invoice.due_on < on))


def overdue_cents(household_id: int, *, on: date) -> int:
    """What the household owes on invoices past their due date."""
    return db.session.execute(_overdue_query(household_id, on)).scalar_one()


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


def balance(household_id: int, *, on: date | None = None) -> Balance:
    """The household's account at a glance."""
    on = on or today()
    issued = (Invoice.household_id == household_id, Invoice.number.is_not(None))
    payments = Payment.household_id == household_id
    # Six sums, one round trip (the household page shows the balance).
    invoiced, due, credited, paid, credit, overdue = db.session.execute(select(
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
        _overdue_query(household_id, on).scalar_subquery())).one()
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


# --- figures for the evaluation domain --------------------------------------------------------

def billing_figures(*, building_code: str | None, district_code: str | None,
                    period: str) -> dict:
    """Invoiced, collected, households billed and in arrears, subsidy — for one month."""
    from subscribers.models import Building, District, Household, Unit

    first, last = parse_period(period)

    def scoped(statement, household_column):
        statement = statement.join(Household, Household.id == household_column) \
            .join(Unit, Unit.id == Household.unit_id).join(Building, Building.id ==
                                                            Unit.building_id)
        if building_code:
            statement = statement.where(Building.code == building_code)
        if district_code:
            statement = statement.join(District, District.id == Building.district_id) \
                .where(District.code == district_code)
        return statement

    invoiced, full, billed = db.session.execute(scoped(
        select(func.coalesce(func.sum(Invoice.total_cents), 0),
               func.coalesce(func.sum(Invoice.full_cost_cents), 0),
               func.count(func.distinct(Invoice.household_id)))
        .where(Invoice.period == period, Invoice.number.is_not(None)),
        Invoice.household_id)).one()
    collected = db.session.execute(scoped(
        select(func.coalesce(func.sum(Payment.amount_cents), 0))
        .where(Payment.received_on >= first, Payment.received_on <= last),
        Payment.household_id)).scalar_one()
    arrears = db.session.execute(scoped(
        select(func.count(func.distinct(Invoice.household_id)))
        .where(Invoice.status.in_(OPEN_STATUSES), Invoice.due_on < last),
        Invoice.household_id)).scalar_one()
    return {"period": period, "invoiced_cents": int(invoiced), "collected_cents": int(collected),
            "households_billed": int(billed), "households_in_arrears": int(arrears),
            "subsidy_cents": int(full) - int(invoiced)}
