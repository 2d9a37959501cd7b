"""Demo of the space's staff side (issue 20): a mandate given to the demo mediator, a few
coaching proposals and two residents' SEPA requests, so that their pages have something to
show. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from billing.models import Invoice
from isp.extensions import db
from isp.models import User
from isp.timeutil import today
from mediation import proposals
from mediation.models import Assignment
from residents.models_mandates import Mandate, SepaRequest
from subscribers.models import Household

MANDATE_REFERENCE = "DEMO-MANDAT-1"


def _seed_sepa_requests() -> int:
    """Two residents' direct-debit requests for the operators' list (one new, one where the
    household was called); none when there are some already."""
    if db.session.execute(select(SepaRequest.id).limit(1)).first():
        return 0
    households = list(db.session.execute(select(Household).where(
        Household.moved_out_on.is_(None), Household.anonymised_at.is_(None))
        .order_by(Household.unit_code.desc()).limit(2)).scalars())
    for household, status, note in zip(households, ("open", "contacted"),
                                       ("Le matin de préférence", None), strict=False):
        db.session.add(SepaRequest(household_id=household.id, status=status, note=note,
                                   staff_note="Rendez-vous à l'accueil" if note is None
                                   else None))
    db.session.flush()
    return len(households)


def seed_demo() -> str | None:
    sepa = _seed_sepa_requests()
    done = _seed_mandate_and_proposals()
    if not sepa:
        return done
    return f"{done + ', ' if done else ''}SEPA requests +{sepa}"


def _seed_mandate_and_proposals() -> str | None:
    if db.session.execute(select(Mandate.id).where(
            Mandate.consent_reference == MANDATE_REFERENCE)).first():
        return None
    mediator = db.session.execute(select(User).where(
        User.email == "mediateur@demo.social-isp.fr")).scalar_one_or_none()
    if mediator is None or mediator.association_id is None:
        return None
    followed = select(Assignment.household_id).where(
        Assignment.association_id == mediator.association_id, Assignment.ended_at.is_(None))
    households = list(db.session.execute(select(Household).where(
        Household.id.in_(followed), Household.moved_out_on.is_(None))
        .order_by(Household.unit_code).limit(4)).scalars())
    if not households:
        return None
    with_invoice = db.session.execute(select(Invoice.household_id).where(
        Invoice.household_id.in_([h.id for h in households]), Invoice.number.is_not(None))
        .limit(1)).scalar_one_or_none()
    holder = next((h for h in households if h.id == with_invoice), households[0])
    db.session.add(Mandate(
        household_id=holder.id, association_id=mediator.association_id,
        mediator_id=mediator.id, scopes="invoices;bookings;tickets", starts_on=today(),
        ends_on=today() + timedelta(days=180), consent_method="in_person",
        consent_reference=MANDATE_REFERENCE, status="active", created_by_id=mediator.id))
    made = 0
    for number, household in enumerate(households[1:3], start=1):
        subscription = household.subscriptions[0] if household.subscriptions else None
        if subscription is not None and proposals.propose_first_session(
                subscription, activated_on=today() - timedelta(days=number)):
            made += 1
    db.session.flush()
    return f"mandates +1, coaching proposals +{made}"
