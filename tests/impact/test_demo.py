"""The demo's answers: a baseline per subscribed household, follow-ups, idempotent."""

from __future__ import annotations

from datetime import date

import pytest

from impact import demo, indicators
from impact.models import ImpactAnswer
from tests import factories
from tests.impact.factories import subscribed_household


@pytest.mark.clock("2026-12-06T10:00:00+01:00")
def test_demo_records_baselines_and_follow_ups_once(db):
    from billing.tariffs import ensure_default_grid

    ensure_default_grid()
    building = factories.make_building()
    for _ in range(12):
        subscribed_household(activated_on=date(2026, 6, 1), building=building)
    factories.make_household(unit=factories.make_unit(building=building))  # not subscribed
    db.session.expire_all()  # households loaded afresh, as in the real seeding
    note = demo.seed_demo()
    assert note.startswith("impact: baselines +12, 6-month follow-ups +")
    rows = db.session.execute(db.select(ImpactAnswer)).scalars().all()
    assert sum(1 for r in rows if r.stage == "t0") == 12
    follow_ups = [r for r in rows if r.stage == "m6"]
    assert 5 <= len(follow_ups) <= 12
    assert all(r.monthly_cost_cents >= 290 for r in follow_ups)  # at least the T1 price
    assert demo.seed_demo() is None
    [group] = indicators.indicators("building")
    assert not group.stages["t0"]["respondents"].suppressed
