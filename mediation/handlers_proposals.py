"""Receivers that turn connection events into coaching proposals (issue 20); they run inside
the sender's transaction and flush only."""

from __future__ import annotations

from isp.signals import household_moved_out, subscription_activated, ticket_closed
from mediation import proposals


@subscription_activated.connect
def _on_subscription_activated(subscription, **kwargs) -> None:
    proposals.propose_first_session(subscription, activated_on=kwargs["activated_on"])


@ticket_closed.connect
def _on_ticket_closed(ticket, **kwargs) -> None:
    if kwargs.get("usage_question"):
        proposals.propose_follow_up(ticket, household_id=kwargs.get("household_id"))


@household_moved_out.connect
def _on_household_moved_out(household, **kwargs) -> None:
    proposals.withdraw_for_household(household.id, actor=kwargs.get("actor"))
