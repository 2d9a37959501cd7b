"""Evaluation keeps no personal table: indicators per district, aggregates and saved scenarios."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime


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


class EvaluationMonthly(db.Model):
    """One precomputed figure of one building or district for one month (no personal data).

    ``households`` is the number of households the figure rests on; the small-cell rule reads it.
    Dashboards and open data read this table only, never the raw usage.
    """

    __tablename__ = "evaluation_monthly"
    __table_args__ = (UniqueConstraint("level", "code", "period", "metric"),
                      Index("ix_evaluation_monthly_level_period", "level", "period"),
                      Index("ix_evaluation_monthly_refreshed_at", "refreshed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``building`` or ``district``.
    level: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(20))
    #: ``YYYY-MM``.
    period: Mapped[str] = mapped_column(String(7))
    metric: Mapped[str] = mapped_column(String(80))
    value: Mapped[float | None] = mapped_column(Float)
    households: Mapped[int | None] = mapped_column()
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Scenario(db.Model):
    """A saved expansion scenario: its assumptions and the results computed from them."""

    __tablename__ = "evaluation_scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    #: ``;``-separated building codes when the scenario is a list of buildings.
    building_codes: Mapped[str | None] = mapped_column(Text)
    #: JSON: every assumption, with where its default came from.
    assumptions: Mapped[str] = mapped_column(Text)
    #: JSON: the computed results.
    results: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    district = relationship("District")
