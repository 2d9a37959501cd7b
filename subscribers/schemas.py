"""What the subscribers API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from isp.openapi import Resource
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



# --- responses ---------------------------------------------------------------------------------

class DistrictOut(Resource):
    """``district_json``: a district (no personal data)."""

    code: str
    name: str
    commune: str
    qpv_code: str | None
    households: int | None


class BuildingOut(Resource):
    """``building_json``; one building also gives its ``unit_count``."""

    code: str
    name: str
    address: str
    postcode: str
    commune: str
    district_code: str
    landlord: str | None
    status: str
    unit_count: int | None = Field(None, ge=0)


class UnitOut(Resource):
    """``unit_json``: a flat."""

    code: str
    building_code: str
    staircase: str
    floor: int
    door: str


class HouseholdOut(Resource):
    """``household_json``: mediators get only the first six members; operators the others
    too, and in lists the ``status`` values it matches and its ``overdue_cents``."""

    id: int
    unit_code: str
    holder_name: str
    phone: str | None
    language: str
    needs: list[str]
    building_code: str | None = None
    email: str | None = None
    size: int | None = None
    moved_in_on: str | None = None
    moved_out_on: str | None = None
    status: list[str] | None = None
    overdue_cents: int | None = None


class RecordChangeOut(Resource):
    """``isp.history.change_json``: who changed a record, when, before and after."""

    at: str
    actor: str | None
    record_type: str
    record_id: int | str | None
    action: str
    changes: dict[str, Any]
