"""Aware UTC time helpers (times are stored in UTC)."""

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in UTC."""
    return utcnow().date()


def as_utc(value: datetime | None) -> datetime | None:
    """Make a datetime read back from SQLite (naive) aware UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
