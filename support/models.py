"""Support tickets, their timeline, the outages and flats they concern, and notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Row, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime
from support.choices import ACTIVE_STATUSES, TicketPriority, TicketStatus
from support.subjects import subject_text


class Ticket(db.Model):
    """A request for help from a resident, an association or the network itself."""

    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("year", "seq"),
                      Index("ix_tickets_status_sla", "status", "sla_due_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``T-YYYY-NNNNN``: year of opening, then a gapless sequence within that year.
    number: Mapped[str] = mapped_column(String(16), unique=True)
    year: Mapped[int] = mapped_column()
    seq: Mapped[int] = mapped_column()
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    #: Denormalised from the flat or the device, for the queues and the figures per building.
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10), default=TicketPriority.NORMAL)
    status: Mapped[str] = mapped_column(String(10), default=TicketStatus.NEW)
    source: Mapped[str] = mapped_column(String(12))
    #: The association that opened it (source ``association``): it follows and is notified.
    association_id: Mapped[int | None] = mapped_column(ForeignKey("associations.id"),
                                                       index=True)
    subject: Mapped[str] = mapped_column(String(200))
    #: Subjects the network writes: a code and its figures (support/subjects.py), so that each
    #: reader sees it in their language; None for subjects people typed.
    subject_code: Mapped[str | None] = mapped_column(String(40))
    subject_params: Mapped[dict | None] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sla_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Network tickets: total duration of the linked outages, written when the device is back.
    outage_duration_s: Mapped[int | None] = mapped_column()
    resolution: Mapped[str | None] = mapped_column(Text)

    household = relationship("Household")
    unit = relationship("Unit")
    device = relationship("Device")
    building = relationship("Building")
    association = relationship("Association")
    assignee = relationship("User", foreign_keys=[assignee_id])
    opened_by = relationship("User", foreign_keys=[opened_by_id])
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan")

    @property
    def subject_shown(self) -> str:
        """The subject in the reader's language (a generated one), else as typed."""
        return subject_shown(self)
    outages: Mapped[list[TicketOutage]] = relationship(
        back_populates="ticket", order_by="TicketOutage.started_at",
        cascade="all, delete-orphan")
    affected: Mapped[list[TicketUnit]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Still needs work after its SLA due time."""
        return is_overdue(self, now)

    @property
    def affected_unit_codes(self) -> list[str]:
        codes = sorted(link.unit.code for link in self.affected)
        if not codes and self.unit is not None:
            codes = [self.unit.code]
        return codes


def subject_shown(ticket: Ticket | Row) -> str:
    """A ticket's subject in the reader's language (a generated one), else as typed: of a
    ticket or of a list's row with its ``subject``, ``subject_code`` and ``subject_params``."""
    if ticket.subject_code:
        return subject_text(ticket.subject_code, ticket.subject_params or {}) or ticket.subject
    return ticket.subject


def is_overdue(ticket: Ticket | Row, now: datetime | None = None) -> bool:
    """A ticket (or a list's row with its ``status`` and ``sla_due_at``) still needs work
    after its SLA due time."""
    return ticket.status in ACTIVE_STATUSES and ticket.sla_due_at < (now or utcnow())


class TicketEvent(db.Model):
    """One line of a ticket's timeline: a comment or a change, by whom, when."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: None: the system (network monitoring, SLA check).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    from_value: Mapped[str | None] = mapped_column(String(120))
    to_value: Mapped[str | None] = mapped_column(String(120))
    body: Mapped[str | None] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor = relationship("User")


class TicketOutage(db.Model):
    """A network outage (network's ``outages`` row) linked to a ticket; a ticket may gather
    several outages of its device."""

    __tablename__ = "ticket_outages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    outage_id: Mapped[int] = mapped_column(ForeignKey("outages.id"), unique=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_s: Mapped[int | None] = mapped_column()

    ticket: Mapped[Ticket] = relationship(back_populates="outages")


class TicketUnit(db.Model):
    """A flat affected by a network ticket, with the subscription served there at the time."""

    __tablename__ = "ticket_units"
    __table_args__ = (UniqueConstraint("ticket_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))

    ticket: Mapped[Ticket] = relationship(back_populates="affected")
    unit = relationship("Unit")
    subscription = relationship("Subscription")


class Notification(db.Model):
    """A message about a ticket event, to a user or to an association (shown in the app)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    association_id: Mapped[int | None] = mapped_column(ForeignKey("associations.id"),
                                                       index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_events.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Where the e-mail goes (None: in-app only); sent by ``send_pending_emails``.
    email_to: Mapped[str | None] = mapped_column(String(254))
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_attempts: Mapped[int] = mapped_column(default=0)
    #: Taken by a sender (one process sends each e-mail; a stale claim expires).
    email_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_error: Mapped[str | None] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship()
