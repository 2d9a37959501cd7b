"""Options that touch the switch (issue 22.3), over real SSH to the lab simulator: adding or
removing one queues the port's job, whose diff carries the option's VLAN or policy."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from billing import options, tariffs
from billing.options import TierRule
from isp.errors import DomainError
from isp.extensions import db as _db
from isp.timeutil import today
from network.provisioning import queue as prov
from network.provisioning.models import PortDesiredState, ProvisioningJob
from network.provisioning.ssh import PortSpeeds, PortState, desired_port_state
from network.provisioning.vendors import CISCO_IOS
from subscribers import lifecycle
from tests import factories
from tests.network.conftest_ssh import LAB_PASSWORD, LAB_SECRET
from tests.network.factories_provisioning import make_switch, wire

pytest_plugins = ["tests.network.conftest_ssh"]

SPEEDS = PortSpeeds(1_000_000, 1_000_000, 8_000, 2_000)


def _catalogue(admin):
    tariffs.ensure_default_grid()
    options.create_option({"code": "TEL", "name": "Téléphonie fixe", "monthly_price_cents": 500,
                           "switch_need": "vlan", "vlan_id": 200,
                           "tiers": [TierRule("T1", "cents", 300)]}, actor=admin)
    options.create_option({"code": "VOD", "name": "Vidéo à la demande",
                           "monthly_price_cents": 700, "switch_need": "policy",
                           "policy_name": "VOD-IN", "tiers": [TierRule("T1", "percent", 50)]},
                          actor=admin)
    options.create_option({"code": "TNT", "name": "Chaînes TNT gratuites",
                           "monthly_price_cents": 0, "tiers": [TierRule("T1", "cents", 0)]},
                          actor=admin)


def _jobs(subscription):
    return _db.session.execute(select(ProvisioningJob).where(
        ProvisioningJob.subscription_id == subscription.id).order_by(ProvisioningJob.id)
    ).scalars().all()


def test_the_port_state_carries_the_options_while_it_carries_service():
    with_options = {"voice_vlan": 200, "access_group": "VOD-IN"}
    active = desired_port_state("A-01", "active", SPEEDS, **with_options)
    assert (active.voice_vlan, active.access_group) == (200, "VOD-IN")
    assert desired_port_state("A-01", "suspended", SPEEDS, **with_options).voice_vlan == 200
    spare = desired_port_state("A-01", "terminated", SPEEDS, **with_options)
    assert (spare.voice_vlan, spare.access_group) == (None, None)
    with pytest.raises(ValueError, match="access VLAN"):
        desired_port_state("A-01", "active", SPEEDS, voice_vlan=100)
    # The IOS diff: the option lines only, the old policy removed before the new one.
    before = PortState("A-01", 100, False, "PM-1G", "PM-1G", "access", 200, "OLD")
    after = PortState("A-01", 100, False, "PM-1G", "PM-1G", "access", None, "VOD-IN")
    assert CISCO_IOS.diff_commands(before, after) == [
        "no switchport voice vlan", "no ip access-group OLD in", "ip access-group VOD-IN in"]
    parsed = CISCO_IOS.parse_port_state(
        "interface GigabitEthernet1/0/1\n switchport voice vlan 200\n"
        " ip access-group VOD-IN in\nend\n", "Gi1/0/1")
    assert (parsed.voice_vlan, parsed.access_group) == (200, "VOD-IN")
    # Stored states of ports without options keep their keys (drift compares them).
    assert "voice_vlan" not in prov.state_to_json(desired_port_state("A-01", "active", SPEEDS))


@pytest.mark.clock("2026-11-15T10:00:00+01:00")
def test_adding_and_removing_options_reaches_the_switch_over_ssh(db, ssh_lab, configurator):
    admin, operator = factories.make_user("admin"), factories.make_user("operator")
    _catalogue(admin)
    device = make_switch("sw-provision", ssh_port=ssh_lab.port("sw-provision"),
                         username="admin", password=LAB_PASSWORD, secret=LAB_SECRET)
    unit = factories.make_unit("OP-A-01-5", building=device.building)
    wire(unit, device, "Gi1/0/5")
    subscription = lifecycle.subscribe(factories.make_household(unit=unit), tier="T1",
                                       actor=operator)
    prov.run_queue(configurator=configurator)
    assert subscription.status == "active"
    on_switch = ssh_lab.interface("sw-provision", "GigabitEthernet1/0/5")
    assert "voice_vlan" not in on_switch

    # An option that does not touch the switch queues nothing.
    options.add_option(subscription, "TNT", actor=operator)
    assert len(_jobs(subscription)) == 1

    telephony = options.add_option(subscription, "TEL", actor=operator)
    _db.session.commit()
    [outcome] = prov.run_queue(configurator=configurator)
    job = _jobs(subscription)[-1]
    assert outcome.state == "succeeded" and job.action == "push"
    assert job.commands == ["interface GigabitEthernet1/0/5", "switchport voice vlan 200"]
    assert ssh_lab.interface("sw-provision", "GigabitEthernet1/0/5")["voice_vlan"] == 200

    options.add_option(subscription, "VOD", actor=operator)
    _db.session.commit()
    prov.run_queue(configurator=configurator)
    assert _jobs(subscription)[-1].commands == ["interface GigabitEthernet1/0/5",
                                                "ip access-group VOD-IN in"]
    running = ssh_lab.interface("sw-provision", "GigabitEthernet1/0/5")
    assert (running["voice_vlan"], running["access_group"]) == (200, "VOD-IN")

    # A suspension keeps the options (resuming is one "no shutdown").
    lifecycle.suspend(subscription, actor=operator, reason="Demande du foyer")
    _db.session.commit()
    prov.run_queue(configurator=configurator)
    assert _jobs(subscription)[-1].commands == ["interface GigabitEthernet1/0/5", "shutdown"]

    options.end_option(telephony, actor=operator)
    _db.session.commit()
    [outcome] = prov.run_queue(configurator=configurator)
    assert outcome.state == "succeeded"
    assert _jobs(subscription)[-1].commands == ["interface GigabitEthernet1/0/5",
                                                "no switchport voice vlan"]
    running = ssh_lab.interface("sw-provision", "GigabitEthernet1/0/5")
    assert "voice_vlan" not in running and running["access_group"] == "VOD-IN"
    row = _db.session.execute(select(PortDesiredState)).scalar_one()
    assert row.verified_at is not None and row.desired["access_group"] == "VOD-IN"


@pytest.mark.clock("2026-11-15T10:00:00+01:00")
def test_an_option_added_before_a_future_activation_rides_on_the_activation(db):
    operator = factories.make_user("operator")
    _catalogue(factories.make_user("admin"))
    device = make_switch()
    unit = factories.make_unit(building=device.building)
    wire(unit, device, "Gi1/0/7")
    start = today() + timedelta(days=3)
    subscription = lifecycle.subscribe(factories.make_household(unit=unit), tier="T1",
                                       actor=operator, activate_on=start)
    [activation] = _jobs(subscription)
    waits_until = activation.next_attempt_at
    options.add_option(subscription, "TEL", actor=operator)
    old, new = _jobs(subscription)
    assert (old.state, new.state, new.action) == ("superseded", "queued", "activate")
    assert waits_until is not None and new.next_attempt_at == waits_until
    assert new.desired["voice_vlan"] == 200 and new.desired["shutdown"] is False
    assert start == date(2026, 11, 18)


@pytest.mark.clock("2026-11-15T10:00:00+01:00")
def test_a_port_carries_one_option_vlan_and_a_new_vlan_reprovisions_holders(db):
    operator, admin = factories.make_user("operator"), factories.make_user("admin")
    _catalogue(admin)
    options.create_option({"code": "TEL2", "name": "Seconde ligne", "monthly_price_cents": 300,
                           "switch_need": "vlan", "vlan_id": 201,
                           "tiers": [TierRule("T1", "cents", 0)]}, actor=admin)
    device = make_switch()
    unit = factories.make_unit(building=device.building)
    wire(unit, device, "Gi1/0/8")
    subscription = factories.make_subscription(household=factories.make_household(unit=unit),
                                               tier="T1", activated_on=date(2026, 1, 1))
    options.add_option(subscription, "TEL", actor=operator)
    with pytest.raises(DomainError, match="TEL") as refused:
        options.add_option(subscription, "TEL2", actor=operator)
    assert refused.value.status == 409
    options.update_option(options.get_option("TEL"), {"vlan_id": 210}, actor=admin)
    assert _jobs(subscription)[-1].desired["voice_vlan"] == 210
