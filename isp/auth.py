"""Who may call what: every view and API endpoint declares its roles and scope rule.

The declarations form the access matrix (``access_matrix``); a request to an endpoint that
declares nothing is refused, so a forgotten declaration fails closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user, logout_user

from isp.choices import Role
from isp.errors import json_error
from isp.extensions import db, login_manager
from isp.models import ApiToken, User
from isp.timeutil import utcnow

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


def _is_api_request() -> bool:
    return request.path.startswith("/api/")


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
                if _is_api_request():
                    return json_error("Authentication required", 401)
                return redirect(url_for("core.login", next=request.full_path))
            if Role(user.role) not in allowed:
                if _is_api_request():
                    return json_error("Forbidden for your role", 403)
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


def authenticated_user() -> User | None:
    """The user of this request: a bearer token for the API, the session for pages."""
    if _is_api_request():
        return g.get("token_user")
    return current_user if current_user.is_authenticated else None


def current_actor() -> User:
    """The authenticated user (views only; services receive it as ``actor``)."""
    user = authenticated_user()
    if user is None:
        abort(401)
    return user


def _bearer_user() -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = db.session.execute(
        db.select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(header[7:].strip()))
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None or not token.user.is_enabled:
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

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id))

    @app.before_request
    def _guard():
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, ACCESS_ATTR, None) is None:
            # Fail closed: an endpoint that declares no access rule is not served.
            if _is_api_request():
                return json_error("Forbidden", 403)
            abort(403)
        if _is_api_request():
            g.token_user = _bearer_user()
            return None
        if current_user.is_authenticated:
            now = utcnow().timestamp()
            last_seen = session.get("last_seen", now)
            idle_limit = current_app.config["SESSION_IDLE_MINUTES"] * 60
            if now - last_seen > idle_limit:
                logout_user()
                session.clear()
                return redirect(url_for("core.login", next=request.full_path))
            session["last_seen"] = now
            session.permanent = True
            if (
                current_user.must_change_password
                and request.endpoint not in {"core.change_password", "core.logout"}
            ):
                return redirect(url_for("core.change_password"))
        return None


def roles_of(rule: AccessRule) -> Iterable[str]:
    return sorted(str(role) for role in rule.roles)
