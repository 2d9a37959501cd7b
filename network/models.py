"""Network inventory (switches per building, the ports that serve flats) and monitoring:
poll results, raw counter state, usage per port hour / port day / subscription day / building day,
discarded intervals and outages (docs/design.md §2, §3.4, §3.5).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    DDL,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from isp.extensions import db
from isp.types import UTCDateTime
from network.choices import DeviceRole, DeviceStatus, LifecycleState


class Device(db.Model):
    """A switch in a building, polled over SNMP and configured over SSH."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    hostname: Mapped[str] = mapped_column(String(63), unique=True)
    mgmt_address: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20), default=DeviceRole.ACCESS)
    #: netmiko device_type (cisco_ios...), also the command set (network/provisioning/vendors.py)
    device_type: Mapped[str] = mapped_column(String(40), default="cisco_ios")
    snmp_port: Mapped[int] = mapped_column(default=161)
    snmp_version: Mapped[str] = mapped_column(String(3), default="2c")
    #: Fernet-encrypted (ISP_CREDENTIALS_KEY): never shown, logged or returned by the API.
    snmp_community_enc: Mapped[str | None] = mapped_column(Text)
    snmp_user: Mapped[str | None] = mapped_column(String(64))
    snmp_auth_key_enc: Mapped[str | None] = mapped_column(Text)
    snmp_priv_key_enc: Mapped[str | None] = mapped_column(Text)
    #: SNMPv3 context name (snmpsim selects the simulated device with it).
    snmp_context: Mapped[str | None] = mapped_column(String(64))
    ssh_port: Mapped[int] = mapped_column(default=22)
    ssh_username: Mapped[str | None] = mapped_column(String(64))
    ssh_password_enc: Mapped[str | None] = mapped_column(Text)
    ssh_secret_enc: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(80))
    power_watts: Mapped[float | None] = mapped_column(Float)
    #: Manufacturing emissions; None means unknown (never counted as 0).
    embodied_kgco2e: Mapped[float | None] = mapped_column(Float)
    commissioned_on: Mapped[date | None] = mapped_column()
    lifecycle_state: Mapped[str] = mapped_column(String(20), default=LifecycleState.IN_SERVICE)
    status: Mapped[str] = mapped_column(String(10), default=DeviceStatus.UNKNOWN)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sys_uptime_ticks: Mapped[int | None] = mapped_column(BigInteger)
    #: Consecutive polls without an answer (down after two, docs/design.md §3.5).
    failed_polls: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: timeout | auth | garbage | unresolvable (network.snmp.ErrorKind), None when clean.
    last_error_kind: Mapped[str | None] = mapped_column(String(20))
    #: Last poll that answered (sysUpTime read): the reference for reboot downtime.
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: First of the current run of unanswered polls; the outage starts there.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Scale-out lease (network/leases.py ``claim_devices``): which worker polls it, until when.
    poll_lease_owner: Mapped[str | None] = mapped_column(String(120))
    poll_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Not polled again by the scheduler before this time (one poll per interval, any worker).
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The uplink: the switch this one hangs from (None for a building's root).
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"), index=True)
    #: Own poll interval in seconds (None: POLL_INTERVAL_MINUTES); shorter for 32-bit counters.
    poll_interval_s: Mapped[int | None] = mapped_column()
    #: When the operator was told the 32-bit counters are ambiguous at this interval.
    counters_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    building = relationship("Building")
    parent: Mapped[Device | None] = relationship(remote_side="Device.id")

    @property
    def parent_hostname(self) -> str | None:
        """The uplink's hostname (devices import column, API field)."""
        return self.parent.hostname if self.parent is not None else None
    ports: Mapped[list[Port]] = relationship(back_populates="device", order_by="Port.if_index")


class Port(db.Model):
    """An interface of a switch; ``unit_id`` is the wiring: the flat it serves."""

    __tablename__ = "ports"
    __table_args__ = (UniqueConstraint("device_id", "if_index"),
                      UniqueConstraint("device_id", "if_name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    #: None for a port created by the wiring import before the device was first polled;
    #: discovery then matches it by ``if_name``.
    if_index: Mapped[int | None] = mapped_column()
    if_name: Mapped[str] = mapped_column(String(64))
    if_descr: Mapped[str | None] = mapped_column(String(255))
    speed_bps: Mapped[int | None] = mapped_column(BigInteger)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), unique=True)
    admin_up: Mapped[bool | None] = mapped_column()
    oper_up: Mapped[bool | None] = mapped_column()
    #: Since when the port has been down (for the 7-day follow-up), None when up.
    down_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the 7-day follow-up signal was sent for the current down period.
    down_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    device: Mapped[Device] = relationship(back_populates="ports")
    #: ``unit.port`` reads a flat's port once per request for every section of the household
    #: page that shows it (read-only: the wiring is written on the port's side only).
    unit = relationship("Unit", backref=backref("port", uselist=False, viewonly=True))


class CounterValue(TypeDecorator):
    """A raw Counter64 (0 … 2**64-1) kept exactly: BIGINT is signed and SQLite's integers too."""

    impl = String(20)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect) -> str | None:
        return None if value is None else str(int(value))

    def process_result_value(self, value: str | None, dialect) -> int | None:
        return None if value is None else int(value)


