"""Provisioning over real SSH: netmiko against the lab switch simulator on loopback.

Expected port configs are written out here by hand and compared with the simulator's own
``state.json``, not with what our parser reads back.
"""

from __future__ import annotations

import logging
import socket
from datetime import UTC

import pytest

from network.provisioning.ssh import (
    BatchResult,
    NetmikoConfigurator,
    PortSpeeds,
    PortState,
    ProvisioningState,
    SwitchAccess,
    SwitchError,
    backup_running_config,
    desired_port_state,
)

pytest_plugins = ["tests.network.conftest_ssh"]

S = ProvisioningState
SPEEDS = PortSpeeds(1_000_000, 1_000_000, 8_000, 2_000)
ACTIVE = desired_port_state("PB-A-03-2", "active", SPEEDS)
REDUCED = desired_port_state("PB-A-03-2", "reduced", SPEEDS)
TERMINATED = desired_port_state("PB-A-03-2", "terminated", SPEEDS)

#: the simulator's view of an active 1 Gbit/s port, written by hand
ACTIVE_ON_SWITCH = {
    "description": "PB-A-03-2",
    "mode": "access",
    "access_vlan": 100,
    "policy_in": "PM-1G",
    "policy_out": "PM-1G",
    "shutdown": False,
}
UNCONFIGURED_ON_SWITCH = {
    "description": None,
    "mode": None,
    "access_vlan": None,
    "policy_in": None,
    "policy_out": None,
    "shutdown": False,
}


def define(policy: str, bps: int) -> list[str]:
    """The lines defining a policy-map before a port first uses it (issue 16.7)."""
    return [f"policy-map {policy}", "class class-default",
            f"police {bps} conform-action transmit exceed-action drop"]


def states(result: BatchResult, interface: str) -> list[str]:
    return [str(state) for state, _ in result.outcome(interface).history]


def test_provision_then_rerun_changes_nothing(ssh_lab, switch_access, configurator):
    access = switch_access("sw-provision")

    first = configurator.apply(access, [("Gi1/0/3", ACTIVE)])

    port = first.outcome("GigabitEthernet1/0/3")
    assert port.state == S.SUCCEEDED, port.error
    assert port.commands == [
        *define("PM-1G", 1_000_000_000),
        "interface GigabitEthernet1/0/3",
        "description PB-A-03-2",
        "switchport mode access",
        "switchport access vlan 100",
        "service-policy input PM-1G",
        "service-policy output PM-1G",
    ]
    assert states(first, "Gi1/0/3") == [
        "queued",
        "connecting",
        "applying",
        "verifying",
        "saving",
        "succeeded",
    ]
    times = [at for _, at in port.history]
    assert all(at.tzinfo is UTC for at in times)
    assert times == sorted(times)
    assert port.before == PortState(mode=None)
    assert port.after == ACTIVE
    assert "interface GigabitEthernet1/0/3" in port.before_config
    assert "service-policy output PM-1G" in port.after_config
    assert first.saved
    assert "[OK]" in first.save_output
    assert ssh_lab.interface("sw-provision", "GigabitEthernet1/0/3") == ACTIVE_ON_SWITCH
    assert ssh_lab.state()["sw-provision"]["saves"] == 1
    assert ssh_lab.state()["sw-provision"]["policies"] == {"PM-1G": 1_000_000_000}
    assert ssh_lab.state()["sw-provision"]["startup"]["GigabitEthernet1/0/3"] == ACTIVE_ON_SWITCH

    again = configurator.apply(access, [("GigabitEthernet1/0/3", ACTIVE)])

    port = again.outcome("Gi1/0/3")
    assert port.state == S.SUCCEEDED
    assert port.commands == []
    assert states(again, "Gi1/0/3") == ["queued", "connecting", "verifying", "succeeded"]
    assert not again.saved
    assert ssh_lab.state()["sw-provision"]["saves"] == 1
    assert "configure terminal" not in again.transcript


