"""What the billing API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from pydantic import Field

from billing.choices import InvoiceStatus
from isp.openapi import Resource
from isp.query import Query

#: A month ``YYYY-MM``.
PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class InvoiceQuery(Query):
    """The invoice list's filters, on the page (/invoices) and in the API (/api/v1/invoices)."""

    period: str | None = Field(None, pattern=PERIOD_PATTERN)
    status: InvoiceStatus | None = None
    building: str | None = Field(None, max_length=30)
    q: str | None = Field(None, max_length=200)

    def filters(self) -> dict:
        """The keyword arguments of ``invoices_query``."""
        return {"period": self.period, "status": self.status, "building_code": self.building,
                "search": self.q}


# --- responses ---------------------------------------------------------------------------------

class InvoiceLineOut(Resource):
    subscription_id: int | None
    tier: str
    days: int
    amount_cents: int


class InvoiceOptionLineOut(Resource):
    """One option's line: its share (amount) and the tier's subsidy."""

    subscription_id: int | None
    option_code: str
    tier: str
    days: int
    unit_price_cents: int
    full_cost_cents: int
    subsidy_cents: int
    amount_cents: int


class InvoiceOut(Resource):
    """``invoice_json``: an invoice with its lines."""

    number: str | None
    household_id: int
    unit_code: str
    period: str
    total_cents: int
    vat_cents: int
    full_cost_cents: int
    subsidy_cents: int
    paid_cents: int
    issued_on: str | None
    due_on: str | None
    status: str
    lines: list[InvoiceLineOut]
    option_lines: list[InvoiceOptionLineOut]


class NextStepOut(Resource):
    """``next_step_json``: a household's next dunning step (kind reminder|referral|reduction|
    approval|lift|end; hold fsl|plan|postponed|null)."""

    household_id: int
    invoice_number: str | None
    due_on: str | None
    days_overdue: int
    kind: str
    on: str | None
    hold: str | None
    hold_until: str | None
    approvable_from: str | None


class BalanceOut(Resource):
    """A household's balance and its next dunning step."""

    household_id: int
    invoiced_cents: int
    credited_cents: int
    paid_cents: int
    due_cents: int
    overdue_cents: int
    credit_cents: int
    balance_cents: int
    next_dunning_step: NextStepOut | None


class PaymentOut(Resource):
    """A recorded payment and the household's balance after it."""

    id: int
    household_id: int
    amount_cents: int
    method: str
    received_on: str
    unallocated_cents: int
    balance_cents: int


class TierPriceOut(Resource):
    valid_from: str
    monthly_price_cents: int


class TariffOut(Resource):
    """``tariff_json``: a tier, its price this month and next, and its price history."""

    tier: str
    label: str
    rule_text: str | None
    monthly_price_cents: int | None
    prices: list[TierPriceOut]
    next_month_price_cents: int | None


class TierCountOut(Resource):
    tier: str
    lines: int
    amount_cents: int


class OptionCountOut(Resource):
    option_code: str
    lines: int
    amount_cents: int
    subsidy_cents: int


class AnomalyOut(Resource):
    kind: str
    household_id: int | None
    text: str


class ReviewOut(Resource):
    """``review_json``: a month's drafts to review."""

    period: str
    drafts: int
    total_cents: int
    zero_total: int
    issued: int
    previous_count: int
    previous_total_cents: int
    by_tier: list[TierCountOut]
    by_option: list[OptionCountOut]
    anomalies: list[AnomalyOut]


class PreparedOut(Resource):
    """A month's drafts prepared (201 when some were, 200 when none were left to prepare)."""

    prepared: int
    lines: int
    review: ReviewOut


class IssuedOut(Resource):
    """A month's drafts issued and numbered."""

    period: str
    issued: int
    total_cents: int
    first_number: str | None
    last_number: str | None


class OptionTierOut(Resource):
    """An option's subsidy for one tier, and what the household pays."""

    tier: str
    subsidy_kind: str
    subsidy_value: int
    monthly_subsidy_cents: int
    monthly_share_cents: int


class OptionOut(Resource):
    """``options.option_json``: a service option of the catalogue."""

    code: str
    name: str
    description: str | None
    monthly_price_cents: int
    switch_need: str | None
    vlan_id: int | None
    policy_name: str | None
    active: bool
    tiers: list[OptionTierOut]


class HeldOptionOut(Resource):
    """``options.held_json``: an option a subscription holds."""

    id: int
    subscription_id: int
    option_code: str
    option_name: str
    starts_on: str
    ends_on: str | None


class PlanOut(Resource):
    """``plan_json``: a plan and its speeds."""

    code: str
    name: str
    description: str | None
    down_kbps: int
    up_kbps: int
    reduced_down_kbps: int
    reduced_up_kbps: int
