"""What the network API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from isp.query import Query


class DeviceQuery(Query):
    """The device list's filter: a building code."""

    building: str | None = Field(None, max_length=30)


class UsageQuery(Query):
    """A flat's traffic: ``granularity=day`` (default the last 90 days) or ``hour`` (48 h)."""

    unit: str = Field(min_length=1, max_length=30)
    granularity: Literal["hour", "day"] = "day"
    start: str | None = Field(None, alias="from", max_length=40)
    end: str | None = Field(None, alias="to", max_length=40)


class AvailabilityQuery(Query):
    """A building's availability between two days (default: this month so far)."""

    building: str = Field(min_length=1, max_length=30)
    start: str | None = Field(None, alias="from", max_length=40)
    end: str | None = Field(None, alias="to", max_length=40)
