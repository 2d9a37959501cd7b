"""Assignment decisions, bookings (conflicts, capacity), session records and figures."""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from isp.auth import Scope
from isp.errors import DomainError, NotFoundError
from isp.extensions import db as _db
from isp.models import AuditEntry
from isp.timeutil import as_utc, today, utcnow
from mediation.assignments import (
    assign_household,
    assignment_history,
    current_assignment,
    suggestions_for,
    unassigned_households_query,
)
from mediation.figures import mediation_figures
from mediation.models import Assignment, Booking, SessionRecord
from mediation.sessions import record_session
from mediation.slots import (
    LOCAL,
    book,
    cancel_slot,
    get_slot,
    holding_count,
    publish_slot,
    reminder_text,
    set_booking_status,
)
from tests import factories
from tests.mediation.factories import make_booking, make_session, make_slot


@pytest.fixture
def pb(db):
    """A district with two associations, a building, an operator and a mediator of A."""
    district = factories.make_district()
    building = factories.make_building(district=district)
    a = factories.make_association(districts=district.code, languages="fr;ar",
                                   specialties="email", capacity_per_month=10)
    b = factories.make_association(districts=district.code, languages="fr",
                                   specialties="job_search", capacity_per_month=10)
    return {"district": district, "building": building, "a": a, "b": b,
            "operator": factories.make_user("operator"),
            "mediator": factories.make_user("mediator", association=a)}


def household(pb, association=None, **fields):
    return factories.make_household(unit=factories.make_unit(building=pb["building"]),
                                    association=association, **fields)


# --- assignment ------------------------------------------------------------------------------

def test_confirming_the_suggestion_records_who_when_and_the_terms(pb):
    h = household(pb, language="ar", needs="email")
    top = suggestions_for(h)[0]
    assert top.code == pb["a"].code and top.score == 3 + 2 + 1
    assignment = assign_household(h, top.code, reason=None, actor=pb["operator"])
    assert assignment.decided_by_id == pb["operator"].id
    assert assignment.decided_at is not None
    assert assignment.reason == "Suggestion confirmée"
    assert "langue" in assignment.suggestion


def test_choosing_another_needs_a_reason_and_reassignment_keeps_history(pb):
    h = household(pb, language="ar", needs="email")
    with pytest.raises(DomainError) as error:
        assign_household(h, pb["b"].code, reason="", actor=pb["operator"])
    assert error.value.field == "reason"
    first = assign_household(h, pb["b"].code, reason="Proche du travail",
                             actor=pb["operator"])
    second = assign_household(h, pb["a"].code, reason="Change", actor=pb["operator"])
    history = assignment_history(h.id)
    assert {x.id for x in history} == {first.id, second.id}
    assert first.ended_at is not None and second.ended_at is None
    with pytest.raises(DomainError) as again:
        assign_household(h, pb["a"].code, reason="x", actor=pb["operator"])
    assert again.value.status == 409


def test_mediator_cannot_decide_an_assignment(pb):
    h = household(pb)
    with pytest.raises(DomainError) as error:
        assign_household(h, pb["a"].code, reason="x", actor=pb["mediator"])
    assert error.value.status == 403
    assert current_assignment(h.id) is None


def test_capacity_counts_this_months_new_households(pb, db):
    pb["a"].capacity_per_month = 1
    h1, h2 = household(pb, needs="email"), household(pb, needs="email")
    assign_household(h1, pb["a"].code, reason=None, actor=pb["operator"])
    ranked = {s.code: s for s in suggestions_for(h2)}
    assert ranked[pb["a"].code].score == 3 + 2 - 5
    assert suggestions_for(h2)[0].code == pb["b"].code


def test_unassigned_list_excludes_followed_and_departed(pb):
    free = household(pb)
    household(pb, association=pb["a"])
    household(pb, moved_out_on=today())
    ids = {h.id for h in _db.session.execute(
        unassigned_households_query()).scalars()}
    assert free.id in ids and len(ids & {free.id}) == 1
    assert all(current_assignment(i) is None for i in ids)


