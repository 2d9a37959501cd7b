"""The job layer over real SSH: subscriptions → jobs → netmiko → the lab simulator → job records.

Expected port configs are written by hand and compared with the simulator's own state.json.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from isp.extensions import db as _db
from isp.timeutil import utcnow
from network.provisioning import queue as prov
from network.provisioning.models import DriftFinding, PortDesiredState, ProvisioningJob
from network.provisioning.ssh import NetmikoConfigurator, PortSpeeds, desired_port_state
from subscribers import lifecycle
from tests import factories
from tests.network.conftest_ssh import LAB_PASSWORD, LAB_SECRET
from tests.network.factories_provisioning import make_switch, wire

pytest_plugins = ["tests.network.conftest_ssh"]


def on_switch(description, *, policy="PM-1G", shutdown=False):
    return {"description": description, "mode": "access", "access_vlan": 100,
            "policy_in": policy, "policy_out": policy, "shutdown": shutdown}


def define(policy, bps):
    """The lines defining a policy-map before a port first uses it (issue 16.7)."""
    return [f"policy-map {policy}", "class class-default",
            f"police {bps} conform-action transmit exceed-action drop"]


UNCONFIGURED = {"description": None, "mode": None, "access_vlan": None, "policy_in": None,
                "policy_out": None, "shutdown": False}


@pytest.fixture
def lab_switch(db, ssh_lab):
    """``lab_switch("sw-reduce", password=...)``: the lab switch registered as a Device."""

    def make(hostname, *, password=LAB_PASSWORD, secret=LAB_SECRET):
        return make_switch(hostname, ssh_port=ssh_lab.port(hostname), username="admin",
                           password=password, secret=secret)

    return make


def _household(device, if_name, code):
    unit = factories.make_unit(code, building=device.building)
    wire(unit, device, if_name)
    return factories.make_household(unit=unit)


def _jobs(subscription):
    return _db.session.execute(select(ProvisioningJob).where(
        ProvisioningJob.subscription_id == subscription.id).order_by(ProvisioningJob.id)
    ).scalars().all()


def _states(job):
    return [state for state, _at in job.history]


def test_subscribe_runs_to_succeeded_then_rerun_changes_nothing(db, ssh_lab, lab_switch,
                                                                configurator):
    operator = factories.make_user("operator")
    device = lab_switch("sw-provision")
    household = _household(device, "Gi1/0/3", "JB-A-01-3")
    subscription = lifecycle.subscribe(household, tier="T1", actor=operator)

    outcomes = prov.run_queue(configurator=configurator)

    [job] = _jobs(subscription)
    assert [(o.job_id, o.state, o.changed) for o in outcomes] == [(job.id, "succeeded", True)]
    assert _states(job) == ["queued", "connecting", "applying", "verifying", "saving",
                            "succeeded"]
    assert job.attempts == 1 and job.finished_at is not None and job.error is None
    assert job.commands == [*define("PM-1G", 1_000_000_000),
                            "interface GigabitEthernet1/0/3", "description JB-A-01-3",
                            "switchport mode access", "switchport access vlan 100",
                            "service-policy input PM-1G", "service-policy output PM-1G"]
    assert "interface GigabitEthernet1/0/3" in job.before_config
    assert "description" not in job.before_config
    assert "service-policy output PM-1G" in job.after_config
    assert subscription.status == "active" and subscription.activated_on is not None
    assert ssh_lab.interface("sw-provision", "GigabitEthernet1/0/3") == on_switch("JB-A-01-3")
    saves = ssh_lab.state()["sw-provision"]["saves"]
    assert saves == 1
    assert _db.session.execute(select(PortDesiredState).where(
        PortDesiredState.port_id == job.port_id)).scalar_one().verified_at is not None

    assert prov.run_queue(configurator=configurator) == []  # a finished job is never re-run
    push = prov.push_desired_state(job.port, actor=operator)
    [again] = prov.run_queue(configurator=configurator)

    assert (again.job_id, again.state, again.changed) == (push.id, "succeeded", False)
    assert push.commands == [] and _states(push) == ["queued", "connecting", "verifying",
                                                     "succeeded"]
    assert ssh_lab.state()["sw-provision"]["saves"] == saves  # no write memory


def test_reduce_and_restore_change_the_policies(db, ssh_lab, lab_switch, configurator):
    operator = factories.make_user("operator")
    device = lab_switch("sw-reduce")
    subscription = lifecycle.subscribe(_household(device, "Gi1/0/5", "JB-B-02-1"), tier="T2",
                                       actor=operator)
    prov.run_queue(configurator=configurator)

    lifecycle.reduce_service(subscription, actor=operator, reason="Demande du foyer")
    [reduced] = prov.run_queue(configurator=configurator)
    on_reduced = ssh_lab.interface("sw-reduce", "GigabitEthernet1/0/5")
    lifecycle.restore_service(subscription, actor=operator, reason="Dette réglée")
    [restored] = prov.run_queue(configurator=configurator)

    assert (reduced.action, reduced.state, restored.action, restored.state) == (
        "reduce", "succeeded", "restore", "succeeded")
    assert on_reduced == {**on_switch("JB-B-02-1"), "policy_in": "PM-2M", "policy_out": "PM-8M"}
    assert ssh_lab.interface("sw-reduce", "GigabitEthernet1/0/5") == on_switch("JB-B-02-1")
    assert _jobs(subscription)[1].commands == [
        *define("PM-2M", 2_000_000), *define("PM-8M", 8_000_000),
        "interface GigabitEthernet1/0/5", "no service-policy input PM-1G",
        "service-policy input PM-2M", "no service-policy output PM-1G",
        "service-policy output PM-8M"]


def test_terminate_shuts_the_port(db, ssh_lab, lab_switch, configurator):
    operator = factories.make_user("operator")
    device = lab_switch("sw-terminate")
    subscription = lifecycle.subscribe(_household(device, "Gi1/0/7", "JB-C-03-2"), tier="T3",
                                       actor=operator)
    prov.run_queue(configurator=configurator)

    lifecycle.terminate(subscription, actor=operator, reason="Déménagement")
    [outcome] = prov.run_queue(configurator=configurator)

    assert outcome.state == "succeeded"
    assert ssh_lab.interface("sw-terminate", "GigabitEthernet1/0/7") == {
        **on_switch("JB-C-03-2"), "policy_in": None, "policy_out": None, "shutdown": True}
    assert _jobs(subscription)[-1].commands[-1] == "shutdown"


def test_rejected_line_rolls_back_and_is_recorded(db, ssh_lab, lab_switch, configurator):
    operator = factories.make_user("operator")
    device = lab_switch("sw-reject")
    subscription = lifecycle.subscribe(_household(device, "Gi1/0/2", "JB-D-04-1"), tier="T1",
                                       actor=operator)
    prov.run_queue(configurator=configurator)
    lifecycle.reduce_service(subscription, actor=operator, reason="Demande du foyer")
    ssh_lab.set_faults("sw-reject", reject_lines=["service-policy input PM-2M"])
    try:
        [outcome] = prov.run_queue(configurator=configurator)
    finally:
        ssh_lab.clear_faults()

    job = _jobs(subscription)[-1]
    assert outcome.state == job.state == "rolled_back"
    assert "service-policy input PM-2M" in job.error
    assert job.rollback_commands[:2] == ["interface GigabitEthernet1/0/2",
                                         "service-policy input PM-1G"]
    assert _states(job)[-2:] == ["applying", "rolled_back"]
    assert ssh_lab.interface("sw-reject", "GigabitEthernet1/0/2") == on_switch("JB-D-04-1")
    # the decision stands; the network did not follow, which the job shows to the operator
    assert subscription.status == "reduced"


def test_dropped_session_reconnects_and_rolls_back(db, ssh_lab, lab_switch, configurator):
    operator = factories.make_user("operator")
    device = lab_switch("sw-drop")
    subscription = lifecycle.subscribe(_household(device, "Gi1/0/4", "JB-A-05-1"), tier="T1",
                                       actor=operator)
    prov.run_queue(configurator=configurator)
    lifecycle.reduce_service(subscription, actor=operator, reason="Demande du foyer")
    ssh_lab.set_faults("sw-drop", drop_after_config_lines=2)
    try:
        [outcome] = prov.run_queue(configurator=configurator)
    finally:
        ssh_lab.clear_faults()

    assert outcome.state == "rolled_back", outcome.error
    job = _jobs(subscription)[-1]
    assert "### session 2" in job.transcript  # it reconnected to roll back
    assert ssh_lab.interface("sw-drop", "GigabitEthernet1/0/4") == on_switch("JB-A-05-1")


def test_wrong_password_is_unreachable_and_retried_with_back_off(db, ssh_lab, lab_switch,
                                                                  configurator):
    operator = factories.make_user("operator")
    device = lab_switch("sw-auth", password="not-the-password")
    subscription = lifecycle.subscribe(_household(device, "Gi1/0/1", "JB-B-06-1"), tier="T1",
                                       actor=operator)
    now = utcnow()

    [first] = prov.run_queue(configurator=configurator, now=now)
    job = _jobs(subscription)[0]
    first_retry = job.next_attempt_at
    assert (first.state, first.attempts) == ("unreachable", 1)
    assert "authentication failed" in job.error and job.finished_at is None
    assert first_retry == now + timedelta(seconds=60)
    assert prov.run_queue(configurator=configurator, now=now + timedelta(seconds=30)) == []

    [second] = prov.run_queue(configurator=configurator, now=now + timedelta(seconds=61))
    assert (second.state, second.attempts) == ("unreachable", 2)
    assert job.next_attempt_at == now + timedelta(seconds=61 + 120)
    assert ssh_lab.interface("sw-auth", "GigabitEthernet1/0/1") == UNCONFIGURED

    # the operator fixes the credentials; the next try succeeds and activates the service
    from network.credentials import encrypt_secret

    device.ssh_password_enc = encrypt_secret(LAB_PASSWORD)
    [third] = prov.run_queue(configurator=configurator, now=now + timedelta(seconds=200))
    assert (third.state, third.attempts) == ("succeeded", 3)
    assert subscription.status == "active"
    assert _states(job).count("unreachable") == 2


def test_wrong_enable_secret_fails_without_sending(db, ssh_lab, lab_switch, configurator):
    operator = factories.make_user("operator")
    device = lab_switch("sw-auth", secret="wrong-secret")
    subscription = lifecycle.subscribe(_household(device, "Gi1/0/9", "JB-C-07-1"), tier="T1",
                                       actor=operator)

    [outcome] = prov.run_queue(configurator=configurator)

    job = _jobs(subscription)[0]
    assert outcome.state == "failed" and "enable" in job.error
    assert job.commands == [] and job.next_attempt_at is None
    assert subscription.status == "provisioning"
    assert prov.run_queue(configurator=configurator) == []  # failed is not retried alone
    assert ssh_lab.interface("sw-auth", "GigabitEthernet1/0/9") == UNCONFIGURED


def test_transcripts_hold_no_secret(db, ssh_lab, lab_switch, configurator):
    operator = factories.make_user("operator")
    device = lab_switch("sw-misc")
    subscription = lifecycle.subscribe(_household(device, "Gi1/0/12", "JB-D-08-1"), tier="T1",
                                       actor=operator)
    prov.run_queue(configurator=configurator)

    job = _jobs(subscription)[0]
    assert "service-policy output PM-1G" in job.transcript
    assert LAB_PASSWORD not in job.transcript and LAB_SECRET not in job.transcript
    for column in ("before_config", "after_config", "error"):
        text = getattr(job, column) or ""
        assert LAB_PASSWORD not in text and LAB_SECRET not in text


def test_one_session_and_one_save_per_switch(db, ssh_lab, lab_switch, configurator):
    operator = factories.make_user("operator")
    device = lab_switch("sw-batch")
    saves = ssh_lab.state()["sw-batch"]["saves"]
    subscriptions = [
        lifecycle.subscribe(_household(device, f"Gi1/0/{n}", f"JB-E-0{n}-1"), tier="T1",
                            actor=operator) for n in (1, 2, 3)]

    outcomes = prov.run_queue(configurator=configurator)

    assert [o.state for o in outcomes] == ["succeeded"] * 3
    assert ssh_lab.state()["sw-batch"]["saves"] == saves + 1
    transcripts = {_jobs(s)[0].transcript for s in subscriptions}
    assert len(transcripts) == 1 and transcripts.pop().count("### session") == 1


def test_nightly_reconcile_backs_up_flags_drift_and_push_repairs_it(db, ssh_lab, lab_switch,
                                                                      configurator):
    operator = factories.make_user("operator")
    device = lab_switch("sw-misc")
    subscription = lifecycle.subscribe(_household(device, "Gi1/0/20", "JB-F-09-1"), tier="T1",
                                       actor=operator)
    prov.run_queue(configurator=configurator)
    port = _jobs(subscription)[0].port

    first = prov.nightly_reconcile(configurator=configurator)
    # someone changes the port by hand on the switch
    access = prov.switch_access(device)
    NetmikoConfigurator(conn_timeout=3, read_timeout=3).apply(
        access, [("Gi1/0/20", desired_port_state(
            "JB-F-09-1", "active", PortSpeeds(8_000, 8_000, 8_000, 2_000)))])
    second = prov.nightly_reconcile(configurator=configurator)

    assert first.drifted == 0 and first.backups >= 1 and not first.errors
    assert second.drifted == 1
    finding = _db.session.execute(prov.open_drift_query().where(
        DriftFinding.port_id == port.id)).scalar_one()
    assert finding.running["policy_out"] == "PM-8M" and finding.desired["policy_out"] == "PM-1G"
    assert "hostname sw-misc" in finding_backup(finding)

    job = prov.push_desired_state(port, actor=operator)
    [outcome] = prov.run_queue(configurator=configurator)

    assert (outcome.job_id, outcome.state, outcome.action) == (job.id, "succeeded", "push")
    assert finding.resolved_at is not None and finding.push_job_id == job.id
    assert ssh_lab.interface("sw-misc", "GigabitEthernet1/0/20") == on_switch("JB-F-09-1")
    assert prov.nightly_reconcile(configurator=configurator).drifted == 0


def finding_backup(finding):
    from network.provisioning.models import ConfigBackup

    return _db.session.get(ConfigBackup, finding.backup_id).config
