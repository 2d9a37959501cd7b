"""Counting the SQL a page runs: the idiom of the pages' statement-count tests (issue 23.3)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event

from isp.extensions import db

#: The request's sign-in (isp.auth): the core's cost, counted by its own tests, not the page's.
AUTH_TABLES = ("user_sessions", "api_tokens", "failed_attempts")


@contextmanager
def _statements_kept(keep: Callable[[str], bool]) -> Iterator[list[str]]:
    """The statements run inside the block that ``keep`` accepts, as sent."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if keep(statement):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _is_page_select(statement: str) -> bool:
    return statement.lstrip().upper().startswith("SELECT") and not any(
        f"FROM {table}" in statement for table in AUTH_TABLES)


@contextmanager
def page_selects() -> Iterator[list[str]]:
    """The SELECT statements run inside the block, but for the sign-in's; the test session's
    SAVEPOINTs and the audit entry's INSERT are left out, so the count is the page's reads.

    The session is emptied first: objects the test built would otherwise answer the page's
    lazy loads from memory and hide a query per row.
    """
    db.session.commit()
    db.session.expunge_all()
    with _statements_kept(_is_page_select) as statements:
        yield statements


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """Every statement run inside the block, as sent (the test session's SAVEPOINTs too)."""
    with _statements_kept(lambda _statement: True) as statements:
        yield statements


def statements_of(request) -> int:
    """How many statements ``request()`` (a test client call answering 200) runs, the test
    session's SAVEPOINTs left out; sign-in and audit included (a page's whole cost)."""
    with recorded_statements() as statements:
        assert request().status_code == 200
    return sum(1 for statement in statements if "SAVEPOINT" not in statement)
