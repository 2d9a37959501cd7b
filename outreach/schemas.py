"""What the outreach API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from isp.openapi import Resource
from isp.query import Query
from outreach.choices import RequestStatus


class RequestQueueQuery(Query):
    """The queue's filters, on the page (/demandes) and in the API (/api/v1/requests):
    ``district`` is a district code or ``none`` (district unknown)."""

    status: RequestStatus | None = None
    district: str | None = Field(None, max_length=30)
    q: str | None = Field(None, max_length=200)


# --- responses ---------------------------------------------------------------------------------

class SubmittedOut(Resource):
    """A request received (201), or a support added to the same address's request (200)."""

    reference: str | None
    outcome: Literal["created", "supported"]


class RequestEventOut(Resource):
    at: str | None
    by: str | None
    kind: str
    from_: str | None = Field(alias="from")
    to: str | None
    reason: str | None


class ServiceRequestOut(Resource):
    """``request_json``: a public request for the service; one request adds the contact and
    the history (``with_contact``)."""

    reference: str | None
    status: str
    requester_kind: str
    street: str
    postcode: str
    commune: str
    district_code: str | None
    flats: int
    supporters: int
    channel: str
    refusal_reason: str | None
    created_at: str | None
    status_changed_at: str | None
    requester_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    consent_at: str | None = None
    contact_cleared_at: str | None = None
    history: list[RequestEventOut] | None = None
