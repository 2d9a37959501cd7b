"""Bad input gets a 400/422 naming the field and the reason, never a 500 (issue 19, item 13).

Every case runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL, where an integer beyond
int4, a NUL or a lone surrogate used to fail inside the database.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from isp.csvimport import ImportRejected, run_import
from tests import factories

pytestmark = pytest.mark.clock("2026-12-04T10:00:00+01:00")

LONG_NAME = "N" * 121
LONG_PHONE = "0" * 31


@pytest.fixture
def operator_api(api_as):
    _user, headers = api_as("operator")
    return headers


@pytest.fixture
def household(db):
    return factories.make_household(unit=factories.make_unit("BAD-U1"))


def _household_body(**changes) -> dict:
    return {"unit_code": "BAD-FREE", "holder_name": "Awa Diop", **changes}


HOUSEHOLD_CASES = [
    ("holder_name over 120", {"holder_name": LONG_NAME}, "holder_name"),
    ("phone over 30", {"phone": LONG_PHONE}, "phone"),
    ("language xx", {"language": "xx"}, "language"),
    ("free-form needs", {"needs": ["je voudrais apprendre"]}, "needs"),
    ("moved in year 1", {"moved_in_on": "0001-01-01"}, "moved_in_on"),
    ("moved in year 9999", {"moved_in_on": "9999-12-31"}, "moved_in_on"),
    ("size beyond int4", {"size": 99999999999}, "size"),
]


@pytest.mark.parametrize(("changes", "field"), [c[1:] for c in HOUSEHOLD_CASES],
                         ids=[c[0] for c in HOUSEHOLD_CASES])
def test_household_api_names_the_bad_field(client, db, operator_api, changes, field):
    from subscribers.models import Household

    factories.make_unit("BAD-FREE")
    response = client.post("/api/v1/households", json=_household_body(**changes),
                           headers=operator_api)
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    assert response.get_json()["field"] == field
    assert response.get_json()["error"]
    assert db.session.execute(select(func.count(Household.id))).scalar_one() == 0


def test_household_api_accepts_the_bounds(client, db, operator_api):
    factories.make_unit("BAD-FREE")
    response = client.post("/api/v1/households", json=_household_body(
        holder_name="N" * 120, phone="0" * 30, language="ar", needs=["email"],
        moved_in_on="2026-12-01"), headers=operator_api)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["needs"] == ["email"]


PAYMENT_CASES = [
    ("amount beyond int4", {"amount_cents": 2147483648}, "amount_cents"),
    ("amount at int4 max", {"amount_cents": 2147483647}, "amount_cents"),
    ("amount over 100,000 euros", {"amount_cents": 10_000_001}, "amount_cents"),
    ("household id beyond int4", {"household_id": 99999999999}, "household_id"),
    ("received in year 1", {"received_on": "0001-01-01"}, "received_on"),
    ("reference too long", {"reference": "R" * 81}, "reference"),
]


@pytest.mark.parametrize(("changes", "field"), [c[1:] for c in PAYMENT_CASES],
                         ids=[c[0] for c in PAYMENT_CASES])
def test_payment_api_names_the_bad_field(client, db, operator_api, household, changes, field):
    from billing.models import Payment

    body = {"household_id": household.id, "amount_cents": 1000, "method": "cash",
            "received_on": "2026-12-01", **changes}
    response = client.post("/api/v1/payments", json=body, headers=operator_api)
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    assert response.get_json()["field"] == field
    assert db.session.execute(select(func.count(Payment.id))).scalar_one() == 0


def test_payment_of_100000_euros_is_the_largest_accepted(client, db, operator_api, household):
    response = client.post("/api/v1/payments", json={
        "household_id": household.id, "amount_cents": 10_000_000, "method": "transfer",
        "received_on": "2026-12-01", "confirm_overpayment": True}, headers=operator_api)
    assert response.status_code == 201, response.get_data(as_text=True)


def test_json_with_a_lone_surrogate_is_refused_with_its_field(client, db, operator_api):
    factories.make_unit("BAD-FREE")
    response = client.post("/api/v1/households", headers=operator_api | {
        "Content-Type": "application/json"},
        data=b'{"unit_code": "BAD-FREE", "holder_name": "A\\ud800"}')
    assert response.status_code == 400
    assert response.get_json()["field"] == "holder_name"


def test_multipart_form_with_a_nul_is_refused(client, db, login_as):
    login_as("operator")
    db.session.commit()  # the refusal rolls back the request's work, not the login
    response = client.post("/imports", content_type="multipart/form-data", data={
        "kind": "households\x00", "file": (io.BytesIO(b"unit_code,holder_name\n"), "h.csv")})
    assert response.status_code == 400
    assert "kind" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/tickets?assignee=99999999999999999999",
                                  "/api/v1/tickets?assignee=99999999999999999999"])
def test_ticket_filter_by_a_huge_assignee_is_a_400(client, db, login_as, api_as, path):
    headers = {}
    if path.startswith("/api"):
        headers = api_as("operator")[1]
    else:
        login_as("operator")
        db.session.commit()
    response = client.get(path, headers=headers)
    assert response.status_code == 400
    if path.startswith("/api"):
        assert response.get_json()["field"] == "assignee"


@pytest.mark.parametrize("path", ["/evaluation/scenarios/compare?ids=99999999999999999999",
                                  "/evaluation/scenarios/export.csv?ids=99999999999999999999"])
def test_scenario_comparison_of_a_huge_id_is_a_400(client, db, login_as, path):
    login_as("analyst")
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 400
    assert "ids" in response.get_data(as_text=True)


def test_planning_of_year_9999_is_a_400(client, db, login_as):
    association = factories.make_association()
    login_as("mediator", association=association)
    db.session.commit()
    response = client.get(f"/mediation/planning?association={association.code}"
                          "&week=9999-12-31")
    assert response.status_code == 400


def test_language_switch_refuses_a_line_break_in_next(client, db):
    response = client.get("/lang/fr?next=/%0d%0ax")
    assert response.status_code == 400
    assert "\r" not in response.headers.get("Location", "")


def test_ticket_texts_are_capped_like_the_form(client, db, operator_api, household):
    for body, field in (({"subject": "S" * 201}, "subject"),
                        ({"subject": "Panne", "description": "D" * 1_000_000}, "description")):
        response = client.post("/api/v1/tickets", json={
            "category": "no_connection", "source": "phone", "household_id": household.id,
            **body}, headers=operator_api)
        assert response.status_code == 422, response.get_data(as_text=True)
        assert response.get_json()["field"] == field


def test_ticket_comment_is_capped_at_5000(client, db, operator_api, household):
    from support.tickets import open_ticket

    operator = factories.make_user("operator")
    ticket = open_ticket(actor=operator, subject="Panne", category="no_connection",
                         source="phone", household_id=household.id)
    response = client.post(f"/api/v1/tickets/{ticket.number}/comments",
                           json={"body": "C" * 5001}, headers=operator_api)
    assert response.status_code == 422
    assert response.get_json()["field"] == "body"


def test_association_website_must_be_http(db):
    from isp.errors import DomainError
    from mediation.associations import save_association

    district = factories.make_district()
    with pytest.raises(DomainError) as raised:
        save_association(None, code="A-JS", name="Asso", districts=[district.code],
                         languages=["fr"], website="javascript:alert(1)")
    assert raised.value.field == "website"


def test_association_form_refuses_a_javascript_website(client, db, login_as):
    from mediation.models import Association

    district = factories.make_district()
    login_as("operator")
    client.get("/associations/new")
    response = client.post("/associations/new", data={
        "code": "A-JS", "name": "Asso", "districts": [district.code], "languages": ["fr"],
        "capacity_per_month": "20", "website": "javascript:alert(1)"})
    assert response.status_code == 400
    assert db.session.execute(select(Association).where(Association.code == "A-JS")
                              ).scalar_one_or_none() is None


def test_request_size_is_limited(client, db, operator_api, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/api/v1/households", headers=operator_api | {
        "Content-Type": "application/json"}, data=b" " * (limit + 1))
    assert response.status_code == 413
    assert response.get_json()["error"]


# --- imports: line, column, reason ------------------------------------------------------------

def _rejected(kind: str, data: bytes) -> list:
    operator = factories.make_user("operator")
    with pytest.raises(ImportRejected) as raised:
        run_import(kind, data, actor=operator, decided_by=operator)
    return [(e.line, e.column) for e in raised.value.errors]


HOUSEHOLD_IMPORT_CASES = [
    ("121-character name", f"BAD-I1,{LONG_NAME},,fr", "holder_name"),
    ("31-character phone", f"BAD-I1,Awa,{LONG_PHONE},fr", "phone"),
    ("NUL in a cell", "BAD-I1,A\x00wa,,fr", "holder_name"),
    ("language xx", "BAD-I1,Awa,,xx", "language"),
]


@pytest.mark.parametrize(("row", "column"), [c[1:] for c in HOUSEHOLD_IMPORT_CASES],
                         ids=[c[0] for c in HOUSEHOLD_IMPORT_CASES])
def test_household_import_reports_line_and_column(db, row, column):
    factories.make_unit("BAD-I0")
    factories.make_unit("BAD-I1")
    data = f"unit_code,holder_name,phone,language\nBAD-I0,Good,,fr\n{row}\n".encode()
    assert _rejected("households", data) == [(3, column)]


@pytest.mark.parametrize("moved_in_on", ["9999-12-31", "0001-01-01"])
def test_household_import_refuses_dates_out_of_bounds(db, moved_in_on):
    factories.make_unit("BAD-I1")
    data = f"unit_code,holder_name,moved_in_on\nBAD-I1,Awa,{moved_in_on}\n".encode()
    assert _rejected("households", data) == [(2, "moved_in_on")]


def test_payment_import_refuses_30_million_euros(db):
    household = factories.make_household(unit=factories.make_unit("BAD-P1"))
    assert household.id
    data = b"unit_code,amount,received_on,method\nBAD-P1,30000000.00,2026-12-01,cash\n"
    assert _rejected("payments", data) == [(2, "amount")]


def test_invalid_utf8_is_reported_at_its_real_line(db):
    factories.make_unit("BAD-I0")
    data = b"unit_code,holder_name\nBAD-I0,Good\nBAD-I0,Bad \xff name\n"
    assert _rejected("households", data) == [(3, None)]


def test_household_form_shows_the_shared_rule_beside_the_field(client, db, login_as):
    from subscribers.models import Household

    factories.make_unit("BAD-F1")
    login_as("operator")
    db.session.commit()
    response = client.post("/households/new", data={
        "unit_code": "BAD-F1", "holder_name": "Awa", "language": "fr",
        "moved_in_on": "9999-12-31", "needs": "je voudrais apprendre"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "1900-01-01" in page  # the date's bounds
    assert "code inconnu je voudrais apprendre" in page  # the needs' vocabulary
    assert db.session.execute(select(func.count(Household.id))).scalar_one() == 0


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/assignments", {"household_id": 2**31, "association_code": "A"}, "household_id"),
    ("/api/v1/tickets", {"subject": "Panne", "category": "slow", "source": "phone",
                         "household_id": 2**31}, "household_id"),
])
def test_ids_beyond_the_database_integer_are_refused(client, db, operator_api, path, body,
                                                     field):
    response = client.post(path, json=body, headers=operator_api)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["field"] == field
