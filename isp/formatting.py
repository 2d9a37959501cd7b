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
    get_timezone,
    gettext,
)

from isp.extensions import request_locale_key

# Formatting with Babel costs 10-30 µs a value and list pages show hundreds of values; each
# result depends only on the value, the locale (and for datetimes the time zone): remembered.


def money(cents: int | None) -> str:
    """Integer cents as ``12,50 €`` (fr) or ``€12.50`` (en)."""
    if cents is None:
        return "—"
    return _money(cents, request_locale_key())


@lru_cache(maxsize=4096)
def _money(cents: int, _locale) -> str:
    return format_currency(cents / 100, "EUR")


def short_date(value: date | None) -> str:
    """``28/11/2026`` in French."""
    if value is None:
        return "—"
    return _short_date(value.date() if isinstance(value, datetime) else value, request_locale_key())


@lru_cache(maxsize=4096)
def _short_date(value: date, _locale) -> str:
    return format_date(value, "short")


def short_datetime(value: datetime | str | None, seconds: bool = False) -> str:
    """Local date and time (Europe/Paris) of a UTC datetime, in the user's format.

    Also takes the ISO 8601 text that JSON columns keep (a job's state history): every time
    on a page goes through this one filter, never shown as raw ISO or UTC. ``seconds``
    adds them (steps of a job a second apart).
    """
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value  # not a time: shown as it is rather than failing the page
    return _short_datetime(value, "medium" if seconds else "short", request_locale_key(),
                           get_timezone())


@lru_cache(maxsize=4096)
def _short_datetime(value: datetime, style: str, _locale, _timezone) -> str:
    return format_datetime(value, style)


def number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return _number(round(value, digits), digits, request_locale_key())


@lru_cache(maxsize=4096)
def _number(value: float | int, digits: int, _locale) -> str:
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""))


def signed(value: float | int | None, digits: int = 2) -> str:
    """A change with its sign, ``+6,61`` (fr) or ``+6.61`` (en); ``—`` when unknown."""
    if value is None:
        return "—"
    text = number(value, digits)
    return text if text.startswith(("-", "\u2212")) else f"+{text}"


def percent(value: float | int | None, digits: int = 2) -> str:
    """A percentage as ``99,46 %`` (fr) or ``99.46 %`` (en); ``—`` when unknown."""
    if value is None:
        return "—"
    return f"{number(value, digits)} %"


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


def iso(value: date | datetime | None) -> str | None:
    """A date or time for JSON (ISO 8601), ``None`` kept: the API's one way to write them."""
    return value.isoformat() if value else None


def init_formatting(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=money, date=short_date, datetime=short_datetime, number=number, octets=octets,
        percent=percent, signed=signed,
    )
