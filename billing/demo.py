"""Billing demo: four months of invoices and payments, households at each dunning step."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from billing import dunning, options, payments, runs, tariffs
from billing.eligibility import decide_tier
from billing.models import Invoice
from isp.extensions import db
from isp.models import User
from isp.timeutil import today
from subscribers.models import Household, Subscription

PERIODS = ("2026-07", "2026-08", "2026-09", "2026-10")
#: household index → first unpaid period (None: pays everything), and the special case.
PROFILES = (("reminder", "2026-09"), ("referral", "2026-08"), ("proposal", "2026-07"),
            ("fsl", "2026-07"), ("plan", "2026-08"))


UNSUBSCRIBED_IN_DEMO = 8


def seed_demo() -> str | None:
    """Seed once: subscriptions where none exist, decisions, runs, payments, dunning."""
    if db.session.execute(select(Invoice.id).limit(1)).first() is not None:
        return None
    tariffs.ensure_default_grid()
    operator = db.session.execute(select(User).where(
        User.email == "operateur@demo.social-isp.fr")).scalar_one_or_none()
    households = db.session.execute(select(Household).where(Household.moved_out_on.is_(None))
                                    .order_by(Household.id)).scalars().all()
    if operator is None or not households:
        return None
    rng = random.Random(5)
    evidences = (("rsa", None), ("css", None), ("caf_qf", 450), ("caf_qf", 780),
                 ("caf_qf", 1100), ("none", None), ("aah", None))
    for index, household in enumerate(households):
        # The last few households have no subscription yet: the operator can subscribe them.
        if not household.subscriptions and index < len(households) - UNSUBSCRIBED_IN_DEMO:
            activated = date(2026, 6, 1) if index % 10 else date(2026, 8, 17)
            db.session.add(Subscription(household=household, unit=household.unit,
                                        status="active", activated_on=activated))
        db.session.flush()
        evidence, qf = evidences[index % len(evidences)]
        decided_on = date(2025, 12, 15) if index % 9 == 0 else date(2026, 5, 20)
        decision = decide_tier(household, actor=operator, evidence_type=evidence,
                               quotient_familial=qf, evidence_reference=f"DEMO-{index:03d}",
                               decided_tier=tariffs.tiers()[0].code if evidence in (
                                   "rsa", "css", "aah") else {450: "T1", 780: "T2"}.get(
                                   qf, "T3"), decided_on=decided_on)
        del decision
    _demo_options(households, operator)
    for period in PERIODS:
        first = date(int(period[:4]), int(period[5:]), 1)
        issued_on = (first + timedelta(days=32)).replace(day=2)
        runs.prepare_invoices(period, actor=operator)
        runs.issue_invoices(period, actor=operator, issued_on=issued_on)
    profiles = {households[i * 7 + 3].id: profile for i, profile in enumerate(PROFILES)
                if i * 7 + 3 < len(households)}
    for household in households:
        kind, unpaid_from = profiles.get(household.id, (None, None))
        invoices = db.session.execute(select(Invoice).where(
            Invoice.household_id == household.id, Invoice.number.is_not(None))
            .order_by(Invoice.period)).scalars().all()
        for invoice in invoices:
            if unpaid_from and invoice.period >= unpaid_from:
                break
            paid_on = invoice.issued_on + timedelta(days=rng.randrange(3, 25))
            if paid_on <= today():
                payments.record_payment(household, actor=operator,
                                        amount_cents=invoice.total_cents,
                                        method=rng.choice(("cash", "card", "transfer",
                                                           "sepa_debit")),
                                        received_on=paid_on, reference=f"DEMO-{invoice.number}")
    day = date(2026, 8, 20)
    while day <= today():
        for household in households:
            kind, _unpaid = profiles.get(household.id, (None, None))
            if kind == "fsl" and day == date(2026, 9, 10):
                dunning.file_fsl_request(household, actor=operator, filed_on=day,
                                         note="Dossier déposé avec l'assistante sociale")
            if kind == "plan" and day == date(2026, 11, 10):
                dunning.agree_payment_plan(household, actor=operator, monthly_cents=300,
                                           months=6, on=day, note="Échéancier démo")
        dunning.run_dunning(on=day)
        day += timedelta(days=1)
    kinds = ", ".join(kind for kind, _unpaid in PROFILES)
    return f"billing: {len(PERIODS)} months invoiced, dunning profiles {kinds}"


def _demo_options(households, operator) -> None:
    """Fixed telephony (issue 22.3), taken by a few households from August: the demo invoices
    show its line with its subsidy; one household gives it up mid-September (prorated)."""
    telephony = options.create_option({
        "code": "TEL", "name": "Téléphonie fixe", "monthly_price_cents": 500,
        "description": "Ligne fixe par la box (voix sur IP), appels illimités vers les fixes.",
        "tiers": [options.TierRule("T1", "percent", 60), options.TierRule("T2", "percent", 40),
                  options.TierRule("T3", "cents", 0)]}, actor=operator)
    subscribed = [h for h in households if h.subscriptions]
    for index, household in enumerate(subscribed[1::6][:6]):
        held = options.add_option(household.subscriptions[0], telephony.code, actor=operator,
                                  starts_on=date(2026, 8, 1))
        if index == 0:
            options.end_option(held, actor=operator, ends_on=date(2026, 9, 16))
