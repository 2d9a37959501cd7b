"""Time and the calendar, from one module (docs/design.md §5 "Calendar").

Instants are stored in UTC; every rule about *days* — today, working days, weekends, French
public holidays, due dates, month boundaries, SLA clocks, slot dates, retention — uses the
Europe/Paris calendar. At 23:30 UTC on a Thursday it is already Friday in Paris, and at 23:30
UTC on the 31st it is already the 1st of the next month: ``today()`` says so.

French public holidays come from the ``holidays`` package (maintained, covers Easter Monday,
Ascension and Whit Monday without hand-written computus).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

#: The calendar every rule about days follows.
PARIS = ZoneInfo("Europe/Paris")


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def now_local() -> datetime:
    """The current time, aware, in Europe/Paris."""
    return utcnow().astimezone(PARIS)


def today() -> date:
    """Today's date in Europe/Paris (not UTC: 23:30 UTC on Thursday is Friday in Paris)."""
    return now_local().date()


def local_date(value: datetime) -> date:
    """The Europe/Paris calendar day of an instant (naive values are UTC, as stored)."""
    return as_utc(value).astimezone(PARIS).date()


def as_utc(value: datetime | None) -> datetime | None:
    """Make a datetime read back from SQLite (naive) aware UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def start_of_day(day: date) -> datetime:
    """The UTC instant at which a Europe/Paris day starts."""
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)


@lru_cache(maxsize=64)
def _french_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FR", years=year))


def is_public_holiday(day: date) -> bool:
    """A French (metropolitan) public holiday."""
    return day in _french_holidays(day.year)



def is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a French public holiday."""
    return not is_weekend(day) and not is_public_holiday(day)


def add_working_days(day: date, count: int) -> date:
    """The working day ``count`` working days after ``day`` (count >= 0)."""
    current = day
    while count > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            count -= 1
    return current


def month_bounds(day: date) -> tuple[date, date]:
    """First and last day of ``day``'s calendar month."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def current_period() -> str:
    """The Paris calendar month as YYYY-MM."""
    return today().strftime("%Y-%m")
