"""A small IOS-like SSH switch simulator on asyncssh, for the lab network and the tests.

Kept in one file (~840 lines) because most of it is one state machine, ``SwitchSession``, the
IOS command line mode by mode; the rest is its shared state and its server.

One TCP port per switch on one host: the switch at index *i* (from 0) of ``--switches``
listens on ``port_base + i``
(``--port-base 0`` picks free ports and writes them to ``<state-dir>/ports.json``).

What it emulates is what netmiko's ``cisco_ios`` driver and our provisioner rely on: echo,
stable ``>``/``#`` prompts, ``terminal length/width`` in user mode, ``enable`` with an
echo-less secret, ``configure terminal``, ``interface GigabitEthernet1/0/N`` (and ``Gi1/0/N``;
``TenGigabitEthernet1/0/N``/``Te1/0/N`` on the 24 ports of an ``--aggregation`` switch),
``(config-if)#``, ``end``/``exit``, ``show running-config [interface X]``, ``write memory``,
and rate-limiting policy-maps: ``policy-map NAME`` → ``(config-pmap)#``, ``class
class-default`` → ``(config-pmap-c)#``, ``police BPS conform-action transmit exceed-action
drop``. A switch starts with no policy-map; ``service-policy`` refuses an undefined one.
The options of the catalogue (docs/catalogue.md) add ``switchport voice vlan N`` and
``ip access-group NAME in`` (an undefined ACL is accepted, as on IOS).
The running config of each interface (description, switchport mode access, access VLAN,
service-policy input/output, shutdown) is shared by all sessions of one switch and kept for the
life of the process; it is also written to ``<state-dir>/state-<hostname>.json`` after every
change to that switch (and reloaded at start unless ``--fresh``), so tests and operators can
inspect it without SSH (``load_state``; a ``state.json`` of an older lab is read too). One file
per switch: a lab of 40 switches writes what one switch does per config line.

Faults are read from ``<state-dir>/faults.json`` at every session start and config line::

    {"pb-sw-a": {"reject_lines": ["service-policy input PM-8M"],
                 "drop_after_config_lines": 2,
                 "deny_auth": true}}

* ``reject_lines``: those exact config lines get ``% Invalid input detected at '^' marker.``
* ``drop_after_config_lines: N``: the session is aborted when the (N+1)th config-mode line
  arrives (that line is not applied). One-shot: the simulator removes it from the file when it
  fires, so that a reconnect (for the rollback) succeeds.
* ``ignore_lines``: those exact config lines are accepted silently but not applied (what a
  read-back must catch).
* ``fail_save``: ``write memory`` answers with an error instead of ``[OK]``.
* ``deny_auth``: every password is refused (as after a credential change on the switch).

``--legacy-crypto pb-sw-d`` makes a switch offer only ``diffie-hellman-group14-sha1`` and
``ssh-rsa`` (what old IOS images offer), which paramiko 5 refuses.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_PORT_COUNT = 48
#: The SNMP community a simulated switch's running config shows (as a real one would).
LAB_SNMP_COMMUNITY = "lab-ro-C0mmunity"
INTERFACE_PREFIX = "GigabitEthernet1/0/"
#: An aggregation switch's ports, as the SNMP lab describes them (lab/snmp_lab.py).
AGGREGATION_PREFIX = "TenGigabitEthernet1/0/"
AGGREGATION_PORT_COUNT = 24
#: Interface types the CLI accepts, by their full lower-case name.
INTERFACE_TYPES = {"gigabitethernet": "GigabitEthernet", "tengigabitethernet": "TenGigabitEthernet"}
INVALID = "% Invalid input detected at '^' marker."
#: InterfaceConfig fields of the options (issue 22), absent from the JSON state when unset.
OPTION_FIELDS = ("voice_vlan", "access_group")


@dataclass
class InterfaceConfig:
    """Running config of one simulated interface."""

    description: str | None = None
    mode: str | None = None
    access_vlan: int | None = None
    policy_in: str | None = None
    policy_out: str | None = None
    shutdown: bool = False
    #: an option's second VLAN (``switchport voice vlan N``) and port policy
    #: (``ip access-group NAME in``); left out of the JSON state when unset
    voice_vlan: int | None = None
    access_group: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items()
                if key not in OPTION_FIELDS or value is not None}

    def lines(self) -> list[str]:
        """The interface's config lines in IOS order."""
        out = []
        if self.description is not None:
            out.append(f" description {self.description}")
        if self.access_vlan is not None:
            out.append(f" switchport access vlan {self.access_vlan}")
        if self.mode is not None:
            out.append(f" switchport mode {self.mode}")
        if self.voice_vlan is not None:
            out.append(f" switchport voice vlan {self.voice_vlan}")
        if self.access_group is not None:
            out.append(f" ip access-group {self.access_group} in")
        if self.shutdown:
            out.append(" shutdown")
        if self.policy_in is not None:
            out.append(f" service-policy input {self.policy_in}")
        if self.policy_out is not None:
            out.append(f" service-policy output {self.policy_out}")
        return out


