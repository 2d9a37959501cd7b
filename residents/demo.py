"""Three demo residents (issue 20): sign in at /moi/connexion with these logins; the lab's SMS
simulator and the e-mail simulator print the codes in the ``make run`` terminal. Idempotent."""

from __future__ import annotations

from sqlalchemy import select

from billing.models import Invoice
from isp.extensions import db
from mediation.models import Assignment, Association
from residents import notices
from residents.accounts import account_by_login, create_account, parse_login
from residents.models import ResidentAccount
from subscribers.models import Household

#: (login, channel opted in). The numbers are of the range ARCEP keeps for fiction.
DEMO_RESIDENTS = (
    ("residente@demo.social-isp.fr", "email"),
    ("06 39 98 00 01", "sms"),
    ("06 39 98 00 02", "sms"),
)


def _households(count: int) -> list:
    """Current demo households, those followed by the demo mediator's association and having
    an issued invoice first."""
    followed = select(Assignment.household_id).join(
        Association, Association.id == Assignment.association_id).where(
        Association.code == "ASSO-PB", Assignment.ended_at.is_(None))
    invoiced = select(Invoice.household_id).where(Invoice.number.is_not(None))
    candidates = db.session.execute(select(Household).where(
        Household.moved_out_on.is_(None), Household.anonymised_at.is_(None))
        .order_by(Household.id.in_(followed).desc(), Household.id.in_(invoiced).desc(),
                  Household.unit_code).limit(count)).scalars().all()
    return list(candidates)


def seed_demo() -> str | None:
    made = 0
    missing = [(login, channel) for login, channel in DEMO_RESIDENTS
               if account_by_login(parse_login(login)[1]) is None]
    if not missing:
        return None
    taken = set(db.session.execute(select(ResidentAccount.household_id)).scalars())
    households = [h for h in _households(len(DEMO_RESIDENTS) + len(taken)) if h.id not in taken]
    for (login, channel), household in zip(missing, households, strict=False):
        account = create_account(household, login, actor=None)
        notices.set_preferences(account, sms=channel == "sms", email=channel == "email")
        made += 1
    db.session.flush()
    return f"residents +{made}" if made else None


def demo_logins() -> list[tuple[str, str]]:
    """(login, household holder) of the demo residents, for the README and the report."""
    rows = []
    for login, _channel in DEMO_RESIDENTS:
        account = account_by_login(parse_login(login)[1])
        if account is not None:
            rows.append((login, account.household.holder_name))
    return rows
