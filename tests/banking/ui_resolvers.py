"""URL values of the bank statement pages for the browser tests (tests/ui/discovery.py)."""

from tests.ui.discovery import _first_of

RESOLVERS = {
    # The demo's imported statement (banking/demo.py).
    "statements.statement_id": _first_of("banking.models.BankStatement.id"),
    # Its line waiting in the queue: the page with the three answers.
    "lines.line_id": _first_of("banking.models.BankLine.id", status="pending"),
}
