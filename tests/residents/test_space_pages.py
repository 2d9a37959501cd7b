"""The residents' space (issue 20): each page for the resident's own household only, in
plain words, light, without script; another household's records answer 404."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from isp.models import AuditEntry
from isp.timeutil import today
from tests import factories
from tests.isp.test_i18n import english  # noqa: F401 - the fixture compiles the catalogues
from tests.mediation.factories import make_booking, make_slot
from tests.residents.space_helpers import resident_household, sign_in

PAGES = ["/moi", "/moi/internet", "/moi/factures", "/moi/probleme", "/moi/accompagnement",
         "/moi/donnees", "/moi/mandats"]


def _invoice(household, *, period="2026-10", total=590, paid=0, due_on=date(2026, 12, 2)):
    from billing.models import Invoice

    invoice = Invoice(number=f"FA-2026-{factories.n():06d}", household_id=household.id,
                      period=period, status="issued", total_cents=total, vat_cents=98,
                      full_cost_cents=2500, paid_cents=paid, issued_on=date(2026, 11, 2),
                      due_on=due_on)
    from isp.extensions import db

    db.session.add(invoice)
    db.session.flush()
    return invoice


@pytest.mark.parametrize("url", PAGES)
def test_each_page_is_small_scriptless_and_plain(client, login_resident, url):
    household = resident_household(association=factories.make_association())
    sign_in(login_resident, household)
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(response.data) <= 30 * 1024
    assert "<script" not in html and "style=" not in html
    assert 'aria-hidden="true"' in html and "Se déconnecter" in html


@pytest.mark.clock("2026-12-10T10:00:00+01:00")
def test_invoices_show_the_subsidy_the_share_and_a_kind_next_step(client, login_resident):
    association = factories.make_association(phone="02 40 00 00 00")
    household = resident_household(association=association)
    _invoice(household, due_on=date(2026, 11, 20))  # 20 days overdue
    sign_in(login_resident, household)

    html = client.get("/moi/factures").get_data(as_text=True)

    assert "La ville paie 19,10" in html and "Vous payez 5,90" in html
    assert "ne sera jamais coupé" in html
    assert association.name in html and "FSL" in html


def test_another_households_invoice_pdf_is_not_found(client, login_resident):
    household = resident_household()
    other = resident_household()
    mine, theirs = _invoice(household), _invoice(other)
    sign_in(login_resident, household)

    assert client.get(f"/moi/factures/{mine.number}/pdf").status_code == 200
    assert client.get(f"/moi/factures/{theirs.number}/pdf").status_code == 404


def test_a_sepa_request_is_stored_once(client, login_resident, db):
    from residents.models_mandates import SepaRequest

    household = resident_household()
    sign_in(login_resident, household)
    page = client.get("/moi/factures").get_data(as_text=True)
    assert "prélèvement" in page
    assert client.post("/moi/factures/prelevement", data={}).status_code == 303
    client.post("/moi/factures/prelevement", data={})
    assert len(db.session.execute(select(SepaRequest).where(
        SepaRequest.household_id == household.id)).all()) == 1


def test_report_a_problem_in_a_few_taps_and_follow_it(client, login_resident, db):
    from support.models import Ticket

    household = resident_household()
    sign_in(login_resident, household)

    empty = client.post("/moi/probleme", data={})
    assert empty.status_code == 400 and "Choisissez une réponse" in empty.get_data(as_text=True)
    sent = client.post("/moi/probleme", data={"problem": "slow", "details": "le soir"})
    assert sent.status_code == 303
    ticket = db.session.execute(select(Ticket).where(
        Ticket.household_id == household.id)).scalar_one()
    assert ticket.category == "slow" and ticket.description == "le soir"
    page = client.get("/moi/probleme").get_data(as_text=True)
    assert "Internet est lent" in page and "Nous avons reçu votre message." in page
    assert ticket.number not in page  # no ticket jargon


def test_book_and_cancel_a_slot_of_their_association_only(client, login_resident, db):
    from mediation.models import Booking

    association = factories.make_association()
    household = resident_household(association=association)
    slot = make_slot(association)
    foreign = make_slot(factories.make_association())
    sign_in(login_resident, household)

    refused = client.post("/moi/accompagnement/reserver", data={"slot_id": foreign.id})
    assert refused.status_code == 400 and "introuvable" in refused.get_data(as_text=True)
    assert client.post("/moi/accompagnement/reserver",
                       data={"slot_id": slot.id}).status_code == 303
    booking = db.session.execute(select(Booking).where(
        Booking.household_id == household.id)).scalar_one()
    assert booking.slot_id == slot.id
    assert "Annuler ce rendez-vous" in client.get("/moi/accompagnement").get_data(as_text=True)
    assert client.post(f"/moi/accompagnement/{booking.id}/annuler").status_code == 303
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "cancelled"


def test_cancelling_another_households_booking_is_not_found(client, login_resident):
    association = factories.make_association()
    household = resident_household(association=association)
    other = resident_household(association=association)
    booking = make_booking(make_slot(association), other)
    sign_in(login_resident, household)
    assert client.post(f"/moi/accompagnement/{booking.id}/annuler").status_code == 404


def test_my_data_shows_roles_not_staff_names_and_the_export(client, login_resident, db):
    from isp import audit

    household = resident_household()
    operator = factories.make_user("operator", email="jeanne.agent@isp.example",
                                   name="Jeanne Agent")
    audit.record("read", actor=operator, record_type="household", record_id=household.id)
    sign_in(login_resident, household)
    db.session.commit()

    html = client.get("/moi/donnees").get_data(as_text=True)
    assert "Opérateur" in html and "Jeanne" not in html and "jeanne.agent" not in html
    assert "10 ans" in html  # the register: invoices kept 10 years
    export = client.get("/moi/donnees/mes-donnees.json")
    assert export.status_code == 200 and "attachment" in export.headers["Content-Disposition"]
    body = export.get_json()
    assert body["household"]["id"] == household.id
    assert all("jeanne" not in str(entry["by"]) for entry in body["access_log"])


def test_connection_says_in_words_and_counts_since_move_in(client, login_resident, db):
    from network.models import Device, Port, UsageDay

    household = resident_household(moved_in_on=date(2026, 12, 5))
    subscription = factories.make_subscription(household=household)
    device = Device(building_id=household.unit.building_id, hostname=f"sw{factories.n()}",
                    mgmt_address="10.0.0.1", status="up",
                    last_polled_at=datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    db.session.add(device)
    db.session.flush()
    db.session.add(Port(device_id=device.id, if_index=1, if_name="Gi1/0/1",
                        unit_id=household.unit_id, oper_up=True))
    for day, octets in ((date(2026, 12, 4), 10**9), (date(2026, 12, 6), 3 * 10**9)):
        db.session.add(UsageDay(subscription_id=subscription.id, day=day,
                                download_octets=octets, upload_octets=octets // 10))
    sign_in(login_resident, household)
    db.session.commit()

    from residents import space

    month = space.usage(household, "2026-12")
    assert month.download_octets == 3 * 10**9  # the day before the move-in is not theirs
    html = client.get("/moi/internet").get_data(as_text=True)
    assert "Votre internet marche" in html


def test_the_reads_are_audited(client, login_resident, db):
    household = resident_household()
    sign_in(login_resident, household)
    client.get("/moi/factures")
    assert db.session.execute(select(AuditEntry).where(
        AuditEntry.record_id == str(household.id), AuditEntry.action == "read")).first()


def test_the_resident_ends_a_mandate(client, login_resident, db):
    from residents import mandates

    association = factories.make_association()
    household = resident_household(association=association)
    mediator = factories.make_user("mediator", association=association)
    mandate, _code = mandates.create_mandate(
        household.id, actor=mediator, scopes=["bookings"],
        ends_on=today() + timedelta(days=30), consent_method="in_person",
        consent_reference="F-1")
    other_household = resident_household(association=association)
    other, _code = mandates.create_mandate(
        other_household.id, actor=mediator, scopes=["bookings"],
        ends_on=today() + timedelta(days=30), consent_method="in_person",
        consent_reference="F-2")
    sign_in(login_resident, household)
    db.session.commit()

    assert "Arrêter cette autorisation" in client.get("/moi/mandats").get_data(as_text=True)
    assert client.post(f"/moi/mandats/{other.id}/fin").status_code == 404
    assert client.post(f"/moi/mandats/{mandate.id}/fin").status_code == 303
    db.session.expire_all()
    assert db.session.get(type(mandate), mandate.id).status == "ended"


@pytest.mark.usefixtures("english")
def test_the_space_speaks_english_to_an_english_reader(client, login_resident, db):
    household = resident_household(language="en")
    user = sign_in(login_resident, household)
    user.locale = "en"
    db.session.commit()
    html = client.get("/moi/factures").get_data(as_text=True)
    assert "My invoices" in html and "You owe nothing." in html


def test_an_outage_of_the_building_is_told_with_its_start_and_the_repair(client,
                                                                         login_resident, db):
    from network.models import Device, Outage, Port

    household = resident_household()
    factories.make_subscription(household=household)
    device = Device(building_id=household.unit.building_id, hostname=f"sw{factories.n()}",
                    mgmt_address="10.0.0.2", status="down")
    db.session.add(device)
    db.session.flush()
    db.session.add(Port(device_id=device.id, if_index=1, if_name="Gi1/0/2",
                        unit_id=household.unit_id))
    db.session.add(Outage(device_id=device.id, cause="no_answer",
                          started_at=datetime(2026, 12, 6, 7, 30, tzinfo=UTC)))
    sign_in(login_resident, household)
    db.session.commit()

    html = client.get("/moi/internet").get_data(as_text=True)

    assert "Il y a une panne dans votre immeuble" in html
    assert "Une panne dans l'immeuble" in html and "06/12/2026" in html
    assert "Ils travaillent à la réparation." in html


def test_three_years_of_invoices_keep_the_page_under_30_kb(client, login_resident):
    household = resident_household(association=factories.make_association())
    for month in range(36):
        _invoice(household, period=f"{2024 + month // 12}-{month % 12 + 1:02d}")
    sign_in(login_resident, household)
    response = client.get("/moi/factures")
    assert response.status_code == 200 and len(response.data) <= 30 * 1024
    assert response.get_data(as_text=True).count("(PDF)") == 12


def test_my_data_counts_staff_reading_my_invoices_as_an_access(client, login_resident, db,
                                                              login_as):
    """An operator opening the household's billing statement opened its file."""
    household = resident_household()
    login_as("operator")
    assert client.get(f"/billing/households/{household.id}/statement").status_code == 200
    sign_in(login_resident, household)
    html = client.get("/moi/donnees").get_data(as_text=True)
    assert "Opérateur" in html