@dataclass
class SwitchState:
    """Everything one simulated switch remembers."""

    hostname: str
    interfaces: dict[str, InterfaceConfig] = field(default_factory=dict)
    saves: int = 0
    startup: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: policy-maps defined on the switch: name → police rate in bit/s (None: no police line)
    policies: dict[str, int | None] = field(default_factory=dict)

    @classmethod
    def fresh(cls, hostname: str, port_count: int = DEFAULT_PORT_COUNT,
              prefix: str = INTERFACE_PREFIX) -> SwitchState:
        """A switch with ``port_count`` unconfigured ports named ``prefix`` + number."""
        return cls(
            hostname,
            {f"{prefix}{n}": InterfaceConfig() for n in range(1, port_count + 1)},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "interfaces": {name: cfg.to_json() for name, cfg in self.interfaces.items()},
            "saves": self.saves,
            "startup": self.startup,
            "policies": self.policies,
        }

    @classmethod
    def from_json(cls, hostname: str, data: dict[str, Any]) -> SwitchState:
        interfaces = {k: InterfaceConfig(**v) for k, v in data.get("interfaces", {}).items()}
        return cls(hostname, interfaces, int(data.get("saves", 0)), data.get("startup", {}),
                   dict(data.get("policies", {})))


def canonical_interface(text: str) -> str | None:
    """``Gi1/0/5``, ``gig 1/0/5``, ``GigabitEthernet1/0/5`` → ``GigabitEthernet1/0/5``;
    ``Te1/0/2`` → ``TenGigabitEthernet1/0/2``."""
    m = re.fullmatch(r"([A-Za-z]+)\s*(\d+/\d+/\d+)", text.strip())
    if not m or len(m.group(1)) < 2:
        return None
    typed = m.group(1).lower()
    matches = [name for full, name in INTERFACE_TYPES.items() if full.startswith(typed)]
    return f"{matches[0]}{m.group(2)}" if len(matches) == 1 else None


def _lab_hash(text: str) -> str:
    """A stand-in for IOS's type 9 (scrypt) hash: stable, and never the secret itself."""
    return hashlib.sha256(f"lab:{text}".encode()).hexdigest()[:43]


def _kw(token: str, keyword: str, min_len: int) -> bool:
    """IOS-style keyword abbreviation: a unique prefix at least ``min_len`` long."""
    return len(token) >= min_len and keyword.startswith(token.lower())


