"""Inventory, the 4R state machine and its refusals, loans ended at move-out."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from equipment import services
from equipment.footprint_defaults import NEW_KGCO2E, REFURBISHED_FRACTION
from isp.errors import DomainError
from tests import factories
from tests.equipment.factories import lend, make_item, make_partner

pytestmark = pytest.mark.clock("2026-11-15T10:00:00+01:00")


def test_default_footprint_from_kind_and_origin(db):
    partner = make_partner()
    new = make_item("computer")
    refurbished = make_item("computer", origin="refurbished", partner=partner)
    own = make_item("phone", embodied_kgco2e="70,5")
    assert new.embodied_kgco2e == NEW_KGCO2E["computer"] == 185.4
    assert refurbished.embodied_kgco2e == pytest.approx(185.4 * REFURBISHED_FRACTION)
    assert own.embodied_kgco2e == 70.5
    assert [(m.from_state, m.to_state) for m in new.moves] == [(None, "in_stock")]


def test_inventory_refusals(db):
    make_item("box", serial="ABC")
    make_item("tablet", serial="ABC")  # unique per kind only
    with pytest.raises(DomainError) as error:
        make_item("box", serial="ABC")
    assert error.value.field == "serial" and error.value.status == 409
    with pytest.raises(DomainError) as error:
        make_item("computer", origin="refurbished")
    assert error.value.field == "partner_code"
    with pytest.raises(DomainError) as error:
        make_item("fridge")
    assert error.value.field == "kind"
    with pytest.raises(DomainError) as error:
        make_item("box", embodied_kgco2e=-1)
    assert error.value.field == "embodied_kgco2e"


def test_the_whole_4r_life_is_recorded(db):
    operator = factories.make_user("operator")
    partner = make_partner()
    first, second = factories.make_household(), factories.make_household()
    item = make_item("computer")
    lend(item, first, on=date(2025, 1, 1), actor=operator)
    assert item.state == "lent" and item.household_id == first.id
    assert item.loan_agreement_ref == f"CONV-{item.id}"
    for state, extra in (("returned", {}), ("in_repair", {"partner_code": partner.code}),
                         ("refurbished", {"partner_code": partner.code})):
        services.move(item, {"to_state": state, "on": "2025-06-01", **extra}, operator)
    assert item.household_id is None
    lend(item, second, on=date(2025, 7, 1), actor=operator)
    services.move(item, {"to_state": "returned", "on": "2026-01-02"}, operator)
    services.move(item, {"to_state": "recycled", "partner_code": partner.code,
                         "note": "écran cassé"}, operator)
    assert item.state == "recycled" and item.recycled_by_id == partner.id
    assert item.recycled_on == date(2026, 11, 15)
    moves = [(m.from_state, m.to_state, m.household_id, m.actor_id) for m in item.moves]
    assert moves[1] == ("in_stock", "lent", first.id, operator.id)
    assert moves[2] == ("lent", "returned", first.id, operator.id)  # who gave it back
    assert [m[1] for m in moves] == ["in_stock", "lent", "returned", "in_repair", "refurbished",
                                     "lent", "returned", "recycled"]
    assert item.moves[-1].note == "écran cassé"


def test_invalid_transitions_are_refused_with_a_message(db):
    partner = make_partner()
    item = make_item("box")
    with pytest.raises(DomainError) as error:
        services.move(item, {"to_state": "refurbished"}, None)
    assert error.value.status == 409 and error.value.field == "to_state"
    assert "« en stock »" in error.value.message and "« prêté »" in error.value.message
    services.move(item, {"to_state": "recycled", "partner_code": partner.code}, None)
    with pytest.raises(DomainError) as error:
        services.move(item, {"to_state": "in_stock"}, None)
    assert "ne change plus" in error.value.message
    assert len(item.moves) == 2  # nothing recorded by the refusals


def test_a_loan_needs_a_household_and_a_signed_agreement(db):
    item = make_item("box")
    household = factories.make_household()
    gone = factories.make_household(moved_out_on=date(2026, 1, 1))
    cases = [({}, "household_id"), ({"household_id": household.id}, "agreement_ref"),
             ({"household_id": household.id, "agreement_ref": "C1"}, "signed_on"),
             ({"household_id": household.id, "agreement_ref": "C1", "signed_on": "2026-11-16",
               "on": "2026-11-14"}, "signed_on"),
             ({"household_id": gone.id, "agreement_ref": "C1", "signed_on": "2026-11-01"},
              "household_id"),
             ({"household_id": household.id, "agreement_ref": "C1", "signed_on": "2026-11-01",
               "on": "2026-11-16"}, "on"),
             ({"household_id": household.id, "agreement_ref": "C1", "signed_on": "2020-01-01",
               "on": "2020-01-01"}, "on")]  # before the item was acquired
    for data, field in cases:
        with pytest.raises(DomainError) as error:
            services.move(item, {"to_state": "lent", **data}, None)
        assert error.value.field == field, data
    assert item.state == "in_stock" and item.household_id is None
    with pytest.raises(DomainError) as error:
        services.move(item, {"to_state": "recycled"}, None)
    assert error.value.field == "partner_code"


def test_move_out_makes_loans_to_collect_with_a_ticket(db):
    from subscribers.services import move_out
    from support.models import Ticket

    operator = factories.make_user("operator")
    household = factories.make_household()
    factories.make_subscription(household=household)
    box, computer = make_item("box"), make_item("computer")
    returned = make_item("tablet")
    for item in (box, computer, returned):
        lend(item, household)
    services.move(returned, {"to_state": "returned", "on": "2025-03-01"}, operator)
    move_out(household, moved_out_on=date(2026, 11, 10), actor=operator)
    assert box.state == computer.state == "to_collect"
    assert returned.state == "returned"
    assert box.household_id == household.id  # who must give it back
    last = box.moves[-1]
    assert (last.from_state, last.on, last.actor_id) == ("lent", date(2026, 11, 10), operator.id)
    ticket = db.session.execute(select(Ticket).where(Ticket.number == last.ticket_number)
                                ).scalar_one()
    assert ticket.category == "equipment" and ticket.household_id == household.id
    assert box.serial in ticket.description and computer.serial in ticket.description
    assert computer.moves[-1].ticket_number == ticket.number  # one ticket for the household
    assert [i.serial for i in services.holdings(household)] == [box.serial, computer.serial]
    services.move(box, {"to_state": "returned"}, operator)
    assert box.household_id is None and services.holdings(household) == [computer]


def test_move_out_without_a_named_person_keeps_the_task_in_the_state(db):
    from isp.signals import household_moved_out

    household = factories.make_household()
    box = make_item("box")
    lend(box, household)
    household_moved_out.send(household, moved_out_on=date(2026, 11, 1), actor=None)
    assert box.state == "to_collect" and box.moves[-1].ticket_number is None
    listed = db.session.execute(services.items_query(services.ItemFilters(state="to_collect"))
                                ).scalars().all()
    assert listed == [box]


def test_a_loan_may_name_the_flat_of_the_current_household(db):
    household = factories.make_household()
    item = make_item("box")
    services.move(item, {"to_state": "lent", "unit_code": household.unit.code,
                         "agreement_ref": "C-7", "signed_on": "2026-11-15"}, None)
    assert item.household_id == household.id
    other = make_item("box")
    with pytest.raises(DomainError) as error:
        services.move(other, {"to_state": "lent", "unit_code": "NOWHERE",
                              "agreement_ref": "C-8", "signed_on": "2026-11-15"}, None)
    assert error.value.field == "unit_code"
