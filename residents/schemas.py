"""What the residents' API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from isp.query import Query
from residents import sepa


class SepaRequestQuery(Query):
    """The SEPA requests' filter, on the page (/sepa-requests) and in the API: ``todo`` (new or
    contacted), ``all``, or one status."""

    status: Literal[sepa.FILTERS] = "todo"  # type: ignore[valid-type]


class UsageQuery(Query):
    """The month of a resident's traffic (``YYYY-MM``, default this month)."""

    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$")
