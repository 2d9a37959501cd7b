"""Pages stay within budget whatever the age of the data (issue 15).

The demo database of the UI suite is copied and aged by three years (tests/ui/aged.py: 36
months of invoices, payments, daily usage, tickets, outages, coaching sessions, provisioning
jobs, backups, audit entries, evaluation aggregates), served by its own server, and every page
(discovered like test_accessibility does) is weighed as the allowed role that sees the most of
the history (``_visits``): each must still be EcoIndex grade A, within 100 KB and 10 requests.
A page whose content grows with time must be bounded by design (a window of recent months with
a link to earlier ones, a pager).

The seeding runs with the clock frozen (time-machine) on the real "now": the history is laid
relative to today, so the server, which time-machine cannot freeze, sees the same months.
Accessibility is not re-run here (test_accessibility does it on the same templates).
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.ui.conftest import ARTIFACTS, WORKER_SUFFIX, new_role_context
from tests.ui.discovery import (
    MAX_KB,
    MAX_REQUESTS,
    PageMeter,
    ResolveContext,
    build_url,
    figures_table,
    page_routes,
)
from tests.ui.server import start_server, stop_server

# One worker seeds and serves the aged copy (pytest-xdist --dist loadgroup), not each of them.
pytestmark = [pytest.mark.ui, pytest.mark.xdist_group("aged_demo")]

MONTHS = 36
AGED_LOG = ARTIFACTS / f"ui-server-aged{WORKER_SUFFIX}.log"


def _collection_app():
    from isp import create_app

    return create_app("default", SQLALCHEMY_DATABASE_URI="sqlite://")


#: Whose view of a page holds the most history: the whole back-office first.
ROLE_PRIORITY = ("admin", "operator", "analyst", "mediator", "anonymous")


def _visits():
    """Every page once, as the allowed role that sees the most of the aged data.

    test_accessibility weighs every page as every role on the demo; here the history is what
    grows, and a mediator's or an analyst's view of a page is a subset of the back-office's.
    """
    visits = []
    for route in page_routes(_collection_app()):
        ranked = sorted(route.roles, key=lambda role: (
            ROLE_PRIORITY.index(role) if role in ROLE_PRIORITY else len(ROLE_PRIORITY)))
        visits.append((route, ranked[0]))
    return visits


@pytest.fixture(scope="module")
def aged_database(ui_database_url, ui_workdir):
    """A copy of the UI demo database with 36 more months of history; (url, counts)."""
    import time_machine

    from isp.timeutil import utcnow
    from tests.ui.aged import age_demo

    target = ui_workdir / "aged.sqlite"
    source = sqlite3.connect(ui_database_url.removeprefix("sqlite:///"))
    copy = sqlite3.connect(target)
    with copy:
        source.backup(copy)  # consistent even while the UI server has the file open
    source.close()
    copy.close()
    url = f"sqlite:///{target}"
    with time_machine.travel(utcnow(), tick=False):
        counts = age_demo(url, months=MONTHS)
    return url, counts


@pytest.fixture(scope="module")
def aged_app(aged_database):
    """An app bound to the aged database, to fill URL parameters from its data."""
    from isp import create_app

    return create_app("default", SQLALCHEMY_DATABASE_URI=aged_database[0])


@pytest.fixture(scope="module")
def aged_server(aged_database):
    try:
        process, base = start_server(aged_database[0], AGED_LOG)
    except RuntimeError as error:
        pytest.fail(str(error))
    yield base
    stop_server(process)


@pytest.fixture(scope="module")
def aged_meters(browser, aged_server):
    """``aged_meters(role)``: a cold-cache meter in a context logged in on the aged server."""
    contexts: dict = {}
    meters: dict[str, PageMeter] = {}

    def _meter(role: str) -> PageMeter:
        if role not in meters:
            contexts[role] = new_role_context(browser, aged_server, role, AGED_LOG)
            meters[role] = PageMeter(contexts[role])
        return meters[role]

    yield _meter
    for meter in meters.values():
        meter.close()
    for context in contexts.values():
        context.close()


@pytest.fixture(scope="module")
def aged_figures():
    rows: list = []
    yield rows
    if rows:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "page-budget-aged.md").write_text(figures_table(rows) + "\n")


def test_the_aged_demo_has_three_years_of_history(aged_database):
    """The seeding did what it says: without it the budget test below proves nothing."""
    from isp import create_app
    from isp.extensions import db

    url, counts = aged_database
    assert counts["periods"] == MONTHS
    for key in ("invoices", "payments", "usage_days", "tickets", "outages", "sessions", "jobs",
                "backups", "audit", "aggregates"):
        assert counts[key] > 0, f"nothing aged for {key}: {counts}"
    app = create_app("default", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        from billing.models import Invoice
        from subscribers.published_figures import available_periods

        periods = available_periods("building", "PB")
        invoiced = db.session.execute(db.select(db.func.count(db.distinct(Invoice.period))))
        assert len(periods) >= MONTHS, periods
        assert invoiced.scalar() >= MONTHS - 1
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("page_visit", _visits(),
                         ids=[f"{route.label}[{role}]" for route, role in _visits()])
def test_page_stays_within_budget_with_three_years_of_data(page_visit, aged_app, aged_server,
                                                           aged_meters, aged_figures):
    from isp.extensions import db

    route, role = page_visit
    with aged_app.app_context():
        path = build_url(route, ResolveContext.of_demo_role(role, db.session))
        db.session.remove()
    figures = aged_meters(role).measure(aged_server + path, role=role, endpoint=route.endpoint)
    aged_figures.append(figures)
    assert not figures.over_budget(), (
        f"{path} as {role}, with {MONTHS} months of data, is over budget ({MAX_KB} KB, "
        f"{MAX_REQUESTS} requests, grade A): " + "; ".join(figures.over_budget())
        + "\n" + figures_table([figures])
        + "\nA page that grows with time must show a bounded window (recent months, a pager).")

