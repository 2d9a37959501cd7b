"""Real SNMP agents on loopback for the network tests: snmpsim and Debian's net-snmp snmpd."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lab.snmp_lab import (
    LabDevice,
    free_udp_port,
    lab_devices_for_demo,
    snmp_answers,
    start_snmpsim,
    stop_snmpsim,
    write_lab_snmprec,
)
from network.snmp import SnmpTarget

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "snmpsim"
SNMPD = Path("/usr/sbin/snmpd")
V3_USER = "pollerv3"
V3_AUTH = "auth-pass-123"
V3_PRIV = "priv-pass-456"


@dataclass(frozen=True)
class Agent:
    """A running agent and how to reach it."""

    host: str
    port: int
    community: str | None = None  # snmpd only; snmpsim uses the file stem
    lab_devices: tuple[LabDevice, ...] = ()

    def v2c(self, community: str, **kw: object) -> SnmpTarget:
        return SnmpTarget(self.host, self.port, community=community, **kw)  # type: ignore[arg-type]

    def v3(
        self, context: str = "", *, auth: str = V3_AUTH, priv: str = V3_PRIV, **kw: object
    ) -> SnmpTarget:
        return SnmpTarget(
            self.host,
            self.port,
            version="3",
            v3_user=V3_USER,
            v3_auth_key=auth,
            v3_priv_key=priv,
            context=context,
            **kw,  # type: ignore[arg-type]
        )


@pytest.fixture(scope="module")
def snmpsim_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    """snmpsim serving the hand-written recordings plus the generated demo building."""
    root = tmp_path_factory.mktemp("snmpsim")
    data = root / "data"
    data.mkdir()
    for rec in DATA_DIR.glob("*.snmprec"):
        shutil.copy(rec, data / rec.name)
    port = free_udp_port()
    devices = lab_devices_for_demo(port=port)
    write_lab_snmprec(data, devices)
    proc = start_snmpsim(
        data,
        port,
        v3_user=V3_USER,
        v3_auth_key=V3_AUTH,
        v3_priv_key=V3_PRIV,
        cache_dir=root / "cache",
        log_file=root / "snmpsim.log",
        probe_community="cisco_normal_before",
    )
    try:
        yield Agent("127.0.0.1", port, lab_devices=tuple(devices))
    finally:
        stop_snmpsim(proc)


def snmpd_conf(path: Path, port: int, community: str, persist: Path) -> None:
    """A minimal snmpd.conf: one v2c community and one SHA/AES v3 user, loopback only."""
    path.write_text(
        f"agentAddress udp:127.0.0.1:{port}\n"
        f"rocommunity {community} 127.0.0.1\n"
        f"createUser {V3_USER} SHA {V3_AUTH} AES {V3_PRIV}\n"
        f"rouser {V3_USER} priv\n"
        f"[snmp] persistentDir {persist}\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def snmpd_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    """Debian's net-snmp snmpd on a free loopback port (the test fails if it is missing)."""
    if not SNMPD.exists() or not shutil.which("snmpget"):
        pytest.fail(
            "net-snmp is not installed: /usr/sbin/snmpd and snmpget are required for the "
            "real-agent tests (apt-get install -y snmpd snmp; `make test` does it)"
        )
    root = tmp_path_factory.mktemp("snmpd")
    persist = root / "persist"
    persist.mkdir()
    port = free_udp_port()
    community = "realRO"
    conf = root / "snmpd.conf"
    snmpd_conf(conf, port, community, persist)
    proc = subprocess.Popen(
        [str(SNMPD), "-f", "-C", "-c", str(conf), "-Lf", str(root / "snmpd.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while not snmp_answers("127.0.0.1", port, community):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"snmpd did not start; see {root / 'snmpd.log'}")
            time.sleep(0.1)
        yield Agent("127.0.0.1", port, community=community)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
