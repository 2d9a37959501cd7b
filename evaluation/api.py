"""Evaluation API: aggregates only, small cells suppressed, no person."""

from __future__ import annotations

from flask import Blueprint, jsonify

from evaluation import fragility, queries, scenarios
from evaluation.schemas import (
    BuildingFiguresOut,
    DistrictsFiguresOut,
    FiguresQuery,
    FragilityQuery,
    RankingOut,
    ScenarioOut,
)
from isp import disclosure
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.openapi import documented
from isp.pagination import api_list
from isp.query import parse
from isp.validation import json_body
from outreach.demand import published_by_district
from subscribers import published_figures
from subscribers.models import Building, District

bp = Blueprint("evaluation_api", __name__, url_prefix="/api/v1")

ANALYSTS = (Role.ANALYST, Role.OPERATOR)


def _figures_json(level: str, code: str, period: str) -> dict:
    cells = queries.figures(level, code, period)
    return {key: queries.as_json(key, cell) for key, cell in sorted(cells.items())}


def _period() -> str:
    return queries.parse_period(parse(FiguresQuery).period,
                                default=queries.latest_period() or queries.current_period())


@bp.get("/evaluation/buildings/<code>")
@require_role(*ANALYSTS, scope="aggregates")
@documented(query=FiguresQuery, response=BuildingFiguresOut)
def building_figures(code: str):
    """A building's figures for one month (``period=YYYY-MM``, default: the latest)."""
    period = _period()
    building = db.session.execute(db.select(Building).where(Building.code == code)
                                  ).scalar_one_or_none()
    if building is None:
        return jsonify({"error": f"Building {code} not found", "field": None}), 404
    return jsonify({"building_code": building.code, "name": building.name,
                    "district_code": building.district.code, "period": period,
                    "small_cell_threshold": disclosure.SMALL_CELL,
                    "figures": _figures_json("building", building.code, period)})


@bp.get("/evaluation/districts")
@require_role(*ANALYSTS, scope="aggregates")
@documented(query=FiguresQuery, response=DistrictsFiguresOut)
def district_figures():
    """Every district with pilot figures for one month (``period=YYYY-MM``)."""
    period = _period()
    table = published_figures.level_table("district", period)
    names = dict(db.session.execute(db.select(District.code, District.name)).all())
    items = [{"district_code": code, "name": names.get(code, code), "period": period,
              "figures": {key: queries.as_json(key, cell) for key, cell in sorted(cells.items())}}
             for code, cells in sorted(table.items())]
    return jsonify({"items": items, "total": len(items), "page": 1,
                    "per_page": max(len(items), 1)})


@bp.get("/evaluation/fragility")
@require_role(*ANALYSTS, scope="aggregates")
@documented(query=FragilityQuery, response=RankingOut)
def fragility_ranking():
    """Districts ranked by fragility (``method=mednum|weighted``, ``reference``, ``w_*``); each
    with the official index and, beside it, the public requests for the service as published
    (``public_requests``: ``value`` rounded to 5, ``suppressed`` for 1 to 4)."""
    query = parse(FragilityQuery)
    method, reference = query.method, query.reference
    if method not in ("mednum", "weighted"):
        raise DomainError(_("La méthode doit être « mednum » ou « weighted »"), field="method")
    weights = fragility.parse_weights(query.model_dump())
    ranked = fragility.ranking(method, reference, weights, demand=published_by_district())
    return jsonify({"method": method, "reference": reference,
                    "weights": weights if method == "weighted" else None,
                    "official_indicator": published_figures.OFFICIAL_INDEX,
                    "items": [fragility.ranked_json(item) for item in ranked],
                    "total": len(ranked), "page": 1, "per_page": max(len(ranked), 1)})


@bp.get("/evaluation/scenarios")
@require_role(*ANALYSTS, scope="aggregates")
@documented(items=ScenarioOut)
def scenario_list():
    """The saved scenarios, latest first: assumptions (with the options and their terms) and
    results, as the scenario pages show them."""
    return api_list(scenarios.saved_query(), scenarios.as_dict)


@bp.get("/evaluation/scenarios/<int:scenario_id>")
@require_role(*ANALYSTS, scope="aggregates")
@documented(response=ScenarioOut)
def scenario_show(scenario_id: int):
    """One saved scenario (404 when unknown)."""
    return jsonify(scenarios.as_dict(scenarios.get(scenario_id)))


@bp.post("/evaluation/scenarios")
@require_role(*ANALYSTS, scope="aggregates")
@documented(response=ScenarioOut)
def scenario_create():
    """Compute and save an expansion scenario (JSON body; percentages in %, money in euros)."""
    data = json_body()
    scenario = scenarios.run(data, actor=current_actor())
    db.session.commit()
    body = scenarios.as_dict(scenario)
    if body["district_code"]:  # the demand signal of its district, as on the scenario page
        count = published_by_district().get(body["district_code"], 0)
        body["public_requests"] = {"value": count, "suppressed": count is None}
    return jsonify(body), 201
