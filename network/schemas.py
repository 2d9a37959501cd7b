"""What the network API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from isp.i18n import lazy_gettext as _l
from isp.openapi import Resource
from isp.query import Query


class DeviceQuery(Query):
    """The device list's filter: a building code."""

    building: str | None = Field(None, max_length=30)


class UsageQuery(Query):
    """A flat's traffic: ``granularity=day`` (default the last 90 days) or ``hour`` (48 h)."""

    missing_messages: ClassVar[dict[str, Any]] = {
        "unit": _l("Le logement est obligatoire (un code de logement)")}

    unit: str = Field(min_length=1, max_length=30)
    granularity: Literal["hour", "day"] = "day"
    start: str | None = Field(None, alias="from", max_length=40)
    end: str | None = Field(None, alias="to", max_length=40)


class AvailabilityQuery(Query):
    """A building's availability between two days (default: this month so far)."""

    missing_messages: ClassVar[dict[str, Any]] = {
        "building": _l("L'immeuble est obligatoire (un code d'immeuble)")}

    building: str = Field(min_length=1, max_length=30)
    start: str | None = Field(None, alias="from", max_length=40)
    end: str | None = Field(None, alias="to", max_length=40)


# --- responses ---------------------------------------------------------------------------------

class DeviceSummaryOut(Resource):
    """``device_summary``: a device without secrets, its status and last poll."""

    hostname: str
    building: str | None
    role: str
    mgmt_address: str
    model: str | None
    lifecycle_state: str
    status: str
    last_polled_at: str | None
    sys_uptime_s: int | None
    last_error: str | None
    parent_hostname: str | None
    poll_interval_s: int
    own_poll_interval: bool


class DeviceOut(DeviceSummaryOut):
    """``device_json``: with which credentials are set (never their values)."""

    device_type: str
    snmp_version: str
    snmp_port: int
    snmp_user: str | None
    ssh_port: int
    ssh_username: str | None
    power_watts: float | None
    embodied_kgco2e: float | None
    credentials_set: dict[str, bool]


class PortOut(Resource):
    if_index: int | None
    if_name: str
    if_descr: str | None
    speed_bps: int | None
    admin_up: bool | None
    oper_up: bool | None
    unit: str | None
    down_since: str | None


class DeviceDetailOut(DeviceOut):
    """One device with its ports."""

    ports: list[PortOut]


class UsagePointOut(Resource):
    start: str | None
    download_octets: int
    upload_octets: int


class UsageOut(Resource):
    """A flat's traffic by hour or by day."""

    unit: str
    granularity: Literal["hour", "day"]
    items: list[UsagePointOut]
    total: int


class OutageOut(Resource):
    device: str | None
    cause: str
    started_at: str | None
    ended_at: str | None
    duration_s: int


class AvailabilityOut(Resource):
    """A building's availability between two days and the outages that made it."""

    building: str
    from_: str = Field(alias="from")
    to: str
    availability_pct: float | None
    availability_label: str
    downtime_s: int
    period_s: int
    outages: list[OutageOut]
