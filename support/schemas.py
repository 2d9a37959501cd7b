"""What the support API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from pydantic import Field

from isp.openapi import Resource
from isp.query import Query
from support.choices import TicketCategory, TicketSource, TicketStatus
from support.queries import TicketFilters


class TicketQuery(Query):
    """The ticket list's filters, on the page (/tickets) and in the API (/api/v1/tickets)."""

    status: TicketStatus | None = None
    source: TicketSource | None = None
    category: TicketCategory | None = None
    building: str | None = Field(None, max_length=30)
    #: ``me``, ``none`` or a user id.
    assignee: str | None = Field(None, max_length=20)
    q: str | None = Field(None, max_length=200)
    overdue: bool = False

    def filters(self) -> TicketFilters:
        return TicketFilters(status=self.status, source=self.source, category=self.category,
                             building_code=self.building, assignee=self.assignee, search=self.q,
                             overdue_only=self.overdue)


# --- responses ---------------------------------------------------------------------------------

class TicketOut(Resource):
    """``ticket_json``: a ticket (mediators: no device)."""

    number: str
    source: str
    status: str
    category: str
    priority: str
    subject: str
    subject_code: str | None
    household_id: int | None
    unit_code: str | None
    device_hostname: str | None
    affected_units: list[str]
    opened_at: str | None
    resolved_at: str | None
    sla_due_at: str | None
    assignee: str | None
    outage_duration_s: int | None


class TicketEventOut(Resource):
    """``event_json``: one step of a ticket's timeline."""

    at: str | None
    kind: str
    actor: str | None
    from_: str | None = Field(alias="from")
    to: str | None
    body: str | None


class TicketDetailOut(TicketOut):
    """One ticket with its timeline."""

    events: list[TicketEventOut]
