"""Poll-cycle throughput of PysnmpClient against Debian's snmpd, next to ezsnmp and net-snmp CLI.

Needs root, ``ip`` (iproute2), ``/usr/sbin/snmpd`` and ``snmpget``/``snmpbulkwalk``.
It creates a private network namespace with 26 veth pairs and a bridge, so the agent
has 54 interfaces like a 48-port switch; inside it every 127.x.y.z reaches the one agent,
so each simulated device has its own address. The measuring code runs inside the
namespace (``ip netns exec``). Namespace and processes are removed at exit, even on error.

One device poll = GET sysUpTime.0 + sysName.0 and a lock-step GETBULK walk of 7 columns
(ifDescr, ifAdminStatus, ifOperStatus, ifName, ifHCIn/OutOctets, ifHighSpeed) over 54 rows.
Each method gets one warm-up cycle (not counted) then ``--cycles`` measured cycles.
``--store memory`` (default) computes every counter delta of the cycle against the
previous one in the poller processes, standing in for the database; replace
``store_cycle`` to wire real storage.

    sudo .venv/bin/python benchmarks/poll_throughput.py --devices 1000
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from network.counters import counter_delta, uptime_consistent  # noqa: E402
from network.snmp import (  # noqa: E402
    MAIN_COLUMNS,
    SYS_NAME,
    SYS_UPTIME,
    DevicePoll,
    PysnmpClient,
    SnmpTarget,
    poll_many,
)

COMMUNITY = "benchRO"
AGENT_PORT = 1161
VETH_PAIRS = 26  # 52 veth + lo + br0 = 54 interface rows
DOTTED = [".".join(map(str, c)) for c in MAIN_COLUMNS]


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
        # long-lived objects (engine, targets) leave the GC's scans (SNMP.md §5)
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 50, 100)
        cycles = []
        for _ in range(opts["cycles"]):
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
                    "values": sum(len(p.interfaces) * 7 + 2 for p in polls),
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
            for col in DOTTED:  # bulk_walk([a, b]) walks only the first OID (SNMP.md §6)
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
        cmds += [["snmpbulkwalk", *base, "-Cr6", agent, col] for col in DOTTED]
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
    }
    results: dict[str, Any] = {}
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    for method in methods:
        print(f"… {method}", file=sys.stderr, flush=True)
        if method == "pysnmp":
            results[method] = run_method(pysnmp_worker, shard(addrs, args.workers), opts)
        elif method == "ezsnmp":
            results[method] = run_method(ezsnmp_worker, [addrs], opts)
        elif method == "cli":
            cli_addrs = addrs[: args.cli_devices] if args.cli_devices else addrs
            results[method] = run_method(cli_worker, [cli_addrs], opts)
    print(json.dumps(results))


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


def report(results: dict[str, Any], args: argparse.Namespace, agent_cpu: float) -> None:
    """Print a table: devices/s, CPU ms per device, peak RSS, errors per method (median)."""
    print(
        f"\n{args.devices} devices × 54 interfaces, {args.cycles} measured cycle(s), "
        f"{os.cpu_count()} CPUs, timeout {args.timeout:g} s / 1 retry"
    )
    head = (
        f"{'method':<34}{'devices':>8}{'wall s':>9}{'dev/s':>9}{'CPU ms/dev':>12}"
        f"{'peak RSS MB':>13}{'errors':>8}"
    )
    print(head)
    print("-" * len(head))
    ez_cpu = None
    for method, r in results.items():
        cyc = sorted(r["cycles"], key=lambda c: c["wall"])[len(r["cycles"]) // 2]
        per_dev = cyc["cpu"] / cyc["devices"] * 1000
        if method == "ezsnmp":
            ez_cpu = per_dev
        label = {
            "pysnmp": f"pysnmp {args.api} {r['processes']}×c={args.concurrency}"
            + (" +store" if args.store == "memory" else ""),
            "ezsnmp": f"ezsnmp {args.ezsnmp_threads} threads",
            "cli": f"net-snmp CLI P={args.cli_parallel} (tools CPU)",
        }[method]
        rss = f"{r['peak_rss_mb']:.0f}" if r["peak_rss_mb"] else "-"
        print(
            f"{label:<34}{cyc['devices']:>8}{cyc['wall']:>9.1f}"
            f"{cyc['devices'] / cyc['wall']:>9.1f}{per_dev:>12.1f}{rss:>13}{cyc['errors']:>8}"
        )
        if cyc["error_sample"]:
            print(f"    first error: {cyc['error_sample']}")
        if len(r["cycles"]) > 1:
            walls = ", ".join(f"{c['wall']:.1f}" for c in r["cycles"])
            cpus = ", ".join(f"{c['cpu'] / c['devices'] * 1000:.1f}" for c in r["cycles"])
            print(f"    cycles: wall s {walls}; CPU ms/dev {cpus}")
    if "pysnmp" in results and ez_cpu:
        cycles = results["pysnmp"]["cycles"]
        cyc = sorted(cycles, key=lambda c: c["wall"])[len(cycles) // 2]
        ratio = cyc["cpu"] / cyc["devices"] * 1000 / ez_cpu
        print(f"pysnmp CPU/device = {ratio:.2f} × ezsnmp (target ≤ 3)")
    if "pysnmp" in results:
        wall = min(c["wall"] for c in results["pysnmp"]["cycles"])
        per_1000 = wall * 1000 / args.devices
        print(f"pysnmp cycle for 1000 devices ≈ {per_1000:.1f} s (target < 30 s)")
        if results["pysnmp"]["store"]:
            print(f"store (memory): {results['pysnmp']['store']}")
    print(
        f"snmpd CPU over the whole run: {agent_cpu:.1f} s; load average now "
        f"{os.getloadavg()[0]:.1f} (other processes share the cores)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16, help="in flight per process")
    parser.add_argument("--workers", type=int, default=2, help="pysnmp poller processes")
    parser.add_argument(
        "--api", choices=["v1arch", "v3arch"], default="v1arch", help="pysnmp API used for SNMPv2c"
    )
    parser.add_argument("--cycles", type=int, default=1, help="measured cycles per method")
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument(
        "--store",
        choices=["memory", "none"],
        default="memory",
        help="memory: compute counter deltas between cycles (DB stand-in)",
    )
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
    args = parser.parse_args(argv)
    if args.inner:
        inner(args)
        return 0

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
        ]
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
        results = json.loads(out.strip().splitlines()[-1])
        report(results, args, ns.agent_cpu_s() - cpu0)
    finally:
        ns.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
