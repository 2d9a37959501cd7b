"""Simulated lab network on snmpsim: Cisco-like access and aggregation switches.

``write_lab_snmprec`` writes one ``<hostname>.snmprec`` per device. The community (v2c)
or the context name (v3) equal to the file stem selects the device. Traffic counters
use snmpsim's ``numeric`` variation module, ``value = initial + rate × seconds since
the simulator started``, so counters grow at a known rate and a simulator restart looks
like a reboot (sysUpTime and counters start again).

``start_snmpsim``/``stop_snmpsim`` run ``snmpsim-command-responder`` from the venv.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_PORT = 16100
DEFAULT_V3_USER = "labv3"
DEFAULT_V3_AUTH_KEY = "lab-auth-key"
DEFAULT_V3_PRIV_KEY = "lab-priv-key"

SYS_DESCR = (
    "Cisco IOS Software [Dublin], Catalyst L3 Switch Software (CAT9K_IOSXE), "
    "Version 17.12.4, RELEASE SOFTWARE (fc2) (simulated)"
)
SYS_OBJECT_ID = {48: "1.3.6.1.4.1.9.1.2494", 24: "1.3.6.1.4.1.9.1.2493", 0: "1.3.6.1.4.1.9.1.2571"}

C32 = 2**32
C64 = 2**64


@dataclass(frozen=True, slots=True)
class LabPort:
    """One simulated interface with constant rates in octets per second."""

    if_index: int
    name: str
    descr: str
    speed_mbps: int
    admin_up: bool = True
    oper_up: bool = True
    in_rate: int = 0  # octets/s received by the switch = household upload
    out_rate: int = 0  # octets/s sent by the switch = household download
    in_initial: int = 0
    out_initial: int = 0
    alias: str = ""


@dataclass(frozen=True, slots=True)
class LabDevice:
    """One simulated switch; ``hostname`` is also the community and the v3 context name."""

    hostname: str
    ports: tuple[LabPort, ...]
    uptime_ticks: int = 0  # sysUpTime when the simulator starts
    sys_location: str = ""
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    has_ifxtable: bool = True
    kind: str = "access"  # "access" or "aggregation"
    extra: dict[str, str] = field(default_factory=dict)  # OID -> "tag|value" overrides

    @property
    def community(self) -> str:
        """The v2c community (and v3 context) selecting this device in snmpsim."""
        return self.hostname


def access_switch(
    hostname: str,
    *,
    ports: int = 48,
    flats: int = 29,
    seed: int | None = None,
    uptime_ticks: int = 8_640_000,
    location: str = "",
    port: int = DEFAULT_PORT,
) -> LabDevice:
    """A Cisco-like access switch: Gi1/0/1..N (flats on the first ``flats``), 4 Te uplinks.

    Household ports carry a steady 0.1–4 Mb/s download and a tenth of that upload;
    the remaining access ports are administratively up but without link. The first
    uplink carries the sum. Rates are deterministic for a given ``seed``/hostname.
    """
    rng = random.Random(seed if seed is not None else hostname)
    rows: list[LabPort] = []
    total_in = total_out = 0
    for i in range(1, ports + 1):
        name = f"Gi1/0/{i}"
        if i <= flats:
            down = rng.randint(12_500, 500_000)  # 0.1–4 Mb/s in octets/s
            up = max(1_000, down // 10)
            total_in += up
            total_out += down
            rows.append(
                LabPort(
                    i,
                    name,
                    f"GigabitEthernet1/0/{i}",
                    1000,
                    in_rate=up,
                    out_rate=down,
                    in_initial=rng.randint(0, 10**12),
                    out_initial=rng.randint(0, 10**13),
                    alias=f"flat {i}",
                )
            )
        else:
            rows.append(LabPort(i, name, f"GigabitEthernet1/0/{i}", 1000, oper_up=False))
    for u in range(1, 5):
        idx = ports + u
        active = u == 1
        rows.append(
            LabPort(
                idx,
                f"Te1/1/{u}",
                f"TenGigabitEthernet1/1/{u}",
                10_000,
                oper_up=active,
                in_rate=total_out if active else 0,
                out_rate=total_in if active else 0,
                in_initial=rng.randint(0, 10**14) if active else 0,
                out_initial=rng.randint(0, 10**13) if active else 0,
                alias="uplink" if active else "",
            )
        )
    rows.append(LabPort(ports + 5, "Vl1", "Vlan1", 1000, in_rate=200, out_rate=150))
    rows.append(LabPort(ports + 6, "Nu0", "Null0", 10_000))
    return LabDevice(
        hostname, tuple(rows), uptime_ticks=uptime_ticks, sys_location=location, port=port
    )


def aggregation_switch(
    hostname: str,
    downlinks: Iterable[LabDevice],
    *,
    seed: int | None = None,
    uptime_ticks: int = 365 * 8_640_000,
    location: str = "",
    port: int = DEFAULT_PORT,
) -> LabDevice:
    """An aggregation switch: one Te1/0/N per access switch (carrying its uplink), 24 ports."""
    rng = random.Random(seed if seed is not None else hostname)
    rows: list[LabPort] = []
    downs = list(downlinks)
    total_in = total_out = 0
    for i in range(1, 25):
        if i <= len(downs):
            uplink = next(p for p in downs[i - 1].ports if p.alias == "uplink")
            # the access switch's uplink "in" is what this port sends, and vice versa
            rows.append(
                LabPort(
                    i,
                    f"Te1/0/{i}",
                    f"TenGigabitEthernet1/0/{i}",
                    10_000,
                    in_rate=uplink.out_rate,
                    out_rate=uplink.in_rate,
                    in_initial=rng.randint(0, 10**13),
                    out_initial=rng.randint(0, 10**14),
                    alias=downs[i - 1].hostname,
                )
            )
            total_in += uplink.out_rate
            total_out += uplink.in_rate
        else:
            rows.append(
                LabPort(i, f"Te1/0/{i}", f"TenGigabitEthernet1/0/{i}", 10_000, oper_up=False)
            )
    rows.append(
        LabPort(
            25,
            "Hu1/1/1",
            "HundredGigE1/1/1",
            100_000,
            in_rate=total_out,
            out_rate=total_in,
            in_initial=rng.randint(0, 10**15),
            out_initial=rng.randint(0, 10**14),
            alias="transit",
        )
    )
    rows.append(LabPort(26, "Vl1", "Vlan1", 1000, in_rate=300, out_rate=200))
    return LabDevice(
        hostname,
        tuple(rows),
        uptime_ticks=uptime_ticks,
        sys_location=location,
        kind="aggregation",
        port=port,
    )


def lab_devices_for_demo(port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> list[LabDevice]:
    """Demo building "Port-Boyer": one 48-port access switch per staircase A–D + ``pb-agg-1``.

    Flats are on Gi1/0/1..29 of each access switch; all devices answer on ``host:port``.
    """
    access = [
        access_switch(
            f"pb-sw-{stair}",
            ports=48,
            flats=29,
            seed=n,
            uptime_ticks=(n + 3) * 8_640_000,
            location=f"Port-Boyer, escalier {stair.upper()}",
            port=port,
        )
        for n, stair in enumerate("abcd")
    ]
    agg = aggregation_switch(
        "pb-agg-1", access, seed=99, location="Port-Boyer, local technique", port=port
    )
    return [_with_host(d, host) for d in [*access, agg]]


def _with_host(device: LabDevice, host: str) -> LabDevice:
    return replace(device, host=host)


def _oid_key(line: str) -> tuple[int, ...]:
    return tuple(int(x) for x in line.split("|", 1)[0].split("."))


def _counter(initial: int, rate: int, bits: int) -> str:
    """A numeric-module counter; 32-bit ones wrap modulo 2**32 like a real Counter32."""
    tag = "70" if bits == 64 else "65"
    modulus = C64 if bits == 64 else C32
    start = initial % modulus
    if rate == 0:
        return f"{tag}|{start}"
    # snmpsim wraps with "v %= max", so max = 2**bits gives the real modulo
    return f"{tag}:numeric|rate={rate},initial={start},wrap=1,max={modulus}"


def snmprec_lines(device: LabDevice) -> list[str]:
    """The sorted .snmprec records of one device."""
    recs: dict[str, str] = {
        "1.3.6.1.2.1.1.1.0": f"4|{SYS_DESCR}",
        "1.3.6.1.2.1.1.2.0": f"6|{SYS_OBJECT_ID.get(len(device.ports) - 6, SYS_OBJECT_ID[0])}",
        # sysUpTime grows 100 ticks per second from the simulator's start
        "1.3.6.1.2.1.1.3.0": f"67:numeric|rate=100,initial={device.uptime_ticks}",
        "1.3.6.1.2.1.1.4.0": "4|noc@example.invalid",
        "1.3.6.1.2.1.1.5.0": f"4|{device.hostname}",
        "1.3.6.1.2.1.1.6.0": f"4|{device.sys_location}",
        "1.3.6.1.2.1.1.7.0": "2|6",
        "1.3.6.1.2.1.2.1.0": f"2|{len(device.ports)}",
    }
    for p in device.ports:
        i = p.if_index
        speed = p.speed_mbps * 1_000_000
        recs[f"1.3.6.1.2.1.2.2.1.1.{i}"] = f"2|{i}"
        recs[f"1.3.6.1.2.1.2.2.1.2.{i}"] = f"4|{p.descr}"
        recs[f"1.3.6.1.2.1.2.2.1.3.{i}"] = "2|6"
        recs[f"1.3.6.1.2.1.2.2.1.5.{i}"] = f"66|{min(speed, C32 - 1)}"
        recs[f"1.3.6.1.2.1.2.2.1.7.{i}"] = f"2|{1 if p.admin_up else 2}"
        recs[f"1.3.6.1.2.1.2.2.1.8.{i}"] = f"2|{1 if p.oper_up else 2}"
        recs[f"1.3.6.1.2.1.2.2.1.10.{i}"] = _counter(p.in_initial, p.in_rate, 32)
        recs[f"1.3.6.1.2.1.2.2.1.16.{i}"] = _counter(p.out_initial, p.out_rate, 32)
        if device.has_ifxtable:
            recs[f"1.3.6.1.2.1.31.1.1.1.1.{i}"] = f"4|{p.name}"
            recs[f"1.3.6.1.2.1.31.1.1.1.6.{i}"] = _counter(p.in_initial, p.in_rate, 64)
            recs[f"1.3.6.1.2.1.31.1.1.1.10.{i}"] = _counter(p.out_initial, p.out_rate, 64)
            recs[f"1.3.6.1.2.1.31.1.1.1.15.{i}"] = f"66|{p.speed_mbps}"
            recs[f"1.3.6.1.2.1.31.1.1.1.18.{i}"] = f"4|{p.alias}"
    recs.update(device.extra)
    lines = [f"{oid}|{value}" for oid, value in recs.items()]
    return sorted(lines, key=_oid_key)


def write_lab_snmprec(data_dir: str | os.PathLike[str], devices: Iterable[LabDevice]) -> list[Path]:
    """Write ``<hostname>.snmprec`` for each device into ``data_dir``; returns the paths."""
    root = Path(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for device in devices:
        path = root / f"{device.hostname}.snmprec"
        path.write_text("\n".join(snmprec_lines(device)) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def free_udp_port(host: str = "127.0.0.1") -> int:
    """A UDP port that is free right now on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _responder() -> str:
    local = Path(sys.executable).parent / "snmpsim-command-responder"
    if local.exists():
        return str(local)
    found = shutil.which("snmpsim-command-responder")
    if not found:
        raise FileNotFoundError("snmpsim-command-responder not found (pip install snmpsim==1.2.2)")
    return found