def test_ending_an_assignment_cuts_the_session_link_and_cancels_future_bookings(pb, db):
    h = household(pb, association=pb["a"])
    record = record_session(
        actor=pb["mediator"], association=pb["a"], kind="individual", held_on=today(),
        duration_minutes=45, place_type="own_place", commune_code="44109", themes=["email"],
        household_id=h.id)
    assert record.household_id == h.id and record.building_id == pb["building"].id
    booking = book(make_slot(pb["a"]), h.id, actor=pb["mediator"])
    assign_household(h, pb["b"].code, reason="déménagement de l'activité",
                     actor=pb["operator"])
    db.session.refresh(record)
    assert record.household_id is None and record.assignment_id is None
    assert record.building_id == pb["building"].id  # kept for aggregate figures
    assert db.session.get(Booking, booking.id).status == "cancelled"


# --- bookings ----------------------------------------------------------------------------------

def test_booking_refuses_a_full_slot(pb):
    slot = make_slot(pb["a"], capacity=2, kind="collective")
    h1, h2, h3 = (household(pb, association=pb["a"]) for _ in range(3))
    book(slot, h1.id, actor=pb["mediator"])
    book(slot, h2.id, actor=pb["mediator"])
    with pytest.raises(DomainError) as error:
        book(slot, h3.id, actor=pb["mediator"])
    assert error.value.status == 409 and "complet" in error.value.message
    assert holding_count(slot) == 2


def test_cancelled_seat_is_freed(pb):
    slot = make_slot(pb["a"], capacity=1)
    h1, h2 = household(pb, association=pb["a"]), household(pb, association=pb["a"])
    booking = book(slot, h1.id, actor=pb["mediator"])
    set_booking_status(booking, "cancelled", actor=pb["mediator"])
    assert book(slot, h2.id, actor=pb["mediator"]).status == "booked"


@pytest.mark.parametrize(("offset_minutes", "conflict"), [
    (0, True), (30, True), (-30, True), (59, True), (60, False), (-60, False), (120, False)])
def test_no_double_booking_at_the_same_time(pb, offset_minutes, conflict):
    start = utcnow().replace(microsecond=0) + timedelta(days=3)
    first = make_slot(pb["a"], starts_at=start)
    second = make_slot(pb["a"], starts_at=start + timedelta(minutes=offset_minutes))
    h = household(pb, association=pb["a"])
    book(first, h.id, actor=pb["mediator"])
    if conflict:
        with pytest.raises(DomainError) as error:
            book(second, h.id, actor=pb["mediator"])
        assert error.value.status == 409
    else:
        assert book(second, h.id, actor=pb["mediator"]).status == "booked"


def test_same_household_twice_on_one_slot_is_refused(pb):
    slot = make_slot(pb["a"], capacity=3, kind="collective")
    h = household(pb, association=pb["a"])
    book(slot, h.id, actor=pb["mediator"])
    with pytest.raises(DomainError):
        book(slot, h.id, actor=pb["mediator"])


def test_mediator_books_only_households_and_slots_of_their_association(pb):
    own_slot, other_slot = make_slot(pb["a"]), make_slot(pb["b"])
    theirs = household(pb, association=pb["b"])
    ours = household(pb, association=pb["a"])
    with pytest.raises(NotFoundError):
        book(own_slot, theirs.id, actor=pb["mediator"])
    with pytest.raises(NotFoundError):
        book(other_slot, ours.id, actor=pb["mediator"])
    with pytest.raises(NotFoundError):
        get_slot(other_slot.id, Scope.of(pb["mediator"]))


def test_past_or_cancelled_slots_cannot_be_booked(pb):
    h = household(pb, association=pb["a"])
    past = make_slot(pb["a"], starts_at=utcnow() - timedelta(hours=3))
    with pytest.raises(DomainError):
        book(past, h.id, actor=pb["mediator"])
    slot = make_slot(pb["a"])
    cancel_slot(slot, actor=pb["mediator"])
    with pytest.raises(DomainError):
        book(slot, h.id, actor=pb["mediator"])


