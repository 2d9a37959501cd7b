"""Coaching proposed because of the connection: a first session when a household's line
becomes active, a follow-up when a ticket was closed as a question of use (issue 20).

A proposal is a suggestion: a mediator of the household's association accepts it (by booking
a slot) or declines it with a reason. Without an association it waits in the orientation queue.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime


class CoachingProposal(db.Model):
    """A session proposed to a household, waiting for a mediator's answer."""

    __tablename__ = "coaching_proposals"
    __table_args__ = (UniqueConstraint("household_id", "kind", "source_ref"),
                      Index("ix_coaching_proposals_status_association", "status",
                            "association_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    #: None: the household has no association yet (the orientation queue).
    association_id: Mapped[int | None] = mapped_column(ForeignKey("associations.id"))
    #: ``first_session`` (connection active) or ``follow_up`` (usage question).
    kind: Mapped[str] = mapped_column(String(20))
    #: What caused it: ``subscription:<id>`` or ``ticket:<number>`` (one proposal per cause).
    source_ref: Mapped[str] = mapped_column(String(40))
    #: The day of the event (activation day, closing day): the 30-day measure starts there.
    event_on: Mapped[date] = mapped_column(Date, index=True)
    #: ``proposed`` | ``accepted`` | ``declined`` | ``withdrawn`` (the household moved out).
    status: Mapped[str] = mapped_column(String(12), default="proposed")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("coaching_bookings.id"))

    household = relationship("Household")
    association = relationship("Association")
    booking = relationship("Booking")
    decided_by = relationship("User")
