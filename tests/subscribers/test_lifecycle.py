"""The subscription state machine: allowed and forbidden transitions, who/when/why, the jobs
queued, and the rule that debt never suspends a service."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from isp import signals
from isp.errors import DomainError
from isp.extensions import db
from isp.timeutil import today, utcnow
from network.provisioning.models import PortDesiredState, ProvisioningJob
from subscribers import lifecycle, services
from subscribers.lifecycle import TRANSITIONS
from subscribers.models import SubscriptionEvent
from tests import factories
from tests.network.factories_provisioning import make_wired_household

STATUSES = ["pending", "provisioning", "active", "reduced", "suspended", "terminated"]

#: The table written out by hand (from the issue): (from, to) pairs that are allowed.
ALLOWED = {
    ("pending", "provisioning"), ("pending", "terminated"),
    ("provisioning", "active"), ("provisioning", "terminated"),
    ("active", "reduced"), ("active", "suspended"), ("active", "terminated"),
    ("reduced", "active"), ("reduced", "suspended"), ("reduced", "terminated"),
    ("suspended", "active"), ("suspended", "reduced"), ("suspended", "terminated"),
}


@pytest.mark.parametrize("source", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_transition_table_matches_the_lifecycle(source, target):
    assert lifecycle.can_transition(source, target) is ((source, target) in ALLOWED)


def test_terminated_is_final():
    assert TRANSITIONS[lifecycle.St.TERMINATED] == frozenset()


def _jobs(subscription):
    return db.session.execute(select(ProvisioningJob).where(
        ProvisioningJob.subscription_id == subscription.id).order_by(ProvisioningJob.id)
    ).scalars().all()


def _events(subscription):
    return [(e.from_status, e.to_status) for e in lifecycle.history(subscription)]


def _active(db, operator=None):
    household = make_wired_household()
    subscription = factories.make_subscription(household=household, status="active")
    return subscription


def test_subscribe_records_who_and_queues_the_activation(db):
    operator = factories.make_user("operator")
    household = make_wired_household()

    subscription = lifecycle.subscribe(household, tier="T2", actor=operator)

    assert subscription.status == "provisioning"
    assert subscription.tier == "T2" and subscription.plan_code == "SOLIDAIRE-1G"
    assert _events(subscription) == [(None, "pending"), ("pending", "provisioning")]
    events = lifecycle.history(subscription)
    assert {e.actor_id for e in events} == {operator.id}
    [job] = _jobs(subscription)
    assert (job.action, job.state, job.created_by_id) == ("activate", "queued", operator.id)
    assert job.desired == {"description": household.unit.code.replace(" ", "_"),
                           "access_vlan": 100, "shutdown": False, "policy_in": "PM-1G",
                           "policy_out": "PM-1G", "mode": "access"}
    desired = db.session.execute(select(PortDesiredState).where(
        PortDesiredState.port_id == job.port_id)).scalar_one()
    assert desired.desired == job.desired and desired.verified_at is None


def test_subscribe_in_the_future_waits_pending(db):
    operator = factories.make_user("operator")
    household = make_wired_household()
    later = today() + timedelta(days=10)

    subscription = lifecycle.subscribe(household, tier="T3", actor=operator, activate_on=later)

    assert subscription.status == "pending"
    [job] = _jobs(subscription)
    assert job.next_attempt_at is not None and job.next_attempt_at.date() >= later - \
        timedelta(days=1)
    assert job.desired["shutdown"] is False  # the activation pushes the active state


@pytest.mark.parametrize(("problem", "message"), [
    ("moved_out", "quitté"), ("already", "déjà un abonnement"), ("unwired", "raccordé"),
    ("tier", "Palier inconnu"), ("past", "passée"),
])
def test_subscribe_refuses_with_a_clear_reason_and_writes_nothing(db, problem, message):
    operator = factories.make_user("operator")
    household = factories.make_household() if problem == "unwired" else make_wired_household()
    kwargs = {"tier": "T1"}
    if problem == "moved_out":
        household.moved_out_on = date(2025, 6, 1)
    if problem == "already":
        factories.make_subscription(household=household, status="active")
    if problem == "tier":
        kwargs["tier"] = "T9"
    if problem == "past":
        kwargs["activate_on"] = today() - timedelta(days=1)
    before = db.session.execute(select(SubscriptionEvent.id)).all()

    with pytest.raises(DomainError, match=message):
        lifecycle.subscribe(household, actor=operator, **kwargs)

    assert db.session.execute(select(SubscriptionEvent.id)).all() == before


def test_mark_active_sets_the_billing_start(db):
    operator = factories.make_user("operator")
    subscription = lifecycle.subscribe(make_wired_household(), tier="T1", actor=operator)

    lifecycle.mark_active(subscription, actor=operator, on=date(2026, 11, 3))

    assert subscription.status == "active" and subscription.activated_on == date(2026, 11, 3)
    assert _events(subscription)[-1] == ("provisioning", "active")


def test_reduce_then_restore_queues_two_jobs_with_the_speeds(db):
    operator = factories.make_user("operator")
    subscription = _active(db)

    lifecycle.reduce_service(subscription, actor=operator,
                             reason="Demande du foyer : limiter le débit des enfants")
    reduce_job = _jobs(subscription)[-1]
    lifecycle.restore_service(subscription, actor=operator, reason="Fin de la demande")

    assert subscription.status == "active"
    assert (reduce_job.desired["policy_in"], reduce_job.desired["policy_out"]) == \
        ("PM-2M", "PM-8M")
    jobs = _jobs(subscription)
    assert [j.action for j in jobs] == ["reduce", "restore"]
    # the reduce job had not run: it is superseded, never sent
    assert [j.state for j in jobs] == ["superseded", "queued"]
    assert jobs[1].desired["policy_out"] == "PM-1G"
    assert _events(subscription) == [("active", "reduced"), ("reduced", "active")]
    assert lifecycle.history(subscription)[0].reason == \
        "Demande du foyer : limiter le débit des enfants"


@pytest.mark.parametrize("reason", [
    "Impayé depuis 3 mois", "dette de 45 €", "Relance +60", "unpaid invoices",
    "Arriérés de loyer et facture",
])
def test_suspension_for_debt_is_refused(db, reason):
    operator = factories.make_user("operator")
    subscription = _active(db)

    with pytest.raises(DomainError, match="jamais suspendu pour une dette"):
        lifecycle.suspend(subscription, actor=operator, reason=reason)

    assert subscription.status == "active"
    assert _jobs(subscription) == [] and _events(subscription) == []


@pytest.mark.parametrize("reason", ["Demande du foyer : départ 3 mois au pays",
                                    "Sécurité : câble arraché dans la gaine"])
def test_suspension_for_request_or_technical_reason_shuts_the_port(db, reason):
    operator = factories.make_user("operator")
    subscription = _active(db)

    lifecycle.suspend(subscription, actor=operator, reason=reason)

    assert subscription.status == "suspended"
    [job] = _jobs(subscription)
    assert job.action == "suspend" and job.desired["shutdown"] is True
    assert lifecycle.history(subscription)[-1].reason == reason


def test_restore_after_suspension_returns_to_the_reduced_speed(db):
    operator = factories.make_user("operator")
    subscription = _active(db)
    lifecycle.reduce_service(subscription, actor=operator,
                             reason="Ligne instable : débit réduit en attendant le technicien")
    lifecycle.suspend(subscription, actor=operator, reason="Demande du foyer")

    lifecycle.restore_service(subscription, actor=operator, reason="Retour du foyer")

    # lifting a suspension must not lift a debt reduction an operator approved
    assert subscription.status == "reduced"
    assert _jobs(subscription)[-1].desired["policy_out"] == "PM-8M"


def test_terminate_records_the_date_and_shuts_the_port(db):
    operator = factories.make_user("operator")
    subscription = _active(db)

    lifecycle.terminate(subscription, actor=operator, reason="Déménagement",
                        on=date(2026, 12, 15))

    assert (subscription.status, subscription.terminated_on) == ("terminated",
                                                                 date(2026, 12, 15))
    [job] = _jobs(subscription)
    assert job.action == "terminate"
    assert job.desired["shutdown"] is True and job.desired["policy_in"] is None


def test_terminate_a_pending_subscription_cancels_its_activation(db):
    operator = factories.make_user("operator")
    subscription = lifecycle.subscribe(make_wired_household(), tier="T3", actor=operator,
                                       activate_on=today() + timedelta(days=5))

    lifecycle.terminate(subscription, actor=operator, reason="Le foyer renonce")

    assert [(j.action, j.state) for j in _jobs(subscription)] == [
        ("activate", "superseded"), ("terminate", "queued")]


@pytest.mark.parametrize(("status", "action"), [
    ("pending", "reduce"), ("provisioning", "suspend"), ("terminated", "restore"),
    ("active", "restore"), ("reduced", "reduce"), ("terminated", "terminate"),
    ("suspended", "suspend"),
])
def test_forbidden_transitions_raise_and_change_nothing(db, status, action):
    operator = factories.make_user("operator")
    subscription = factories.make_subscription(household=make_wired_household(),
                                               status=status)
    service = {"reduce": lifecycle.reduce_service, "restore": lifecycle.restore_service,
               "suspend": lifecycle.suspend, "terminate": lifecycle.terminate}[action]

    with pytest.raises(DomainError) as raised:
        service(subscription, actor=operator, reason="Demande du foyer")

    assert raised.value.status == 409
    assert subscription.status == status
    assert _jobs(subscription) == [] and _events(subscription) == []


@pytest.mark.parametrize("service", ["reduce_service", "suspend", "terminate", "restore_service"])
def test_a_reason_is_required(db, service):
    operator = factories.make_user("operator")
    subscription = _active(db)
    if service == "restore_service":
        subscription.status = "reduced"

    with pytest.raises(DomainError, match="motif"):
        getattr(lifecycle, service)(subscription, actor=operator, reason="  ")


def test_debt_cleared_restores_a_debt_reduction(db):
    operator = factories.make_user("operator")
    subscription = _active(db)
    # The state an approved dunning proposal leaves (billing's path is tested in
    # tests/billing/test_dunning.py): reduced, for a debt reason.
    db.session.add(SubscriptionEvent(subscription_id=subscription.id, at=utcnow(),
                                     actor_id=operator.id, from_status="active",
                                     to_status="reduced",
                                     reason="Impayé depuis 61 jours (relance sociale)"))
    subscription.status = "reduced"
    db.session.flush()

    signals.debt_cleared.send(subscription.household, actor=None)

    assert subscription.status == "active"
    last = lifecycle.history(subscription)[-1]
    assert (last.from_status, last.to_status, last.actor_id) == ("reduced", "active", None)
    assert _jobs(subscription)[-1].action == "restore"


def test_debt_cleared_leaves_a_reduction_for_another_reason(db):
    operator = factories.make_user("operator")
    subscription = _active(db)
    lifecycle.reduce_service(subscription, actor=operator,
                             reason="Demande du foyer : limiter le débit des enfants")

    signals.debt_cleared.send(subscription.household, actor=operator)

    assert subscription.status == "reduced"


def test_moving_out_terminates_the_subscription_in_the_operators_name(client, login_as, db):
    operator = login_as("operator")
    subscription = _active(db)
    household = subscription.household
    form = client.get(f"/households/{household.id}/move-out").get_data(as_text=True)
    assert "sera résilié à la date du départ" in form

    response = client.post(f"/households/{household.id}/move-out",
                           data={"moved_out_on": "2026-12-20"})

    assert response.status_code == 302
    assert household.moved_out_on == date(2026, 12, 20)
    assert (subscription.status, subscription.terminated_on) == ("terminated",
                                                                 date(2026, 12, 20))
    [event] = [e for e in lifecycle.history(subscription) if e.to_status == "terminated"]
    assert (event.actor_id, event.reason) == (operator.id, "Départ du logement")
    assert [job.action for job in _jobs(subscription)] == ["terminate"]


def test_a_subscribed_household_moves_out_only_by_a_named_person(db):
    subscription = _active(db)
    with pytest.raises(DomainError):
        services.move_out(subscription.household, moved_out_on=date(2026, 12, 20))
    assert subscription.household.moved_out_on is None
    assert subscription.status == "active"
