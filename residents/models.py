"""Residents' accounts, their one-time codes and the notices sent to them (issue 20).

A resident signs in without a password: an account ties one user (role ``resident``) to one
household while it lives in its flat, and ends with the move-out. The login is an e-mail or
a French mobile number; codes are stored hashed; every notice is kept with its delivery.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime


class ResidentAccount(db.Model):
    """One resident's sign-in to one household's space, from creation to the move-out."""

    __tablename__ = "resident_accounts"
    __table_args__ = (Index("ix_resident_accounts_login", "login"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    #: ``email`` or ``phone``: which of the two below the resident types to sign in.
    login_kind: Mapped[str] = mapped_column(String(10))
    #: The login as typed once normalised: a lower-case e-mail or ``+33…`` (E.164).
    login: Mapped[str] = mapped_column(String(254))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    #: Opt-in per channel (off until the resident or an operator turns it on).
    notify_sms: Mapped[bool] = mapped_column(default=False)
    notify_email: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: ``moved_out``, ``operator`` …
    ended_reason: Mapped[str | None] = mapped_column(String(30))
    #: Last successful sign-in.
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id])
    household = relationship("Household")

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class SignInCode(db.Model):
    """A one-time code: 6 digits by SMS or e-mail (10 minutes), or a welcome letter's
    activation code (longer). Only an HMAC of the code is kept."""

    __tablename__ = "resident_sign_in_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("resident_accounts.id"), index=True)
    #: ``sign_in`` (sent) or ``activation`` (printed letter).
    purpose: Mapped[str] = mapped_column(String(12))
    code_hash: Mapped[str] = mapped_column(String(64))
    #: ``sms``, ``email`` or ``letter``.
    channel: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Wrong codes typed against it; at the limit it is dead.
    attempts: Mapped[int] = mapped_column(default=0)

    account = relationship("ResidentAccount")


class Notice(db.Model):
    """A notice to a resident: what, to whom, when, through which channel, delivered or not."""

    __tablename__ = "resident_notices"
    __table_args__ = (
        # One notice per cause and channel: a signal sent twice notifies once.
        UniqueConstraint("account_id", "channel", "source_ref",
                         name="uq_resident_notices_cause"),
        Index("ix_resident_notices_household", "household_id", "created_at"),
        Index("ix_resident_notices_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("resident_accounts.id"))
    #: ``outage_started``, ``outage_ended``, ``invoice_issued``, ``appointment_reminder``,
    #: ``dunning_step`` (residents.notices.KIND_LABELS).
    kind: Mapped[str] = mapped_column(String(30))
    #: What caused it, e.g. ``outage:12:start`` (see the unique constraint).
    source_ref: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(10))
    #: The phone number or e-mail address it went to.
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: ``pending``, ``sent``, ``failed`` (gave up after a few attempts).
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    #: When a sender took it (``sending``); a stale claim is taken again.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The provider's message id when it gives one.
    provider_ref: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
