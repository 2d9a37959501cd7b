"""Subscription lifecycle: every change is a service that names the person, records why in a
``SubscriptionEvent`` and, where the switch port must change, says so
(``isp.signals.subscription_service_changed``): provisioning queues the port's job.

    pending → provisioning → active ⇄ reduced
    active | reduced → suspended → (back to what it was)
    any but terminated → terminated

``suspended`` is for the household's own request or a technical/safety reason, never for debt
(docs/design.md §3.3): debt leads at most to ``reduced``, after an operator approves it, and the
reduction is lifted when the debt is cleared (``isp.signals.debt_cleared``). The caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import bindparam, select

from isp import signals
from isp.database import built_once
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.timeutil import start_of_day, today, utcnow
from subscribers import asks
from subscribers.choices import SubscriptionStatus as St
from subscribers.models import Household, Subscription, SubscriptionEvent

#: Allowed transitions: from status → the statuses it may go to.
TRANSITIONS: dict[St, frozenset[St]] = {
    St.PENDING: frozenset({St.PROVISIONING, St.TERMINATED}),
    St.PROVISIONING: frozenset({St.ACTIVE, St.TERMINATED}),
    St.ACTIVE: frozenset({St.REDUCED, St.SUSPENDED, St.TERMINATED}),
    St.REDUCED: frozenset({St.ACTIVE, St.SUSPENDED, St.TERMINATED}),
    St.SUSPENDED: frozenset({St.ACTIVE, St.REDUCED, St.TERMINATED}),
    St.TERMINATED: frozenset(),
}

#: Words that mark a reason as debt (unpaid bills): refused for a suspension, and used to know
#: that a reduction was the dunning one (lifted automatically when the debt is cleared).
DEBT_WORDS = re.compile(
    r"\b(impay\w*|dette\w*|debt\w*|unpaid|arri[ée]r\w*|relance\w*|dunning|recouvrement|"
    r"non[- ]paiement|retard de paiement|facture\w* (?:non )?r[ée]gl\w*)", re.IGNORECASE)

TIERS = ("T1", "T2", "T3")
DEFAULT_PLAN = "SOLIDAIRE-1G"
#: Statuses that hold the flat (one at a time per flat and per household).
OPEN_STATUSES = (St.PENDING, St.PROVISIONING, St.ACTIVE, St.REDUCED, St.SUSPENDED)


def is_debt_reason(reason: str | None) -> bool:
    """True when a reason speaks of unpaid bills."""
    return bool(reason and DEBT_WORDS.search(reason))


def can_transition(current: str, target: str) -> bool:
    return St(target) in TRANSITIONS[St(current)]


def _check(subscription: Subscription, target: St) -> St:
    current = St(subscription.status)
    if target not in TRANSITIONS[current]:
        raise DomainError(
            _(
                "L'abonnement #%(id)s est « %(current)s » : passage à « %(target)s » impossible",
                id=subscription.id, current=current, target=target), field="action", status=409)
    return current


def _reason(reason: str | None, *, required: bool = True) -> str | None:
    text = (reason or "").strip()
    if required and not text:
        raise DomainError(_("Le motif est obligatoire"), field="reason")
    return text[:1000] or None


def _record(subscription: Subscription, target: St, *, actor: User | None,
            reason: str | None) -> SubscriptionEvent:
    event = SubscriptionEvent(subscription_id=subscription.id, at=utcnow(),
                              actor_id=actor.id if actor is not None else None,
                              from_status=subscription.status, to_status=str(target),
                              reason=reason)
    subscription.status = str(target)
    db.session.add(event)
    db.session.flush()
    return event


#: What a change asks of the flat's switch port (``isp.signals.subscription_service_changed``;
#: network.provisioning.queue.JobAction has the same values).
ACTIVATE, REDUCE, RESTORE, SUSPEND, TERMINATE = (
    "activate", "reduce", "restore", "suspend", "terminate")


def _queue(subscription: Subscription, action: str, *, actor: User | None,
           status: str | None = None, not_before: datetime | None = None) -> None:
    """Announce the change: provisioning queues the job that brings the flat's port to the
    subscription's state (``network/provisioning/handlers.py``); a flat without a port has
    none."""
    signals.subscription_service_changed.send(subscription, action=action, actor=actor,
                                              status=status, not_before=not_before)


def history(subscription: Subscription) -> list[SubscriptionEvent]:
    return list(db.session.execute(_history_statement(),
                                   {"subscription_id": subscription.id}).scalars())


@built_once
def _history_statement():
    # The household page's: built once (isp.database.built_once).
    return (select(SubscriptionEvent)
            .where(SubscriptionEvent.subscription_id == bindparam("subscription_id"))
            .order_by(SubscriptionEvent.at, SubscriptionEvent.id))


def open_subscription(household: Household) -> Subscription | None:
    return db.session.execute(select(Subscription).where(
        Subscription.household_id == household.id,
        Subscription.status.in_([str(s) for s in OPEN_STATUSES]))).scalars().first()


def open_among(subscriptions: Iterable[Subscription]) -> Subscription | None:
    """``open_subscription`` among a household's subscriptions already read (its page)."""
    return next((s for s in subscriptions if s.status in OPEN_STATUSES), None)


