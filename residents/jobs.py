"""Scheduled residents' jobs: tomorrow's appointment reminders and the notices' delivery."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from isp.extensions import db
from isp.scheduler import in_app_context
from isp.timeutil import now_local, start_of_day, today
from mediation.models import Booking, CoachingSlot
from residents import notices
from residents.handlers import end_accounts_of
from residents.mandates import end_for_household
from residents.models import ResidentAccount
from residents.models_mandates import Mandate
from subscribers.models import Household

#: Reminders leave in the daytime only (Paris time), from the first run after 9 o'clock.
REMINDER_HOURS = range(9, 20)


def appointment_reminders(on=None) -> int:
    """Store a reminder for each booking of a slot tomorrow (Paris calendar) of a household
    with an opted-in account; once per booking. Returns how many notices were stored."""
    tomorrow = (on or today()) + timedelta(days=1)
    start, end = start_of_day(tomorrow), start_of_day(tomorrow + timedelta(days=1))
    bookings = db.session.execute(
        select(Booking).join(CoachingSlot, CoachingSlot.id == Booking.slot_id).where(
            Booking.status == "booked", CoachingSlot.cancelled_at.is_(None),
            CoachingSlot.starts_at >= start, CoachingSlot.starts_at < end)
        .order_by(CoachingSlot.starts_at, Booking.id)).scalars().all()
    stored = 0
    for booking in bookings:
        accounts = notices.accounts_to_notify([booking.household_id])
        if not accounts:
            continue
        slot = booking.slot
        place = f", {slot.place.name}, {slot.place.address}" if slot.place else ""
        stored += len(notices.notify(accounts, "appointment_reminder",
                                     f"booking:{booking.id}:reminder",
                                     {"when_at": slot.starts_at,
                                      "association": slot.association.name, "place": place}))
    return stored


def send_appointment_reminders() -> None:
    if now_local().hour in REMINDER_HOURS:
        appointment_reminders()
        db.session.commit()
        notices.deliver_pending()


def deliver_notices() -> None:
    """Notices stored by the poller, imports and jobs (requests send theirs themselves)."""
    notices.deliver_pending()


def end_moved_out(on=None) -> tuple[int, int]:
    """End the accounts and mandates of households whose move-out day has come (a move-out
    recorded ahead leaves them until then). Returns (accounts, mandates) ended; flushes."""
    day = on or today()
    moved = select(Household.id).where(Household.moved_out_on.is_not(None),
                                       Household.moved_out_on <= day)
    with_accounts = db.session.execute(select(ResidentAccount.household_id).where(
        ResidentAccount.ended_at.is_(None), ResidentAccount.household_id.in_(moved))
        .distinct()).scalars().all()
    with_mandates = db.session.execute(select(Mandate.household_id).where(
        Mandate.status != "ended", Mandate.household_id.in_(moved)).distinct()).scalars().all()
    accounts = sum(end_accounts_of(household_id) for household_id in with_accounts)
    mandates = sum(end_for_household(household_id, reason="moved_out", actor=None)
                   for household_id in with_mandates)
    return accounts, mandates


def end_moved_out_job() -> None:
    end_moved_out()
    db.session.commit()


def register(scheduler, app: Flask) -> None:
    scheduler.add_job(in_app_context(app, end_moved_out_job), "interval", hours=1,
                      id="residents.end_moved_out", replace_existing=True)
    scheduler.add_job(in_app_context(app, send_appointment_reminders), "interval", hours=1,
                      id="residents.appointment_reminders", replace_existing=True)
    scheduler.add_job(in_app_context(app, deliver_notices), "interval", minutes=1,
                      id="residents.deliver_notices", replace_existing=True)