def test_reduce_then_restore_swaps_policies(ssh_lab, switch_access, configurator):
    access = switch_access("sw-reduce")
    assert configurator.apply(access, [("Gi1/0/5", ACTIVE)]).outcome("Gi1/0/5").changed

    reduced = configurator.apply(access, [("Gi1/0/5", REDUCED)]).outcome("Gi1/0/5")

    assert reduced.state == S.SUCCEEDED, reduced.error
    assert reduced.commands == [
        *define("PM-2M", 2_000_000),
        *define("PM-8M", 8_000_000),
        "interface GigabitEthernet1/0/5",
        "no service-policy input PM-1G",
        "service-policy input PM-2M",
        "no service-policy output PM-1G",
        "service-policy output PM-8M",
    ]
    on_switch = ssh_lab.interface("sw-reduce", "GigabitEthernet1/0/5")
    # Port out is the household's download: 8 Mbit/s; port in its upload: 2 Mbit/s.
    assert (on_switch["policy_in"], on_switch["policy_out"]) == ("PM-2M", "PM-8M")
    assert on_switch["shutdown"] is False

    restored = configurator.apply(access, [("Gi1/0/5", ACTIVE)]).outcome("Gi1/0/5")

    assert restored.state == S.SUCCEEDED
    # a new session: PM-1G is defined again (same rate, a no-op on the switch)
    assert restored.commands[:3] == define("PM-1G", 1_000_000_000)
    assert restored.commands[4:] == [
        "no service-policy input PM-2M",
        "service-policy input PM-1G",
        "no service-policy output PM-8M",
        "service-policy output PM-1G",
    ]
    assert ssh_lab.interface("sw-reduce", "GigabitEthernet1/0/5") == {
        **ACTIVE_ON_SWITCH,
        "description": "PB-A-03-2",
    }
    assert ssh_lab.state()["sw-reduce"]["saves"] == 3


def test_terminate_shuts_the_port_last(ssh_lab, switch_access, configurator):
    access = switch_access("sw-terminate")
    configurator.apply(access, [("Gi1/0/7", ACTIVE)])

    port = configurator.apply(access, [("Gi1/0/7", TERMINATED)]).outcome("Gi1/0/7")

    assert port.state == S.SUCCEEDED, port.error
    assert port.commands == [
        "interface GigabitEthernet1/0/7",
        "no service-policy input PM-1G",
        "no service-policy output PM-1G",
        "shutdown",
    ]
    assert ssh_lab.interface("sw-terminate", "GigabitEthernet1/0/7") == {
        **ACTIVE_ON_SWITCH,
        "policy_in": None,
        "policy_out": None,
        "shutdown": True,
    }

    reopened = configurator.apply(access, [("Gi1/0/7", ACTIVE)]).outcome("Gi1/0/7")

    assert reopened.commands[-1] == "no shutdown"
    assert ssh_lab.interface("sw-terminate", "GigabitEthernet1/0/7") == ACTIVE_ON_SWITCH


def test_rejected_line_rolls_back_to_the_pre_image(ssh_lab, switch_access, configurator):
    access = switch_access("sw-reject")
    configurator.apply(access, [("Gi1/0/2", ACTIVE)])
    saves_before = ssh_lab.state()["sw-reject"]["saves"]
    ssh_lab.set_faults("sw-reject", reject_lines=["service-policy input PM-2M"])
    try:
        result = configurator.apply(access, [("Gi1/0/2", REDUCED)])
    finally:
        ssh_lab.clear_faults()

    port = result.outcome("Gi1/0/2")
    assert port.state == S.ROLLED_BACK
    assert "rejected" in port.error
    assert "service-policy input PM-2M" in port.error
    assert port.before == ACTIVE
    assert port.after == ACTIVE
    # The line before the rejected one had removed the input policy: the rollback restores it.
    # (PM-1G was attached before, so it exists: the rollback does not define it)
    assert port.rollback_commands == [
        "interface GigabitEthernet1/0/2",
        "service-policy input PM-1G",
    ]
    assert ssh_lab.interface("sw-reject", "GigabitEthernet1/0/2") == ACTIVE_ON_SWITCH
    assert states(result, "Gi1/0/2")[-1] == "rolled_back"
    assert not result.saved
    assert ssh_lab.state()["sw-reject"]["saves"] == saves_before


