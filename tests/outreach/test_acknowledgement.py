"""The acknowledgement e-mail to the requester (when they gave an e-mail), through the e-mail
stand-in of the residents' space: the outbox without SMTP, the SMTP server when set."""

from __future__ import annotations

from sqlalchemy import select

from isp.extensions import db
from outreach.models import ServiceRequest
from residents import mail
from tests.outreach.conftest import valid_request


def _sent_to(address: str) -> list[tuple[str, str, str]]:
    return [item for item in mail.OUTBOX if item[0] == address]


def _request() -> ServiceRequest:
    return db.session.execute(select(ServiceRequest)).scalar_one()


def test_form_request_with_an_email_is_acknowledged_by_email(client, districts):
    response = client.post("/demande", data=valid_request(contact_email="ack1@example.org"))
    assert response.status_code == 303
    item = _request()
    [(_to, subject, text)] = _sent_to("ack1@example.org")
    assert item.reference in subject and item.reference in text
    assert "12 boulevard de la Prairie-au-Duc, 44200 Nantes" in text
    assert [e.kind for e in item.events] == ["created", "acknowledged"]
    assert item.events[-1].to_value == "sent"
    assert "ack1@example.org" not in (item.events[-1].actor_email or "")


def test_the_queue_shows_whether_the_acknowledgement_left(client, login_as, districts):
    client.post("/demande", data=valid_request(contact_email="ack5@example.org"))
    login_as("operator")
    html = client.get(f"/demandes/{_request().reference}").get_data(as_text=True)
    assert "accusé de réception envoyé par e-mail" in html


def test_a_supporter_is_acknowledged_but_their_email_not_kept(client, districts):
    client.post("/demande", data=valid_request(contact_email="first@example.org"))
    response = client.post("/demande", data=valid_request(contact_email="ack2@example.org",
                                                          requester_kind="landlord"))
    assert "support=1" in response.headers["Location"]
    [(_to, _subject, text)] = _sent_to("ack2@example.org")
    assert "la vôtre la soutient" in text
    item = _request()
    assert item.contact_email == "first@example.org" and item.supporters == 1
    assert "ack2@example.org" not in str([(e.from_value, e.to_value, e.actor_email)
                                          for e in item.events])


def test_no_email_without_an_address_nor_for_a_honeypot(client, districts):
    before = len(mail.OUTBOX)
    client.post("/demande", data=valid_request(contact_email="", contact_phone="0240000000"))
    assert len(mail.OUTBOX) == before
    assert [e.kind for e in _request().events] == ["created"]
    client.post("/demande", data=valid_request(street="3 rue du Robot",
                                               contact_email="bot@example.org",
                                               website="http://spam.example"))
    assert _sent_to("bot@example.org") == []


def test_the_api_acknowledges_too_in_english_when_asked(client, districts):
    body = valid_request(contact_email="ack3@example.org", flats=12, consent=True)
    response = client.post("/api/v1/requests", json=body, headers={"Accept-Language": "en"})
    assert response.status_code == 201
    [(_to, subject, text)] = _sent_to("ack3@example.org")
    assert subject == f"Your request {response.get_json()['reference']} is received"
    assert text.startswith("Hello,")


def test_an_unreachable_smtp_server_keeps_the_request_and_says_so(app, client, districts):
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"  # nothing listens there: refused at once
    try:
        response = client.post("/demande", data=valid_request(contact_email="ack4@example.org"))
    finally:
        app.config["SMTP_URL"] = None
    assert response.status_code == 303
    item = _request()
    assert item.status == "new" and item.events[-1].kind == "acknowledged"
    assert item.events[-1].to_value == "not_sent"
