"""What the residents' space reads and does, for one household (issue 20).

Each function reads through the owning domain's published functions (network, billing,
support, mediation, isp.gdpr) and adds only the plain words a resident reads. The pages
(``views_space``), the API (``api_me``) and the mandates' pages share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from billing.models import Invoice
from isp import gdpr
from isp.choices import AUDIT_ACTION_LABELS, ROLE_LABELS, Role
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.models import AuditEntry, User
from isp.timeutil import month_bounds, today, utcnow
from isp.validation import MAX_INT
from mediation import slots as coaching
from mediation.assignments import current_assignment
from mediation.models import Booking, CoachingSlot
from network.choices import DeviceStatus
from network.models import Device, Outage
from network.provisioning.queue import port_for_unit
from network.usage_store import unit_usage_days
from residents.identity import household_of
from subscribers.choices import SERVED_STATUSES, SubscriptionStatus
from subscribers.models import Subscription
from support.models import Ticket, TicketOutage
from support.tickets import open_resident_ticket, open_ticket

#: A problem in plain words → the support category it opens.
PROBLEMS = {
    "no_connection": _l("Internet ne marche pas"),
    "slow": _l("Internet est lent"),
    "equipment": _l("Ma box ou un câble a un problème"),
    "billing": _l("J'ai une question sur ma facture"),
    "move": _l("Je vais déménager"),
    "other": _l("J'ai une autre question"),
}
#: A ticket's status in words, without jargon.
TICKET_WORDS = {
    "new": _l("Nous avons reçu votre message."),
    "open": _l("Nous nous en occupons."),
    "waiting": _l("Nous attendons une réponse."),
    "resolved": _l("C'est réglé. Ce n'est pas le cas ? Dites-le nous."),
    "closed": _l("C'est terminé."),
}
DETAILS_MAX = 1000


# --- Ma connexion ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Connection:
    """The line in words: ``state`` is works | off | building_down | unknown | none."""

    state: str
    polled_at: datetime | None
    reduced: bool
    subscription_status: str | None


def current_subscription(household):
    """The household's subscription still running (not terminated), the newest."""
    return db.session.execute(select(Subscription).where(
        Subscription.household_id == household.id,
        Subscription.status != SubscriptionStatus.TERMINATED)
        .order_by(Subscription.id.desc()).limit(1)).scalar_one_or_none()


def connection(household) -> Connection:
    """Does the line work now: the port's state at the device's last poll, in words."""
    subscription = current_subscription(household)
    if subscription is None or subscription.status not in SERVED_STATUSES:
        return Connection("none", None, False, subscription.status if subscription else None)
    reduced = subscription.status == SubscriptionStatus.REDUCED
    port = port_for_unit(household.unit_id)
    if port is None:
        return Connection("unknown", None, reduced, subscription.status)
    device = port.device
    if device.status == DeviceStatus.DOWN:
        state = "building_down"
    elif device.status == DeviceStatus.UP and port.oper_up is True:
        state = "works"
    elif device.status == DeviceStatus.UP and port.oper_up is False:
        state = "off"
    else:
        state = "unknown"
    return Connection(state, device.last_polled_at, reduced, subscription.status)


@dataclass(frozen=True)
class MonthUsage:
    period: str
    download_octets: int
    upload_octets: int
    #: (day, download, upload), oldest first.
    days: list


def usage(household, period: str | None = None) -> MonthUsage:
    """A month's traffic of the household's flat, counted from the move-in only (a flat's
    earlier tenant is never shown)."""
    if period is None:
        day = today()
    else:
        try:
            year, month = (int(part) for part in period.split("-"))
            day = date(year, month, 1)
        except ValueError:
            raise DomainError(_("Le mois s'écrit AAAA-MM"), field="month", status=400) from None
        if not 1900 <= year <= 2100 or len(period) != 7:
            raise DomainError(_("Le mois s'écrit AAAA-MM"), field="month", status=400)
    first, last = month_bounds(day)
    first = max(first, household.moved_in_on)
    rows = unit_usage_days(household.unit_id, first, last) if first <= last else []
    return MonthUsage(f"{day.year}-{day.month:02d}", sum(row[1] for row in rows),
                      sum(row[2] for row in rows), rows)


@dataclass(frozen=True)
class BuildingOutage:
    started_at: datetime
    ticket_status: str | None


def building_outage(household) -> BuildingOutage | None:
    """A known outage of the household's building (its switches), with the ticket's state."""
    row = db.session.execute(
        select(Outage).join(Device, Device.id == Outage.device_id)
        .where(Device.building_id == household.unit.building_id, Outage.ended_at.is_(None))
        .order_by(Outage.started_at).limit(1)).scalar_one_or_none()
    if row is None:
        return None
    status = db.session.execute(
        select(Ticket.status).join(TicketOutage, TicketOutage.ticket_id == Ticket.id)
        .where(TicketOutage.outage_id.in_([row.id, row.incident_outage_id or row.id]))
        .limit(1)).scalar_one_or_none()
    return BuildingOutage(row.started_at, status)


# --- Mes factures ------------------------------------------------------------------------------

def invoices_query(household_id: int):
    """The household's issued invoices, newest first (drafts are not invoices yet)."""
    return select(Invoice).where(
        Invoice.household_id == household_id, Invoice.number.is_not(None)
    ).order_by(Invoice.issued_on.desc(), Invoice.id.desc())


def invoices(household_id: int) -> list:
    return list(db.session.execute(invoices_query(household_id)).scalars())