def known_tiers() -> set[str]:
    """The tariff tiers billing records, or the three of the charter before its grid exists."""
    return asks.tier_codes() or set(TIERS)


def _check_plan(plan_code: str) -> None:
    codes = asks.plan_codes()
    if codes and plan_code not in codes:
        raise DomainError(_("Offre inconnue : %(plan_code)s", plan_code=plan_code), field="plan")


def subscribe(household: Household, *, tier: str, plan_code: str = DEFAULT_PLAN,
              actor: User, activate_on: date | None = None,
              reason: str | None = None) -> Subscription:
    """Subscribe a current household on its flat and queue the port's activation.

    With ``activate_on`` in the future the job waits until that day's Europe/Paris midnight.
    """
    if actor is None:
        raise DomainError(_("Un abonnement est enregistré par une personne nommée"))
    if household.moved_out_on is not None:
        raise DomainError(_("Ce foyer a quitté le logement"), field="household", status=409)
    if tier not in known_tiers():
        raise DomainError(_("Palier inconnu : %(tier)s", tier=tier), field="tier")
    plan_code = (plan_code or DEFAULT_PLAN).strip()
    _check_plan(plan_code)
    if open_subscription(household) is not None:
        raise DomainError(_("Ce foyer a déjà un abonnement en cours"), field="household",
                          status=409)
    taken = db.session.execute(select(Subscription.id).where(
        Subscription.unit_id == household.unit_id,
        Subscription.status.in_([str(s) for s in OPEN_STATUSES]))).first()
    if taken:
        raise DomainError(_(
            "Le logement %(code)s a déjà un abonnement en cours", code=household.unit.code),
                          field="unit_code", status=409)
    # the network refuses a flat wired to no switch port (DomainError)
    signals.subscription_requested.send(household, unit=household.unit)
    if activate_on is not None and activate_on < today():
        raise DomainError(_("La date d'activation ne peut pas être passée"), field="activate_on")
    subscription = Subscription(household_id=household.id, unit_id=household.unit_id,
                                plan_code=plan_code, tier=tier, status=str(St.PENDING))
    db.session.add(subscription)
    db.session.flush()
    db.session.refresh(subscription)
    _record_creation(subscription, actor=actor, reason=_reason(reason, required=False) or
                     f"Abonnement au palier {tier}")
    if activate_on is None or activate_on <= today():
        start_provisioning(subscription, actor=actor)
        _queue(subscription, ACTIVATE, actor=actor)
    else:
        start = start_of_day(activate_on)
        _queue(subscription, ACTIVATE, actor=actor, status=str(St.ACTIVE),
               not_before=start)
    return subscription


def _record_creation(subscription: Subscription, *, actor: User, reason: str) -> None:
    db.session.add(SubscriptionEvent(subscription_id=subscription.id, at=utcnow(),
                                     actor_id=actor.id, from_status=None,
                                     to_status=str(St.PENDING), reason=reason))
    db.session.flush()


def start_provisioning(subscription: Subscription, *, actor: User | None) -> Subscription:
    """pending → provisioning (the activation job is about to run)."""
    _check(subscription, St.PROVISIONING)
    _record(subscription, St.PROVISIONING, actor=actor, reason="Configuration du port demandée")
    return subscription


def mark_active(subscription: Subscription, *, actor: User | None, job=None,
                on: date | None = None) -> Subscription:
    """provisioning → active, when the activation job succeeded (the billing start date)."""
    _check(subscription, St.ACTIVE)
    why = f"Port configuré (tâche #{job.id})" if job is not None else "Port configuré"
    _record(subscription, St.ACTIVE, actor=actor, reason=why)
    first_activation = subscription.activated_on is None
    subscription.activated_on = subscription.activated_on or on or today()
    db.session.flush()
    if first_activation:  # a first connection (mediation proposes a first session)
        signals.subscription_activated.send(subscription, activated_on=subscription.activated_on,
                                    actor=actor)
    return subscription