def test_dropped_session_reconnects_and_rolls_back(ssh_lab, switch_access, configurator):
    access = switch_access("sw-drop")
    configurator.apply(access, [("Gi1/0/4", ACTIVE)])
    # PM-2M and PM-8M's 6 definition lines, interface, no service-policy input,
    # service-policy input: the 10th line kills the session.
    ssh_lab.set_faults("sw-drop", drop_after_config_lines=9)
    try:
        result = configurator.apply(access, [("Gi1/0/4", REDUCED)])
    finally:
        ssh_lab.clear_faults()

    port = result.outcome("Gi1/0/4")
    assert port.state == S.ROLLED_BACK, port.error
    assert "ReadTimeout" in port.error or "Socket" in port.error
    assert port.rollback_commands == [
        "interface GigabitEthernet1/0/4",
        "no service-policy input PM-2M",
        "service-policy input PM-1G",
    ]
    assert port.after == ACTIVE
    assert ssh_lab.interface("sw-drop", "GigabitEthernet1/0/4") == ACTIVE_ON_SWITCH
    assert "### session 2 to sw-drop ###" in result.transcript


def test_wrong_password_is_unreachable(ssh_lab, switch_access, configurator):
    result = configurator.apply(
        switch_access("sw-auth", password="not-the-password"), [("Gi1/0/1", ACTIVE)]
    )

    port = result.outcome("Gi1/0/1")
    assert port.state == S.UNREACHABLE
    assert "authentication failed" in port.error
    assert port.commands == []
    assert states(result, "Gi1/0/1") == ["queued", "connecting", "unreachable"]
    assert "not-the-password" not in result.transcript
    assert ssh_lab.interface("sw-auth", "GigabitEthernet1/0/1") == UNCONFIGURED_ON_SWITCH


def test_credentials_refused_by_the_switch_is_unreachable(ssh_lab, switch_access, configurator):
    ssh_lab.set_faults("sw-auth", deny_auth=True)
    try:
        result = configurator.apply(switch_access("sw-auth"), [("Gi1/0/1", ACTIVE)])
    finally:
        ssh_lab.clear_faults()

    assert result.outcome("Gi1/0/1").state == S.UNREACHABLE
    assert "authentication failed for user 'admin'" in result.error


def test_wrong_enable_secret_fails_without_sending(ssh_lab, switch_access, configurator):
    result = configurator.apply(
        switch_access("sw-auth", secret="not-the-secret"), [("Gi1/0/1", ACTIVE)]
    )

    port = result.outcome("Gi1/0/1")
    assert port.state == S.FAILED
    assert "enable" in port.error
    assert port.commands == []
    assert "not-the-secret" not in result.transcript
    assert "configure terminal" not in result.transcript
    assert ssh_lab.interface("sw-auth", "GigabitEthernet1/0/1") == UNCONFIGURED_ON_SWITCH


def test_nothing_listening_is_unreachable(switch_access, configurator):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]

    result = configurator.apply(switch_access("sw-misc", port=free_port), [("Gi1/0/1", ACTIVE)])

    assert result.outcome("Gi1/0/1").state == S.UNREACHABLE
    assert "TCP connection failed" in result.error


def test_sha1_only_switch_is_unreachable_with_a_clear_message(switch_access, configurator):
    result = configurator.apply(switch_access("sw-legacy"), [("Gi1/0/1", ACTIVE)])

    assert result.outcome("Gi1/0/1").state == S.UNREACHABLE
    assert "incompatible SSH peer" in result.error


def test_batch_uses_one_session_and_one_save(ssh_lab, switch_access, configurator, caplog):
    caplog.set_level(logging.DEBUG)
    access = switch_access("sw-batch")
    ports = [(f"Gi1/0/{n}", desired_port_state(f"PB-B-0{n}-1", "active", SPEEDS))
             for n in (1, 2, 3)]
    # A port already in its desired state, and one whose change the switch refuses.
    configurator.apply(access, [ports[1]])
    ssh_lab.set_faults("sw-batch", reject_lines=["description PB-B-09-1"])
    saves_before = ssh_lab.state()["sw-batch"]["saves"]
    try:
        result = configurator.apply(
            access, [*ports, ("Gi1/0/9", desired_port_state("PB-B-09-1", "active", SPEEDS))]
        )
    finally:
        ssh_lab.clear_faults()

    assert [o.state for o in result.outcomes] == [
        S.SUCCEEDED,
        S.SUCCEEDED,
        S.SUCCEEDED,
        S.ROLLED_BACK,
    ]
    assert [bool(o.commands) for o in result.outcomes] == [True, False, True, True]
    assert result.saved
    assert ssh_lab.state()["sw-batch"]["saves"] == saves_before + 1
    assert result.transcript.count("### session") == 1
    assert result.transcript.count("write memory") == 1
    assert ssh_lab.interface("sw-batch", "GigabitEthernet1/0/3")["description"] == "PB-B-03-1"
    assert ssh_lab.interface("sw-batch", "GigabitEthernet1/0/9") == UNCONFIGURED_ON_SWITCH
    text = result.transcript + repr(result) + caplog.text
    assert "switchport access vlan 100" in result.transcript
    assert "lab-Pa55word-7731" not in text
    assert "en-S3cret-4402" not in text


