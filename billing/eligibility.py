"""Social-tariff eligibility: the system suggests a tier with its reasons, a person decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import force_locale
from sqlalchemy import bindparam, func, select

from billing.choices import MINIMA, EvidenceType
from billing.models import EligibilityDecision, Tier
from billing.money import add_months
from billing.reasons import reason_text
from isp.database import built_once
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.timeutil import today
from subscribers.models import Household

#: A decision is valid 12 months (docs/design.md §3.1); flagged this many days before.
VALIDITY_MONTHS = 12
RENEWAL_NOTICE_DAYS = 45


@dataclass(frozen=True)
class TierRule:
    """The parts of a tier the suggestion reads (kept apart so the rule is a pure function)."""

    code: str
    rule_text: str
    covers_minima: bool
    qf_max_euros: int | None


@dataclass(frozen=True)
class TierSuggestion:
    tier: str
    #: (code, figures) of each reason; ``reasons`` writes them in the reader's language.
    terms: tuple[tuple[str, dict], ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(reason_text(code, params) for code, params in self.terms)


def suggest_tier_from(rules: list[TierRule], evidence_type: str,
                      quotient_familial: int | None = None) -> TierSuggestion:
    """The first tier (cheapest first) whose rule the evidence meets, with reasons in French."""
    if not rules:
        raise DomainError(_("Aucun palier tarifaire n'est défini"), field="tier")
    try:
        evidence = EvidenceType(evidence_type)
    except ValueError:
        raise DomainError(_(
            "Justificatif inconnu : %(evidence_type)s",
            evidence_type=evidence_type), field="evidence_type") \
            from None
    if evidence is EvidenceType.CAF_QF and (quotient_familial is None or quotient_familial < 0):
        raise DomainError(_("Indiquez le quotient familial CAF (en euros)"),
                          field="quotient_familial")
    for rule in rules:
        rule_term = ("tier_rule", {"tier": rule.code, "rule": rule.rule_text})
        if evidence in MINIMA and rule.covers_minima:
            return TierSuggestion(rule.code, (("minima", {"evidence": str(evidence)}), rule_term))
        if evidence is EvidenceType.CAF_QF and rule.qf_max_euros is not None \
                and quotient_familial <= rule.qf_max_euros:
            return TierSuggestion(rule.code, (
                ("qf_under", {"qf": quotient_familial, "max": rule.qf_max_euros}), rule_term))
    last = rules[-1]
    if evidence is EvidenceType.NONE:
        why = ("no_evidence", {})
    elif evidence is EvidenceType.CAF_QF:
        why = ("qf_over", {"qf": quotient_familial})
    else:
        why = ("other_evidence", {"evidence": str(evidence)})
    return TierSuggestion(last.code, (
        why, ("tier_rule", {"tier": last.code, "rule": last.rule_text})))


def tier_rules() -> list[TierRule]:
    tiers = db.session.execute(select(Tier).order_by(Tier.position, Tier.code)).scalars()
    return [TierRule(t.code, t.rule_text, t.covers_minima, t.qf_max_euros) for t in tiers]


def suggest_tier(evidence_type: str, quotient_familial: int | None = None) -> TierSuggestion:
    """Suggest a tier from the evidence with the tariff grid in the database."""
    return suggest_tier_from(tier_rules(), evidence_type, quotient_familial)


def decide_tier(household, *, actor: User, evidence_type: str, decided_tier: str,
                evidence_reference: str | None = None, quotient_familial: int | None = None,
                evidence_valid_until: date | None = None, reason: str | None = None,
                decided_on: date | None = None) -> EligibilityDecision:
    """Store a person's decision; the household's current subscriptions take the tier."""

    if actor is None:
        raise DomainError(_("Une décision est prise par une personne nommée"))
    if household.moved_out_on is not None:
        raise DomainError(_("Ce foyer a quitté le logement"), status=409)
    suggestion = suggest_tier(evidence_type, quotient_familial)
    if decided_tier not in {rule.code for rule in tier_rules()}:
        raise DomainError(_(
            "Palier inconnu : %(decided_tier)s", decided_tier=decided_tier), field="decided_tier")
    reason = (reason or "").strip() or None
    if decided_tier != suggestion.tier and not reason:
        raise DomainError(_("Expliquez pourquoi le palier décidé diffère de la suggestion"),
                          field="reason")
    decided_on = decided_on or today()
    decision = EligibilityDecision(
        household_id=household.id, evidence_type=evidence_type,
        evidence_reference=(evidence_reference or "").strip() or None,
        quotient_familial=quotient_familial if evidence_type == EvidenceType.CAF_QF else None,
        evidence_valid_until=evidence_valid_until, suggested_tier=suggestion.tier,
        suggestion_reasons=_in_french(suggestion), suggestion_terms=[
            [code, params] for code, params in suggestion.terms], decided_tier=decided_tier,
        reason=reason, decided_by_id=actor.id, decided_on=decided_on,
        valid_until=add_months(decided_on, VALIDITY_MONTHS))
    db.session.add(decision)
    for subscription in household.subscriptions:
        if subscription.terminated_on is None:
            # Billed from the next run; invoices already prepared keep their lines.
            subscription.tier = decided_tier
    db.session.flush()
    return decision


def _in_french(suggestion: TierSuggestion) -> str:
    """The reasons as the French record of what was shown (older rows have only this)."""
    with force_locale("fr"):
        return "\n".join(suggestion.reasons)


def current_decision(household) -> EligibilityDecision | None:
    """The household's latest decision (an expired one still applies: nothing changes alone)."""
    return db.session.execute(_current_decision_statement(),
                              {"household_id": household.id}).scalar_one_or_none()


@built_once
def _current_decision_statement():
    # The household page's: built once (isp.database.built_once).
    return (select(EligibilityDecision)
            .where(EligibilityDecision.household_id == bindparam("household_id"))
            .order_by(EligibilityDecision.decided_at.desc(), EligibilityDecision.id.desc())
            .limit(1))


def renewals_query(*, on: date | None = None):
    """Current households whose latest decision expires within the notice period (or has)."""
    limit = (on or today()) + timedelta(days=RENEWAL_NOTICE_DAYS)
    latest = select(EligibilityDecision.household_id,
                    func.max(EligibilityDecision.id).label("decision_id")) \
        .group_by(EligibilityDecision.household_id).subquery()
    return (select(EligibilityDecision, Household)
            .join(latest, latest.c.decision_id == EligibilityDecision.id)
            .join(Household, Household.id == EligibilityDecision.household_id)
            .where(Household.moved_out_on.is_(None), EligibilityDecision.valid_until <= limit)
            .order_by(EligibilityDecision.valid_until, Household.id))
