"""Associations that coach residents, and the assignment of households to them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import as_utc, utcnow
from isp.types import UTCDateTime


class Association(db.Model):
    """A local association offering digital coaching."""

    __tablename__ = "associations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    siret_or_rna: Mapped[str | None] = mapped_column(String(20))
    #: ``;``-separated district codes covered.
    districts: Mapped[str] = mapped_column(Text, default="")
    #: ``;``-separated ISO 639 language codes spoken.
    languages: Mapped[str] = mapped_column(Text, default="fr")
    #: ``;``-separated specialty codes (mediation vocabulary).
    specialties: Mapped[str] = mapped_column(Text, default="")
    capacity_per_month: Mapped[int] = mapped_column(default=20)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    #: Short presentation (open-data "presentation_resume", at most 280 characters).
    summary: Mapped[str | None] = mapped_column(String(280))
    website: Mapped[str | None] = mapped_column(String(300))

    places: Mapped[list[Place]] = relationship(back_populates="association",
                                               order_by="Place.name")

    @staticmethod
    def split(value: str | None) -> list[str]:
        return [item.strip() for item in (value or "").split(";") if item.strip()]


class Assignment(db.Model):
    """A household followed by an association, decided by a named person."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id"), index=True)
    #: The score terms shown to the operator when deciding (JSON text).
    suggestion: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who ended the follow-up (None: the retention purge or an import), and why.
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(Text)

    association: Mapped[Association] = relationship()
    household = relationship("Household")
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    ended_by = relationship("User", foreign_keys=[ended_by_id])


class Place(db.Model):
    """Where an association receives people (exported to the national places schema)."""

    __tablename__ = "mediation_places"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    address: Mapped[str] = mapped_column(String(200))
    address_complement: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(5))
    commune: Mapped[str] = mapped_column(String(100))
    insee_code: Mapped[str | None] = mapped_column(String(5))
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    #: Opening hours in the OpenStreetMap syntax ("Mo-Fr 09:00-12:00; Sa 10:00-12:00").
    opening_hours: Mapped[str | None] = mapped_column(String(300))
    #: Accessibility in words (step-free access, lift, hearing loop...).
    accessibility: Mapped[str | None] = mapped_column(Text)
    #: Link to the place's acceslibre.beta.gouv.fr record, if any.
    accessibility_url: Mapped[str | None] = mapped_column(String(300))
    mobile: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_on: Mapped[date] = mapped_column(Date)

    association: Mapped[Association] = relationship(back_populates="places")


class CoachingSlot(db.Model):
    """A time a mediator offers for coaching, individual or collective."""

    __tablename__ = "coaching_slots"
    __table_args__ = (Index("ix_coaching_slots_association_start", "association_id",
                            "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id"))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("mediation_places.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    capacity: Mapped[int] = mapped_column(default=1)
    #: A theme code (mediation/choices.THEMES).
    topic: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(12), default="individual")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    association: Mapped[Association] = relationship()
    place: Mapped[Place | None] = relationship()
    bookings: Mapped[list[Booking]] = relationship(back_populates="slot",
                                                   order_by="Booking.id")

    @property
    def ends_at(self) -> datetime:
        return as_utc(self.starts_at) + timedelta(minutes=self.duration_minutes)


class Booking(db.Model):
    """A household's seat in a slot: booked, then attended or absent, or cancelled."""

    __tablename__ = "coaching_bookings"
    __table_args__ = (UniqueConstraint("slot_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("coaching_slots.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="booked")
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    slot: Mapped[CoachingSlot] = relationship(back_populates="bookings")
    household = relationship("Household")


class SessionRecord(db.Model):
    """One coaching session, in the fields of the national activity report of mediators.

    ``household_id`` is set only while the household is assigned to the association: ending
    the assignment cuts it (docs/design.md §3.8); the building stays, for aggregate figures.
    """

    __tablename__ = "session_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("coaching_slots.id"))
    kind: Mapped[str] = mapped_column(String(12))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    duration_minutes: Mapped[int] = mapped_column()
    place_type: Mapped[str] = mapped_column(String(20))
    commune_code: Mapped[str] = mapped_column(String(5))
    #: ``;``-separated theme codes (digital and administrative vocabularies).
    themes: Mapped[str] = mapped_column(Text)
    autonomy: Mapped[str | None] = mapped_column(String(20))
    #: ``;``-separated equipment codes.
    equipment: Mapped[str | None] = mapped_column(Text)
    referral: Mapped[str | None] = mapped_column(String(20))
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    first_session: Mapped[bool] = mapped_column(Boolean, default=False)
    participants: Mapped[int] = mapped_column(default=1)
    age_band: Mapped[str | None] = mapped_column(String(10))
    profile_commune_code: Mapped[str | None] = mapped_column(String(5))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    association: Mapped[Association] = relationship()
    household = relationship("Household")
    slot: Mapped[CoachingSlot | None] = relationship()

    @property
    def theme_list(self) -> list[str]:
        return Association.split(self.themes)

    @property
    def equipment_list(self) -> list[str]:
        return Association.split(self.equipment)
