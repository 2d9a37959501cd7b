"""Table tests for the per-vendor command sets and the desired-state rules (no SSH)."""

from __future__ import annotations

import re

import pytest

from network.provisioning.ssh import (
    PortSpeeds,
    desired_port_state,
    flat_description,
    policy_for_kbps,
    policy_for_speed,
    scrub,
)
from network.provisioning.vendors import (
    CISCO_IOS,
    HP_PROCURVE,
    IOS_ERROR_PATTERN,
    PortState,
    check_description,
    ios_diff_commands,
    ios_normalize_interface,
    ios_parse_port_state,
    policy_rate_kbps,
    procurve_diff_commands,
    vendor_for,
)

P = PortState
EMPTY = P(mode=None)
ACTIVE = P("PB-A-03-2", 100, False, "PM-1G", "PM-1G", "access")
REDUCED = P("PB-A-03-2", 100, False, "PM-2M", "PM-8M", "access")
#: DESIGN §3.1's plan: 1 Gbit/s both ways, reduced 8 Mbit/s down and 2 Mbit/s up
DEFAULT_SPEEDS = PortSpeeds(1_000_000, 1_000_000, 8_000, 2_000)


@pytest.mark.parametrize(
    ("current", "desired", "expected"),
    [
        (ACTIVE, ACTIVE, []),
        (EMPTY, EMPTY, []),
        (
            EMPTY,
            ACTIVE,
            [
                "description PB-A-03-2",
                "switchport mode access",
                "switchport access vlan 100",
                "service-policy input PM-1G",
                "service-policy output PM-1G",
            ],
        ),
        (
            ACTIVE,
            REDUCED,
            [
                "no service-policy input PM-1G",
                "service-policy input PM-2M",
                "no service-policy output PM-1G",
                "service-policy output PM-8M",
            ],
        ),
        (
            ACTIVE,
            P("PB-A-03-2", 100, True, None, None),
            ["no service-policy input PM-1G", "no service-policy output PM-1G", "shutdown"],
        ),
        (
            P("PB-A-03-2", 100, True, "PM-1G", "PM-1G"),
            ACTIVE,
            ["no shutdown"],
        ),
        (ACTIVE, P("PB-A-03-2", 100, True, "PM-1G", "PM-1G"), ["shutdown"]),
        (ACTIVE, P("PB-A-04-1", 100, False, "PM-1G", "PM-1G"), ["description PB-A-04-1"]),
        (ACTIVE, P(None, 100, False, "PM-1G", "PM-1G"), ["no description"]),
        (ACTIVE, P("PB-A-03-2", 200, False, "PM-1G", "PM-1G"), ["switchport access vlan 200"]),
        (ACTIVE, P("PB-A-03-2", None, False, "PM-1G", "PM-1G"), ["no switchport access vlan"]),
        (ACTIVE, P("PB-A-03-2", 100, False, "PM-1G", "PM-1G", None), ["no switchport mode"]),
        (
            P("PB-A-03-2", 100, False, "PM-1G", None),
            ACTIVE,
            ["service-policy output PM-1G"],
        ),
        (
            P("X", None, False, None, None, None),
            P("Y", 10, True, "PM-2M", None, "access"),
            [
                "description Y",
                "switchport mode access",
                "switchport access vlan 10",
                "service-policy input PM-2M",
                "shutdown",
            ],
        ),
        (
            P("X", 10, True, None, None),
            P("X", 10, False, "PM-1G", None),
            ["service-policy input PM-1G", "no shutdown"],
        ),
    ],
)
def test_ios_diff_commands(current, desired, expected):
    assert ios_diff_commands(current, desired) == expected


@pytest.mark.parametrize(
    ("current", "desired"),
    [(EMPTY, ACTIVE), (ACTIVE, REDUCED), (REDUCED, P("Z", 5, True, None, None))],
)
def test_ios_shutdown_is_always_last_and_removal_precedes_addition(current, desired):
    lines = ios_diff_commands(current, desired)

    shut = [i for i, line in enumerate(lines) if line.endswith("shutdown")]
    assert shut in ([], [len(lines) - 1])
    for direction in ("input", "output"):
        removal = [i for i, x in enumerate(lines) if x.startswith(f"no service-policy {direction}")]
        addition = [i for i, x in enumerate(lines) if x.startswith(f"service-policy {direction}")]
        if removal and addition:
            assert removal[0] < addition[0]


