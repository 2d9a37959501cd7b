"""Start the real app for a browser: migrations + demo seed on a database, gunicorn on a port.

Shared by the UI suite (tests/ui/conftest.py) and the benchmarks (benchmarks/pages.py).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def venv_bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def server_env(database_url: str, **extra: str) -> dict:
    """The environment of the server and of its set-up commands (never the test database)."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("TEST_DATABASE_URL", "ISP_CONFIG")}
    env.update(DATABASE_URL=database_url, PYTHONUNBUFFERED="1", **extra)
    # One resident browser context serves the whole run, its pages visited in bursts: the
    # residents' short sessions (15 min idle, 2 h in all; tested in tests/residents) would
    # sign it out between them.
    env.setdefault("ISP_RESIDENT_SESSION_IDLE_MINUTES", "600")
    env.setdefault("ISP_RESIDENT_SESSION_MAX_MINUTES", "1440")
    return env


#: A directory where one test run keeps its seeded SQLite demo (set by tests/conftest.py for
#: the run and its xdist workers, inherited by the benchmarks' subprocesses): the UI servers and
#: the benchmarks' smoke runs each want the same ``db upgrade`` + ``demo seed`` (10-15 s of CPU),
#: so the run seeds once and copies the file. Unset (a benchmark's own run), each call seeds.
SEED_CACHE_ENV = "ISP_TEST_SEED_CACHE"


def seed_database(database_url: str) -> None:
    """``isp db upgrade`` then ``isp demo seed``; raises RuntimeError with their output.

    A SQLite file under a test run gets a copy of the run's one seeded file (same commands, run
    once; see SEED_CACHE_ENV)."""
    cache = os.environ.get(SEED_CACHE_ENV)
    if cache and database_url.startswith("sqlite:///"):
        _copy_seeded(Path(cache), Path(database_url.removeprefix("sqlite:///")))
        return
    _run_seed(database_url)


def _copy_seeded(cache: Path, target: Path) -> None:
    """Seed ``cache``/demo.sqlite once (a lock between processes), then copy it to ``target``."""
    import fcntl
    import shutil

    seeded = cache / "demo.sqlite"
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not seeded.exists():
            partial = cache / "demo.partial.sqlite"
            partial.unlink(missing_ok=True)
            _run_seed(f"sqlite:///{partial}")
            partial.rename(seeded)
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(seeded, target)


def _run_seed(database_url: str) -> None:
    for args in (["db", "upgrade"], ["demo", "seed"]):
        done = subprocess.run([venv_bin("isp"), *args], cwd=ROOT, env=server_env(database_url),
                              capture_output=True, text=True, timeout=600, check=False)
        if done.returncode:
            raise RuntimeError(f"isp {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def start_server(database_url: str, log_path: Path, *, workers: int = 1, threads: int = 4,
                 port: int | None = None, worker_class: str = "gthread",
                 access_log: bool = True, code: Path = ROOT) -> tuple[subprocess.Popen, str]:
    """gunicorn serving ``isp.wsgi:app`` (built once before forking the workers, templates
    compiled); returns (process, base URL) once /login answers.

    ``access_log``: a line per request in the log (the browser tests read it after a failure);
    a benchmark leaves it out, as the deployment does (docs/deployment.md: the reverse proxy
    logs the requests). ``code``: the checkout served (gunicorn imports the application from
    its working directory first), another revision's for a benchmark's peer."""
    port = port or free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - the child process owns it
    process = subprocess.Popen(
        [venv_bin("gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--threads", str(threads), "--worker-class", worker_class, "--preload",
         # Idle keep-alive connections live longer than the browser's own: with gunicorn's
         # 2 s, a page requested right as the server closed its connection failed with
         # "socket hang up" (ECONNRESET) when a loaded machine paused a test that long.
         "--keep-alive", "75",
         *(("--access-logfile", "-") if access_log else ()), "isp.wsgi:app"],
        cwd=code, env=server_env(database_url), stdout=log, stderr=subprocess.STDOUT)
    log.close()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/login", timeout=2) as response:
                if response.status == 200:
                    return process, base
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("server did not start:\n" + log_path.read_text())
        time.sleep(0.2)


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