def snmp_answers(host: str, port: int, community: str, timeout: float = 0.3) -> bool:
    """One raw SNMPv2c GET of sysUpTime.0; True when any answer comes back."""
    # snmpsim's own libraries: the lab extra, absent in production.
    from pyasn1.codec.ber import encoder  # noqa: PLC0415
    from pysnmp.proto import api  # noqa: PLC0415

    p = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    pdu = p.GetRequestPDU()
    p.apiPDU.set_defaults(pdu)
    p.apiPDU.set_varbinds(pdu, [((1, 3, 6, 1, 2, 1, 1, 3, 0), p.Null(""))])
    msg = p.Message()
    p.apiMessage.set_defaults(msg)
    p.apiMessage.set_community(msg, community)
    p.apiMessage.set_pdu(msg, pdu)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(encoder.encode(msg), (host, port))
            return bool(s.recv(65535))
        except OSError:
            return False


def start_snmpsim(
    data_dir: str | os.PathLike[str],
    port: int = DEFAULT_PORT,
    *,
    host: str = "127.0.0.1",
    v3_user: str | None = DEFAULT_V3_USER,
    v3_auth_key: str = DEFAULT_V3_AUTH_KEY,
    v3_priv_key: str = DEFAULT_V3_PRIV_KEY,
    v3_auth_proto: str = "SHA",
    v3_priv_proto: str = "AES",
    cache_dir: str | os.PathLike[str] | None = None,
    log_file: str | os.PathLike[str] | None = None,
    probe_community: str | None = None,
    startup_timeout_s: float = 60.0,
) -> subprocess.Popen[bytes]:
    """Start snmpsim on ``host:port`` serving ``data_dir``; returns once a GET is answered.

    v2c communities and v3 context names select the ``.snmprec`` file of the same stem.
    ``probe_community`` defaults to the first file's stem. Raises ``RuntimeError`` (after
    stopping the process) when it does not answer within ``startup_timeout_s``.
    """
    data = Path(data_dir)
    stems = sorted(p.stem for p in data.glob("*.snmprec"))
    if not stems:
        raise FileNotFoundError(f"no .snmprec file in {data}")
    if cache_dir is None:
        # keep the index (dbm files, large) out of the source tree, one per data dir
        digest = hashlib.sha1(str(data.resolve()).encode()).hexdigest()[:12]
        cache_dir = Path(tempfile.gettempdir()) / f"snmpsim-cache-{digest}"
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    # engine options first, then the endpoint and data dir (docs/snmp.md §6: order matters)
    community = probe_community or stems[0]
    if snmp_answers(host, port, community):
        raise RuntimeError(f"something already answers SNMP on {host}:{port}")
    args = [_responder(), "--cache-dir", str(cache), "--v3-engine-id", "auto"]
    if v3_user:
        args += [
            f"--v3-user={v3_user}",
            f"--v3-auth-key={v3_auth_key}",
            f"--v3-auth-proto={v3_auth_proto}",
            f"--v3-priv-key={v3_priv_key}",
            f"--v3-priv-proto={v3_priv_proto}",
        ]
    args += [f"--data-dir={data}", f"--agent-udpv4-endpoint={host}:{port}"]
    env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
    out = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115
    try:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
    finally:
        if log_file:
            out.close()
    deadline = time.monotonic() + startup_timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"snmpsim exited with code {proc.returncode} (see {log_file})")
        if snmp_answers(host, port, community):
            return proc
        time.sleep(0.2)
    stop_snmpsim(proc)
    raise RuntimeError(f"snmpsim did not answer on {host}:{port} within {startup_timeout_s} s")


def stop_snmpsim(proc: subprocess.Popen[bytes], timeout_s: float = 5.0) -> None:
    """Terminate the simulator started by ``start_snmpsim`` (kill it if it lingers)."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout_s)


def main(argv: list[str] | None = None) -> int:
    """``python -m lab.snmp_lab [--port N] [--data-dir DIR]``: serve the demo building."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--data-dir", default=str(Path(__file__).parent / "snmpsim_data"))
    args = parser.parse_args(argv)
    devices = lab_devices_for_demo(port=args.port)
    write_lab_snmprec(args.data_dir, devices)
    proc = start_snmpsim(args.data_dir, args.port)
    print(f"snmpsim on 127.0.0.1:{args.port}: communities {[d.hostname for d in devices]}")
    try:
        proc.wait()
    except KeyboardInterrupt:
        stop_snmpsim(proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
