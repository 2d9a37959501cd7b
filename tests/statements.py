"""Counting the SQL a page runs: the idiom of the pages' statement-count tests (issue 23.3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from isp.extensions import db

#: The request's sign-in (isp.auth): the core's cost, counted by its own tests, not the page's.
AUTH_TABLES = ("user_sessions", "api_tokens", "failed_attempts")


@contextmanager
def page_selects() -> Iterator[list[str]]:
    """The SELECT statements run inside the block, but for the sign-in's; the test session's
    SAVEPOINTs and the audit entry's INSERT are left out, so the count is the page's reads.

    The session is emptied first: objects the test built would otherwise answer the page's
    lazy loads from memory and hide a query per row.
    """
    db.session.commit()
    db.session.expunge_all()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT") and not any(
                f"FROM {table}" in statement for table in AUTH_TABLES):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """Every statement run inside the block, as sent (the test session's SAVEPOINTs too)."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def statements_of(request) -> int:
    """How many statements ``request()`` (a test client call answering 200) runs, the test
    session's SAVEPOINTs left out; sign-in and audit included (a page's whole cost)."""
    with recorded_statements() as statements:
        assert request().status_code == 200
    return sum(1 for statement in statements if "SAVEPOINT" not in statement)
