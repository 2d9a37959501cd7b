"""What the subscribers API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from pydantic import Field

from isp.query import Query

#: A district, building or flat code (the columns hold at most 30 characters).
Code = Field(None, max_length=30)


class BuildingQuery(Query):
    """The building list's filter (API)."""

    district: str | None = Code


class UnitQuery(Query):
    """The flat list's filter (API)."""

    building: str | None = Code


class HouseholdQuery(Query):
    """The household list's filters, on the page (/households: ``q``, ``building``, ``status``)
    and in the API (``building``, ``unit``, ``association``, ``status``). ``status`` is one of
    ``services.household_status_filters()``, checked by ``services.check_status_filter``."""

    q: str | None = Field(None, max_length=200)
    building: str | None = Code
    unit: str | None = Code
    association: str | None = Code
    status: str | None = Field(None, max_length=40)

