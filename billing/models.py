"""Tariffs, eligibility decisions, invoices, payments and the social dunning path."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.choices import FslDecision, InvoiceStatus, ReductionState
from billing.reasons import reason_text
from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime


class Plan(db.Model):
    """A service offer (speeds); the reduced speeds apply during a dunning reduction."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    down_kbps: Mapped[int] = mapped_column()
    up_kbps: Mapped[int] = mapped_column()
    reduced_down_kbps: Mapped[int] = mapped_column()
    reduced_up_kbps: Mapped[int] = mapped_column()
    description: Mapped[str | None] = mapped_column(Text)


class Tier(db.Model):
    """A social tariff tier with its plain-language rule; the price lives in ``TierPrice``."""

    __tablename__ = "tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    #: Shown to the household and on decisions ("a decision helped by an algorithm explains").
    rule_text: Mapped[str] = mapped_column(Text)
    #: Lower first; the suggestion takes the first tier whose rule matches.
    position: Mapped[int] = mapped_column(default=0)
    #: Receiving RSA, ASS, AAH or CSS is enough for this tier.
    covers_minima: Mapped[bool] = mapped_column(default=False)
    #: Highest CAF quotient familial (euros) of this tier; None: no ceiling.
    qf_max_euros: Mapped[int | None] = mapped_column()

    prices: Mapped[list[TierPrice]] = relationship(back_populates="tier",
                                                   order_by="TierPrice.valid_from")


