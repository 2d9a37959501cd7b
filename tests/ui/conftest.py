"""Headless Chromium against the real app: one server, one browser, one logged-in context per role.

The server under test always runs on its own SQLite file seeded with ``isp db upgrade`` and
``isp demo seed`` (every domain's demo seed included), whatever TEST_DATABASE_URL says: the UI
suite checks pages, not the database engine.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from tests.ui.server import ROOT, seed_database, start_server, stop_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
ARTIFACTS = ROOT / "artifacts"
#: The UI server's output, kept for reading after a failure.
#: One log per test process: each xdist worker runs its own server (a resident's sign-in code
#: is read from its own server's log).
WORKER_SUFFIX = f"-{os.environ['PYTEST_XDIST_WORKER']}" if os.environ.get(
    "PYTEST_XDIST_WORKER") else ""
SERVER_LOG = ARTIFACTS / f"ui-server{WORKER_SUFFIX}.log"
ROLE_EMAILS = {
    "admin": "admin@demo.social-isp.fr",
    "operator": "operateur@demo.social-isp.fr",
    "mediator": "mediateur@demo.social-isp.fr",
    "analyst": "analyste@demo.social-isp.fr",
    # A resident signs in with a code the SMS simulator writes in the server's log
    # (residents/demo.py; tests/ui/test_residents_sign_in_ui.py uses the other number).
    "resident": "06 39 98 00 02",
}


def server_log_tail(lines: int = 40) -> str:
    """The end of the UI server's log (tracebacks of a 500)."""
    if not SERVER_LOG.exists():
        return ""
    return "\n".join(SERVER_LOG.read_text(errors="replace").splitlines()[-lines:])


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
    try:
        seed_database(url)
    except RuntimeError as error:
        pytest.fail(str(error))
    return url


@pytest.fixture(scope="session")
def live_server(ui_database_url):
    """The real app under gunicorn (threads, so the browser's parallel requests are served)."""
    try:
        process, base = start_server(ui_database_url, SERVER_LOG)
    except RuntimeError as error:
        pytest.fail(str(error))
    yield base
    stop_server(process)


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


def _sms_code(log: Path, number: str, after: int) -> str:
    """The code of the last SMS to ``number`` written in ``log`` after ``after`` bytes."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = re.findall(rf"SMS to {re.escape(number)}: .*?(\d{{6}})",
                           log.read_text(errors="replace")[after:])
        if found:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"no SMS to {number} in {log}")


def login(page, base: str, role: str, log: Path = SERVER_LOG) -> None:
    """Log in through the form, as a person would (a resident with a code sent by SMS)."""
    email = ROLE_EMAILS[role]
    if role == "resident":
        page.goto(base + "/moi/connexion")
        before = len(log.read_text(errors="replace")) if log.exists() else 0
        page.get_by_label("Votre e-mail ou votre numéro de portable").fill(email)
        page.get_by_role("button", name="Recevoir un code").click()
        page.wait_for_load_state("load")
        page.get_by_label("Le code reçu").fill(_sms_code(log, email, before))
        page.get_by_role("button", name="Entrer").click()
        page.wait_for_load_state("load")
        assert page.url.endswith("/moi"), f"sign-in as a resident failed: on {page.url}"
        return
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", demo_password(email))
    page.click("form.narrow button[type=submit]")
    page.wait_for_load_state("load")
    assert "/login" not in page.url, f"login as {role} failed: still on {page.url}"


def new_role_context(browser, base: str, role: str, log: Path = SERVER_LOG):
    """A desktop-sized French browser context on ``base``, logged in as ``role`` (or not)."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    if role != "anonymous":
        page = context.new_page()
        login(page, base, role, log)
        page.close()
    return context


@pytest.fixture(scope="session")
def role_context(browser, live_server):
    """``role_context(role)``: a browser context logged in as the demo user of ``role``.

    ``"anonymous"`` gives a context without login. Contexts are made once and reused.
    """
    contexts: dict = {}

    def _context(role: str):
        if role not in contexts:
            contexts[role] = new_role_context(browser, live_server, role)
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
