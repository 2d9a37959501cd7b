"""Evaluation test data: buildings with flats and served subscriptions."""

from __future__ import annotations

from datetime import date

from tests import factories


def building_with_subscribers(*, served: int, flats: int, district=None, code=None,
                              activated_on: date = date(2026, 1, 10), tier: str = "T1"):
    """A pilot building with ``flats`` flats, ``served`` of them with an active subscription."""
    building = factories.make_building(code, district=district)
    for index in range(flats):
        unit = factories.make_unit(f"{building.code}-{index:03d}", building=building)
        if index < served:
            household = factories.make_household(unit=unit)
            factories.make_subscription(household=household, activated_on=activated_on,
                                        tier=tier)
    return building
