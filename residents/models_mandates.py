"""Mandates (Aidants Connect style) and the residents' SEPA mandate requests (issue 20).

A mandate lets one named mediator of the household's association act for the resident, for a
listed set of actions, for at most 12 months, with the resident's recorded consent.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime


class Mandate(db.Model):
    """A resident's mandate to a mediator: what, until when, how consent was given."""

    __tablename__ = "resident_mandates"
    __table_args__ = (Index("ix_resident_mandates_household_status", "household_id",
                            "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id"), index=True)
    #: The mediator who may act under it.
    mediator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: ``;``-separated actions among ``invoices``, ``bookings``, ``tickets``.
    scopes: Mapped[str] = mapped_column(String(60))
    starts_on: Mapped[date] = mapped_column(Date)
    #: Last day it holds (at most 12 months after ``starts_on``).
    ends_on: Mapped[date] = mapped_column(Date)
    #: ``in_person`` (signed form) or ``code`` (a code sent to the resident).
    consent_method: Mapped[str] = mapped_column(String(12))
    #: The signed form's reference (in person).
    consent_reference: Mapped[str | None] = mapped_column(String(60))
    #: Hash of the code sent to the resident (code consent), while it waits.
    consent_code_hash: Mapped[str | None] = mapped_column(String(64))
    consent_code_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_attempts: Mapped[int] = mapped_column(default=0)
    #: ``pending`` (waiting for the code), ``active``, ``ended``.
    status: Mapped[str] = mapped_column(String(10), default="pending")
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: ``resident``, ``mediator``, ``moved_out``, ``assignment_ended``.
    end_reason: Mapped[str | None] = mapped_column(String(20))

    household = relationship("Household")
    association = relationship("Association")
    mediator = relationship("User", foreign_keys=[mediator_id])

    @property
    def scope_list(self) -> list[str]:
        return [item for item in (self.scopes or "").split(";") if item]


class SepaRequest(db.Model):
    """A resident asks to pay by SEPA direct debit: an operator sets the mandate up with them
    (the bank details are never typed into the residents' space)."""

    __tablename__ = "resident_sepa_requests"
    __table_args__ = (Index("ix_resident_sepa_requests_status", "status", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    #: ``open`` (new), ``contacted`` (an operator called the household), then closed:
    #: ``signed`` (billing holds the signed SEPA mandate) or ``cancelled`` (with a reason).
    status: Mapped[str] = mapped_column(String(12), default="open", server_default="open")
    #: The operator's note on the last change (the reason of a cancellation).
    staff_note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when closed (``signed`` or ``cancelled``); an open request has none.
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    household = relationship("Household")
