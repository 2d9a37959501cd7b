"""Poll workers on several "hosts" sharing one database; one is killed mid-cycle (issue 23.6).

Needs root, ``ip`` (iproute2) and ``/usr/sbin/snmpd``. Each worker runs in its own network
namespace with its own address (10.77.0.11, .12, …), like a poller on its own machine; the
switches live in an agent namespace where Debian's snmpd answers on every address of
10.78.0.0/16 (one address per switch), reached through a bridge. The workers share one
database: PostgreSQL with ``--database-url`` (reached through the server's Unix socket, a file
every namespace sees), else a SQLite file. Each worker is a scheduler loop calling
``network.poller.run_poll_cycle`` every ``--tick`` seconds, as ``isp worker`` does.

1. Cycle 0: every switch is discovered and gets its first counters (baseline).
2. Cycle 1: the victim starts first and dies by SIGKILL (no cleanup, no release) as it
   starts polling its ``--die-at-batch``-th batch of the cycle, i.e. holding the leases of a
   claimed batch, other batches stored; the other workers start at that moment (on a quiet
   machine one of them could otherwise poll every switch before the victim claims any). (The moment
   is chosen inside the victim so that the kill lands mid-cycle however loaded the machine
   is; the parent watching the database could miss a short cycle.) Its leases expire after
   ``--lease`` seconds (``POLL_LEASE_SECONDS``) and the live workers take them over.
3. Cycle 2, the peer: the live workers alone, no kill.

Checks (exit 1 if one fails): every switch polled exactly once per cycle; the devices the
victim held at its death polled by another worker; no lease left; nothing counted twice or
lost — for every port, the usage stored equals the growth of its counters between the
baseline and the last cycle (no interval was discarded).

    sudo .venv/bin/python benchmarks/poll_failover.py --devices 1000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench_failover
    sudo .venv/bin/python benchmarks/poll_failover.py --smoke [--database-url …]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import _smoke  # noqa: E402
from benchmarks.poll_throughput import (  # noqa: E402
    AGENT_PORT,
    COMMUNITY,
    BenchDevice,
    _check_postgres_name,
    _create_app,
    _in_child,
    prepare_postgres,
    setup_database,
)

AGENT_NET = "10.77.0.1/16"
DEVICE_NET = "10.78.0.0/16"
INTERVAL_MIN = 5  # POLL_INTERVAL_MINUTES: cycle k runs on the clock base + k × 5 min


def device_addresses(n: int) -> list[str]:
    """10.78.0.1, 10.78.0.2, … (one per switch, all answered by the agent namespace)."""
    return [f"10.78.{i // 250}.{i % 250 + 1}" for i in range(n)]


def _ip(*argv: str) -> None:
    subprocess.run(["ip", *argv], check=True, capture_output=True)


class Network:
    """Agent namespace (snmpd, bridge, AnyIP route for the switches) + one per worker."""

    def __init__(self, tag: str, workdir: Path, workers: int) -> None:
        self.agent = f"fo{tag}a"
        self.workers = [f"fo{tag}w{i + 1}" for i in range(workers)]
        self.addresses = [f"10.77.0.{11 + i}" for i in range(workers)]
        self.workdir = workdir
        self.created: list[str] = []
        self.snmpd: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        _ip("netns", "add", self.agent)
        self.created.append(self.agent)
        a = self.agent
        _ip("-n", a, "link", "set", "lo", "up")
        _ip("-n", a, "link", "add", "br0", "type", "bridge")
        _ip("-n", a, "addr", "add", AGENT_NET, "dev", "br0")
        _ip("-n", a, "link", "set", "br0", "up")
        _ip("-n", a, "route", "add", "local", DEVICE_NET, "dev", "lo")  # every switch address
        for i, (ns, address) in enumerate(zip(self.workers, self.addresses, strict=True)):
            _ip("netns", "add", ns)
            self.created.append(ns)
            _ip("-n", a, "link", "add", f"wk{i + 1}", "type", "veth", "peer", "name", "eth0",
                "netns", ns)
            _ip("-n", a, "link", "set", f"wk{i + 1}", "master", "br0", "up")
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "addr", "add", f"{address}/16", "dev", "eth0")
            _ip("-n", ns, "link", "set", "eth0", "up")
            _ip("-n", ns, "route", "add", DEVICE_NET, "via", AGENT_NET.split("/")[0])
        persist = self.workdir / "persist"
        persist.mkdir()
        conf = self.workdir / "snmpd.conf"
        conf.write_text(f"agentAddress udp:{AGENT_PORT}\nrocommunity {COMMUNITY}\n"
                        f"[snmp] persistentDir {persist}\n", encoding="utf-8")
        self.snmpd = subprocess.Popen(
            ["ip", "netns", "exec", a, "/usr/sbin/snmpd", "-f", "-C", "-c", str(conf), "-Lf",
             str(self.workdir / "snmpd.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            r = subprocess.run(["ip", "netns", "exec", self.workers[0], "snmpget", "-v2c", "-c",
                                COMMUNITY, "-On", "-t", "0.5", "-r", "0",
                                f"10.78.0.1:{AGENT_PORT}", "1.3.6.1.2.1.1.3.0"],
                               capture_output=True, check=False)
            if r.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"snmpd did not answer; see {self.workdir / 'snmpd.log'}")

    def close(self) -> None:
        if self.snmpd is not None and self.snmpd.poll() is None:
            self.snmpd.terminate()
            try:
                self.snmpd.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.snmpd.kill()
                self.snmpd.wait()
        for ns in reversed(self.created):
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True)
        self.created.clear()


# --- the worker (runs inside its namespace) -----------------------------------------------------

def worker_main(args: argparse.Namespace) -> None:
    """A scheduler loop: for each cycle the parent opens, tick until the parent closes it."""
    app = _create_app(args.inner_database_url)
    app.config["POLL_LEASE_SECONDS"] = args.lease
    app.config["POLL_INTERVAL_MINUTES"] = INTERVAL_MIN
    from network.poller import run_poll_cycle

    control = Path(args.control)
    base = datetime.fromisoformat(args.base)
    name = args.worker
    cycle = [0]
    if args.die_at:
        import asyncio

        import network.poller as poller

        real_poll_many = poller.poll_many
        batches = [0]

        async def poll_or_die(client: Any, targets: Any, concurrency: int = 32) -> Any:
            if cycle[0] == 1:
                batches[0] += 1
                if batches[0] == args.die_at:
                    (control / "victim-claimed").touch()  # the others may start now
                    await asyncio.sleep(0.05)  # a few requests out, then the power goes
                    os.kill(os.getpid(), signal.SIGKILL)
            return await real_poll_many(client, targets, concurrency)

        poller.poll_many = poll_or_die
    (control / f"{name}.ready").touch()
    with app.app_context():
        for k in range(3):
            cycle[0] = k
            go = control / f"cycle-{k}.go"
            while not go.exists():
                time.sleep(0.02)
            # In cycle 1 the others wait until the victim holds the leases of the batch it dies
            # with: on a quiet machine one worker could otherwise poll every switch before the
            # victim claims anything, and nobody would die mid-cycle.
            while k == 1 and not args.die_at and not (control / "victim-claimed").exists():
                time.sleep(0.02)
            started = time.monotonic()
            cycle_base = base + timedelta(minutes=k * INTERVAL_MIN)
            stop = control / f"cycle-{k}.stop"
            polled = 0
            while not stop.exists():
                now = cycle_base + timedelta(seconds=time.monotonic() - started)
                summary = run_poll_cycle(worker=name, now=now, batch=args.batch,
                                         concurrency=args.concurrency, discover=k == 0)
                polled += summary.devices
                if summary.leases_lost:
                    print(f"{name}: {summary.leases_lost} leases lost", file=sys.stderr)
                time.sleep(args.tick)
            (control / f"{name}.cycle-{k}.json").write_text(json.dumps({"devices": polled}))


# --- the parent -----------------------------------------------------------------------------------

def _tables() -> Any:
    from isp import load_all_models  # the models' tables, used on a plain engine (no app)

    load_all_models()
    from network.models import Device, DiscardedInterval, PollResult, PortCounter, UsageHour

    return (Device.__table__, PollResult.__table__, PortCounter.__table__,
            UsageHour.__table__, DiscardedInterval.__table__)


def _state(engine: Any) -> dict[str, Any]:
    """Poll results per (device, worker) and leases held now (one cheap query each)."""
    from sqlalchemy import func, select

    devices, results, _, _, _ = _tables()
    with engine.connect() as c:
        polls = c.execute(select(results.c.device_id, results.c.worker, func.count())
                          .group_by(results.c.device_id, results.c.worker)).all()
        leases = c.execute(select(devices.c.id, devices.c.poll_lease_owner).where(
            devices.c.poll_lease_owner.is_not(None))).all()
    return {"polls": [tuple(p) for p in polls], "leases": [tuple(row) for row in leases]}


def _counters(engine: Any) -> dict[int, tuple[int, int]]:
    from sqlalchemy import select

    _, _, counters, _, _ = _tables()
    with engine.connect() as c:
        return {pid: (i, o) for pid, i, o in c.execute(
            select(counters.c.port_id, counters.c.in_octets, counters.c.out_octets))}


def _usage_check(engine: Any, baseline: dict[int, tuple[int, int]]) -> dict[str, Any]:
    """Compare, per port, the usage stored with the growth of its counters since ``baseline``."""
    from sqlalchemy import func, select

    _, _, _, hours, discarded_t = _tables()
    now = _counters(engine)
    with engine.connect() as c:
        usage = {pid: (int(i or 0), int(o or 0)) for pid, i, o in c.execute(
            select(hours.c.port_id, func.sum(hours.c.octets_in), func.sum(hours.c.octets_out))
            .group_by(hours.c.port_id))}
        discarded = c.scalar(select(func.count()).select_from(discarded_t))
    mismatched, growth = 0, 0
    for pid, (i0, o0) in baseline.items():
        i1, o1 = now.get(pid, (None, None))
        if i1 is None or i0 is None:
            continue
        expected = (i1 - i0, o1 - o0)
        growth += sum(expected)
        mismatched += usage.get(pid, (0, 0)) != expected
    return {"ports": len(baseline), "mismatched": mismatched, "growth_octets": growth,
            "usage_octets": sum(a + b for a, b in usage.values()), "discarded": discarded}


def run(args: argparse.Namespace, net: Network, url: str, workdir: Path) -> _smoke.Checks:
    devices = [BenchDevice(a, AGENT_PORT, COMMUNITY) for a in device_addresses(args.devices)]
    from sqlalchemy import create_engine

    _in_child(setup_database, url, devices, 0)
    engine = create_engine(url)
    control = workdir / "control"
    control.mkdir()
    base = datetime.now(UTC)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    stored_victim_0 = 0
    for i, ns in enumerate(net.workers):
        name = f"worker-{i + 1}@{net.addresses[i]}"
        die = ["--die-at", str(args.die_at_batch)] if i == 0 else []
        procs[name] = subprocess.Popen(
            ["ip", "netns", "exec", ns, sys.executable, str(Path(__file__).resolve()),
             "--worker", name, "--inner-database-url", url, "--control", str(control),
             "--base", base.isoformat(), "--lease", str(args.lease), "--batch",
             str(args.batch), "--tick", str(args.tick), "--concurrency", str(args.concurrency),
             *die])
    names = list(procs)
    victim = names[0]
    checks = _smoke.Checks()
    results: list[dict[str, Any]] = []
    baseline: dict[int, tuple[int, int]] = {}
    try:
        for k in range(3):
            expected = args.devices * (k + 1)
            if k == 0:  # the workers' interpreters are up (start-up is not part of a cycle)
                while not all((control / f"{n}.ready").exists() for n in names):
                    if any(p.poll() is not None for p in procs.values()):
                        raise RuntimeError("a worker exited before its first cycle")
                    time.sleep(0.1)
            t0 = time.monotonic()
            (control / f"cycle-{k}.go").touch()
            killed_at, held_at_kill, stored_before_kill = None, [], 0
            deadline = t0 + args.cycle_timeout
            while time.monotonic() < deadline:
                time.sleep(0.05 if k == 1 and killed_at is None else 0.2)
                state = _state(engine)
                total = sum(n for _, _, n in state["polls"])
                if k == 1 and killed_at is None:
                    by_victim = sum(n for _, w, n in state["polls"] if w == victim)
                    held = [d for d, owner in state["leases"] if owner == victim]
                    if procs[victim].poll() is not None:
                        killed_at = time.monotonic() - t0
                        held_at_kill, stored_before_kill = held, by_victim - stored_victim_0
                        print(f"cycle 1: {victim} killed (exit {procs[victim].returncode}) at "
                              f"{killed_at:.1f} s, holding "
                              f"{len(held)} leases, after storing {stored_before_kill} "
                              f"devices of this cycle", flush=True)
                        continue
                if total >= expected and not state["leases"]:
                    break
            wall = time.monotonic() - t0
            (control / f"cycle-{k}.stop").touch()
            state = _state(engine)
            per_device: dict[int, int] = {}
            for device_id, _w, n in state["polls"]:
                per_device[device_id] = per_device.get(device_id, 0) + n
            by_worker: dict[str, int] = {}
            for _d, w, n in state["polls"]:
                by_worker[w] = by_worker.get(w, 0) + n
            results.append({"cycle": k, "wall": wall, "by_worker": by_worker,
                            "killed_at": killed_at})
            checks.check(len(per_device) == args.devices
                         and set(per_device.values()) == {k + 1},
                         f"cycle {k}: every switch polled exactly once per cycle "
                         f"({sorted(set(per_device.values()))} polls per switch after "
                         f"{k + 1} cycles, {len(per_device)} of {args.devices} switches)")
            checks.check(not state["leases"], f"cycle {k}: {len(state['leases'])} leases left")
            if k == 0:
                baseline = _counters(engine)
                stored_victim_0 = by_worker.get(victim, 0)
            if k == 1:
                checks.check(killed_at is not None and procs[victim].returncode
                             in (-signal.SIGKILL, 128 + signal.SIGKILL),
                             "the victim was killed mid-cycle by SIGKILL")
                takers = {w for d, w, _n in state["polls"] if d in set(held_at_kill)
                          and w != victim}
                victim_polls = {d: n for d, w, n in state["polls"] if w == victim}
                checks.check(bool(held_at_kill) and all(victim_polls.get(d, 0) <= 1
                                                        for d in held_at_kill)
                             and bool(takers),
                             f"the {len(held_at_kill)} devices the victim held were taken "
                             f"over by {sorted(takers)}")
                results[-1].update(held=len(held_at_kill), stored_before_kill=stored_before_kill)
            print(f"cycle {k}: {wall:.1f} s; polls per worker so far {by_worker}", flush=True)
        usage = _usage_check(engine, baseline)
        checks.check(usage["mismatched"] == 0 and usage["discarded"] == 0
                     and usage["usage_octets"] == usage["growth_octets"] > 0,
                     f"usage stored = counter growth on every port ({usage['mismatched']} of "
                     f"{usage['ports']} ports differ, {usage['discarded']} discarded "
                     f"intervals, {usage['usage_octets']} of {usage['growth_octets']} octets)")
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.terminate()
        for p in procs.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        engine.dispose()
    report(args, net, results, usage)
    return checks


def report(args: argparse.Namespace, net: Network, results: list[dict[str, Any]],
           usage: dict[str, Any]) -> None:
    print(f"\n{args.devices} switches (snmpd in namespace {net.agent}), {len(net.workers)} "
          f"workers each in its own namespace ({', '.join(net.addresses)}), one "
          f"{args.dialect_label} database; batch {args.batch}, lease {args.lease} s, "
          f"tick {args.tick} s")
    labels = ["cycle 0: discovery + baseline, all workers",
              "cycle 1: one worker killed mid-cycle",
              "cycle 2 (peer): live workers, no kill"]
    for label, r in zip(labels, results, strict=False):
        extra = ""
        if r.get("killed_at") is not None:
            extra = (f"; killed at {r['killed_at']:.1f} s holding {r['held']} leases "
                     f"(expire after {args.lease} s), taken over")
        print(f"{label:<46} wall {r['wall']:6.1f} s{extra}")
    if len(results) == 3:
        print(f"failover cost: cycle 1 took {results[1]['wall'] - results[2]['wall']:+.1f} s "
              f"vs the peer cycle without a kill (lease {args.lease} s + tick {args.tick} s "
              "bound the takeover)")
    print(f"usage: {usage['usage_octets']} octets stored, counters grew by "
          f"{usage['growth_octets']}; {usage['mismatched']} of {usage['ports']} ports differ")
    print(f"load average now {os.getloadavg()[0]:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--batch", type=int, default=50, help="devices claimed per lease")
    parser.add_argument("--lease", type=int, default=10, help="POLL_LEASE_SECONDS")
    parser.add_argument("--tick", type=float, default=1.0, help="scheduler tick (s)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--cycle-timeout", type=float, default=600)
    parser.add_argument("--die-at-batch", type=int, default=3,
                        help="the victim dies as it polls its N-th batch of cycle 1")
    parser.add_argument("--database-url", help="postgresql://…/NAME (created if missing, its "
                        "tables dropped); a SQLite file in a temp dir by default")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--inner-database-url", help=argparse.SUPPRESS)
    parser.add_argument("--control", help=argparse.SUPPRESS)
    parser.add_argument("--die-at", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    args = _smoke.parse_args(parser, argv, {"devices": 40, "workers": 2, "batch": 4,
                                            "lease": 5, "tick": 0.5, "die_at_batch": 1})
    if args.worker:
        worker_main(args)
        return 0
    if args.database_url:
        _check_postgres_name(parser, args.database_url)
    if not shutil.which("ip") or not Path("/usr/sbin/snmpd").exists() or os.geteuid() != 0:
        parser.error("needs root, ip (iproute2) and /usr/sbin/snmpd")
    if args.workers < 2:
        parser.error("--workers must be at least 2 (one is killed)")

    def on_signal(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    workdir = Path(tempfile.mkdtemp(prefix="pollfailover-"))
    os.chmod(workdir, 0o755)
    net = Network(str(os.getpid()), workdir, args.workers)
    try:
        if args.database_url:
            url, args.dialect_label = prepare_postgres(args.database_url)
        else:
            url, args.dialect_label = f"sqlite:///{workdir / 'failover.sqlite'}", "SQLite"
        net.start()
        checks = run(args, net, url, workdir)
        if args.smoke:
            print(f"smoke run: {args.devices} switches, the figures only show that it runs")
    finally:
        net.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return checks.exit_code()


if __name__ == "__main__":
    raise SystemExit(main())
