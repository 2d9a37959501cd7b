"""Every benchmark in benchmarks/ runs in its ``--smoke`` mode, so that benchmarks cannot rot.

Each script runs as a subprocess at a tiny size through its real code path (real gunicorn,
SSH simulator, snmpd in a network namespace) and must exit 0 (its own checks passed) and print
its figures and the peer it compares with. Timings are printed by the scripts, never asserted.

A benchmark that takes a database gets one of its own, never the test database: with
TEST_DATABASE_URL (PostgreSQL) a ``bench_smoke_<pid>`` database on the same server, created
and dropped here; otherwise a temporary SQLite file. (benchmarks/pages.py is covered with the
UI suite.)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# CI runs them once, in the SQLite pass (.ci/run): they test the scripts, not the database.
pytestmark = pytest.mark.bench_smoke

ROOT = Path(__file__).resolve().parents[2]
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgresql", "postgres:"))


def run_smoke(script: str, *args: str, timeout: float = 300) -> str:
    """``benchmarks/<script>.py --smoke ARGS``: its output; fails with it unless exit code 0."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("TEST_DATABASE_URL", "DATABASE_URL", "ISP_CONFIG")}
    command = [sys.executable, str(ROOT / "benchmarks" / f"{script}.py"), "--smoke", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, (f"{script} --smoke exited {done.returncode}\n"
                                  f"--- stdout\n{done.stdout[-6000:]}\n"
                                  f"--- stderr\n{done.stderr[-6000:]}")
    assert re.search(r"^checks: (\d+) of \1 passed$", done.stdout, re.M), done.stdout
    return done.stdout


def _admin_url(name: str) -> tuple[str, str]:
    """(maintenance URL, URL of database ``name``) on TEST_DATABASE_URL's server, psycopg form."""
    from sqlalchemy.engine import make_url

    url = make_url(TEST_DATABASE_URL).set(drivername="postgresql")
    return (url.set(database="postgres").render_as_string(hide_password=False),
            url.set(database=name).render_as_string(hide_password=False))


@pytest.fixture
def bench_url(tmp_path):
    """A throw-away database for one benchmark: PostgreSQL when the suite runs on it."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'bench_smoke.sqlite'}"
        return
    import psycopg

    name = f"bench_smoke_{os.getpid()}"
    admin, url = _admin_url(name)
    assert make_name(url) != make_name(TEST_DATABASE_URL)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_name(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).database or ""


def test_billing_run(bench_url):
    args = ["--pg", bench_url] if ON_POSTGRES else ["--skip-pg"]
    out = run_smoke("billing_run", *args)
    dialects = ("sqlite", "postgresql") if ON_POSTGRES else ("sqlite",)
    for dialect in dialects:
        assert re.search(rf"^{dialect}: run [\d.]+ s \(target < [\d.]+\), re-run [\d.]+ s "
                         rf"\(target < 10\), issue [\d.]+ s, re-issue [\d.]+ s", out, re.M), out


def test_dashboard(bench_url):
    out = run_smoke("dashboard", "--database-url", bench_url)
    for label in ("district dashboard", "building dashboard", "open data CSV",
                  "open data JSON"):
        assert re.search(rf"^{label} +uncached median +[\d.]+ ms .*HTTP 200", out, re.M), out
    assert re.search(r"^district dashboard uncached median [\d.]+ ms \(target < 300 ms\)",
                     out, re.M), out


def test_http_load_then_profile(bench_url):
    """http_load seeds and scales the database, http_profile and http_instructions measure the
    same URLs on it."""
    # SQLite too with the smoke's two users: two gunicorn workers writing the audit log at once
    # wait for each other (BEGIN IMMEDIATE, isp/database.py) instead of answering 500.
    out = run_smoke("http_load", "--database-url", bench_url)
    assert "| URL | req/s | requests | p50 ms | p95 ms | p99 ms | errors |" in out, out
    assert re.search(r"^\| `/households` \| \d+ \| \d+ \|", out, re.M), out
    assert re.search(r"^\| `/api/v1/households` \| \d+ \| \d+ \|", out, re.M), out
    assert re.search(r"^worst p95: \d+ ms \(target < 200 ms\)$", out, re.M), out
    # Beside a peer revision served from a worktree (here the same commit), in the same run.
    out = run_smoke("http_load", "--database-url", bench_url, "--reuse-database",
                    "--against", "HEAD", "--only", "/api/v1/me")
    assert "| URL | req/s | p95 ms | HEAD req/s | HEAD p95 ms | p95 change | errors |" in out, out
    assert re.search(r"^\| `/api/v1/me` \| \d+ \| \d+ \| \d+ \| \d+ \| [+-]\d+ % \| 0 \|$", out,
                     re.M), out

    out = run_smoke("http_profile", "--database-url", bench_url)
    assert "| URL | ms/request | app CPU ms | DB CPU ms | SQL statements | KB |" in out, out
    assert re.search(r"^\| `/households` \| [\d.]+ \| [\d.]+ \| [\d.]+ \| \d+ \|", out,
                     re.M), out
    assert re.search(r"^sum of ms/request: \d+; of CPU ms \(app \+ DB\): \d+$", out, re.M), out

    # The same URLs' instructions per request (callgrind), beside the floor, /api/v1/me.
    out = run_smoke("http_instructions", "--database-url", bench_url)
    assert re.search(r"^\| `/api/v1/me` \| [\d.]+ \| 1\.0 \|$", out, re.M), out
    assert re.search(r"^\| `/households` \| [\d.]+ \| [\d.]+ \|$", out, re.M), out


def test_provision_building():
    out = run_smoke("provision_building")
    assert re.search(r"^provision from scratch: 12 jobs in [\d.]+ s = [\d.]+ jobs/s "
                     r"\(\{'succeeded': 12\}", out, re.M), out
    assert re.search(r"^idempotent re-run: 12 jobs in [\d.]+ s .*0 config lines; 0 saves",
                     out, re.M), out
    assert "reference (docs/provisioning.md §4" in out, out


def _poll_throughput_missing() -> str | None:
    """Why poll_throughput cannot run here (None: it can)."""
    if os.geteuid() != 0:
        return "needs root: it creates a network namespace (ip netns) for snmpd"
    missing = [tool for tool in ("ip", "snmpget", "snmpbulkwalk") if not shutil.which(tool)]
    if not Path("/usr/sbin/snmpd").exists():
        missing.append("/usr/sbin/snmpd")
    if missing:
        return f"needs {', '.join(missing)} (apt-get install -y iproute2 snmp snmpd)"
    return None


def test_poll_throughput(bench_url):
    reason = _poll_throughput_missing()
    if reason:
        pytest.skip(f"poll_throughput smoke skipped: {reason}")
    # SQLite: the script's own file inside its namespace's work directory
    args = ["--database-url", bench_url] if ON_POSTGRES else []
    out = run_smoke("poll_throughput", *args)
    assert re.search(r"^pysnmp native 2×c=\d+ run_poll_cycle\+DB +4 ", out, re.M), out
    assert re.search(r"^ezsnmp 2 threads \(no storage\) +4 ", out, re.M), out
    assert re.search(r"^net-snmp CLI P=2 \(tools CPU\) +4 ", out, re.M), out
    assert re.search(r"^pysnmp CPU/device vs ezsnmp: polling only [\d.]+×", out, re.M), out
    assert re.search(r"^pysnmp cycle \(with database storage\) for 1000 devices ≈ [\d.]+ s",
                     out, re.M), out
    storage = "PostgreSQL" if ON_POSTGRES else "SQLite"
    assert f"pysnmp storage: database ({storage}" in out, out


def test_poll_failover(bench_url):
    """Workers in their own network namespaces, one killed mid-cycle (issue 23.6)."""
    reason = _poll_throughput_missing()
    if reason:
        pytest.skip(f"poll_failover smoke skipped: {reason}")
    args = ["--database-url", bench_url] if ON_POSTGRES else []
    out = run_smoke("poll_failover", *args)
    assert re.search(r"^cycle 1: worker-1@10\.77\.0\.11 killed \(exit -9\) at [\d.]+ s, "
                     r"holding [1-9]\d* leases", out, re.M), out
    assert re.search(r"^cycle 2 \(peer\): live workers, no kill +wall +[\d.]+ s$", out, re.M), out
    assert re.search(r"^usage: (\d+) octets stored, counters grew by \1; 0 of \d+ ports differ$",
                     out, re.M), out


def test_csv_import(bench_url):
    out = run_smoke("csv_import", "--database-url", bench_url)
    for kind in ("units", "households"):
        assert re.search(rf"^import {kind}: 300 rows in [\d.]+ s \([\d,]+ rows/s; "
                         rf"target < 30 s\), CPU [\d.]+ s$", out, re.M), out
    assert re.search(r"^rejected units file: 300 bad rows in [\d.]+ s, 100 listed \+ 200 "
                     r"counted", out, re.M), out
    assert re.search(r"^peer: plain executemany of the same flats and households", out,
                     re.M), out


def test_mixed_load(bench_url):
    """Pages under load while poll workers and billing runs write (SQLite too: no 500)."""
    out = run_smoke("mixed_load", "--database-url", bench_url, timeout=600)
    assert "| page | quiet p95 ms | loaded p95 ms | loaded p50 ms | loaded req/s | errors |" \
        in out, out
    assert re.search(r"^\| `/households` \| \d+ \| \d+ \| \d+ \| \d+ \| 0 \|$", out, re.M), out
    assert re.search(r"^worst loaded p95: \d+ ms \(target < 200 ms\)$", out, re.M), out
    assert re.search(r"^poll cycles \(2 workers\): \d+ in all, \d+ ended during", out,
                     re.M), out
    assert re.search(r"^billing runs: \d+ in all, \d+ ended during", out, re.M), out
