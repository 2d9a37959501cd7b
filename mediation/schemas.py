"""What the mediation API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from isp.openapi import Resource
from isp.query import Query
from mediation import proposals


class AssociationQuery(Query):
    """The association list's search, on the page (/associations) and in the API."""

    q: str | None = Field(None, max_length=200)


class SlotQuery(Query):
    """The slots' filters: an association code, and ``from``/``to`` (a date, or an ISO time;
    without a zone, Paris time)."""

    association: str | None = Field(None, max_length=30)
    start: str | None = Field(None, alias="from", max_length=40)
    end: str | None = Field(None, alias="to", max_length=40)


class ProposalQuery(Query):
    """The proposals' filters, on the page (``queue``) and in the API: ``status`` (empty: any,
    absent: waiting for an answer) and ``queue=1`` (those no mediator has taken)."""

    status: Literal[("", *proposals.STATUS_LABELS)] = proposals.PROPOSED  # type: ignore[valid-type]
    queue: Literal["0", "1"] = "0"


class FollowedFiguresQuery(Query):
    """How many months of activations the figures cover."""

    months: int = Field(12, ge=1, le=24)


# --- responses ---------------------------------------------------------------------------------

class PlaceOut(Resource):
    id: int
    name: str
    address: str
    postcode: str
    commune: str
    opening_hours: str | None
    accessibility: str | None


class AssociationOut(Resource):
    """``association_json``: an association, its districts, languages, specialties, places."""

    code: str
    name: str
    siret_or_rna: str | None
    districts: list[str]
    languages: list[str]
    specialties: list[str]
    capacity_per_month: int
    email: str | None
    phone: str | None
    places: list[PlaceOut]


class SlotOut(Resource):
    """``slot_json``: a coaching slot and how many bookings hold it."""

    id: int
    association_code: str
    starts_at: str | None
    ends_at: str | None
    duration_minutes: int
    capacity: int
    booked: int
    topic: str | None
    kind: str
    place_id: int | None
    cancelled: bool


class BookingOut(Resource):
    """``booking_json``."""

    id: int
    slot_id: int
    household_id: int
    status: str
    booked_at: str | None


class SessionOut(Resource):
    """``session_json``: a coaching session as recorded (the national reporting fields)."""

    id: int
    association_code: str
    kind: str
    held_on: str
    duration_minutes: int
    place_type: str
    commune_code: str
    themes: list[str]
    autonomy: str | None
    equipment: list[str]
    referral: str | None
    follow_up: bool
    first_session: bool
    participants: int
    age_band: str | None
    profile_commune_code: str | None
    household_id: int | None
    slot_id: int | None


class AssignmentOut(Resource):
    """A household's assignment to an association."""

    id: int
    household_id: int
    association_code: str
    reason: str | None
    decided_by: str
    decided_at: str | None


class ScoreTermOut(Resource):
    code: str
    points: int
    explanation: str


class SuggestionOut(Resource):
    association_code: str
    name: str
    score: int
    rank: int
    assigned_households: int
    terms: list[ScoreTermOut]


class SuggestionsOut(Resource):
    """The associations covering a household's district, ranked, and the rule."""

    household_id: int
    items: list[SuggestionOut]
    rule: str


class ProposalOut(Resource):
    """``proposal_json``: a coaching proposal and its answer."""

    id: int
    household_id: int
    association_code: str | None
    kind: str
    event_on: str
    status: str
    decline_reason: str | None
    booking_id: int | None
    decided_at: str | None


class FollowedMonthOut(Resource):
    """One month of activations: how many were followed by a session within 30 days
    (rounded to 5; fewer than 5 connections suppressed)."""

    period: str
    connections: int | None
    followed: int | None
    share_percent: float | int | None
    suppressed: bool


class FollowedFiguresOut(Resource):
    """The months asked (``months``), newest last, in one page."""

    items: list[FollowedMonthOut]
    total: int
    page: int
    per_page: int
