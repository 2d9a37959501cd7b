"""Footprint arithmetic of lent equipment on known figures, and its disclosure control."""

from __future__ import annotations

from datetime import date

import pytest

from equipment import footprint, services
from tests import factories
from tests.equipment.factories import lend, make_item, make_partner

pytestmark = pytest.mark.clock("2026-11-15T10:00:00+01:00")
YEAR_2025 = (date(2025, 1, 1), date(2026, 1, 1))


def test_yearly_shares_by_hand():
    # A new laptop (185.4 kg, reference life 5 years) in its 7th year: 185.4 ÷ 6 = 30.9 kg a
    # year; a new one would cost 185.4 ÷ 5 = 37.08 kg a year: 6.18 kg avoided.
    assert footprint.yearly_embodied(185.4, "computer", 6.0) == pytest.approx(30.9)
    assert footprint.yearly_avoided(185.4, "computer", 6.0) == pytest.approx(6.18)
    # Younger than its reference life: spread over 5 years, nothing avoided.
    assert footprint.yearly_embodied(185.4, "computer", 2.0) == pytest.approx(37.08)
    assert footprint.yearly_avoided(185.4, "computer", 2.0) == 0.0
    # Refurbished (25 %: 46.35 kg) in its first year: 9.27 kg a year, 27.81 kg avoided (ADEME's
    # reconditioning study: about 27 kg a year for a laptop).
    assert footprint.yearly_embodied(46.35, "computer", 1.0) == pytest.approx(9.27)
    assert footprint.yearly_avoided(46.35, "computer", 1.0) == pytest.approx(27.81)
    # A refurbished smartphone (21.33 kg, life 2.5 years): 34.12 − 8.532 = 25.588 kg avoided
    # (the study: about 25 kg a year).
    assert footprint.yearly_avoided(21.33, "phone", 1.0) == pytest.approx(25.588)


def test_lent_items_attributed_to_the_holders_building(db):
    building = factories.make_building()
    holders = [factories.make_household(unit=factories.make_unit(building=building))
               for _ in range(5)]
    old = make_item("computer", acquired_on=date(2020, 1, 1))
    lend(old, holders[0], on=date(2024, 6, 1))
    refurbished = make_item("computer", origin="refurbished", partner=make_partner(),
                            acquired_on=date(2025, 1, 1))
    lend(refurbished, holders[1], on=date(2025, 1, 1))
    boxes = [make_item("box", acquired_on=date(2025, 1, 1)) for _ in range(3)]
    for box, holder in zip(boxes, holders[2:], strict=True):
        lend(box, holder, on=date(2025, 7, 2))  # held 183 days of 2025
    buildings, districts = footprint.lent_footprints(*YEAR_2025)
    (item,) = buildings
    assert item.code == building.code and item.households == 5 and item.items == 5
    # old laptop: age at 2026-01-01 = 2192 days = 6.0014 years, held the whole year.
    old_share = 185.4 / (2192 / 365.25)
    # refurbished: 46.35 kg over 5 years, held the whole year; boxes: 63 ÷ 5 × 183/365 each.
    box_share = 63.0 / 5 * 183 / 365
    assert item.kgco2e_embodied == pytest.approx(old_share + 9.27 + 3 * box_share)
    assert item.kgco2e_avoided == pytest.approx((37.08 - old_share) + 27.81)
    assert item.held_years == pytest.approx(2 + 3 * 183 / 365)
    assert districts[0].code == building.district.code
    assert districts[0].kgco2e_embodied == pytest.approx(item.kgco2e_embodied)


def test_holding_ends_at_return_and_recycling_freezes_age(db):
    partner = make_partner()
    household = factories.make_household()
    item = make_item("phone", acquired_on=date(2019, 1, 1))
    lend(item, household, on=date(2025, 1, 1))
    services.move(item, {"to_state": "returned", "on": "2025-04-01"}, None)  # 90 days
    services.move(item, {"to_state": "recycled", "partner_code": partner.code,
                         "on": "2025-05-01"}, None)
    periods = footprint.holding_periods(item)
    assert periods == [(household.id, date(2025, 1, 1), date(2025, 4, 1))]
    (building,), _ = footprint.lent_footprints(*YEAR_2025)
    age = (date(2025, 5, 1) - date(2019, 1, 1)).days / 365.25
    assert building.kgco2e_embodied == pytest.approx(85.3 / age * 90 / 365)


def test_a_household_still_holding_after_move_out_counts_until_collected(db):
    household = factories.make_household()
    box = make_item("box", acquired_on=date(2025, 1, 1))
    lend(box, household, on=date(2025, 1, 1))
    services.end_loans_on_move_out(household, moved_out_on=date(2025, 3, 1), actor=None)
    services.move(box, {"to_state": "returned", "on": "2025-03-11"}, None)
    assert footprint.holding_periods(box) == [(household.id, date(2025, 1, 1),
                                               date(2025, 3, 11))]


def test_published_figures_hide_small_cells(db):
    district = factories.make_district()
    big = factories.make_building(district=district)
    small = factories.make_building(district=district)
    for _index in range(6):
        lend(make_item("box"), factories.make_household(
            unit=factories.make_unit(building=big)))
    for _index in range(2):
        lend(make_item("box"), factories.make_household(
            unit=factories.make_unit(building=small)))
    summary = footprint.lent_summary(*YEAR_2025)
    by_code = {b.code: b for b in summary["buildings"]}
    assert by_code[small.code].suppressed and by_code[small.code].kgco2e_embodied == 0
    assert by_code[small.code].households == 0  # the exact 2 is not carried
    assert not by_code[big.code].suppressed and by_code[big.code].households == 5  # 6 rounded
    # The district minus the shown building would give the 2 hidden households' figure back.
    assert summary["districts"][0].suppressed
    assert summary["total"].suppressed
