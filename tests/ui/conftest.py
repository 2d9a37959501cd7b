"""Headless Chromium against the real app: one server, one browser, one logged-in context per role.

The server under test always runs on its own SQLite file seeded with ``isp db upgrade`` and
``isp demo seed`` (every domain's demo seed included), whatever TEST_DATABASE_URL says: the UI
suite checks pages, not the database engine.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
ARTIFACTS = ROOT / "artifacts"
#: The UI server's output, kept for reading after a failure.
SERVER_LOG = ARTIFACTS / "ui-server.log"
ROLE_EMAILS = {
    "admin": "admin@demo.social-isp.fr",
    "operator": "operateur@demo.social-isp.fr",
    "mediator": "mediateur@demo.social-isp.fr",
    "analyst": "analyste@demo.social-isp.fr",
}


def server_log_tail(lines: int = 40) -> str:
    """The end of the UI server's log (tracebacks of a 500)."""
    if not SERVER_LOG.exists():
        return ""
    return "\n".join(SERVER_LOG.read_text(errors="replace").splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def demo_password(email: str) -> str:
    from config.default import DefaultConfig

    return DefaultConfig.DEMO_PASSWORDS[email]


@pytest.fixture(scope="session")
def ui_workdir():
    path = Path(tempfile.mkdtemp(prefix="isp-ui-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def ui_database_url(ui_workdir) -> str:
    """A fresh SQLite file with the migrations and every domain's demo data."""
    url = f"sqlite:///{ui_workdir / 'ui.sqlite'}"
    env = _server_env(url)
    for args in (["db", "upgrade"], ["demo", "seed"]):
        done = subprocess.run([_bin("isp"), *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        if done.returncode:
            pytest.fail(f"isp {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return url


def _server_env(database_url: str) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("TEST_DATABASE_URL", "ISP_CONFIG")}
    env["DATABASE_URL"] = database_url
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="session")
def live_server(ui_database_url, ui_workdir):
    """The real app under gunicorn (threads, so the browser's parallel requests are served)."""
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(SERVER_LOG, "w")  # noqa: SIM115 - closed at teardown
    process = subprocess.Popen(
        [_bin("gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
         "--access-logfile", "-", "isp:create_app()"],
        cwd=ROOT, env=_server_env(ui_database_url), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/login", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            pytest.fail("UI server did not start:\n" + SERVER_LOG.read_text())
        time.sleep(0.2)
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="session")
def ui_app(ui_database_url):
    """An app bound to the UI server's database, to read demo data (URL parameters)."""
    from isp import create_app

    return create_app("default", SQLALCHEMY_DATABASE_URI=ui_database_url)


@pytest.fixture(scope="session")
def browser(ui_workdir):
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        # launch() always runs on a fresh temporary profile (Playwright refuses --user-data-dir
        # here), which is what we want: no state leaks between runs.
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def login(page, base: str, role: str) -> None:
    """Log in through the form, as a person would."""
    email = ROLE_EMAILS[role]
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", demo_password(email))
    page.click("form.narrow button[type=submit]")
    page.wait_for_load_state("load")
    assert "/login" not in page.url, f"login as {role} failed: still on {page.url}"


@pytest.fixture(scope="session")
def role_context(browser, live_server):
    """``role_context(role)``: a browser context logged in as the demo user of ``role``.

    ``"anonymous"`` gives a context without login. Contexts are made once and reused.
    """
    contexts: dict = {}

    def _context(role: str):
        if role not in contexts:
            context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
            context.set_default_timeout(15_000)
            if role != "anonymous":
                page = context.new_page()
                login(page, live_server, role)
                page.close()
            contexts[role] = context
        return contexts[role]

    yield _context
    for context in contexts.values():
        context.close()


_FIGURES: list = []


@pytest.fixture(scope="session")
def page_figures():
    """Figures of every page measured in this run; written to artifacts/ at the end."""
    yield _FIGURES
    if _FIGURES:
        from tests.ui.discovery import figures_table

        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "page-budget.md").write_text(figures_table(_FIGURES) + "\n")


def pytest_terminal_summary(terminalreporter):
    if _FIGURES:
        from tests.ui.discovery import figures_table

        terminalreporter.section("page weight (cold cache, headless chromium)")
        terminalreporter.write_line(figures_table(_FIGURES))
