"""Residents' receivers: the account ends with the move-out; notices of other domains' events.

Receivers run in the sender's transaction: they flush, never commit; notices are stored here
and delivered after the commit (residents.notices.deliver_pending).
"""

from __future__ import annotations

from sqlalchemy import select

from isp import signals
from isp.extensions import db
from residents.accounts import end_account
from residents.models import ResidentAccount


@signals.household_moved_out.connect
def _end_accounts_at_move_out(household, **_kwargs) -> None:
    accounts = db.session.execute(select(ResidentAccount).where(
        ResidentAccount.household_id == household.id,
        ResidentAccount.ended_at.is_(None))).scalars().all()
    for account in accounts:
        end_account(account, "moved_out")
