"""Public requests: form, honeypot, throttle, duplicates, the queue's statuses, the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from isp.extensions import db
from isp.models import AuditEntry
from isp.timeutil import utcnow
from outreach import demand, retention, services
from outreach.models import ServiceRequest
from tests.outreach.conftest import valid_request


def _count() -> int:
    return db.session.execute(select(func.count(ServiceRequest.id))).scalar_one()


def test_public_form_is_served_without_login(client, districts):
    page = client.get("/demande")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Je ne sais pas" in html and "Nord" in html
    assert "<script" not in html


def test_form_submission_stores_and_acknowledges_with_a_reference(client, districts):
    response = client.post("/demande", data=valid_request(district_code="TST-NORD"))
    assert response.status_code == 303
    ack = client.get(response.headers["Location"])
    assert ack.status_code == 200
    item = db.session.execute(select(ServiceRequest)).scalar_one()
    assert item.reference in ack.get_data(as_text=True)
    assert item.district.code == "TST-NORD" and item.status == "new" and item.flats == 40
    assert item.consent_at is not None and item.events[0].kind == "created"


def test_honeypot_is_accepted_silently_and_not_stored(client, districts):
    response = client.post("/demande", data=valid_request(website="http://spam.example"))
    assert response.status_code == 303
    ack = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "DS-" in ack and "Merci" in ack
    assert _count() == 0


def test_bad_input_is_shown_beside_each_field(client, districts):
    response = client.post("/demande", data=valid_request(postcode="44", flats="0",
                                                          contact_email="", consent=""))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="postcode-err"' in html and 'id="flats-err"' in html
    assert 'id="contact_email-err"' in html and 'id="consent-err"' in html
    assert _count() == 0


def test_unknown_district_is_refused(db, districts):
    from isp.errors import DomainError

    with pytest.raises(DomainError) as caught:
        services.submit_request(valid_request(district_code="NOPE"), client_address="10.0.0.1")
    assert caught.value.field == "district_code"


def test_duplicate_address_counts_as_support_not_a_new_row(client, districts):
    client.post("/demande", data=valid_request(street="12 bd de la Prairie au Duc"))
    second = client.post("/demande", data=valid_request(
        street="12, Boulevard Prairie-au-Duc", requester_kind="landlord",
        contact_email="bailleur@example.org", district_code="TST-SUD"))
    ack = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "soutien" in ack
    item = db.session.execute(select(ServiceRequest)).scalar_one()
    assert item.supporters == 1 and item.reference in ack
    assert item.contact_email == "awa@example.org"  # the supporter's contact is not kept
    assert item.district.code == "TST-SUD"  # an unknown district learnt from the support
    # Each submitter gave an e-mail: each got an acknowledgement (tests/outreach/
    # test_acknowledgement.py), written in the history without the address.
    assert [e.kind for e in item.events] == ["created", "acknowledged", "supported",
                                             "acknowledged"]


def test_address_key_ignores_case_accents_and_abbreviations():
    assert services.address_key("12 bd de l'Égalité", "44000") == \
        services.address_key("12, BOULEVARD EGALITE", "44000")
    assert services.address_key("12 rue A", "44000") != services.address_key("14 rue A",
                                                                              "44000")


def test_refused_request_does_not_absorb_a_new_one(db, districts):
    from tests import factories

    first = services.submit_request(valid_request(), client_address="10.0.0.2").request
    services.change_status(first, "refused", actor=factories.make_user("operator"),
                           reason="immeuble déjà fibré")
    again = services.submit_request(valid_request(), client_address="10.0.0.2")
    assert again.kind == "created" and again.request.id != first.id


def test_rate_limit_per_client_address(client, districts):
    for number in range(services.PUBLIC_REQUESTS.free):
        assert client.post("/demande", data=valid_request(
            street=f"{number + 1} rue du Test")).status_code == 303
    refused = client.post("/demande", data=valid_request(street="99 rue du Test"))
    assert refused.status_code == 429
    assert _count() == services.PUBLIC_REQUESTS.free
    # another address is not slowed down
    other = services.submit_request(valid_request(street="100 rue du Test"),
                                    client_address="192.0.2.7")
    assert other.kind == "created"


def test_statuses_follow_the_queue_and_a_refusal_needs_a_reason(db, districts):
    from isp.errors import DomainError
    from tests import factories

    operator = factories.make_user("operator")
    item = services.submit_request(valid_request(), client_address="10.0.0.3").request
    with pytest.raises(DomainError) as jump:
        services.change_status(item, "planned", actor=operator)
    assert jump.value.status == 409
    with pytest.raises(DomainError) as no_reason:
        services.change_status(item, "refused", actor=operator, reason="  ")
    assert no_reason.value.field == "reason"
    services.change_status(item, "studied", actor=operator)
    services.change_status(item, "planned", actor=operator)
    services.change_status(item, "planned", actor=operator)  # the same again: nothing
    moves = [(e.from_value, e.to_value, e.actor_email) for e in item.events if e.kind == "status"]
    assert moves == [("new", "studied", operator.email), ("studied", "planned", operator.email)]


def test_queue_page_filters_and_detail_is_audited(client, login_as, districts):
    services.submit_request(valid_request(district_code="TST-NORD"), client_address="10.0.0.4")
    services.submit_request(valid_request(street="3 rue Autre"), client_address="10.0.0.4")
    login_as("operator")
    page = client.get("/demandes?district=TST-NORD").get_data(as_text=True)
    assert "Prairie" in page and "rue Autre" not in page
    page = client.get("/demandes?district=none").get_data(as_text=True)
    assert "rue Autre" in page and "Prairie" not in page
    # Statements built once per set of filters: each request's values and words.
    page = client.get("/demandes?district=TST-SUD").get_data(as_text=True)
    assert "Prairie" not in page and "rue Autre" not in page
    page = client.get("/demandes?q=autre").get_data(as_text=True)
    assert "rue Autre" in page and "Prairie" not in page
    page = client.get("/demandes").get_data(as_text=True)
    assert "rue Autre" in page and "Prairie" in page
    reference = db.session.execute(select(ServiceRequest.reference).where(
        ServiceRequest.street == "3 rue Autre")).scalar_one()
    detail = client.get(f"/demandes/{reference}")
    assert "awa@example.org" in detail.get_data(as_text=True)
    assert db.session.execute(select(AuditEntry).where(
        AuditEntry.record_type == "service_request", AuditEntry.record_id == reference,
        AuditEntry.action == "view")).scalar_one()
    refused = client.post(f"/demandes/{reference}/status", data={"status": "refused"})
    assert refused.status_code == 400 and "motif" in refused.get_data(as_text=True).lower()
    done = client.post(f"/demandes/{reference}/status",
                       data={"status": "refused", "reason": "hors métropole"})
    assert done.status_code == 303
    assert services.get_request(reference).refusal_reason == "hors métropole"


def test_api_public_post_list_get_patch(client, api_as, districts):
    created = client.post("/api/v1/requests", json={
        "requester_kind": "association", "requester_name": "Asso", "street": "1 place X",
        "postcode": "44300", "commune": "Nantes", "flats": 12, "contact_phone": "02 40 00 00 00",
        "consent": True, "district_code": "TST-EST"})
    assert created.status_code == 201
    reference = created.get_json()["reference"]
    again = client.post("/api/v1/requests", json={
        "requester_kind": "resident", "requester_name": "B", "street": "1 Pl. X",
        "postcode": "44300", "commune": "Nantes", "flats": 12, "contact_email": "b@example.org",
        "consent": True})
    assert again.status_code == 200 and again.get_json() == {"reference": reference,
                                                             "outcome": "supported"}
    bad = client.post("/api/v1/requests", json={"requester_kind": "resident", "flats": "x"})
    assert bad.status_code == 422 and bad.get_json()["field"]
    unknown = client.post("/api/v1/requests", json={"nope": 1})
    assert unknown.status_code == 400
    _user, headers = api_as("operator")
    listing = client.get("/api/v1/requests?status=new", headers=headers).get_json()
    assert listing["total"] == 1 and "contact_phone" not in listing["items"][0]
    assert client.get("/api/v1/requests?status=bogus", headers=headers).status_code == 400
    one = client.get(f"/api/v1/requests/{reference}", headers=headers).get_json()
    assert one["contact_phone"] == "02 40 00 00 00" and one["supporters"] == 1
    patch = client.patch(f"/api/v1/requests/{reference}", headers=headers,
                         json={"status": "refused"})
    assert patch.status_code == 422 and patch.get_json()["field"] == "reason"
    patch = client.patch(f"/api/v1/requests/{reference}", headers=headers,
                         json={"status": "studied", "district_code": "TST-NORD"})
    assert patch.status_code == 200
    body = patch.get_json()
    assert body["status"] == "studied" and body["district_code"] == "TST-NORD"
    assert client.patch("/api/v1/requests/DS-999999", headers=headers,
                        json={"status": "studied"}).status_code == 404
    assert client.patch(f"/api/v1/requests/{reference}", headers=headers,
                        json={}).status_code == 400


def test_requests_by_district_counts_supports_and_skips_refused(db, districts):
    from tests import factories

    services.submit_request(valid_request(district_code="TST-NORD"), client_address="a")
    services.submit_request(valid_request(), client_address="b")  # support
    services.submit_request(valid_request(street="2 rue B", district_code="TST-NORD"),
                            client_address="c")
    refused = services.submit_request(valid_request(street="3 rue C", district_code="TST-SUD"),
                                      client_address="d").request
    services.change_status(refused, "refused", actor=factories.make_user("operator"),
                           reason="doublon")
    assert demand.requests_by_district() == {"TST-NORD": 3}
    assert demand.published(3) is None and demand.published(7) == 5 and demand.published(0) == 0


def test_retention_clears_the_contact_only(app, db, districts):
    from tests import factories

    item = services.submit_request(valid_request(district_code="TST-NORD"),
                                   client_address="e").request
    services.change_status(item, "refused", actor=factories.make_user("operator"),
                           reason="hors zone")
    assert retention.purge_request_contacts(now=utcnow() + timedelta(days=300)) == 0
    assert retention.purge_request_contacts(now=utcnow() + timedelta(days=400)) == 1
    assert item.contact_email is None and item.requester_name is None
    assert item.street and item.flats == 40 and item.contact_cleared_at is not None
    assert retention.purge_request_contacts(now=utcnow() + timedelta(days=500)) == 0
    open_one = services.submit_request(valid_request(street="5 rue D"),
                                       client_address="e").request
    assert retention.purge_request_contacts(now=utcnow() + timedelta(days=800)) == 1
    assert open_one.contact_email is None


def test_the_daily_purge_clears_expired_contacts(app, db, districts):
    from isp.gdpr import purge_expired

    services.submit_request(valid_request(), client_address="f")
    summary = purge_expired(now=utcnow() + timedelta(days=800))
    assert summary.request_contacts_cleared == 1
    assert "request contacts cleared 1" in str(summary)


def test_public_form_in_english(client, districts):
    client.get("/lang/en")
    html = client.get("/demande").get_data(as_text=True)
    assert "Send the request" in html and "I don't know" in html
    refused = client.post("/demande", data=valid_request(postcode="4")).get_data(as_text=True)
    assert "The postcode has 5 digits." in refused


def test_api_honeypot_and_json_types(client, districts):
    body = {"requester_kind": "resident", "requester_name": "Bot", "street": "1 rue Spam",
            "postcode": "44000", "commune": "Nantes", "flats": 3, "contact_email": "b@ex.org",
            "consent": True, "website": "http://spam.example"}
    answer = client.post("/api/v1/requests", json=body)
    assert answer.status_code == 201 and answer.get_json()["reference"].startswith("DS-")
    assert _count() == 0
    typed = client.post("/api/v1/requests", json=body | {"website": None, "flats": "3"})
    assert typed.status_code == 422 and typed.get_json()["field"] == "flats"
    typed = client.post("/api/v1/requests", json=body | {"website": None, "consent": "yes"})
    assert typed.status_code == 422 and typed.get_json()["field"] == "consent"
    assert _count() == 0
