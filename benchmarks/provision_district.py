"""Provision a whole district through the queue against the SSH lab (issue 23.5: ≤ 60 s).

Ten buildings of four access switches, 25 flats per switch on ``Gi1/0/1``..``Gi1/0/25``: 1,000
flats, each with a household subscribed through the lifecycle (``subscribers.lifecycle
.subscribe``; provisioning's signal receiver queues the activation job). The timed part is
``network.provisioning.queue.run_queue``, as ``isp worker`` runs it: claim the jobs, one thread
and one SSH session per switch with all of its ports and one ``write memory``,
``PROVISIONING_WORKERS`` switches at once (``--workers``), then store every outcome and mark the
subscriptions active.

Peer, in the same run: the same jobs one switch at a time (``max_workers=1``) on a second
district of ``--peer-switches`` switches of the same size (default 4, one building: the full
40 would add minutes to each run); the time for 40 is extrapolated from it and labelled so.

Exits 1 unless every job succeeded, every subscription is active, every flat's port runs the
plan's policies with the flat's code as description, and each switch had one session and one
save.

    .venv/bin/python -m benchmarks.provision_district [--workers 16] [--buildings 10]
        [--switches 4] [--flats 25] [--peer-switches 4] [--database-url URL] [--smoke]

``--database-url``: a PostgreSQL database whose tables are dropped (default: a temporary
SQLite file). ``--smoke`` (run by the test suite): 2 buildings × 2 switches × 3 flats.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import _smoke  # noqa: E402
from lab.ssh_switch import start_ssh_lab  # noqa: E402

TARGET_S = 60.0


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def switch_names(prefix: str, buildings: int, switches: int) -> list[list[str]]:
    """Hostnames per building: ``<prefix>-b01-sw-a`` …"""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [[f"{prefix}-b{b:02}-sw-{letters[s]}" for s in range(switches)]
            for b in range(1, buildings + 1)]


def seed_district(db, *, code: str, layout: list[list[str]], flats: int, ports: dict[str, int],
                  password: str, secret: str, actor) -> list[int]:
    """A district wired as ``layout`` (switches per building), a household per flat, each
    subscribed through the lifecycle; returns the ids of the activation jobs it queued."""
    from sqlalchemy import func, select

    from network.credentials import encrypt_secret
    from network.models import Device, Port
    from network.provisioning.models import ProvisioningJob
    from subscribers import lifecycle
    from subscribers.models import Building, District, Household, Unit, search_text

    district = District(code=code, name=f"Quartier {code}", commune="Nantes")
    db.session.add(district)
    db.session.flush()
    password_enc, secret_enc = encrypt_secret(password), encrypt_secret(secret)
    households = []
    for b, hostnames in enumerate(layout, 1):
        building = Building(code=f"{code}-B{b:02}", name=f"Bâtiment {b}", address=f"{b} rue",
                            postcode="44000", commune="Nantes", district_id=district.id,
                            status="live")
        db.session.add(building)
        db.session.flush()
        for s, hostname in enumerate(hostnames):
            device = Device(building_id=building.id, hostname=hostname,
                            mgmt_address="127.0.0.1", role="access", device_type="cisco_ios",
                            ssh_port=ports[hostname], ssh_username="admin",
                            ssh_password_enc=password_enc, ssh_secret_enc=secret_enc)
            db.session.add(device)
            db.session.flush()
            stair = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[s]
            for n in range(1, flats + 1):
                unit_code = f"{code}-{b:02}-{stair}-{n:02}"
                unit = Unit(code=unit_code, building_id=building.id, staircase=stair,
                            floor=(n - 1) // 4, door=str(n))
                db.session.add(unit)
                db.session.flush()
                db.session.add(Port(device_id=device.id, if_index=n, if_name=f"Gi1/0/{n}",
                                    unit_id=unit.id))
                household = Household(unit_id=unit.id, unit_code=unit_code,
                                      holder_name=f"Foyer {unit_code}", language="fr",
                                      search_key=search_text(f"Foyer {unit_code}", unit_code),
                                      moved_in_on=date(2026, 1, 5))
                db.session.add(household)
                households.append(household)
    db.session.flush()
    before = db.session.execute(select(func.max(ProvisioningJob.id))).scalar() or 0
    for household in households:
        lifecycle.subscribe(household, tier="T1", actor=actor)
    db.session.commit()
    return list(db.session.execute(
        select(ProvisioningJob.id).where(ProvisioningJob.id > before)
        .order_by(ProvisioningJob.id)).scalars())


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _QueueTimings(logging.Handler):
    """Keeps run_queue's own phase line (claim, switches, results)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Queue run:"):
            self.lines.append(record.getMessage())


