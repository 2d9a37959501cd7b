"""A repeated submission creates nothing twice (docs/design.md §5 "Idempotency", issue 19.2).

Two mechanisms, both generic, so that every domain gets them without code of its own:

* **Pages.** The shared form macro (``isp/templates/_form.html``, ``form_fields``) renders a
  hidden one-time ``submission_token``. The first POST carrying it inserts the token's row
  (its primary key) inside the request's transaction, so the token is consumed by the very
  commit that saves the payment, credit note, ticket or booking. A second POST of the same
  rendered form — a double click, a reload, five tabs at once — finds the row (or, racing,
  waits on PostgreSQL's unique index until the first commits, then fails on it) and is sent to
  the page the first one led to, with a message: nothing is created twice. A form that failed
  validation rolls back and re-renders with a fresh token.

* **API.** A client may send ``Idempotency-Key`` on any ``POST /api/v1/...`` (as with Stripe or
  Lago). The key is stored per user with a digest of the request and, once the request has
  committed, its status and body; the same key with the same request replays that response
  (header ``Idempotent-Replayed: true``); with another request it is refused (422); while the
  first is still running, 409.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, Response, flash, g, has_request_context, redirect, request
from markupsafe import Markup
from sqlalchemy import Integer, String, Text, UniqueConstraint, delete, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from isp.extensions import db
from isp.i18n import gettext as _
from isp.requester import authenticated_user
from isp.timeutil import utcnow
from isp.types import UTCDateTime

#: The hidden field of every form rendered by ``form_fields``.
FORM_FIELD = "submission_token"
#: The API header (the name Stripe and the IETF draft use).
HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
#: Tokens and keys older than this are purged (a form left open longer is simply re-sent).
KEEP = timedelta(days=2)


class SubmissionToken(db.Model):
    """A one-time form token, consumed with the commit of the submission it came with."""

    __tablename__ = "submission_tokens"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(500))
    #: Where the first submission led (its redirect), for the repeated ones.
    location: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class IdempotencyKey(db.Model):
    """An API client's Idempotency-Key, with the response of the request that first used it."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    #: SHA-256 of method, path and body: the same key must come with the same request.
    request_digest: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def new_token_field() -> Markup:
    """The hidden input carrying a fresh one-time token (rendered by ``form_fields``)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        FORM_FIELD, secrets.token_urlsafe(32))


def purge(older_than: timedelta = KEEP) -> int:
    """Forget old tokens and keys (the caller commits)."""
    limit = utcnow() - older_than
    removed = db.session.execute(delete(SubmissionToken).where(
        SubmissionToken.created_at < limit)).rowcount or 0
    removed += db.session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.created_at < limit)).rowcount or 0
    return removed


# --- the request hooks ---------------------------------------------------------------------------

def _actor_id() -> int | None:
    user = authenticated_user()
    return user.id if user is not None else None


def _claim(row) -> bool:
    """Insert the claim row in this request's transaction; False when someone holds it."""
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    g.idempotency_claimed = True
    return True


def _safe_location(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _repeated_form(token: str) -> Response:
    first = db.session.get(SubmissionToken, token)
    location = first.location if first is not None and first.user_id == _actor_id() else None
    flash(_("Ce formulaire a déjà été envoyé : il n'a été enregistré qu'une fois."), "info")
    return redirect(location or _safe_location(request.referrer) or "/", code=303)


def _before_form_post() -> Response | None:
    token = request.form.get(FORM_FIELD, "")
    if not token:
        return None
    if len(token) > 64 or not token.replace("-", "").replace("_", "").isalnum():
        return None  # not one of ours: the form is processed as any other
    if db.session.get(SubmissionToken, token) is not None:
        return _repeated_form(token)
    if not _claim(SubmissionToken(token=token, user_id=_actor_id(), path=request.path[:500])):
        return _repeated_form(token)
    g.submission_token = token
    return None


def _json(body: dict, status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _stored_answer(row: IdempotencyKey, digest: str) -> Response:
    if row.request_digest != digest:
        return _json({"error": "This Idempotency-Key was used with a different request",
                      "field": HEADER}, 422)
    if row.status_code is None:
        return _json({"error": "A request with this Idempotency-Key is still being processed: "
                               "retry later", "field": HEADER}, 409)
    response = Response(row.response_body or "", status=row.status_code,
                        mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _before_api_post() -> Response | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    user_id = _actor_id()
    if user_id is None:
        return None  # the view answers 401
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        return _json({"error": f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters",
                      "field": HEADER}, 400)
    digest = hashlib.sha256(b"\n".join([request.method.encode(), request.path.encode(),
                                        request.get_data()])).hexdigest()
    statement = select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                             IdempotencyKey.key == key)
    row = db.session.execute(statement).scalar_one_or_none()
    if row is None:
        row = IdempotencyKey(user_id=user_id, key=key, request_digest=digest)
        if _claim(row):
            g.idempotency_key_id = row.id
            return None
        row = db.session.execute(statement.execution_options(populate_existing=True)) \
            .scalar_one()
    return _stored_answer(row, digest)


def _before_request() -> Response | None:
    if request.method != "POST":
        return None
    if request.path.startswith("/api/"):
        return _before_api_post()
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return _before_form_post()
    return None


def _after_request(response: Response) -> Response:
    if not g.get("idempotency_committed"):
        return response  # nothing committed with the claim: it is rolled back at teardown
    token, key_id = g.get("submission_token"), g.get("idempotency_key_id")
    if token and 300 <= response.status_code < 400 and response.location:
        db.session.execute(update(SubmissionToken).where(SubmissionToken.token == token)
                           .values(location=_safe_location(response.location)))
        db.session.commit()
    elif key_id and response.status_code < 500 and response.mimetype == "application/json":
        db.session.execute(update(IdempotencyKey).where(IdempotencyKey.id == key_id).values(
            status_code=response.status_code, response_body=response.get_data(as_text=True)))
        db.session.commit()
    return response


@event.listens_for(Session, "after_commit")
def _note_commit(_session) -> None:
    """The claim is committed with the first commit after it (the submission's own)."""
    if has_request_context() and g.get("idempotency_claimed"):
        g.idempotency_committed = True


def init_app(app: Flask) -> None:
    """Install the hooks and the template helper (called when the core API registers)."""
    app.before_request(_before_request)
    app.after_request(_after_request)
    app.jinja_env.globals["submission_token_field"] = new_token_field