IOS_ACTIVE_OUTPUT = """\
Building configuration...

Current configuration : 178 bytes
!
interface GigabitEthernet1/0/3
 description PB-A-03-2
 switchport access vlan 100
 switchport mode access
 service-policy input PM-1G
 service-policy output PM-1G
end
"""


@pytest.mark.parametrize(
    ("output", "interface", "expected"),
    [
        (IOS_ACTIVE_OUTPUT, "GigabitEthernet1/0/3", ACTIVE),
        (IOS_ACTIVE_OUTPUT, "Gi1/0/3", ACTIVE),
        (IOS_ACTIVE_OUTPUT.replace("\n", "\r\n"), "Gi1/0/3", ACTIVE),
        ("!\ninterface GigabitEthernet1/0/1\nend\n", "Gi1/0/1", EMPTY),
        (
            "interface GigabitEthernet1/0/1\n shutdown\nend\n",
            "Gi1/0/1",
            P(None, None, True, None, None, None),
        ),
        (
            "interface GigabitEthernet1/0/1\n description Flat 3 #2 (old)  \n"
            " switchport mode access\n spanning-tree portfast\nend\n",
            "Gi1/0/1",
            P("Flat 3 #2 (old)", None, False, None, None, "access"),
        ),
        (
            "interface GigabitEthernet1/0/1\n switchport mode trunk\n"
            " service-policy output PM-8M\n!\ninterface GigabitEthernet1/0/2\n shutdown\nend\n",
            "Gi1/0/1",
            P(None, None, False, None, "PM-8M", "trunk"),
        ),
    ],
)
def test_ios_parse_port_state(output, interface, expected):
    assert ios_parse_port_state(output, interface) == expected


@pytest.mark.parametrize(
    "output",
    [
        "",
        "                ^\n% Invalid input detected at '^' marker.\n",
        "interface GigabitEthernet1/0/30\n shutdown\nend\n",  # 1/0/3 is a prefix, not a match
    ],
)
def test_ios_parse_refuses_output_without_the_interface(output):
    with pytest.raises(ValueError, match="no 'interface GigabitEthernet1/0/3' block"):
        ios_parse_port_state(output, "Gi1/0/3")


@pytest.mark.parametrize("state", [EMPTY, ACTIVE, REDUCED, P("A/b.c_d-1", 4094, True, None, None)])
def test_ios_render_then_parse_round_trips(state):
    lines = [" " + line for line in ios_diff_commands(EMPTY, state) if not line.startswith("no ")]
    output = "\n".join(["interface GigabitEthernet1/0/1", *lines, "end"])

    assert ios_parse_port_state(output, "Gi1/0/1") == state


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Gi1/0/5", "GigabitEthernet1/0/5"),
        ("gi1/0/5", "GigabitEthernet1/0/5"),
        ("Gig 1/0/5", "GigabitEthernet1/0/5"),
        ("GigabitEthernet1/0/5", "GigabitEthernet1/0/5"),
        ("Te1/1/1", "TenGigabitEthernet1/1/1"),
        ("Fa0/1", "FastEthernet0/1"),
    ],
)
def test_ios_normalize_interface(name, expected):
    assert ios_normalize_interface(name) == expected


@pytest.mark.parametrize("name", ["", "1/0/5", "Xe1/0/5", "Gi", "Gix1/0/5"])
def test_ios_normalize_interface_refuses_garbage(name):
    with pytest.raises(ValueError, match="interface"):
        ios_normalize_interface(name)


