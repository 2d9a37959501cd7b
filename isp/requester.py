"""Who makes the current request: the API's bearer-token user, or the session's user for pages.

Kept apart from ``isp.auth`` (sessions, tokens, the access guard) because the audit log, the
change history and the locale read it, and ``isp.auth`` itself audits refusals: reading the
requester from here keeps those modules below ``isp.auth`` rather than in a cycle with it.
"""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from isp.models import User


def is_api_request() -> bool:
    """The request is one of the API's (``/api/…``): bearer token, JSON errors."""
    return request.path.startswith("/api/")


def authenticated_user() -> User | None:
    """The user of this request: a bearer token for the API, the session for pages."""
    if is_api_request():
        return g.get("token_user")
    return current_user if current_user.is_authenticated else None