def reduce_service(subscription: Subscription, *, actor: User, reason: str,
                   dunning_step=None, on: date | None = None) -> Subscription:
    """active → reduced (minimum speed).

    Every screen, API call and command reduces through here, and billing's one rule decides
    (``billing.dunning.check_reduction``, which billing publishes): a reduction for debt needs
    the approved dunning proposal (``dunning_step``); without one, only a non-debt reduction of
    a household that is not in arrears is accepted.
    """
    if actor is None:
        raise DomainError(_("Une réduction est décidée par une personne nommée"))
    why = _reason(reason)
    _check(subscription, St.REDUCED)
    asks.check_reduction(subscription.household_id, reason=why, actor=actor, step=dunning_step,
                         on=on)
    _record(subscription, St.REDUCED, actor=actor, reason=why)
    _queue(subscription, REDUCE, actor=actor)
    return subscription


def restore_service(subscription: Subscription, *, actor: User | None,
                    reason: str) -> Subscription:
    """reduced → active, or suspended → the status it had before the suspension.

    ``actor`` may be None only for the automatic lift when debt is cleared (the charter allows
    that one automatic change).
    """
    why = _reason(reason)
    current = St(subscription.status)
    if current == St.SUSPENDED:
        target = _status_before_suspension(subscription)
    elif current == St.REDUCED:
        target = St.ACTIVE
    else:
        raise DomainError(_(
            "L'abonnement #%(id)s est « %(current)s » : rien à rétablir",
            id=subscription.id, current=current),
                          field="action", status=409)
    _check(subscription, target)
    _record(subscription, target, actor=actor, reason=why)
    _queue(subscription, RESTORE, actor=actor)
    return subscription


def _status_before_suspension(subscription: Subscription) -> St:
    last = db.session.execute(
        select(SubscriptionEvent).where(SubscriptionEvent.subscription_id == subscription.id,
                                        SubscriptionEvent.to_status == str(St.SUSPENDED))
        .order_by(SubscriptionEvent.at.desc(), SubscriptionEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    if last is not None and last.from_status == St.REDUCED:
        return St.REDUCED
    return St.ACTIVE


def suspend(subscription: Subscription, *, actor: User, reason: str) -> Subscription:
    """active|reduced → suspended: household's request or a technical reason, never debt."""
    if actor is None:
        raise DomainError(_("Une suspension est décidée par une personne nommée"))
    why = _reason(reason)
    if is_debt_reason(why):
        days = asks.debt_reduction_day()
        raise DomainError(_(
            "Le service n'est jamais suspendu pour une dette : la relance sociale propose une "
            "réduction de débit à J+%(days)s, approuvée par un opérateur",
            days=days), field="reason")
    _check(subscription, St.SUSPENDED)
    _record(subscription, St.SUSPENDED, actor=actor, reason=why)
    _queue(subscription, SUSPEND, actor=actor)
    return subscription


def terminate(subscription: Subscription, *, actor: User, reason: str,
              on: date | None = None) -> Subscription:
    """Any open status → terminated (move-out or request); the port is shut down."""
    if actor is None:
        raise DomainError(_("Une résiliation est enregistrée par une personne nommée"))
    why = _reason(reason)
    on = on or today()
    _check(subscription, St.TERMINATED)
    if subscription.activated_on is not None and on < subscription.activated_on:
        raise DomainError(_("La résiliation ne peut pas précéder l'activation"), field="on")
    _record(subscription, St.TERMINATED, actor=actor, reason=why)
    subscription.terminated_on = on
    # A subscription that never left "pending" has nothing on the switch, but its waiting
    # activation job must not run: the terminate job supersedes it and leaves a spare port.
    _queue(subscription, TERMINATE, actor=actor)
    return subscription


def reduced_for_debt(subscription: Subscription) -> bool:
    """True when the subscription is reduced and the reduction's reason was debt."""
    if subscription.status != St.REDUCED:
        return False
    last = db.session.execute(
        select(SubscriptionEvent).where(SubscriptionEvent.subscription_id == subscription.id,
                                        SubscriptionEvent.to_status == str(St.REDUCED))
        .order_by(SubscriptionEvent.at.desc(), SubscriptionEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    return last is not None and is_debt_reason(last.reason)


def _on_debt_cleared(household: Household, actor: User | None = None, **_extra) -> None:
    """Lift a debt reduction the day the debt is cleared (billing may already have done it)."""
    for subscription in list(household.subscriptions):
        if reduced_for_debt(subscription):
            restore_service(subscription, actor=actor,
                            reason="Dette réglée ou échéancier convenu : débit rétabli")


signals.debt_cleared.connect(_on_debt_cleared)
