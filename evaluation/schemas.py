"""What the evaluation API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, create_model

from evaluation.fragility import DEFAULT_WEIGHTS
from isp.openapi import Resource
from isp.query import Query

#: The month's checks stay with ``queries.parse_period`` (a 422, as for the pages' forms).
PERIOD = Field(None, json_schema_extra={"pattern": r"^\d{4}-(0[1-9]|1[0-2])$"})


class FiguresQuery(Query):
    """The month of the figures (``YYYY-MM``, default: the latest published)."""

    period: str | None = PERIOD


#: The ranking asked, on the districts' page and in the API: ``method``, ``reference`` and one
#: weight ``w_<indicator>`` per indicator (a number 0..10, ``,`` or ``.``); their values are
#: checked by ``fragility.parse_weights`` and ``fragility.ranking`` (422).
FragilityQuery = create_model(
    "FragilityQuery", __base__=Query,
    method=(str, Field("mednum", max_length=20,
                       json_schema_extra={"enum": ["mednum", "weighted"]})),
    reference=(str, Field("all", max_length=40)),
    **{f"w_{indicator}": (str | None, Field(
        None, max_length=20, json_schema_extra={"pattern": r"^\d+([.,]\d+)?$"}))
       for indicator in DEFAULT_WEIGHTS})


# --- responses ---------------------------------------------------------------------------------

class FigureOut(Resource):
    """``queries.as_json``: a figure, or ``suppressed`` (never the small count itself)."""

    key: str
    unit: str | None
    value: float | None
    households: int | None
    suppressed: bool
    display: str | None


class BuildingFiguresOut(Resource):
    """A building's figures for one month."""

    building_code: str
    name: str
    district_code: str
    period: str
    small_cell_threshold: int
    figures: dict[str, FigureOut]


class DistrictFiguresOut(Resource):
    district_code: str
    name: str
    period: str
    figures: dict[str, FigureOut]


class DistrictsFiguresOut(Resource):
    """Every district with pilot figures for one month."""

    items: list[DistrictFiguresOut]
    total: int
    page: int
    per_page: int


class PublishedCountOut(Resource):
    """A count as published: rounded to 5, null and ``suppressed`` for 1 to 4."""

    value: int | None
    suppressed: bool


class TermOut(Resource):
    indicator: str
    value: float | None
    score: float
    contribution: float


class RankedOut(Resource):
    """``fragility.ranked_json``: a district, its score, terms and the official index."""

    rank: int
    district_code: str
    name: str
    score: float | None
    coverage: float
    official_ifn_global: float | None
    served_by_pilot: bool
    public_requests: PublishedCountOut
    groups: dict[str, float]
    terms: list[TermOut]


class RankingOut(Resource):
    """Districts ranked by fragility."""

    method: str
    reference: str
    weights: dict[str, float] | None
    official_indicator: str
    items: list[RankedOut]
    total: int
    page: int
    per_page: int


class ScenarioOut(Resource):
    """``scenarios.as_dict``: a saved scenario, its assumptions and results; a new one also
    gives its district's public requests."""

    id: int
    name: str
    district_code: str | None
    building_codes: list[str]
    created_at: str
    assumptions: dict[str, Any]
    results: dict[str, Any]
    public_requests: PublishedCountOut | None = None
