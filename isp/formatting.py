"""Dates, times and money formatted for the user's language (France first)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from flask import Flask
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    gettext,
)


def money(cents: int | None) -> str:
    """Integer cents as ``12,50 €`` (fr) or ``€12.50`` (en)."""
    if cents is None:
        return "—"
    return format_currency(cents / 100, "EUR")


def short_date(value: date | None) -> str:
    """``28/11/2026`` in French."""
    if value is None:
        return "—"
    return _short_date(value.date() if isinstance(value, datetime) else value, get_locale())


@lru_cache(maxsize=4096)
def _short_date(value: date, _locale) -> str:
    """Formatting is a pure function of the date and the locale (~10 µs each; lists show
    dozens): remembered."""
    return format_date(value, "short")


def short_datetime(value: datetime | None) -> str:
    """Local date and time (Europe/Paris) of a UTC datetime."""
    if value is None:
        return "—"
    return format_datetime(value, "short")


def number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return format_decimal(round(value, digits), format="#,##0" + ("." + "0" * digits if digits
                                                                   else ""))


def octets(value: int | None) -> str:
    """Traffic in readable units (Go, Mo)."""
    if value is None:
        return "—"
    # French unit symbols (o = octet) are the source strings; English reads TB/GB/MB/kB/B.
    units = ((gettext("To"), 10**12), (gettext("Go"), 10**9), (gettext("Mo"), 10**6),
             (gettext("ko"), 10**3))
    for unit, size in units:
        if value >= size:
            return f"{format_decimal(round(value / size, 1))} {unit}"
    byte = gettext("o")
    return f"{value} {byte}"


def init_formatting(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=money, date=short_date, datetime=short_datetime, number=number, octets=octets
    )
