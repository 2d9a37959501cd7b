"""What the residents' API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from isp.openapi import Resource
from isp.query import Query
from residents import sepa


class SepaRequestQuery(Query):
    """The SEPA requests' filter, on the page (/sepa-requests) and in the API: ``todo`` (new or
    contacted), ``all``, or one status."""

    status: Literal[sepa.FILTERS] = "todo"  # type: ignore[valid-type]


class UsageQuery(Query):
    """The month of a resident's traffic (``YYYY-MM``, default this month)."""

    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$")


# --- responses ---------------------------------------------------------------------------------

class AccountOut(Resource):
    """``account_json``: a resident's account (login, contacts, channels)."""

    id: int
    household_id: int
    login_kind: str
    login: str
    email: str | None
    phone: str | None
    notify_sms: bool
    notify_email: bool
    started_at: str | None
    ended_at: str | None
    ended_reason: str | None
    last_sign_in_at: str | None


class NoticeOut(Resource):
    """``notice_json``: a notice sent (or to send) to a resident."""

    id: int
    household_id: int
    account_id: int
    kind: str
    channel: str
    recipient: str
    subject: str
    text: str
    created_at: str | None
    status: str
    attempts: int
    sent_at: str | None
    error: str | None


class NoticeSettingsOut(Resource):
    """The channels a resident gets notices on, and which are possible."""

    notify_sms: bool
    notify_email: bool
    sms_possible: bool
    email_possible: bool
    login_kind: str
    email: str | None
    phone: str | None


class MyInvoiceOut(Resource):
    """An invoice as its household sees it."""

    number: str | None
    period: str
    status: str
    full_cost_cents: int
    subsidy_cents: int
    total_cents: int
    due_cents: int
    issued_on: str | None
    due_on: str | None


class MyTicketOut(Resource):
    """A ticket as its household sees it (the problem and the status in words)."""

    number: str
    category: str
    problem: str
    status: str
    status_words: str
    opened_at: str | None


class MySlotOut(Resource):
    """A coaching slot of the household's association."""

    id: int
    starts_at: str | None
    ends_at: str | None
    duration_minutes: int
    topic: str | None
    association_code: str
    place: str | None


class MySlotsOut(Resource):
    """The coming slots with a seat left (at most 50)."""

    items: list[MySlotOut]
    total: int
    page: int
    per_page: int


class MyBookingOut(Resource):
    """A booking and its slot."""

    id: int
    slot: MySlotOut
    status: str


class UsageDayOut(Resource):
    day: str
    download_octets: int
    upload_octets: int


class MyUsageOut(Resource):
    """A month's traffic by day."""

    month: str
    download_octets: int
    upload_octets: int
    items: list[UsageDayOut]
    total: int
    page: int
    per_page: int


class MyMandateOut(Resource):
    """A mandate the household gave, as the household sees it."""

    id: int
    mediator: str | None
    association_code: str
    scopes: list[str]
    starts_on: str | None
    ends_on: str | None
    consent_method: str
    status: str
    end_reason: str | None


class MyMandatesOut(Resource):
    items: list[MyMandateOut]
    total: int
    page: int
    per_page: int


class MySepaRequestOut(Resource):
    """A request to pay by direct debit, as recorded."""

    id: int
    requested_at: str | None
    status: str


class MandateOut(Resource):
    """``api_mandates.mandate_json``: who may act for a household, for what, until when."""

    id: int
    household_id: int
    association_code: str
    scopes: list[str]
    starts_on: str
    ends_on: str
    consent_method: str
    consent_reference: str | None
    status: str
    end_reason: str | None


class MandatesOut(Resource):
    items: list[MandateOut]
    total: int
    page: int
    per_page: int


class BillingMandateOut(Resource):
    reference: str
    signed_on: str


class SepaRequestOut(Resource):
    """``sepa.request_json``: a request and the household's billing mandate in force."""

    id: int
    household_id: int
    status: str
    requested_at: str | None
    note: str | None
    staff_note: str | None
    updated_at: str | None
    handled_at: str | None
    billing_mandate: BillingMandateOut | None

