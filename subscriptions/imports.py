"""CSV import of existing subscriptions (docs/design.md §4.4, kind ``subscriptions``).

It records service that already runs: the subscription, its tier decision (by the
``--decided-by`` person) and the port's desired state, **without pushing anything** to the
switch. The nightly reconciliation shows any drift, which an operator pushes with one action.
"""

from __future__ import annotations

from sqlalchemy import select

from billing.eligibility import decide_tier
from isp.csvimport import (
    BadValue,
    ImportContext,
    ImportSpec,
    parse_date,
    register_importer,
)
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.timeutil import today, utcnow
from network.provisioning.queue import desired_for_subscription, port_for_unit, set_desired_state
from subscribers import lifecycle
from subscribers.choices import SubscriptionStatus
from subscribers.models import Subscription, SubscriptionEvent, Unit
from subscribers.services import current_household


def _subscription(row: dict, ctx: ImportContext) -> None:
    if ctx.decided_by is None:
        raise BadValue("tier", _("la décision de tranche demande une personne nommée "
                                   "(--decided-by EMAIL)"))
    code = row["unit_code"]
    unit = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None:
        raise BadValue("unit_code", _("logement inconnu %(code)s", code=code))
    if not ctx.first_time("unit", code):
        raise BadValue("unit_code", _("le logement %(code)s apparaît deux fois dans le "
                                         "fichier", code=code))
    household = current_household(unit)
    if household is None:
        raise BadValue("unit_code", _("le logement %(code)s n'a pas de foyer en place",
                                         code=code))
    tier = row["tier"].strip()
    if tier not in lifecycle.known_tiers():
        raise BadValue("tier", _("tranche inconnue %(tier)s", tier=tier))
    activated_on = parse_date(row, "activated_on")
    terminated_on = parse_date(row, "terminated_on", required=False)
    if activated_on > today():
        raise BadValue("activated_on",
                       _("un service importé doit avoir déjà commencé (date à venir)"))
    if terminated_on is not None and terminated_on < activated_on:
        raise BadValue("terminated_on", _("antérieure à activated_on"))
    if terminated_on is None and lifecycle.open_subscription(household) is not None:
        raise BadValue("unit_code", _("le logement %(code)s a déjà un abonnement en "
                                         "cours", code=code))
    port = port_for_unit(unit.id)
    if port is None:
        raise BadValue("unit_code", _("le logement %(code)s n'est raccordé à aucun "
                                      "port de commutateur (importez d'abord le câblage)",
                                      code=code))
    status = SubscriptionStatus.TERMINATED if terminated_on else SubscriptionStatus.ACTIVE
    subscription = Subscription(household_id=household.id, unit_id=unit.id,
                                plan_code=lifecycle.DEFAULT_PLAN, tier=tier, status=str(status),
                                activated_on=activated_on, terminated_on=terminated_on)
    db.session.add(subscription)
    db.session.flush()
    db.session.refresh(subscription)
    db.session.add(SubscriptionEvent(
        subscription_id=subscription.id, at=utcnow(), actor_id=ctx.decided_by.id,
        from_status=None, to_status=str(status),
        reason="Import : service existant (état du port enregistré, non poussé)"))
    evidence = (row.get("evidence_type") or "").strip()
    if evidence:
        _decide(household, ctx, tier, evidence, row.get("evidence_reference"), activated_on)
    if status == SubscriptionStatus.ACTIVE:
        set_desired_state(port, desired_for_subscription(subscription),
                          subscription=subscription, source="import")
    ctx.created += 1


def _decide(household, ctx: ImportContext, tier: str, evidence: str, reference, on) -> None:
    try:
        decide_tier(household, actor=ctx.decided_by, evidence_type=evidence, decided_tier=tier,
                    evidence_reference=reference, decided_on=on,
                    reason="Décision reprise de l'existant (import)")
    except DomainError as error:
        raise BadValue("evidence_type", error.message) from None


register_importer(ImportSpec(
    "subscriptions", ("unit_code", "tier", "activated_on"),
    ("terminated_on", "evidence_type", "evidence_reference"), _subscription,
    label=_l("Abonnements"),
    example={"unit_code": "BOT-12-A-03-2", "tier": "T1", "activated_on": "2026-10-01",
             "terminated_on": "", "evidence_type": "", "evidence_reference": ""}))
