"""Evaluation keeps no personal table: its saved scenarios.

The district indicators and the monthly aggregates it writes are published figures, read by
other domains too: they live in ``subscribers.models_figures``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime


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
