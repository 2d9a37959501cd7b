"""What the equipment API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from pydantic import Field

from equipment.choices import Kind, State
from equipment.services import ItemFilters
from isp.query import Query
from isp.validation import MAX_INT


class ItemQuery(Query):
    """The inventory's filters, on the page (/equipment) and in the API (/api/v1/equipment)."""

    kind: Kind | None = None
    state: State | None = None
    household_id: int | None = Field(None, ge=1, le=MAX_INT)
    #: Part of a serial number.
    q: str | None = Field(None, max_length=80)

    def filters(self) -> ItemFilters:
        return ItemFilters(kind=self.kind, state=self.state, search=self.q,
                           household_id=self.household_id)
