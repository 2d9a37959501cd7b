"""Residents' accounts: logins, whose household, the end at the move-out."""

from __future__ import annotations

from datetime import date

import pytest

from isp.errors import DomainError
from residents import accounts
from residents.identity import household_of
from tests import factories
from tests.residents.conftest import make_resident


@pytest.mark.parametrize(("typed", "expected"), [
    ("06 12 34 56 78", ("phone", "+33612345678")),
    ("07.12.34.56.78", ("phone", "+33712345678")),
    ("+33 6 12 34 56 78", ("phone", "+33612345678")),
    ("0033612345678", ("phone", "+33612345678")),
    (" Rose.Martin@Example.org ", ("email", "rose.martin@example.org")),
    ("01 40 00 00 00", None),  # a landline receives no SMS
    ("0612", None),
    ("rose@", None),
])
def test_logins_are_an_email_or_a_french_mobile(typed, expected):
    assert accounts.parse_login(typed) == expected


def test_household_of_is_the_accounts_household_while_it_lives_there(db):
    user, household, account = make_resident(login="06 11 22 33 44")
    assert household_of(user) is household
    assert account.login == "+33611223344"
    assert user.email.endswith("@residents.invalid")  # a phone login mails nobody
    assert household_of(factories.make_user("operator")) is None


def test_one_active_account_per_login(db):
    make_resident(login="rose@example.org")
    with pytest.raises(DomainError) as error:
        make_resident(login="ROSE@example.org")
    assert error.value.field == "login"


def test_no_account_for_a_household_that_moved_out(db):
    household = factories.make_household(moved_out_on=date(2025, 6, 1))
    with pytest.raises(DomainError):
        accounts.create_account(household, "rose@example.org", actor=None)


@pytest.mark.clock("2026-11-15T10:00:00+01:00")
def test_move_out_ends_the_account_its_sessions_and_frees_the_login(db):
    from isp.auth import start_session
    from isp.models_security import UserSession
    from subscribers.services import move_out

    user, household, account = make_resident(login="rose@example.org")
    start_session(user)
    db.session.flush()
    operator = factories.make_user("operator")
    move_out(household, moved_out_on=date(2026, 11, 15), actor=operator)
    db.session.flush()
    assert account.ended_at is not None and account.ended_reason == "moved_out"
    assert household_of(user) is None
    assert not user.is_enabled
    assert db.session.query(UserSession).filter_by(user_id=user.id).count() == 0
    # The same person moving into another flat of the pilot gets a new account.
    other = factories.make_household()
    assert accounts.create_account(other, "rose@example.org", actor=operator).is_active