def test_attendance_only_after_the_start(pb):
    h = household(pb, association=pb["a"])
    future = book(make_slot(pb["a"]), h.id, actor=pb["mediator"])
    with pytest.raises(DomainError):
        set_booking_status(future, "attended", actor=pb["mediator"])
    started = make_slot(pb["a"], starts_at=utcnow() - timedelta(minutes=10))
    booking = make_booking(started, h)
    assert set_booking_status(booking, "attended", actor=pb["mediator"]).status \
        == "attended"


def test_publish_slot_rules(pb):
    start = utcnow() + timedelta(days=1)
    slot = publish_slot(actor=pb["mediator"], association=pb["a"], starts_at=start,
                        duration_minutes=90, capacity=6, topic="admin_caf",
                        kind="collective")
    assert slot.association_id == pb["a"].id
    with pytest.raises(DomainError):
        publish_slot(actor=pb["mediator"], association=pb["a"], starts_at=start,
                     duration_minutes=60, capacity=3, topic="email", kind="individual")
    with pytest.raises(NotFoundError):
        publish_slot(actor=pb["mediator"], association=pb["b"], starts_at=start,
                     duration_minutes=60, capacity=1, topic="email", kind="individual")


def test_reminder_text_is_ready_to_copy(pb):
    pb["a"].phone = "02 40 00 00 01"
    slot = make_slot(pb["a"], starts_at=as_utc(
        datetime(2030, 3, 5, 13, 30, tzinfo=UTC)))
    text = reminder_text(make_booking(slot, household(pb, association=pb["a"])))
    assert "mardi 5 mars à 14h30" in text  # Paris time (UTC+1 in March)
    assert "02 40 00 00 01" in text and len(text) <= 320


# --- session records -------------------------------------------------------------------------

def test_session_record_rules(pb):
    kwargs = dict(actor=pb["mediator"], association=pb["a"], held_on=today(),
                  duration_minutes=60, place_type="own_place", commune_code="44109",
                  themes=["email", "admin_caf"])
    record = record_session(kind="collective", participants=6, **kwargs)
    assert record.theme_list == ["email", "admin_caf"] and record.household_id is None
    for bad in ({"kind": "collective", "participants": 1}, {"kind": "individual",
                                                            "themes": ["nope"]},
                {"kind": "individual", "commune_code": "4410"},
                {"kind": "individual", "held_on": today() + timedelta(days=1)},
                {"kind": "individual", "household_id": household(pb, association=pb["b"]).id}):
        with pytest.raises(DomainError):
            record_session(**{**kwargs, **bad})


# --- figures ------------------------------------------------------------------------------------

def test_mediation_figures(pb):
    period = today().strftime("%Y-%m")
    first = today().replace(day=1)
    start = datetime.combine(first, time(10), tzinfo=LOCAL)
    slot = make_slot(pb["a"], starts_at=start, capacity=4, kind="collective")
    other_building = factories.make_building(district=pb["district"])
    h1, h2, h3 = (household(pb, association=pb["a"]) for _ in range(3))
    far = factories.make_household(unit=factories.make_unit(building=other_building),
                                   association=pb["a"])
    make_booking(slot, h1, "attended")
    make_booking(slot, h2, "absent")
    make_booking(slot, h3, "cancelled")
    make_booking(slot, far, "attended")
    record_session(actor=pb["mediator"], association=pb["a"], kind="individual",
                   held_on=first, duration_minutes=90, place_type="own_place",
                   commune_code="44109", themes=["email", "admin_caf"],
                   household_id=h1.id)
    whole = mediation_figures(association_code=pb["a"].code, period=period)
    assert whole["slots"] == 1 and whole["bookings"] == 3
    assert whole["attended"] == 2 and whole["attendance_rate"] == round(2 / 3, 4)
    assert whole["sessions"] == 1 and whole["hours"] == 1.5
    assert whole["sessions_by_theme"] == {"admin_caf": 1, "email": 1}
    assert whole["households_accompanied"] == 2
    building = mediation_figures(building_code=pb["building"].code, period=period)
    assert building["bookings"] == 2 and building["attendance_rate"] == 0.5
    assert building["households_accompanied"] == 1
    assert mediation_figures(association_code=pb["b"].code, period=period)[
        "slots"] == 0
    district = mediation_figures(district_code=pb["district"].code, period=period)
    assert district["bookings"] == 3
    with pytest.raises(DomainError):
        mediation_figures(period="2026-13")


