"""The status workflow: every pair of statuses against the transition table."""

from __future__ import annotations

import pytest

from isp.errors import DomainError
from support.choices import TicketStatus
from support.tickets import change_status
from tests import factories
from tests.support.factories import make_ticket

ALLOWED = {
    ("new", "open"), ("new", "waiting"), ("new", "resolved"), ("new", "closed"),
    ("open", "waiting"), ("open", "resolved"), ("open", "closed"),
    ("waiting", "open"), ("waiting", "resolved"), ("waiting", "closed"),
    ("resolved", "open"), ("resolved", "closed"),
    ("closed", "open"),
}
PATHS = {  # how to bring a fresh ticket to each status
    "new": [], "open": ["open"], "waiting": ["waiting"], "resolved": ["resolved"],
    "closed": ["closed"],
}
PAIRS = [(a.value, b.value) for a in TicketStatus for b in TicketStatus if a != b]


@pytest.mark.parametrize(("from_status", "to_status"), PAIRS)
def test_transition_table(db, from_status, to_status):
    operator = factories.make_user("operator")
    ticket = make_ticket(actor=operator)
    for step in PATHS[from_status]:
        change_status(ticket, step, actor=operator)
    events_before = len(ticket.events)
    if (from_status, to_status) in ALLOWED:
        change_status(ticket, to_status, actor=operator)
        assert ticket.status == to_status
        assert ticket.events[-1].kind == "status"
        assert (ticket.events[-1].from_value, ticket.events[-1].to_value) == (from_status,
                                                                              to_status)
    else:
        with pytest.raises(DomainError, match="interdit") as raised:
            change_status(ticket, to_status, actor=operator)
        assert raised.value.status == 409
        assert ticket.status == from_status
        assert len(ticket.events) == events_before


def test_reopening_clears_the_resolution_times(db):
    operator = factories.make_user("operator")
    ticket = make_ticket(actor=operator)
    change_status(ticket, "resolved", actor=operator)
    change_status(ticket, "closed", actor=operator)
    assert ticket.resolved_at is not None and ticket.closed_at is not None
    change_status(ticket, "open", actor=operator, note="La box ne marche toujours pas")
    assert ticket.resolved_at is None and ticket.closed_at is None
    assert ticket.events[-1].body == "La box ne marche toujours pas"


def test_unknown_status_is_refused(db):
    ticket = make_ticket()
    with pytest.raises(DomainError, match="inconnu"):
        change_status(ticket, "archived", actor=None)