class Lab:
    """The switches of one simulator process, their state files and the fault control file."""

    def __init__(
        self,
        switches: Sequence[str],
        state_dir: Path,
        *,
        username: str,
        password: str,
        secret: str,
        port_count: int = DEFAULT_PORT_COUNT,
        aggregation: Iterable[str] = (),
        fresh: bool = False,
    ) -> None:
        self.state_dir = state_dir
        self.username, self.password, self.secret = username, password, secret
        self.faults_file = state_dir / "faults.json"
        if fresh:
            for path in [state_dir / LEGACY_STATE, *state_dir.glob(STATE_GLOB)]:
                path.unlink(missing_ok=True)
        saved = load_state(state_dir)
        self.switches: dict[str, SwitchState] = {
            name: (
                SwitchState.from_json(name, saved[name])
                if name in saved
                else SwitchState.fresh(name, AGGREGATION_PORT_COUNT, AGGREGATION_PREFIX)
                if name in set(aggregation)
                else SwitchState.fresh(name, port_count)
            )
            for name in switches
        }
        self.persist()

    def persist(self, switch: SwitchState | None = None) -> None:
        """Write the state of ``switch`` (default: every switch), each switch's file atomically
        (readers never see half a file)."""
        for state in [switch] if switch is not None else self.switches.values():
            _write_json(self.state_dir / f"state-{state.hostname}.json", state.to_json())

    def faults(self, hostname: str) -> dict[str, Any]:
        """Current fault settings of one switch (re-read each time: tests change them live)."""
        try:
            data = json.loads(self.faults_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        value = data.get(hostname, {})
        return value if isinstance(value, dict) else {}

    def consume_fault(self, hostname: str, key: str) -> None:
        """Remove a one-shot fault once it has fired."""
        try:
            data = json.loads(self.faults_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return
        data.get(hostname, {}).pop(key, None)
        _write_json(self.faults_file, data)

    def check_password(self, hostname: str, username: str, password: str) -> bool:
        if self.faults(hostname).get("deny_auth"):
            return False
        return hmac.compare_digest(username, self.username) and hmac.compare_digest(
            password, self.password
        )


#: one file per switch, ``state-<hostname>.json``; ``state.json``: all switches, older labs
STATE_GLOB = "state-*.json"
LEGACY_STATE = "state.json"


def load_state(state_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Every switch's saved state in ``state_dir``: hostname → interfaces, saves, startup,
    policies (empty when the lab never ran there)."""
    state_dir = Path(state_dir)
    legacy = state_dir / LEGACY_STATE
    saved: dict[str, Any] = json.loads(legacy.read_text()) if legacy.exists() else {}
    for path in sorted(state_dir.glob(STATE_GLOB)):
        with contextlib.suppress(FileNotFoundError):
            saved[path.name[len("state-"):-len(".json")]] = json.loads(path.read_text())
    return saved


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)


class SwitchSession:
    """One CLI session on one switch: a small state machine over lines of input."""

    def __init__(self, lab: Lab, switch: SwitchState, process: Any) -> None:
        self.lab, self.switch, self.process = lab, switch, process
        self.mode = "user"  # user | enable | config | config-if | config-pmap | config-pmap-c
        self.interface: str | None = None
        #: the policy-map being defined (config-pmap and config-pmap-c modes)
        self.policy_map: str | None = None
        self.config_lines = 0

    @property
    def prompt(self) -> str:
        host = self.switch.hostname
        return {
            "user": f"{host}>",
            "enable": f"{host}#",
            "config": f"{host}(config)#",
            "config-if": f"{host}(config-if)#",
            "config-pmap": f"{host}(config-pmap)#",
            "config-pmap-c": f"{host}(config-pmap-c)#",
        }[self.mode]

    def write(self, text: str = "") -> None:
        self.process.stdout.write(text.replace("\n", "\r\n") if text else "")

    async def readline(self) -> str | None:
        line = await self.process.stdin.readline()
        if line == "":
            return None
        return line.replace("\x00", "").strip()

    async def run(self) -> None:
        self.write(f"\n{self.switch.hostname} - lab switch simulator\n\n{self.prompt}")
        while True:
            try:
                line = await self.readline()
            except (asyncio.IncompleteReadError, ConnectionError, OSError):
                return
            if line is None:
                return
            if line == "":
                # A line break of our own before the prompt: when several Enters arrive at
                # once (netmiko under load), the line editor echoes them all first, and bare
                # prompts would glue together ("sw#sw#sw#") into a prompt netmiko never sees.
                self.write("\n" + self.prompt)
                continue
            result = await self.handle(line)
            if result == "close":
                self.process.exit(0)
                return
            if result == "abort":
                self.process.channel.get_connection().abort()
                return
            if result:
                self.write(result if result.endswith("\n") else result + "\n")
            self.write(self.prompt)

    def invalid(self, line: str) -> str:
        # The caret sits under the first character of the command, after the echoed prompt.
        return " " * len(self.prompt) + "^\n" + INVALID

    async def handle(self, line: str) -> str | None:
        tokens = line.split()
        if self.mode in ("user", "enable"):
            return await self.exec_command(line, tokens)
        if self.mode.startswith("config") and not (
            len(tokens) == 1 and tokens[0].lower() in ("end", "exit")
        ):
            faults = self.lab.faults(self.switch.hostname)
            limit = faults.get("drop_after_config_lines")
            if isinstance(limit, int) and self.config_lines >= limit:
                self.lab.consume_fault(self.switch.hostname, "drop_after_config_lines")
                return "abort"
            self.config_lines += 1
            if line in faults.get("reject_lines", []):
                return self.invalid(line)
            if line in faults.get("ignore_lines", []):
                return None
        return self.config_command(line, tokens)

    async def exec_command(self, line: str, t: list[str]) -> str | None:
        n = len(t)
        if n == 3 and _kw(t[0], "terminal", 3) and t[1].lower() in ("length", "width"):
            return None
        if n == 1 and t[0].lower() in ("exit", "logout", "quit"):
            return "close"
        if self.mode == "user":
            if n == 1 and _kw(t[0], "enable", 2):
                return await self.enable()
            return self.invalid(line)
        if n == 1 and _kw(t[0], "disable", 4):
            self.mode = "user"
            return None
        if n == 2 and _kw(t[0], "configure", 4) and _kw(t[1], "terminal", 1):
            self.mode = "config"
            return "Enter configuration commands, one per line.  End with CNTL/Z."
        if n >= 2 and _kw(t[0], "show", 2) and _kw(t[1], "running-config", 3):
            if n == 2:
                return self.running_config()
            if _kw(t[2], "interface", 3) and n >= 4:
                name = canonical_interface(" ".join(t[3:]))
                if name in self.switch.interfaces:
                    return self.interface_config(name)
            return self.invalid(line)
        if (n == 1 and _kw(t[0], "write", 2)) or (
            n == 2 and _kw(t[0], "write", 2) and _kw(t[1], "memory", 1)
        ):
            return self.write_memory()
        return self.invalid(line)

    async def enable(self) -> str | None:
        self.write("Password: ")
        self.process.channel.set_echo(False)
        try:
            secret = await self.readline()
        finally:
            self.process.channel.set_echo(True)
        self.write("\n")
        if secret is not None and hmac.compare_digest(secret, self.lab.secret):
            self.mode = "enable"
            return None
        return "% Access denied"

    def config_command(self, line: str, t: list[str]) -> str | None:
        n = len(t)
        word = t[0].lower()
        if n == 1 and word == "end":
            self.mode, self.interface, self.policy_map = "enable", None, None
            return None
        if n == 1 and word == "exit":
            self.mode = {"config-if": "config", "config-pmap": "config",
                         "config-pmap-c": "config-pmap"}.get(self.mode, "enable")
            if self.mode in ("config", "enable"):
                self.interface, self.policy_map = None, None
            return None
        # As on IOS, a global command typed in a sub-mode leaves that sub-mode.
        if n >= 2 and _kw(word, "interface", 3):
            name = canonical_interface(" ".join(t[1:]))
            if name not in self.switch.interfaces:
                return self.invalid(line)
            self.mode, self.interface, self.policy_map = "config-if", name, None
            return None
        if n == 2 and _kw(word, "policy-map", 6):
            if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", t[1]):
                return self.invalid(line)
            self.switch.policies.setdefault(t[1], None)
            self.mode, self.interface, self.policy_map = "config-pmap", None, t[1]
            self.lab.persist(self.switch)
            return None
        if self.mode in ("config-pmap", "config-pmap-c"):
            return self.policy_command(line, t)
        if self.mode != "config-if" or self.interface is None:
            return self.invalid(line)
        cfg = self.switch.interfaces[self.interface]
        negate = word == "no"
        args = t[1:] if negate else t
        error = self.interface_command(cfg, args, negate, line)
        if error is None:
            self.lab.persist(self.switch)
        return error

    def interface_command(
        self, cfg: InterfaceConfig, a: list[str], negate: bool, line: str
    ) -> str | None:
        n = len(a)
        if n >= 1 and _kw(a[0], "description", 4):
            if negate:
                cfg.description = None
                return None
            text = line.split(None, 1)[1] if n >= 2 else ""
            if not text:
                return "% Incomplete command."
            cfg.description = text
            return None
        if n == 1 and _kw(a[0], "shutdown", 4):
            cfg.shutdown = not negate
            return None
        if n >= 2 and _kw(a[0], "switchport", 2) and _kw(a[1], "mode", 2):
            if negate:
                cfg.mode = None
                return None
            if n == 3 and _kw(a[2], "access", 2):
                cfg.mode = "access"
                return None
            return self.invalid(line)
        if n >= 3 and _kw(a[0], "switchport", 2) and _kw(a[1], "voice", 2):
            if not _kw(a[2], "vlan", 1):
                return self.invalid(line)
            if negate:
                cfg.voice_vlan = None
                return None
            if n == 4 and a[3].isdigit() and 1 <= int(a[3]) <= 4094:
                cfg.voice_vlan = int(a[3])
                return None
            return self.invalid(line)
        if n >= 2 and _kw(a[0], "ip", 2) and _kw(a[1], "access-group", 8):
            # ``ip access-group NAME in``; an ACL not yet defined permits all, as on IOS.
            if n != 4 or a[3].lower() != "in" or not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", a[2]):
                return self.invalid(line)
            if negate:
                if cfg.access_group != a[2]:
                    return f"% access-group {a[2]} not applied"
                cfg.access_group = None
                return None
            cfg.access_group = a[2]
            return None
        if n >= 3 and _kw(a[0], "switchport", 2) and _kw(a[1], "access", 2):
            if not _kw(a[2], "vlan", 1):
                return self.invalid(line)
            if negate:
                cfg.access_vlan = None
                return None
            if n == 4 and a[3].isdigit() and 1 <= int(a[3]) <= 4094:
                # VLAN 1 is the default, so IOS does not show it.
                cfg.access_vlan = None if int(a[3]) == 1 else int(a[3])
                return None
            return self.invalid(line)
        if n == 3 and _kw(a[0], "service-policy", 3) and a[1].lower() in ("input", "output"):
            attr = "policy_in" if a[1].lower() == "input" else "policy_out"
            name = a[2]
            if negate:
                if getattr(cfg, attr) != name:
                    return f"% policy map {name} not attached"
                setattr(cfg, attr, None)
                return None
            if name not in self.switch.policies:
                return f"policy map {name} not configured"
            current = getattr(cfg, attr)
            if current is not None and current != name:
                return f"Command rejected: policy map {current} already attached ({a[1]})"
            setattr(cfg, attr, name)
            return None
        return self.invalid(line)

    def policy_command(self, line: str, t: list[str]) -> str | None:
        """``class class-default`` in a policy-map, then ``police BPS conform-action transmit
        exceed-action drop`` in the class (the only class and actions the lab knows)."""
        assert self.policy_map is not None
        n = len(t)
        if self.mode == "config-pmap" and n == 2 and _kw(t[0], "class", 2) \
                and t[1] == "class-default":
            self.mode = "config-pmap-c"
            return None
        if self.mode == "config-pmap-c" and t[0].lower() == "police":
            m = re.fullmatch(r"police (\d+) conform-action transmit\s+exceed-action drop",
                             " ".join(t).lower())
            if not m or not 8_000 <= int(m.group(1)) <= 100_000_000_000:
                return self.invalid(line)
            self.switch.policies[self.policy_map] = int(m.group(1))
            self.lab.persist(self.switch)
            return None
        if self.mode == "config-pmap-c" and n == 2 and t[0].lower() == "no" \
                and t[1].lower() == "police":
            self.switch.policies[self.policy_map] = None
            self.lab.persist(self.switch)
            return None
        return self.invalid(line)

    def interface_config(self, name: str) -> str:
        body = "\n".join([f"interface {name}", *self.switch.interfaces[name].lines(), "end"])
        return (
            f"Building configuration...\n\nCurrent configuration : {len(body) + 1} bytes\n"
            f"!\n{body}\n"
        )

    def running_config(self) -> str:
        lines = ["!", "version 15.2", f"hostname {self.switch.hostname}", "!",
                 # Secrets as a real IOS shows them (backups must scrub them, issue 16.10).
                 f"enable secret 9 $9${_lab_hash(self.lab.secret)}",
                 f"username {self.lab.username or 'admin'} privilege 15 secret 9 "
                 f"$9${_lab_hash(self.lab.password)}",
                 f"snmp-server community {LAB_SNMP_COMMUNITY} RO", "!"]
        for policy, rate in sorted(self.switch.policies.items()):
            lines += [f"policy-map {policy}", " class class-default"]
            if rate is not None:
                lines.append(f"  police {rate} conform-action transmit  exceed-action drop")
            lines.append("!")
        for name, cfg in self.switch.interfaces.items():
            lines += [f"interface {name}", *cfg.lines(), "!"]
        lines += ["line vty 0 15", " transport input ssh", "!", "end"]
        body = "\n".join(lines)
        return (
            f"Building configuration...\n\nCurrent configuration : {len(body) + 1} bytes\n{body}\n"
        )

    def write_memory(self) -> str:
        if self.lab.faults(self.switch.hostname).get("fail_save"):
            return "Building configuration...\n%Error writing nvram: device full"
        self.switch.saves += 1
        self.switch.startup = {k: v.to_json() for k, v in self.switch.interfaces.items()}
        self.lab.persist(self.switch)
        return "Building configuration...\n[OK]"


async def _serve(
    lab: Lab,
    host: str,
    port_base: int,
    host_key_path: Path,
    legacy: set[str],
) -> list[Any]:
    # Imported when a switch starts only: lab.runner, which every ``isp run`` loads for its
    # ports, imports this module, and asyncssh is slow to import and warns (DSA) when it is.
    import asyncssh  # noqa: PLC0415

    key = asyncssh.read_private_key(str(host_key_path))
    servers: list[Any] = []
    ports: dict[str, int] = {}

    for index, (name, switch) in enumerate(lab.switches.items()):

        class _Server(asyncssh.SSHServer):
            def __init__(self, hostname: str = name) -> None:
                self.hostname = hostname

            def begin_auth(self, username: str) -> bool:
                return True

            def password_auth_supported(self) -> bool:
                return True

            def validate_password(self, username: str, password: str) -> bool:
                return lab.check_password(self.hostname, username, password)

        async def _handle(process: Any, switch: SwitchState = switch) -> None:
            await SwitchSession(lab, switch, process).run()

        options: dict[str, Any] = {}
        if name in legacy:
            options = {
                "kex_algs": ["diffie-hellman-group14-sha1"],
                "signature_algs": ["ssh-rsa"],
                "mac_algs": ["hmac-sha1"],
            }
        server = await asyncssh.create_server(
            _Server,
            host,
            port_base + index if port_base else 0,
            server_host_keys=[key],
            process_factory=_handle,
            encoding="utf-8",
            line_editor=True,
            reuse_address=True,
            **options,
        )
        servers.append(server)
        ports[name] = server.sockets[0].getsockname()[1]
    _write_json(lab.state_dir / "ports.json", ports)
    return servers


def ensure_host_key(state_dir: Path) -> Path:
    """Generate the lab's RSA host key once (RSA so that ``--legacy-crypto`` can use ssh-rsa)."""
    import asyncssh  # noqa: PLC0415  (when a key is made only: see _serve)

    path = state_dir / "ssh_host_rsa_key"
    if not path.exists():
        key = asyncssh.generate_private_key("ssh-rsa", key_size=2048)
        key.write_private_key(str(path))
        path.chmod(0o600)
    return path


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point: ``python -m lab.ssh_switch --port-base 2201 ...``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port-base", type=int, default=2201, help="switch i listens on port-base + i; 0: free"
    )
    parser.add_argument("--switches", default="pb-sw-a,pb-sw-b,pb-sw-c,pb-sw-d")
    parser.add_argument("--username", default="admin")
    parser.add_argument(
        "--password", default=os.environ.get("LAB_SSH_PASSWORD"), help="or $LAB_SSH_PASSWORD"
    )
    parser.add_argument(
        "--secret", default=os.environ.get("LAB_SSH_SECRET"), help="or $LAB_SSH_SECRET"
    )
    parser.add_argument("--state-dir", default="instance/lab-ssh")
    parser.add_argument("--port-count", type=int, default=DEFAULT_PORT_COUNT)
    parser.add_argument("--legacy-crypto", default="", help="switches offering only SHA-1 kex")
    parser.add_argument("--aggregation", default="",
                        help="switches with 24 TenGigabitEthernet ports instead of 48 Gigabit")
    parser.add_argument("--fresh", action="store_true", help="ignore the saved state")
    args = parser.parse_args(argv)
    if not args.password or not args.secret:
        parser.error("--password and --secret (or LAB_SSH_PASSWORD/LAB_SSH_SECRET) are required")

    state_dir = Path(args.state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    host_key = ensure_host_key(state_dir)
    switches = [s for s in args.switches.split(",") if s]
    lab = Lab(
        switches,
        state_dir,
        username=args.username,
        password=args.password,
        secret=args.secret,
        port_count=args.port_count,
        aggregation=[s for s in args.aggregation.split(",") if s],
        fresh=args.fresh,
    )
    legacy = {s for s in args.legacy_crypto.split(",") if s}

    async def _run() -> None:
        await _serve(lab, args.host, args.port_base, host_key, legacy)
        print(f"ssh lab ready: {json.dumps(_read_ports(state_dir))}", flush=True)
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run())


def seed_state(
    state_dir: str | os.PathLike[str],
    switches: Sequence[str],
    configs: dict[str, dict[str, dict[str, Any]]],
    *,
    port_count: int = DEFAULT_PORT_COUNT,
    aggregation: Iterable[str] = (),
) -> None:
    """Write a lab state where ``configs[switch][interface]`` (``InterfaceConfig`` fields) is
    already running and saved, every other port unconfigured: switches that were provisioned
    before the simulator first started. Unknown interfaces and fields are ignored."""
    Path(state_dir).mkdir(parents=True, exist_ok=True)
    lab = Lab(switches, Path(state_dir), username="", password="", secret="",
              port_count=port_count, aggregation=aggregation, fresh=True)
    known = set(InterfaceConfig.__dataclass_fields__)
    for hostname, interfaces in configs.items():
        switch = lab.switches.get(hostname)
        if switch is None:
            continue
        for typed, fields in interfaces.items():
            name = canonical_interface(typed)
            if name in switch.interfaces:
                config = InterfaceConfig(
                    **{key: value for key, value in fields.items() if key in known})
                switch.interfaces[name] = config
                for policy in (config.policy_in, config.policy_out):
                    if policy is not None:  # attached, so defined by whoever attached it
                        switch.policies.setdefault(policy, _rate_in_name(policy))
        switch.startup = {k: v.to_json() for k, v in switch.interfaces.items()}
    lab.persist()


def _rate_in_name(policy: str) -> int | None:
    """``PM-8M`` → 8,000,000 bit/s (the provisioner's naming); None for other names."""
    m = re.fullmatch(r"PM-(\d+)([KMG])", policy)
    return int(m.group(1)) * {"K": 10**3, "M": 10**6, "G": 10**9}[m.group(2)] if m else None


def _read_ports(state_dir: Path) -> dict[str, int]:
    return json.loads((state_dir / "ports.json").read_text())


@dataclass
class SshLab:
    """A running simulator subprocess: addresses, state inspection, fault control, stop."""

    process: subprocess.Popen[bytes]
    host: str
    ports: dict[str, int]
    state_dir: Path
    username: str

    def port(self, hostname: str) -> int:
        return self.ports[hostname]

    def state(self) -> dict[str, Any]:
        """The lab's state as last persisted (interfaces, saves, startup config)."""
        return load_state(self.state_dir)

    def interface(self, hostname: str, interface: str) -> dict[str, Any]:
        return self.state()[hostname]["interfaces"][interface]

    def set_faults(self, hostname: str, **faults: Any) -> None:
        """Replace the faults of one switch (no argument: clear them)."""
        path = self.state_dir / "faults.json"
        data = json.loads(path.read_text()) if path.exists() else {}
        data[hostname] = faults
        _write_json(path, data)

    def clear_faults(self) -> None:
        _write_json(self.state_dir / "faults.json", {})

    def stop(self) -> None:
        """Terminate the subprocess and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> SshLab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_ssh_lab(
    switches: Iterable[str],
    state_dir: str | os.PathLike[str],
    *,
    host: str = "127.0.0.1",
    port_base: int = 0,
    username: str = "admin",
    password: str,
    secret: str,
    port_count: int = DEFAULT_PORT_COUNT,
    legacy_crypto: Iterable[str] = (),
    aggregation: Iterable[str] = (),
    fresh: bool = True,
    timeout: float = 20.0,
) -> SshLab:
    """Run the simulator in a subprocess and return once every switch accepts TCP connections.

    ``port_base=0`` lets the OS pick free ports (see ``SshLab.ports``). Credentials go through
    the environment, not the command line, so they do not show in ``ps``.
    """
    state = Path(state_dir)
    state.mkdir(parents=True, exist_ok=True)
    (state / "ports.json").unlink(missing_ok=True)
    names = list(switches)
    cmd = [
        sys.executable,
        "-m",
        "lab.ssh_switch",
        "--host",
        host,
        "--port-base",
        str(port_base),
        "--switches",
        ",".join(names),
        "--username",
        username,
        "--state-dir",
        str(state),
        "--port-count",
        str(port_count),
        "--legacy-crypto",
        ",".join(legacy_crypto),
        "--aggregation",
        ",".join(aggregation),
    ]
    if fresh:
        cmd.append("--fresh")
    env = {**os.environ, "LAB_SSH_PASSWORD": password, "LAB_SSH_SECRET": secret}
    root = Path(__file__).resolve().parent.parent
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    log = (state / "simulator.log").open("ab")
    process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    log.close()
    deadline = time.monotonic() + timeout
    ports: dict[str, int] = {}
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"ssh lab exited with {process.returncode}: see {state / 'simulator.log'}"
            )
        with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
            ports = _read_ports(state)
        if ports and all(_accepts(host, ports[n]) for n in names):
            return SshLab(process, host, ports, state, username)
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise TimeoutError(f"ssh lab did not start within {timeout} s")


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
