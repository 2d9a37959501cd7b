"""Small-cell rule, monthly aggregates, complementary suppression, open data, dashboards."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from evaluation import opendata, queries
from evaluation.aggregates import percentile, refresh
from isp.errors import DomainError
from subscribers import published_figures
from subscribers.models_figures import EvaluationMonthly
from tests import factories
from tests.evaluation.factories import building_with_subscribers
from tests.statements import recorded_statements


@pytest.mark.parametrize(("value", "households", "suppressed"), [
    (4, 4, True), (0, 0, True), (5, 5, False), (12.5, 7, False), (116, None, False),
    (57.7, 4, True),  # a share resting on 4 households is suppressed too
])
def test_small_cell_rule(value, households, suppressed):
    cell = published_figures.small_cell(value, households)
    assert cell.suppressed is suppressed
    if suppressed:
        # Nothing of the small figure survives: neither the value nor the count.
        assert cell.value is None and cell.households is None
        assert queries.as_json("served", cell) == {
            "key": "served", "unit": "count", "value": None, "households": None,
            "suppressed": True, "display": "< 5"}
    else:
        assert cell.value == value


@pytest.mark.parametrize(("values", "pct", "expected"), [
    ([1, 2, 3, 4], 90, 3.7), ([10], 90, 10), ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9.1),
    ([5, 1], 50, 3),
])
def test_percentile_matches_linear_interpolation(values, pct, expected):
    assert percentile(sorted(values), pct) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["2026-13", "26-01", "2026-1", "abc", "2026-00"])
def test_bad_periods_are_refused(text):
    with pytest.raises(DomainError):
        queries.parse_period(text)


def _value(level, code, period, metric):
    return queries.figures(level, code, period).get(metric)


def test_refresh_counts_served_subscriptions_per_month(db):
    building = building_with_subscribers(served=6, flats=10, activated_on=date(2026, 3, 15))
    extra = factories.make_household(unit=factories.make_unit(building=building))
    factories.make_subscription(household=extra, activated_on=date(2026, 3, 1),
                                terminated_on=date(2026, 4, 10), status="terminated")
    summary = refresh(["2026-02", "2026-03", "2026-04"])
    assert summary["periods"] == 3
    march = queries.figures("building", building.code, "2026-03")
    # 7 served, published rounded to 5; take-up from the published count; flats stay exact.
    assert march["served"].value == 5 and march["flats"].value == 11
    assert march["served"].households == 5
    assert march["take_up"].value == pytest.approx(round(100 * 5 / 11, 2))
    april = queries.figures("building", building.code, "2026-04")
    assert april["served"].value == 5  # 6
    assert april["subs_terminated"].suppressed  # one termination: < 5
    february = queries.figures("building", building.code, "2026-02")
    assert february["served"].suppressed and february["take_up"].suppressed
    # Running it again replaces the rows, never duplicates them.
    rows = db.session.execute(select(func.count(EvaluationMonthly.id))).scalar_one()
    refresh(["2026-02", "2026-03", "2026-04"])
    assert db.session.execute(select(func.count(EvaluationMonthly.id))).scalar_one() == rows


def test_a_district_minus_its_shown_building_no_longer_gives_the_hidden_one_back(db):
    district = factories.make_district()
    big = building_with_subscribers(served=9, flats=12, district=district)
    small = building_with_subscribers(served=3, flats=4, district=district)
    refresh(["2026-11"])
    assert _value("building", big.code, "2026-11", "served").value == 10  # 9
    assert _value("building", small.code, "2026-11", "served").suppressed
    # 12 in the district, published 10: 10 − 10 = 0, not the hidden 3.
    assert _value("district", district.code, "2026-11", "served").value == 10
    assert _value("district", district.code, "2026-11", "take_up").value == pytest.approx(
        round(100 * 10 / 16, 2))
    # Flats are not households: they stay exact.
    assert _value("district", district.code, "2026-11", "flats").value == 16


def test_open_data_leaves_small_cells_out(db, client):
    district = factories.make_district()
    big = building_with_subscribers(served=9, flats=12, district=district)
    small = building_with_subscribers(served=3, flats=4, district=district)
    refresh(["2026-11"])
    rows = opendata.rows()
    served = {(r["level"], r["code"]) for r in rows if r["metric"] == "served"}
    assert ("building", big.code) in served
    assert ("building", small.code) not in served
    assert all(r["value"] >= 5 and r["value"] % 5 == 0 for r in rows if r["unit"] == "count")
    response = client.get("/open-data/aggregates.csv")  # public, no login
    assert response.status_code == 200
    parsed = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert tuple(parsed[0].keys()) == opendata.COLUMNS
    assert {r["code"] for r in parsed if r["metric"] == "served"} >= {big.code}
    body = client.get("/open-data/aggregates.json").get_json()
    assert body["licence"] == opendata.LICENCE and body["items"]
    dictionary = client.get("/open-data/dictionary.json").get_json()
    assert {c["column"] for c in dictionary["columns"]} == set(opendata.COLUMNS)
    assert client.get("/open-data/dictionary").status_code == 200


def test_dashboard_shows_figures_with_how_they_are_computed(db, client, login_as):
    building = building_with_subscribers(served=8, flats=10, activated_on=date(2026, 9, 1))
    refresh(["2026-09", "2026-10", "2026-11"])
    login_as("analyst")
    page = client.get(f"/evaluation?level=building&code={building.code}&period=2026-10")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<span class="n-households">10</span>' in html  # 8, rounded to 5
    # How each figure is computed: in the data dictionary the dashboard links to (a column of
    # methods here cost ~30 elements, issue 15).
    assert 'href="/open-data/dictionary"' in html
    dictionary = client.get("/open-data/dictionary").get_data(as_text=True)
    assert "Abonnements en service ÷ logements" in dictionary  # how take-up is computed
    assert "data:image/svg+xml;base64," in html and "<details>" in html
    assert "2026-09 à 2026-10" in html  # the trend ends at the month shown
    assert "&lt; 5" in html  # no pending subscription: 0 is a small cell
    bad = client.get(f"/evaluation?level=building&code={building.code}&period=2026-99")
    assert bad.status_code == 200
    assert "La période doit être un mois AAAA-MM" in bad.get_data(as_text=True)


def test_api_building_and_districts(db, client, api_as):
    building = building_with_subscribers(served=8, flats=10)
    refresh(["2026-11"])
    _user, headers = api_as("analyst")
    body = client.get(f"/api/v1/evaluation/buildings/{building.code}?period=2026-11",
                      headers=headers).get_json()
    assert body["figures"]["served"]["value"] == 10  # 8, rounded to 5
    assert body["figures"]["served"]["households"] == 10
    assert body["figures"]["subs_pending"]["suppressed"] is True
    assert body["figures"]["subs_pending"]["value"] is None
    assert client.get("/api/v1/evaluation/buildings/NOPE", headers=headers).status_code == 404
    bad = client.get(f"/api/v1/evaluation/buildings/{building.code}?period=2026-13",
                     headers=headers)
    assert bad.status_code == 422 and bad.get_json()["field"] == "period"
    districts = client.get("/api/v1/evaluation/districts?period=2026-11",
                           headers=headers).get_json()
    codes = [item["district_code"] for item in districts["items"]]
    assert building.district.code in codes and districts["total"] == len(codes)
    bad = client.get("/api/v1/evaluation/fragility?method=other", headers=headers)
    assert bad.status_code == 422 and bad.get_json()["field"] == "method"
    bad = client.get("/api/v1/evaluation/fragility?method=weighted&w_pct_age_60_plus=x",
                     headers=headers)
    assert bad.status_code == 422


def test_refresh_command(runner, db):
    building_with_subscribers(served=5, flats=5)
    result = runner.invoke(args=["evaluation", "refresh", "--period", "2026-11"])
    assert result.exit_code == 0, result.output
    assert "1 mois" in result.output
    result = runner.invoke(args=["evaluation", "refresh", "--period", "2026-13"])
    assert result.exit_code != 0 and "AAAA-MM" in result.output


@pytest.mark.clock("2026-11-20T10:00:00+01:00")
def test_dashboard_opens_on_the_first_pilot_in_four_statements(db, client, login_as):
    """Without a code the dashboard shows the first pilot building (or district with a pilot
    building), else the first scope with figures; the scopes, their names and that default
    are read once a refresh, and the refresh date once a request (issue 23.3: 8 statements,
    then 5)."""

    live_district = factories.make_district("DA", name="Quartier vivant")
    pilot_district = factories.make_district("DB", name="Quartier pilote")
    live = building_with_subscribers(served=6, flats=8, code="E-AAA", district=live_district)
    live.status = "live"
    for code in ("E-CCC", "E-BBB"):
        building_with_subscribers(served=6, flats=8, code=code, district=pilot_district)
    factories.make_building("E-000", name="Sans chiffres")
    db.session.flush()
    refresh(["2026-11"])
    login_as("analyst")
    for level, default, name in (("building", "E-BBB", None),
                                 ("district", "DB", "Quartier pilote")):
        url = f"/evaluation?level={level}"
        client.get(url)  # the session's first use, the charts' cache
        with recorded_statements() as statements:
            html = client.get(url).get_data(as_text=True)
        assert sum(1 for s in statements if "SAVEPOINT" not in s) == 4, statements
        assert not any("buildings" in s or "districts" in s for s in statements), statements
        assert f'value="{default}" selected' in html
        if name:
            assert f"<h2>{name} ({default})" in html
        assert "Sans chiffres" not in html and "E-000" not in html
        assert "Quartier vivant (DA)" in html or level == "building"


@pytest.mark.clock("2026-11-20T10:00:00+01:00")  # the figures of 2026-11, its latest month
def test_the_dashboards_chooser_is_as_of_the_last_refresh(db, client, login_as):
    """The buildings offered and their names are those of the figures: a building renamed or
    added shows in the chooser once the refresh has counted it, with the figures it leads to."""
    first = building_with_subscribers(served=6, flats=8, code="E-AAA")
    db.session.flush()
    refresh(["2026-11"])
    login_as("analyst")
    html = client.get("/evaluation?level=building").get_data(as_text=True)
    assert f'<option value="E-AAA" selected>{first.name} (E-AAA)</option>' in html
    assert "E-NEW" not in html

    first.name = "Résidence <renommée>"
    building_with_subscribers(served=6, flats=8, code="E-NEW")
    db.session.flush()
    assert "E-NEW" not in client.get("/evaluation?level=building").get_data(as_text=True)
    refresh(["2026-11"])
    html = client.get("/evaluation?level=building&code=E-NEW").get_data(as_text=True)
    # the name escaped as any data is, the building asked for chosen
    assert '<option value="E-AAA">Résidence &lt;renommée&gt; (E-AAA)</option>' in html
    assert '<option value="E-NEW" selected>' in html


@pytest.mark.clock("2026-11-20T10:00:00+01:00")
def test_the_dashboards_scopes_are_the_latest_months_codes_and_names(db):
    """``_scopes_named`` (the month's distinct codes, then their names; issue 23.3) is the
    latest month's codes of ``level_table``, their buildings' or districts' names and the
    first pilot: a code of an earlier month only, and a code no building or district has
    any more, included."""
    from evaluation.views import _scopes_named
    from subscribers.models import Building, District
    from subscribers.models_figures import EvaluationMonthly
    from subscribers.published_figures import available_periods, level_table

    district = factories.make_district("DP", name="Quartier pilote")
    factories.make_district("DQ", name="Quartier sans pilote")
    factories.make_building("E-B", name="Bâtiment B", district=district, status="pilot")
    factories.make_building("E-A", name="Bâtiment A", district=district, status="live")
    rows = [("building", "E-B", "2026-11"), ("building", "E-A", "2026-11"),
            ("building", "E-GONE", "2026-11"), ("building", "E-OLD", "2026-10"),
            ("district", "DP", "2026-11"), ("district", "DQ", "2026-11"),
            ("district", "D-OLD", "2026-10")]
    for level, code, period in rows:
        for metric in ("flats", "served"):
            db.session.add(EvaluationMonthly(level=level, code=code, period=period,
                                             metric=metric, value=10, households=10))
    db.session.flush()
    for level, model in (("building", Building), ("district", District)):
        latest = available_periods(level)[-1]
        codes = sorted(level_table(level, latest))
        names = {code: name for code, name in db.session.execute(
            db.select(model.code, model.name)) if code in codes}
        scopes = _scopes_named(level)
        assert scopes[:2] == (codes, names)
    assert _scopes_named("building") == (["E-A", "E-B", "E-GONE"],
                                         {"E-A": "Bâtiment A", "E-B": "Bâtiment B"}, "E-B")
    assert _scopes_named("district") == (
        ["DP", "DQ"], {"DP": "Quartier pilote", "DQ": "Quartier sans pilote"}, "DP")


@pytest.mark.clock("2026-11-20T10:00:00+01:00")
def test_the_districts_latest_figures_in_one_read(db, client, login_as):
    """``latest_district_table`` is the latest of ``available_periods("district")``, its
    ``level_table`` and the districts' names, read at once; the districts page asks 6
    statements (issue 23.3: 8)."""

    assert queries.latest_district_table() == queries.LatestDistricts(None, {}, {})
    district = factories.make_district("DN", name="Quartier nommé")
    factories.make_district("DX", name="Sans immeuble")
    building_with_subscribers(served=8, flats=10, district=district)
    refresh(["2026-10", "2026-11"])
    latest = queries.latest_district_table()
    period = published_figures.available_periods("district")[-1]
    assert latest.period == period == "2026-11"
    assert latest.table == published_figures.level_table("district", period)
    assert latest.names == {"DN": "Quartier nommé"}
    login_as("analyst")
    client.get("/evaluation/districts")  # the session's first use
    with recorded_statements() as statements:
        html = client.get("/evaluation/districts").get_data(as_text=True)
    assert sum(1 for s in statements if "SAVEPOINT" not in s) == 6, statements
    assert "Quartier nommé</a>" in html and "period=2026-11" in html


def test_the_latest_period_is_the_last_available_month(db):
    """``latest_period`` (the API's default month, read from the month index's end; issue
    23.3) is the last of ``available_periods()``, whatever the level; None without figures."""
    from evaluation import queries
    from subscribers.models_figures import EvaluationMonthly
    from subscribers.published_figures import available_periods

    assert queries.latest_period() is None and available_periods() == []
    for level, period in (("building", "2026-09"), ("district", "2026-11"),
                          ("building", "2025-12"), ("building", "2026-10")):
        db.session.add(EvaluationMonthly(level=level, code="X", period=period, metric="flats",
                                         value=1, households=None))
        db.session.flush()
        assert queries.latest_period() == available_periods()[-1]
    assert queries.latest_period() == "2026-11"