def timed_run(db, label: str, job_ids: list[int], workers: int, switches: int, lab_pid: int,
              timings: _QueueTimings):
    """Run the queue for ``job_ids``; prints and returns (seconds, outcome states)."""
    from network.provisioning.queue import run_queue

    lab_cpu, own_cpu = process_cpu_s(lab_pid), time.process_time()
    started = time.perf_counter()
    outcomes = run_queue(job_ids=job_ids, max_workers=workers)
    seconds = time.perf_counter() - started
    lab_cpu, own_cpu = process_cpu_s(lab_pid) - lab_cpu, time.process_time() - own_cpu
    states = Counter(o.state for o in outcomes)
    print(f"{label}: {len(outcomes)} jobs over {switches} switches in {seconds:.2f} s = "
          f"{len(outcomes) / seconds:.1f} jobs/s, {workers} worker(s) "
          f"({dict(states)}; load average {loadavg()})", flush=True)
    print(f"  {timings.lines[-1] if timings.lines else 'no queue run logged'}; CPU: "
          f"application {own_cpu:.1f} s, SSH lab {lab_cpu:.1f} s "
          f"({1000 * (own_cpu + lab_cpu) / max(len(outcomes), 1):.0f} ms per job)", flush=True)
    errors = Counter(f"{o.hostname}: {o.state}: {o.error}" for o in outcomes
                     if o.state != "succeeded")
    for text, count in list(errors.items())[:5]:
        print(f"  {count} × {text[:300]}")
    return seconds, states


