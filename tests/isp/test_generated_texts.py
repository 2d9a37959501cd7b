"""Generated texts follow the reader's language (issue 18 item 7): the record history."""

from __future__ import annotations

from datetime import date

import pytest

from isp.extensions import db as _db
from tests.isp.test_i18n import _page, english  # noqa: F401 (fixture)


def test_history_lists_labels_dates_and_codes_in_the_readers_language(client, login_as, db,
                                                                        english):  # noqa: F811
    from tests import factories

    user = login_as("operator")
    household = factories.make_household(language="fr")
    household.language = "en"
    household.moved_out_on = date(2026, 11, 28)
    _db.session.commit()

    french = _page(client, f"/households/{household.id}/history")
    assert "<td>Langue</td><td>français</td><td>anglais</td>" in french
    assert "<td>Date de départ</td><td>—</td><td>28/11/2026</td>" in french
    assert "<td>language</td>" not in french and "2026-11-28" not in french

    user.locale = "en"
    _db.session.commit()
    english_page = _page(client, f"/households/{household.id}/history")
    assert "<td>Language</td><td>French</td><td>English</td>" in english_page
    assert "<td>language</td>" not in english_page and "2026-11-28" not in english_page


def _reader(user, locale: str) -> None:
    user.locale = locale
    _db.session.commit()


def test_dunning_letters_are_sent_in_the_households_language_and_read_in_the_readers(
        client, login_as, db, english):  # noqa: F811
    from billing import dunning
    from tests.billing.factories import billed_household, issue

    user = login_as("operator")
    household = billed_household(tier="T2", language="en")
    issue("2026-08", date(2026, 9, 2))
    dunning.run_dunning(on=date(2026, 10, 17))   # J+15 after the due date (2 October)
    _db.session.commit()
    [step] = household_steps = dunning.household_steps(household.id)
    assert household_steps
    # What was sent: the household reads English.
    assert "will not be cut off" in step.text and "ne sera pas coupé" not in step.text

    _reader(user, "fr")
    french = _page(client, f"/billing/households/{household.id}/statement")
    assert "Votre accès à Internet ne sera pas coupé." in french
    assert "will not be cut off" not in french
    _reader(user, "en")
    english_page = _page(client, f"/billing/households/{household.id}/statement")
    assert "will not be cut off" in english_page
    assert "ne sera pas coupé" not in english_page


def test_eligibility_reasons_follow_the_reader(client, login_as, db, english):  # noqa: F811
    from billing import eligibility
    from tests.billing.factories import billed_household

    user = login_as("operator")
    household = billed_household(tier="T3")
    eligibility.decide_tier(household, actor=user, evidence_type="caf_qf", decided_tier="T2",
                            quotient_familial=750)
    _db.session.commit()
    _reader(user, "fr")
    french = _page(client, f"/households/{household.id}")
    assert "Quotient familial CAF de 750 €, inférieur ou égal à 900 €." in french
    _reader(user, "en")
    english_page = _page(client, f"/households/{household.id}")
    assert "CAF family quotient of €750, at most €900." in english_page
    assert "Quotient familial CAF de 750" not in english_page


def test_a_network_ticket_subject_follows_the_reader(client, login_as, db, english):  # noqa: F811
    from datetime import UTC, datetime

    from isp.signals import port_down_long
    from tests.support.test_network_tickets import _building_with_switch

    user = login_as("operator")
    device, units, served = _building_with_switch(1)
    port_down_long.send(device.ports[0], subscription=served,
                        down_since=datetime(2026, 11, 23, 9, tzinfo=UTC))
    _db.session.commit()
    from support.models import Ticket

    ticket = _db.session.query(Ticket).one()
    _reader(user, "fr")
    assert "port du logement" in _page(client, f"/tickets/{ticket.number}")
    _reader(user, "en")
    english_page = _page(client, f"/tickets/{ticket.number}")
    assert "port du logement" not in english_page
    assert units[0].code in english_page and "23/11/2026" in english_page


@pytest.mark.parametrize(("locale", "message"), [
    ("fr", "Le logement est obligatoire (un code de logement)"),
    ("en", "The flat is required (a flat code)"),
])
def test_api_errors_are_in_the_callers_language(client, api_as, db, english, locale,  # noqa: F811
                                                message):
    _user, headers = api_as("operator", locale=locale)
    response = client.get("/api/v1/usage", headers=headers)
    assert response.status_code == 400
    assert response.get_json() == {"error": message, "field": "unit"}
