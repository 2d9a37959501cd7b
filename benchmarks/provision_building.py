"""Provision all 116 flats of the Port-Boyer demo building from scratch against the SSH lab.

Four access switches ``pb-sw-a``..``pb-sw-d`` (one per staircase), 29 flats each on
``Gi1/0/1``..``Gi1/0/29``; flat codes ``PB-<staircase>-<floor:02>-<door>`` (ground floor: two
doors, floors 1–9: three doors). One thread and one SSH session per switch, all of its ports
in one batch with one ``write memory``. Prints the wall time and jobs per second, then the time
of an idempotent re-run (read and compare only). Exits 1 unless every job succeeded, every
flat's port carries the plan's policy and the re-run changed nothing.

    .venv/bin/python -m benchmarks.provision_building [--workers 4] [--flats 29] [--smoke]

``--smoke`` (run by the test suite): the same four SSH switches, 3 flats per staircase.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import _smoke  # noqa: E402
from billing.tariffs import DEFAULT_PLAN  # noqa: E402
from lab.ssh_switch import start_ssh_lab  # noqa: E402
from network.provisioning.ssh import (  # noqa: E402
    BatchResult,
    NetmikoConfigurator,
    PortSpeeds,
    PortState,
    SwitchAccess,
    apply_batches,
    desired_port_state,
)

STAIRCASES = "ABCD"
#: The default plan's rates, as a fresh database has them (1 Gbit/s; reduced 8/2 Mbit/s).
PLAN_SPEEDS = PortSpeeds(DEFAULT_PLAN["down_kbps"], DEFAULT_PLAN["up_kbps"],
                         DEFAULT_PLAN["reduced_down_kbps"], DEFAULT_PLAN["reduced_up_kbps"])
FLATS_PER_STAIRCASE = 29


def flat_codes(staircase: str) -> list[str]:
    """The 29 flat codes of one staircase, in port order."""
    codes = [f"PB-{staircase}-00-{door}" for door in (1, 2)]
    codes += [f"PB-{staircase}-{floor:02}-{door}" for floor in range(1, 10) for door in (1, 2, 3)]
    assert len(codes) == FLATS_PER_STAIRCASE
    return codes


def building_batches(
    ports: dict[str, int], host: str, password: str, secret: str,
    flats: int = FLATS_PER_STAIRCASE,
) -> list[tuple[SwitchAccess, list[tuple[str, PortState]]]]:
    """One batch per access switch: its first ``flats`` flats active on the 1 Gbit/s plan."""
    batches = []
    for stair in STAIRCASES:
        hostname = f"pb-sw-{stair.lower()}"
        access = SwitchAccess(
            hostname, host, ports[hostname], "cisco_ios", "admin", password, secret
        )
        items = [
            (f"Gi1/0/{n}", desired_port_state(code, "active", PLAN_SPEEDS))
            for n, code in enumerate(flat_codes(stair)[:flats], 1)
        ]
        batches.append((access, items))
    return batches


def summarise(label: str, results: list[BatchResult], seconds: float) -> tuple[int, int]:
    """Print the figures of one pass; (config lines sent, saves)."""
    jobs = sum(len(r.outcomes) for r in results)
    states = Counter(str(o.state) for r in results for o in r.outcomes)
    lines = sum(len(o.commands) for r in results for o in r.outcomes)
    saves = sum(r.saved for r in results)
    print(
        f"{label}: {jobs} jobs in {seconds:.2f} s = {jobs / seconds:.1f} jobs/s "
        f"({dict(states)}; {lines} config lines; {saves} saves)"
    )
    for r in results:
        assert r.finished_at is not None
        took = (r.finished_at - r.started_at).total_seconds()
        print(f"  {r.hostname}: {len(r.outcomes)} ports in {took:.2f} s")
        failed = [o for o in r.outcomes if str(o.state) != "succeeded"]
        for o in failed:
            print(f"    {o.interface}: {o.state}: {o.error or r.error}")
        if failed and r.transcript:
            print("    end of the session transcript:")
            for line in r.transcript.splitlines()[-12:]:
                print(f"    | {line!r}")
    return lines, saves


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4, help="thread pool size (bounded)")
    parser.add_argument("--flats", type=int, default=FLATS_PER_STAIRCASE,
                        help=f"flats per staircase (1..{FLATS_PER_STAIRCASE})")
    args = _smoke.parse_args(parser, argv, {"flats": 3})
    if not 1 <= args.flats <= FLATS_PER_STAIRCASE:
        parser.error(f"--flats must be between 1 and {FLATS_PER_STAIRCASE}")
    checks = _smoke.Checks()

    password, secret = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    switches = [f"pb-sw-{s.lower()}" for s in STAIRCASES]
    with tempfile.TemporaryDirectory(prefix="ssh-lab-") as state_dir:
        started = time.perf_counter()
        lab = start_ssh_lab(switches, state_dir, password=password, secret=secret)
        print(f"lab started in {time.perf_counter() - started:.2f} s on ports {lab.ports}")
        with lab:
            configurator = NetmikoConfigurator(conn_timeout=5, banner_timeout=5, read_timeout=20)
            batches = building_batches(lab.ports, lab.host, password, secret, args.flats)

            started = time.perf_counter()
            results = apply_batches(configurator, batches, max_workers=args.workers)
            summarise("provision from scratch", results, time.perf_counter() - started)

            started = time.perf_counter()
            rerun = apply_batches(configurator, batches, max_workers=args.workers)
            lines, saves = summarise("idempotent re-run", rerun, time.perf_counter() - started)
            print("reference (docs/provisioning.md §4, SSH simulator): one session of 24 ports "
                  "(120 lines, show run, write mem) 1.82 s; 48 jobs over 8 switches, "
                  "8 threads: 13.1 jobs/s")

            state = lab.state()
            configured = sum(
                1
                for sw in state.values()
                for cfg in sw["interfaces"].values()
                if cfg["policy_out"] == "PM-1G"
            )
            print(f"ports with PM-1G on the switches: {configured}")
            expected = len(STAIRCASES) * args.flats
            for label, passed in (("provision", results), ("re-run", rerun)):
                states = Counter(str(o.state) for r in passed for o in r.outcomes)
                checks.check(states == Counter({"succeeded": expected}),
                             f"{label}: {expected} jobs succeeded ({dict(states)})")
            checks.check(configured == expected,
                         f"{configured} ports with PM-1G, {expected} expected")
            checks.check(lines == 0 and saves == 0,
                         f"the re-run sent {lines} config lines and {saves} saves (0 expected)")
            return checks.exit_code()


if __name__ == "__main__":
    raise SystemExit(main())
