"""The catalogue of options (docs/catalogue.md): what a subscription may add to its plan.

An option has a monthly price (TTC cents), a subsidy per tier (the tiers without a rule may not
take it) and, when it touches the switch, a VLAN or a named port policy. A subscription carries
options over dated periods; each month's run bills one line per subscription, option and month.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime


class ServiceOption(db.Model):
    """An option of the catalogue (fixed telephony, free DTT channels, video on demand)."""

    __tablename__ = "service_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    #: The full monthly price, TTC, integer cents (before the tier's subsidy).
    monthly_price_cents: Mapped[int] = mapped_column()
    #: none | vlan | policy (billing.options.SWITCH_NEEDS)
    switch_need: Mapped[str] = mapped_column(String(10), default="none")
    #: The VLAN the port carries for the option (switch_need "vlan").
    vlan_id: Mapped[int | None] = mapped_column()
    #: The named port policy the option attaches (switch_need "policy").
    policy_name: Mapped[str | None] = mapped_column(String(40))
    #: A retired option is taken by nobody new; subscriptions holding it keep it.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rules: Mapped[list[OptionTierRule]] = relationship(
        back_populates="option", order_by="OptionTierRule.tier", cascade="all, delete-orphan")

    def rule_for(self, tier: str) -> OptionTierRule | None:
        return next((rule for rule in self.rules if rule.tier == tier), None)


class OptionTierRule(db.Model):
    """A tier may take the option, with this subsidy: a fixed amount a month or a share."""

    __tablename__ = "option_tier_rules"
    __table_args__ = (UniqueConstraint("option_id", "tier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("service_options.id"))
    #: Tier code (billing.Tier.code).
    tier: Mapped[str] = mapped_column(String(10))
    #: cents | percent
    subsidy_kind: Mapped[str] = mapped_column(String(10), default="cents")
    #: Cents a month, or a percentage of the price (0-100).
    subsidy_value: Mapped[int] = mapped_column(default=0)

    option: Mapped[ServiceOption] = relationship(back_populates="rules")


class SubscriptionOption(db.Model):
    """A subscription holds an option from ``starts_on`` until the day before ``ends_on``."""

    __tablename__ = "subscription_options"
    __table_args__ = (Index("ix_subscription_options_subscription_option", "subscription_id",
                            "option_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    option_id: Mapped[int] = mapped_column(ForeignKey("service_options.id"), index=True)
    starts_on: Mapped[date] = mapped_column()
    #: First day without the option (as ``Subscription.terminated_on``); None: still held.
    ends_on: Mapped[date | None] = mapped_column()
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    option: Mapped[ServiceOption] = relationship()
    subscription = relationship("Subscription")


class InvoiceOptionLine(db.Model):
    """One option's days of one subscription in one month; unique per (subscription, option,
    period), so a re-run bills nothing twice."""

    __tablename__ = "invoice_option_lines"
    __table_args__ = (UniqueConstraint("subscription_id", "option_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    option_id: Mapped[int] = mapped_column(ForeignKey("service_options.id"))
    period: Mapped[str] = mapped_column(String(7))
    #: Code, name and tier as billed: the invoice does not change when the catalogue does.
    option_code: Mapped[str] = mapped_column(String(30))
    option_name: Mapped[str] = mapped_column(String(120))
    tier: Mapped[str] = mapped_column(String(10))
    days: Mapped[int] = mapped_column()
    days_in_month: Mapped[int] = mapped_column()
    #: The option's full monthly price (TTC cents).
    unit_price_cents: Mapped[int] = mapped_column()
    #: The tier's monthly subsidy of it (cents, before proration).
    monthly_subsidy_cents: Mapped[int] = mapped_column(default=0)
    #: What the household pays for the days (its share), TTC cents.
    amount_cents: Mapped[int] = mapped_column()
    #: The full price for the days.
    full_cost_cents: Mapped[int] = mapped_column(default=0)

    invoice = relationship("Invoice", back_populates="option_lines")

    @hybrid_property
    def subsidy_cents(self) -> int:
        """The subsidy (full cost less the household's share); an SQL column too."""
        return self.full_cost_cents - self.amount_cents
