"""SLA due times: the default table, priorities that only shorten, config, frozen time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from support.sla import sla_due_at, sla_hours
from support.tickets import change_priority, change_status, check_sla
from tests import factories
from tests.support.factories import make_ticket

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("category", "priority", "hours"), [
    ("no_connection", "normal", 24),
    ("slow", "normal", 72),
    ("equipment", "normal", 72),
    ("billing", "normal", 120),
    ("other", "normal", 120),
    ("move", "normal", 120),
    ("no_connection", "low", 24),
    ("no_connection", "high", 12),
    ("no_connection", "urgent", 6),
    ("billing", "high", 60),
    ("slow", "urgent", 18),
])
def test_default_sla_table(category, priority, hours):
    assert sla_hours(category, priority) == hours
    assert sla_due_at(T0, category, priority) == T0 + timedelta(hours=hours)


def test_a_priority_factor_above_one_never_lengthens_the_delay():
    assert sla_hours("slow", "low", factors={"low": 3.0}) == 72


def test_the_table_comes_from_the_config(app):
    with app.app_context():
        app.config["SUPPORT_SLA_HOURS"] = {"no_connection": 4, "other": 48}
        try:
            assert sla_hours("no_connection") == 4
            assert sla_hours("billing") == 48  # unknown category: the "other" delay
        finally:
            del app.config["SUPPORT_SLA_HOURS"]


def test_opened_ticket_is_due_from_its_opening_time(db):
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(category="slow")
    assert ticket.opened_at == T0
    assert ticket.sla_due_at == T0 + timedelta(hours=72)
    assert not ticket.is_overdue(T0 + timedelta(hours=71, minutes=59))
    assert ticket.is_overdue(T0 + timedelta(hours=72, seconds=1))


def test_raising_the_priority_recomputes_the_due_time_from_the_opening(db):
    operator = factories.make_user("operator")
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(actor=operator, category="equipment")
    with time_machine.travel(T0 + timedelta(hours=30), tick=False):
        change_priority(ticket, "urgent", actor=operator)
    assert ticket.sla_due_at == T0 + timedelta(hours=18)


def test_sla_check_marks_each_overdue_ticket_once(db):
    with time_machine.travel(T0, tick=False):
        late = make_ticket(category="no_connection")
        on_time = make_ticket(category="billing")
    after = T0 + timedelta(hours=25)
    assert check_sla(after) == 1
    assert check_sla(after + timedelta(hours=1)) == 0
    assert [e.kind for e in late.events] == ["created", "sla_breached"]
    assert [e.kind for e in on_time.events] == ["created"]


def test_resolved_tickets_are_not_overdue(db):
    operator = factories.make_user("operator")
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(actor=operator)
        change_status(ticket, "resolved", actor=operator)
    assert check_sla(T0 + timedelta(days=3)) == 0
    assert not ticket.is_overdue(T0 + timedelta(days=3))
