"""Network inventory: switches per building and the ports that serve flats."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    #: netmiko device_type (cisco_ios...), also selects the command set in network/vendors.py
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
    #: Consecutive polls without an answer (down after two, DESIGN.md §3.5).
    failed_polls: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    building = relationship("Building")
    ports: Mapped[list[Port]] = relationship(back_populates="device", order_by="Port.if_index")


class Port(db.Model):
    """An interface of a switch; ``unit_id`` is the wiring: the flat it serves."""

    __tablename__ = "ports"
    __table_args__ = (UniqueConstraint("device_id", "if_index"),
                      UniqueConstraint("device_id", "if_name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    if_index: Mapped[int] = mapped_column()
    if_name: Mapped[str] = mapped_column(String(64))
    if_descr: Mapped[str | None] = mapped_column(String(255))
    speed_bps: Mapped[int | None] = mapped_column(BigInteger)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), unique=True)
    admin_up: Mapped[bool | None] = mapped_column()
    oper_up: Mapped[bool | None] = mapped_column()
    #: Since when the port has been down (for the 7-day follow-up), None when up.
    down_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    device: Mapped[Device] = relationship(back_populates="ports")
    unit = relationship("Unit")
