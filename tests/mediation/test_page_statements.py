"""The proposals page reads a fixed number of statements whatever its rows (issue 23.3): each
proposal's household and association are joined into the page's query."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from isp.timeutil import utcnow
from mediation import proposals
from mediation.assignments import association_facts
from mediation.models import Place
from tests import factories
from tests.mediation.factories import make_booking, make_slot
from tests.statements import page_selects


def test_the_proposals_page_reads_a_fixed_number_of_statements(db, client, login_as):
    association = factories.make_association()
    make_slot(association)
    holders = []
    for with_association in (True, True, False):  # the last one waits in the queue
        household = factories.make_household(
            association=association if with_association else None)
        proposals.propose_first_session(factories.make_subscription(household=household),
                                        activated_on=date(2026, 11, 2))
        holders.append(household.holder_name)
    login_as("operator")
    with page_selects() as statements:
        html = client.get("/mediation/proposals").get_data(as_text=True)
    assert all(holder in html for holder in holders)
    # the proposals with households and associations; the association's open slots with their
    # bookings (once for the association, not per proposal)
    assert len(statements) == 2, statements


def test_a_proposal_is_offered_the_slots_with_a_seat_left(db):
    association = factories.make_association()
    full, freed, empty = (make_slot(association, starts_at=utcnow() + timedelta(days=days))
                          for days in (1, 2, 3))
    make_booking(full, factories.make_household(association=association))
    make_booking(freed, factories.make_household(association=association), status="cancelled")
    proposal = proposals.propose_first_session(
        factories.make_subscription(household=factories.make_household(association=association)),
        activated_on=date(2026, 11, 2))
    assert proposals.slots_for(proposal) == [freed, empty]


@pytest.fixture
def two_associations(db):
    """Two associations with a place, a coming slot and a proposal each: their codes."""
    codes = []
    for number in (1, 2):
        association = factories.make_association()
        db.session.add(Place(association=association, name=f"Lieu {number}",
                             address=f"{number} rue du Test", postcode="44000", commune="Nantes",
                             updated_on=date(2026, 11, 1)))
        make_slot(association)
        household = factories.make_household(association=association)
        proposals.propose_first_session(factories.make_subscription(household=household),
                                        activated_on=date(2026, 11, 2))
        codes.append(association.code)
    db.session.flush()
    return codes


@pytest.mark.parametrize(("url", "reads"), [
    ("/api/v1/associations", 3),  # the count, the associations, their places
    ("/api/v1/slots", 3),  # the count, the slots with their associations, their bookings
    ("/api/v1/proposals", 2),  # the count, the proposals with their associations
])
def test_the_mediation_api_lists_read_a_fixed_number_of_statements(
        two_associations, client, api_as, url, reads):
    _, headers = api_as("operator")
    with page_selects() as statements:
        body = client.get(url, headers=headers).get_json()
    shown = {item.get("code") or item.get("association_code") for item in body["items"]}
    assert shown >= set(two_associations)
    assert len(statements) == reads, statements


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_association_facts_count_this_month_and_current_in_one_statement(db):
    busy = factories.make_association("ASSO-BUSY")
    factories.make_association("ASSO-IDLE")
    december = datetime(2026, 12, 2, 9, tzinfo=UTC)
    november = datetime(2026, 11, 20, 9, tzinfo=UTC)
    for decided_at, ended_at in ((december, None),  # this month, current
                                 (november, None),  # current, an earlier month
                                 (december, december),  # this month, ended since
                                 (november, november)):  # neither
        assignment = factories.assign(factories.make_household(), busy)
        assignment.decided_at, assignment.ended_at = decided_at, ended_at
    db.session.flush()
    with page_selects() as statements:
        facts = {fact.code: fact for fact in association_facts()}
    assert len(statements) == 1, statements
    assert (facts["ASSO-BUSY"].used_this_month, facts["ASSO-BUSY"].assigned_households) == (2, 2)
    assert (facts["ASSO-IDLE"].used_this_month, facts["ASSO-IDLE"].assigned_households) == (0, 0)


def test_the_slots_api_counts_the_bookings_that_hold_a_seat(db, client, api_as):
    association = factories.make_association()
    slot = make_slot(association, capacity=3)
    for status in ("booked", "attended", "cancelled"):
        make_booking(slot, factories.make_household(association=association), status=status)
    slot_id = slot.id
    _, headers = api_as("operator")
    body = client.get("/api/v1/slots", headers=headers).get_json()
    [item] = [item for item in body["items"] if item["id"] == slot_id]
    assert item["booked"] == 2


def test_the_associations_page_reads_the_assigned_counts_with_the_rows(db, client, login_as):
    busy = factories.make_association("ASSO-BUSY")
    factories.make_association("ASSO-IDLE")
    for ended_at in (None, None, datetime(2026, 11, 20, 9, tzinfo=UTC)):
        factories.assign(factories.make_household(), busy).ended_at = ended_at
    login_as("operator")
    with page_selects() as statements:
        html = client.get("/associations").get_data(as_text=True)
    assigned = dict(re.findall(r">(ASSO-\w+)</a></td>.*?<td>(\d+)</td>\s*</tr>", html, re.S))
    assert assigned == {"ASSO-BUSY": "2", "ASSO-IDLE": "0"}
    assert len(statements) == 2, statements  # the count, the associations with their counts
    # Without a search the statements are built once; a search keeps its words (issue 23.3).
    found = client.get("/associations?q=idle").get_data(as_text=True)
    assert "ASSO-IDLE" in found and "ASSO-BUSY" not in found
    assert "ASSO-BUSY" in client.get("/associations").get_data(as_text=True)
