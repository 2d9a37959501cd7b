"""The published figures of districts and buildings: no personal data, read by several domains.

Public statistics imported per district (the MedNum fragility index, INSEE shares) and the
monthly aggregates evaluation computes per building and district. They live with the districts
they describe, below every domain that reads them (outreach's map, evaluation's dashboards);
evaluation writes them (``evaluation.imports``, ``evaluation.aggregates``). The reads are in
``subscribers.published_figures``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint
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
                      Index("ix_evaluation_monthly_refreshed_at", "refreshed_at"),
                      # A month's figures by level and metric, and the latest month (0032).
                      Index("ix_evaluation_monthly_period_level_metric",
                            "period", "level", "metric", "code"))

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
