"""History of a network device's life in the 4R chain (its ``lifecycle_state``, issue 22)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime


class DeviceLifecycleMove(db.Model):
    """One change of a network device's lifecycle state: from, to, who, when, partner, note."""

    __tablename__ = "device_lifecycle_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("equipment_partners.id"))
    note: Mapped[str | None] = mapped_column(Text)

    actor = relationship("User")
    partner = relationship("EquipmentPartner")
