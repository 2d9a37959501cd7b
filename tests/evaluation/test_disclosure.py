"""The rounding rules of isp.disclosure, on hand-computed tables."""

from __future__ import annotations

import pytest

from isp import disclosure


@pytest.mark.parametrize(("count", "published"), [
    (None, None), (0, 0), (2, 0), (3, 5), (5, 5), (7, 5), (8, 10), (72, 70), (73, 75),
    (116, 115), (118, 120),
])
def test_counts_are_rounded_to_the_nearest_multiple_of_five_halves_up(count, published):
    assert disclosure.round_count(count) == published


@pytest.mark.parametrize(("prices", "base"), [
    (None, 10_000), ({}, 10_000),
    ({"T1": 290, "T2": 590, "T3": 990}, 10_000),     # 8 × 9,90 € = 79,20 € ≤ 100 €
    ({"T1": 290, "T2": 590, "T3": 1250}, 10_000),    # 8 × 12,50 € = 100 € exactly
    ({"T1": 290, "T2": 590, "T3": 1251}, 20_000),    # 100,08 €: the next hundred
    ({"T1": 3000}, 30_000),                          # 240 €
])
def test_money_base_covers_four_households_at_the_highest_tariff(prices, base):
    assert disclosure.money_base_cents(prices) == base


@pytest.mark.parametrize(("cents", "published"), [
    (None, None), (0, 0), (4_999, 0), (5_000, 10_000), (154_700, 150_000), (175_000, 180_000),
    (-5_000, -10_000), (-4_999, 0),
])
def test_amounts_are_rounded_to_the_base(cents, published):
    assert disclosure.round_money(cents, 10_000) == published


@pytest.mark.parametrize(("bases", "small"), [
    ([70, 9, 3], True), ([70, 2, 2], True), ([70, 3, 4], False), ([70, 9], False),
    ([70, None, 0], False), ([3], True),
])
def test_a_hidden_group_is_small_when_its_households_add_up_to_fewer_than_five(bases, small):
    assert disclosure.hidden_group_is_small(bases) is small


def test_ratios_of_published_figures():
    assert disclosure.ratio(70, 116) == 60.34
    assert disclosure.ratio(None, 116) is None and disclosure.ratio(5, 0) is None
    assert disclosure.ratio(150_000, 70, scale=1, digits=0) == 2143
