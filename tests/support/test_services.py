"""Opening tickets, numbering, bad input, the mediator's scope, queues, search, figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from isp.auth import Scope
from isp.errors import DomainError
from support.figures import ticket_figures
from support.models import Ticket, TicketEvent
from support.queries import TicketFilters, get_ticket, tickets_query
from support.tickets import change_status, open_ticket, update_ticket
from tests import factories
from tests.support.factories import make_device, make_ticket


def _count(model) -> int:
    from isp.extensions import db

    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_numbers_follow_each_other_within_a_year_and_restart_the_next(db):
    with time_machine.travel(datetime(2031, 12, 31, 23, 0, tzinfo=UTC), tick=False):
        first, second = make_ticket(), make_ticket()
    with time_machine.travel(datetime(2032, 1, 1, 0, 30, tzinfo=UTC), tick=False):
        third = make_ticket()
    assert (first.number, second.number, third.number) == ("T-2031-00001", "T-2031-00002",
                                                           "T-2032-00001")


def test_opening_records_who_and_when_on_the_timeline(db):
    operator = factories.make_user("operator")
    ticket = make_ticket(actor=operator, description="Box éteinte")
    assert ticket.status == "new"
    assert ticket.opened_by_id == operator.id
    assert [(e.kind, e.actor_id, e.body) for e in ticket.events] == [
        ("created", operator.id, "Box éteinte")]
    assert ticket.unit_id == ticket.household.unit_id
    assert ticket.building_id == ticket.household.unit.building_id


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"household_id": 999999}, "household_id", "introuvable"),
    ({"household_id": None, "device_hostname": "no-such-switch"}, "device_hostname",
     "introuvable"),
    ({"household_id": None, "unit_code": "NOPE-1"}, "unit_code", "introuvable"),
    ({"subject": "   "}, "subject", "obligatoire"),
    ({"category": "weather"}, "category", "inconnue"),
    ({"priority": "asap"}, "priority", "inconnue"),
    ({"source": "network"}, "source", "réservée"),
    ({"household_id": None}, "household_id", "Indiquez"),
    ({"assignee_id": 999999}, "assignee_id", "introuvable"),
])
def test_bad_input_is_refused_and_nothing_is_written(db, fields, field, message):
    operator = factories.make_user("operator")
    household = factories.make_household()
    arguments = {"actor": operator, "subject": "Sujet", "category": "slow", "source": "phone",
                 "household_id": household.id} | fields
    before = (_count(Ticket), _count(TicketEvent))
    with pytest.raises(DomainError, match=message) as raised:
        open_ticket(**arguments)
    assert raised.value.field == field
    assert (_count(Ticket), _count(TicketEvent)) == before


def test_association_source_needs_a_followed_household(db):
    operator = factories.make_user("operator")
    household = factories.make_household()
    with pytest.raises(DomainError, match="aucune association"):
        open_ticket(actor=operator, subject="x", category="other",
                    source="association", household_id=household.id)
    association = factories.make_association()
    factories.assign(household, association)
    ticket = open_ticket(actor=operator, subject="x", category="other",
                         source="association", household_id=household.id)
    assert ticket.association_id == association.id


def test_a_mediator_opens_tickets_only_for_their_households(db):
    association = factories.make_association()
    mediator = factories.make_user("mediator", association=association)
    ours = factories.make_household(association=association)
    theirs = factories.make_household(association=factories.make_association())
    ticket = open_ticket(actor=mediator, subject="Aide box", category="equipment",
                         source="phone", household_id=ours.id)
    assert (ticket.source, ticket.association_id) == ("association", association.id)
    with pytest.raises(DomainError, match="introuvable"):
        open_ticket(actor=mediator, subject="x", category="other",
                    household_id=theirs.id)


def test_a_mediator_sees_only_their_association_tickets(db):
    association = factories.make_association()
    mediator = factories.make_user("mediator", association=association)
    ours = make_ticket(household=factories.make_household(association=association))
    make_ticket(household=factories.make_household(association=factories.make_association()))
    make_ticket(household=factories.make_household())
    network = make_ticket(household=None, device_hostname=make_device().hostname)
    visible = db.session.execute(tickets_query(Scope.of(mediator))).scalars().all()
    assert [t.number for t in visible] == [ours.number]
    operator_sees = db.session.execute(tickets_query(
        Scope.of(factories.make_user("operator")))).scalars().all()
    assert {ours.number, network.number} <= {t.number for t in operator_sees}
    with pytest.raises(DomainError):
        get_ticket(network.number, Scope.of(mediator))


def test_queue_puts_overdue_first_then_by_due_time(db):
    operator = factories.make_user("operator")
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        billing = make_ticket(category="billing", actor=operator)         # due +5 d
        outage = make_ticket(category="no_connection", actor=operator)    # due +24 h
    with time_machine.travel(start + timedelta(hours=20), tick=False):
        slow = make_ticket(category="slow", actor=operator)               # due +92 h
        fresh = make_ticket(category="no_connection", actor=operator)     # due +44 h
        done = make_ticket(category="no_connection", actor=operator)
        change_status(done, "resolved", actor=operator)
    now = start + timedelta(hours=30)
    ordered = db.session.execute(tickets_query(
        Scope.of(operator), now=now).where(Ticket.id.in_(
            [t.id for t in (billing, outage, slow, fresh, done)]))).scalars().all()
    assert [t.number for t in ordered] == [outage.number, fresh.number, slow.number,
                                           billing.number, done.number]


def test_queue_filters_and_search(db):
    operator = factories.make_user("operator")
    other = factories.make_user("operator")
    building = factories.make_building(code="BQ1")
    unit = factories.make_unit("BQ1-A-01-1", building=building)
    household = factories.make_household(unit=unit, holder_name="Fatou Diallo")
    mine = make_ticket(actor=operator, household=household, subject="Débit faible le soir",
                       category="slow", assignee_id=operator.id)
    theirs = make_ticket(actor=operator, subject="Facture double", category="billing",
                         assignee_id=other.id)
    scope = Scope.of(operator)

    def numbers(**filters):
        statement = tickets_query(scope, TicketFilters(**filters),
                                  actor=operator)
        found = db.session.execute(statement).scalars().all()
        return {t.number for t in found} & {mine.number, theirs.number}

    assert numbers(assignee="me") == {mine.number}
    assert numbers(assignee=str(other.id)) == {theirs.number}
    assert numbers(building_code="BQ1") == {mine.number}
    assert numbers(category="billing") == {theirs.number}
    assert numbers(search="diallo") == {mine.number}
    assert numbers(search="BQ1-A-01") == {mine.number}
    assert numbers(search="facture") == {theirs.number}
    assert numbers(search=theirs.number) == {theirs.number}
    with pytest.raises(DomainError):
        numbers(status="lost")


def test_update_is_all_or_nothing(db):
    operator = factories.make_user("operator")
    ticket = make_ticket(actor=operator)
    change_status(ticket, "closed", actor=operator)
    with pytest.raises(DomainError):
        update_ticket(ticket, actor=operator, status="waiting", priority="high")
    # the caller rolls back; the service refused before writing the status
    assert ticket.status == "closed"


def _resolve(ticket, operator, at):
    with time_machine.travel(at, tick=False):
        change_status(ticket, "resolved", actor=operator)


def test_ticket_figures_per_building_and_month(db):
    operator = factories.make_user("operator")
    building = factories.make_building(code="FIG")
    units = [factories.make_unit(building=building) for _ in range(4)]
    households = [factories.make_household(unit=u) for u in units]
    for household in households:
        factories.make_subscription(household=household, activated_on=date(2026, 10, 1))
    elsewhere = factories.make_household()
    factories.make_subscription(household=elsewhere)
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        fast = make_ticket(actor=operator, household=households[0], category="no_connection")
        slow = make_ticket(actor=operator, household=households[1], category="no_connection")
        still_open = make_ticket(actor=operator, household=households[2], category="billing")
        make_ticket(actor=operator, household=elsewhere)
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False):
        make_ticket(actor=operator, household=households[3])  # next month
    _resolve(fast, operator, start + timedelta(hours=2))
    _resolve(slow, operator, start + timedelta(hours=30))  # SLA 24 h missed

    figures = ticket_figures(building_code="FIG", period="2026-11")
    assert figures["subscriptions"] == 4
    assert figures["tickets"] == 3
    assert figures["tickets_per_100_subscriptions"] == 75.0
    assert figures["resolved"] == 2
    assert figures["median_hours_to_resolve"] == 16.0
    assert figures["within_sla"] == 1
    assert figures["share_within_sla"] == 0.5
    assert figures["by_category"] == {"no_connection": 2, "billing": 1}
    assert still_open.resolved_at is None
    district = ticket_figures(district_code=building.district.code, period="2026-11")
    assert district["tickets"] == 3


def test_ticket_figures_refuse_a_bad_period(db):
    with pytest.raises(DomainError, match="AAAA-MM"):
        ticket_figures(period="2026-13")
