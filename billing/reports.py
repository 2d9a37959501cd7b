"""Billing reports: the review of a month's drafts before they are issued, and the figures of
a month for the evaluation domain (a building or a district)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, or_, select

from billing.choices import OPEN_STATUSES, InvoiceStatus
from billing.models import Invoice, InvoiceLine, Payment
from billing.models_options import InvoiceOptionLine
from billing.money import parse_period, previous_period
from billing.runs import check_period
from isp.extensions import db
from subscribers.models import Building, District, Household, Subscription, Unit


def billing_figures(*, building_code: str | None, district_code: str | None,
                    period: str) -> dict:
    """Invoiced, collected, households billed and in arrears, subsidy — for one month."""
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
    by_option = db.session.execute(
        select(InvoiceOptionLine.option_code, func.count(),
               func.sum(InvoiceOptionLine.amount_cents),
               func.sum(InvoiceOptionLine.full_cost_cents - InvoiceOptionLine.amount_cents))
        .join(Invoice).where(in_period, Invoice.status == InvoiceStatus.DRAFT)
        .group_by(InvoiceOptionLine.option_code).order_by(InvoiceOptionLine.option_code)).all()
    return Review(period, drafts, total, zero, issued, prev_total, prev_count, by_tier,
                  anomalies, [tuple(row) for row in by_option])
