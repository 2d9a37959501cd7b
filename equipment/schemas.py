"""What the equipment API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from pydantic import Field

from equipment.choices import Kind, State
from equipment.services import ItemFilters
from isp.openapi import Resource
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


# --- responses ---------------------------------------------------------------------------------

class PartnerOut(Resource):
    """``partner_json``: a reuse or recycling partner."""

    code: str
    name: str
    commune: str | None
    siret: str | None


class MoveOut(Resource):
    """``move_json``: one move of an item."""

    id: int
    from_state: str | None
    to_state: str
    on: str | None
    at: str | None
    actor: str | None
    household_id: int | None
    agreement_ref: str | None
    partner_code: str | None
    ticket_number: str | None
    note: str | None


class ItemOut(Resource):
    """``item_json``: an item of the inventory (one item: with its ``moves``)."""

    id: int
    kind: str
    serial: str
    model: str | None
    origin: str
    partner: PartnerOut | None
    embodied_kgco2e: float
    acquired_on: str | None
    state: str
    household_id: int | None
    loan_agreement_ref: str | None
    loan_signed_on: str | None
    recycled_by: PartnerOut | None
    recycled_on: str | None
    allowed_moves: list[str]
    moves: list[MoveOut] | None = None


class MoveWithItemOut(MoveOut):
    """A move recorded, with the item after it."""

    item: ItemOut


class DeviceMoveOut(Resource):
    """One lifecycle move of a network device."""

    id: int
    from_state: str
    to_state: str
    on: str
    at: str | None
    actor: str | None
    partner_code: str | None
    note: str | None


class DeviceLifecycleOut(Resource):
    """A device's lifecycle state, the moves it may make and its history."""

    hostname: str
    lifecycle_state: str
    allowed_moves: list[str]
    moves: list[DeviceMoveOut]