def check_district(db, checks: _smoke.Checks, label: str, job_ids: list[int],
                   hostnames: list[str], flats: int, state: dict) -> None:
    """Every job succeeded, every subscription active, every port as desired, one session
    and one save per switch."""
    from sqlalchemy import select

    from network.provisioning.models import ProvisioningJob

    jobs = db.session.execute(select(ProvisioningJob).where(
        ProvisioningJob.id.in_(job_ids))).scalars().all()
    expected = len(hostnames) * flats
    states = Counter(job.state for job in jobs)
    checks.check(states == Counter({"succeeded": expected}),
                 f"{label}: {expected} jobs succeeded ({dict(states)})")
    statuses = Counter(job.subscription.status for job in jobs)
    checks.check(statuses == Counter({"active": expected}),
                 f"{label}: {expected} subscriptions active ({dict(statuses)})")
    sessions = Counter((job.transcript or "").count("### session ") for job in jobs)
    checks.check(sessions == Counter({1: expected}),
                 f"{label}: one SSH session per switch (sessions per job: {dict(sessions)})")
    wrong = []
    for job in jobs:
        running = state[job.port.device.hostname]["interfaces"][
            f"GigabitEthernet1/0/{job.port.if_index}"]
        if (running["description"], running["policy_out"], running["shutdown"]) != (
                job.port.unit.code, job.desired["policy_out"], False):
            wrong.append(job.port.unit.code)
    checks.check(not wrong, f"{label}: every port runs its flat's state (wrong: {wrong[:5]})")
    saves = Counter(state[h]["saves"] for h in hostnames)
    checks.check(saves == Counter({1: len(hostnames)}),
                 f"{label}: one save per switch ({dict(saves)})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None,
                        help="switches at once (default: PROVISIONING_WORKERS)")
    parser.add_argument("--buildings", type=int, default=10)
    parser.add_argument("--switches", type=int, default=4, help="access switches per building")
    parser.add_argument("--flats", type=int, default=25, help="flats per switch (≤ 48)")
    parser.add_argument("--peer-switches", type=int, default=4,
                        help="switches of the one-at-a-time peer (its own district)")
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL database (its tables are dropped); default SQLite")
    args = _smoke.parse_args(parser, argv, {"buildings": 2, "switches": 2, "flats": 3,
                                            "peer_switches": 2, "workers": 4})
    if not 1 <= args.flats <= 48 or not 1 <= args.switches <= 26:
        parser.error("--flats must be 1..48 and --switches 1..26")
    checks = _smoke.Checks()

    from isp import create_app, load_all_models
    from isp.extensions import db
    from isp.models import User

    with tempfile.TemporaryDirectory(prefix="provision-district-") as work:
        url = args.database_url or f"sqlite:///{Path(work) / 'district.sqlite'}"
        if url.startswith("postgresql"):
            from benchmarks.http_load import ensure_database

            ensure_database(url)  # its own database, made afresh (never a test database)
        app = create_app("default", SQLALCHEMY_DATABASE_URI=url,
                         PROVISIONING_CONN_TIMEOUT=10, PROVISIONING_BANNER_TIMEOUT=10,
                         PROVISIONING_READ_TIMEOUT=30)
        # one line per job and per SSH connection would bury the figures
        for name in ("paramiko", "network.provisioning"):
            logging.getLogger(name).setLevel(logging.WARNING)
        timings = _QueueTimings()
        queue_log = logging.getLogger("network.provisioning.queue")
        queue_log.setLevel(logging.INFO)
        queue_log.propagate = False
        queue_log.addHandler(timings)
        workers = args.workers or int(app.config["PROVISIONING_WORKERS"])
        district = switch_names("dst", args.buildings, args.switches)
        peer_layout = [[f"peer-sw-{n:02}" for n in range(1, args.peer_switches + 1)]]
        main_hosts = [h for building in district for h in building]
        peer_hosts = peer_layout[0]
        password, secret = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
        print(f"load average at start: {loadavg()} ({os.cpu_count()} CPUs)")
        started = time.perf_counter()
        lab = start_ssh_lab(main_hosts + peer_hosts, Path(work) / "lab", password=password,
                            secret=secret, timeout=60)
        print(f"SSH lab: {len(lab.ports)} switches started in "
              f"{time.perf_counter() - started:.1f} s")
        with lab, app.app_context():
            load_all_models()
            db.drop_all()
            db.create_all()
            from billing.tariffs import ensure_default_grid

            ensure_default_grid()
            actor = User(email="bench@district.example", name="Bench", role="admin",
                         password_hash="!")
            db.session.add(actor)
            db.session.commit()
            started = time.perf_counter()
            main_jobs = seed_district(db, code="DST", layout=district, flats=args.flats,
                                      ports=lab.ports, password=password, secret=secret,
                                      actor=actor)
            peer_jobs = seed_district(db, code="PEER", layout=peer_layout, flats=args.flats,
                                      ports=lab.ports, password=password, secret=secret,
                                      actor=actor)
            print(f"{db.engine.dialect.name}: {len(main_jobs) + len(peer_jobs)} households "
                  f"subscribed, activation jobs queued in {time.perf_counter() - started:.1f} s")

            seconds, _states = timed_run(db, "district, switches in parallel", main_jobs,
                                         workers, len(main_hosts), lab.process.pid, timings)
            peer_s, _peer_states = timed_run(db, "peer, one switch at a time", peer_jobs, 1,
                                             len(peer_hosts), lab.process.pid, timings)
            per_switch = peer_s / len(peer_hosts)
            serial = per_switch * len(main_hosts)
            print(f"peer per switch: {per_switch:.2f} s → the district's {len(main_hosts)} "
                  f"switches one at a time ≈ {serial:.0f} s (extrapolated"
                  f"{'' if len(peer_hosts) == len(main_hosts) else ' from ' + str(len(peer_hosts))}"
                  f"); in parallel: {seconds:.1f} s = {serial / seconds:.1f}× faster")
            print(f"district: {len(main_jobs)} flats, {args.buildings} buildings, "
                  f"{len(main_hosts)} switches in {seconds:.1f} s "
                  f"(target ≤ {TARGET_S:.0f} s for 1,000 flats over 40 switches)")

            db.session.expire_all()
            state = lab.state()
            check_district(db, checks, "district", main_jobs, main_hosts, args.flats, state)
            check_district(db, checks, "peer", peer_jobs, peer_hosts, args.flats, state)
            db.session.remove()
            if args.database_url:
                db.drop_all()
            db.engine.dispose()
        print(f"load average at end: {loadavg()}")
    return checks.exit_code()


if __name__ == "__main__":
    raise SystemExit(main())