def invoice(household_id: int, number: str):
    """One issued invoice of the household; another household's is "not found"."""
    found = db.session.execute(select(Invoice).where(
        Invoice.number == number, Invoice.household_id == household_id)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(_("Facture %(number)s introuvable", number=number))
    return found


def association_of(household_id: int):
    assignment = current_assignment(household_id)
    return assignment.association if assignment is not None else None


# --- Un problème -------------------------------------------------------------------------------

def tickets_query(household_id: int):
    """The household's tickets, newest first."""
    return select(Ticket).where(Ticket.household_id == household_id).order_by(
        Ticket.opened_at.desc(), Ticket.id.desc())


def tickets(household_id: int) -> list:
    return list(db.session.execute(tickets_query(household_id).limit(50)).scalars())


def report_problem(household, *, actor: User, problem: str, details: str | None):
    """Open a support ticket for the household through support's own service functions: a
    resident's (their own household, residents' rule) or a mediator's under a mandate."""
    if problem not in PROBLEMS:
        raise DomainError(_("Choisissez ce qui ne va pas"), field="problem")
    if details is not None and not isinstance(details, str):
        raise DomainError(_("Le message doit être un texte"), field="details")
    if details and len(details.strip()) > DETAILS_MAX:
        raise DomainError(_("Au plus %(n)s caractères", n=DETAILS_MAX), field="details")
    description = (details or "").strip() or None
    if actor.role == Role.RESIDENT:
        own = household_of(actor)
        if own is None or own.id != household.id:
            raise NotFoundError(_("Foyer %(id)s introuvable.", id=household.id),
                                field="household_id")
        return open_resident_ticket(own, actor=actor, subject=str(PROBLEMS[problem]),
                                    category=problem, description=description)
    return open_ticket(actor=actor, subject=str(PROBLEMS[problem]), category=problem,
                       source=None, description=description, household_id=household.id)


# --- Mon accompagnement ------------------------------------------------------------------------

def coming_slots(association, *, limit: int = 12) -> list:
    """The association's coming slots with a seat left."""
    if association is None:
        return []
    slots = db.session.execute(select(CoachingSlot).where(
        CoachingSlot.association_id == association.id, CoachingSlot.cancelled_at.is_(None),
        CoachingSlot.starts_at > utcnow()).order_by(CoachingSlot.starts_at, CoachingSlot.id)
        .limit(limit * 3)).scalars().all()
    counts = coaching.holding_counts([slot.id for slot in slots])
    return [slot for slot in slots if counts.get(slot.id, 0) < slot.capacity][:limit]


def coming_bookings(household_id: int) -> list:
    return list(db.session.execute(select(Booking).join(Booking.slot).where(
        Booking.household_id == household_id, Booking.status == "booked",
        CoachingSlot.starts_at > utcnow()).order_by(CoachingSlot.starts_at)).scalars())


def book(household, slot_id: object, *, actor: User):
    """Book a slot of the household's own association (another's: not found)."""
    if isinstance(slot_id, bool) or not isinstance(slot_id, int) or not 0 < slot_id <= MAX_INT:
        raise DomainError(_("Choisissez un rendez-vous"), field="slot_id", status=400)
    association = association_of(household.id)
    slot = db.session.get(CoachingSlot, slot_id)
    if slot is None or association is None or slot.association_id != association.id:
        raise NotFoundError(_("Rendez-vous introuvable"), field="slot_id")
    return coaching.book(slot, household.id, actor=actor)


def cancel_booking(household, booking_id: int, *, actor: User):
    booking = db.session.get(Booking, booking_id) if 0 < booking_id <= MAX_INT else None
    if booking is None or booking.household_id != household.id:
        raise NotFoundError(_("Rendez-vous introuvable"), field="booking_id")
    return coaching.set_booking_status(booking, "cancelled", actor=actor)


# --- Mes données -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Access:
    at: datetime
    who: str
    action: str


def _who(entry: AuditEntry, users: dict[int, User], me: User) -> str:
    if entry.actor_id == me.id:
        return str(_("vous"))
    user = users.get(entry.actor_id) if entry.actor_id else None
    if user is None:
        return str(_("le système"))
    try:
        return str(ROLE_LABELS.get(Role(user.role), user.role))
    except ValueError:
        return user.role


#: Audit record types whose identifier is the household's: its file, its billing statement and
#: balance, its eligibility decisions, payments, dunning reductions, the notices sent to it
#: (a staff member reading the household's invoices is someone who opened its file).
HOUSEHOLD_RECORD_TYPES = ("household", "household_billing", "household_statement",
                          "household_balance", "eligibility", "payment", "dunning_reduction",
                          "resident_notice")


def accesses(household_id: int, me: User, *, limit: int = 50) -> list[Access]:
    """Who read or changed the household's file, newest first: staff by role, never named."""
    entries = list(db.session.execute(select(AuditEntry).where(
        AuditEntry.record_type.in_(HOUSEHOLD_RECORD_TYPES),
        AuditEntry.record_id == str(household_id))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)).scalars())
    ids = {entry.actor_id for entry in entries if entry.actor_id}
    users = {user.id: user for user in db.session.execute(
        select(User).where(User.id.in_(ids))).scalars()} if ids else {}
    return [Access(entry.at, _who(entry, users, me),
                   str(AUDIT_ACTION_LABELS.get(entry.action, entry.action)))
            for entry in entries]


def export(household_id: int, me: User, *, route: str) -> dict:
    """The GDPR export (isp.gdpr), its access log by role instead of staff e-mails."""
    data = gdpr.export_household(household_id, actor=me, route=route)
    data["access_log"] = [{"at": access.at.isoformat(), "by": access.who,
                           "action": access.action}
                          for access in accesses(household_id, me, limit=10_000)]
    return data
