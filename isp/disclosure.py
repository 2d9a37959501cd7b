"""Statistical disclosure control of published aggregates (docs/evaluation-privacy.md).

A rule of the data charter that every domain publishing figures applies (evaluation, impact,
surveys, outreach, equipment, mediation), hence in the core.

The small-cell rule alone (a figure over fewer than 5 households is suppressed) does not hold
against arithmetic: served 72 − active 70 gives back the suppressed "reduced 2", a district minus
its other buildings gives back a suppressed building, and a month minus the month before gives
back a small change. Three rules, applied when the aggregates are refreshed, close these paths:

1. **Counts of households are rounded to a base of 5** (nearest multiple, halves up) before they
   are stored, after the small-cell rule has been decided on the exact count. Every published
   count is then a multiple of 5, so any sum or difference of published counts — within a row,
   between a building and its district, between two months — is a multiple of 5 too and can
   never be a value from 1 to 4. Totals are not forced to equal the sum of their rounded parts.
2. **Percentages and averages are computed from the rounded counts** (take-up = rounded served ÷
   flats, arrears share, attendance, tickets per 100, subsidy per household), so that no ratio
   gives an exact count back.
3. **Money is rounded to a base of at least 100 €**, wide enough that a suppressed number of
   households at the highest tariff disappears in the rounding (``money_base_cents``), and a
   district's amount is suppressed when the buildings hidden under it rest, together, on fewer
   than 5 households (complementary suppression: the district minus the shown buildings would
   otherwise give their amount back).

Flats are an inventory of dwellings, not households: they stay exact.
"""

from __future__ import annotations

import math

#: Fewer households than this: the figure is suppressed (docs/design.md §3.7).
SMALL_CELL = 5
#: Every published count of households is a multiple of this.
COUNT_BASE = 5
#: Money is rounded to a multiple of this at least (cents): 100 €.
MONEY_BASE_MIN_CENTS = 10_000


def round_count(count: int | None) -> int | None:
    """A count of households as published: the nearest multiple of 5 (halves up)."""
    if count is None:
        return None
    return COUNT_BASE * math.floor(count / COUNT_BASE + 0.5)


def money_base_cents(monthly_prices_cents: dict[str, int] | None = None) -> int:
    """The rounding base of published amounts: whole hundreds of euros, and at least twice the
    most that a suppressed group (4 households) pays at the highest tariff, so that rounding
    hides it (±half a base)."""
    highest = max((monthly_prices_cents or {}).values(), default=0)
    needed = 2 * (SMALL_CELL - 1) * highest
    return max(MONEY_BASE_MIN_CENTS,
               MONEY_BASE_MIN_CENTS * math.ceil(needed / MONEY_BASE_MIN_CENTS))


def round_money(cents: int | None, base: int) -> int | None:
    """An amount as published: the nearest multiple of ``base`` (halves away from zero)."""
    if cents is None:
        return None
    sign = -1 if cents < 0 else 1
    return sign * base * math.floor(abs(cents) / base + 0.5)


def ratio(numerator: int | None, denominator: int | None, *, scale: float = 100,
          digits: int = 2) -> float | None:
    """A percentage (or rate per ``scale``) of two published figures; None when undefined."""
    if numerator is None or not denominator:
        return None
    return round(scale * numerator / denominator, digits)


def is_small(basis: int | None) -> bool:
    """True when a figure resting on ``basis`` households is suppressed (None: no households)."""
    return basis is not None and basis < SMALL_CELL


def hidden_group_is_small(bases: list[int | None]) -> bool:
    """True when the suppressed parts of a total rest together on 1 to 4 households, so that
    the total minus the shown parts would give a small figure back (parts resting on no
    household add nothing to the total)."""
    hidden = [basis for basis in bases if basis and is_small(basis)]
    return bool(hidden) and sum(hidden) < SMALL_CELL
