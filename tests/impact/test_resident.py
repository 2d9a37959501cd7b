"""The resident answers their own follow-up in their space (/moi/suivi) and through the API."""

from __future__ import annotations

from datetime import date

import pytest

from impact import services
from impact.models import ImpactAnswer
from isp.extensions import db as _db
from isp.models import AuditEntry
from tests.impact.factories import record, subscribed_household
from tests.residents.conftest import make_resident

# Connected on 10 January 2026: the 6-month follow-up opens on 10 June, is due on 10 July; the
# 12-month one opens on 10 December 2026.
CLOCK = "2026-07-20T10:00:00+02:00"
FORM = {"home_connection": "yes", "monthly_cost": "9,90", "devices": ["smartphone", "tablet"]}


@pytest.fixture
def resident(client, db):
    """Sign the client in as the resident of a household (made connected if None)."""
    from isp.auth import SESSION_ID_KEY, start_session

    def _login(household=None):
        household = household or subscribed_household()
        user, household, _account = make_resident(household)
        session_id = start_session(user)
        _db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
            session[SESSION_ID_KEY] = session_id
        return user, household

    return _login


@pytest.fixture
def resident_token(db):
    from isp.services import create_token

    def _token(household=None):
        user, household, _account = make_resident(household or subscribed_household())
        token = create_token(user)
        _db.session.commit()
        return household, {"Authorization": f"Bearer {token}"}

    return _token


def _answers(household):
    return {a.stage: a for a in _db.session.execute(_db.select(ImpactAnswer).where(
        ImpactAnswer.household_id == household.id)).scalars()}


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 6, 9), None),            # before the 6-month one opens
    (date(2026, 6, 10), "m6"),           # a month early
    (date(2026, 11, 30), "m6"),          # still the 6-month one
    (date(2026, 12, 10), "m12"),         # the 12-month one opens: the 6-month one is missed
    (date(2027, 3, 1), "m12"),
])
def test_pending_follow_up_by_date(db, today, expected):
    household = subscribed_household()
    pending = services.pending_follow_up(household, on=today)
    assert (pending.stage.value if pending else None) == expected


@pytest.mark.clock("2027-01-05T10:00:00+01:00")
def test_nothing_pending_before_the_connection_or_once_answered(db):
    assert services.pending_follow_up(subscribed_household(activated_on=None),
                                      on=date(2027, 1, 1)) is None
    household = subscribed_household()
    record(household, "m12", answered_on="2026-12-20")
    assert services.pending_follow_up(household, on=date(2027, 1, 5)) is None


@pytest.mark.clock(CLOCK)
def test_resident_answers_the_pending_follow_up_in_plain_french(client, resident):
    _user, household = resident()
    home = client.get("/moi").get_data(as_text=True)
    assert "Quelques questions sur internet chez vous" in home  # the link: something waits
    page = client.get("/moi/suivi")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Avez-vous internet à la maison ?" in html and 'action="/moi/suivi/m6"' in html
    assert "Autonomie" not in html  # the mediators' grade is not asked
    response = client.post("/moi/suivi/m6", data=FORM)
    assert response.status_code == 303
    answer = _answers(household)["m6"]
    assert answer.answered_on == date(2026, 7, 20) and answer.monthly_cost_cents == 990
    assert answer.device_list == ["smartphone", "tablet"] and answer.autonomy is None
    assert answer.recorded_by_role == "resident"
    assert answer.sessions_count == 0  # the system's figures are frozen as for staff
    assert "Quelques questions sur internet" not in client.get("/moi").get_data(as_text=True)
    after = client.get("/moi/suivi").get_data(as_text=True)
    assert "Pas de questions pour le moment." in after and "Vos réponses après 6 mois" in after
    assert _db.session.execute(_db.select(AuditEntry).where(
        AuditEntry.detail.like("impact m6 #%(resident)"))).scalars().first() is not None