class PollResult(db.Model):
    """One poll of one device: whether it answered, its sysUpTime, the error in words."""

    __tablename__ = "poll_results"
    __table_args__ = (Index("ix_poll_results_device_at", "device_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The device answered (sysUpTime read); a garbage table still counts as answered.
    reachable: Mapped[bool] = mapped_column()
    sys_uptime_ticks: Mapped[int | None] = mapped_column(BigInteger)
    error_kind: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    ports_seen: Mapped[int] = mapped_column(default=0)
    #: The worker process that polled (scale-out: proves no device is polled twice).
    worker: Mapped[str | None] = mapped_column(String(120))

    device: Mapped[Device] = relationship()


class PortCounter(db.Model):
    """The last raw counters of a port with the device's sysUpTime and the local time of reading."""

    __tablename__ = "port_counters"

    port_id: Mapped[int] = mapped_column(ForeignKey("ports.id"), primary_key=True)
    in_octets: Mapped[int | None] = mapped_column(CounterValue)
    out_octets: Mapped[int | None] = mapped_column(CounterValue)
    #: 64 (ifHC*) or 32 (ifIn/OutOctets); a change of width is a reset.
    counter_bits: Mapped[int | None] = mapped_column()
    sys_uptime_ticks: Mapped[int] = mapped_column(BigInteger)
    #: Wall-clock time of the reading (UTC): comparable between worker processes.
    polled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UsageHour(db.Model):
    """Octets through a port in one UTC hour (in = household upload, out = download).

    The big table (10,000 switches × 48 ports × 8,760 hours = 4.2 billion rows a year): no
    surrogate key, the primary key (port_id, hour) is the only B-tree. On PostgreSQL it is
    partitioned by month (Europe/Paris months, ``network.usage_store``): the retention job
    drops whole partitions once their days are rolled up into ``PortUsageDay``; a BRIN index
    on ``hour`` lets the roll-up read one day without a second B-tree. SQLite: a plain table,
    rows deleted (docs/usage-store.md).
    """

    __tablename__ = "usage_hours"
    __table_args__ = (Index("ix_usage_hours_hour", "hour", postgresql_using="brin",
                            postgresql_with={"autosummarize": "on"}),
                      {"postgresql_partition_by": "RANGE (hour)"})

    port_id: Mapped[int] = mapped_column(ForeignKey("ports.id"), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    octets_in: Mapped[int] = mapped_column(BigInteger, default=0)
    octets_out: Mapped[int] = mapped_column(BigInteger, default=0)


USAGE_HOURS_DEFAULT_PARTITION = "usage_hours_default"
# create_all (tests, `isp init-db`) gets the default partition too; the migration creates it.
event.listen(UsageHour.__table__, "after_create", DDL(
    f"CREATE TABLE IF NOT EXISTS {USAGE_HOURS_DEFAULT_PARTITION} PARTITION OF usage_hours DEFAULT"
).execute_if(dialect="postgresql"))


class PortUsageDay(db.Model):
    """A port's octets on one Europe/Paris day, rolled up from ``UsageHour`` by the nightly
    job (``network.usage_store.roll_up``): what remains of a port once its hours are gone."""

    __tablename__ = "port_usage_days"

    port_id: Mapped[int] = mapped_column(ForeignKey("ports.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    octets_in: Mapped[int] = mapped_column(BigInteger, default=0)
    octets_out: Mapped[int] = mapped_column(BigInteger, default=0)


class UsageRollup(db.Model):
    """One Europe/Paris day whose port hours were rolled up into ``PortUsageDay`` (the
    ledger the retention job checks before it removes hours)."""

    __tablename__ = "usage_rollups"

    day: Mapped[date] = mapped_column(primary_key=True)
    rolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    port_days: Mapped[int] = mapped_column(default=0)


class UsageDay(db.Model):
    """A subscription's traffic on one day (Europe/Paris calendar day).

    The daily roll-up per subscription: written by the poller in the same transaction as the
    port hour (the flat's subscription *at the time of the traffic*, which a later roll-up
    could no longer tell), so it never depends on the hours being kept.
    """

    __tablename__ = "usage_days"
    __table_args__ = (UniqueConstraint("subscription_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    day: Mapped[date] = mapped_column()
    download_octets: Mapped[int] = mapped_column(BigInteger, default=0)
    upload_octets: Mapped[int] = mapped_column(BigInteger, default=0)


class BuildingUsageDay(db.Model):
    """Households' traffic of a building on one day (kept forever, no personal data)."""

    __tablename__ = "building_usage_days"
    __table_args__ = (UniqueConstraint("building_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    day: Mapped[date] = mapped_column()
    download_octets: Mapped[int] = mapped_column(BigInteger, default=0)
    upload_octets: Mapped[int] = mapped_column(BigInteger, default=0)


class DiscardedInterval(db.Model):
    """A counter interval that was not counted, and why (network.counters.DiscardReason)."""

    __tablename__ = "discarded_intervals"
    __table_args__ = (Index("ix_discarded_intervals_port_at", "port_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    port_id: Mapped[int] = mapped_column(ForeignKey("ports.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: "in", "out" or "both" (a reboot discards both directions)
    direction: Mapped[str] = mapped_column(String(4))
    reason: Mapped[str] = mapped_column(String(30))
    elapsed_s: Mapped[float | None] = mapped_column(Float)


class Outage(db.Model):
    """A device that stopped answering (or rebooted), from ``started_at`` to ``ended_at``.

    ``cause`` is ``no_answer`` (two consecutive polls without an answer) or ``reboot``
    (seen afterwards through sysUpTime, docs/design.md §3.5). ``port_id`` is reserved: a
    household's port being down is not an outage.
    """

    __tablename__ = "outages"
    __table_args__ = (Index("ix_outages_device_started", "device_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    port_id: Mapped[int | None] = mapped_column(ForeignKey("ports.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cause: Mapped[str] = mapped_column(String(20))
    #: The outage of the failed uplink this one is part of (one incident, one ticket).
    incident_outage_id: Mapped[int | None] = mapped_column(ForeignKey("outages.id"))

    device: Mapped[Device | None] = relationship()

    def duration_s(self, until: datetime | None = None) -> int:
        """Seconds from start to end (or to ``until`` while it lasts)."""
        end = self.ended_at or until
        if end is None:
            return 0
        return max(0, int((end - self.started_at).total_seconds()))
