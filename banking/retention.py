"""Retention of bank lines (docs/banking.md): kept like the payments they are (10 years after
the booking day), and cleared of the payer's identity when the household is anonymised.

Both functions are for ``isp.gdpr`` to call (``purge_expired`` before billing's purge, and
``anonymise_household``); the caller commits.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, or_, select

from banking.models import BankLine, BankStatement
from isp.extensions import db
from isp.gdpr import years_before
from isp.timeutil import local_date, start_of_day


def purge_expired_banking(before: date) -> int:
    """Delete the lines booked before ``before``, then the statements left without a line."""
    deleted = db.session.execute(delete(BankLine).where(BankLine.booked_on < before)).rowcount
    db.session.execute(delete(BankStatement).where(
        BankStatement.id.not_in(select(BankLine.statement_id).distinct()),
        BankStatement.imported_at < start_of_day(before)))
    return deleted or 0


def anonymise_household_banking(household_id: int, identity) -> None:
    """Remove a household's identity (``isp.gdpr.Identity``) from the lines placed on it or
    suggested for it: the payer's name and account go, amounts and dates stay."""
    lines = db.session.execute(select(BankLine).where(or_(
        BankLine.household_id == household_id,
        BankLine.suggested_household_id == household_id))).scalars()
    for line in lines:
        if line.household_id == household_id:
            line.debtor_name = None
            line.debtor_iban = None
        else:  # only suggested: the payer may be someone else, scrub what names the household
            line.debtor_name = identity.scrub(line.debtor_name)
        line.remittance = identity.scrub(line.remittance) or ""
        line.end_to_end_id = identity.scrub(line.end_to_end_id)
        line.not_ours_reason = identity.scrub(line.not_ours_reason)
        line.suggestion_terms = [
            [code, {key: identity.scrub(value) if isinstance(value, str) else value
                    for key, value in (params or {}).items()}]
            for code, params in (line.suggestion_terms or [])] or None
    db.session.flush()


def purge_expired(now: datetime, rules: dict) -> dict[str, int]:
    """Bank lines go with the payments they became: run before billing's money purge."""
    purge_expired_banking(years_before(local_date(now), rules.get("billing_years", 10)))
    return {}
