"""What the impact API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from typing import Any, Literal

from impact.choices import GROUPINGS, Stage
from isp.openapi import Resource
from isp.query import Query


class DueQuery(Query):
    """The households with a stage due, on the page and in the API: one stage, or any."""

    stage: Stage | None = None


class IndicatorsQuery(Query):
    """How the indicators are grouped, on the page, its CSV and in the API."""

    by: Literal[tuple(GROUPINGS)] = "cohort"  # type: ignore[valid-type]


# --- responses ---------------------------------------------------------------------------------

class AnswerOut(Resource):
    """``answer_json``: one stage's answers and the figures frozen with them."""

    id: int
    household_id: int | None
    stage: str
    answered_on: str
    connected_on: str | None
    home_connection: bool
    monthly_cost_cents: int | None
    devices: list[str]
    autonomy: str | None
    usage_month: str | None
    usage_octets: int | None
    sessions_count: int | None
    bookings_count: int | None
    attended_count: int | None
    recorded_by_role: str


class StageStatusOut(Resource):
    """``status_json``: a stage's state, due date and answers."""

    stage: str
    state: str
    due_on: str | None
    opens_on: str | None
    answer: AnswerOut | None


class HouseholdImpactOut(Resource):
    """A household's three stages."""

    household_id: int
    connected_on: str | None
    items: list[StageStatusOut]
    total: int
    page: int
    per_page: int


class DueOut(Resource):
    """A household with stages due."""

    household_id: int
    unit_code: str
    connected_on: str | None
    due: list[str]


class GroupOut(Resource):
    """``indicators.group_json``: a group's figures per stage, each ``{value, households,
    suppressed, display}`` (and ``autonomy``: one such figure per level)."""

    by: str
    key: str
    label: str
    stages: dict[str, dict[str, Any]]


class IndicatorsOut(Resource):
    """Impact indicators per group; small cells suppressed."""

    by: str
    small_cell_threshold: int
    items: list[GroupOut]
    total: int
    page: int
    per_page: int


class ResidentAnswerOut(Resource):
    """What a resident answered (the frozen figures are for the evaluation, not shown)."""

    stage: str
    answered_on: str
    home_connection: bool
    monthly_cost_cents: int | None
    devices: list[str]
    recorded_by_role: str


class FollowUpOut(Resource):
    """The follow-up waiting for the resident's answer and those answered."""

    pending: str | None
    due_on: str | None
    items: list[ResidentAnswerOut]
    total: int
    page: int
    per_page: int
