"""Tier suggestions with their reasons, decisions by a named person, renewals."""

from datetime import date

import pytest
from sqlalchemy import select

from billing.eligibility import (
    TierRule,
    current_decision,
    decide_tier,
    renewals_query,
    suggest_tier_from,
)
from isp.errors import DomainError
from tests import factories
from tests.billing.factories import grid

RULES = [TierRule("T1", "minima ou QF ≤ 600", True, 600), TierRule("T2", "QF ≤ 900", False, 900),
         TierRule("T3", "sinon", False, None)]


@pytest.mark.parametrize(("evidence", "qf", "tier", "words"), [
    ("rsa", None, "T1", "RSA"), ("ass", None, "T1", "ASS"), ("aah", None, "T1", "AAH"),
    ("css", None, "T1", "CSS"), ("caf_qf", 0, "T1", "0 €"), ("caf_qf", 600, "T1", "600 €"),
    ("caf_qf", 601, "T2", "601 €"), ("caf_qf", 900, "T2", "900 €"),
    ("caf_qf", 901, "T3", "au-dessus"), ("caf_qf", 2500, "T3", "au-dessus"),
    ("none", None, "T3", "Aucun justificatif"), ("rsa", 2000, "T1", "RSA"),
])
def test_suggestion_and_its_reasons(evidence, qf, tier, words):
    suggestion = suggest_tier_from(RULES, evidence, qf)
    assert suggestion.tier == tier
    assert words in suggestion.reasons[0]
    assert suggestion.reasons[1].startswith(f"Règle du palier {tier}")


@pytest.mark.parametrize(("evidence", "qf", "field"), [
    ("caf_qf", None, "quotient_familial"), ("caf_qf", -1, "quotient_familial"),
    ("passport", None, "evidence_type"),
])
def test_bad_evidence_is_refused(evidence, qf, field):
    with pytest.raises(DomainError) as error:
        suggest_tier_from(RULES, evidence, qf)
    assert error.value.field == field


def test_decision_stores_who_and_applies_the_tier(db):
    grid()
    household = factories.make_household()
    subscription = factories.make_subscription(household=household, tier="T3")
    operator = factories.make_user("operator", name="Olivia")
    decision = decide_tier(household, actor=operator, evidence_type="caf_qf",
                           quotient_familial=720, evidence_reference="CAF-123",
                           decided_tier="T2", decided_on=date(2026, 3, 1))
    assert (decision.suggested_tier, decision.decided_by_id) == ("T2", operator.id)
    assert decision.valid_until == date(2027, 3, 1)
    assert subscription.tier == "T2"
    assert current_decision(household) is decision


def test_a_different_tier_needs_a_reason(db):
    grid()
    household = factories.make_household()
    operator = factories.make_user("operator")
    with pytest.raises(DomainError) as error:
        decide_tier(household, actor=operator, evidence_type="none", decided_tier="T1")
    assert error.value.field == "reason"
    decision = decide_tier(household, actor=operator, evidence_type="none", decided_tier="T1",
                           reason="Surendettement connu de l'assistante sociale")
    assert decision.suggested_tier == "T3" and decision.decided_tier == "T1"


def test_expiring_decisions_are_listed_and_nothing_changes_by_itself(db):
    grid()
    operator = factories.make_user("operator")
    old = factories.make_household()
    subscription = factories.make_subscription(household=old, tier="T3")
    decide_tier(old, actor=operator, evidence_type="rsa", decided_tier="T1",
                decided_on=date(2025, 11, 1))
    fresh = factories.make_household()
    decide_tier(fresh, actor=operator, evidence_type="rsa", decided_tier="T1",
                decided_on=date(2026, 11, 1))
    listed = [household.id for _d, household in
              factories.db.session.execute(renewals_query(on=date(2026, 11, 29))).all()]
    assert old.id in listed and fresh.id not in listed
    assert subscription.tier == "T1"   # expired, still applies until a person decides
    assert factories.db.session.execute(select(1)).scalar_one() == 1
