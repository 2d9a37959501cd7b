"""Indicators on known data: shares, spending, autonomy, coaching, cohorts; small cells."""

from __future__ import annotations

from datetime import date

import pytest

from impact import indicators
from isp.errors import DomainError
from tests import factories
from tests.impact.factories import record, subscribed_household
from tests.statements import recorded_statements

CLOCK = "2026-11-15T10:00:00+01:00"


def _pilot(db):
    """Building A: 6 households connected 2026-01-10 (10 months), t0 and m6 recorded;
    building B (same district): 3 households connected 2026-09-01 (2 months), t0 only."""
    district = factories.make_district("DQ", name="Quartier")
    a = factories.make_building("BA", district=district, name="A")
    b = factories.make_building("BB", district=district, name="B")
    costs = [0, 0, 2000, 3000, 4000, 3500]
    for index, cost in enumerate(costs):
        household = subscribed_household(activated_on=date(2026, 1, 10), building=a)
        record(household, "t0", answered_on="2026-01-05", home_connection=bool(cost),
               monthly_cost_cents=cost or None,
               autonomy="not_autonomous" if index < 5 else "partially",
               devices=["smartphone"] if cost else ["none"])
        record(household, "m6", answered_on="2026-07-10", home_connection=True,
               monthly_cost_cents=290, autonomy="partially")
    for _ in range(3):
        household = subscribed_household(activated_on=date(2026, 9, 1), building=b)
        record(household, "t0", answered_on="2026-08-20", monthly_cost_cents=5000)
    return a, b


@pytest.mark.clock(CLOCK)
def test_by_building_on_known_data(db):
    _pilot(db)
    groups = {g.key: g for g in indicators.indicators("building")}
    a = groups["BA"].stages
    assert a["t0"]["respondents"].value == 5  # 6 rounded to base 5
    assert a["t0"]["home_connection_share"].value == 100.0  # rounded 4 → 5 of rounded 5
    assert a["t0"]["monthly_cost_mean_cents"].value == 2100  # 12 500 / 6 = 2083 → 21 €
    assert a["t0"]["monthly_cost_median_cents"].value == 2500  # (2000 + 3000) / 2
    assert a["m6"]["monthly_cost_mean_cents"].value == 300  # 2,90 € → 3 €
    assert a["m6"]["home_connection_share"].value == 100.0
    assert a["m6"]["sessions_per_household"].value == 0.0
    assert a["m12"]["respondents"].suppressed  # nobody yet
    autonomy_t0 = groups["BA"].autonomy["t0"]
    assert autonomy_t0["not_autonomous"].value == 5
    assert autonomy_t0["partially"].suppressed  # one household
    assert groups["BA"].autonomy["m6"]["partially"].value == 5
    # B rests on 3 households: everything suppressed, no value, no basis
    b = groups["BB"].stages["t0"]
    assert all(cell.value is None and cell.households is None for cell in b.values())
    assert b["respondents"].suppressed and b["monthly_cost_mean_cents"].suppressed


@pytest.mark.clock(CLOCK)
def test_by_district_and_cohort(db):
    _pilot(db)
    district = {g.key: g for g in indicators.indicators("district")}["DQ"].stages
    assert district["t0"]["respondents"].value == 10  # 9 → 10
    assert district["t0"]["monthly_cost_median_cents"].value == 3500
    cohorts = {g.key: g for g in indicators.indicators("cohort")}
    assert list(cohorts) == ["0-5", "6-11"]
    assert cohorts["6-11"].stages["t0"]["respondents"].value == 5
    assert cohorts["0-5"].stages["t0"]["respondents"].suppressed


@pytest.mark.clock(CLOCK)
def test_households_not_connected_are_in_no_cohort(db):
    for _ in range(5):
        record(subscribed_household(activated_on=None), "t0", answered_on="2026-11-01")
    assert indicators.indicators("cohort") == []
    assert len(indicators.indicators("building")) == 5


