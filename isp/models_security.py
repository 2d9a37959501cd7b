"""Security tables: server-side login sessions, failed-attempt counters, the audit trigger.

Imported by isp.models, so that the metadata (migrations, tests) always holds them.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import DDL, ForeignKey, String, Table, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime


class UserSession(db.Model):
    """A logged-in browser: the cookie holds a random id whose SHA-256 is kept here.

    A request is logged in only while its row exists: logout deletes it, a password change
    deletes the account's other rows, a reset all of them; a replayed cookie then finds none.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Refreshed at most once a minute; the session ends after SESSION_IDLE_MINUTES without use.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user = relationship("User")

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class FailedAttempt(db.Model):
    """One failed login or API token, counted per key (address, address + account)."""

    __tablename__ = "failed_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``login-ip:203.0.113.5``, ``login-ip-account:203.0.113.5:<sha256 of the e-mail>``…
    key: Mapped[str] = mapped_column(String(120), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


#: PostgreSQL: the audit log is append-only for every client, not only the ORM; a DELETE
#: passes only in a transaction that set ``isp.audit_purge`` (isp.audit.retention_purge).
AUDIT_TRIGGER_POSTGRESQL = (
    """
    CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND current_setting('isp.audit_purge', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit entries are append-only'
            USING ERRCODE = 'insufficient_privilege', DETAIL = TG_OP || ' refused';
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries",
    """
    CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()
    """,
)
#: SQLite (development, tests): the same refusal; the purge drops the DELETE trigger inside
#: its transaction and creates it again before committing (SQLite DDL is transactional).
AUDIT_NO_UPDATE_SQLITE = (
    "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only (UPDATE refused)'); END")
AUDIT_NO_DELETE_SQLITE = (
    "CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only (DELETE refused)'); END")


def install_audit_trigger(table: Table) -> None:
    """Create the triggers with ``audit_entries`` (``create_all``); migrations create them too.

    ``isp.models`` hands its table over: this module does not import the models back.
    """
    for statement in AUDIT_TRIGGER_POSTGRESQL:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="postgresql"))
    for statement in (AUDIT_NO_UPDATE_SQLITE, AUDIT_NO_DELETE_SQLITE):
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
