"""Tickets the network opens by itself (issue 16.8, 16.12).

The receivers of ``support.handlers`` call these inside the sender's transaction: an outage
opens or joins its incident's ticket and resolves it when every outage ended; a port down for
a week on a served flat raises a follow-up; a device whose 32-bit counters go uncounted raises
one ticket that resolves itself once its poll interval is short enough.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from isp.extensions import db
from isp.timeutil import local_date, utcnow
from network.models import Device, Port
from subscribers.choices import SERVED_STATUSES
from subscribers.models import Subscription, Unit
from support import subjects
from support.choices import (
    ACTIVE_STATUSES,
    EventKind,
    TicketCategory,
    TicketPriority,
    TicketSource,
    TicketStatus,
)
from support.models import Ticket, TicketOutage, TicketUnit
from support.sla import sla_due_at
from support.subjects import generated_subject
from support.text import _
from support.tickets import change_status, insert_numbered, record_event

log = logging.getLogger(__name__)


def _served_subscription(unit_id: int) -> Subscription | None:
    return db.session.execute(
        select(Subscription).where(Subscription.unit_id == unit_id,
                                   Subscription.status.in_([str(s) for s in SERVED_STATUSES]))
        .order_by(Subscription.id.desc())).scalars().first()


def record_outage_started(outage, affected_unit_codes: list[str] | None = None, *,
                          incident_outage_id: int | None = None) -> Ticket | None:
    """A device stopped answering: open its network ticket, or add the outage to the open one.

    An outage behind a failed uplink (``incident_outage_id``) joins the uplink's ticket: one
    incident, one ticket (issue 16.8).
    """
    if getattr(outage, "port_id", None) is not None or outage.device_id is None:
        return None  # a port down is the resident's router, not an outage (docs/design.md §3.5)
    existing = db.session.execute(select(TicketOutage).where(
        TicketOutage.outage_id == outage.id)).scalar_one_or_none()
    if existing is not None:
        return existing.ticket
    device = db.session.get(Device, outage.device_id)
    started_at = outage.started_at or utcnow()
    incident = db.session.execute(select(TicketOutage).where(
        TicketOutage.outage_id == incident_outage_id)).scalar_one_or_none() \
        if incident_outage_id is not None else None
    ticket = incident.ticket if incident is not None else db.session.execute(
        select(Ticket).where(Ticket.source == TicketSource.NETWORK,
                             Ticket.category == TicketCategory.NO_CONNECTION,
                             Ticket.device_id == outage.device_id,
                             Ticket.status.in_([str(s) for s in ACTIVE_STATUSES]))
        .order_by(Ticket.id)).scalars().first()
    hostname = device.hostname if device else f"#{outage.device_id}"
    if ticket is None:
        priority = TicketPriority.HIGH
        ticket = Ticket(device_id=outage.device_id,
                        building_id=device.building_id if device else None,
                        category=TicketCategory.NO_CONNECTION, priority=priority,
                        status=TicketStatus.NEW, source=TicketSource.NETWORK,
                        **generated_subject(subjects.OUTAGE, h=hostname),
                        opened_at=started_at,
                        sla_due_at=sla_due_at(started_at, TicketCategory.NO_CONNECTION,
                                              priority))
        insert_numbered(ticket)
        record_event(ticket, EventKind.CREATED, None, to_value=ticket.status, at=started_at)
    db.session.add(TicketOutage(ticket=ticket, outage_id=outage.id, device_id=outage.device_id,
                                started_at=started_at))
    codes = list(affected_unit_codes or [])
    if codes:
        units = list(db.session.execute(select(Unit).where(Unit.code.in_(codes))).scalars())
        unknown = set(codes) - {unit.code for unit in units}
        if unknown:
            log.warning("Outage %s names unknown flats %s", outage.id, sorted(unknown))
    else:  # the sender gave no list: the flats wired to the device
        units = list(db.session.execute(select(Unit).join(Port, Port.unit_id == Unit.id).where(
            Port.device_id == outage.device_id)).scalars())
    known = {link.unit_id for link in ticket.affected}
    added = []
    for unit in sorted(units, key=lambda u: u.code):
        if unit.id in known:
            continue
        subscription = _served_subscription(unit.id)
        ticket.affected.append(TicketUnit(unit_id=unit.id, subscription_id=subscription.id
                                          if subscription else None))
        added.append(unit.code + (f" (#{subscription.id})" if subscription else ""))
    db.session.flush()
    record_event(ticket, EventKind.OUTAGE_LINKED, None, to_value=str(outage.id), at=started_at,
                 body=_("Coupure n° %(id)s depuis %(at)s. Logements concernés : %(units)s",
                        id=outage.id, at=started_at.isoformat(timespec="seconds"),
                        units=", ".join(added) or "—"))
    return ticket


def format_duration(seconds: int) -> str:
    """``2 h 05 min`` (``45 s`` below a minute)."""
    if seconds < 60:
        return f"{seconds} s"
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def record_outage_ended(outage, duration_s: int | None = None) -> Ticket | None:
    """The device is back: write the duration; resolve the ticket when all its outages ended."""
    link = db.session.execute(select(TicketOutage).where(
        TicketOutage.outage_id == outage.id)).scalar_one_or_none()
    if link is None:
        return None
    if link.ended_at is not None:
        return link.ticket  # already recorded (signal sent twice)
    ended_at = getattr(outage, "ended_at", None)
    if duration_s is None:
        duration_s = int(((ended_at or utcnow()) - link.started_at).total_seconds())
    link.ended_at = ended_at or link.started_at + timedelta(seconds=duration_s)
    link.duration_s = int(duration_s)
    ticket = link.ticket
    record_event(ticket, EventKind.OUTAGE_ENDED, None, to_value=str(outage.id),
                 at=link.ended_at, body=_("Coupure n° %(id)s terminée après %(d)s.",
                                          id=outage.id, d=format_duration(link.duration_s)))
    if all(o.ended_at is not None for o in ticket.outages):
        ticket.outage_duration_s = sum(o.duration_s or 0 for o in ticket.outages)
        ticket.resolution = _("Équipement de nouveau joignable. Durée de coupure : %(d)s.",
                              d=format_duration(ticket.outage_duration_s))
        if ticket.is_active:
            change_status(ticket, TicketStatus.RESOLVED, actor=None, note=ticket.resolution,
                          at=link.ended_at)
    db.session.flush()
    return ticket


def raise_follow_up(port, subscription: Subscription, down_since: datetime) -> Ticket | None:
    """A port down 7 days on an active subscription: one follow-up for the operator per flat."""
    unit_id = getattr(port, "unit_id", None) or subscription.unit_id
    existing = db.session.execute(
        select(Ticket).where(Ticket.category == TicketCategory.FOLLOW_UP,
                             Ticket.unit_id == unit_id,
                             Ticket.status.in_([str(s) for s in ACTIVE_STATUSES]))
    ).scalars().first()
    if existing is not None:
        return existing
    unit = db.session.get(Unit, unit_id)
    opened_at = utcnow()
    ticket = Ticket(household_id=subscription.household_id, unit=unit,
                    device_id=getattr(port, "device_id", None), building_id=unit.building_id,
                    category=TicketCategory.FOLLOW_UP, priority=TicketPriority.LOW,
                    status=TicketStatus.NEW, source=TicketSource.NETWORK,
                    **generated_subject(subjects.PORT_DOWN, u=unit.code,
                                        d=local_date(down_since).isoformat()),
                    description=_("Le port %(p)s est coupé depuis %(at)s alors que l'abonnement "
                                  "n° %(s)s est actif. Prendre contact avec le foyer (box "
                                  "éteinte, câble, départ ?).",
                                  p=getattr(port, "if_name", "?"),
                                  at=down_since.isoformat(timespec="minutes"),
                                  s=subscription.id),
                    opened_at=opened_at,
                    sla_due_at=sla_due_at(opened_at, TicketCategory.FOLLOW_UP,
                                          TicketPriority.LOW))
    insert_numbered(ticket)
    record_event(ticket, EventKind.CREATED, None, to_value=ticket.status, body=ticket.description)
    return ticket


def _counters_ticket(device_id: int) -> Ticket | None:
    """The device's open ticket about ambiguous 32-bit counters (a device-wide follow-up)."""
    return db.session.execute(
        select(Ticket).where(Ticket.category == TicketCategory.FOLLOW_UP,
                             Ticket.source == TicketSource.NETWORK,
                             Ticket.device_id == device_id, Ticket.unit_id.is_(None),
                             Ticket.status.in_([str(s) for s in ACTIVE_STATUSES]))
        .order_by(Ticket.id)).scalars().first()


