"""Operators process the residents' SEPA direct-debit requests (issue 20): a list with
statuses, the household's billing mandate, actions on the page and in the API, audited."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from isp.extensions import db as _db
from isp.models import AuditEntry
from residents import mandates
from residents.models_mandates import SepaRequest
from tests import factories


def _request(note=None):
    household = factories.make_household()
    resident = factories.make_user("operator")  # who asked does not matter to the list
    row = mandates.request_sepa(household.id, actor=resident, note=note)
    _db.session.commit()
    return row


def _billing_mandate(household_id, reference=None):
    from billing.exports import record_mandate
    from subscribers.models import Household

    record_mandate(_db.session.get(Household, household_id), actor=None,
                   iban="FR7630006000011234567890189", account_holder="Rose Martin",
                   reference=reference or f"MDT-{factories.n()}", signed_on=date(2026, 12, 1))
    _db.session.commit()


def _audit(household_id):
    return _db.session.execute(select(AuditEntry).where(
        AuditEntry.record_type == "household", AuditEntry.record_id == str(household_id),
        AuditEntry.detail.like("sepa_request%")).order_by(AuditEntry.id)).scalars().all()


def test_the_list_shows_requests_to_do_and_hides_closed_ones(client, login_as):
    waiting = _request(note="le matin de préférence")
    done = _request()
    done.status, done.handled_at = "cancelled", done.requested_at
    _db.session.commit()
    login_as("operator")

    html = client.get("/sepa-requests").get_data(as_text=True)
    assert waiting.household.holder_name in html and "le matin de préférence" in html
    assert done.household.holder_name not in html
    closed = client.get("/sepa-requests?status=cancelled").get_data(as_text=True)
    assert done.household.holder_name in closed and waiting.household.holder_name not in closed
    assert "<script" not in html and len(html.encode()) < 30 * 1024
    reads = _db.session.execute(select(AuditEntry.detail).where(
        AuditEntry.record_type == "household_list",
        AuditEntry.detail.like("sepa requests%")).order_by(AuditEntry.id)).scalars().all()
    assert reads[-2:] == ["sepa requests todo", "sepa requests cancelled"]


def test_an_unknown_filter_is_said_not_a_500(client, login_as):
    login_as("operator")
    response = client.get("/sepa-requests?status=nope")
    assert response.status_code == 400 and "Filtre inconnu" in response.get_data(as_text=True)


def test_signed_needs_billings_mandate_then_closes_and_is_audited(client, login_as):
    row = _request()
    login_as("operator")
    prefix = f"r{row.id}-"

    refused = client.post(f"/sepa-requests/{row.id}", data={prefix + "status": "signed"})
    assert refused.status_code == 400
    assert "Aucun mandat SEPA en cours" in refused.get_data(as_text=True)
    assert _db.session.get(SepaRequest, row.id).status == "open"

    _billing_mandate(row.household_id)
    done = client.post(f"/sepa-requests/{row.id}", data={prefix + "status": "signed"})
    assert done.status_code == 303
    _db.session.expire_all()
    closed = _db.session.get(SepaRequest, row.id)
    assert closed.status == "signed" and closed.handled_at is not None
    assert [entry.detail for entry in _audit(row.household_id)] == [
        f"sepa_request {row.id}: signed"]
    # Closed is final: a second operator's click is told so.
    again = client.post(f"/sepa-requests/{row.id}", data={prefix + "status": "contacted"})
    assert again.status_code == 409


def test_cancelling_needs_a_reason_beside_the_field(client, login_as):
    row = _request()
    login_as("operator")
    prefix = f"r{row.id}-"
    refused = client.post(f"/sepa-requests/{row.id}", data={prefix + "status": "cancelled"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert f'id="{prefix}note-err"' in html and "pourquoi" in html
    ok = client.post(f"/sepa-requests/{row.id}", data={prefix + "status": "cancelled",
                                                       prefix + "note": "pas de compte"})
    assert ok.status_code == 303
    _db.session.expire_all()
    assert _db.session.get(SepaRequest, row.id).staff_note == "pas de compte"


def test_after_a_cancellation_the_resident_may_ask_again(db):
    row = _request()
    operator = factories.make_user("operator")
    from residents import sepa

    sepa.change_status(row.id, "cancelled", actor=operator, note="a changé d'avis")
    again = mandates.request_sepa(row.household_id, actor=operator)
    assert again.id != row.id and again.status == "open"


def test_the_api_lists_and_moves_requests_with_the_same_checks(client, api_as):
    row = _request()
    _user, headers = api_as("operator")
    _db.session.commit()

    listed = client.get("/api/v1/sepa-requests", headers=headers).get_json()
    assert row.id in [item["id"] for item in listed["items"]]
    assert {"items", "total", "total_exact", "page", "per_page"} <= set(listed)

    url = f"/api/v1/sepa-requests/{row.id}/status"
    bad = client.post(url, json={"status": "signed"}, headers=headers)
    assert bad.status_code == 409 and bad.get_json()["field"] == "status"
    assert client.post(url, json={"status": "lost"}, headers=headers).status_code == 422
    assert client.post(url, json={"status": "cancelled"}, headers=headers).status_code == 422
    assert client.post(url, json={"status": "contacted", "x": 1},
                       headers=headers).status_code == 400
    assert client.get("/api/v1/sepa-requests?status=nope", headers=headers).status_code == 400
    assert client.post("/api/v1/sepa-requests/2147483647/status", json={"status": "contacted"},
                       headers=headers).status_code == 404

    moved = client.post(url, json={"status": "contacted", "note": "rappel lundi"},
                        headers=headers)
    assert moved.status_code == 200
    assert moved.get_json()["status"] == "contacted"
    assert moved.get_json()["billing_mandate"] is None
    _billing_mandate(row.household_id, reference="MDT-API-1")
    signed = client.post(url, json={"status": "signed"}, headers=headers).get_json()
    assert signed["status"] == "signed" and signed["billing_mandate"]["reference"] == "MDT-API-1"
    assert [e.detail for e in _audit(row.household_id)] == [
        f"sepa_request {row.id}: contacted", f"sepa_request {row.id}: signed"]


def test_the_residents_page_says_the_household_was_contacted(client, login_resident):
    from tests.residents.space_helpers import resident_household, sign_in

    household = resident_household()
    sign_in(login_resident, household)
    client.post("/moi/factures/prelevement", data={})
    row = _db.session.execute(select(SepaRequest).where(
        SepaRequest.household_id == household.id)).scalar_one()
    from residents import sepa

    sepa.change_status(row.id, "contacted", actor=factories.make_user("operator"))
    _db.session.commit()
    assert "Nous vous avons appelé" in client.get("/moi/factures").get_data(as_text=True)


def test_a_household_paying_by_direct_debit_is_told_so_and_cannot_ask_again(
        client, login_resident, api_resident):
    from tests.residents.space_helpers import resident_household, sign_in

    household = resident_household()
    _billing_mandate(household.id)
    sign_in(login_resident, household)
    html = client.get("/moi/factures").get_data(as_text=True)
    assert "Vous payez par prélèvement." in html
    assert "Je veux payer par prélèvement" not in html
    assert client.post("/moi/factures/prelevement", data={}).status_code == 303
    assert _db.session.execute(select(SepaRequest).where(
        SepaRequest.household_id == household.id)).first() is None
    _user, _household, headers = api_resident(household)
    refused = client.post("/api/v1/me/sepa-requests", json={}, headers=headers)
    assert refused.status_code == 409
