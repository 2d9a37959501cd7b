"""The household as the data subject of the GDPR rights: the reads that ``isp.gdpr`` asks for
by name (``CONTRIBUTES.provides``), so that the core does not import this domain."""

from __future__ import annotations

from isp.extensions import db
from subscribers.choices import SubscriptionStatus
from subscribers.models import Household


def household(household_id: int) -> Household | None:
    """The household whose data is exported or erased (None: no such household)."""
    return db.session.get(Household, household_id)


def identity_still_needed(household: Household) -> bool:
    """The household still lives here or has a subscription not terminated: its identity is
    needed for the contract, and it cannot be erased yet (GDPR art. 17(3))."""
    live = [s for s in household.subscriptions if s.status != SubscriptionStatus.TERMINATED]
    return household.moved_out_on is None or bool(live)
