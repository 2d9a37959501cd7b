"""Fixtures in the flaskr style: app, client, runner, plus db (rolled back) and login_as.

The clock: a test whose outcome depends on "today" says when it runs with
``@pytest.mark.clock("2026-11-20T10:00:00+01:00")``. ``--clock=INSTANT`` (or the
``ISP_TEST_CLOCK`` variable) moves the whole run to another instant, so CI can check that
nothing else depends on the day (.ci/clocks).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime

import pytest
import time_machine
from flask_sqlalchemy.session import Session as FlaskSession
from hypothesis import settings

# No per-example deadline: speed is measured in benchmarks/, and a loaded machine is no bug.
settings.register_profile("social-isp", deadline=None)
settings.load_profile("social-isp")


def _database_of_this_worker() -> None:
    """Under pytest-xdist each worker gets its own PostgreSQL database (``test_gw0``, …).

    Runs before config.testing reads TEST_DATABASE_URL; SQLite files are per process already.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not worker or not base.startswith(("postgresql:", "postgres:", "postgresql+")):
        return
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"{url.database}_{worker}"
    server = url.set(drivername="postgresql", database="postgres")
    with psycopg.connect(server.render_as_string(hide_password=False),
                         autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    (name,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    os.environ["TEST_DATABASE_URL"] = url.set(database=name).render_as_string(
        hide_password=False)


_database_of_this_worker()

from isp import create_app, load_all_models  # noqa: E402
from isp.extensions import db as _db  # noqa: E402
from tests import factories  # noqa: E402
from tests.ui.server import SEED_CACHE_ENV  # noqa: E402

pytest_plugins = ["tests.access"]


def _instant(text: str) -> datetime:
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise pytest.UsageError(f"{text}: give the instant with its UTC offset")
    return instant


def pytest_addoption(parser):
    parser.addoption("--clock", default=os.environ.get("ISP_TEST_CLOCK") or None,
                     help="run the suite as if it were this instant (ISO 8601 with its offset); "
                          "the clock keeps ticking from there")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "clock(instant): run the test at this instant (ISO 8601 with its offset)")
    config.addinivalue_line(
        "markers", "only_with_clock: a check of --clock, collected only when it is given")
    # One seeded demo per run (tests/ui/server.py): made by the first process that needs it,
    # copied by the others; xdist workers and the benchmarks' subprocesses inherit the variable.
    if not os.environ.get(SEED_CACHE_ENV):
        config._isp_seed_cache = tempfile.mkdtemp(prefix="isp-seed-")
        os.environ[SEED_CACHE_ENV] = config._isp_seed_cache
    text = config.getoption("--clock")
    if text:
        config._isp_clock = time_machine.travel(_instant(text), tick=True)
        config._isp_clock.start()


def pytest_unconfigure(config):
    travel = getattr(config, "_isp_clock", None)
    if travel is not None:
        travel.stop()
    seed_cache = getattr(config, "_isp_seed_cache", None)
    if seed_cache is not None:
        shutil.rmtree(seed_cache, ignore_errors=True)


def _starts_first(item) -> bool:
    return any(item.get_closest_marker(name) for name in ("bench_smoke", "long"))


def pytest_collection_modifyitems(config, items):
    # The tests of tens of seconds go to the workers first (a stable sort keeps the rest in
    # order): one of them at the end of a worker's queue would keep the other worker idle.
    items.sort(key=lambda item: not _starts_first(item))
    if config.getoption("--clock"):
        return
    kept = [item for item in items if item.get_closest_marker("only_with_clock") is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def pytest_report_header(config):
    text = config.getoption("--clock")
    return f"clock moved to {text} (Europe/Paris calendar rules under test)" if text else None


@pytest.fixture(autouse=True)
def _clock_of_the_test(request):
    """Travel to the instant of the test's ``clock`` marker, ticking from there."""
    marker = request.node.get_closest_marker("clock")
    if marker is None:
        yield
        return
    with time_machine.travel(_instant(marker.args[0]), tick=True):
        yield


class _ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy's session picks an engine per model; tests need the outer connection."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture(scope="session")
def app():
    """One app for the session, on a fresh schema (TEST_DATABASE_URL or a temp SQLite file)."""
    application = create_app("testing")
    with application.app_context():
        load_all_models()
        _db.drop_all()
        _db.create_all()
    yield application
    with application.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()
    uri = application.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and os.path.exists(uri[10:]):
        os.remove(uri[10:])


@pytest.fixture
def db(app):
    """A session joined to an outer transaction that is rolled back after the test.

    Commits in the code under test release SAVEPOINTs only (SQLAlchemy's
    "join a session into an external transaction" recipe).
    """
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        _db.session = _db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint",
             "class_": _ConnectionBoundSession})
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            if transaction.is_active:
                transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture
def login_as(client, db):
    """Log the test client in as a new user of ``role`` (mediators: of ``association``)."""

    def _login(role: str, association=None, **user_fields):
        from isp.auth import SESSION_ID_KEY, start_session

        user = factories.make_user(role=role, association=association, **user_fields)
        session_id = start_session(user)  # a server-side session, as a real login opens
        _db.session.commit()  # kept if the request under test rolls back (e.g. on a 404)
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
            session[SESSION_ID_KEY] = session_id
        return user

    return _login


@pytest.fixture
def api_as(client, db):
    """Return (user, headers) with a fresh bearer token for ``role``."""
    from isp.services import create_token

    def _api(role: str, association=None, **user_fields):
        user = factories.make_user(role=role, association=association, **user_fields)
        token = create_token(user)
        return user, {"Authorization": f"Bearer {token}"}

    return _api




@pytest.fixture
def empty_database_url(tmp_path):
    """A fresh, empty database of the test's own: a SQLite file, or a new PostgreSQL database
    beside TEST_DATABASE_URL, dropped afterwards (committed rows never reach other tests)."""
    import uuid

    from sqlalchemy import create_engine, text

    from isp import normalise_database_url

    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'own.sqlite'}"
        return
    base = normalise_database_url(base)
    name = f"isp_own_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
