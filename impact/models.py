"""Answers to the impact questions: one row per household and stage (t0, 6 and 12 months)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime


class ImpactAnswer(db.Model):
    """What a household answered at one stage, with the figures the system had then.

    Personal data: it follows the household's retention. When the household is anonymised
    the link (``household_id``) is cut and the answers stay, with the building and the
    connection date, for the aggregates only (as mediation keeps a session's building).
    """

    __tablename__ = "impact_answers"
    __table_args__ = (UniqueConstraint("household_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    #: ``impact.choices.Stage``.
    stage: Mapped[str] = mapped_column(String(5))
    answered_on: Mapped[date] = mapped_column(Date)
    #: The household's connection date when answered (kept for cohorts after the link is cut).
    connected_on: Mapped[date | None] = mapped_column(Date)
    #: t0: had a home connection before subscribing; follow-ups: has one now (ours or other).
    home_connection: Mapped[bool] = mapped_column(Boolean)
    #: Monthly cost of that home connection, cents (None when there is none).
    monthly_cost_cents: Mapped[int | None] = mapped_column()
    #: ``;``-separated codes of ``impact.choices.DEVICES``.
    devices: Mapped[str] = mapped_column(Text, default="")
    #: ``mediation.choices.AUTONOMY_LEVELS`` (t0: at the first coaching session), if known.
    autonomy: Mapped[str | None] = mapped_column(String(20))
    # Figures the system already had when a follow-up was recorded (None at t0): usage of the
    # last whole month (network) and coaching received since the connection (mediation).
    usage_month: Mapped[str | None] = mapped_column(String(7))
    usage_octets: Mapped[int | None] = mapped_column(BigInteger)
    sessions_count: Mapped[int | None] = mapped_column()
    bookings_count: Mapped[int | None] = mapped_column()
    attended_count: Mapped[int | None] = mapped_column()
    #: Who recorded it: operator, mediator (with the household) or resident (their space).
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_role: Mapped[str] = mapped_column(String(10))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    household = relationship("Household")
    building = relationship("Building")
    recorded_by = relationship("User")

    @property
    def device_list(self) -> list[str]:
        return [code for code in (self.devices or "").split(";") if code]
