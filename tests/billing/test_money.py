"""Money and proration as pure functions: dense tables and a property test (no fixtures)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.money import (
    active_days,
    add_months,
    days_in_month,
    format_euros,
    next_period_start,
    parse_period,
    previous_period,
    prorate,
    round_half_up,
    vat_included,
)


@pytest.mark.parametrize(("numerator", "denominator", "expected"), [
    (0, 3, 0), (1, 2, 1), (3, 2, 2), (5, 2, 3), (1, 3, 0), (2, 3, 1), (4, 3, 1), (5, 3, 2),
    (14, 10, 1), (15, 10, 2), (25, 10, 3), (-15, 10, -2), (-14, 10, -1), (990, 1, 990),
    (990 * 15, 30, 495), (990 * 1, 31, 32), (290 * 1, 31, 9), (290 * 15, 30, 145),
])
def test_round_half_up(numerator, denominator, expected):
    assert round_half_up(numerator, denominator) == expected


def test_round_half_up_refuses_a_zero_denominator():
    with pytest.raises(ValueError, match="positive"):
        round_half_up(1, 0)


@pytest.mark.parametrize(("period", "first", "last", "days"), [
    ("2026-01", date(2026, 1, 1), date(2026, 1, 31), 31),
    ("2026-02", date(2026, 2, 1), date(2026, 2, 28), 28),
    ("2028-02", date(2028, 2, 1), date(2028, 2, 29), 29),
    ("2026-04", date(2026, 4, 1), date(2026, 4, 30), 30),
    ("2026-12", date(2026, 12, 1), date(2026, 12, 31), 31),
])
def test_parse_period(period, first, last, days):
    assert parse_period(period) == (first, last)
    assert days_in_month(period) == days


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "2026-1", "26-11", "2026/11", "", "abcd-ef",
                                 "2026-11-01", " 2026-11"])
def test_parse_period_refuses_malformed(bad):
    with pytest.raises(ValueError, match="period"):
        parse_period(bad)


@pytest.mark.parametrize(("period", "activated", "terminated", "days"), [
    ("2026-11", date(2026, 1, 1), None, 30),                      # whole month
    ("2026-11", date(2026, 11, 1), None, 30),                     # from the first
    ("2026-11", date(2026, 11, 16), None, 15),                    # mid-month activation
    ("2026-11", date(2026, 11, 30), None, 1),                     # last day only
    ("2026-11", date(2026, 12, 1), None, 0),                      # not yet active
    ("2026-11", date(2026, 1, 1), date(2026, 11, 1), 0),          # ended on the 1st: d < end
    ("2026-11", date(2026, 1, 1), date(2026, 11, 2), 1),
    ("2026-11", date(2026, 1, 1), date(2026, 11, 16), 15),
    ("2026-11", date(2026, 1, 1), date(2026, 12, 1), 30),
    ("2026-11", date(2026, 1, 1), date(2026, 10, 15), 0),         # ended before
    ("2026-11", date(2026, 11, 10), date(2026, 11, 20), 10),      # both inside
    ("2026-11", date(2026, 11, 10), date(2026, 11, 10), 0),       # same day: never active
    ("2026-02", date(2026, 2, 15), None, 14),
    ("2028-02", date(2028, 2, 15), None, 15),                     # leap year
    ("2026-11", None, None, 0),                                   # never activated
])
def test_active_days(period, activated, terminated, days):
    assert active_days(period, activated, terminated) == days


@pytest.mark.parametrize(("monthly", "days", "month_days", "expected"), [
    (290, 30, 30, 290), (590, 31, 31, 590), (990, 28, 28, 990),
    (290, 15, 30, 145), (290, 1, 30, 10),            # 9.666 → 10
    (290, 1, 31, 9),                                   # 9.354 → 9
    (590, 16, 31, 305),                                # 304.516 → 305
    (990, 15, 30, 495), (990, 10, 31, 319),            # 319.35 → 319
    (990, 14, 28, 495), (990, 1, 29, 34),              # 34.137 → 34
    (2500, 15, 30, 1250), (2500, 1, 31, 81),           # 80.645 → 81
    (0, 12, 30, 0), (290, 0, 30, 0),
    (5, 15, 30, 3),                                    # 2.5 → 3 (half up)
    (1, 15, 30, 1), (1, 14, 30, 0),
])
def test_prorate(monthly, days, month_days, expected):
    assert prorate(monthly, days, month_days) == expected


@pytest.mark.parametrize(("days", "month_days"), [(-1, 30), (31, 30), (29, 28)])
def test_prorate_refuses_impossible_days(days, month_days):
    with pytest.raises(ValueError, match="active days"):
        prorate(290, days, month_days)


@pytest.mark.parametrize(("total", "rate", "vat"), [
    (290, 20, 48),      # 290 × 20/120 = 48.33
    (590, 20, 98),      # 98.33
    (990, 20, 165),     # exactly 165
    (600, 20, 100), (3, 20, 1),       # 0.5 → 1
    (0, 20, 0), (1000, 5.5, 52),      # 52.13
    (1000, 10, 91),     # 90.909
])
def test_vat_included(total, rate, vat):
    assert vat_included(total, rate) == vat


@pytest.mark.parametrize(("cents", "text"), [
    (0, "0,00 €"), (5, "0,05 €"), (290, "2,90 €"), (2500, "25,00 €"), (-145, "-1,45 €"),
    (123456, "1\u202f234,56 €"),
])
def test_format_euros(cents, text):
    assert format_euros(cents) == text


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 11, 29), 12, date(2027, 11, 29)), (date(2028, 2, 29), 12, date(2029, 2, 28)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2026, 12, 15), 1, date(2027, 1, 15)),
])
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 11, 29), date(2026, 12, 1)), (date(2026, 12, 1), date(2027, 1, 1)),
    (date(2026, 1, 31), date(2026, 2, 1)),
])
def test_next_period_start(day, expected):
    assert next_period_start(day) == expected


def test_previous_period_crosses_the_year():
    assert previous_period("2027-01") == "2026-12"
    assert previous_period("2026-11") == "2026-10"


@given(monthly=st.integers(min_value=0, max_value=100_000),
       month_days=st.sampled_from([28, 29, 30, 31]),
       cuts=st.lists(st.integers(min_value=1, max_value=30), max_size=6))
def test_any_split_of_a_month_stays_within_a_cent_per_part(monthly, month_days, cuts):
    """Prorated parts of any split never exceed the monthly price by more than a cent each."""
    bounds = sorted({0, month_days, *(c for c in cuts if c < month_days)})
    parts = [prorate(monthly, end - start, month_days) for start, end in
             zip(bounds, bounds[1:], strict=False)]
    assert sum(parts) <= monthly + len(parts)
    assert sum(parts) >= monthly - len(parts)


@given(monthly=st.integers(min_value=0, max_value=100_000),
       month=st.integers(min_value=1, max_value=12),
       activated_day=st.integers(min_value=1, max_value=28),
       length=st.integers(min_value=0, max_value=40))
def test_prorated_line_never_exceeds_the_monthly_price(monthly, month, activated_day, length):
    from datetime import timedelta

    period = f"2027-{month:02d}"
    activated = date(2027, month, activated_day)
    days = active_days(period, activated, activated + timedelta(days=length))
    amount = prorate(monthly, days, days_in_month(period))
    assert 0 <= amount <= monthly
    assert days <= length
