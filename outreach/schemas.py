"""What the outreach API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from pydantic import Field

from isp.query import Query
from outreach.choices import RequestStatus


class RequestQueueQuery(Query):
    """The queue's filters, on the page (/demandes) and in the API (/api/v1/requests):
    ``district`` is a district code or ``none`` (district unknown)."""

    status: RequestStatus | None = None
    district: str | None = Field(None, max_length=30)
    q: str | None = Field(None, max_length=200)
