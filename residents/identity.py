"""Whose household is this resident's: the one home of that rule (support, the space, the API
and the mandates ask here).

A resident's account gives the household while it lives in its flat: an ended account, a
disabled user or a household that moved out gives none.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from isp.auth import current_actor
from isp.choices import Role
from isp.extensions import db
from isp.models import User
from isp.timeutil import today
from residents.models import ResidentAccount
from subscribers.models import Household


def active_account(user: User | None) -> ResidentAccount | None:
    """The resident's account while it holds (not ended, user enabled), else None."""
    if user is None or getattr(user, "role", None) != Role.RESIDENT or not user.is_enabled:
        return None
    return db.session.execute(
        select(ResidentAccount).where(ResidentAccount.user_id == user.id,
                                      ResidentAccount.ended_at.is_(None))
    ).scalar_one_or_none()


def lives_in_its_flat(household: Household) -> bool:
    """Not moved out (a move-out dated in the future has not happened yet)."""
    return household.moved_out_on is None or household.moved_out_on > today()


def household_of(user: User | None) -> Household | None:
    """The household of the resident's active account while it lives in its flat, else None."""
    account = active_account(user)
    if account is None:
        return None
    household = db.session.get(Household, account.household_id)
    if household is None or household.anonymised_at is not None or not lives_in_its_flat(household):
        return None
    return household


def require_resident_household() -> Household:
    """The signed-in resident's household for a page or API call: 403 for another role, 404
    when the resident has none any more (ended account, moved out)."""
    user = current_actor()
    if user.role != Role.RESIDENT:
        abort(403)
    household = household_of(user)
    if household is None:
        abort(404)
    return household
