"""An attacker's arithmetic over every published figure recovers no suppressed value (19.5).

The pilot of the issue: building PB with 72 served subscriptions, 70 active and 2 reduced, in a
district with two other buildings, over two months with activations and a termination between
them. The attacker reads what anyone can (the public open-data CSV) and what an analyst can
(the API, with the number of households behind each figure), then:

* the **naive attack** of the issue: every difference between two published counts of one row,
  of a building and its district, of one figure in two consecutive months; the district minus
  its other buildings; a row's total minus its other parts; counts recomputed from percentages
  (take-up × flats). A suppressed cell is recovered when one of these gives its true value.
* the **interval attack**, knowing the method (a published count r is a true value in
  [r − 2, r + 2] and at least 5; a suppressed one is 0 to 4): bounds propagated through every
  additive identity (served = active + reduced = Σ tiers; district = Σ its buildings) until they
  stop moving. A suppressed cell is recovered when its bounds close on one value.

The true values are the exact bases the refresh keeps for the small-cell rule.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import select

from evaluation import queries
from evaluation.aggregates import refresh
from isp import disclosure
from subscribers.models_figures import EvaluationMonthly
from tests import factories

PERIODS = ("2026-10", "2026-11")
STATUSES = ("subs_active", "subs_reduced", "subs_suspended")


def _flats(building, count, start=0):
    return [factories.make_unit(f"{building.code}-{start + index:03d}", building=building)
            for index in range(count)]


def _subscribe(unit, *, tier="T1", status="active", activated_on=date(2026, 1, 10), **fields):
    household = factories.make_household(unit=unit)
    return factories.make_subscription(household=household, tier=tier, status=status,
                                       activated_on=activated_on, **fields)


@pytest.fixture
def pilot(db):
    district = factories.make_district(code="PORT-B")
    port_boyer = factories.make_building("PB", district=district)
    units = _flats(port_boyer, 116)
    # 69 served since January: 60 T1, 7 T2, 2 T3; 2 of them reduced.
    for index, unit in enumerate(units[:69]):
        tier = "T1" if index < 60 else "T2" if index < 67 else "T3"
        _subscribe(unit, tier=tier, status="reduced" if index in (3, 40) else "active")
    # 3 activated in November, 1 terminated in November: 70 served at the end of October,
    # 72 at the end of November, 70 of them active and 2 reduced (the 72 − 70).
    for unit in units[69:72]:
        _subscribe(unit, activated_on=date(2026, 11, 15))
    _subscribe(units[72], activated_on=date(2026, 2, 1), terminated_on=date(2026, 11, 20),
               status="terminated")
    # A second building: 9 served, 3 of them reduced; a third: 3 served.
    second = factories.make_building("B2", district=district)
    for index, unit in enumerate(_flats(second, 12)[:9]):
        _subscribe(unit, tier="T2", status="reduced" if index < 3 else "active")
    third = factories.make_building("B3", district=district)
    for unit in _flats(third, 4)[:3]:
        _subscribe(unit)
    refresh(list(PERIODS))


def _truth() -> dict[tuple, int]:
    """(level, code, period, metric) → exact count, for every count figure."""
    rows = select(EvaluationMonthly.level, EvaluationMonthly.code, EvaluationMonthly.period,
                  EvaluationMonthly.metric, EvaluationMonthly.households)
    return {(lv, c, p, m): h for lv, c, p, m, h in queries.db.session.execute(rows)
            if _is_count(m)}


def _is_count(metric: str) -> bool:
    described = queries.metric_of(metric)
    return described is not None and described.unit == "count"


def _published(client, headers) -> dict[tuple, float]:
    """Every count the attacker can read: open data (public) and the API (analyst)."""
    figures: dict[tuple, float] = {}
    csv_body = client.get("/open-data/aggregates.csv").get_data(as_text=True)
    flats: dict[tuple, float] = {}
    take_up: dict[tuple, float] = {}
    for row in csv.DictReader(io.StringIO(csv_body)):
        key = (row["level"], row["code"], row["period"], row["metric"])
        if row["unit"] == "count":
            figures[key] = float(row["value"])
        elif row["metric"] == "flats":
            flats[key[:3]] = float(row["value"])
        elif row["metric"] == "take_up":
            take_up[key[:3]] = float(row["value"])
    for period in PERIODS:
        for code in ("PB", "B2", "B3"):
            body = client.get(f"/api/v1/evaluation/buildings/{code}?period={period}",
                              headers=headers).get_json()
            _read_api(figures, ("building", code, period), body["figures"])
        body = client.get(f"/api/v1/evaluation/districts?period={period}",
                          headers=headers).get_json()
        for item in body["items"]:
            _read_api(figures, ("district", item["district_code"], period), item["figures"])
    # A count hidden in a percentage: served = take-up × flats.
    for place, percent in take_up.items():
        figures[(*place, "served@take_up")] = round(percent * flats[place] / 100)
    return figures


def _read_api(figures: dict, place: tuple, items: dict) -> None:
    for key, item in items.items():
        if item["suppressed"]:
            continue
        if item["unit"] == "count":
            figures[(*place, key)] = item["value"]
        if item["households"] is not None:  # the number of households behind any figure
            figures[(*place, f"{key}@households")] = item["households"]


def _base(metric: str) -> str:
    return metric.split("@", 1)[0]


def _naive_candidates(published: dict[tuple, float]) -> dict[tuple, set[float]]:
    """(level, code, period, metric) → values the differencing attack derives for it."""
    derived: dict[tuple, set[float]] = defaultdict(set)
    rows: dict[tuple, dict[str, float]] = defaultdict(dict)
    for (level, code, period, metric), value in published.items():
        rows[(level, code, period)][metric] = value
    districts = {("building", c): "PORT-B" for c in ("PB", "B2", "B3")}
    for place, row in rows.items():
        # Within a row: every difference of two figures, and a total minus all its other parts.
        for (_m1, v1), (_m2, v2) in itertools.permutations(row.items(), 2):
            for target in (*STATUSES, "subs_pending", "subs_terminated"):
                derived[(*place, target)].add(v1 - v2)
            for tier in ("T1", "T2", "T3"):
                derived[(*place, f"tier:{tier}")].add(v1 - v2)
        for total in [m for m in row if _base(m) == "served"]:
            for target in STATUSES:
                derived[(*place, target)].add(row[total] - sum(
                    row.get(other, 0) for other in STATUSES if other != target))
            for tier in ("T1", "T2", "T3"):
                derived[(*place, f"tier:{tier}")].add(row[total] - sum(
                    row.get(f"tier:{other}", 0) for other in ("T1", "T2", "T3")
                    if other != tier))
        # Across consecutive months: the change of one figure.
        level, code, period = place
        for before, after in itertools.pairwise(PERIODS):
            other = rows.get((level, code, before if period == after else after), {})
            for metric, value in row.items():
                if metric in other:
                    for target in ("subs_terminated", "subs_pending", *STATUSES):
                        derived[(*place, target)].add(abs(value - other[metric]))
    # Building versus district: the district minus the other buildings, and the district
    # minus this building (what the others hold).
    for (level, code, period), row in rows.items():
        if level != "building":
            continue
        district_row = rows.get(("district", districts[(level, code)], period), {})
        for metric, total in district_row.items():
            others = [rows.get(("building", c, period), {}).get(metric) for c in
                      ("PB", "B2", "B3") if c != code]
            shown = [v for v in others if v is not None]
            derived[("building", code, period, _base(metric))].add(total - sum(shown))
            if metric in row:
                for c in ("PB", "B2", "B3"):
                    if c != code:
                        derived[("building", c, period, _base(metric))].add(total - row[metric])
    return derived


def _interval_bounds(published: dict[tuple, float], truth: dict[tuple, int]) -> dict:
    """Bounds of every count after propagation through the additive identities."""
    bounds = {}
    for key in truth:
        value = published.get(key)
        if value is None:
            bounds[key] = (0, disclosure.SMALL_CELL - 1)
        else:
            bounds[key] = (max(disclosure.SMALL_CELL, value - 2), value + 2)
    identities = []
    places = {key[:3] for key in truth}
    for place in places:
        parts = [(*place, m) for m in ("subs_active", "subs_reduced")]
        identities.append(((*place, "served"), parts))
        tiers = [key for key in truth if key[:3] == place and key[3].startswith("tier:")]
        identities.append(((*place, "served"), tiers))
    for (level, code, period, metric) in truth:
        if level == "district":
            parts = [("building", c, period, metric) for c in ("PB", "B2", "B3")]
            identities.append(((level, code, period, metric), parts))
    for _round in range(50):
        moved = False
        for total, parts in identities:
            parts_lo = sum(bounds.get(p, (0, 0))[0] for p in parts)
            parts_hi = sum(bounds.get(p, (0, 0))[1] for p in parts)
            lo, hi = bounds[total]
            new = (max(lo, parts_lo), min(hi, parts_hi))
            moved |= new != bounds[total]
            bounds[total] = new
            for part in [p for p in parts if p in bounds]:
                rest_lo = parts_lo - bounds[part][0]
                rest_hi = parts_hi - bounds[part][1]
                plo, phi = bounds[part]
                new = (max(plo, bounds[total][0] - rest_hi), min(phi, bounds[total][1] - rest_lo))
                moved |= new != bounds[part]
                bounds[part] = new
        if not moved:
            break
    return bounds


def test_every_published_count_is_a_multiple_of_five_and_small_ones_are_hidden(
        pilot, client, api_as):
    _user, headers = api_as("analyst")
    published = _published(client, headers)
    assert published[("building", "PB", "2026-11", "served")] == 70  # 72
    assert ("building", "PB", "2026-11", "subs_reduced") not in published  # 2
    assert all(value >= 5 and value % 5 == 0 for value in published.values())


def test_no_difference_of_published_figures_gives_a_suppressed_value_back(pilot, client,
                                                                           api_as):
    _user, headers = api_as("analyst")
    published = _published(client, headers)
    truth = _truth()
    hidden = {key: value for key, value in truth.items()
              if key not in published and 1 <= value < disclosure.SMALL_CELL}
    # The issue's cells are there to be attacked: PB's 2 reduced, B3's 3 served, the
    # termination and the 3 activations of November.
    assert hidden[("building", "PB", "2026-11", "subs_reduced")] == 2
    assert hidden[("building", "B3", "2026-11", "served")] == 3
    assert hidden[("building", "PB", "2026-11", "subs_terminated")] == 1
    candidates = _naive_candidates(published)
    assert len(candidates) > 50
    recovered = {key: value for key, value in hidden.items() if value in candidates[key]}
    assert recovered == {}


def test_bounds_propagated_through_every_identity_never_close_on_a_hidden_value(
        pilot, client, api_as):
    _user, headers = api_as("analyst")
    published = _published(client, headers)
    truth = _truth()
    bounds = _interval_bounds(published, truth)
    hidden = [key for key, value in truth.items()
              if key not in published and 1 <= value < disclosure.SMALL_CELL]
    assert len(hidden) >= 6
    for key in hidden:
        low, high = bounds[key]
        assert low <= truth[key] <= high, key  # the propagation is sound
        assert high > low, (key, bounds[key])  # and leaves more than one value