def test_unknown_interface_fails_without_sending(switch_access, configurator):
    result = configurator.apply(switch_access("sw-misc"), [("Gi1/0/99", ACTIVE)])

    port = result.outcome("Gi1/0/99")
    assert port.state == S.FAILED
    assert "no 'interface GigabitEthernet1/0/99' block" in port.error
    assert port.commands == []
    assert "configure terminal" not in result.transcript


def test_unsafe_description_fails_without_sending(ssh_lab, switch_access, configurator):
    unsafe = PortState(description="flat 3?", access_vlan=100)

    result = configurator.apply(switch_access("sw-misc"), [("Gi1/0/8", unsafe)])

    assert result.outcome("Gi1/0/8").state == S.FAILED
    assert "whitelist" in result.outcome("Gi1/0/8").error
    assert ssh_lab.interface("sw-misc", "GigabitEthernet1/0/8") == UNCONFIGURED_ON_SWITCH


def test_backup_returns_the_full_running_config(switch_access):
    access: SwitchAccess = switch_access("sw-misc")

    text = backup_running_config(access, NetmikoConfigurator(read_timeout=5))

    assert "hostname sw-misc" in text
    assert "interface GigabitEthernet1/0/32" in text
    assert text.rstrip().endswith("end")


def test_aggregation_switch_shows_its_ten_gigabit_ports(switch_access):
    text = backup_running_config(switch_access("sw-agg"), NetmikoConfigurator(read_timeout=5))

    assert "hostname sw-agg" in text
    assert "interface TenGigabitEthernet1/0/24" in text
    assert "TenGigabitEthernet1/0/25" not in text and "interface GigabitEthernet" not in text


@pytest.mark.parametrize(("typed", "expected"), [
    ("Gi1/0/5", "GigabitEthernet1/0/5"), ("gig 1/0/5", "GigabitEthernet1/0/5"),
    ("Te1/0/2", "TenGigabitEthernet1/0/2"), ("TenGig1/0/2", "TenGigabitEthernet1/0/2"),
    ("G1/0/5", None), ("Fa0/1", None), ("Gi1/0", None),
])
def test_interface_names_are_abbreviated_as_on_ios(typed, expected):
    from lab.ssh_switch import canonical_interface

    assert canonical_interface(typed) == expected


def test_switch_access_repr_hides_credentials(switch_access):
    text = repr(switch_access("sw-misc"))

    assert "lab-Pa55word-7731" not in text
    assert "en-S3cret-4402" not in text


@pytest.mark.parametrize("device_type", ["juniper_junos", ""])
def test_unsupported_device_type_fails_before_connecting(switch_access, device_type):
    result = NetmikoConfigurator().apply(
        switch_access("sw-misc", device_type=device_type), [("Gi1/0/1", ACTIVE)]
    )

    assert result.outcome("Gi1/0/1").state == S.FAILED
    assert "unsupported device_type" in result.error


def test_line_silently_ignored_is_caught_by_the_read_back(ssh_lab, switch_access, configurator):
    access = switch_access("sw-misc")
    ssh_lab.set_faults("sw-misc", ignore_lines=["service-policy output PM-1G"])
    try:
        result = configurator.apply(access, [("Gi1/0/10", ACTIVE)])
    finally:
        ssh_lab.clear_faults()

    port = result.outcome("Gi1/0/10")
    assert port.state == S.ROLLED_BACK
    assert port.error.startswith("verification failed")
    assert states(result, "Gi1/0/10")[-3:] == ["applying", "verifying", "rolled_back"]
    assert port.after == port.before == PortState(mode=None)
    assert ssh_lab.interface("sw-misc", "GigabitEthernet1/0/10") == UNCONFIGURED_ON_SWITCH
    assert not result.saved


