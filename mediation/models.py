"""Associations that coach residents, and the assignment of households to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
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

    association: Mapped[Association] = relationship()
    household = relationship("Household")
    decided_by = relationship("User")