def record_counters_ambiguous(device, ports, interval_s: int) -> Ticket:
    """One ticket per device whose 32-bit counters can wrap twice between polls (issue 16.12):
    the operator shortens the device's poll interval; the ticket resolves itself then."""
    existing = _counters_ticket(device.id)
    if existing is not None:
        return existing
    safe_s = min(port.max_interval_s for port in ports)
    opened_at = utcnow()
    ticket = Ticket(
        device_id=device.id, building_id=device.building_id,
        category=TicketCategory.FOLLOW_UP, priority=TicketPriority.NORMAL,
        status=TicketStatus.NEW, source=TicketSource.NETWORK,
        **generated_subject(subjects.COUNTERS_AMBIGUOUS, h=device.hostname),
        description=_("Interrogé toutes les %(i)s s, %(h)s ne donne que des compteurs 32 bits "
                      "qui peuvent faire deux tours entre deux relevés sur %(n)s port(s) : "
                      "%(ports)s. Leur trafic n'est pas compté. Réglez l'intervalle "
                      "d'interrogation de l'équipement à %(s)s s au plus.",
                      i=interval_s, h=device.hostname, n=len(ports),
                      ports=", ".join(port.if_name for port in ports), s=safe_s),
        opened_at=opened_at,
        sla_due_at=sla_due_at(opened_at, TicketCategory.FOLLOW_UP, TicketPriority.NORMAL))
    insert_numbered(ticket)
    record_event(ticket, EventKind.CREATED, None, to_value=ticket.status, body=ticket.description)
    return ticket


def record_counters_unambiguous(device, interval_s: int) -> Ticket | None:
    """The device's interval now lets every port count: its counters ticket is resolved."""
    ticket = _counters_ticket(device.id)
    if ticket is None:
        return None
    ticket.resolution = _("Intervalle d'interrogation de %(i)s s : le trafic de chaque port "
                          "est compté.", i=interval_s)
    change_status(ticket, TicketStatus.RESOLVED, actor=None, note=ticket.resolution)
    db.session.flush()
    return ticket