def test_unconfirmed_save_needs_attention(ssh_lab, switch_access, configurator):
    access = switch_access("sw-misc")
    ssh_lab.set_faults("sw-misc", fail_save=True)
    try:
        result = configurator.apply(access, [("Gi1/0/11", ACTIVE), ("Gi1/0/12", EMPTY_PORT)])
    finally:
        ssh_lab.clear_faults()

    changed, untouched = result.outcomes
    assert changed.state == S.NEEDS_ATTENTION
    assert "did not confirm" in changed.error
    assert states(result, "Gi1/0/11")[-2:] == ["saving", "needs_attention"]
    # The change is live but not in the startup config.
    assert ssh_lab.interface("sw-misc", "GigabitEthernet1/0/11") == ACTIVE_ON_SWITCH
    assert "GigabitEthernet1/0/11" not in ssh_lab.state()["sw-misc"]["startup"]
    assert untouched.state == S.SUCCEEDED
    assert not result.saved


EMPTY_PORT = PortState(mode=None)


def test_listener_sees_every_transition(switch_access, configurator):
    seen: list[tuple[str, str]] = []

    result = configurator.apply(
        switch_access("sw-misc"),
        [("Gi1/0/13", ACTIVE)],
        on_change=lambda outcome: seen.append((outcome.interface, str(outcome.state))),
    )

    assert result.outcome("Gi1/0/13").state == S.SUCCEEDED
    assert seen == [
        ("GigabitEthernet1/0/13", state)
        for state in ("connecting", "applying", "verifying", "saving", "succeeded")
    ]


def test_backup_with_wrong_password_raises_unreachable(switch_access):
    with pytest.raises(SwitchError, match="authentication failed") as caught:
        backup_running_config(switch_access("sw-misc", password="nope"), NetmikoConfigurator())

    assert caught.value.state == S.UNREACHABLE


def test_seeded_switches_run_their_recorded_configuration(tmp_path, configurator):
    """The demo lab's first start: switches already run what the database says they run."""
    from dataclasses import asdict

    from lab.ssh_switch import seed_state, start_ssh_lab
    from network.provisioning.vendors import ios_parse_port_state
    from tests.network.conftest_ssh import LAB_PASSWORD, LAB_SECRET

    state_dir = tmp_path / "not-yet-created"
    seed_state(state_dir, ["sw-seeded"], {"sw-seeded": {"Gi1/0/3": asdict(ACTIVE)}},
               port_count=8)
    lab = start_ssh_lab(["sw-seeded"], state_dir, password=LAB_PASSWORD, secret=LAB_SECRET,
                        fresh=False)
    try:
        access = SwitchAccess(hostname="sw-seeded", host=lab.host, port=lab.port("sw-seeded"),
                              device_type="cisco_ios", username="admin",
                              password=LAB_PASSWORD, secret=LAB_SECRET)
        running = backup_running_config(access, configurator)
        assert ios_parse_port_state(running, "Gi1/0/3") == ACTIVE
        assert lab.interface("sw-seeded", "GigabitEthernet1/0/3") == ACTIVE_ON_SWITCH
        assert lab.interface("sw-seeded", "GigabitEthernet1/0/4") == UNCONFIGURED_ON_SWITCH
        assert lab.state()["sw-seeded"]["startup"]["GigabitEthernet1/0/3"] == ACTIVE_ON_SWITCH
    finally:
        lab.stop()


def test_several_enters_at_once_give_one_prompt_per_line(ssh_lab):
    """netmiko under load sends Enters in a burst: each prompt must stay on its own line."""
    import asyncio

    import asyncssh

    from tests.network.conftest_ssh import LAB_PASSWORD, LAB_SWITCHES

    hostname = LAB_SWITCHES[0]

    async def burst() -> str:
        async with asyncssh.connect(ssh_lab.host, ssh_lab.port(hostname), username="admin",
                                    password=LAB_PASSWORD, known_hosts=None) as connection:
            process = await connection.create_process(term_type="vt100")
            banner = await process.stdout.readuntil(f"{hostname}>")
            process.stdin.write("\n\n\n")
            received = ""
            while received.count(f"{hostname}>") < 3:
                received += await asyncio.wait_for(process.stdout.read(4096), 10)
            process.close()
            return banner + received

    output = asyncio.run(burst())
    lines = [line.strip() for line in output.replace("\r", "").split("\n") if line.strip()]
    assert lines[-3:] == [f"{hostname}>"] * 3
    assert f"{hostname}>{hostname}>" not in output