class TierPrice(db.Model):
    """A tier's monthly price from a period on: past invoices keep their price."""

    __tablename__ = "tier_prices"
    __table_args__ = (UniqueConstraint("tier_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tier_id: Mapped[int] = mapped_column(ForeignKey("tiers.id"), index=True)
    #: First day of the first billed month at this price.
    valid_from: Mapped[date] = mapped_column()
    #: TTC, integer cents per month.
    price_cents: Mapped[int] = mapped_column()
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tier: Mapped[Tier] = relationship(back_populates="prices")


class EligibilityDecision(db.Model):
    """The evidence seen, the tier suggested with its reasons, and the tier a person decided."""

    __tablename__ = "eligibility_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    evidence_type: Mapped[str] = mapped_column(String(10))
    #: A reference (attestation number, CAF file number), never the document itself.
    evidence_reference: Mapped[str | None] = mapped_column(String(80))
    #: Euros, for CAF quotient familial evidence.
    quotient_familial: Mapped[int | None] = mapped_column()
    evidence_valid_until: Mapped[date | None] = mapped_column()
    suggested_tier: Mapped[str] = mapped_column(String(10))
    #: The suggestion's reasons, one per line, in plain French (the record of what was shown).
    suggestion_reasons: Mapped[str] = mapped_column(Text)
    #: The same reasons as [code, figures] pairs, written in the reader's language on display
    #: (``billing.reasons.reason_text``); empty on decisions older than issue 18.
    suggestion_terms: Mapped[list | None] = mapped_column(JSON)
    decided_tier: Mapped[str] = mapped_column(String(10))
    #: Required when the decided tier differs from the suggestion.
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_on: Mapped[date] = mapped_column()
    valid_until: Mapped[date] = mapped_column(index=True)

    decided_by = relationship("User")
    household = relationship("Household")

    @property
    def reasons(self) -> list[str]:
        if self.suggestion_terms:
            return [reason_text(code, params) for code, params in self.suggestion_terms]
        return [line for line in self.suggestion_reasons.splitlines() if line]


class NumberCounter(db.Model):
    """The last number of a series (``FA-2026``); its row is locked while numbers are given."""

    __tablename__ = "number_counters"

    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class BillingRun(db.Model):
    """One preparation or issue of a month's invoices, with its counts."""

    __tablename__ = "billing_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    #: prepare | issue
    kind: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invoices_count: Mapped[int] = mapped_column(default=0)
    lines_count: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)
    total_cents: Mapped[int] = mapped_column(default=0)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    actor = relationship("User")


class Invoice(db.Model):
    """A household's invoice for one month; a draft until issued, then immutable."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("household_id", "period"),
                      Index("ix_invoices_period_status", "period", "status"),
                      # The lists' order (invoices_query), read backwards: a page without
                      # sorting a whole month (migration 0031, issue 23.3).
                      Index("ix_invoices_period_number_id", "period", "number", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: FA-YYYY-NNNNNN, given when issued.
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(20), default=InvoiceStatus.DRAFT)
    #: TTC, integer cents: what the household pays.
    total_cents: Mapped[int] = mapped_column(default=0)
    #: VAT included in total_cents.
    vat_cents: Mapped[int] = mapped_column(default=0)
    #: The full cost of the service over the billed days (before the public subsidy).
    full_cost_cents: Mapped[int] = mapped_column(default=0)
    #: Cents of money or credit notes allocated to this invoice (kept for fast balances).
    paid_cents: Mapped[int] = mapped_column(default=0)
    issued_on: Mapped[date | None] = mapped_column()
    due_on: Mapped[date | None] = mapped_column(index=True)
    #: Holder name and flat as at issue: the invoice does not change when the household does.
    holder_name: Mapped[str | None] = mapped_column(String(120))
    unit_code: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    household = relationship("Household")
    lines: Mapped[list[InvoiceLine]] = relationship(back_populates="invoice",
                                                    order_by="InvoiceLine.id")
    #: One line per option held in the month (billing/models_options.py).
    option_lines = relationship("InvoiceOptionLine", back_populates="invoice",
                                order_by="InvoiceOptionLine.id")

    @hybrid_property
    def subsidy_cents(self) -> int:
        """The subsidy (full cost less what the household pays); an SQL column too."""
        return self.full_cost_cents - self.total_cents

    @property
    def due_cents(self) -> int:
        return self.total_cents - self.paid_cents


class InvoiceLine(db.Model):
    """One subscription's days in the month; unique per (subscription, period)."""

    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("subscription_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    period: Mapped[str] = mapped_column(String(7))
    tier: Mapped[str] = mapped_column(String(10))
    plan_code: Mapped[str] = mapped_column(String(30))
    days: Mapped[int] = mapped_column()
    days_in_month: Mapped[int] = mapped_column()
    #: The tier's monthly price for the period (TTC cents).
    unit_price_cents: Mapped[int] = mapped_column()
    amount_cents: Mapped[int] = mapped_column()
    full_cost_cents: Mapped[int] = mapped_column(default=0)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class CreditNote(db.Model):
    """AV-YYYY-NNNNNN: corrects an issued invoice or records an FSL write-off."""

    __tablename__ = "credit_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount_cents: Mapped[int] = mapped_column()
    vat_cents: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invoice: Mapped[Invoice] = relationship()


class Payment(db.Model):
    """Money received from or for a household."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    amount_cents: Mapped[int] = mapped_column()
    method: Mapped[str] = mapped_column(String(20))
    received_on: Mapped[date] = mapped_column()
    reference: Mapped[str | None] = mapped_column(String(80))
    #: Part not yet allocated to an invoice: the household's credit.
    unallocated_cents: Mapped[int] = mapped_column(default=0)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    allocations: Mapped[list[Allocation]] = relationship(back_populates="payment")


class Allocation(db.Model):
    """Part of a payment or credit note settling part of an invoice."""

    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("credit_notes.id"))
    amount_cents: Mapped[int] = mapped_column()
    allocated_on: Mapped[date] = mapped_column()

    payment: Mapped[Payment | None] = relationship(back_populates="allocations")
    invoice: Mapped[Invoice] = relationship()


class PaymentPlan(db.Model):
    """An agreed schedule (échéancier); while it runs, dunning waits and any reduction is lifted."""

    __tablename__ = "payment_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    agreed_on: Mapped[date] = mapped_column()
    monthly_cents: Mapped[int] = mapped_column()
    months: Mapped[int] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    ended_on: Mapped[date | None] = mapped_column()
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class FslRequest(db.Model):
    """A housing-solidarity-fund aid request; every escalation waits while it is pending."""

    __tablename__ = "fsl_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    filed_on: Mapped[date] = mapped_column()
    decision: Mapped[str] = mapped_column(String(10), default=FslDecision.PENDING)
    decided_on: Mapped[date | None] = mapped_column()
    amount_cents: Mapped[int | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class DunningStep(db.Model):
    """One step of the social dunning path for a household's oldest unpaid invoice."""

    __tablename__ = "dunning_steps"
    __table_args__ = (Index("ix_dunning_steps_household_kind", "household_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    kind: Mapped[str] = mapped_column(String(20))
    on: Mapped[date] = mapped_column()
    days_overdue: Mapped[int] = mapped_column(default=0)
    debt_cents: Mapped[int] = mapped_column(default=0)
    #: Letter/SMS text generated for the household (reminder, referral).
    text: Mapped[str | None] = mapped_column(Text)
    #: For reductions: proposed | applied | rejected | lifted | withdrawn.
    state: Mapped[str | None] = mapped_column(String(12))
    #: For postponements: no new step before this day.
    postponed_until: Mapped[date | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)
    association_id: Mapped[int | None] = mapped_column(ForeignKey("associations.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_on: Mapped[date | None] = mapped_column()

    household = relationship("Household")
    decided_by = relationship("User")

    @property
    def is_pending_reduction(self) -> bool:
        return self.state == ReductionState.PROPOSED


class SepaMandate(db.Model):
    """A household's SEPA direct-debit mandate (IBAN validated when recorded)."""

    __tablename__ = "sepa_mandates"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    reference: Mapped[str] = mapped_column(String(35), unique=True)
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    account_holder: Mapped[str] = mapped_column(String(70))
    signed_on: Mapped[date] = mapped_column()
    revoked_on: Mapped[date | None] = mapped_column()
