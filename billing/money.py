"""Pure money and proration maths (integer cents, half-up rounding, docs/design.md §3.1-3.2)."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator ÷ denominator rounded half-up to an integer (exact, no floats)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    if numerator < 0:
        return -round_half_up(-numerator, denominator)
    return (2 * numerator + denominator) // (2 * denominator)


def parse_period(period: str) -> tuple[date, date]:
    """``YYYY-MM`` to (first day, last day); ValueError when malformed."""
    match = _PERIOD.match(period or "")
    if not match:
        raise ValueError(f"{period!r} is not a period YYYY-MM")
    year, month = int(match.group(1)), int(match.group(2))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_period(period: str) -> str:
    first, _last = parse_period(period)
    return period_of(first - timedelta(days=1))


def next_period_start(day: date) -> date:
    """First day of the month after ``day`` (a price change applies from there)."""
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def days_in_month(period: str) -> int:
    first, last = parse_period(period)
    return (last - first).days + 1


def active_days(period: str, activated_on: date | None, terminated_on: date | None) -> int:
    """Days d of the month with activated_on ≤ d and (no termination or d < terminated_on)."""
    if activated_on is None:
        return 0
    first, last = parse_period(period)
    start = max(first, activated_on)
    end = last + timedelta(days=1)
    if terminated_on is not None:
        end = min(end, terminated_on)
    return max(0, (end - start).days)


def prorate(monthly_cents: int, days: int, month_days: int) -> int:
    """round_half_up(monthly price × active days ÷ days in month)."""
    if not 0 <= days <= month_days:
        raise ValueError("active days must be between 0 and the days of the month")
    return round_half_up(monthly_cents * days, month_days)


def vat_included(total_cents: int, rate_percent: int | float) -> int:
    """The VAT inside a TTC amount: total × rate ÷ (100 + rate), half-up."""
    rate_bp = round(rate_percent * 100)  # basis points keep 5.5 % exact
    return round_half_up(total_cents * rate_bp, 10000 + rate_bp)


def format_euros(cents: int) -> str:
    """1234 → "12,34 €" (for texts and PDFs outside Jinja)."""
    sign = "-" if cents < 0 else ""
    euros = f"{abs(cents) // 100:,}".replace(",", "\u202f")
    return f"{sign}{euros},{abs(cents) % 100:02d} €"


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (29 Feb + 12 → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
