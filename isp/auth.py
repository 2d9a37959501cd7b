"""Who may call what: every view and API endpoint declares its roles and scope rule.

The declarations form the access matrix (``access_matrix``); a request to an endpoint that
declares nothing is refused, so a forgotten declaration fails closed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import joinedload

from isp import audit, throttle
from isp.choices import Role
from isp.database import built_once
from isp.errors import json_error
from isp.extensions import db, login_manager
from isp.i18n import gettext as _
from isp.models import ApiToken, User, password_hasher
from isp.models_security import UserSession
from isp.requester import authenticated_user, is_api_request
from isp.services import get_user_by_email
from isp.timeutil import utcnow


@dataclass(frozen=True)
class Scope:
    """What an actor may see: everything, or only their association's households (the
    "scope" of the access triad: role, scope, audit)."""

    role: Role
    association_id: int | None = None

    @classmethod
    def of(cls, actor: User) -> Scope:
        return cls(Role(actor.role), actor.association_id)

    @property
    def is_mediator(self) -> bool:
        return self.role is Role.MEDIATOR

    @property
    def sees_personal_data(self) -> bool:
        return self.role in (Role.ADMIN, Role.OPERATOR, Role.MEDIATOR)

ACCESS_ATTR = "_isp_access_rule"

#: Scope rules, in words, for the access matrix.
SCOPES = {
    "public": "no login needed",
    "self": "any logged-in user, on their own account",
    "all": "every record",
    "own_association": "mediators: only households, slots and sessions of their association",
    "aggregates": "aggregates only, no personal field, small cells suppressed",
}


@dataclass(frozen=True)
class AccessRule:
    """Roles allowed on an endpoint and the scope rule that applies inside it."""

    roles: frozenset[Role]
    scope: str

    @property
    def is_public(self) -> bool:
        return self.scope == "public"


def require_role(*roles: Role, scope: str = "all") -> Callable:
    """Declare and enforce the roles of a view; admins are always allowed."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    allowed = frozenset(roles) | {Role.ADMIN}
    rule = AccessRule(allowed, scope)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = authenticated_user()
            if user is None:
                if is_api_request():
                    return json_error(_("Authentification requise"), 401)
                return redirect(url_for("core.login", next=request.full_path))
            if Role(user.role) not in allowed:
                if is_api_request():
                    audit.record_denied(403, "role")
                    return json_error(_("Interdit pour votre rôle"), 403)
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, rule)
        return wrapper

    return decorator


def public(view: Callable) -> Callable:
    """Declare a view that needs no login (login page, accessibility statement...)."""
    setattr(view, ACCESS_ATTR, AccessRule(frozenset(), "public"))
    return view


def logged_in(view: Callable) -> Callable:
    """Any logged-in user, on their own things (language, password, logout)."""
    return require_role(*Role, scope="self")(view)


def current_actor() -> User:
    """The authenticated user (views only; services receive it as ``actor``)."""
    user = authenticated_user()
    if user is None:
        abort(401)
    return user


#: The Flask session's key holding the server-side session id (see ``UserSession``).
SESSION_ID_KEY = "sid"
#: A server-side session's last use is written at most this often.
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)


def start_session(user: User) -> str:
    """Open a server-side session for ``user``; put the returned id in the Flask session.

    Sessions idle for longer than SESSION_IDLE_MINUTES are swept on the way (the caller
    commits).
    """
    now = utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    db.session.execute(delete(UserSession).where(UserSession.last_seen_at < now - idle))
    clear = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=UserSession.hash(clear),
                               created_at=now, last_seen_at=now))
    return clear


def end_session() -> None:
    """End the current request's server-side session (logout; the caller commits)."""
    token = session.get(SESSION_ID_KEY)
    if token:
        db.session.execute(delete(UserSession).where(
            UserSession.token_hash == UserSession.hash(token)))


def end_sessions_of(user: User, *, keep_current: bool = False) -> int:
    """End every session of ``user`` (a password reset), or every other one (a password
    change keeps the browser that made it); returns how many ended. The caller commits."""
    statement = delete(UserSession).where(UserSession.user_id == user.id)
    token = session.get(SESSION_ID_KEY) if keep_current else None
    if token:
        statement = statement.where(UserSession.token_hash != UserSession.hash(token))
    return db.session.execute(statement).rowcount or 0


@built_once
def _session_with_user():
    # Every page reads it: built once (isp.database.built_once).
    return (select(UserSession).options(joinedload(UserSession.user))
            .where(UserSession.token_hash == bindparam("token_hash")))


def _session_user(user_id: str) -> User | None:
    """The user of the cookie's server-side session, while it lives (Flask-Login's loader)."""
    token = session.get(SESSION_ID_KEY)
    if not token:
        return None
    row = db.session.execute(_session_with_user(), {"token_hash": UserSession.hash(token)}
                             ).scalar_one_or_none()
    if row is None or str(row.user_id) != user_id:
        return None
    now = utcnow()
    idle = now - row.last_seen_at
    if idle > timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"]):
        db.session.delete(row)
        db.session.commit()
        return None
    if idle > SESSION_TOUCH_INTERVAL:
        row.last_seen_at = now
        db.session.commit()
    return row.user


