"""The proposals page reads a fixed number of statements whatever its rows (issue 23.3): each
proposal's household and association are joined into the page's query."""

from __future__ import annotations

from datetime import date

from mediation import proposals
from tests import factories
from tests.mediation.factories import make_slot
from tests.subscribers.statements import page_selects


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
    # the proposals with households and associations; the association's open slots, their
    # bookings (once for the association, not per proposal)
    assert len(statements) == 3, statements
