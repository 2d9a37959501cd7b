"""Mixed load: 20 users on the pages while poll cycles and billing runs write to the same
PostgreSQL database; p95 per page, quiet and under load.

Prepares the database as ``benchmarks.http_load`` does (migrations, demo seed, scaled to
``--households`` households and subscriptions), registers ``--devices`` switches answered by
snmpsim on loopback (the demo building's four 48-port recordings, in turn), and serves the app
with gunicorn (2 sync workers, as in production). Then, for each page (the operator's
navigation, a building, a household, a search, a far list page, the households API), it
measures ``--users`` closed-loop clients twice: quiet (the peer), then while two ``isp
worker``-like processes run poll cycles over every switch (``run_poll_cycle``, leases, storage)
and a third process prepares the draft invoices of one month after another
(``billing.runs.prepare_invoices``, every subscription of the month). It prints the p95
per page in both conditions, the poll cycles and billing runs that ran meanwhile, and exits 1
when a page answers anything but HTTP 200 or the jobs did not run during the measurement.

    .venv/bin/python -m benchmarks.mixed_load [--database-url URL] [--households 10000]
        [--devices 1000] [--users 20] [--seconds 3] [--warmup 1] [--reuse-database] [--smoke]

``--smoke`` (run by the test suite): 150 households, 4 switches, 2 users, 0.1 s per page.
The switches are snmpsim, not the netns of ``benchmarks/poll_throughput.py`` (which needs
root): snmpsim answers slower than snmpd, so a cycle lasts longer and loads the machine's
two cores more evenly over the measurement, which is the point here.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import _smoke  # noqa: E402
from benchmarks.http_load import (  # noqa: E402
    api_token,
    ensure_database,
    load,
    operator_cookie,
    scale_demo,
    targets,
)
from tests.ui.server import (  # noqa: E402
    seed_database,
    server_env,
    start_server,
    stop_server,
    venv_bin,
)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_mixed"
#: billed months, newest first (each one a full run over the month's subscriptions)
PERIODS = [f"2026-{month:02d}" for month in range(11, 0, -1)]

POLLER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from isp import create_app
    app = create_app("default")
    stop = Path(sys.argv[2])
    with app.app_context():
        from sqlalchemy import select
        from isp.extensions import db
        from network.models import Device
        from network.poller import run_poll_cycle
        # the benchmark's switches only: the demo's point at a lab that is not running
        switches = list(db.session.execute(select(Device).where(
            Device.hostname.like("mixed-%"))).scalars())
        db.session.commit()
        while not stop.exists():
            # as the scheduler does: only switches due, so each is polled once per cycle
            summary = run_poll_cycle(worker=sys.argv[1], devices=switches, respect_due=True)
            db.session.commit()
            print(f"poll {sys.argv[1]} {summary.devices} {summary.duration_s:.1f}", flush=True)
            if not summary.devices:  # the other worker holds them all: its cycle goes on
                time.sleep(1)
""")

BILLER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from isp import create_app
    app = create_app("default")
    stop = Path(sys.argv[1])
    with app.app_context():
        from billing.runs import prepare_invoices
        from isp.extensions import db
        for index, period in enumerate(sys.argv[2:]):
            if index and stop.exists():  # the first run always completes
                break
            started = time.perf_counter()
            result = prepare_invoices(period, actor=None)
            db.session.commit()
            print(f"billing {period} {result.invoices} {time.perf_counter() - started:.1f}",
                  flush=True)
