"""Billing test data: the default grid and invoices issued through the real services."""

from __future__ import annotations

from datetime import date

from billing import runs, tariffs
from tests import factories


def grid() -> None:
    tariffs.ensure_default_grid()


def billed_household(*, tier: str = "T3", activated_on: date = date(2026, 1, 1),
                     association=None, **fields):
    """A household with one active subscription."""
    grid()
    household = factories.make_household(association=association, **fields)
    factories.make_subscription(household=household, tier=tier, activated_on=activated_on)
    return household


def issue(period: str, issued_on: date):
    runs.prepare_invoices(period, actor=None)
    return runs.issue_invoices(period, actor=None, issued_on=issued_on)
