"""Coaching proposals tied to the connection (issue 20): signals, answers, the 30-day figure."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from isp.auth import Scope
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from mediation import proposals
from mediation.models import Booking
from mediation.models_proposals import CoachingProposal
from subscribers import lifecycle
from support import tickets as support
from tests import factories
from tests.mediation.factories import make_slot
from tests.network.factories_provisioning import make_wired_household


def _proposals(household_id: int) -> list[CoachingProposal]:
    return list(db.session.execute(select(CoachingProposal).where(
        CoachingProposal.household_id == household_id)).scalars())


def _activate(household, operator):
    subscription = lifecycle.subscribe(household, tier="T1", actor=operator)
    lifecycle.mark_active(subscription, actor=operator)
    return subscription


def test_a_first_activation_proposes_a_first_session_to_the_association(db):
    operator = factories.make_user("operator")
    association = factories.make_association()
    household = make_wired_household(association=association)

    subscription = _activate(household, operator)

    [proposal] = _proposals(household.id)
    assert (proposal.kind, proposal.status) == ("first_session", "proposed")
    assert proposal.association_id == association.id
    assert proposal.source_ref == f"subscription:{subscription.id}"


def test_without_association_the_proposal_waits_in_the_orientation_queue(db):
    operator = factories.make_user("operator")
    household = make_wired_household()

    _activate(household, operator)

    [proposal] = _proposals(household.id)
    assert proposal.association_id is None
    queue = db.session.execute(proposals.proposals_query(Scope.of(operator), queue_only=True)
                               ).scalars().all()
    assert proposal in queue


def test_the_same_cause_proposes_once(db):
    household = factories.make_household()
    subscription = factories.make_subscription(household=household)
    proposals.propose_first_session(subscription, activated_on=date(2026, 11, 2))
    assert proposals.propose_first_session(subscription, activated_on=date(2026, 11, 2)) is None
    assert len(_proposals(household.id)) == 1


def _closed_ticket(household, operator, *, usage_question: bool):
    ticket = support.open_ticket(actor=operator, subject="Comment envoyer un mail ?",
                                 category="other", source="phone", household_id=household.id)
    support.update_ticket(ticket, actor=operator, status="closed",
                          usage_question=usage_question)
    return ticket


def test_a_ticket_closed_as_a_usage_question_proposes_a_follow_up(db):
    operator = factories.make_user("operator")
    association = factories.make_association()
    household = factories.make_household(association=association)

    ticket = _closed_ticket(household, operator, usage_question=True)

    [proposal] = _proposals(household.id)
    assert (proposal.kind, proposal.source_ref) == ("follow_up", f"ticket:{ticket.number}")


def test_a_fault_closed_proposes_nothing(db):
    operator = factories.make_user("operator")
    household = factories.make_household(association=factories.make_association())

    _closed_ticket(household, operator, usage_question=False)

    assert _proposals(household.id) == []


def test_a_mediator_accepts_by_booking_a_slot_of_their_association(db):
    association = factories.make_association()
    mediator = factories.make_user("mediator", association=association)
    household = factories.make_household(association=association)
    proposal = proposals.propose_first_session(
        factories.make_subscription(household=household), activated_on=date(2026, 11, 2))
    slot = make_slot(association)

    proposals.accept(proposal, slot.id, actor=mediator)

    assert proposal.status == "accepted" and proposal.decided_by_id == mediator.id
    booking = db.session.get(Booking, proposal.booking_id)
    assert (booking.slot_id, booking.household_id) == (slot.id, household.id)
    with pytest.raises(DomainError, match="déjà reçu"):
        proposals.decline(proposal, "trop tard", actor=mediator)


def test_a_slot_of_another_association_is_not_found(db):
    association = factories.make_association()
    mediator = factories.make_user("mediator", association=association)
    household = factories.make_household(association=association)
    proposal = proposals.propose_first_session(
        factories.make_subscription(household=household), activated_on=date(2026, 11, 2))
    other_slot = make_slot(factories.make_association())

    with pytest.raises(NotFoundError):
        proposals.accept(proposal, other_slot.id, actor=mediator)
    assert proposal.status == "proposed"


def test_declining_needs_a_reason_and_other_associations_do_not_see_it(db):
    association = factories.make_association()
    mediator = factories.make_user("mediator", association=association)
    stranger = factories.make_user("mediator", association=factories.make_association())
    household = factories.make_household(association=association)
    proposal = proposals.propose_first_session(
        factories.make_subscription(household=household), activated_on=date(2026, 11, 2))

    with pytest.raises(DomainError, match="pourquoi"):
        proposals.decline(proposal, "  ", actor=mediator)
    with pytest.raises(NotFoundError):
        proposals.get_proposal(proposal.id, Scope.of(stranger))
    proposals.decline(proposal, "Le foyer est déjà autonome", actor=mediator)
    assert (proposal.status, proposal.decline_reason) == ("declined",
                                                          "Le foyer est déjà autonome")


def test_moving_out_withdraws_open_proposals(db):
    household = factories.make_household()
    proposal = proposals.propose_first_session(
        factories.make_subscription(household=household), activated_on=date(2026, 11, 2))
    assert proposals.withdraw_for_household(household.id, actor=None) == 1
    assert proposal.status == "withdrawn"


@pytest.mark.clock("2026-12-20T10:00:00+01:00")
def test_the_analyst_figure_counts_sessions_within_30_days_with_disclosure(db):
    from tests.mediation.factories import at, make_booking

    association = factories.make_association()
    for number in range(12):
        household = factories.make_household(association=association)
        proposal = proposals.propose_first_session(
            factories.make_subscription(household=household), activated_on=date(2026, 11, 2))
        assert proposal is not None
        if number < 7:  # 7 attended within 30 days
            slot = make_slot(association, starts_at=at(2026, 11, 10 + number))
            make_booking(slot, household, status="attended")
        elif number == 7:  # attended, but 40 days later: not counted
            slot = make_slot(association, starts_at=at(2026, 11, 2) + timedelta(days=40))
            make_booking(slot, household, status="attended")

    figure = proposals.followed_within_30_days("2026-11")

    assert (figure.connections, figure.followed) == (10, 5)  # 12 → 10, 7 → 5 (base 5)
    assert figure.share_percent == 50
    assert proposals.followed_within_30_days("2026-10").connections is None


@pytest.mark.clock("2026-12-20T10:00:00+01:00")
def test_the_figure_of_several_months_matches_each_window_to_the_day(db):
    from tests.mediation.factories import at, make_booking, make_session

    association = factories.make_association()

    def connected(on: date):
        household = factories.make_household(association=association)
        proposals.propose_first_session(factories.make_subscription(household=household),
                                        activated_on=on)
        return household

    def attended(household, starts_at):
        make_booking(make_slot(association, starts_at=starts_at), household, status="attended")

    # October: followed across the month's end, on the 30th day, and not on the 31st.
    attended(connected(date(2026, 10, 25)), at(2026, 11, 10))
    attended(connected(date(2026, 10, 20)), at(2026, 11, 19, 10))
    attended(connected(date(2026, 10, 21)), at(2026, 11, 21, 9))
    connected(date(2026, 10, 22))
    # November: a session record on the 30th day counts, on the 31st not; a booking before
    # the connection, or not attended, does not count.
    record_day_30, record_day_31 = connected(date(2026, 11, 3)), connected(date(2026, 11, 4))
    make_session(association, household=record_day_30).held_on = date(2026, 12, 3)
    make_session(association, household=record_day_31).held_on = date(2026, 12, 5)
    attended(connected(date(2026, 11, 12)), at(2026, 11, 11))
    make_booking(make_slot(association, starts_at=at(2026, 11, 20)),
                 connected(date(2026, 11, 13)), status="booked")

    counts = proposals._raw_counts(["2026-12", "2026-11", "2026-10"])

    assert counts == {"2026-12": (0, 0), "2026-11": (4, 1), "2026-10": (4, 2)}
    assert proposals._raw_counts(["2026-10"]) == {"2026-10": (4, 2)}


@pytest.mark.clock("2026-12-20T10:00:00+01:00")
def test_the_analyst_figure_is_suppressed_under_five_connections(db):
    for _n in range(3):
        proposals.propose_first_session(factories.make_subscription(),
                                        activated_on=date(2026, 11, 5))
    figure = proposals.followed_within_30_days("2026-11")
    assert figure.connections is None and figure.suppressed


def test_the_mediator_page_lists_and_accepts(client, login_as):
    association = factories.make_association()
    household = factories.make_household(association=association, holder_name="Rose Martin")
    proposal = proposals.propose_first_session(
        factories.make_subscription(household=household), activated_on=date(2026, 11, 2))
    slot = make_slot(association)
    login_as("mediator", association=association)

    page = client.get("/mediation/proposals")
    assert page.status_code == 200 and "Rose Martin" in page.get_data(as_text=True)
    empty = client.post(f"/mediation/proposals/{proposal.id}/decline", data={})
    assert empty.status_code == 400
    done = client.post(f"/mediation/proposals/{proposal.id}/accept",
                       data={f"p{proposal.id}-slot_id": slot.id})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(CoachingProposal, proposal.id).status == "accepted"


def test_the_api_declines_and_refuses_bad_input(client, api_as):
    association = factories.make_association()
    household = factories.make_household(association=association)
    proposal = proposals.propose_first_session(
        factories.make_subscription(household=household), activated_on=date(2026, 11, 2))
    _user, headers = api_as("mediator", association=association)

    listed = client.get("/api/v1/proposals", headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [proposal.id]
    bad = client.post(f"/api/v1/proposals/{proposal.id}/accept", json={"slot_id": "x"},
                      headers=headers)
    assert bad.status_code == 422 and bad.get_json()["error"]
    answer = client.post(f"/api/v1/proposals/{proposal.id}/decline",
                         json={"reason": "Déjà suivi ailleurs"}, headers=headers)
    assert answer.status_code == 200 and answer.get_json()["status"] == "declined"


def test_the_analyst_sees_only_aggregates(client, api_as):
    _user, headers = api_as("analyst")
    body = client.get("/api/v1/proposals/figures?months=3", headers=headers).get_json()
    assert len(body["items"]) == 3 and set(body["items"][0]) == {
        "period", "connections", "followed", "share_percent", "suppressed"}
    assert client.get("/api/v1/proposals", headers=headers).status_code == 403
