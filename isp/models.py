"""Core tables: users, API tokens, the audit log."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from isp import models_security
from isp.choices import Role
from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime

_hashers: dict[str, PasswordHasher] = {}


def password_hasher() -> PasswordHasher:
    """The argon2id hasher of the app's ``PASSWORD_HASH_PROFILE`` (an ``argon2.profiles`` name).

    Production keeps argon2's RFC 9106 low-memory profile; the test settings choose the
    cheapest one, because hundreds of tests each create a user.
    """
    name = (current_app.config.get("PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY")
            if has_app_context() else "RFC_9106_LOW_MEMORY")
    if name not in _hashers:
        _hashers[name] = PasswordHasher.from_parameters(getattr(profiles, name))
    return _hashers[name]


class User(UserMixin, db.Model):
    """A person who logs into the back-office."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    #: Mediators belong to one association; other roles have none.
    association_id: Mapped[int | None] = mapped_column(ForeignKey("associations.id"))
    #: argon2id hash
    password_hash: Mapped[str] = mapped_column(String(255))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    #: TOTP secret (base32) when the user enrolled a second factor.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    association = relationship("Association", foreign_keys=[association_id])

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.is_enabled

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def set_password(self, password: str) -> None:
        self.password_hash = password_hasher().hash(password)

    def check_password(self, password: str) -> bool:
        """True for the right password; a hash of another cost is upgraded on the way."""
        hasher = password_hasher()
        try:
            hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if hasher.check_needs_rehash(self.password_hash):
            self.set_password(password)
        return True

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: First characters, to tell tokens apart in lists without revealing them.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship(User)

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User) -> tuple[ApiToken, str]:
        """A new token record and the clear token (shown once)."""
        clear = "isp_" + secrets.token_urlsafe(32)
        return cls(user=user, token_hash=cls.hash(clear), prefix=clear[:10]), clear


class AuditEntry(db.Model):
    """One access to personal data, decision, login or export. Append-only: never updated."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Who acted, copied so that the entry stays readable if the user is removed; never empty:
    #: a user's e-mail, ``anonymous:<address>`` or ``system:<command or scheduler>`` (isp.audit).
    actor_email: Mapped[str] = mapped_column(String(254))
    #: read | create | update | decision | login | login_failed | export | erase ...
    action: Mapped[str] = mapped_column(String(30))
    record_type: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(40), index=True)
    route: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)


def _refuse_audit_changes(session, _flush_context, _instances) -> None:
    """The audit log is append-only: an ORM update or delete of an entry is an error."""
    for instance in list(session.dirty) + list(session.deleted):
        if isinstance(instance, AuditEntry):
            raise PermissionError("audit entries are append-only")


event.listen(Session, "before_flush", _refuse_audit_changes)
models_security.install_audit_trigger(AuditEntry.__table__)


class ScheduledJobLease(db.Model):
    """Which worker runs a scheduled job, and the schedule it last ran for (one row per job)."""

    __tablename__ = "scheduled_job_leases"

    #: the APScheduler job id (``billing.dunning``)
    job_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    #: the scheduled time of the last run taken: a later schedule only can be taken again
    slot_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: ``host:pid`` of the worker that took it
    holder: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: None while it runs; a run whose lease expired (dead worker) no longer blocks the next
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime)
