"""Residents' data under the retention rules: a household's anonymisation removes the logins,
contacts and notice texts of its residents' accounts (``isp.gdpr.anonymise_household`` is
to call ``anonymise_household_residents``)."""

from __future__ import annotations

from sqlalchemy import select

from isp.extensions import db
from isp.models import User
from residents.accounts import RESERVED_DOMAIN, end_account
from residents.models import Notice, ResidentAccount, SignInCode

REDACTED = "[anonymisé]"


def anonymise_household_residents(household_id: int, identity) -> None:
    """End the household's accounts (already ended by the move-out), drop their logins,
    contacts and codes, and scrub the notices (kind, channel, dates and delivery stay)."""
    accounts = db.session.execute(select(ResidentAccount).where(
        ResidentAccount.household_id == household_id)).scalars().all()
    for account in accounts:
        end_account(account, "anonymised")
        account.login = f"{REDACTED}#{account.id}"
        account.email = None
        account.phone = None
        user = db.session.get(User, account.user_id)
        if user is not None:
            user.name = ""
            user.email = f"anonymised{account.id}-{user.id}@{RESERVED_DOMAIN}"
        db.session.execute(db.delete(SignInCode).where(SignInCode.account_id == account.id))
    for notice in db.session.execute(select(Notice).where(
            Notice.household_id == household_id)).scalars():
        notice.recipient = REDACTED
        notice.text = identity.scrub(notice.text) if identity is not None else notice.text
        notice.error = None
    db.session.flush()
