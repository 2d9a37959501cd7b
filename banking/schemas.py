"""What the banking API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from banking.choices import LineStatus
from isp.query import Query


class LineQuery(Query):
    """The credit lines' filter: one status (``pending``: the queue of lines to place)."""

    status: LineStatus | None = None
