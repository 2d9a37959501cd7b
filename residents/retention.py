"""Residents' data under the retention rules: a household's anonymisation removes the logins,
contacts and notice texts of its residents' accounts and scrubs its SEPA requests' notes
(``isp.gdpr.anonymise_household`` calls ``anonymise_household_residents`` through the
domain's ``erase_household`` declaration)."""

from __future__ import annotations

from sqlalchemy import select

from isp.extensions import db
from isp.models import User
from residents.accounts import RESERVED_DOMAIN, end_account
from residents.models import Notice, ResidentAccount, SignInCode
from residents.models_mandates import SepaRequest

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
    # Free texts of the direct-debit requests may quote a name, a number or an IBAN.
    for row in db.session.execute(select(SepaRequest).where(
            SepaRequest.household_id == household_id)).scalars():
        row.note = _scrub(row.note, identity)
        row.staff_note = _scrub(row.staff_note, identity)
    db.session.flush()


def _scrub(text: str | None, identity) -> str | None:
    if not text:
        return text
    return identity.scrub(text) if identity is not None else REDACTED