_dummy_hashes: dict[int, str] = {}


def verify_login(email: str, password: str) -> User | None:
    """The enabled user with this e-mail and password, else None, in the same time.

    An unknown or disabled account costs one argon2 verification too (against a hash of the
    current cost), so the answer's delay does not tell which e-mails have an account.
    """
    user = get_user_by_email(email or "")
    if user is None:
        hasher = password_hasher()
        if id(hasher) not in _dummy_hashes:
            _dummy_hashes[id(hasher)] = hasher.hash(secrets.token_urlsafe(16))
        user_of_dummy = User(password_hash=_dummy_hashes[id(hasher)])
        user_of_dummy.check_password(password or "")
        return None
    if not user.check_password(password or "") or not user.is_enabled:
        return None
    return user


def _token_throttle_key() -> str:
    return throttle.key(throttle.API_TOKEN_ADDRESS, request.remote_addr)


class TokensThrottled(Exception):
    """Too many invalid tokens from this address: ``wait`` seconds before the next try."""

    def __init__(self, wait: int):
        super().__init__(wait)
        self.wait = wait


@built_once
def _token_with_user():
    # Every API call reads it: built once (isp.database.built_once).
    return (select(ApiToken).options(joinedload(ApiToken.user))
            .where(ApiToken.token_hash == bindparam("token_hash")))


def _bearer_user() -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    # The token's user in the same statement: every API call reads both (one round trip less).
    token = db.session.execute(
        _token_with_user(), {"token_hash": ApiToken.hash(header[7:].strip())}
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None or not token.user.is_enabled:
        # Only a wrong token is throttled: the throttle slows down guessing, and a valid token
        # (256 random bits) is no guess. Its check after the lookup spares every valid call a
        # statement (issue 23.3).
        wait = throttle.wait_for(throttle.API_TOKEN_ADDRESS, _token_throttle_key())
        if wait:
            raise TokensThrottled(wait)
        throttle.record_failure(throttle.API_TOKEN_ADDRESS, _token_throttle_key())
        db.session.commit()
        return None
    now = utcnow()
    # A write per API call would cost more than the call; a minute's precision is enough.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
        db.session.commit()
    return token.user


def access_matrix(app: Flask) -> list[tuple[str, str, frozenset[str], AccessRule | None]]:
    """Every URL rule with its endpoint, methods and declared rule (None: undeclared)."""
    rows = []
    for url_rule in app.url_map.iter_rules():
        if url_rule.endpoint == "static":
            continue
        view = app.view_functions[url_rule.endpoint]
        methods = frozenset(url_rule.methods or ()) - {"HEAD", "OPTIONS"}
        rows.append((url_rule.rule, url_rule.endpoint, methods, getattr(view, ACCESS_ATTR, None)))
    return sorted(rows, key=lambda row: row[0])


def init_auth(app: Flask) -> None:
    """Session handling, bearer tokens and the fail-closed guard."""
    login_manager.login_view = "core.login"
    login_manager.login_message = None

    login_manager.user_loader(_session_user)

    @app.before_request
    def _forget_earlier_user():
        # The user comes from this request's cookie or token only, never from an earlier
        # request that shared the app context (tests and commands push one for many).
        g.pop("_login_user", None)
        g.pop("token_user", None)

    @app.before_request
    def _guard():
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, ACCESS_ATTR, None) is None:
            # Fail closed: an endpoint that declares no access rule is not served.
            if is_api_request():
                return json_error(_("Interdit"), 403)
            abort(403)
        if is_api_request():
            try:
                g.token_user = _bearer_user()
            except TokensThrottled as throttled:
                response, status = json_error(
                    _("Trop de jetons invalides depuis votre adresse : réessayez dans "
                      "%(wait)s secondes", wait=throttled.wait), 429)
                response.headers["Retry-After"] = str(throttled.wait)
                return response, status
            return None
        if current_user.is_authenticated:
            now = utcnow().timestamp()
            last_seen = session.get("last_seen", now)
            idle_limit = current_app.config["SESSION_IDLE_MINUTES"] * 60
            if now - last_seen > idle_limit:
                logout_user()
                session.clear()
                return redirect(url_for("core.login", next=request.full_path))
            # A minute's precision, as the server-side session's stamp: a cookie changed on
            # every page is signed and sent again on every page (issue 23.3).
            if "last_seen" not in session or \
                    now - last_seen > SESSION_TOUCH_INTERVAL.total_seconds():
                session["last_seen"] = now
            if not session.permanent:
                session.permanent = True
            if (
                current_user.must_change_password
                and request.endpoint not in {"core.change_password", "core.logout"}
            ):
                return redirect(url_for("core.change_password"))
        return None
