"""The audit log: who read or changed personal data, when, which record, from which route.

Every entry names its actor, whatever the channel: the user of a page or of an API token, an
anonymous visitor by address (a failed login), the command line (``system:isp gdpr export``)
or the scheduler (``system:scheduler``). Entries are append-only: the ORM refuses to change
them (isp.models) and, on PostgreSQL, a trigger refuses UPDATE and DELETE too, except a DELETE
inside ``retention_purge()``, the one deletion the retention rules allow.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import click
from flask import has_request_context, request

from isp.database import built_once
from isp.extensions import db
from isp.models import AuditEntry, User
from isp.models_security import AUDIT_NO_DELETE_SQLITE
from isp.requester import authenticated_user
from isp.timeutil import utcnow

#: Label prefix of actions that no person did (command line, scheduler).
SYSTEM = "system:"
#: Label of scheduled jobs, when no other system actor was set.
SCHEDULER = "system:scheduler"
#: Transaction-local PostgreSQL setting that lets the retention purge delete audit entries.
PURGE_SETTING = "isp.audit_purge"

_system_actor: ContextVar[str | None] = ContextVar("isp_system_actor", default=None)


@contextmanager
def acting_as(name: str) -> Iterator[None]:
    """Entries recorded inside the block without a user name ``system:<name>``."""
    token = _system_actor.set(name if name.startswith(SYSTEM) else SYSTEM + name)
    try:
        yield
    finally:
        _system_actor.reset(token)


def actor_of(actor: User | None) -> tuple[int | None, str]:
    """The (user id, label) recorded for ``actor``; without one, who is acting right now."""
    if actor is not None:
        return actor.id, actor.email
    named = _system_actor.get()
    if named:
        return None, named
    if has_request_context():
        user = authenticated_user()
        if user is not None:
            return user.id, user.email
        return None, f"anonymous:{request.remote_addr or 'unknown'}"
    command = click.get_current_context(silent=True)
    if command is not None:
        return None, SYSTEM + command.command_path
    # Scheduled jobs run in the scheduler's threads, outside any request or command.
    return None, SCHEDULER


def record(
    action: str,
    *,
    actor: User | None,
    record_type: str | None = None,
    record_id: object = None,
    route: str | None = None,
    detail: str | None = None,
) -> AuditEntry:
    """Append one entry (the caller commits)."""
    entry = AuditEntry(**_entry_values(action, actor, record_type, record_id, route, detail))
    db.session.add(entry)
    return entry


def _entry_values(action: str, actor: User | None, record_type: str | None,
                  record_id: object, route: str | None, detail: str | None) -> dict:
    actor_id, actor_email = actor_of(actor)
    # An identifier or a route may come from the URL as typed (a reference, a token): the entry
    # keeps what fits its columns rather than failing the request it records.
    return {"action": action[:30], "actor_id": actor_id, "actor_email": actor_email,
            "record_type": None if record_type is None else record_type[:40],
            "record_id": None if record_id is None else str(record_id)[:40],
            "route": None if route is None else route[:200], "detail": detail,
            "at": utcnow()}


def record_request(action: str, record_type: str, record_id: object,
                   detail: str | None = None) -> None:
    """Append an entry for the current request's user (session or API token) and route, in
    the request's transaction (the caller commits; a rollback drops it with the rest).

    Sent as one INSERT of its values, not added to the session: most pages record one entry,
    and the ORM's unit of work cost a tenth of a household page's CPU to flush it (issue 23.3).
    """
    db.session.execute(_insert_statement(), _entry_values(
        action, authenticated_user(), record_type, record_id,
        f"{request.method} {request.path}", detail))


@built_once
def _insert_statement():
    # Built once (isp.database.built_once): a Core INSERT of one row's values.
    return AuditEntry.__table__.insert()


def record_denied(status: int, detail: str | None = None) -> None:
    """Audit a refused request of a logged-in user (403, or 404 out of scope) and commit.

    The record is named from the URL's first identifier (``household_id`` → household), so a
    household's access log also shows who tried to reach it. Anonymous refusals are not
    recorded here (the login page and token throttling deal with them).
    """
    user = authenticated_user()
    if user is None or request.url_rule is None or request.endpoint == "static":
        return
    record_type, record_id = None, None
    for name, value in (request.view_args or {}).items():
        record_type = name.removesuffix("_id").removesuffix("_number").removesuffix("_code")
        record_id = value
        break
    db.session.rollback()  # nothing the refused request started is kept
    record("denied", actor=user, record_type=record_type, record_id=record_id,
           route=f"{request.method} {request.path}", detail=f"{status} {detail or ''}".strip())
    db.session.commit()


@contextmanager
def retention_purge() -> Iterator[None]:
    """Allow deleting audit entries inside the block: the retention purge, and only it.

    The database refuses UPDATE and DELETE on ``audit_entries`` (isp.models_security).
    PostgreSQL lets a DELETE pass while the transaction-local setting ``isp.audit_purge`` is
    ``on``: it is set for the block and switched off after it, inside the caller's transaction.
    SQLite drops its DELETE trigger for the block and creates it again (its DDL is
    transactional and it has one writer at a time, so no other connection sees the gap).
    Updates stay refused either way. After an error the caller rolls back, which undoes both.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        set_purge = db.text("SELECT set_config(:name, :value, true)")
        db.session.execute(set_purge, {"name": PURGE_SETTING, "value": "on"})
        yield
        db.session.execute(set_purge, {"name": PURGE_SETTING, "value": "off"})
    elif dialect == "sqlite":
        db.session.execute(db.text("DROP TRIGGER IF EXISTS audit_entries_no_delete"))
        yield
        db.session.execute(db.text(AUDIT_NO_DELETE_SQLITE))
    else:
        yield
