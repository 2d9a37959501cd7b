"""Residents' accounts: logins, whose household, the end at the move-out."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

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


def test_an_operator_creates_an_account_from_the_household_page(client, db, login_as):
    from sqlalchemy import select

    from residents.models import ResidentAccount

    household = factories.make_household()
    login_as("operator")
    page = client.get(f"/households/{household.id}/resident")
    assert "Créer un compte résident" in page.get_data(as_text=True)
    bad = client.post(f"/households/{household.id}/resident-accounts/new",
                      data={"login": "01 40 00 00 00"})
    assert bad.status_code == 400 and 'class="error"' in bad.get_data(as_text=True)
    done = client.post(f"/households/{household.id}/resident-accounts/new",
                       data={"login": "07 98 76 54 32"})
    assert done.status_code == 303
    account = db.session.execute(select(ResidentAccount).where(
        ResidentAccount.household_id == household.id)).scalar_one()
    assert account.login == "+33798765432" and account.created_by_id is not None
    tab = client.get(f"/households/{household.id}/resident").get_data(as_text=True)
    assert "07 98 76 54 32" in tab
    # The same login again: refused beside the field, not a 500.
    again = client.post(f"/households/{household.id}/resident-accounts/new",
                        data={"login": "+33 7 98 76 54 32"})
    assert again.status_code == 400 and "déjà" in again.get_data(as_text=True)


def test_a_mediator_sees_the_notices_but_manages_no_account(client, db, login_as):
    association = factories.make_association()
    household = factories.make_household(association=association)
    make_resident(household, login="rose@example.org")
    login_as("mediator", association=association)
    html = client.get(f"/households/{household.id}/resident").get_data(as_text=True)
    assert "Espace résident et avis" in html and "rose@example.org" in html
    assert "Créer un compte résident" not in html and "Fermer le compte" not in html


def test_the_api_creates_lists_and_ends_accounts(client, db, api_as):
    household = factories.make_household()
    _user, headers = api_as("operator")
    url = f"/api/v1/households/{household.id}/resident-accounts"
    created = client.post(url, json={"login": "Rose@Example.org"}, headers=headers)
    assert created.status_code == 201 and created.get_json()["login"] == "rose@example.org"
    bad = client.post(url, json={"login": "rose"}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["field"] == "login"
    unknown = client.post(url, json={"login": "a@b.fr", "role": "admin"}, headers=headers)
    assert unknown.status_code == 400
    listed = client.get(url, headers=headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["login_kind"] == "email"
    ended = client.post(f"{url}/{created.get_json()['id']}/end", headers=headers)
    assert ended.status_code == 200 and ended.get_json()["ended_reason"] == "operator"
    missing = client.post(f"/api/v1/households/{household.id + 999}/resident-accounts",
                          json={"login": "x@y.fr"}, headers=headers)
    assert missing.status_code == 404


def test_a_resident_sets_their_notice_channels_by_api(client, db, api_resident):
    _user, _household, headers = api_resident(login="06 44 44 44 44")
    url = "/api/v1/me/notice-settings"
    assert client.get(url, headers=headers).get_json() == {
        "notify_sms": False, "notify_email": False, "sms_possible": True,
        "email_possible": False, "login_kind": "phone", "email": None,
        "phone": "+33644444444"}
    done = client.put(url, json={"notify_sms": True, "notify_email": False}, headers=headers)
    assert done.status_code == 200 and done.get_json()["notify_sms"] is True
    refused = client.put(url, json={"notify_sms": True, "notify_email": True}, headers=headers)
    assert refused.status_code == 422 and refused.get_json()["field"] == "notify_email"
    assert client.put(url, json={"notify_sms": "yes", "notify_email": False},
                      headers=headers).status_code == 422


def test_a_resident_sets_their_notice_channels_on_the_page(client, db, login_resident):
    user, household = login_resident(login="rose@example.org")
    page = client.get("/moi/avis")
    assert page.status_code == 200 and "Par e-mail" in page.get_data(as_text=True)
    assert "Par SMS" not in page.get_data(as_text=True)  # no phone on this account
    saved = client.post("/moi/avis", data={"notify_email": "y"})
    assert saved.status_code == 200 and "enregistré" in saved.get_data(as_text=True)
    from residents.identity import active_account

    assert active_account(user).notify_email


def test_the_command_line_creates_a_resident_by_email_or_phone(runner, db):
    from isp.extensions import db as _db
    from residents.accounts import account_by_login

    household = factories.make_household()
    _db.session.commit()
    result = runner.invoke(args=["users", "create", "rose@example.org", "--role", "resident",
                                 "--household", str(household.id)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "create", "--role", "resident", "--phone",
                                 "06 55 55 55 55", "--household", str(household.id)])
    assert result.exit_code == 0, result.output
    assert account_by_login("+33655555555").household_id == household.id
    assert account_by_login("rose@example.org").household_id == household.id
    result = runner.invoke(args=["users", "create", "--role", "resident", "--phone",
                                 "06 55 55 55 56"])
    assert result.exit_code != 0 and "--household" in result.output


def test_anonymisation_removes_the_residents_logins_and_notice_recipients(db):
    from isp import gdpr, signals
    from residents.models import Notice
    from residents.retention import anonymise_household_residents
    from subscribers.services import move_out

    user, household, account = make_resident(login="06 12 34 56 78")
    account.notify_sms = True
    from isp.timeutil import utcnow
    from network.models import Outage

    outage = Outage(started_at=utcnow(), cause="no_answer")
    db.session.add(outage)
    db.session.flush()
    signals.outage_started.send(outage, affected_unit_codes=[household.unit_code])
    from residents.mandates import request_sepa

    asked = request_sepa(household.id, actor=user,
                         note=f"Appelez {household.holder_name} au 06 12 34 56 78")
    move_out(household, moved_out_on=date(2026, 1, 10), actor=factories.make_user())
    anonymise_household_residents(household.id, gdpr.identity_of(household))
    assert "+336" not in account.login and account.phone is None
    assert household.holder_name not in asked.note and "Appelez" in asked.note
    assert "33612345678" not in user.email
    notice = db.session.execute(db.select(Notice)).scalar_one()
    assert "+336" not in notice.recipient


def test_the_header_names_a_phone_resident_by_their_number(client, login_resident):
    """Not the reserved address the users table needs for a phone login."""
    from tests.residents.space_helpers import resident_household

    login_resident(resident_household(), login="06 39 98 00 42")
    html = client.get("/moi").get_data(as_text=True)
    assert "06 39 98 00 42" in html and "residents.invalid" not in html


def test_the_header_names_an_email_resident_by_their_email(client, login_resident):
    from tests.residents.space_helpers import resident_household

    login_resident(resident_household(), login="rose@test.example")
    assert "rose@test.example" in client.get("/moi").get_data(as_text=True)


def test_a_phone_resident_adds_an_email_for_notices_on_the_page(client, db, login_resident):
    """A second contact of the other kind: the e-mail channel becomes possible."""
    from residents.identity import active_account

    user, _household = login_resident(login="06 39 98 00 43")
    page = client.get("/moi/avis").get_data(as_text=True)
    assert "Par e-mail" not in page and "Votre e-mail" in page
    wrong = client.post("/moi/avis", data={"contact": "06 39 98 00 44"})
    assert wrong.status_code == 400 and "adresse e-mail" in wrong.get_data(as_text=True)
    # The address and its channel at once.
    saved = client.post("/moi/avis", data={"contact": "Rose@Example.org", "notify_email": "y",
                                           "notify_sms": "y"})
    assert saved.status_code == 200 and "Par e-mail" in saved.get_data(as_text=True)
    account = active_account(user)
    assert account.email == "rose@example.org" and account.notify_email and account.notify_sms
    assert account.login == "+33639980043"  # the login does not change
    # Emptied: the address goes, and so do its notices.
    client.post("/moi/avis", data={"contact": "", "notify_sms": "y"})
    db.session.expire_all()
    account = active_account(user)
    assert account.email is None and not account.notify_email and account.notify_sms


def test_an_email_resident_adds_a_mobile_by_api(client, db, api_resident):
    _user, _household, headers = api_resident(login="rose2@example.org")
    url = "/api/v1/me/notice-settings"
    bad = client.put(url, json={"notify_sms": False, "notify_email": False,
                                "contact": "rose@example.org"}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["field"] == "contact"
    done = client.put(url, json={"notify_sms": True, "notify_email": False,
                                 "contact": "07 12 34 56 78"}, headers=headers)
    assert done.status_code == 200
    assert done.get_json()["phone"] == "+33712345678" and done.get_json()["notify_sms"]


def test_the_operator_gives_a_second_contact_on_the_form_and_the_api(client, db, login_as):
    from sqlalchemy import select

    from isp.services import create_token
    from residents.models import ResidentAccount

    household = factories.make_household()
    login_as("operator")
    bad = client.post(f"/households/{household.id}/resident-accounts/new",
                      data={"login": "06 39 98 00 45", "contact": "07 00 00 00 00"})
    assert bad.status_code == 400 and 'id="contact-err"' in bad.get_data(as_text=True)
    done = client.post(f"/households/{household.id}/resident-accounts/new",
                       data={"login": "06 39 98 00 45", "contact": "lea@example.org"})
    assert done.status_code == 303
    account = db.session.execute(select(ResidentAccount).where(
        ResidentAccount.household_id == household.id)).scalar_one()
    assert (account.phone, account.email) == ("+33639980045", "lea@example.org")
    tab = client.get(f"/households/{household.id}/resident").get_data(as_text=True)
    assert "lea@example.org" in tab

    token = create_token(factories.make_user("operator"))
    db.session.commit()
    created = client.post(f"/api/v1/households/{household.id}/resident-accounts",
                          json={"login": "sam@example.org", "contact": "0639980046"},
                          headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201 and created.get_json()["phone"] == "+33639980046"


def test_the_command_line_takes_an_email_login_with_a_mobile_contact(runner, db):
    from isp.extensions import db as _db
    from residents.accounts import account_by_login

    household = factories.make_household()
    _db.session.commit()
    result = runner.invoke(args=["users", "create", "duo@example.org", "--role", "resident",
                                 "--phone", "06 39 98 00 47", "--household", str(household.id)])
    assert result.exit_code == 0, result.output
    account = account_by_login("duo@example.org")
    assert account.phone == "+33639980047" and account_by_login("+33639980047") is None


@pytest.mark.clock("2026-12-10T10:00:00+01:00")
def test_a_move_out_recorded_ahead_ends_the_account_on_its_day(db):
    """Not before: the resident still lives there and uses their space until then."""
    from residents import mandates
    from residents.jobs import end_moved_out
    from subscribers.services import move_out

    association = factories.make_association()
    user, household, account = make_resident(
        factories.make_household(association=association))
    mediator = factories.make_user("mediator", association=association)
    mandate, _code = mandates.create_mandate(
        household.id, actor=mediator, scopes=["tickets"], ends_on=date(2027, 1, 31),
        consent_method="in_person", consent_reference="F-9")
    move_out(household, moved_out_on=date(2026, 12, 20), actor=factories.make_user("operator"))
    db.session.flush()
    assert account.ended_at is None and household_of(user) == household
    assert mandate.status == "active"
    assert end_moved_out() == (0, 0)

    import time_machine

    with time_machine.travel(datetime(2026, 12, 20, 8, tzinfo=ZoneInfo("Europe/Paris"))):
        assert household_of(user) is None  # cut at once, before the job runs
        assert end_moved_out() == (1, 1)
    assert account.ended_reason == "moved_out" and not user.is_enabled
    assert mandate.status == "ended" and mandate.end_reason == "moved_out"
