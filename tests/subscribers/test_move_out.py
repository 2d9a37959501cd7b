"""Move-out ends the association's access (issue 16.1, docs/design.md §3.8 and §5)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from mediation.models import Assignment, Booking, SessionRecord
from subscribers import services
from tests import factories
from tests.mediation.factories import make_booking, make_session, make_slot

CLOCK = "2026-12-04T10:00:00+01:00"


def _followed_household(association, unit=None):
    household = factories.make_household(unit=unit, holder_name="Awa Diallo",
                                         phone="0612345678", association=association)
    record = make_session(association, household=household)
    assignment = db_assignment(household)
    record.assignment_id = assignment.id
    booking = make_booking(make_slot(association), household)
    return household, record, booking


def db_assignment(household) -> Assignment:
    from isp.extensions import db

    return db.session.execute(select(Assignment).where(
        Assignment.household_id == household.id)).scalar_one()


@pytest.mark.clock(CLOCK)
def test_move_out_ends_the_follow_up_in_the_operator_name(client, api_as, db):
    association = factories.make_association()
    household, record, booking = _followed_household(association)
    _mediator, mediator_headers = api_as("mediator", association=association)
    operator, operator_headers = api_as("operator")
    assert client.get(f"/api/v1/households/{household.id}",
                      headers=mediator_headers).status_code == 200

    response = client.post(f"/api/v1/households/{household.id}/move-out",
                           json={"moved_out_on": "2026-12-03"}, headers=operator_headers)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["moved_out_on"] == "2026-12-03"
    assignment = db_assignment(household)
    assert assignment.ended_at is not None
    assert assignment.ended_by_id == operator.id
    assert assignment.end_reason == "Départ du logement le 2026-12-03"
    db.session.refresh(record)
    assert (record.household_id, record.assignment_id) == (None, None)
    assert record.association_id == association.id  # the session itself still counts
    assert db.session.get(Booking, booking.id).status == "cancelled"
    assert client.get(f"/api/v1/households/{household.id}",
                      headers=mediator_headers).status_code == 404
    history = client.get(f"/api/v1/households/{household.id}/history",
                         headers=mediator_headers)
    assert history.status_code == 404


@pytest.mark.clock(CLOCK)
def test_mediator_page_is_404_after_the_move_out_page(client, login_as, db):
    association = factories.make_association()
    household, _record, _booking = _followed_household(association)
    operator = factories.make_user("operator")
    login_as("mediator", association=association)
    assert client.get(f"/households/{household.id}").status_code == 200
    services.move_out(household, moved_out_on=date(2026, 12, 3), actor=operator)
    page = client.get(f"/households/{household.id}")
    assert page.status_code == 404
    assert "Awa Diallo" not in page.get_data(as_text=True)


@pytest.mark.clock(CLOCK)
def test_the_next_tenant_of_the_flat_shows_nothing_of_the_former(client, api_as, db):
    association = factories.make_association()
    unit = factories.make_unit()
    former, _record, _booking = _followed_household(association, unit=unit)
    operator = factories.make_user("operator")
    services.move_out(former, moved_out_on=date(2026, 12, 1), actor=operator)
    newcomer = services.move_in(unit, holder_name="Nina Martin", moved_in_on=date(2026, 12, 2))
    factories.assign(newcomer, association)
    _mediator, headers = api_as("mediator", association=association)
    listing = client.get("/api/v1/households", headers=headers).get_json()
    assert [item["id"] for item in listing["items"]] == [newcomer.id]
    assert client.get(f"/api/v1/households/{former.id}", headers=headers).status_code == 404
    history = client.get(f"/api/v1/households/{newcomer.id}/history",
                         headers=headers).get_data(as_text=True)
    assert "Awa Diallo" not in history and "0612345678" not in history
    sessions = db.session.execute(select(SessionRecord).where(
        SessionRecord.household_id.in_([former.id, newcomer.id]))).scalars().all()
    assert sessions == []


@pytest.mark.clock(CLOCK)
@pytest.mark.parametrize(("body", "field"), [({}, "moved_out_on"),
                                             ({"moved_out_on": "03/12/2026"}, "moved_out_on"),
                                             ({"moved_out_on": "2020-01-01"}, "moved_out_on")])
def test_bad_move_out_dates_are_refused_and_change_nothing(client, api_as, db, body, field):
    association = factories.make_association()
    household, _record, _booking = _followed_household(association)
    _operator, headers = api_as("operator")
    response = client.post(f"/api/v1/households/{household.id}/move-out", json=body,
                           headers=headers)
    assert response.status_code == 422
    assert response.get_json()["field"] == field
    db.session.expire_all()
    assert household.moved_out_on is None
    assert db_assignment(household).ended_at is None


@pytest.mark.clock(CLOCK)
def test_a_second_move_out_is_a_conflict(client, api_as, db):
    household = factories.make_household()
    _operator, headers = api_as("operator")
    url = f"/api/v1/households/{household.id}/move-out"
    assert client.post(url, json={"moved_out_on": "2026-12-01"}, headers=headers).status_code \
        == 200
    assert client.post(url, json={"moved_out_on": "2026-12-02"}, headers=headers).status_code \
        == 409