# --- pages: scope and audit -------------------------------------------------------------------

def test_mediator_pages_show_own_slots_and_audit_household_reads(pb, client, login_as, db):
    user = login_as("mediator", association=pb["a"])
    h = household(pb, association=pb["a"], holder_name="Zoé Témoin")
    slot = make_slot(pb["a"])
    make_booking(slot, h)
    other = make_slot(pb["b"], topic="admin_tax")
    page = client.get(f"/mediation/slots/{slot.id}")
    assert page.status_code == 200 and "Zoé Témoin" in page.get_data(as_text=True)
    assert client.get(f"/mediation/slots/{other.id}").status_code == 404
    listing = client.get("/mediation/slots").get_data(as_text=True)
    assert f"/mediation/slots/{slot.id}" in listing and f"/mediation/slots/{other.id}" \
        not in listing
    entries = db.session.execute(select(AuditEntry).where(AuditEntry.actor_id == user.id))\
        .scalars().all()
    assert any(str(h.id) in (e.detail or "") for e in entries)
    assert client.get("/mediation/planning").status_code == 200
    assert client.get(f"/mediation/planning?association={pb['b'].code}").status_code == 404


def test_mediator_books_and_records_through_the_pages(pb, client, login_as, db):
    login_as("mediator", association=pb["a"])
    h = household(pb, association=pb["a"])
    slot = make_slot(pb["a"])
    response = client.post(f"/mediation/slots/{slot.id}/book", data={"household_id": h.id})
    assert response.status_code == 302
    assert db.session.execute(select(Booking).where(Booking.household_id == h.id)).scalar_one()
    response = client.post("/mediation/sessions/new", data={
        "household_id": h.id, "kind": "individual", "held_on": today().isoformat(),
        "duration_minutes": 60, "place_type": "own_place", "commune_code": "44109",
        "themes": ["email"]})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    record = db.session.execute(select(SessionRecord).where(
        SessionRecord.household_id == h.id)).scalar_one()
    assert client.get(f"/mediation/sessions/{record.id}").status_code == 200
    other = make_session(pb["b"])
    assert client.get(f"/mediation/sessions/{other.id}").status_code == 404


def test_the_orientation_list_searches_and_lists_again(pb, client, login_as, db):
    """Its statements are built once (issue 23.3): a search's words stay with its request."""
    login_as("operator")
    named = household(pb, holder_name="Zoé Kerbrat")
    other = household(pb, holder_name="Ali Benaïssa")
    found = client.get("/orientation?q=kerbrat").get_data(as_text=True)
    assert named.holder_name in found and other.holder_name not in found
    everyone = client.get("/orientation").get_data(as_text=True)
    assert named.holder_name in everyone and other.holder_name in everyone


def test_operator_orientation_page_shows_terms_and_records_decision(pb, client, login_as, db):
    operator = login_as("operator")
    h = household(pb, language="ar", needs="email")
    page = client.get(f"/households/{h.id}/orientation").get_data(as_text=True)
    assert "Parle la langue préférée du foyer (ar) : +3." in page
    batch = client.get("/orientation").get_data(as_text=True)
    assert h.unit.code in batch and "Confirmer" in batch
    response = client.post(f"/households/{h.id}/orientation",
                           data={"association_code": pb["b"].code, "reason": ""})
    assert response.status_code == 400  # another one without a reason
    assert current_assignment(h.id) is None
    response = client.post(f"/households/{h.id}/orientation",
                           data={"association_code": pb["a"].code, "next": "orientation"})
    assert response.status_code == 302
    assignment = db.session.execute(select(Assignment).where(
        Assignment.household_id == h.id)).scalar_one()
    assert assignment.decided_by_id == operator.id