""")


def add_switches(url: str, count: int, port: int) -> int:
    """``count`` in-service switches answered by snmpsim at 127.0.0.1:``port``."""
    from sqlalchemy import func, insert, select

    from isp import create_app
    from isp.extensions import db
    from network.credentials import encrypt_secret
    from network.models import Device
    from subscribers.models import Building

    app = create_app("default", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        have = db.session.execute(select(func.count(Device.id)).where(
            Device.hostname.like("mixed-%"))).scalar_one()
        building_id = db.session.execute(select(Building.id).order_by(Building.id)).scalar()
        communities = [encrypt_secret(f"pb-sw-{stair}") for stair in "abcd"]
        rows = [{"building_id": building_id, "hostname": f"mixed-{number:04d}",
                 "mgmt_address": "127.0.0.1", "snmp_port": port, "role": "access",
                 "snmp_community_enc": communities[number % 4]}
                for number in range(have, count)]
        if rows:
            db.session.execute(insert(Device), rows)
        # the existing ones follow this run's snmpsim port
        db.session.execute(db.update(Device).where(Device.hostname.like("mixed-%"))
                           .values(snmp_port=port))
        db.session.commit()
        db.engine.dispose()
    return count


def stored_polls(url: str) -> int:
    """Device polls stored so far (``poll_results`` rows)."""
    from sqlalchemy import create_engine, text

    from isp import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM poll_results")).scalar_one()
    finally:
        engine.dispose()


def start_agent(work: Path) -> tuple[subprocess.Popen, int]:
    from lab.snmp_lab import free_udp_port, lab_devices_for_demo, start_snmpsim, write_lab_snmprec

    port = free_udp_port()
    data = work / "snmpsim"
    data.mkdir(parents=True, exist_ok=True)
    write_lab_snmprec(data, lab_devices_for_demo(port=port))
    process = start_snmpsim(data, port, cache_dir=work / "cache", log_file=work / "snmpsim.log",
                            probe_community="pb-sw-a")
    return process, port


class Jobs:
    """The background processes and what they printed (one line per cycle or run)."""

    def __init__(self, url: str, work: Path) -> None:
        self.stop_file = work / "stop"
        self.stop_file.unlink(missing_ok=True)
        env = server_env(url)
        python = venv_bin("python")
        (work / "poller.py").write_text(POLLER)
        (work / "biller.py").write_text(BILLER)
        self.lines: list[tuple[float, str]] = []
        self.errors: list[str] = []
        self.processes: list[subprocess.Popen] = []
        self._readers: list[threading.Thread] = []
        self._python, self._env, self._work = python, env, work
        for number in (1, 2):
            self._start(str(work / "poller.py"), f"worker-{number}", str(self.stop_file))

    def _start(self, *argv: str) -> None:
        process = subprocess.Popen([self._python, *argv], cwd=ROOT, env=self._env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        reader = threading.Thread(target=self._read, args=(process,), daemon=True)
        reader.start()
        self.processes.append(process)
        self._readers.append(reader)

    def start_billing(self) -> None:
        self._start(str(self._work / "biller.py"), str(self.stop_file), *PERIODS)

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.lines.append((time.perf_counter(), line.strip()))

    def running(self) -> bool:
        """Both pollers still alive (they loop until told to stop)."""
        return all(p.poll() is None for p in self.processes[:2])

    def stop(self) -> None:
        self.stop_file.touch()
        for process in self.processes:
            try:
                process.wait(timeout=600)
            except subprocess.TimeoutExpired:
                process.kill()
            if process.returncode:
                self.errors.append(process.stderr.read()[-2000:])
        for reader in self._readers:
            reader.join(timeout=5)

    def between(self, start: float, end: float, word: str) -> list[list[str]]:
        return [line.split() for at, line in self.lines if start <= at <= end
                and line.startswith(word)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=3,
                        help="measured seconds per page and condition (after the warm-up)")
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--reuse-database", action="store_true",
                        help="keep an already scaled database (skip drop, seed and scaling)")
    args = _smoke.parse_args(parser, argv, {"households": 150, "devices": 4, "users": 2,
                                            "seconds": 0.1, "warmup": 0.0})
    checks = _smoke.Checks()
    work = Path(tempfile.mkdtemp(prefix="isp-mixed-"))

    if not args.reuse_database:
        ensure_database(args.database_url)
        seed_database(args.database_url)
    started = time.perf_counter()
    households = scale_demo(args.database_url, args.households)
    agent, snmp_port = start_agent(work)
    add_switches(args.database_url, args.devices, snmp_port)
    print(f"{households} households, {args.devices} switches on snmpsim "
          f"(set-up {time.perf_counter() - started:.0f} s)", flush=True)
    server, base = start_server(args.database_url, work / "gunicorn.log", workers=2, threads=1,
                                worker_class="sync")
    jobs = None
    try:
        cookie = operator_cookie(base)
        token = api_token(args.database_url)
        pages, _apis = targets(args.database_url)
        rows = [(page, {"Cookie": cookie}) for page in pages]
        rows.append(("/api/v1/households", {"Authorization": f"Bearer {token}"}))

        quiet = {path: load(base, path, headers, args.users, args.seconds, args.warmup)
                 for path, headers in rows}
        jobs = Jobs(args.database_url, work)
        polls_before = stored_polls(args.database_url)
        # the pollers are past their start-up once they store their first batch
        while stored_polls(args.database_url) == polls_before and jobs.running():
            time.sleep(0.2)
        jobs.start_billing()
        window_start = time.perf_counter()
        polls_at_start = stored_polls(args.database_url)
        loaded = {}
        for path, headers in rows:
            loaded[path] = load(base, path, headers, args.users, args.seconds, args.warmup)
        window_end = time.perf_counter()
        polls_in_window = stored_polls(args.database_url) - polls_at_start
        still_polling = jobs.running()
        jobs.stop()
    finally:
        if jobs is not None and not jobs.stop_file.exists():
            jobs.stop()
        stop_server(server)
        from lab.snmp_lab import stop_snmpsim

        stop_snmpsim(agent)

    print(f"gunicorn 2 sync workers, {args.users} users, {args.seconds:g} s per page after "
          f"{args.warmup:g} s of warm-up; quiet, then with the jobs running")
    print("| page | quiet p95 ms | loaded p95 ms | loaded p50 ms | loaded req/s | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    worst = 0.0
    for path, _headers in rows:
        calm, busy = quiet[path], loaded[path]
        worst = max(worst, busy["p95"])
        errors = calm["errors"] + busy["errors"]
        print(f"| `{path}` | {calm['p95']:.0f} | {busy['p95']:.0f} | {busy['p50']:.0f} | "
              f"{busy['rps']:.0f} | {errors} |")
        checks.check(busy["count"] > 0 and errors == 0,
                     f"{path}: {busy['count']} requests under load, {errors} errors "
                     f"{calm['statuses'] + busy['statuses']}")
    window = window_end - window_start
    print(f"\nloaded measurement: {window:.0f} s; device polls stored meanwhile: "
          f"{polls_in_window} ({polls_in_window / window:.1f}/s; a 1,000-switch cycle = 1,000)")
    polls = jobs.between(window_start, window_end, "poll")
    bills = jobs.between(window_start, window_end, "billing")
    every_poll = jobs.between(0, float("inf"), "poll")
    every_bill = jobs.between(0, float("inf"), "billing")
    print(f"\nworst loaded p95: {worst:.0f} ms (target < 200 ms)")
    print(f"poll cycles (2 workers): {len(every_poll)} in all, {len(polls)} ended during the "
          f"loaded measurement; devices/seconds per worker cycle: "
          + ", ".join(f"{words[2]}/{words[3]}" for words in every_poll))
    print(f"billing runs: {len(every_bill)} in all, {len(bills)} ended during the loaded "
          f"measurement; period/invoices/seconds: "
          + ", ".join(f"{words[1]}/{words[2]}/{words[3]}" for words in every_bill))
    # A cycle polls only the switches that are due: with the smoke's 4 switches a short window
    # may store no poll, but cycles still end in it.
    checks.check(still_polling and not jobs.errors and (polls_in_window > 0 or bool(polls)),
                 f"the poll workers ran throughout ({polls_in_window} polls, {len(polls)} "
                 f"cycles; {jobs.errors})")
    checks.check(bool(every_bill) and int(every_bill[0][2]) > 0,
                 "a billing run prepared invoices")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
