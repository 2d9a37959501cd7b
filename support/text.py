"""Translated text that also works outside a request (signal receivers, scheduler jobs)."""

from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext


def _(message: str, **variables) -> str:
    """gettext in a request; outside one (the poller, jobs) the French source text.

    The app's locale selector reads the request, so gettext cannot run in a job.
    """
    if has_request_context():
        return gettext(message, **variables)
    return message % variables if variables else message


def label(lazy) -> str:
    """A ``lazy_gettext`` label as text; outside a request its French msgid."""
    if has_request_context():
        return str(lazy)
    # flask_babel's LazyString keeps the msgid as its first argument.
    args = getattr(lazy, "_args", None)
    return str(args[0]) if args else str(lazy)
