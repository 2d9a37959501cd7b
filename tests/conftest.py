"""Fixtures in the flaskr style: app, client, runner, plus db (rolled back) and login_as."""

from __future__ import annotations

import os

import pytest
from flask_sqlalchemy.session import Session as FlaskSession

from isp import create_app, load_all_models
from isp.extensions import db as _db
from tests import factories

pytest_plugins = ["tests.access"]


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
        user = factories.make_user(role=role, association=association, **user_fields)
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
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


