"""Impact demo: baselines for the subscribed households and the 6-month follow-ups of most of
those connected long enough, so that the indicators page shows figures. Fictitious answers,
the same every time (seeded by the household's id); idempotent (nothing when answers exist)."""

from __future__ import annotations

import random

from sqlalchemy import select

from billing.tariffs import prices_for_period
from impact import services
from impact.choices import Stage
from impact.models import ImpactAnswer
from isp.extensions import db
from isp.timeutil import today
from subscribers.models import Household, Subscription

LEVELS = ("not_autonomous", "partially", "autonomous")


def _devices(rng: random.Random) -> list[str]:
    devices = [code for code, share in (("smartphone", .85), ("computer", .3), ("tablet", .2),
                                        ("tv", .25)) if rng.random() < share]
    return devices or ["none"]


def _baseline(rng: random.Random) -> dict:
    connected = rng.random() < .45
    return {"home_connection": connected,
            "monthly_cost_cents": rng.choice((1999, 2499, 2999, 3499, 3999, 4499))
            if connected else None,
            "devices": _devices(rng),
            "autonomy": rng.choices(LEVELS + (None,), weights=(40, 40, 12, 8))[0]}


def _follow_up(rng: random.Random, baseline: dict, price_cents: int) -> dict:
    autonomy = baseline["autonomy"]
    if autonomy and autonomy != LEVELS[-1] and rng.random() < .5:
        autonomy = LEVELS[LEVELS.index(autonomy) + 1]  # coaching helped
    devices = [d for d in baseline["devices"] if d != "none"] or ["smartphone"]
    if "computer" not in devices and rng.random() < .25:
        devices.append("computer")
    # Most gave up their former box for the social offer; a few kept both for a while.
    kept = baseline["home_connection"] and rng.random() < .1
    return {"home_connection": True,
            "monthly_cost_cents": price_cents + (baseline["monthly_cost_cents"] or 0
                                                 if kept else 0),
            "devices": devices, "autonomy": autonomy}


def seed_demo() -> str | None:
    if db.session.execute(select(ImpactAnswer.id).limit(1)).first():
        return None
    on = today()
    prices = prices_for_period(f"{on.year}-{on.month:02d}")
    households = db.session.execute(
        select(Household).where(Household.moved_out_on.is_(None),
                                Household.id.in_(select(Subscription.household_id)))
        .order_by(Household.id)).scalars().all()
    baselines = follow_ups = 0
    for household in households:
        rng = random.Random(household.id)
        connected = services.connection_date(household)
        subscription = household.subscriptions[0]
        baseline = _baseline(rng)
        answered = min(on, connected or on)
        answered = max(answered, household.moved_in_on)
        services.record_answers(household, Stage.T0, {**baseline, "answered_on": answered},
                                None)
        baselines += 1
        due = services.due_on(Stage.M6, connected)
        # Three in four of the households past their 6 months were met; the others are due.
        if due is None or due > on or rng.random() < .25:
            continue
        answers = _follow_up(rng, baseline, prices.get(subscription.tier, 0))
        # Met recently: the follow-up counts the coaching received up to now.
        services.record_answers(household, Stage.M6, {**answers, "answered_on": on}, None)
        follow_ups += 1
    db.session.flush()
    return f"impact: baselines +{baselines}, 6-month follow-ups +{follow_ups}"
