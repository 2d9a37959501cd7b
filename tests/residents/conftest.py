"""Residents' fixtures: a signed-in resident (page session or bearer token) of a household."""

from __future__ import annotations

import itertools

import pytest

from isp.extensions import db as _db
from tests import factories

_numbers = itertools.count(1)


def make_resident(household=None, *, login: str | None = None, **household_fields):
    """(user, household, account): a household (made if None) and a resident account of it."""
    from residents.accounts import create_account

    if household is None:
        household = factories.make_household(**household_fields)
    account = create_account(household, login or f"resident{next(_numbers)}@test.example",
                             actor=None)
    return account.user, household, account


@pytest.fixture
def login_resident(client, db):
    """Log the test client in as a resident of ``household`` (made when None); returns
    (user, household)."""

    def _login(household=None, **kwargs):
        from isp.auth import SESSION_ID_KEY, start_session

        user, household, _account = make_resident(household, **kwargs)
        session_id = start_session(user)
        _db.session.commit()  # kept if the request under test rolls back (e.g. on a 404)
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
            session[SESSION_ID_KEY] = session_id
        return user, household

    return _login


@pytest.fixture
def api_resident(client, db):
    """(user, household, headers) with a fresh bearer token of a resident."""
    from isp.services import create_token

    def _api(household=None, **kwargs):
        user, household, _account = make_resident(household, **kwargs)
        token = create_token(user)
        _db.session.commit()
        return user, household, {"Authorization": f"Bearer {token}"}

    return _api
