"""Walk every route an analyst may call, with the demo data: no person, no count below 5."""

from __future__ import annotations

import csv
import io
import json
import re

from sqlalchemy import select

from isp.auth import access_matrix

UNIT_CODE = re.compile(r"\bPB-[A-D]-\d{2}-\d\b")
SHOWN_COUNT = re.compile(r'class="n-households">([^<]*)<')
#: Query strings tried on top of the bare URL (filters change what is shown).
VARIANTS = {
    "/evaluation": ["", "?level=district&code=PORT-BOYER", "?level=building&code=PB&period=2026-06",
                    "?level=building&code=PB&period=2026-01"],
    "/evaluation/districts": ["", "?method=weighted", "?method=mednum&reference=qpv",
                              "?method=weighted&reference=commune:Nantes&w_pct_age_60_plus=3"],
    "/evaluation/footprint": ["", "?year=2026"],
    "/api/v1/evaluation/buildings/<code>": ["", "?period=2026-03"],
    "/api/v1/evaluation/districts": ["", "?period=2026-05"],
    "/api/v1/availability": ["?building=PB"],
    "/api/v1/evaluation/fragility": ["?method=mednum", "?method=weighted&reference=qpv"],
    "/evaluation/districts.csv": ["", "?method=weighted&reference=qpv"],
}
#: Routes whose POST would change the session, not show data.
SKIP = {("POST", "/logout"), ("POST", "/account/password"), ("POST", "/account/tokens")}


def _personal_values(db) -> set[str]:
    from subscribers.models import Household, Unit

    values: set[str] = set()
    for household in db.session.execute(select(Household)).scalars():
        values.add(household.holder_name)
        values.update(v for v in (household.phone, household.email) if v)
    values.update(db.session.execute(select(Unit.code)).scalars())
    return values


def _check_json(payload, where: str) -> int:
    """Every figure object: suppressed, or resting on ≥ 5 households. Returns counts checked."""
    checked = 0
    if isinstance(payload, dict):
        if {"key", "suppressed", "households"} <= payload.keys():
            if payload["suppressed"]:
                assert payload["value"] is None and payload["households"] is None, where
            else:
                if payload["households"] is not None:
                    assert payload["households"] >= 5, (where, payload)
                    checked += 1
                if payload["unit"] == "count":
                    assert payload["value"] >= 5, (where, payload)
        if payload.get("unit") == "count" and "metric" in payload and "value" in payload:
            assert payload["value"] >= 5, (where, payload)
            checked += 1
        for value in payload.values():
            checked += _check_json(value, where)
    elif isinstance(payload, list):
        for value in payload:
            checked += _check_json(value, where)
    return checked


def test_no_person_and_no_small_count_on_any_analyst_route(app, db, client, login_as, api_as):
    from evaluation import scenarios
    from isp.demo import seed_demo

    seed_demo()
    personal = _personal_values(db)
    assert any(UNIT_CODE.fullmatch(v) for v in personal) and len(personal) > 200
    scenario = scenarios.run({"name": "Malakoff", "district_code": "IRIS-441090506",
                              "flats": 400}, save=True)
    db.session.commit()
    from surveys.models import Survey, SurveyQuestion

    survey_id = db.session.execute(select(Survey.id).order_by(Survey.id)).scalars().first()
    question_id = db.session.execute(
        select(SurveyQuestion.id).where(SurveyQuestion.survey_id == survey_id)
        .order_by(SurveyQuestion.id)).scalars().first()
    values = {"code": "PB", "scenario_id": scenario.id, "year": 2026, "survey_id": survey_id,
              "question_id": question_id}
    login_as("analyst")
    _user, headers = api_as("analyst")

    visited, counts_checked = [], 0
    for rule, _endpoint, methods, access in access_matrix(app):
        if access is None:
            continue
        analyst = "analyst" in {str(r) for r in access.roles}
        if not analyst and not (access.is_public and rule.startswith("/open-data")):
            continue
        if access.scope == "self" and "<" in rule:
            continue  # the analyst's own account (tokens...), not data about anyone
        for method in sorted(methods):
            if (method, rule) in SKIP:
                continue
            url = rule
            for key, value in values.items():
                url = re.sub(rf"<(?:\w+:)?{key}>", str(value), url)
            if "<" in url:
                raise AssertionError(f"no value to fill {rule}: add it to the test")
            api = rule.startswith("/api/")
            if method == "POST":
                if rule == "/evaluation/scenarios":
                    response = client.post(url, data={"name": "Pin Sec", "district_code":
                                                      "IRIS-441091008", "flats": "300"})
                elif rule == "/api/v1/evaluation/scenarios":
                    response = client.post(url, json={"name": "Bottière", "flats": 250,
                                                      "district_code": "IRIS-441091006"},
                                           headers=headers)
                else:
                    continue
                responses = [(url, response)]
            else:
                extra = VARIANTS.get(rule, [""])
                if rule.startswith("/evaluation/scenarios/") and "<" not in rule:
                    extra = [f"?ids={scenario.id}"]
                responses = [(url + q, client.get(url + q, headers=headers if api else {}))
                             for q in extra]
            for where, response in responses:
                visited.append(f"{method} {where}")
                assert response.status_code < 400, (where, response.status_code)
                body = response.get_data(as_text=True)
                leaked = sorted(v for v in personal if v in body)
                assert leaked == [], (where, leaked[:5])
                assert not UNIT_CODE.search(body), where
                for shown in SHOWN_COUNT.findall(body):
                    number = int(re.sub(r"\D", "", shown))
                    assert number >= 5, (where, shown)
                    counts_checked += 1
                if response.mimetype == "application/json":
                    counts_checked += _check_json(json.loads(body), where)
                if where.startswith("/open-data/aggregates.csv"):
                    for row in csv.DictReader(io.StringIO(body)):
                        if row["unit"] == "count":
                            assert float(row["value"]) >= 5, row
                            counts_checked += 1
    mine = [v for v in visited if "/evaluation" in v or "/open-data" in v]
    assert len(mine) >= 20, visited
    # The check did look at real figures (the pilot has dozens of subscribers).
    assert counts_checked > 50
