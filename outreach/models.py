"""Public requests for the service, their history, and the districts' contours."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime


class ServiceRequest(db.Model):
    """Someone asks for the service for an address or a building (public form or API).

    The contact (name, e-mail, phone) is personal data: kept while the request is handled,
    cleared by the retention purge (``outreach.retention``); the address, the number of flats
    and the district stay for the demand signal.
    """

    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Shown on the acknowledgement: ``DS-`` and the id on 6 digits.
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    #: ``outreach.choices.RequesterKind``.
    requester_kind: Mapped[str] = mapped_column(String(20))
    requester_name: Mapped[str | None] = mapped_column(String(120))
    street: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(5))
    commune: Mapped[str] = mapped_column(String(80))
    #: The normalised address (``services.address_key``): duplicates are found on it.
    address_key: Mapped[str] = mapped_column(String(300), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    flats: Mapped[int] = mapped_column()
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: ``outreach.choices.RequestStatus``.
    status: Mapped[str] = mapped_column(String(10), default="new", index=True)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    #: Later submissions for the same address (each one is a supporter, nothing stored).
    supporters: Mapped[int] = mapped_column(default=0)
    #: ``form`` or ``api``.
    channel: Mapped[str] = mapped_column(String(10), default="form")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    contact_cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    district = relationship("District")
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan")

    @property
    def demand(self) -> int:
        """The request and its supporters."""
        return 1 + (self.supporters or 0)


class RequestEvent(db.Model):
    """One step of a request's life: created, supported, status or district changed."""

    __tablename__ = "service_request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id",
                                                       ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: ``created``, ``supported``, ``status``, ``district``, ``contact_cleared``.
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Who, as written at the time (a deleted user stays named); the public: ``public``.
    actor_email: Mapped[str] = mapped_column(String(254))
    from_value: Mapped[str | None] = mapped_column(String(120))
    to_value: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)

    request: Mapped[ServiceRequest] = relationship(back_populates="events")


class DistrictContour(db.Model):
    """A district's outline (GeoJSON geometry, WGS84), from ``isp import district-contours``."""

    __tablename__ = "district_contours"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), unique=True)
    #: A GeoJSON ``Polygon`` or ``MultiPolygon`` geometry, as JSON text.
    geometry: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by: Mapped[str | None] = mapped_column(String(254))

    district = relationship("District")