@pytest.mark.parametrize(
    ("output", "is_error"),
    [
        ("                ^\n% Invalid input detected at '^' marker.", True),
        ("% Incomplete command.", True),
        ('%Ambiguous command:  "sh"', True),
        ("Command rejected: policy map PM-1G already attached (input)", True),
        ("%LINK-3-UPDOWN: Interface GigabitEthernet1/0/3, changed state to up", False),
        ("sw(config-if)#description % Invalid input", False),
        ("Enter configuration commands, one per line.  End with CNTL/Z.", False),
    ],
)
def test_ios_error_pattern(output, is_error):
    assert bool(re.search(IOS_ERROR_PATTERN, output, re.M)) is is_error


@pytest.mark.parametrize(
    ("output", "ok"),
    [("Building configuration...\n[OK]", True), ("Building configuration...\n", False)],
)
def test_ios_save_check(output, ok):
    assert CISCO_IOS.save_succeeded(output) is ok


def test_port_commands_wrap_the_diff_in_the_interface_context():
    # (the policies it attaches are defined first: see the policy-definition test below)
    commands = CISCO_IOS.port_commands("Gi1/0/3", ACTIVE, REDUCED, defined={"PM-2M", "PM-8M"})
    assert commands[0] == "interface GigabitEthernet1/0/3"
    assert CISCO_IOS.port_commands("Gi1/0/3", ACTIVE, ACTIVE) == []


@pytest.mark.parametrize(
    ("current", "desired", "expected"),
    [
        (ACTIVE, ACTIVE, []),
        (
            P(None, None, False, None, None),
            ACTIVE,
            ['name "PB-A-03-2"', "untagged-vlan 100", "rate-limit all in kbps 1000000",
             "rate-limit all out kbps 1000000"],
        ),
        (
            ACTIVE,
            REDUCED,
            ["rate-limit all in kbps 2000", "rate-limit all out kbps 8000"],
        ),
        # a policy name is its rate, the plan's 1 Gbit/s included (no "line rate" exception)
        (REDUCED, ACTIVE, ["rate-limit all in kbps 1000000", "rate-limit all out kbps 1000000"]),
        (ACTIVE, P("PB-A-03-2", 100, False, "PM-1500K", None),
         ["rate-limit all in kbps 1500", "no rate-limit all out"]),
        (ACTIVE, P("PB-A-03-2", 100, True, "PM-1G", "PM-1G"), ["disable"]),
    ],
)
def test_procurve_diff_commands_untested_sketch(current, desired, expected):
    assert procurve_diff_commands(current, desired) == expected


def test_vendor_registry():
    assert vendor_for("cisco_ios") is CISCO_IOS
    assert vendor_for("hp_procurve") is HP_PROCURVE
    assert "untested" in HP_PROCURVE.tested
    with pytest.raises(ValueError, match="unsupported device_type 'juniper_junos'"):
        vendor_for("juniper_junos")


@pytest.mark.parametrize(
    ("status", "shutdown", "policy_in", "policy_out"),
    [
        ("active", False, "PM-1G", "PM-1G"),
        ("provisioning", False, "PM-1G", "PM-1G"),
        ("reduced", False, "PM-2M", "PM-8M"),
        ("suspended", True, "PM-1G", "PM-1G"),
        ("terminated", True, None, None),
        ("pending", True, None, None),
    ],
)
def test_desired_port_state_per_status(status, shutdown, policy_in, policy_out):
    state = desired_port_state("PB-A-03-2", status, DEFAULT_SPEEDS)

    assert state == P("PB-A-03-2", 100, shutdown, policy_in, policy_out, "access")


def test_desired_port_state_with_asymmetric_plan_and_vlan():
    state = desired_port_state("PB-C-10-1", "active", PortSpeeds(500_000, 100_000, 8_000, 2_000),
                               access_vlan=310)

    assert (state.policy_in, state.policy_out, state.access_vlan) == ("PM-100M", "PM-500M", 310)


def test_desired_port_state_refuses_unknown_status():
    with pytest.raises(ValueError, match="'moved'"):
        desired_port_state("PB-A-03-2", "moved", DEFAULT_SPEEDS)


@pytest.mark.parametrize(
    ("mbps", "name"),
    [(1000, "PM-1G"), (2000, "PM-2G"), (500, "PM-500M"), (8, "PM-8M"), (2, "PM-2M")],
)
def test_policy_for_speed(mbps, name):
    assert policy_for_speed(mbps) == name


