"""Impact factories: subscribed households and recorded answers (flush, never commit)."""

from __future__ import annotations

from datetime import date

from tests import factories


def subscribed_household(*, activated_on: date | None = date(2026, 1, 10), building=None,
                         association=None, moved_in_on: date = date(2025, 6, 1)):
    """A household with one subscription (active when ``activated_on`` is given)."""
    unit = factories.make_unit(building=building) if building else factories.make_unit()
    household = factories.make_household(unit=unit, association=association,
                                         moved_in_on=moved_in_on)
    factories.make_subscription(household=household, activated_on=activated_on,
                                status="active" if activated_on else "pending")
    return household


def answers(**overrides) -> dict:
    values = {"answered_on": "2026-01-05", "home_connection": True, "monthly_cost_cents": 3000,
              "devices": ["smartphone"], "autonomy": "partially"}
    values.update(overrides)
    return values


def record(household, stage: str, **overrides):
    from impact.services import record_answers

    return record_answers(household, stage, answers(**overrides), None)
