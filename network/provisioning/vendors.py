"""Per-``device_type`` command sets: how to read, parse, diff, apply and save a port's config.

Everything vendor-specific that the provisioner needs lives in one ``Vendor`` entry, keyed by
netmiko ``device_type``. Adding a vendor is one more entry in ``VENDORS``, not a rewrite.

``cisco_ios`` is verified against the lab simulator (``lab/ssh_switch.py``); ``hp_procurve`` is a
minimal sketch, **untested on hardware and on any simulator**.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

#: Characters allowed in a port description: no spaces, quotes, ``?`` (IOS context help) or
#: newlines, so a description can never inject a second command.
DESCRIPTION_ALLOWED = re.compile(r"[A-Za-z0-9._/-]{1,200}")


@dataclass(frozen=True)
class PortState:
    """The desired (or observed) configuration of one access port.

    ``None`` means "absent from the config". ``policy_in`` limits what enters the switch from
    the household (its upload); ``policy_out`` what leaves towards it (its download).
    """

    description: str | None = None
    access_vlan: int | None = None
    shutdown: bool = False
    policy_in: str | None = None
    policy_out: str | None = None
    #: "access" when the port is pinned to access mode; None when the config says nothing
    mode: str | None = "access"
    #: A second VLAN an option carries on the access port (telephony: IOS's voice VLAN).
    voice_vlan: int | None = None
    #: A named port policy an option attaches (IOS: ``ip access-group NAME in``); the
    #: ``service-policy`` slots carry the plan's rates.
    access_group: str | None = None


#: PortState fields an option sets; absent from stored JSON when None (older rows compare equal).
OPTION_FIELDS = ("voice_vlan", "access_group")


def check_description(text: str | None) -> None:
    """Refuse a description outside the whitelist (raises ``ValueError``)."""
    if text is not None and not DESCRIPTION_ALLOWED.fullmatch(text):
        raise ValueError(f"description {text!r} is not in the [A-Za-z0-9._/-] whitelist")


#: A rate-limiting policy's name carries its rate: ``PM-1G``, ``PM-8M``, ``PM-1500K``.
POLICY_NAME = re.compile(r"PM-([1-9]\d*)([KMG])")
_UNIT_KBPS = {"K": 1, "M": 1_000, "G": 1_000_000}


def policy_for_kbps(kbps: int) -> str:
    """The policy name for a rate in kbit/s, in the largest exact unit:
    1,000,000 → ``PM-1G``, 10,000 → ``PM-10M``, 1,500 → ``PM-1500K``."""
    if isinstance(kbps, bool) or not isinstance(kbps, int) or kbps <= 0:
        raise ValueError(f"rate must be a positive number of kbit/s, got {kbps!r}")
    for unit in ("G", "M"):
        if kbps % _UNIT_KBPS[unit] == 0:
            return f"PM-{kbps // _UNIT_KBPS[unit]}{unit}"
    return f"PM-{kbps}K"


def policy_rate_kbps(policy: str) -> int | None:
    """The rate a policy name carries, in kbit/s; None for a name we did not make."""
    m = POLICY_NAME.fullmatch(policy)
    return int(m.group(1)) * _UNIT_KBPS[m.group(2)] if m else None


def attached_policies(current: PortState, desired: PortState) -> list[str]:
    """The policies ``desired`` attaches that ``current`` does not have (input first)."""
    found: list[str] = []
    for old, new in ((current.policy_in, desired.policy_in),
                     (current.policy_out, desired.policy_out)):
        if new is not None and new != old and new not in found:
            found.append(new)
    return found


@dataclass(frozen=True)
class Vendor:
    """Command set for one netmiko ``device_type``."""

    device_type: str
    #: full interface name, e.g. ``Gi1/0/5`` → ``GigabitEthernet1/0/5``
    normalize_interface: Callable[[str], str]
    #: command that shows one interface's running config
    show_interface: Callable[[str], str]
    #: parse that command's output into a PortState (ValueError when it is not a port config)
    parse_port_state: Callable[[str, str], PortState]
    #: only the lines needed to go from current to desired, inside the interface context
    diff_commands: Callable[[PortState, PortState], list[str]]
    #: the line that enters an interface's config context
    interface_context: Callable[[str], str]
    backup_command: str
    save_command: str
    #: did the save command succeed, judged from its output
    save_succeeded: Callable[[str], bool]
    #: regex for netmiko's ``send_config_set(error_pattern=...)``, applied with re.M
    error_pattern: str
    #: global config lines that define a named policy before a port uses it ([] when the
    #: vendor has no named policies)
    policy_definition: Callable[[str], list[str]] = lambda name: []
    tested: str = "lab simulator"

    def port_commands(self, interface: str, current: PortState, desired: PortState,
                      *, defined: frozenset[str] | set[str] = frozenset()) -> list[str]:
        """The full config block for one port, or ``[]`` when nothing differs.

        The policies the port newly attaches are defined first (their name gives their rate),
        except those in ``defined`` (already defined in this session).
        """
        lines = self.diff_commands(current, desired)
        if not lines:
            return []
        definitions = [line for name in attached_policies(current, desired)
                       if name not in defined for line in self.policy_definition(name)]
        return [*definitions, self.interface_context(self.normalize_interface(interface)),
                *lines]


# --- Cisco IOS -----------------------------------------------------------------------------

IOS_ERROR_PATTERN = r"^% ?(Invalid input|Incomplete command|Ambiguous command)|^Command rejected"

_IOS_PREFIXES = {
    "gi": "GigabitEthernet",
    "te": "TenGigabitEthernet",
    "fa": "FastEthernet",
    "tw": "TwoGigabitEthernet",
}


def ios_normalize_interface(name: str) -> str:
    """Expand IOS abbreviations: ``Gi1/0/5`` and ``gi 1/0/5`` → ``GigabitEthernet1/0/5``."""
    m = re.fullmatch(r"\s*([A-Za-z-]+)\s*(\d+(?:/\d+)*)\s*", name)
    if not m:
        raise ValueError(f"not an interface name: {name!r}")
    word, number = m.groups()
    for full in _IOS_PREFIXES.values():
        if full.lower() == word.lower():
            return full + number
    # Two letters decide between the types we know, as on IOS.
    full = _IOS_PREFIXES.get(word[:2].lower())
    if full is None or not full.lower().startswith(word.lower()):
        raise ValueError(f"unknown interface type: {name!r}")
    return full + number


def ios_parse_port_state(output: str, interface: str) -> PortState:
    """Parse ``show running-config interface X`` into a PortState."""
    name = ios_normalize_interface(interface)
    lines = output.replace("\r", "").splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == f"interface {name}")
    except StopIteration:
        raise ValueError(f"no 'interface {name}' block in the output") from None
    fields: dict[str, object] = {"mode": None}
    for line in lines[start + 1 :]:
        if not line.startswith(" "):
            break
        text = line.strip()
        if m := re.fullmatch(r"description (.+)", text):
            fields["description"] = m.group(1).rstrip()
        elif m := re.fullmatch(r"switchport access vlan (\d+)", text):
            fields["access_vlan"] = int(m.group(1))
        elif m := re.fullmatch(r"switchport mode (\S+)", text):
            fields["mode"] = m.group(1)
        elif m := re.fullmatch(r"switchport voice vlan (\d+)", text):
            fields["voice_vlan"] = int(m.group(1))
        elif m := re.fullmatch(r"ip access-group (\S+) in", text):
            fields["access_group"] = m.group(1)
        elif m := re.fullmatch(r"service-policy input (\S+)", text):
            fields["policy_in"] = m.group(1)
        elif m := re.fullmatch(r"service-policy output (\S+)", text):
            fields["policy_out"] = m.group(1)
        elif text == "shutdown":
            fields["shutdown"] = True
    return PortState(**fields)  # type: ignore[arg-type]


def ios_diff_commands(current: PortState, desired: PortState) -> list[str]:
    """Minimal IOS lines from ``current`` to ``desired``; ``(no) shutdown`` always last."""
    out: list[str] = []
    if desired.description != current.description:
        out.append(
            "no description"
            if desired.description is None
            else f"description {desired.description}"
        )
    if desired.mode != current.mode:
        out.append(
            "no switchport mode" if desired.mode is None else f"switchport mode {desired.mode}"
        )
    if desired.access_vlan != current.access_vlan:
        out.append(
            "no switchport access vlan"
            if desired.access_vlan is None
            else f"switchport access vlan {desired.access_vlan}"
        )
    if desired.voice_vlan != current.voice_vlan:
        out.append(
            "no switchport voice vlan"
            if desired.voice_vlan is None
            else f"switchport voice vlan {desired.voice_vlan}"
        )
    if desired.access_group != current.access_group:
        # One access-group per direction: the old one goes before the new one.
        if current.access_group is not None:
            out.append(f"no ip access-group {current.access_group} in")
        if desired.access_group is not None:
            out.append(f"ip access-group {desired.access_group} in")
    for direction, old, new in (
        ("input", current.policy_in, desired.policy_in),
        ("output", current.policy_out, desired.policy_out),
    ):
        if old != new:
            # IOS keeps one policy per direction: the old one must go before the new one.
            if old is not None:
                out.append(f"no service-policy {direction} {old}")
            if new is not None:
                out.append(f"service-policy {direction} {new}")
    if desired.shutdown != current.shutdown:
        out.append("shutdown" if desired.shutdown else "no shutdown")
    return out


def ios_policy_definition(name: str) -> list[str]:
    """An MQC policy-map policing all traffic at the rate its name carries (bit/s on IOS).

    Redefining an existing policy-map with the same rate changes nothing, so the lines are
    safe to send again. A name we did not make (no rate in it) must already exist.
    """
    kbps = policy_rate_kbps(name)
    if kbps is None:
        return []
    return [f"policy-map {name}", "class class-default",
            f"police {kbps * 1000} conform-action transmit exceed-action drop"]


CISCO_IOS = Vendor(
    device_type="cisco_ios",
    normalize_interface=ios_normalize_interface,
    show_interface=lambda name: f"show running-config interface {ios_normalize_interface(name)}",
    parse_port_state=ios_parse_port_state,
    diff_commands=ios_diff_commands,
    interface_context=lambda name: f"interface {name}",
    backup_command="show running-config",
    save_command="write memory",
    save_succeeded=lambda output: "[OK]" in output,
    error_pattern=IOS_ERROR_PATTERN,
    policy_definition=ios_policy_definition,
)


# --- HP ProCurve / ArubaOS-Switch (UNTESTED) -----------------------------------------------
# A sketch to show the shape of a second entry. Not run against hardware or a simulator:
# check the show output, the error texts and the rate-limit syntax on a lab switch first.
# Policies have no names on ProCurve: a policy name becomes its rate, "PM-8M" is
# "rate-limit all out kbps 8000", and a limit read back becomes the same name again.

PROCURVE_ERROR_PATTERN = r"^(Invalid input|Incomplete input|Ambiguous input|Value .* invalid)"


def _policy_kbps(policy: str | None) -> int | None:
    if policy is None:
        return None
    kbps = policy_rate_kbps(policy)
    if kbps is None:
        raise ValueError(f"policy {policy!r} has no ProCurve rate-limit equivalent")
    return kbps


def procurve_parse_port_state(output: str, interface: str) -> PortState:
    """Parse ``show running-config interface N`` (ArubaOS-Switch 16.x layout, untested)."""
    lines = output.replace("\r", "").splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == f"interface {interface}")
    except StopIteration:
        raise ValueError(f"no 'interface {interface}' block in the output") from None
    fields: dict[str, object] = {"mode": "access"}
    for line in lines[start + 1 :]:
        text = line.strip()
        if text == "exit" or not line.startswith(" "):
            break
        if m := re.fullmatch(r'name "?([^"]*)"?', text):
            fields["description"] = m.group(1)
        elif m := re.fullmatch(r"untagged-vlan (\d+)", text):
            fields["access_vlan"] = int(m.group(1))
        elif text == "disable":
            fields["shutdown"] = True
        elif m := re.fullmatch(r"rate-limit all (in|out) kbps (\d+)", text):
            key = "policy_in" if m.group(1) == "in" else "policy_out"
            fields[key] = policy_for_kbps(int(m.group(2)))
    return PortState(**fields)  # type: ignore[arg-type]


def procurve_diff_commands(current: PortState, desired: PortState) -> list[str]:
    """Minimal ProCurve interface-context lines (untested)."""
    if desired.voice_vlan is not None or desired.access_group is not None:
        raise ValueError("options on the switch (voice VLAN, access-group) are cisco_ios only")
    out: list[str] = []
    if desired.description != current.description:
        out.append("no name" if desired.description is None else f'name "{desired.description}"')
    if desired.access_vlan != current.access_vlan and desired.access_vlan is not None:
        out.append(f"untagged-vlan {desired.access_vlan}")
    for direction, old, new in (
        ("in", current.policy_in, desired.policy_in),
        ("out", current.policy_out, desired.policy_out),
    ):
        old_kbps, new_kbps = _policy_kbps(old), _policy_kbps(new)
        if old_kbps != new_kbps:
            out.append(
                f"no rate-limit all {direction}"
                if new_kbps is None
                else f"rate-limit all {direction} kbps {new_kbps}"
            )
    if desired.shutdown != current.shutdown:
        out.append("disable" if desired.shutdown else "enable")
    return out


HP_PROCURVE = Vendor(
    device_type="hp_procurve",
    normalize_interface=lambda name: name.strip(),
    show_interface=lambda name: f"show running-config interface {name.strip()}",
    parse_port_state=procurve_parse_port_state,
    diff_commands=procurve_diff_commands,
    interface_context=lambda name: f"interface {name}",
    backup_command="show running-config",
    save_command="write memory",
    # ProCurve prints nothing on success.
    save_succeeded=lambda output: re.search(PROCURVE_ERROR_PATTERN, output, re.M) is None,
    error_pattern=PROCURVE_ERROR_PATTERN,
    tested="untested (no hardware, no simulator)",
)


VENDORS: dict[str, Vendor] = {v.device_type: v for v in (CISCO_IOS, HP_PROCURVE)}


# --- secrets in configuration backups ------------------------------------------------------
# A running config holds enable secrets, user password hashes, SNMP communities and users,
# keys (TACACS+/RADIUS, NTP, key chains, OSPF/BGP/HSRP authentication, PPP/CHAP, crypto
# pre-shared keys). Backups store and show a scrubbed text; drift compares scrubbed forms, so
# a changed secret is not drift (the port configuration is what is compared).
#: Replaces each secret: a fixed text, so that the same config scrubs to the same digest.
SECRET_MASK = "<removed>"

#: (pattern, group of the secret): the line keeps its keyword and loses the value.
_SECRET_LINES: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.M | re.I) for p in (
    # IOS: enable secret 9 $9$…, enable password 7 0822…, username x secret/password [n] value
    r"^(\s*enable\s+(?:secret|password)(?:\s+level\s+\d+)?(?:\s+\d{1,2})?\s+)(\S+)",
    r"^(\s*username\s+\S+(?:\s+\S+)*?\s+(?:secret|password)(?:\s+\d{1,2})?\s+)(\S+)",
    # SNMP: community strings and v3 users' keys (auth and priv), traps' communities
    r"^(\s*snmp-server\s+community\s+)(\S+)",
    r"^(\s*snmp-server\s+host\s+\S+(?:\s+(?:informs|traps|version\s+\S+))*\s+)(\S+)",
    r"^(\s*snmp-server\s+user\s+.*?\bauth\s+\S+\s+)(\S+)",
    r"^(\s*snmp-server\s+user\s+.*?\bpriv\s+\S+(?:\s+\d+)?\s+)(\S+)",
    # AAA servers, NTP, key chains, routing and FHRP authentication, PPP, IKE
    r"^(\s*(?:tacacs-server|radius-server)\s+(?:host\s+\S+\s+)?key(?:\s+\d{1,2})?\s+)(\S+)",
    # (a bare "key 1" is a key chain's number: only typed keys, 0 clear, 6/7 encoded)
    r"^(\s*(?:server-)?key\s+[067]\s+)(\S+)",
    r"^(\s*key-string(?:\s+\d{1,2})?\s+)(\S+)",
    r"^(\s*ntp\s+authentication-key\s+\d+\s+\S+\s+)(\S+)",
    r"^(\s*ip\s+ospf\s+(?:message-digest-key\s+\d+\s+md5|authentication-key)"
    r"(?:\s+\d{1,2})?\s+)(\S+)",
    r"^(\s*neighbor\s+\S+\s+password(?:\s+\d{1,2})?\s+)(\S+)",
    r"^(\s*standby\s+(?:\d+\s+)?authentication(?:\s+md5\s+key-string)?(?:\s+\d{1,2})?\s+)"
    r"(\S+)",
    r"^(\s*ppp\s+(?:chap|pap)\s+(?:password|sent-username\s+\S+\s+password)"
    r"(?:\s+\d{1,2})?\s+)(\S+)",
    r"^(\s*crypto\s+isakmp\s+key(?:\s+\d{1,2})?\s+)(\S+)",
    r"^(\s*(?:pre-shared-key|wpa-psk\s+ascii)(?:\s+\d{1,2})?\s+)(\S+)",
    r"^(\s*password(?:\s+\d{1,2})?\s+)(?!manager\b|operator\b)(\S+)",
    # HP ProCurve / ArubaOS-Switch
    r"^(\s*password\s+(?:manager|operator)(?:\s+user-name\s+\S+)?\s+"
    r"(?:sha1|plaintext)\s+)(\S+)",
    r'^(\s*snmp-server\s+community\s+)("[^"]*"|\S+)',
    r"^(\s*snmpv3\s+user\s+\S+\s+auth\s+\S+\s+)(\S+)",
    r"^(\s*snmpv3\s+user\s+.*?\bpriv\s+(?:\S+\s+)?)(\S+)\s*$",
))
#: Multi-line secrets: certificates and keys between these lines are dropped whole.
_SECRET_BLOCK = re.compile(
    r"^(\s*certificate\s+(?:self-signed\s+|ca\s+)?\S+.*\n)(?:\s+[0-9A-Fa-f ]+\n)+(\s*quit)",
    re.M)
_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", re.S)


def scrub_config(text: str, device_type: str | None = None) -> str:
    """A running config without its secrets (same result for every vendor we know)."""
    text = _PEM_BLOCK.sub(SECRET_MASK, text)
    text = _SECRET_BLOCK.sub(lambda m: f"{m.group(1)}  {SECRET_MASK}\n{m.group(2)}", text)
    for pattern in _SECRET_LINES:
        text = pattern.sub(lambda m: m.group(1) + SECRET_MASK, text)
    return text


def vendor_for(device_type: str) -> Vendor:
    """The command set for a netmiko device_type (ValueError if unsupported)."""
    try:
        return VENDORS[device_type]
    except KeyError:
        raise ValueError(
            f"unsupported device_type {device_type!r}; known: {', '.join(sorted(VENDORS))}"
        ) from None
