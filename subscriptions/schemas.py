"""What the subscriptions API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from pydantic import Field

from isp.query import Query


class SubscriptionQuery(Query):
    """The subscription list's filter: a flat's code."""

    unit: str | None = Field(None, max_length=30)
