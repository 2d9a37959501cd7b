"""The demo aged by three years: 36 months of history added to a seeded demo database.

``age_demo(url, months=36)`` adds, for every month of the window ending last month, what the
demo seeds per month and what lists by time: subscriptions running since the window's start,
issued invoices and their payments (billing runs), daily usage of every subscription and of the
building, tickets opened and resolved, outages, past coaching slots with bookings and session
records, provisioning jobs, configuration backups, audit entries, yearly eligibility decisions;
then the evaluation aggregates are recomputed over the whole window.

Dates are relative to "today", read once: the caller freezes the clock (time-machine) so every
service sees the same day, and the server started afterwards, unfrozen, sees the same month.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select, update


def month_periods(anchor: date, months: int) -> list[str]:
    """The ``months`` periods (YYYY-MM) before the anchor's month, oldest first."""
    from billing.money import period_of, previous_period

    periods = [previous_period(period_of(anchor))]
    while len(periods) < months:
        periods.append(previous_period(periods[-1]))
    return list(reversed(periods))


def _first(period: str) -> date:
    from billing.money import parse_period

    return parse_period(period)[0]


def _next_first(period: str) -> date:
    from billing.money import next_period_start

    return next_period_start(_first(period))


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def age_demo(database_url: str, *, months: int = 36) -> dict[str, int]:
    """Add ``months`` months of history to the demo database at ``database_url``; counts added."""
    from isp import create_app
    from isp.extensions import db

    app = create_app("default", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        counts = _age(db, months)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return counts


def _age(db, months: int) -> dict[str, int]:
    from isp.models import User
    from isp.timeutil import today
    from subscribers.models import Household, Subscription

    anchor = today()
    periods = month_periods(anchor, months)
    start = _first(periods[0])
    operator = db.session.execute(select(User).where(
        User.email == "operateur@demo.social-isp.fr")).scalar_one()
    mediator = db.session.execute(select(User).where(
        User.email == "mediateur@demo.social-isp.fr")).scalar_one()
    # Subscriptions (and the households holding them) run since the window's start.
    db.session.execute(update(Subscription).where(
        Subscription.activated_on.is_not(None), Subscription.activated_on > start)
        .values(activated_on=start))
    db.session.execute(update(Subscription).where(Subscription.created_at > _at(start))
                       .values(created_at=_at(start, 9)))
    db.session.execute(update(Household).where(
        Household.moved_out_on.is_(None), Household.moved_in_on > start)
        .values(moved_in_on=start - timedelta(days=1)))
    db.session.flush()
    db.session.expire_all()
    counts = {"periods": len(periods)}
    counts["invoices"], counts["payments"] = _billing(db, periods, anchor, operator)
    counts["eligibility"] = _eligibility(db, start, anchor, operator)
    counts["usage_days"] = _usage(db, start)
    counts["tickets"] = _tickets(db, periods, operator, mediator)
    counts["outages"] = _outages(db, periods)
    counts["sessions"] = _mediation(db, periods, mediator)
    counts["jobs"], counts["backups"] = _provisioning(db, periods)
    counts["audit"] = _audit(db, periods, operator)
    from evaluation.aggregates import refresh

    counts["aggregates"] = refresh()["rows"]
    return counts


def _billing(db, periods: list[str], anchor: date, operator) -> tuple[int, int]:
    """Every missing month invoiced (chronological numbering kept), paid 3–25 days later."""
    from billing import runs
    from billing.choices import InvoiceStatus
    from billing.models import Allocation, Invoice, Payment

    rng = random.Random(36)
    issued = payments = 0
    for period in periods:
        if db.session.execute(select(Invoice.id).where(
                Invoice.period == period, Invoice.status != InvoiceStatus.DRAFT)).first():
            continue
        natural = _next_first(period) + timedelta(days=1)
        latest = db.session.execute(select(func.max(Invoice.issued_on)).where(
            Invoice.number.like(f"FA-{natural.year:04d}-%"))).scalar()
        issued_on = min(max(natural, latest or natural), anchor)
        runs.prepare_invoices(period, actor=operator, on=issued_on)
        issued += runs.issue_invoices(period, actor=operator, issued_on=issued_on).issued
    new = db.session.execute(select(Invoice).where(
        Invoice.period.in_(periods), Invoice.status == InvoiceStatus.ISSUED,
        Invoice.paid_cents == 0, Invoice.issued_on < anchor - timedelta(days=40))
        .order_by(Invoice.issued_on, Invoice.id)).scalars().all()
    # Paid in full, one payment per invoice: written as rows (Payment, its Allocation, the
    # invoice paid), as record_payment() would leave them; through it, 1,700 payments that
    # each re-read the household's open invoices take a minute.
    for invoice in new:
        received_on = invoice.issued_on + timedelta(days=rng.randrange(3, 25))
        payment = Payment(household_id=invoice.household_id, amount_cents=invoice.total_cents,
                          method=rng.choice(("cash", "card", "transfer", "sepa_debit")),
                          received_on=received_on, reference=f"AGED-{invoice.number}",
                          unallocated_cents=0, recorded_by_id=operator.id,
                          created_at=_at(received_on))
        db.session.add(payment)
        db.session.add(Allocation(invoice_id=invoice.id, payment=payment,
                                  amount_cents=invoice.total_cents, allocated_on=received_on))
        invoice.paid_cents = invoice.total_cents
        invoice.status = InvoiceStatus.PAID
        payments += 1
    db.session.flush()
    return issued, payments


def _eligibility(db, start: date, anchor: date, operator) -> int:
    """A decision renewed every year for the first households (a growing decision history)."""
    from billing.eligibility import decide_tier
    from subscribers.models import Household

    households = db.session.execute(select(Household).where(Household.moved_out_on.is_(None))
                                    .order_by(Household.id).limit(10)).scalars().all()
    added = 0
    for year in range(start.year, anchor.year):
        for index, household in enumerate(households):
            decide_tier(household, actor=operator, evidence_type="caf_qf",
                        quotient_familial=450 + 10 * index, decided_tier="T1",
                        evidence_reference=f"AGED-{year}-{index}",
                        decided_on=date(year, 5, 20))
            added += 1
    return added


def _usage(db, start: date) -> int:
    """Daily usage of every subscription with usage, and of the buildings, back to ``start``."""
    from isp.timeutil import today
    from network.models import BuildingUsageDay, UsageDay
    from subscribers.models import Subscription

    rng = random.Random(2023)
    firsts = dict(db.session.execute(select(UsageDay.subscription_id, func.min(UsageDay.day))
                                     .group_by(UsageDay.subscription_id)).all())
    for subscription_id in db.session.execute(select(Subscription.id).where(
            Subscription.status.in_(["active", "reduced"]))).scalars():
        firsts.setdefault(subscription_id, today())
    rows = []
    per_day: dict[date, int] = {}
    for subscription_id, first in sorted(firsts.items()):
        daily = rng.randint(300, 8_000) * 1_000_000
        day = start
        while day < first:
            down = int(daily * rng.uniform(0.5, 1.5))
            rows.append({"subscription_id": subscription_id, "day": day,
                         "download_octets": down, "upload_octets": down // 10})
            per_day[day] = per_day.get(day, 0) + down
            day += timedelta(days=1)
    for index in range(0, len(rows), 10_000):  # nothing when the demo is already that old
        db.session.execute(insert(UsageDay), rows[index:index + 10_000])
    for building_id, first in db.session.execute(
            select(BuildingUsageDay.building_id, func.min(BuildingUsageDay.day))
            .group_by(BuildingUsageDay.building_id)).all():
        earlier = [{"building_id": building_id, "day": day, "download_octets": down,
                    "upload_octets": down // 10}
                   for day, down in sorted(per_day.items()) if day < first]
        if earlier:
            db.session.execute(insert(BuildingUsageDay), earlier)
    return len(rows)


def _tickets(db, periods: list[str], operator, mediator) -> int:
    """Three tickets a month (one from the mediator), resolved and closed within days."""
    from subscribers.models import Household
    from subscribers.services import assigned_to_association
    from support.models import Ticket, TicketEvent
    from support.tickets import change_status, open_ticket

    first_household = db.session.execute(select(Household).where(
        Household.moved_out_on.is_(None)).order_by(Household.id)).scalars().first()
    followed = db.session.execute(select(Household).where(
        assigned_to_association(mediator.association_id)).order_by(Household.id)).scalars().first()
    added = 0
    for number, period in enumerate(periods):
        opened = _at(_first(period) + timedelta(days=4 + number % 20), 9)
        made = [open_ticket(actor=operator, subject=f"Coupure signalée ({period})",
                            category="no_connection", source="phone",
                            household_id=first_household.id,
                            assignee_id=operator.id),
                open_ticket(actor=operator, subject=f"Question de facture ({period})",
                            category="billing", source="counter",
                            household_id=first_household.id)]
        if followed is not None:
            made.append(open_ticket(actor=mediator, subject=f"Box à brancher ({period})",
                                    category="equipment",
                                    household_id=followed.id))
        for ticket in made:
            db.session.execute(update(Ticket).where(Ticket.id == ticket.id).values(
                opened_at=opened, sla_due_at=opened + timedelta(days=2)))
            db.session.execute(update(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                               .values(at=opened))
            for hours, status in ((1, "open"), (20, "resolved"), (44, "closed")):
                change_status(ticket, status, actor=operator,
                              note="Réglé" if status == "resolved" else None,
                              at=opened + timedelta(hours=hours))
            db.session.flush()
            added += 1
    return added


def _outages(db, periods: list[str]) -> int:
    """One outage of 40 minutes a month on the first switch of the pilot."""
    from network.models import Device, Outage

    device = db.session.execute(select(Device).where(Device.hostname.like("pb-%"))
                                .order_by(Device.hostname)).scalars().first()
    if device is None:
        return 0
    for number, period in enumerate(periods):
        started = _at(_first(period) + timedelta(days=number % 25), 3)
        db.session.add(Outage(device_id=device.id, started_at=started, cause="no_answer",
                              ended_at=started + timedelta(minutes=40)))
    db.session.flush()
    return len(periods)


def _mediation(db, periods: list[str], mediator) -> int:
    """A past workshop a month with its bookings, and a session record for each attendee."""
    from mediation.models import Association, Booking, CoachingSlot
    from mediation.sessions import record_session
    from mediation.slots import LOCAL, bookable_households

    association = db.session.get(Association, mediator.association_id)
    followed = bookable_households(association.id)[:3]
    place = association.places[0] if association.places else None
    sessions = 0
    for period in periods:
        held_on = _first(period) + timedelta(days=9)
        slot = CoachingSlot(association=association, place=place, topic="equipment_use",
                            kind="collective", capacity=6, duration_minutes=90,
                            created_by_id=mediator.id, created_at=_at(held_on - timedelta(days=14)),
                            starts_at=datetime.combine(held_on, time(14), tzinfo=LOCAL))
        db.session.add(slot)
        for household in followed:
            db.session.add(Booking(slot=slot, household_id=household.id,
                                   booked_by_id=mediator.id, status="attended",
                                   booked_at=_at(held_on - timedelta(days=7))))
        db.session.flush()
        for household in followed:
            record_session(
                actor=mediator, association=association, kind="individual", held_on=held_on,
                duration_minutes=60, place_type="own_place", commune_code="44109",
                themes=["equipment_use", "email"], autonomy="partially",
                equipment=["computer"], referral="none", follow_up=True,
                first_session=False, household_id=household.id, slot_id=slot.id)
            sessions += 1
    db.session.flush()
    return sessions


def _provisioning(db, periods: list[str]) -> tuple[int, int]:
    """Copies of the demo's jobs and backups spread over the window (finished, kept)."""
    from network.provisioning.models import ConfigBackup, ProvisioningJob

    jobs = db.session.execute(select(ProvisioningJob).order_by(ProvisioningJob.id).limit(2)
                              ).scalars().all()
    backups = db.session.execute(select(ConfigBackup).order_by(ConfigBackup.id).limit(2)
                                 ).scalars().all()
    job_rows, backup_rows = [], []
    for period in periods:
        at = _at(_first(period) + timedelta(days=12))
        for job in jobs:
            job_rows.append({"subscription_id": job.subscription_id, "port_id": job.port_id,
                             "action": job.action, "desired": job.desired, "state": "done",
                             "history": [], "attempts": 1, "commands": job.commands,
                             "rollback_commands": job.rollback_commands, "created_at": at,
                             "finished_at": at + timedelta(minutes=2)})
        for backup in backups:
            backup_rows.append({"device_id": backup.device_id, "taken_at": at,
                                "config": backup.config, "sha256": backup.sha256})
    if job_rows:
        db.session.execute(insert(ProvisioningJob), job_rows)
    if backup_rows:
        db.session.execute(insert(ConfigBackup), backup_rows)
    return len(job_rows), len(backup_rows)


def _audit(db, periods: list[str], operator) -> int:
    """Reads of the first household's records, ten a month (the access log grows)."""
    from isp.models import AuditEntry
    from subscribers.models import Household

    household_id = db.session.execute(select(func.min(Household.id))).scalar()
    rows = [{"at": _at(_first(period) + timedelta(days=day)), "actor_id": operator.id,
             "actor_email": operator.email, "action": "read", "record_type": "household",
             "record_id": str(household_id), "route": f"GET /households/{household_id}"}
            for period in periods for day in range(0, 20, 2)]
    db.session.execute(insert(AuditEntry), rows)
    return len(rows)
