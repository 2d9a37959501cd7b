"""How long a ticket may take: the category's delay, shortened by its priority.

The delays are configurable (``SUPPORT_SLA_HOURS``, ``SUPPORT_SLA_PRIORITY_FACTORS``); the job
that marks overdue tickets on their timeline is ``support.tickets.check_sla``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_app_context

from support.choices import (
    DEFAULT_PRIORITY_FACTORS,
    DEFAULT_SLA_HOURS,
    TicketCategory,
    TicketPriority,
)


def sla_hours(category: str, priority: str = TicketPriority.NORMAL, *,
              table: dict[str, float] | None = None,
              factors: dict[str, float] | None = None) -> float:
    """Hours allowed to resolve a ticket: the category's delay, shortened by priority."""
    if table is None:
        table = _config("SUPPORT_SLA_HOURS", DEFAULT_SLA_HOURS)
    if factors is None:
        factors = _config("SUPPORT_SLA_PRIORITY_FACTORS", DEFAULT_PRIORITY_FACTORS)
    hours = table.get(category, table.get(TicketCategory.OTHER, DEFAULT_SLA_HOURS["other"]))
    # A factor above 1 in a hand-edited config would lengthen the delay: priority only shortens.
    return hours * min(1.0, factors.get(priority, 1.0))


def sla_due_at(opened_at: datetime, category: str, priority: str = TicketPriority.NORMAL,
               **kwargs) -> datetime:
    """When a ticket opened at ``opened_at`` must be resolved."""
    return opened_at + timedelta(hours=sla_hours(category, priority, **kwargs))


def _config(key: str, default):
    if has_app_context():
        return current_app.config.get(key) or default
    return default
