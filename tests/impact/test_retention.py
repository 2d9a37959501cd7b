"""Answers follow the household's retention: exported with it, unlinked at anonymisation."""

from __future__ import annotations

from datetime import date

import pytest

from impact import indicators
from impact.models import ImpactAnswer
from isp import gdpr
from tests.impact.factories import record, subscribed_household

CLOCK = "2026-11-15T10:00:00+01:00"


@pytest.mark.clock(CLOCK)
def test_answers_are_in_the_households_export(db):
    household = subscribed_household()
    record(household, "t0")
    data = gdpr.export_household(household.id, actor=None, route="test")
    rows = data["records"]["impact_answers"]
    assert rows[0]["stage"] == "t0" and rows[0]["monthly_cost_cents"] == 3000


@pytest.mark.clock(CLOCK)
def test_anonymisation_cuts_the_link_and_keeps_the_aggregates(db):
    households = [subscribed_household(activated_on=date(2026, 1, 10)) for _ in range(5)]
    for household in households:
        record(household, "t0")
    leaving = households[0]
    leaving.moved_out_on = date(2026, 10, 1)
    leaving.subscriptions[0].status = "terminated"
    leaving.subscriptions[0].terminated_on = date(2026, 10, 1)
    db.session.flush()
    before = indicators.indicators("cohort")
    gdpr.anonymise_household(leaving, actor=None, reason="demande", route="test")
    assert db.session.execute(db.select(ImpactAnswer).where(
        ImpactAnswer.household_id == leaving.id)).first() is None
    unlinked = db.session.execute(db.select(ImpactAnswer).where(
        ImpactAnswer.household_id.is_(None))).scalars().all()
    assert len(unlinked) == 1 and unlinked[0].connected_on == date(2026, 1, 10)
    after = indicators.indicators("cohort")
    assert [g.key for g in after] == [g.key for g in before] == ["6-11"]
    assert after[0].stages["t0"]["respondents"] == before[0].stages["t0"]["respondents"]
