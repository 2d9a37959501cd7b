"""Demo: the pilot's subscriptions (if no other domain made them) and the aggregates."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from evaluation import scenarios
from evaluation.aggregates import refresh
from evaluation.models import Scenario
from isp.demo import read_csv
from isp.extensions import db
from isp.timeutil import today
from subscribers.models import District, Household, Subscription, Unit
from subscribers.models_figures import DistrictIndicator


def _seed_pilot_subscriptions() -> int:
    """Fictitious subscriptions for the Port-Boyer households, only when none exist yet.

    Evaluation runs last among the demos: when the billing or subscribers demo already made the
    pilot's subscriptions, nothing is added.
    """
    if db.session.execute(select(Subscription.id).join(Unit, Subscription.unit_id == Unit.id)
                          .where(Unit.code.like("PB-%"))).first():
        return 0
    households = db.session.execute(
        select(Household).join(Household.unit).where(Unit.code.like("PB-%"),
                                                     Household.moved_out_on.is_(None))
        .order_by(Household.id)).scalars().all()
    rng = random.Random(2026)
    latest = today()
    added = 0
    for household in households:
        roll = rng.random()
        if roll < 0.12:
            continue  # not (yet) interested
        month = rng.choices(range(1, 11), weights=(10, 8, 7, 6, 5, 4, 4, 3, 3, 3))[0]
        activated = max(date(2026, month, rng.randint(1, 28)), household.moved_in_on)
        if activated > latest:
            continue
        tier = rng.choices(("T1", "T2", "T3"), weights=(55, 30, 15))[0]
        status, terminated = "active", None
        if roll > 0.97:
            status, activated = "pending", None
        elif roll > 0.92:
            status = "terminated"
            terminated = min(latest, date(2026, min(month + 3, 11), 15))
        elif roll > 0.86:
            status = "reduced"
        elif roll > 0.84:
            status = "suspended"
        db.session.add(Subscription(household=household, unit=household.unit, tier=tier,
                                    status=status, activated_on=activated,
                                    terminated_on=terminated))
        added += 1
    db.session.flush()
    return added


#: The saved scenarios of the demo: the pilot district as it is, and a cautious variant.
DEMO_SCENARIOS = (
    {"name": "Port-Boyer, hypothèses du pilote", "district_code": "PORT-BOYER"},
    {"name": "Port-Boyer, adhésion prudente (40 %)", "district_code": "PORT-BOYER",
     "take_up": "40"},
    # Fixed telephony (billing's demo catalogue) taken by 30 % of the households open to it.
    {"name": "Port-Boyer, avec la téléphonie fixe (30 %)", "district_code": "PORT-BOYER",
     "option_TEL": "30"},
)


def _seed_scenarios() -> int:
    """Save the demo scenarios once (by name), computed like the scenario page does."""
    added = 0
    offered = {terms.code for terms in scenarios.option_choices()}
    for data in DEMO_SCENARIOS:
        if any(key.removeprefix("option_") not in offered
               for key in data if key.startswith("option_")):
            continue  # the option is not in the catalogue (billing's demo did not run)
        exists = db.session.execute(select(Scenario.id).where(Scenario.name == data["name"])
                                    ).first()
        if exists is None:
            scenarios.run(dict(data), actor=None)
            added += 1
    return added


def seed_demo() -> str | None:
    """Idempotent: subscriptions and scenarios once, aggregates recomputed every time."""
    _seed_district_figures()
    added = _seed_pilot_subscriptions()
    summary = refresh()
    scenario_count = _seed_scenarios()
    db.session.commit()
    note = f"evaluation aggregates {summary['rows']} figures, scenarios +{scenario_count}"
    return f"pilot subscriptions +{added}, {note}" if added else note


IFN_SOURCE = "MedNum, indice de fragilité numérique 2020 (IRIS)"
QPV_SOURCE = "INSEE / CNAF par QPV (ANCT, données DEMO 2020)"


def _seed_district_figures() -> None:
    """The published figures of the demo's districts (fragility index by IRIS, INSEE/CNAF by
    QPV), once: the districts themselves are the subscribers' demo."""
    if db.session.execute(select(DistrictIndicator.id)).first():
        return
    by_iris = {d.iris_code: d for d in db.session.execute(select(District)).scalars()
               if d.iris_code}
    by_qpv = {d.qpv_code: d for d in db.session.execute(select(District)).scalars()
              if d.qpv_code}
    for row in read_csv("nantes-districts-ifn-2020.csv"):
        district = by_iris.get(row["iris_code"])
        if district is None:
            continue
        for column in ("ifn_global", "ifn_information_access", "ifn_interfaces_access",
                       "ifn_administrative_skills", "ifn_digital_school_skills"):
            db.session.add(DistrictIndicator(district=district, indicator=column,
                                             value=float(row[column]), unit="index",
                                             source=IFN_SOURCE, year=2020))
    for row in read_csv("nantes-qpv-2015-2023.csv"):
        district = by_qpv.get(row["qpv_code"])
        if district is None:
            continue
        for column, unit in (("population_municipale", "persons"), ("pct_age_0_24", "%"),
                             ("pct_age_60_plus", "%"), ("pct_single_person_households", "%"),
                             ("pct_foreign_nationals", "%"), ("caf_allocataires", "households"),
                             ("caf_persons_covered", "persons")):
            if row[column]:  # blank = statistical secrecy, not zero
                db.session.add(DistrictIndicator(district=district, indicator=column,
                                                 value=float(row[column]), unit=unit,
                                                 source=QPV_SOURCE, year=2020))
    db.session.flush()
