"""Districts, buildings, flats, households and their subscriptions."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from sqlalchemy import DDL, ForeignKey, Index, String, Text, event, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime
from subscribers.choices import BuildingStatus, SubscriptionStatus

# The searches "name or flat contains ..." (ILIKE '%...%') use trigram indexes on PostgreSQL;
# its pg_trgm extension must exist before them (the migration creates it too). SQLite ignores
# the GIN options and builds plain indexes.
event.listen(db.metadata, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


def trigram_index(name: str, column: str) -> Index:
    """A GIN trigram index on PostgreSQL (for ILIKE '%text%'), a plain index elsewhere."""
    return Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


def search_text(*parts: str | None) -> str:
    """Lower-case text without accents, for "contains" searches: "Traoré" is found by "traore".

    Both the stored keys and the searched words go through it, so the database compares with
    a plain LIKE (case-sensitive, several times cheaper than ILIKE) and SQLite and PostgreSQL
    agree on accents.
    """
    decomposed = unicodedata.normalize("NFKD", " ".join(part for part in parts if part))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


class District(db.Model):
    """A district (quartier), often a priority district (QPV) of the metropolis."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    commune: Mapped[str] = mapped_column(String(80))
    qpv_code: Mapped[str | None] = mapped_column(String(20))
    #: INSEE IRIS code, to join the digital fragility index (MedNum) which is per IRIS.
    iris_code: Mapped[str | None] = mapped_column(String(12))
    households_count: Mapped[int | None] = mapped_column()

    buildings: Mapped[list[Building]] = relationship(back_populates="district")


class Building(db.Model):
    """A social-housing building served (or considered) by the offer."""

    __tablename__ = "buildings"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(10))
    commune: Mapped[str] = mapped_column(String(80))
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    landlord: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default=BuildingStatus.CANDIDATE)

    district: Mapped[District] = relationship(back_populates="buildings")
    units: Mapped[list[Unit]] = relationship(back_populates="building", order_by="Unit.code")


class Unit(db.Model):
    """A flat; it keeps its history across tenants."""

    __tablename__ = "units"
    __table_args__ = (trigram_index("ix_units_code_trgm", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    staircase: Mapped[str] = mapped_column(String(10))
    floor: Mapped[int] = mapped_column()
    door: Mapped[str] = mapped_column(String(10))

    building: Mapped[Building] = relationship(back_populates="units")
    households: Mapped[list[Household]] = relationship(back_populates="unit")


def needs_of(needs: str | None) -> list[str]:
    """The needs a household's ``needs`` column lists (``;``-separated), for plain rows too."""
    return [need for need in (needs or "").split(";") if need]


class Household(db.Model):
    """The people living in a flat between move-in and move-out (personal data)."""

    __tablename__ = "households"
    __table_args__ = (Index("ix_households_unit_current", "unit_id", "moved_out_on"),
                      Index("ix_households_by_flat", "unit_code", "id"),
                      trigram_index("ix_households_search_key_trgm", "search_key"),
                      # the lists' count of current households reads this narrow index, not
                      # the table (issue 23.3: 100,000 households)
                      Index("ix_households_current", "id",
                            postgresql_where=text("moved_out_on IS NULL"),
                            sqlite_where=text("moved_out_on IS NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    #: The flat's code, copied at move-in (a household keeps its flat, a flat its code): the
    #: lists sort households by flat along one index instead of joining every flat.
    unit_code: Mapped[str] = mapped_column(String(30))
    holder_name: Mapped[str] = mapped_column(String(120))
    #: ``search_text`` of the holder's name and the flat's code, kept by the events below.
    search_key: Mapped[str] = mapped_column(String(200))
    other_members: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))
    size: Mapped[int | None] = mapped_column()
    #: ISO 639 code of the preferred language.
    language: Mapped[str] = mapped_column(String(5), default="fr")
    #: Coaching needs, ``;``-separated codes of ``subscribers.choices.COACHING_NEEDS``.
    needs: Mapped[str | None] = mapped_column(Text)
    consent_on: Mapped[date | None] = mapped_column()
    moved_in_on: Mapped[date] = mapped_column()
    moved_out_on: Mapped[date | None] = mapped_column()
    #: Set when identity was removed under the retention rules.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="households")
    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="household", order_by="Subscription.id")

    @property
    def needs_list(self) -> list[str]:
        return needs_of(self.needs)

    @property
    def is_current(self) -> bool:
        return self.moved_out_on is None


@event.listens_for(Household, "before_insert")
def _household_keys_on_insert(_mapper, connection, household: Household) -> None:
    if household.unit_code is None:
        household.unit_code = (household.unit.code if household.unit is not None else
                               connection.scalar(select(Unit.code)
                                                 .where(Unit.id == household.unit_id)))
    household.search_key = search_text(household.holder_name, household.unit_code)


@event.listens_for(Household, "before_update")
def _household_keys_on_update(_mapper, _connection, household: Household) -> None:
    # The name may have changed (a correction, or anonymisation, which must leave no trace).
    household.search_key = search_text(household.holder_name, household.unit_code)


class Subscription(db.Model):
    """A household's internet service on its flat."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    #: Code of the plan (billing.Plan.code).
    plan_code: Mapped[str] = mapped_column(String(30), default="SOLIDAIRE-1G")
    #: Tariff tier code (billing.Tier.code), decided by a person.
    tier: Mapped[str] = mapped_column(String(10), default="T3")
    status: Mapped[str] = mapped_column(String(20), default=SubscriptionStatus.PENDING,
                                        index=True)
    activated_on: Mapped[date | None] = mapped_column()
    terminated_on: Mapped[date | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Household] = relationship(back_populates="subscriptions")
    unit: Mapped[Unit] = relationship()


class SubscriptionEvent(db.Model):
    """One change of a subscription: who, when, why (the household's history)."""

    __tablename__ = "subscription_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)

    actor = relationship("User")
