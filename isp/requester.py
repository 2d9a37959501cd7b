"""Who makes the current request: the API's bearer-token user, or the session's user for pages.

Kept apart from ``isp.auth`` (sessions, tokens, the access guard) because the audit log, the
change history and the locale read it, and ``isp.auth`` itself audits refusals: reading the
requester from here keeps those modules below ``isp.auth`` rather than in a cycle with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import g, has_request_context, request
from flask_login import current_user

from isp.models import User

T = TypeVar("T")


def is_api_request() -> bool:
    """The request is one of the API's (``/api/…``): bearer token, JSON errors."""
    return request.path.startswith("/api/")


def authenticated_user() -> User | None:
    """The user of this request: a bearer token for the API, the session for pages."""
    if is_api_request():
        return g.get("token_user")
    return current_user if current_user.is_authenticated else None


def once_per_request(name: str, compute: Callable[[], T]) -> T:
    """``compute()``'s answer, computed once per request and kept on the request as ``name``:
    for what every template of a page asks again (a household page renders six). On the
    request, not on ``g``: tests and commands share one application context between requests.
    Outside a request (a command rendering a document), computed each time."""
    if not has_request_context():
        return compute()
    current = request._get_current_object()
    kept = current.__dict__.get(name, _MISSING)
    if kept is _MISSING:
        kept = current.__dict__[name] = compute()
    return kept


_MISSING = object()
