"""The former single billing service, now split along its seams (issue 17.4): a re-export.

New code imports the module that holds the function:

- ``billing.tariffs``: plans, tiers and their prices (``ensure_default_grid``, ``get_tier``,
  ``prices_for_period``, ``set_tier_price``, ``plan_speeds_kbps``, ``create_plan``, …);
- ``billing.runs``: the month's run (``prepare_invoices``, ``issue_invoices``,
  ``discard_drafts``, ``check_period``);
- ``billing.invoices``: invoice lookup and lists, credit notes (``issue_credit_note``);
- ``billing.accounts``: a household's account (locks, ``allocate``, ``balance``,
  ``statement``, ``overdue_cents``);
- ``billing.payments``: ``record_payment`` and the overpayment guard;
- ``billing.reports``: the review before issuing, the evaluation's figures.

This module stays because some sixty call sites in other domains and their tests
(``from billing import services``) use it; it defines nothing.
"""

from __future__ import annotations

from billing.accounts import (
    Balance,
    StatementEntry,
    allocate,
    balance,
    credited_cents,
    lock_account,
    lock_invoice,
    overdue_cents,
    statement,
)
from billing.invoices import get_invoice, invoices_query, issue_credit_note
from billing.payments import OVERPAYMENT_MARGIN_CENTS, overpayment_limit_cents, record_payment
from billing.reports import Review, billing_figures, review
from billing.runs import (
    DUE_DAYS,
    IssueResult,
    RunResult,
    check_period,
    discard_drafts,
    issue_invoices,
    prepare_invoices,
)
from billing.tariffs import (
    DEFAULT_PLAN,
    DEFAULT_TIERS,
    MAX_TIER_PRICE_CENTS,
    PlanSpeeds,
    create_plan,
    ensure_default_grid,
    get_plan,
    get_tier,
    plan_speeds_kbps,
    price_on,
    prices_for_period,
    set_tier_price,
    tiers,
    update_plan,
    update_tier,
)

__all__ = [
    "DEFAULT_PLAN", "DEFAULT_TIERS", "DUE_DAYS", "MAX_TIER_PRICE_CENTS",
    "OVERPAYMENT_MARGIN_CENTS", "Balance", "IssueResult", "PlanSpeeds", "Review", "RunResult",
    "StatementEntry", "allocate", "balance", "billing_figures", "check_period", "create_plan",
    "credited_cents", "discard_drafts", "ensure_default_grid", "get_invoice", "get_plan",
    "get_tier", "invoices_query", "issue_credit_note", "issue_invoices", "lock_account",
    "lock_invoice", "overdue_cents", "overpayment_limit_cents", "plan_speeds_kbps", "price_on",
    "prepare_invoices", "prices_for_period", "record_payment", "review", "set_tier_price",
    "statement", "tiers", "update_plan", "update_tier",
]
