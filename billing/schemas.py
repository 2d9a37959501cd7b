"""What the billing API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from pydantic import Field

from billing.choices import InvoiceStatus
from isp.query import Query

#: A month ``YYYY-MM``.
PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class InvoiceQuery(Query):
    """The invoice list's filters, on the page (/invoices) and in the API (/api/v1/invoices)."""

    period: str | None = Field(None, pattern=PERIOD_PATTERN)
    status: InvoiceStatus | None = None
    building: str | None = Field(None, max_length=30)
    q: str | None = Field(None, max_length=200)

    def filters(self) -> dict:
        """The keyword arguments of ``invoices_query``."""
        return {"period": self.period, "status": self.status, "building_code": self.building,
                "search": self.q}
