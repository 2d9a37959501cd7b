"""What the banking API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from banking.choices import LineStatus
from isp.openapi import Resource
from isp.query import Query


class LineQuery(Query):
    """The credit lines' filter: one status (``pending``: the queue of lines to place)."""

    status: LineStatus | None = None


# --- responses ---------------------------------------------------------------------------------

class StatementOut(Resource):
    """``statement_json``: an imported bank statement."""

    id: int
    account: str
    identifier: str
    message_id: str | None
    version: str
    from_on: str | None
    to_on: str | None
    lines_count: int
    duplicates: int
    debits_ignored: int
    others_ignored: int
    imported_at: str


class LineOut(Resource):
    """``line_json``: a credit line, where it went or why it waits."""

    id: int
    statement_id: int
    reference: str
    amount_cents: int
    booked_on: str
    value_on: str | None
    debtor_name: str | None
    debtor_iban: str | None
    remittance: str | None
    structured: str | None
    status: str
    match_kind: str | None
    invoice_number: str | None
    household_id: int | None
    payment_id: int | None
    suggested_household_id: int | None
    suggestion: list[str]
    waiting: list[str]
    not_ours_reason: str | None
    decided_at: str | None


class StatementDetailOut(StatementOut):
    """One statement with its credit lines."""

    lines: list[LineOut]


class ImportOut(Resource):
    """What an import did (201), or that it changed nothing (200: the same statement again)."""

    statements: list[StatementOut]
    new_lines: int
    duplicates: int
    matched: int
    pending: int
    suggested: int
    debits_ignored: int
    others_ignored: int
    changed_nothing: bool
