"""Mandates: a mediator acts for a resident only under the resident's mandate (issue 20)."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from isp.errors import DomainError, NotFoundError
from isp.models import AuditEntry
from isp.timeutil import today
from residents import mandates
from tests import factories


def _setup():
    association = factories.make_association()
    mediator = factories.make_user("mediator", association=association, name="Amina Diallo")
    household = factories.make_household(association=association, holder_name="Rose Martin")
    return association, mediator, household


def _in_person(household, mediator, scopes=("invoices", "bookings")):
    mandate, _code = mandates.create_mandate(
        household.id, actor=mediator, scopes=list(scopes),
        ends_on=today() + timedelta(days=90), consent_method="in_person",
        consent_reference="F-2026-001")
    return mandate


def test_an_in_person_mandate_is_active_and_audited_with_both_names(db):
    _association, mediator, household = _setup()

    mandate = _in_person(household, mediator)

    assert mandate.status == "active" and mandate.scope_list == ["invoices", "bookings"]
    # The audit is append-only: entries other tests committed may name the same id.
    entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.record_type == "household", AuditEntry.record_id == str(household.id),
        AuditEntry.action == "create").order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    assert "Amina Diallo" in entry.detail and "Rose Martin" in entry.detail


@pytest.mark.parametrize(("fields", "field"), [
    ({"scopes": []}, "scopes"),
    ({"scopes": ["payments"]}, "scopes"),
    ({"ends_on": None}, "ends_on"),
    ({"ends_on": "far"}, "ends_on"),
    ({"consent_method": "phone"}, "consent_method"),
    ({"consent_reference": " "}, "consent_reference"),
])
def test_bad_mandates_are_refused_beside_the_field(db, fields, field):
    _association, mediator, household = _setup()
    values = {"scopes": ["invoices"], "ends_on": today() + timedelta(days=30),
              "consent_method": "in_person", "consent_reference": "F-1"}
    values.update(fields)
    if values["ends_on"] == "far":
        values["ends_on"] = mandates.latest_end(today()) + timedelta(days=1)
    with pytest.raises(DomainError) as error:
        mandates.create_mandate(household.id, actor=mediator, **values)
    assert error.value.field == field


def test_twelve_months_at_most():
    assert mandates.latest_end(date(2026, 12, 6)) == date(2027, 12, 5)
    assert mandates.latest_end(date(2028, 2, 29)) == date(2029, 2, 27)


def test_another_association_cannot_take_a_mandate(db):
    _association, _mediator, household = _setup()
    stranger = factories.make_user("mediator", association=factories.make_association())
    with pytest.raises(NotFoundError):
        _in_person(household, stranger)


def test_the_mandate_covers_only_its_actions_and_only_its_mediator(db):
    association, mediator, household = _setup()
    colleague = factories.make_user("mediator", association=association)
    mandate = _in_person(household, mediator, scopes=("invoices",))

    assert mandates.require(mandate.id, "invoices", actor=mediator) is mandate
    with pytest.raises(DomainError, match="ne couvre pas"):
        mandates.require(mandate.id, "tickets", actor=mediator)
    with pytest.raises(NotFoundError):
        mandates.require(mandate.id, "invoices", actor=colleague)


def test_the_end_of_the_follow_up_ends_the_mandate_at_use(db):
    from mediation.assignments import current_assignment, end_assignment

    _association, mediator, household = _setup()
    mandate = _in_person(household, mediator)
    end_assignment(current_assignment(household.id), actor=None, reason="test")

    with pytest.raises(DomainError, match="plus valable"):
        mandates.require(mandate.id, "invoices", actor=mediator)
    assert (mandate.status, mandate.end_reason) == ("ended", "assignment_ended")


def test_the_move_out_ends_the_mandates(db):
    from isp.signals import household_moved_out

    _association, mediator, household = _setup()
    mandate = _in_person(household, mediator)
    household_moved_out.send(household, moved_out_on=today(), actor=None)
    assert (mandate.status, mandate.end_reason) == ("ended", "moved_out")


def test_consent_by_code_waits_for_the_right_code(db):
    _association, mediator, household = _setup()
    sent = []
    mandate, code = mandates.create_mandate(
        household.id, actor=mediator, scopes=["tickets"], ends_on=today() + timedelta(days=10),
        consent_method="code",
        send_code=lambda hh, text: sent.append((hh.id, text)) or SimpleNamespace(ok=True))
    assert mandate.status == "pending" and code in sent[0][1]
    with pytest.raises(DomainError, match="ne correspond pas"):
        mandates.confirm_code(mandate, "000000" if code != "000000" else "111111",
                              actor=mediator)
    mandates.confirm_code(mandate, code, actor=mediator)
    assert mandate.status == "active" and mandate.consent_code_hash is None


def test_without_a_gateway_consent_by_code_is_refused(db):
    _association, mediator, household = _setup()
    with pytest.raises(DomainError) as error:
        mandates.create_mandate(household.id, actor=mediator, scopes=["tickets"],
                                ends_on=today(), consent_method="code")
    assert error.value.field == "consent_method"


def test_the_resident_ends_a_mandate(db):
    _association, mediator, household = _setup()
    mandate = _in_person(household, mediator)
    mandates.end_mandate(mandate, actor=mediator, reason="resident")
    assert mandate.status == "ended"
    with pytest.raises(DomainError):
        mandates.end_mandate(mandate, actor=mediator, reason="resident")


def test_a_mediator_acts_under_the_mandate_and_each_action_is_audited(client, login_as, db):
    from mediation.models import Booking
    from support.models import Ticket
    from tests.mediation.factories import make_slot

    association = factories.make_association()
    mediator = login_as("mediator", association=association, name="Amina Diallo")
    household = factories.make_household(association=association, holder_name="Rose Martin")
    mandate = _in_person(household, mediator, scopes=("bookings", "tickets"))
    slot = make_slot(association)
    db.session.commit()

    page = client.get(f"/mediation/mandates/{mandate.id}")
    assert page.status_code == 200 and "Rose Martin" in page.get_data(as_text=True)
    booked = client.post(f"/mediation/mandates/{mandate.id}/book", data={"slot_id": slot.id})
    assert booked.status_code == 303
    reported = client.post(f"/mediation/mandates/{mandate.id}/report",
                           data={"problem": "slow", "details": "Le soir"})
    assert reported.status_code == 303
    assert db.session.execute(select(Booking).where(
        Booking.household_id == household.id)).scalar_one().slot_id == slot.id
    ticket = db.session.execute(select(Ticket).where(
        Ticket.household_id == household.id)).scalar_one()
    assert ticket.category == "slow"
    details = [e.detail for e in db.session.execute(select(AuditEntry).where(
        AuditEntry.record_id == str(household.id))).scalars()]
    assert sum("Amina Diallo" in d and "Rose Martin" in d for d in details if d) >= 3
    # invoices are not covered: the PDF route refuses
    assert client.get(f"/mediation/mandates/{mandate.id}/factures/FA-2026-000001/pdf"
                      ).status_code == 403


def test_the_mandate_form_refuses_beside_the_field(client, login_as):
    association = factories.make_association()
    login_as("mediator", association=association)
    household = factories.make_household(association=association)
    response = client.post("/mediation/mandates/new", data={
        "household_id": household.id, "scopes": ["invoices"], "ends_on": "2099-01-01",
        "consent_method": "in_person", "consent_reference": "F-9"})
    assert response.status_code == 400 and "12 mois" in response.get_data(as_text=True)


def test_the_household_page_shows_mandates_and_the_sepa_request(client, login_as, db):
    _association, mediator, household = _setup()
    _in_person(household, mediator)
    mandates.request_sepa(household.id, actor=mediator)
    login_as("operator")
    db.session.commit()
    html = client.get(f"/households/{household.id}/resident").get_data(as_text=True)
    assert "Amina Diallo" in html and "prélèvement" in html


def test_consent_by_code_through_the_sms_simulator(client, login_as, db):
    from residents import sms

    association = factories.make_association()
    login_as("mediator", association=association)
    household = factories.make_household(association=association, phone="06 12 34 56 78")
    db.session.commit()
    created = client.post("/mediation/mandates/new", data={
        "household_id": household.id, "scopes": ["tickets"],
        "ends_on": (today() + timedelta(days=60)).isoformat(), "consent_method": "code"})
    assert created.status_code == 303
    to, text = sms.OUTBOX[-1]
    assert to == "+33612345678"
    code = text.split(" : ")[1][:6]
    mandate_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    wrong = client.post(f"/mediation/mandates/{mandate_id}/confirm", data={"code": "x"})
    assert wrong.status_code == 400
    assert client.post(f"/mediation/mandates/{mandate_id}/confirm",
                       data={"code": code}).status_code == 303
    from residents.models_mandates import Mandate

    db.session.expire_all()
    assert db.session.get(Mandate, mandate_id).status == "active"


def test_without_a_mobile_number_consent_by_code_is_refused(db):
    from residents.sms import send_to_household

    _association, mediator, household = _setup()
    with pytest.raises(DomainError) as error:
        mandates.create_mandate(household.id, actor=mediator, scopes=["tickets"],
                                ends_on=today(), consent_method="code",
                                send_code=send_to_household)
    assert error.value.field == "consent_method"
