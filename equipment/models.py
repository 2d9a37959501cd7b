"""Lent household equipment (box, computer, tablet, phone), its local 4R partners and its moves."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime


class EquipmentPartner(db.Model):
    """A local actor of the 4R sector that refurbishes, repairs or recycles equipment."""

    __tablename__ = "equipment_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    commune: Mapped[str | None] = mapped_column(String(80))
    siret: Mapped[str | None] = mapped_column(String(20))


class EquipmentItem(db.Model):
    """One piece of equipment lent to households, from stock to recycling."""

    __tablename__ = "equipment_items"
    __table_args__ = (UniqueConstraint("kind", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    serial: Mapped[str] = mapped_column(String(80))
    model: Mapped[str | None] = mapped_column(String(120))
    origin: Mapped[str] = mapped_column(String(20))
    #: The partner that refurbished it (origin ``refurbished``).
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("equipment_partners.id"))
    embodied_kgco2e: Mapped[float] = mapped_column(Float)
    #: Start of its life with us (purchase or arrival): its age counts from here.
    acquired_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="in_stock", index=True)
    #: The household holding it (states lent and to_collect), else None.
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    loan_agreement_ref: Mapped[str | None] = mapped_column(String(60))
    loan_signed_on: Mapped[date | None] = mapped_column(Date)
    recycled_by_id: Mapped[int | None] = mapped_column(ForeignKey("equipment_partners.id"))
    recycled_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[EquipmentPartner | None] = relationship(foreign_keys=[partner_id])
    recycled_by: Mapped[EquipmentPartner | None] = relationship(foreign_keys=[recycled_by_id])
    household = relationship("Household")
    moves: Mapped[list[EquipmentMove]] = relationship(
        back_populates="item", order_by="EquipmentMove.id")


class EquipmentMove(db.Model):
    """One change of state: from, to, who, when, the household concerned, a note."""

    __tablename__ = "equipment_moves"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("equipment_items.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    #: The day the move took effect (Paris calendar): loans and footprint count from it.
    on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("equipment_partners.id"))
    agreement_ref: Mapped[str | None] = mapped_column(String(60))
    #: The support ticket opened for a collection (move-out), if any.
    ticket_number: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)

    item: Mapped[EquipmentItem] = relationship(back_populates="moves")
    actor = relationship("User")
    partner: Mapped[EquipmentPartner | None] = relationship()