@pytest.mark.clock(CLOCK)
def test_resident_form_errors_beside_the_field(client, resident):
    _user, household = resident()
    response = client.post("/moi/suivi/m6", data={**FORM, "monthly_cost": "beaucoup"})
    assert response.status_code == 400
    assert "Écrivez un nombre d&#39;euros" in response.get_data(as_text=True)
    response = client.post("/moi/suivi/m6", data={**FORM, "monthly_cost": ""})
    assert response.status_code == 400  # a connection needs its cost (the service's rule)
    assert "Indiquez le coût mensuel" in response.get_data(as_text=True)
    response = client.post("/moi/suivi/m6", data={**FORM, "devices": ["none", "tablet"]})
    assert response.status_code == 400 and "Aucun" in response.get_data(as_text=True)
    assert _answers(household) == {}


@pytest.mark.clock(CLOCK)
def test_resident_cannot_answer_another_stage_nor_overwrite_a_staff_answer(client, resident):
    _user, household = resident()
    assert client.post("/moi/suivi/m12", data=FORM).status_code == 409  # not open yet
    assert client.post("/moi/suivi/t0", data=FORM).status_code == 409  # staff's, at subscription
    assert client.post("/moi/suivi/zz", data=FORM).status_code == 400
    record(household, "m6", answered_on="2026-07-15", autonomy="partially")
    _db.session.commit()
    response = client.post("/moi/suivi/m6", data=FORM)
    assert response.status_code == 409
    assert "déjà répondu" in response.get_data(as_text=True)
    assert _answers(household)["m6"].monthly_cost_cents == 3000  # the staff's answer stays


@pytest.mark.clock(CLOCK)
def test_resident_may_correct_their_own_answer_and_keeps_a_mediator_grade(client, resident):
    _user, household = resident()
    assert client.post("/moi/suivi/m6", data=FORM).status_code == 303
    _answers(household)["m6"].autonomy = "autonomous"  # a mediator completed it
    _db.session.commit()
    assert client.post("/moi/suivi/m6", data={**FORM, "monthly_cost": "12"}).status_code == 303
    answer = _answers(household)["m6"]
    assert answer.monthly_cost_cents == 1200 and answer.autonomy == "autonomous"
    assert answer.updated_at is not None


@pytest.mark.clock(CLOCK)
def test_moved_out_resident_has_no_follow_up_page(client, resident):
    _user, household = resident()
    household.moved_out_on = date(2026, 7, 1)
    _db.session.commit()
    assert client.get("/moi/suivi").status_code == 404
    assert client.post("/moi/suivi/m6", data=FORM).status_code == 404


@pytest.mark.clock(CLOCK)
def test_api_pending_answer_and_errors(client, resident_token):
    household, headers = resident_token()
    body = client.get("/api/v1/me/impact", headers=headers).get_json()
    assert body["pending"] == "m6" and body["due_on"] == "2026-07-10" and body["items"] == []
    answer = {"home_connection": False, "devices": ["basic_phone"]}
    response = client.post("/api/v1/me/impact/m6", json=answer, headers=headers)
    assert response.status_code == 201
    assert response.get_json()["home_connection"] is False
    assert client.post("/api/v1/me/impact/m6", json=answer, headers=headers).status_code == 200
    body = client.get("/api/v1/me/impact", headers=headers).get_json()
    assert body["pending"] is None and body["items"][0]["stage"] == "m6"
    bad = client.post("/api/v1/me/impact/m6", json={**answer, "autonomy": "autonomous"},
                      headers=headers)
    assert bad.status_code == 400 and bad.get_json()["field"] == "autonomy"
    bad = client.post("/api/v1/me/impact/m6", json={**answer, "monthly_cost_cents": 500},
                      headers=headers)
    assert bad.status_code == 422 and bad.get_json()["field"] == "monthly_cost_cents"
    bad = client.post("/api/v1/me/impact/m6", json={"home_connection": "yes",
                                                     "devices": ["tv"]}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["field"] == "home_connection"
    assert client.post("/api/v1/me/impact/m12", json=answer,
                       headers=headers).status_code == 409
    assert _answers(household)["m6"].home_connection is False


def test_staff_cannot_use_the_resident_routes(client, login_as, api_as):
    login_as("operator")
    assert client.get("/moi/suivi").status_code == 403
    _user, headers = api_as("analyst")
    assert client.get("/api/v1/me/impact", headers=headers).status_code == 403
