"""The audit log: who read or changed personal data, when, which record, from which route."""

from __future__ import annotations

from isp.extensions import db
from isp.models import AuditEntry, User


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
    entry = AuditEntry(
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else None,
        record_type=record_type,
        record_id=None if record_id is None else str(record_id),
        route=route,
        detail=detail,
    )
    db.session.add(entry)
    return entry


def record_request(action: str, record_type: str, record_id: object, detail: str | None = None):
    """Append an entry for the current request's user and route (for views and API only)."""
    from flask import request
    from flask_login import current_user

    actor = current_user if current_user.is_authenticated else None
    return record(action, actor=actor, record_type=record_type, record_id=record_id,
                  route=f"{request.method} {request.path}", detail=detail)
