"""Issue 16.7: the plan's speeds (full and reduced) reach the switch, and an admin's change of
them re-provisions the ports concerned as one batch — against the real SSH simulator."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from billing import tariffs
from billing.models import Plan
from isp.extensions import db as _db
from network.provisioning import queue as prov
from network.provisioning.models import ProvisioningBatch, ProvisioningJob
from subscribers import lifecycle
from tests import factories
from tests.network.conftest_ssh import LAB_PASSWORD, LAB_SECRET
from tests.network.factories_provisioning import make_switch, wire

pytest_plugins = ["tests.network.conftest_ssh"]


@pytest.fixture
def plan(db):
    tariffs.ensure_default_grid()
    return _db.session.execute(select(Plan).where(Plan.code == "SOLIDAIRE-1G")).scalar_one()


def _switch(ssh_lab, hostname):
    return make_switch(hostname, ssh_port=ssh_lab.port(hostname), username="admin",
                       password=LAB_PASSWORD, secret=LAB_SECRET)


def _subscribed(device, if_name, code, operator):
    unit = factories.make_unit(code, building=device.building)
    wire(unit, device, if_name)
    return lifecycle.subscribe(factories.make_household(unit=unit), tier="T1", actor=operator)


def _set_speeds(plan, admin, **speeds):
    current = {"down_kbps": plan.down_kbps, "up_kbps": plan.up_kbps,
               "reduced_down_kbps": plan.reduced_down_kbps,
               "reduced_up_kbps": plan.reduced_up_kbps}
    tariffs.update_plan(plan, actor=admin, name=plan.name, description=plan.description,
                        **{**current, **speeds})


def _batches():
    return _db.session.execute(select(ProvisioningBatch).order_by(ProvisioningBatch.id)
                               ).scalars().all()


def test_reduced_speeds_set_by_the_admin_reach_every_reduced_port_as_one_batch(
        db, ssh_lab, plan, configurator):
    operator, admin = factories.make_user("operator"), factories.make_user("admin")
    first, second = _switch(ssh_lab, "sw-reduce"), _switch(ssh_lab, "sw-batch")
    reduced_a = _subscribed(first, "Gi1/0/5", "RS-A-01-1", operator)
    reduced_b = _subscribed(second, "Gi1/0/6", "RS-B-01-1", operator)
    active = _subscribed(first, "Gi1/0/8", "RS-A-02-1", operator)
    prov.run_queue(configurator=configurator)
    for subscription in (reduced_a, reduced_b):
        lifecycle.reduce_service(subscription, actor=operator, reason="Demande du foyer")
    prov.run_queue(configurator=configurator)
    assert ssh_lab.interface("sw-reduce", "GigabitEthernet1/0/5")["policy_out"] == "PM-8M"

    _set_speeds(plan, admin, reduced_down_kbps=10_000, reduced_up_kbps=3_000)

    [batch] = _batches()
    assert {job.subscription_id for job in batch.jobs} == {reduced_a.id, reduced_b.id}
    assert batch.job_count == 2 and batch.created_by_id == admin.id
    assert all(job.state == "queued" and job.desired["policy_out"] == "PM-10M"
               and job.desired["policy_in"] == "PM-3M" for job in batch.jobs)

    outcomes = prov.run_queue(configurator=configurator)

    assert sorted((o.hostname, o.state, o.changed) for o in outcomes) == [
        ("sw-batch", "succeeded", True), ("sw-reduce", "succeeded", True)]
    state = ssh_lab.state()
    for hostname, interface in (("sw-reduce", "GigabitEthernet1/0/5"),
                                ("sw-batch", "GigabitEthernet1/0/6")):
        on_switch = state[hostname]["interfaces"][interface]
        assert (on_switch["policy_in"], on_switch["policy_out"]) == ("PM-3M", "PM-10M")
        # the policy attached polices at the configured rates, in bit/s
        assert state[hostname]["policies"]["PM-10M"] == 10_000_000
        assert state[hostname]["policies"]["PM-3M"] == 3_000_000
    # the active port keeps the full rate and was not touched
    assert state["sw-reduce"]["interfaces"]["GigabitEthernet1/0/8"]["policy_out"] == "PM-1G"
    assert prov.latest_job_for_subscription(active.id).batch_id is None
    # a port reduced after the change gets the new rates directly
    lifecycle.reduce_service(active, actor=operator, reason="Demande du foyer")
    prov.run_queue(configurator=configurator)
    on_switch = ssh_lab.interface("sw-reduce", "GigabitEthernet1/0/8")
    assert (on_switch["policy_in"], on_switch["policy_out"]) == ("PM-3M", "PM-10M")


def test_full_speed_goes_the_same_path_and_a_rename_queues_nothing(
        db, ssh_lab, plan, configurator):
    operator, admin = factories.make_user("operator"), factories.make_user("admin")
    device = _switch(ssh_lab, "sw-misc")
    active = _subscribed(device, "Gi1/0/11", "FS-A-01-1", operator)
    reduced = _subscribed(device, "Gi1/0/12", "FS-A-02-1", operator)
    prov.run_queue(configurator=configurator)
    lifecycle.reduce_service(reduced, actor=operator, reason="Demande du foyer")
    prov.run_queue(configurator=configurator)
    # the default plan's 1 Gbit/s came from the plan, through the same function
    assert ssh_lab.interface("sw-misc", "GigabitEthernet1/0/11")["policy_out"] == "PM-1G"
    assert ssh_lab.state()["sw-misc"]["policies"]["PM-1G"] == 1_000_000_000

    tariffs.update_plan(plan, actor=admin, name="Internet solidaire (nouveau nom)",
                        down_kbps=plan.down_kbps, up_kbps=plan.up_kbps,
                        reduced_down_kbps=plan.reduced_down_kbps,
                        reduced_up_kbps=plan.reduced_up_kbps, description=None)
    assert _batches() == []

    _set_speeds(plan, admin, down_kbps=500_000, up_kbps=100_000)

    [batch] = _batches()
    assert [job.subscription_id for job in batch.jobs] == [active.id]  # reduced rates unchanged
    [outcome] = prov.run_queue(configurator=configurator)
    assert outcome.state == "succeeded"
    on_switch = ssh_lab.interface("sw-misc", "GigabitEthernet1/0/11")
    assert (on_switch["policy_in"], on_switch["policy_out"]) == ("PM-100M", "PM-500M")
    assert ssh_lab.state()["sw-misc"]["policies"]["PM-500M"] == 500_000_000
    assert ssh_lab.interface("sw-misc", "GigabitEthernet1/0/12")["policy_out"] == "PM-8M"
    assert _db.session.execute(select(func.count(ProvisioningJob.id)).where(
        ProvisioningJob.batch_id == batch.id)).scalar_one() == 1


def test_an_odd_rate_gets_a_policy_named_after_it(db, ssh_lab, plan, configurator):
    operator, admin = factories.make_user("operator"), factories.make_user("admin")
    device = _switch(ssh_lab, "sw-terminate")
    subscription = _subscribed(device, "Gi1/0/14", "OR-A-01-1", operator)
    prov.run_queue(configurator=configurator)
    lifecycle.reduce_service(subscription, actor=operator, reason="Demande du foyer")

    _set_speeds(plan, admin, reduced_down_kbps=1_500, reduced_up_kbps=512)
    prov.run_queue(configurator=configurator)

    on_switch = ssh_lab.interface("sw-terminate", "GigabitEthernet1/0/14")
    assert (on_switch["policy_in"], on_switch["policy_out"]) == ("PM-512K", "PM-1500K")
    assert ssh_lab.state()["sw-terminate"]["policies"]["PM-1500K"] == 1_500_000
