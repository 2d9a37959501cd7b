"""The household page's mediation and mandate sections read the household's assignment with its
association, once for all the mandates, and each mandate's mediator with it (issue 23.3)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from isp.extensions import db
from isp.timeutil import today
from residents.models_mandates import Mandate
from tests import factories
from tests.statements import page_selects


def _reading(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if f"FROM {table} " in " ".join(s.split()) + " "]


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_the_household_page_reads_the_association_once_for_every_mandate(client, login_as):
    association = factories.make_association(name="Les Connectés")
    household = factories.make_household(association=association)
    for number in (1, 2):
        mediator = factories.make_user("mediator", association=association,
                                       name=f"Médiatrice {number}")
        db.session.add(Mandate(household_id=household.id, association_id=association.id,
                               mediator_id=mediator.id, scopes="invoices", starts_on=today(),
                               ends_on=today() + timedelta(days=30),
                               consent_method="in_person", consent_reference=f"F-{number}",
                               status="active"))
    household_id = household.id
    login_as("operator")
    with page_selects() as statements:
        html = client.get(f"/households/{household_id}/resident").get_data(as_text=True)
    assert "Médiatrice 1" in html and "Médiatrice 2" in html
    # the mandates' tab: the current assignment with its association once for all the
    # mandates (not once a mandate)
    assert len(_reading(statements, "assignments")) == 1, statements
    assert _reading(statements, "associations") == [], statements
    assert _reading(statements, "users") == [], statements  # mediators come with the mandates
