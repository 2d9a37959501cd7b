"""Poll-cycle throughput of PysnmpClient against Debian's snmpd, next to ezsnmp and net-snmp CLI.

Needs root, ``ip`` (iproute2), ``/usr/sbin/snmpd`` and ``snmpget``/``snmpbulkwalk``.
It creates a private network namespace with 26 veth pairs and a bridge, so the agent
has 54 interfaces like a 48-port switch; inside it every 127.x.y.z reaches the one agent,
so each simulated device has its own address. The measuring code runs inside the
namespace (``ip netns exec``). Namespace and processes are removed at exit, even on error.

One device poll = GET sysUpTime.0 + sysName.0 and a lock-step GETBULK walk of 7 columns
(ifDescr, ifAdminStatus, ifOperStatus, ifName, ifHCIn/OutOctets, ifHighSpeed) over 54 rows.
Each method gets one warm-up cycle (not counted) then ``--cycles`` measured cycles.
``--store db`` (default) registers the devices in a fresh database (SQLite file in a temp
dir, or ``--database-url postgresql://…/bench_poll``, created if missing and reached through
the server's Unix socket from inside the namespace) with 48 flats, households and active
subscriptions per device, and runs ``network.poller.run_poll_cycle`` (leases, storage,
commits) in ``--workers`` processes like ``isp worker``; the warm-up cycle discovers the
ports, which are then wired to the flats, so measured cycles write counters and usage per
port hour, subscription day and building day. ``--store memory`` only computes deltas.

    sudo .venv/bin/python benchmarks/poll_throughput.py --devices 1000
    sudo .venv/bin/python benchmarks/poll_throughput.py --devices 1000 \
        --database-url postgresql://postgres@127.0.0.1:5432/bench_poll
    sudo .venv/bin/python benchmarks/poll_throughput.py --smoke [--database-url …]

``--smoke`` (run by the test suite): 4 devices, 1 measured cycle, every method, the same
namespace, snmpd and database storage; seconds. Exits 1 when the run's own checks fail: a
device not polled (or with errors) in a cycle, a lease left, ports not wired or no counters
stored.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing as mp
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import _smoke  # noqa: E402
from network.counters import counter_delta, uptime_consistent  # noqa: E402
from network.if_mib import MAIN_COLUMNS, QUICK_COLUMNS, SYS_NAME, SYS_UPTIME  # noqa: E402
from network.snmp import DevicePoll, PysnmpClient, SnmpTarget, poll_many  # noqa: E402

COMMUNITY = "benchRO"
AGENT_PORT = 1161
VETH_PAIRS = 26  # 52 veth + lo + br0 = 54 interface rows
def dotted(columns: tuple[tuple[int, ...], ...]) -> list[str]:
    return [".".join(map(str, c)) for c in columns]


def reference_columns(opts: dict[str, Any]) -> list[str]:
    """The references read what the measured pysnmp cycles read (same work, same values):
    status and counters for steady-state quick polls, every column with ``--discover``."""
    return dotted(MAIN_COLUMNS if opts["discover"] else QUICK_COLUMNS)


def device_addresses(n: int) -> list[str]:
    """One loopback address per device: 127.10.0.1, 127.10.0.2, …"""
    return [f"127.{10 + i // 62500}.{(i // 250) % 250}.{i % 250 + 1}" for i in range(n)]


# --- storage stand-in ------------------------------------------------------------------


@dataclass
class StoreTotals:
    """What ``store_cycle`` accumulated (proves the work was done)."""

    intervals: int = 0
    discarded: int = 0
    octets: int = 0


def store_cycle(prev: list[DevicePoll], curr: list[DevicePoll], totals: StoreTotals) -> None:
    """Hook: turn two consecutive cycles into counter deltas (replace with DB storage)."""
    for a, b in zip(prev, curr, strict=True):
        if not (a.answered and b.answered):
            continue
        elapsed = b.monotonic - a.monotonic
        rebooted = not uptime_consistent(a.sys_uptime_ticks, b.sys_uptime_ticks, elapsed)
        for idx, sb in b.interfaces.items():
            sa = a.interfaces.get(idx)
            if sa is None or sb.counter_bits is None or sa.counter_bits != sb.counter_bits:
                continue
            for before, after in ((sa.in_octets, sb.in_octets), (sa.out_octets, sb.out_octets)):
                if after is None:
                    continue
                d = counter_delta(
                    before,
                    after,
                    bits=sb.counter_bits,
                    speed_bps=sb.speed_bps,
                    elapsed_s=elapsed,
                    rebooted=rebooted,
                )
                totals.intervals += 1
                if hasattr(d, "octets"):
                    totals.octets += d.octets
                else:
                    totals.discarded += 1


# --- workers (run inside the namespace, one OS process each) -----------------------------


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _children_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def pysnmp_worker(addrs: list[str], opts: dict[str, Any], barrier: Any, conn: Any) -> None:
    """Poll a shard of devices with PysnmpClient; send per-cycle figures through ``conn``."""
    targets = [
        SnmpTarget(a, AGENT_PORT, community=COMMUNITY, timeout_s=opts["timeout"], retries=1)
        for a in addrs
    ]
    totals = StoreTotals()

    async def run() -> list[dict[str, Any]]:
        client = PysnmpClient(v2c_api=opts["api"])
        prev = await poll_many(client, targets, opts["concurrency"])  # warm-up
        # long-lived objects (engine, targets) leave the GC's scans (docs/snmp.md §5)
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 50, 100)
        cycles = []
        for _ in range(opts["cycles"]):
            if not opts["discover"]:  # steady state: status and counters (network.snmp)
                targets[:] = [replace(t, quick_after=(p.sys_uptime_ticks, p.polled_at))
                              if p.answered else t for t, p in zip(targets, prev, strict=True)]
            barrier.wait()
            c0, t0 = _cpu_s(), time.perf_counter()
            polls = await poll_many(client, targets, opts["concurrency"])
            if opts["store"] == "memory":
                store_cycle(prev, polls, totals)
            wall, cpu = time.perf_counter() - t0, _cpu_s() - c0
            bad = [p for p in polls if not p.ok]
            cycles.append(
                {
                    "wall": wall,
                    "cpu": cpu,
                    "devices": len(polls),
                    "errors": len(bad),
                    "error_sample": bad[0].error if bad else None,
                    "values": sum(len(p.interfaces) * (7 if p.full else 4) + 2 for p in polls),
                    "full_polls": sum(p.full for p in polls if p.answered),
                }
            )
            prev = polls
        client.close()
        return cycles

    cycles = asyncio.run(run())
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    conn.send({"cycles": cycles, "rss_mb": rss_mb, "store": totals.__dict__})


def ezsnmp_worker(addrs: list[str], opts: dict[str, Any], barrier: Any, conn: Any) -> None:
    """Same poll with ezsnmp (libnetsnmp in-process), one session per device, thread pool."""
    from ezsnmp import Session

    sessions = {
        a: Session(
            hostname=a,
            port_number=AGENT_PORT,
            version="2c",
            community=COMMUNITY,
            timeout=int(opts["timeout"]),
            retries=1,
            print_oids_numerically=True,
            print_timeticks_numerically=True,
            set_max_repeaters_to_num=6,
        )
        for a in addrs
    }

    def one(addr: str) -> int:
        s = sessions[addr]
        try:
            n = len(s.get([".".join(map(str, SYS_UPTIME)), ".".join(map(str, SYS_NAME))]))
            # bulk_walk([a, b]) walks only the first OID (docs/snmp.md §6): one walk per column
            for col in reference_columns(opts):
                n += len(s.bulk_walk(col))
            return n
        except Exception:  # noqa: BLE001 - ezsnmp raises various errors; count them
            return -1

    with ThreadPoolExecutor(opts["threads"]) as pool:
        list(pool.map(one, addrs))  # warm-up
        cycles = []
        for _ in range(opts["cycles"]):
            barrier.wait()
            c0, t0 = _cpu_s(), time.perf_counter()
            counts = list(pool.map(one, addrs))
            wall, cpu = time.perf_counter() - t0, _cpu_s() - c0
            cycles.append(
                {
                    "wall": wall,
                    "cpu": cpu,
                    "devices": len(addrs),
                    "errors": sum(c < 0 for c in counts),
                    "error_sample": None,
                    "values": sum(max(c, 0) for c in counts),
                }
            )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    conn.send({"cycles": cycles, "rss_mb": rss_mb, "store": {}})


def cli_worker(addrs: list[str], opts: dict[str, Any], barrier: Any, conn: Any) -> None:
    """Same poll with net-snmp's CLI: snmpget + one snmpbulkwalk per column, P in parallel."""
    t = str(int(opts["timeout"]))

    def one(addr: str) -> int:
        agent = f"{addr}:{AGENT_PORT}"
        base = ["-v2c", "-c", COMMUNITY, "-On", "-t", t, "-r", "1"]
        cmds = [
            ["snmpget", *base, agent, ".".join(map(str, SYS_UPTIME)), ".".join(map(str, SYS_NAME))]
        ]
        cmds += [["snmpbulkwalk", *base, "-Cr6", agent, col] for col in reference_columns(opts)]
        n = 0
        for cmd in cmds:
            r = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if r.returncode:
                return -1
            n += len(r.stdout.splitlines())
        return n

    with ThreadPoolExecutor(opts["cli_parallel"]) as pool:
        list(pool.map(one, addrs[: max(1, len(addrs) // 10)]))  # warm-up (page cache)
        cycles = []
        for _ in range(opts["cycles"]):
            barrier.wait()
            c0, t0 = _cpu_s() + _children_cpu_s(), time.perf_counter()
            counts = list(pool.map(one, addrs))
            wall = time.perf_counter() - t0
            cpu = _cpu_s() + _children_cpu_s() - c0
            cycles.append(
                {
                    "wall": wall,
                    "cpu": cpu,
                    "devices": len(addrs),
                    "errors": sum(c < 0 for c in counts),
                    "error_sample": None,
                    "values": sum(max(c, 0) for c in counts),
                }
            )
    conn.send({"cycles": cycles, "rss_mb": None, "store": {}})


def run_method(worker: Any, shards: list[list[str]], opts: dict[str, Any]) -> dict[str, Any]:
    """Run one method over its shards in parallel processes; combine per-cycle figures."""
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(len(shards))
    pipes, procs = [], []
    for shard in shards:
        parent, child = ctx.Pipe(duplex=False)
        p = ctx.Process(target=worker, args=(shard, opts, barrier, child))
        p.start()
        pipes.append(parent)
        procs.append(p)
    reports = [pipe.recv() for pipe in pipes]
    for p in procs:
        p.join()
    cycles = []
    for i in range(opts["cycles"]):
        per = [r["cycles"][i] for r in reports]
        cycles.append(
            {
                "wall": max(c["wall"] for c in per),
                "cpu": sum(c["cpu"] for c in per),
                "devices": sum(c["devices"] for c in per),
                "errors": sum(c["errors"] for c in per),
                "values": sum(c["values"] for c in per),
                "full_polls": sum(c.get("full_polls", 0) for c in per),
                "error_sample": next((c["error_sample"] for c in per if c["error_sample"]), None),
            }
        )
    rss = [r["rss_mb"] for r in reports if r["rss_mb"] is not None]
    store: dict[str, int] = {}
    for r in reports:
        for k, v in r["store"].items():
            store[k] = store.get(k, 0) + v
    return {
        "cycles": cycles,
        "processes": len(shards),
        "peak_rss_mb": max(rss) if rss else None,
        "store": store,
    }


def shard(addrs: list[str], n: int) -> list[list[str]]:
    """Split devices into ``n`` interleaved shards (one per worker process)."""
    return [addrs[i::n] for i in range(n)]


# --- database storage (--store db): the application's own poll cycle -------------------------

WIRED_PORTS = 48  # ports wired to a flat with an active subscription, per device


@dataclass(frozen=True)
class BenchDevice:
    """One device to register: where its agent answers and with which community."""

    host: str
    port: int
    community: str


def _create_app(url: str) -> Any:
    """The real application on ``url`` (as ``isp worker`` builds it from DATABASE_URL)."""
    import logging

    os.environ["DATABASE_URL"] = url
    from isp import create_app, load_all_models

    app = create_app()
    with app.app_context():
        load_all_models()
    # the cycle logs nothing per device at INFO, but keep the benchmark's output clean
    logging.getLogger().setLevel(logging.WARNING)
    return app


def setup_database(url: str, devices: list[BenchDevice], wired: int = WIRED_PORTS) -> dict:
    """Fresh schema; one building per device with ``wired`` flats, households, subscriptions."""
    from datetime import date

    from sqlalchemy import insert

    from isp.extensions import db
    from network.credentials import encrypt_secret
    from network.models import Device
    from subscribers.models import Building, District, Household, Subscription, Unit

    app = _create_app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        session = db.session

        def ids(model: Any, rows: list[dict[str, Any]]) -> list[int]:
            if not rows:
                return []
            statement = insert(model).returning(model.id, sort_by_parameter_order=True)
            return list(session.scalars(statement, rows))

        (district_id,) = ids(District, [{"code": "BENCH", "name": "Bench", "commune": "Nantes"}])
        building_ids = ids(Building, [
            {"code": f"BENCH-{i:04d}", "name": f"Bench {i}", "address": f"{i} rue du Banc",
             "postcode": "44000", "commune": "Nantes", "district_id": district_id,
             "status": "served"} for i in range(len(devices))])
        secrets = {c: encrypt_secret(c) for c in {d.community for d in devices}}
        ids(Device, [
            {"building_id": b, "hostname": f"bench-sw-{i:04d}", "mgmt_address": d.host,
             "snmp_port": d.port, "snmp_version": "2c", "snmp_community_enc": secrets[d.community]}
            for i, (b, d) in enumerate(zip(building_ids, devices, strict=True))])
        unit_codes = [f"BENCH-{i:04d}-{p:02d}" for i in range(len(building_ids))
                      for p in range(wired)]
        unit_ids = ids(Unit, [
            {"code": code, "building_id": building_ids[n // wired], "staircase": "A",
             "floor": n % wired // 4, "door": str(n % wired % 4 + 1)}
            for n, code in enumerate(unit_codes)])
        # Households go through the ORM, as the application creates them: the model's
        # before-insert event fills what it keeps for the lists (the accent-free search key
        # since migration 0010), so the next such column is filled here too, or fails here.
        households = [Household(unit_id=u, unit_code=code, holder_name=f"Foyer {u}",
                                moved_in_on=date(2025, 1, 1), language="fr")
                      for u, code in zip(unit_ids, unit_codes, strict=True)]
        session.add_all(households)
        session.flush()
        household_ids = [h.id for h in households]
        ids(Subscription, [
            {"household_id": h, "unit_id": u, "status": "active", "tier": "T3",
             "activated_on": date(2025, 1, 1)}
            for h, u in zip(household_ids, unit_ids, strict=True)])
        session.commit()
        dialect = db.engine.dialect.name
        db.engine.dispose()
    return {"devices": len(devices), "units": len(unit_ids), "dialect": dialect}


def wire_ports(url: str, wired: int = WIRED_PORTS) -> int:
    """Wire each device's first ``wired`` discovered ports (by ifIndex) to its building's flats.

    Runs after the discovery cycle, like a wiring import done once the ports are known.
    """
    from sqlalchemy import select, update

    from isp.extensions import db
    from network.models import Device, Port
    from subscribers.models import Unit

    app = _create_app(url)
    with app.app_context():
        units: dict[int, list[int]] = {}
        for unit_id, building_id in db.session.execute(
                select(Unit.id, Unit.building_id).order_by(Unit.code)):
            units.setdefault(building_id, []).append(unit_id)
        rows = db.session.execute(
            select(Port.id, Device.building_id).join(Device, Device.id == Port.device_id)
            .where(Port.if_index.is_not(None)).order_by(Port.device_id, Port.if_index)).all()
        taken: dict[int, int] = {}
        params = []
        for port_id, building_id in rows:
            k = taken.get(building_id, 0)
            flats = units.get(building_id, [])
            if k < min(wired, len(flats)):
                params.append({"pid": port_id, "uid": flats[k]})
                taken[building_id] = k + 1
        if params:
            from sqlalchemy import bindparam

            db.session.execute(update(Port.__table__).where(Port.__table__.c.id ==
                                                             bindparam("pid"))
                               .values(unit_id=bindparam("uid")), params)
        db.session.commit()
        db.engine.dispose()
    return len(params)


def verify_database(url: str, cycles: int) -> dict[str, Any]:
    """What the cycles stored: polls per device, usage rows, leases left (proves the work)."""
    from sqlalchemy import func, select

    from isp.extensions import db
    from network.models import (
        BuildingUsageDay,
        Device,
        DiscardedInterval,
        PollResult,
        Port,
        PortCounter,
        UsageDay,
        UsageHour,
    )

    app = _create_app(url)
    with app.app_context():
        s = db.session
        per_device = dict(s.execute(select(PollResult.device_id, func.count())
                                    .group_by(PollResult.device_id)).all())
        n_devices = s.scalar(select(func.count()).select_from(Device))
        out = {
            "devices": n_devices,
            "devices_polled_exactly_each_cycle": sum(1 for n in per_device.values()
                                                     if n == cycles),
            "max_polls_per_device": max(per_device.values(), default=0),
            "poll_results": sum(per_device.values()),
            "by_worker": dict(s.execute(select(PollResult.worker, func.count())
                                        .group_by(PollResult.worker)).all()),
            "ports": s.scalar(select(func.count()).select_from(Port)),
            "wired_ports": s.scalar(select(func.count()).select_from(Port)
                                    .where(Port.unit_id.is_not(None))),
            "port_counters": s.scalar(select(func.count()).select_from(PortCounter)),
            "usage_hours": s.scalar(select(func.count()).select_from(UsageHour)),
            "usage_days": s.scalar(select(func.count()).select_from(UsageDay)),
            "building_usage_days": s.scalar(select(func.count()).select_from(BuildingUsageDay)),
            "subscription_octets": int(s.scalar(select(func.coalesce(func.sum(
                UsageDay.download_octets + UsageDay.upload_octets), 0))) or 0),
            "discarded_intervals": s.scalar(select(func.count()).select_from(DiscardedInterval)),
            "leases_left": s.scalar(select(func.count()).select_from(Device)
                                    .where(Device.poll_lease_owner.is_not(None))),
        }
        db.engine.dispose()
    return out


def _proc_cpu_s(pid: int) -> float | None:
    """CPU seconds of any process from /proc (the PostgreSQL backend serving a worker)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def db_worker(url: str, name: str, opts: dict[str, Any], barriers: tuple[Any, Any],
              conn: Any) -> None:
    """One ``isp worker``-like process: ``run_poll_cycle`` (leases, storage) once per cycle.

    Cycle ``k`` runs with the reference time ``base + k × POLL_INTERVAL_MINUTES``, i.e. the
    scheduler's cycles back to back: every device is due again, and the two processes
    split the devices through their leases exactly as in production.
    """
    import cProfile
    import io
    import pstats
    import traceback
    from datetime import datetime, timedelta

    start, end = barriers
    try:
        app = _create_app(url)
        import network.poller as poller
        from isp.extensions import db

        real_poll_many = poller.poll_many
        poll_cpu = [0.0]

        async def timed_poll_many(client: Any, targets: Any, concurrency: int = 32) -> Any:
            # storage is synchronous between the awaits, so CPU spent in here is polling
            c0 = _cpu_s()
            try:
                return await real_poll_many(client, targets, concurrency)
            finally:
                poll_cpu[0] += _cpu_s() - c0

        poller.poll_many = timed_poll_many  # instrumentation only: delegates to the real one
        base = datetime.fromisoformat(opts["base"])
        profiler = cProfile.Profile() if opts["profile"] else None
        cycles = []
        with app.app_context():
            interval = timedelta(minutes=app.config.get("POLL_INTERVAL_MINUTES", 5))
            is_pg = db.engine.dialect.name == "postgresql"

            def backend() -> int | None:
                if not is_pg:
                    return None
                pid = db.session.connection().exec_driver_sql("select pg_backend_pid()").scalar()
                db.session.commit()
                return int(pid)

            for k in range(opts["total_cycles"]):
                start.wait(timeout=opts["barrier_timeout"])
                pid0 = backend()
                b0 = _proc_cpu_s(pid0) if pid0 else None
                poll_cpu[0] = 0.0
                c0, t0 = _cpu_s(), time.perf_counter()
                if profiler is not None and k > 0:
                    profiler.enable()
                summary = poller.run_poll_cycle(worker=name, now=base + k * interval,
                                                batch=opts["batch"],
                                                concurrency=opts["concurrency"],
                                                discover=opts["discover"] or k == 0)
                if profiler is not None:
                    profiler.disable()
                wall, cpu = time.perf_counter() - t0, _cpu_s() - c0
                pid1 = backend()
                b1 = _proc_cpu_s(pid1) if pid1 else None
                cycles.append({
                    "wall": wall, "cpu": cpu, "poll_cpu": poll_cpu[0],
                    "db_cpu": (b1 - b0) if (b0 is not None and b1 is not None
                                            and pid0 == pid1) else None,
                    "devices": summary.devices,
                    "errors": summary.unreachable + summary.answered_with_errors,
                    "error_sample": summary.errors[0] if summary.errors else None,
                    # approximate: full polls also read ifDescr, ifName and ifHighSpeed
                    "values": summary.ports * 4 + 2 * summary.ok,
                    "full_polls": summary.full_polls,
                    "usage_octets": summary.usage_octets, "discarded": summary.discarded,
                })
                end.wait(timeout=opts["barrier_timeout"])
        profile_text = None
        if profiler is not None:
            buf = io.StringIO()
            stats = pstats.Stats(profiler, stream=buf)
            stats.sort_stats("cumulative").print_stats(35)
            stats.sort_stats("tottime").print_stats(25)
            profile_text = buf.getvalue()
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        conn.send({"cycles": cycles, "rss_mb": rss_mb, "profile": profile_text, "error": None})
    except BaseException:  # noqa: BLE001 - report any failure to the parent, free the others
        start.abort()
        end.abort()
        conn.send({"error": traceback.format_exc()})


def _in_child(fn: Any, *args: Any) -> Any:
    """Run ``fn(*args)`` in a forked process (no engine or app leaks into later forks)."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)

    def target() -> None:
        try:
            child.send(("ok", fn(*args)))
        except BaseException as error:  # noqa: BLE001 - re-raised in the parent
            import traceback

            child.send(("error", f"{error!r}\n{traceback.format_exc()}"))

    p = ctx.Process(target=target)
    p.start()
    status, value = parent.recv()
    p.join()
    if status != "ok":
        raise RuntimeError(f"{fn.__name__} failed: {value}")
    return value


def run_db(devices: list[BenchDevice], url: str, opts: dict[str, Any],
           workers: int) -> dict[str, Any]:
    """Register ``devices`` in the database, then run 1 + ``cycles`` full poll cycles.

    Cycle 0 discovers the ports and stores the first counters (no usage yet); the ports are
    then wired to flats; the measured cycles store counters, usage per port hour,
    subscription day and building day.
    """
    from datetime import UTC, datetime

    setup = _in_child(setup_database, url, devices, opts.get("wired", WIRED_PORTS))
    total = 1 + opts["cycles"]
    opts = {**opts, "total_cycles": total, "base": datetime.now(UTC).isoformat()}
    ctx = mp.get_context("fork")
    start, end = ctx.Barrier(workers + 1), ctx.Barrier(workers + 1)
    pipes, procs = [], []
    try:
        for i in range(workers):
            parent, child = ctx.Pipe(duplex=False)
            worker_opts = {**opts, "profile": opts["profile"] and i == 0}
            p = ctx.Process(target=db_worker,
                            args=(url, f"bench-worker-{i + 1}", worker_opts, (start, end), child))
            p.start()
            pipes.append(parent)
            procs.append(p)
        wired, started = 0, time.monotonic()
        for k in range(total):
            if k:  # the counters must have moved in snmpd's cache since the last cycle
                time.sleep(max(0.0, started + opts.get("min_cycle_gap", 0.0)
                               - time.monotonic()))
            start.wait(timeout=opts["barrier_timeout"])
            started = time.monotonic()
            end.wait(timeout=opts["barrier_timeout"])
            if k == 0:
                wired = _in_child(wire_ports, url, opts.get("wired", WIRED_PORTS))
        reports = [pipe.recv() for pipe in pipes]
    except BaseException:
        for p in procs:
            if p.is_alive():
                p.terminate()
        errors = []
        for pipe in pipes:
            try:
                if pipe.poll(5):
                    errors.append(pipe.recv().get("error"))
            except (EOFError, OSError):
                errors.append("a poll worker exited without a report")
        if any(errors):
            print("\n".join(e for e in errors if e), file=sys.stderr)
        raise
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    failed = [r["error"] for r in reports if r.get("error")]
    if failed:
        raise RuntimeError("a poll worker failed:\n" + "\n".join(failed))
    for r in reports:
        if r["profile"]:
            print(r["profile"], file=sys.stderr)
    cycles = []
    for i in range(total):
        per = [r["cycles"][i] for r in reports]
        db_cpus = [c["db_cpu"] for c in per]
        cycles.append({
            "wall": max(c["wall"] for c in per),
            "cpu": sum(c["cpu"] for c in per),
            "poll_cpu": sum(c["poll_cpu"] for c in per),
            "db_cpu": None if None in db_cpus else sum(db_cpus),
            "devices": sum(c["devices"] for c in per),
            "per_worker": [c["devices"] for c in per],
            "errors": sum(c["errors"] for c in per),
            "values": sum(c["values"] for c in per),
            "usage_octets": sum(c["usage_octets"] for c in per),
            "discarded": sum(c["discarded"] for c in per),
            "full_polls": sum(c["full_polls"] for c in per),
            "error_sample": next((c["error_sample"] for c in per if c["error_sample"]), None),
        })
    return {
        "first": cycles[0],
        "cycles": cycles[1:],
        "processes": workers,
        "peak_rss_mb": max(r["rss_mb"] for r in reports),
        "store": {"setup": setup, "wired_ports": wired,
                  "check": _in_child(verify_database, url, total)},
    }


def traffic_generator(stop: Any, interfaces: list[str]) -> None:
    """Send one 1 kB broadcast frame out of every veth end twice a second (counters move)."""
    import socket

    socks = []
    for name in interfaces:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((name, 0))
        socks.append(s)
    frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + bytes(1000)
    while not stop.wait(0.5):
        for s in socks:
            try:
                s.send(frame)
            except OSError:
                pass


def inner(args: argparse.Namespace) -> None:
    """Runs inside the namespace: every method over the same devices; prints one JSON line."""
    addrs = device_addresses(args.devices)
    opts = {
        "timeout": args.timeout,
        "cycles": args.cycles,
        "concurrency": args.concurrency,
        "api": args.api,
        "store": args.store,
        "threads": args.ezsnmp_threads,
        "cli_parallel": args.cli_parallel,
        "batch": args.batch,
        "profile": args.profile,
        "discover": args.discover,
        "barrier_timeout": 900,
        "min_cycle_gap": args.min_cycle_gap,
        "wired": args.wired,
    }
    results: dict[str, Any] = {}
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    # counters must move between cycles or no usage is stored: frames through every veth
    ctx = mp.get_context("fork")
    stop = ctx.Event()
    names = [f"{side}{i}" for i in range(1, VETH_PAIRS + 1) for side in ("ge", "gp")]
    traffic = ctx.Process(target=traffic_generator, args=(stop, names), daemon=True)
    traffic.start()
    try:
        for method in methods:
            print(f"… {method}", file=sys.stderr, flush=True)
            results[method] = _run_one(method, addrs, args, opts)
    finally:
        stop.set()
        traffic.join(timeout=5)
        if traffic.is_alive():
            traffic.kill()
    print(json.dumps(results))


def _run_one(method: str, addrs: list[str], args: argparse.Namespace,
             opts: dict[str, Any]) -> dict[str, Any]:
    """One method over the fleet (pysnmp with the chosen storage, or a reference)."""
    if method == "pysnmp" and args.store == "db":
        devices = [BenchDevice(a, AGENT_PORT, COMMUNITY) for a in addrs]
        return run_db(devices, args.inner_database_url, opts, args.workers)
    if method == "pysnmp":
        return run_method(pysnmp_worker, shard(addrs, args.workers), opts)
    if method == "ezsnmp":
        return run_method(ezsnmp_worker, [addrs], opts)
    if method == "cli":
        cli_addrs = addrs[: args.cli_devices] if args.cli_devices else addrs
        return run_method(cli_worker, [cli_addrs], opts)
    raise SystemExit(f"unknown method {method!r}")


# --- outer: namespace, agent, report ----------------------------------------------------


def _ip(*argv: str) -> None:
    subprocess.run(["ip", *argv], check=True, capture_output=True)


class Namespace:
    """A private network namespace with snmpd; removed in ``close`` (also on signals)."""

    def __init__(self, name: str, workdir: Path) -> None:
        self.name, self.workdir = name, workdir
        self.snmpd: subprocess.Popen[bytes] | None = None
        self.created = False

    def start(self) -> None:
        _ip("netns", "add", self.name)
        self.created = True
        _ip("-n", self.name, "link", "set", "lo", "up")
        for i in range(1, VETH_PAIRS + 1):
            _ip("-n", self.name, "link", "add", f"ge{i}", "type", "veth", "peer", "name", f"gp{i}")
            _ip("-n", self.name, "link", "set", f"ge{i}", "up")
            _ip("-n", self.name, "link", "set", f"gp{i}", "up")
        _ip("-n", self.name, "link", "add", "br0", "type", "bridge")
        persist = self.workdir / "persist"
        persist.mkdir()
        conf = self.workdir / "snmpd.conf"
        conf.write_text(
            f"agentAddress udp:{AGENT_PORT}\nrocommunity {COMMUNITY}\n"
            f"[snmp] persistentDir {persist}\n",
            encoding="utf-8",
        )
        self.snmpd = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                self.name,
                "/usr/sbin/snmpd",
                "-f",
                "-C",
                "-c",
                str(conf),
                "-Lf",
                str(self.workdir / "snmpd.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            r = subprocess.run(
                [
                    "ip",
                    "netns",
                    "exec",
                    self.name,
                    "snmpget",
                    "-v2c",
                    "-c",
                    COMMUNITY,
                    "-On",
                    "-t",
                    "0.5",
                    "-r",
                    "0",
                    f"127.10.0.1:{AGENT_PORT}",
                    "1.3.6.1.2.1.1.3.0",
                ],
                capture_output=True,
                check=False,
            )
            if r.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"snmpd did not answer; see {self.workdir / 'snmpd.log'}")

    def agent_cpu_s(self) -> float:
        """CPU seconds used so far by snmpd (from /proc)."""
        if self.snmpd is None:
            return 0.0
        fields = Path(f"/proc/{self.snmpd.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        if self.snmpd is not None and self.snmpd.poll() is None:
            self.snmpd.terminate()
            try:
                self.snmpd.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.snmpd.kill()
                self.snmpd.wait()
        if self.created:
            subprocess.run(["ip", "netns", "del", self.name], check=False, capture_output=True)
            self.created = False


def _median(cycles: list[dict[str, Any]]) -> dict[str, Any]:
    return sorted(cycles, key=lambda c: c["wall"])[len(cycles) // 2]


def _ms(seconds: float | None, devices: int) -> str:
    return "-" if seconds is None else f"{seconds / devices * 1000:.1f}"


def report(results: dict[str, Any], args: argparse.Namespace, agent_cpu: float) -> None:
    """Print a table: devices/s, CPU ms per device, peak RSS, errors per method (median)."""
    store = {"db": f"database ({args.dialect_label})", "memory": "in-memory deltas",
             "none": "none"}[args.store]
    print(
        f"\n{args.devices} devices × 54 interfaces, {args.cycles} measured cycle(s), "
        f"{os.cpu_count()} CPUs, timeout {args.timeout:g} s / 1 retry, pysnmp storage: {store}"
    )
    mode = ("full polls (7 columns: ifDescr, ifName, ifHighSpeed, status, HC counters)"
            if args.discover else "steady-state quick polls (4 columns: admin/oper status, HC "
            "counters; discovery every POLL_DISCOVERY_HOURS)")
    print(f"measured cycles: {mode}; every method reads the same columns + sysUpTime, sysName")
    head = (
        f"{'method':<44}{'devices':>8}{'wall s':>8}{'dev/s':>8}{'CPU ms/dev':>11}"
        f"{'poll':>7}{'store':>7}{'DB srv':>8}{'RSS MB':>8}{'errors':>7}"
    )
    print(head)
    print("-" * len(head))
    ez_cpu = None
    rows: list[tuple[str, dict[str, Any], Any]] = []
    for method, r in results.items():
        label = {
            "pysnmp": f"pysnmp {args.api} {r['processes']}×c={args.concurrency}"
            + {"db": " run_poll_cycle+DB", "memory": " +mem deltas", "none": ""}[args.store],
            "ezsnmp": f"ezsnmp {args.ezsnmp_threads} threads (no storage)",
            "cli": f"net-snmp CLI P={args.cli_parallel} (tools CPU)",
        }[method]
        rows.append((label, _median(r["cycles"]), r["peak_rss_mb"]))
        if "first" in r:
            rows.append(("  first cycle: discovery + baseline", r["first"], r["peak_rss_mb"]))
        if method == "ezsnmp":
            cyc = _median(r["cycles"])
            ez_cpu = cyc["cpu"] / cyc["devices"] * 1000
    for label, cyc, rss_mb in rows:
        n = cyc["devices"]
        poll = cyc.get("poll_cpu")
        rss = f"{rss_mb:.0f}" if rss_mb else "-"
        print(
            f"{label:<44}{n:>8}{cyc['wall']:>8.1f}{n / cyc['wall']:>8.1f}"
            f"{_ms(cyc['cpu'], n):>11}{_ms(poll, n):>7}"
            f"{_ms(None if poll is None else cyc['cpu'] - poll, n):>7}"
            f"{_ms(cyc.get('db_cpu'), n):>8}{rss:>8}{cyc['errors']:>7}"
        )
        if cyc.get("error_sample"):
            print(f"    first error: {cyc['error_sample']}")
        if cyc.get("full_polls"):
            print(f"    full polls (discovery) in this cycle: {cyc['full_polls']}")
    for method, r in results.items():
        if len(r["cycles"]) > 1:
            walls = ", ".join(f"{c['wall']:.1f}" for c in r["cycles"])
            cpus = ", ".join(f"{c['cpu'] / c['devices'] * 1000:.1f}" for c in r["cycles"])
            print(f"{method} measured cycles: wall s {walls}; CPU ms/dev {cpus}")
    print("CPU ms/dev = all poller processes (user+sys); poll = inside poll_many (SNMP);"
          " store = the rest of run_poll_cycle (claim, ORM, commits);"
          " DB srv = PostgreSQL backends serving the workers")
    if "pysnmp" in results:
        cyc = _median(results["pysnmp"]["cycles"])
        n = cyc["devices"]
        if ez_cpu:
            total = cyc["cpu"] / n * 1000
            if cyc.get("poll_cpu") is not None:
                poll = cyc["poll_cpu"] / n * 1000
                print(f"pysnmp CPU/device vs ezsnmp: polling only {poll / ez_cpu:.2f}×, "
                      f"polling + storage (worker processes) {total / ez_cpu:.2f}× (target ≤ 3)")
                if cyc.get("db_cpu") is not None:
                    with_db = total + cyc["db_cpu"] / n * 1000
                    print(f"    + PostgreSQL server CPU: {with_db / ez_cpu:.2f}×")
            else:
                print(f"pysnmp CPU/device = {total / ez_cpu:.2f} × ezsnmp (target ≤ 3)")
        wall = cyc["wall"]
        per_1000 = wall * 1000 / args.devices
        print(f"pysnmp cycle ({'with' if args.store == 'db' else 'without'} database storage) "
              f"for 1000 devices ≈ {per_1000:.1f} s (target < 30 s)")
        if results["pysnmp"]["store"]:
            print(f"store: {json.dumps(results['pysnmp']['store'])}")
        if "usage_octets" in cyc:
            print(f"median cycle stored {cyc['usage_octets']} octets of usage, "
                  f"{cyc['discarded']} discarded intervals, devices per worker "
                  f"{cyc['per_worker']}")
    print(
        f"snmpd CPU over the whole run: {agent_cpu:.1f} s; load average now "
        f"{os.getloadavg()[0]:.1f} (other processes share the cores)"
    )


def _check_postgres_name(parser: argparse.ArgumentParser, url: str) -> None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        parser.error("--database-url must be postgresql://… (SQLite is the default)")
    if not parsed.database or parsed.database.startswith("test") or parsed.database in (
            "postgres", "template0", "template1"):
        parser.error(f"refusing database {parsed.database!r}: its tables are dropped; "
                     "use a benchmark database such as bench_poll")


def prepare_postgres(url: str) -> tuple[str, str]:
    """Create the database if missing; return the URL to use inside the namespace + a label.

    The namespace has its own loopback, so 127.0.0.1:5432 is not the server there; the
    server's Unix socket (a file, visible from every network namespace) is.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = psycopg.connect(host=parsed.host or "127.0.0.1", port=parsed.port or 5432,
                            user=parsed.username, password=parsed.password, dbname="postgres",
                            autocommit=True)
    with admin:
        exists = admin.execute("select 1 from pg_database where datname = %s",
                               (parsed.database,)).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{parsed.database}"')
    label = f"PostgreSQL {parsed.database}"
    socket_dir = "/var/run/postgresql"
    if parsed.host in (None, "127.0.0.1", "localhost") and Path(
            f"{socket_dir}/.s.PGSQL.{parsed.port or 5432}").exists():
        parsed = parsed.set(host=None, query={"host": socket_dir})
        label += " via Unix socket"
    return parsed.render_as_string(hide_password=False), label


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32, help="in flight per process")
    parser.add_argument("--batch", type=int, default=100, help="devices claimed per lease (db)")
    parser.add_argument("--workers", type=int, default=2, help="pysnmp poller processes")
    parser.add_argument(
        "--api", choices=["native", "v1arch", "v3arch"], default="native",
        help="SNMPv2c path: network.snmp_v2c (native, the application's default) or pysnmp's"
    )
    parser.add_argument("--cycles", type=int, default=2, help="measured cycles per method")
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument(
        "--store",
        choices=["db", "memory", "none"],
        default="db",
        help="db: network.poller.run_poll_cycle storing into --database-url; "
        "memory: counter deltas in memory only",
    )
    parser.add_argument(
        "--database-url",
        help="SQLite file in a temp dir by default; postgresql://…/NAME is created if missing "
        "and its tables are dropped and re-created (never a test database)",
    )
    parser.add_argument("--discover", action="store_true",
                        help="measured cycles are full polls (names, descriptions, speeds: "
                             "7 columns); default: steady-state quick polls (status and "
                             "counters, 4 columns) as between two discoveries; the references "
                             "read the same columns")
    parser.add_argument("--min-cycle-gap", type=float, default=0.0, metavar="SECONDS",
                        help="db store: at least this long from the start of one cycle to the "
                             "next (snmpd refreshes its interface counters every ~3 s: a "
                             "faster cycle than that reads the same counters, stores no usage)")
    parser.add_argument("--wired", type=int, default=WIRED_PORTS,
                        help="ports per switch wired to a flat with a household and an active "
                             "subscription (db store; fewer keeps the setup of 10,000 switches "
                             "short)")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the first db worker's measured cycles (stderr)")
    parser.add_argument("--methods", default="pysnmp,ezsnmp,cli")
    parser.add_argument("--ezsnmp-threads", type=int, default=8)
    parser.add_argument("--cli-parallel", type=int, default=8)
    parser.add_argument(
        "--cli-devices",
        type=int,
        default=200,
        help="devices polled with the CLI (0 = all); the first N of the fleet",
    )
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--inner-database-url", help=argparse.SUPPRESS)
    parser.add_argument("--dialect-label", default="", help=argparse.SUPPRESS)
    args = _smoke.parse_args(parser, argv, {
        "devices": 4, "cycles": 1, "workers": 2, "cli_devices": 0, "ezsnmp_threads": 2,
        "cli_parallel": 2, "timeout": 1.0, "min_cycle_gap": 4.0})
    if args.inner:
        inner(args)
        return 0
    if args.database_url and args.store == "db":
        _check_postgres_name(parser, args.database_url)

    for tool in ("ip", "snmpget", "snmpbulkwalk"):
        if not shutil.which(tool):
            parser.error(f"{tool} not found (apt-get install -y iproute2 snmp snmpd)")
    if not Path("/usr/sbin/snmpd").exists() or os.geteuid() != 0:
        parser.error("needs root and /usr/sbin/snmpd")

    def on_signal(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    workdir = Path(tempfile.mkdtemp(prefix="snmpbench-"))
    ns = Namespace(f"snmpbench{os.getpid()}", workdir)
    try:
        extra: list[str] = []
        if args.store == "db":
            if args.database_url:
                inner_url, label = prepare_postgres(args.database_url)
            else:
                inner_url, label = f"sqlite:///{workdir / 'bench_poll.sqlite'}", "SQLite file"
            extra = ["--inner-database-url", inner_url, "--dialect-label", label]
            args.dialect_label = label
        ns.start()
        cpu0 = ns.agent_cpu_s()
        cmd = [
            "ip",
            "netns",
            "exec",
            ns.name,
            sys.executable,
            str(Path(__file__).resolve()),
            "--inner",
            *(argv if argv is not None else sys.argv[1:]),
            *extra,
        ]
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
        results = json.loads(out.strip().splitlines()[-1])
        report(results, args, ns.agent_cpu_s() - cpu0)
        if args.smoke:
            print(f"smoke run: {args.devices} devices, the figures only show that it runs")
    finally:
        ns.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return check_results(results, args).exit_code()


def check_results(results: dict[str, Any], args: argparse.Namespace) -> _smoke.Checks:
    """The run's own checks: every device polled without error in every cycle, the work
    stored (timings are only printed)."""
    checks = _smoke.Checks()
    for method, r in results.items():
        expected = args.devices
        if method == "cli" and args.cli_devices:
            expected = min(args.cli_devices, args.devices)
        cycles = ([("first", r["first"])] if "first" in r else []) + [
            (str(k), c) for k, c in enumerate(r["cycles"], 1)]
        for name, cycle in cycles:
            checks.check(cycle["devices"] == expected and cycle["errors"] == 0,
                         f"{method} cycle {name}: {cycle['devices']} of {expected} devices, "
                         f"{cycle['errors']} errors ({cycle.get('error_sample')})")
    if "pysnmp" in results and args.store == "db":
        store = results["pysnmp"]["store"]
        check = store["check"]
        checks.check(check["devices_polled_exactly_each_cycle"] == args.devices,
                     f"{check['devices_polled_exactly_each_cycle']} of {args.devices} devices "
                     f"polled exactly once per cycle")
        checks.check(check["leases_left"] == 0, f"{check['leases_left']} leases left")
        checks.check(store["wired_ports"] == store["setup"]["units"] > 0,
                     f"{store['wired_ports']} ports wired to {store['setup']['units']} flats")
        checks.check(check["port_counters"] >= check["ports"] > 0,
                     f"{check['port_counters']} counter rows for {check['ports']} ports")
        if args.cycles:  # traffic crosses every veth: the measured cycles store usage
            checks.check(check["usage_days"] > 0 and check["subscription_octets"] > 0,
                         f"usage stored: {check['usage_days']} subscription days, "
                         f"{check['subscription_octets']} octets")
    return checks


if __name__ == "__main__":
    raise SystemExit(main())