@pytest.mark.parametrize(
    ("kbps", "name"),
    [(1_000_000, "PM-1G"), (10_000, "PM-10M"), (3_000, "PM-3M"), (1_500, "PM-1500K"),
     (2_500_000, "PM-2500M"), (999, "PM-999K")],
)
def test_policy_name_carries_any_rate_and_back(kbps, name):
    assert policy_for_kbps(kbps) == name
    assert policy_rate_kbps(name) == kbps


@pytest.mark.parametrize("kbps", [0, -8, 2.5, True])
def test_policy_for_kbps_refuses_non_rates(kbps):
    with pytest.raises(ValueError, match="positive number of kbit/s"):
        policy_for_kbps(kbps)


def test_reduced_speeds_come_from_the_plan():
    state = desired_port_state("PB-A-03-2", "reduced",
                               PortSpeeds(1_000_000, 1_000_000, 10_000, 3_000))
    assert (state.policy_in, state.policy_out) == ("PM-3M", "PM-10M")


def test_ios_defines_a_newly_attached_policy_before_the_interface():
    reduced = P("PB-A-03-2", 100, False, "PM-1500K", "PM-10M", "access")
    assert CISCO_IOS.port_commands("Gi1/0/3", ACTIVE, reduced) == [
        "policy-map PM-1500K", "class class-default",
        "police 1500000 conform-action transmit exceed-action drop",
        "policy-map PM-10M", "class class-default",
        "police 10000000 conform-action transmit exceed-action drop",
        "interface GigabitEthernet1/0/3",
        "no service-policy input PM-1G", "service-policy input PM-1500K",
        "no service-policy output PM-1G", "service-policy output PM-10M"]
    # defined earlier in the session: not again; a detach or a no-op defines nothing
    assert CISCO_IOS.port_commands("Gi1/0/3", ACTIVE, reduced,
                                   defined={"PM-1500K", "PM-10M"})[0] == \
        "interface GigabitEthernet1/0/3"
    assert CISCO_IOS.port_commands("Gi1/0/3", ACTIVE, ACTIVE) == []
    assert CISCO_IOS.port_commands("Gi1/0/3", ACTIVE, P("PB-A-03-2", 100, True))[0] == \
        "interface GigabitEthernet1/0/3"


@pytest.mark.parametrize(
    ("code", "description"),
    [
        ("PB-A-03-2", "PB-A-03-2"),
        ("PB A 03/2", "PB_A_03/2"),
        ("pb.a-03_2", "pb.a-03_2"),
        ("PB-A-03-2?\nshutdown", "PB-A-03-2_shutdown"),
        ("Bât. A #3", "B_t._A_3"),
    ],
)
def test_flat_description_keeps_only_the_whitelist(code, description):
    assert flat_description(code) == description


@pytest.mark.parametrize("code", ["", "  ", "???"])
def test_flat_description_refuses_empty_results(code):
    with pytest.raises(ValueError, match="empty description"):
        flat_description(code)


@pytest.mark.parametrize("text", ["a b", "x?", "a\nshutdown", '"q"', "é", "x" * 201, ""])
def test_check_description_refuses_outside_the_whitelist(text):
    with pytest.raises(ValueError, match="whitelist"):
        check_description(text)


def test_scrub_replaces_every_secret_longest_first():
    assert (
        scrub("pw pw-long secret", ["pw", "pw-long", "", "secret"]) == "******** " * 2 + "********"
    )


def test_procurve_reads_a_rate_limit_back_as_the_same_policy_name():
    from network.provisioning.vendors import procurve_parse_port_state

    output = ('interface 7\n   name "PB-A-03-2"\n   untagged-vlan 100\n'
              "   rate-limit all in kbps 1500\n   rate-limit all out kbps 10000\n   exit\n")
    state = procurve_parse_port_state(output, "7")
    assert (state.policy_in, state.policy_out) == ("PM-1500K", "PM-10M")
    assert procurve_diff_commands(state, state) == []
