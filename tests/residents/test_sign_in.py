"""Residents sign in without a password: a one-time code by SMS or e-mail, or a welcome
letter's code; no enumeration, throttled, single use, ten minutes, short sessions."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from isp.extensions import db as _db
from residents import mail, sms
from residents.models import SignInCode
from tests.residents.conftest import make_resident


def _last_code(outbox_text: str) -> str:
    return re.search(r"\b(\d{6})\b", outbox_text).group(1)


def _ask(client, login: str):
    response = client.post("/moi/connexion", data={"login": login})
    response.close()  # as a WSGI server does: the code leaves after the answer
    return response


def _sign_in(client, login: str, code: str):
    return client.post("/moi/connexion/code", data={"login": login, "code": code})


def _space_answer(client):
    return client.get("/moi/avis")


def test_a_code_by_sms_signs_the_resident_in_once(client, db):
    user, household, _account = make_resident(login="06 12 34 56 78")
    _db.session.commit()
    response = _ask(client, "06.12.34.56.78")
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "/moi/connexion/code")
    to, text = sms.OUTBOX[-1]
    assert to == "+33612345678" and "10 minutes" in text
    code = _last_code(text)
    # The second step remembers the login typed.
    assert "06.12.34.56.78" in client.get("/moi/connexion/code").get_data(as_text=True)
    response = _sign_in(client, "06 12 34 56 78", code)
    assert response.status_code == 303 and response.headers["Location"].endswith("/moi")
    assert _space_answer(client).status_code == 200
    # Single use: signed out, the same code does not work again.
    client.post("/logout")
    assert _sign_in(client, "0612345678", code).status_code == 401


def test_a_code_by_email(client, db):
    make_resident(login="rose@example.org")
    _db.session.commit()
    _ask(client, "Rose@Example.org")
    to, subject, text = mail.OUTBOX[-1]
    assert to == "rose@example.org"
    assert _sign_in(client, "rose@example.org", _last_code(text)).status_code == 303


def test_the_answer_is_the_same_whether_the_login_exists_or_not(client, db):
    make_resident(login="rose@example.org")
    _db.session.commit()
    known = _ask(client, "rose@example.org")
    unknown = _ask(client, "nobody@example.org")
    invalid = _ask(client, "not a login")
    assert known.status_code == unknown.status_code == invalid.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert len(_db.session.execute(select(SignInCode)).scalars().all()) == 1


def test_a_wrong_code_is_refused_and_a_code_dies_after_five_tries(client, db):
    make_resident(login="rose@example.org")
    _db.session.commit()
    _ask(client, "rose@example.org")
    code = _last_code(mail.OUTBOX[-1][2])
    wrong = "000000" if code != "000000" else "111111"
    for _try in range(5):
        response = _sign_in(client, "rose@example.org", wrong)
        assert response.status_code == 401
        assert "ne marche pas" in response.get_data(as_text=True)
    # The right code comes too late: the code is dead (or the login throttled).
    assert _sign_in(client, "rose@example.org", code).status_code in (401, 429)


def test_a_code_lives_ten_minutes(client, db, app):
    make_resident(login="rose@example.org")
    _db.session.commit()
    _ask(client, "rose@example.org")
    code = _last_code(mail.OUTBOX[-1][2])
    row = _db.session.execute(select(SignInCode)).scalar_one()
    assert timedelta(minutes=9) < row.expires_at - row.created_at <= timedelta(minutes=10)
    assert row.code_hash != code and code not in row.code_hash  # only a keyed hash is kept
    row.expires_at = row.created_at - timedelta(seconds=1)
    _db.session.commit()
    assert _sign_in(client, "rose@example.org", code).status_code == 401


def test_asking_for_codes_is_throttled_per_login(client, db):
    make_resident(login="rose@example.org")
    _db.session.commit()
    for _try in range(3):
        assert _ask(client, "rose@example.org").status_code == 303
    response = _ask(client, "rose@example.org")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    # The same for a login without an account: the throttle tells nothing either.
    for _try in range(3):
        _ask(client, "ghost@example.org")
    assert _ask(client, "ghost@example.org").status_code == 429


def test_asking_for_codes_is_throttled_per_address(client, db):
    statuses = [_ask(client, f"person{i}@example.org").status_code for i in range(21)]
    assert statuses[:20] == [303] * 20 and statuses[20] == 429


def test_the_welcome_letter_code_signs_in_once(client, db, login_as):
    _user, household, account = make_resident(login="06 12 34 56 78")
    login_as("operator")
    page = client.post(f"/households/{household.id}/resident-accounts/{account.id}/letter")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    code = re.search(r'class="code">([A-Z0-9]{4}-[A-Z0-9]{4})<', html).group(1)
    assert "06 12 34 56 78" in html
    client.post("/logout")
    assert _sign_in(client, "06 12 34 56 78", code.lower().replace("-", " ")).status_code == 303
    client.post("/logout")
    assert _sign_in(client, "06 12 34 56 78", code).status_code == 401


def test_a_resident_signs_out_to_the_sign_in_page(client, db, login_resident):
    login_resident()
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/moi/connexion")
    assert _space_answer(client).status_code == 302


def test_the_space_sends_an_anonymous_visitor_to_the_residents_sign_in(client, db):
    first = client.get("/moi/avis")
    assert first.status_code == 302 and "/login" in first.headers["Location"]
    second = client.get(first.headers["Location"])
    assert second.status_code == 302 and second.headers["Location"].endswith("/moi/connexion")


def test_an_ended_account_cannot_sign_in_and_loses_its_session(client, db, login_resident):
    from residents.accounts import end_account
    from residents.models import ResidentAccount

    user, household = login_resident()
    assert _space_answer(client).status_code == 200
    account = _db.session.execute(select(ResidentAccount).where(
        ResidentAccount.user_id == user.id)).scalar_one()
    end_account(account, "moved_out")
    _db.session.commit()
    assert _space_answer(client).status_code == 302  # the session ended with the account
    _ask(client, account.login)
    assert _db.session.execute(select(SignInCode).where(
        SignInCode.purpose == "sign_in", SignInCode.account_id == account.id)).first() is None


def test_the_sign_in_pages_are_small_and_have_no_remember_me(client, db):
    for url in ("/moi/connexion", "/moi/connexion/code"):
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and len(response.data) < 30_000
        assert "remember" not in body.lower() and "souvenir" not in body.lower()
        assert "<script" not in body


@pytest.mark.parametrize("login", ["", "x" * 300])
def test_bad_input_is_a_400_beside_the_field(client, db, login):
    response = _ask(client, login)
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)


def test_staff_are_not_residents(client, db, login_as):
    login_as("operator")
    assert client.get("/moi/avis").status_code == 403


def test_the_code_leaves_after_the_answer_and_a_double_submit_sends_one(client, db):
    make_resident(login="06 12 34 56 78")
    _db.session.commit()
    before = len(sms.OUTBOX)
    response = client.post("/moi/connexion", data={"login": "06 12 34 56 78"})
    assert len(sms.OUTBOX) == before  # nothing sent while the answer is being made
    response.close()
    assert len(sms.OUTBOX) == before + 1
    code = _last_code(sms.OUTBOX[-1][1])
    _ask(client, "06 12 34 56 78")  # the same tap again, at once
    assert len(sms.OUTBOX) == before + 1
    assert _sign_in(client, "06 12 34 56 78", code).status_code == 303


@pytest.mark.clock("2026-12-10T10:00:00+01:00")
def test_a_residents_session_is_short_on_a_shared_phone(client, db, login_resident):
    """15 minutes without use, or 2 hours in all, and the resident signs in again."""
    from zoneinfo import ZoneInfo

    import time_machine

    paris = ZoneInfo("Europe/Paris")
    login_resident()
    assert client.get("/moi").status_code == 200
    with time_machine.travel(datetime(2026, 12, 10, 10, 16, tzinfo=paris)):
        left = client.get("/moi")
    assert left.status_code == 303 and left.headers["Location"].endswith("/moi/connexion")
    assert client.get("/moi").status_code == 302  # signed out for good

    login_resident()
    for minute in range(0, 121, 10):  # used every 10 minutes: still ends after 2 hours
        hour, minute = divmod(minute, 60)
        with time_machine.travel(datetime(2026, 12, 10, 10 + hour, minute + 1, tzinfo=paris)):
            response = client.get("/moi")
        if response.status_code != 200:
            break
    assert (hour, minute) == (2, 0) and response.status_code == 303