def test_unknown_grouping_is_a_400():
    with pytest.raises(DomainError) as error:
        indicators.check_grouping("flat")
    assert error.value.status == 400 and error.value.field == "by"
    assert indicators.check_grouping(None) == "cohort"
    with pytest.raises(DomainError):
        indicators.check_grouping("")


def test_cohort_bounds():
    assert [indicators.cohort_of(m) for m in (0, 5, 6, 11, 12, 40)] == [
        "0-5", "0-5", "6-11", "6-11", "12+", "12+"]


@pytest.mark.clock(CLOCK)
def test_every_published_count_is_a_multiple_of_5_over_5_households_or_more(db):
    """Building against district, stage against stage: differences of published counts are
    multiples of 5, so they never give a suppressed 1 to 4 back."""
    import random

    rng = random.Random(21)
    district = factories.make_district("DR")
    buildings = [factories.make_building(district=district) for _ in range(4)]
    for index in range(23):
        household = subscribed_household(activated_on=date(2026, 1 + index % 9, 3),
                                          building=buildings[index % 4])
        connected = rng.random() < .5
        record(household, "t0", answered_on="2025-12-20", home_connection=connected,
               monthly_cost_cents=rng.randint(1000, 5000) if connected else None,
               autonomy=rng.choice(("not_autonomous", "partially", "autonomous")))
    for by in ("cohort", "building", "district"):
        for group in indicators.indicators(by):
            cells = [group.stages["t0"]["respondents"], *group.autonomy["t0"].values()]
            for cell in cells:
                if not cell.suppressed:
                    assert cell.value % 5 == 0 and cell.value >= 5
                    assert cell.households % 5 == 0
                else:
                    assert cell.value is None and cell.households is None
    # The home-connection share is a ratio of rounded counts: times the rounded respondents it
    # gives a multiple of 5 back, never the exact number of households with a connection.
    for group in indicators.indicators("building"):
        share = group.stages["t0"]["home_connection_share"]
        respondents = group.stages["t0"]["respondents"]
        if not share.suppressed:
            assert round(share.value * respondents.value / 100) % 5 == 0


@pytest.mark.clock(CLOCK)
def test_cohorts_count_from_the_households_live_connection_date(db):
    """The cohort of an answer is its household's ``connection_date`` today (read with the
    answers, issue 23.3), else the date kept on the answer (no activated subscription any
    more, or the answer no longer names a household): as ``connection_dates`` said."""

    from impact.services import connection_dates

    district = factories.make_district("DC", name="Cohortes")
    building = factories.make_building("BC", district=district, name="C")
    moved = []   # answered 10 months ago; the household's connection date then moves up
    for _ in range(5):
        household = subscribed_household(activated_on=date(2026, 1, 10), building=building)
        record(household, "t0", answered_on="2026-01-05")
        moved.append(household)
    for household in moved:
        household.subscriptions[0].activated_on = date(2026, 9, 1)
    kept = []    # no activated subscription any more, or cut from its household
    for index in range(5):
        household = subscribed_household(activated_on=date(2025, 1, 10), building=building,
                                         moved_in_on=date(2024, 6, 1))
        answer = record(household, "t0", answered_on="2025-01-05")
        if index % 2:
            household.subscriptions[0].activated_on = None
        else:
            answer.household_id = None
        kept.append(household)
    db.session.flush()
    live = connection_dates([h.id for h in moved + kept])
    assert set(live) == {h.id for h in moved} | {h.id for h in kept[::2]}
    with recorded_statements() as statements:
        cohorts = {g.key: g.stages["t0"]["respondents"].value
                   for g in indicators.indicators("cohort")}
    # live 2026-09-01: 2 full months; kept on the answers: 2025-01-10, 22 months
    assert cohorts == {"0-5": 5, "12+": 5}, cohorts
    assert len(statements) == 1
