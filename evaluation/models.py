"""Evaluation keeps no personal table: indicators per district and saved scenarios."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db


class DistrictIndicator(db.Model):
    """A published figure about a district (fragility index, poverty rate...), with its source."""

    __tablename__ = "district_indicators"
    __table_args__ = (UniqueConstraint("district_id", "indicator", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(60))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column()

    district = relationship("District")
