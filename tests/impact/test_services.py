"""Rules of the t0 and follow-ups: answers, dates, scope, figures frozen at a follow-up."""

from __future__ import annotations

from datetime import date

import pytest

from impact import services
from impact.choices import Stage
from impact.models import ImpactAnswer
from isp.auth import Scope
from isp.errors import DomainError, NotFoundError
from tests import factories
from tests.impact.factories import answers, record, subscribed_household

CLOCK = "2026-11-15T10:00:00+01:00"


def test_add_months_keeps_the_day_or_the_months_last():
    assert services.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert services.add_months(date(2026, 8, 15), 6) == date(2027, 2, 15)
    assert services.add_months(date(2026, 3, 10), -3) == date(2025, 12, 10)
    assert services.full_months_between(date(2026, 1, 10), date(2026, 7, 9)) == 5
    assert services.full_months_between(date(2026, 1, 10), date(2026, 7, 10)) == 6
    assert services.full_months_between(date(2026, 7, 10), date(2026, 1, 10)) == 0


@pytest.mark.clock(CLOCK)
def test_operator_records_a_baseline(db):
    household = subscribed_household()
    operator = factories.make_user("operator")
    answer = services.record_answers(household, "t0", answers(), operator)
    assert answer.stage == "t0" and answer.home_connection is True
    assert answer.monthly_cost_cents == 3000 and answer.device_list == ["smartphone"]
    assert answer.recorded_by_role == "operator"
    assert answer.building_id == household.unit.building_id
    assert answer.connected_on == date(2026, 1, 10)
    # t0 carries no system figures: they are taken at the follow-ups
    assert answer.sessions_count is None and answer.usage_octets is None


@pytest.mark.clock(CLOCK)
def test_a_second_recording_corrects_the_first(db):
    household = subscribed_household()
    record(household, "t0")
    record(household, "t0", monthly_cost_cents=2500)
    rows = db.session.execute(db.select(ImpactAnswer).where(
        ImpactAnswer.household_id == household.id)).scalars().all()
    assert len(rows) == 1 and rows[0].monthly_cost_cents == 2500 and rows[0].updated_at


@pytest.mark.clock(CLOCK)
@pytest.mark.parametrize(("overrides", "field"), [
    ({"monthly_cost_cents": -1}, "monthly_cost_cents"),
    ({"monthly_cost_cents": 20_001}, "monthly_cost_cents"),
    ({"monthly_cost_cents": None}, "monthly_cost_cents"),
    ({"home_connection": False, "monthly_cost_cents": 1500}, "monthly_cost_cents"),
    ({"home_connection": "yes"}, "home_connection"),
    ({"devices": []}, "devices"),
    ({"devices": ["none", "tablet"]}, "devices"),
    ({"devices": ["fax"]}, "devices"),
    ({"autonomy": "expert"}, "autonomy"),
    ({"answered_on": "2026-11-16"}, "answered_on"),
    ({"answered_on": "2025-05-31"}, "answered_on"),
    ({"answered_on": "15/11/2026"}, "answered_on"),
    ({"colour": "blue"}, "colour"),
])
def test_bad_answers_are_refused_beside_their_field(db, overrides, field):
    household = subscribed_household()
    with pytest.raises(DomainError) as error:
        record(household, "t0", **overrides)
    assert error.value.field == field
    assert error.value.status in (400, 422)


@pytest.mark.clock(CLOCK)
def test_no_connection_stores_no_cost(db):
    household = subscribed_household()
    answer = record(household, "t0", home_connection=False, monthly_cost_cents=0,
                    devices=["none"])
    assert answer.monthly_cost_cents is None and answer.device_list == ["none"]


@pytest.mark.clock(CLOCK)
def test_baseline_needs_a_subscription_and_a_follow_up_a_connection(db):
    household = factories.make_household()
    with pytest.raises(DomainError) as error:
        record(household, "t0")
    assert error.value.status == 409
    pending = subscribed_household(activated_on=None)
    record(pending, "t0")  # at subscription, before the connection: fine
    with pytest.raises(DomainError) as error:
        record(pending, "m6", answered_on="2026-11-01")
    assert error.value.status == 409


@pytest.mark.clock(CLOCK)
def test_follow_up_dates(db):
    household = subscribed_household(activated_on=date(2026, 6, 10))
    record(household, "t0", answered_on="2026-06-01")
    with pytest.raises(DomainError) as error:  # the 6-month window opens a month early
        record(household, "m6", answered_on="2026-11-09")
    assert error.value.field == "answered_on"
    assert record(household, "m6", answered_on="2026-11-10").stage == "m6"
    with pytest.raises(DomainError):
        record(household, "m12", answered_on="2026-11-10")
    with pytest.raises(DomainError) as error:
        record(household, "x1")
    assert error.value.field == "stage" and error.value.status == 400


@pytest.mark.clock(CLOCK)
def test_a_follow_up_cannot_precede_the_baseline(db):
    household = subscribed_household(activated_on=date(2026, 1, 10))
    record(household, "t0", answered_on="2026-10-01")
    with pytest.raises(DomainError) as error:
        record(household, "m6", answered_on="2026-09-01")
    assert error.value.field == "answered_on"


@pytest.mark.clock(CLOCK)
def test_scope_mediator_of_the_association_only(db):
    association = factories.make_association()
    household = subscribed_household(association=association)
    mine = factories.make_user("mediator", association=association)
    other = factories.make_user("mediator")
    analyst = factories.make_user("analyst")
    assert services.record_answers(household, "t0", answers(), mine).recorded_by_role == \
        "mediator"
    for actor in (other, analyst):
        with pytest.raises(NotFoundError):
            services.record_answers(household, "t0", answers(), actor)


@pytest.mark.clock(CLOCK)
def test_a_household_that_left_is_no_longer_followed(db):
    household = subscribed_household()
    household.moved_out_on = date(2026, 10, 1)
    with pytest.raises(DomainError) as error:
        record(household, "t0")
    assert error.value.status == 409


@pytest.mark.clock(CLOCK)
def test_follow_up_freezes_usage_and_coaching(db):
    from network.models import UsageDay
    from tests.mediation.factories import at, make_booking, make_session, make_slot

    association = factories.make_association()
    household = subscribed_household(activated_on=date(2026, 4, 10), association=association)
    subscription = household.subscriptions[0]
    for day, octets in ((date(2026, 10, 1), 1000), (date(2026, 10, 31), 500),
                        (date(2026, 11, 1), 99_999), (date(2026, 9, 30), 77_777)):
        db.session.add(UsageDay(subscription_id=subscription.id, day=day,
                                download_octets=octets, upload_octets=octets // 10))
    make_session(association, household=household)  # held today
    make_session(association)  # another household's (anonymous) session
    attended = make_booking(make_slot(association, starts_at=at(2026, 9, 1)), household,
                            status="attended")
    make_booking(make_slot(association, starts_at=at(2026, 9, 8)), household, status="absent")
    make_booking(make_slot(association, starts_at=at(2026, 9, 15)), household,
                 status="cancelled")
    make_booking(make_slot(association, starts_at=at(2026, 12, 1)), household)  # after
    db.session.flush()
    answer = record(household, "m6", answered_on="2026-11-15")
    assert answer.usage_month == "2026-10"
    assert answer.usage_octets == 1000 + 100 + 500 + 50
    assert answer.sessions_count == 1
    assert answer.bookings_count == 2 and answer.attended_count == 1
    assert attended.status == "attended"


@pytest.mark.clock(CLOCK)
def test_stage_statuses(db):
    household = subscribed_household(activated_on=date(2026, 5, 1))
    record(household, "t0", answered_on="2026-05-01")
    states = {s.stage: s for s in services.stage_statuses(household)}
    assert states[Stage.T0].state == "recorded"
    assert states[Stage.M6].state == "due" and states[Stage.M6].due_on == date(2026, 11, 1)
    assert states[Stage.M12].state == "upcoming"
    assert states[Stage.M12].opens_on == date(2027, 4, 1)
    new = subscribed_household(activated_on=None)
    assert [s.state for s in services.stage_statuses(new)] == [
        "due", "not_applicable", "not_applicable"]


@pytest.mark.clock(CLOCK)
def test_households_due_by_stage_and_scope(db):
    from isp.choices import Role

    association = factories.make_association()
    t0_due = subscribed_household(activated_on=date(2026, 10, 1), association=association)
    m6_due = subscribed_household(activated_on=date(2026, 5, 15))
    record(m6_due, "t0", answered_on="2026-05-15")
    m12_due = subscribed_household(activated_on=date(2025, 11, 1), association=association)
    record(m12_due, "t0", answered_on="2025-11-01")
    done = subscribed_household(activated_on=date(2026, 10, 1))
    record(done, "t0", answered_on="2026-10-02")

    def due(scope, stage=None):
        return set(db.session.execute(services.due_query(scope, stage)).scalars())

    everyone = Scope(Role.OPERATOR)
    assert {t0_due, m6_due, m12_due} <= due(everyone)
    assert done not in due(everyone)
    assert t0_due in due(everyone, Stage.T0) and m6_due not in due(everyone, Stage.T0)
    assert m6_due in due(everyone, Stage.M6) and m12_due not in due(everyone, Stage.M6)
    assert m12_due in due(everyone, Stage.M12)
    assert due(Scope(Role.MEDIATOR, association.id)) == {t0_due, m12_due}
    stages = services.due_stages([t0_due.id, m12_due.id, done.id])
    assert stages == {t0_due.id: [Stage.T0], m12_due.id: [Stage.M12], done.id: []}


@pytest.mark.clock(CLOCK)
def test_first_session_autonomy_is_offered(db):
    from tests.mediation.factories import make_session

    association = factories.make_association()
    household = subscribed_household(association=association)
    assert services.first_session_autonomy(household.id) is None
    record_ = make_session(association, household=household)
    record_.autonomy, record_.first_session = "not_autonomous", True
    db.session.flush()
    assert services.first_session_autonomy(household.id) == "not_autonomous"


@pytest.mark.clock(CLOCK)
def test_a_resident_records_their_own_households_answers_only(db):
    from tests.residents.conftest import make_resident

    household = subscribed_household()
    resident, _household, _account = make_resident(household)
    answer = services.record_answers(household, "t0", answers(), resident)
    assert answer.recorded_by_role == "resident" and answer.recorded_by_id == resident.id
    with pytest.raises(NotFoundError):
        services.record_answers(subscribed_household(), "t0", answers(), resident)


@pytest.mark.clock(CLOCK)
def test_a_follow_up_completes_the_baselines_autonomy_from_the_first_session(db):
    from tests.mediation.factories import make_session

    association = factories.make_association()
    household = subscribed_household(activated_on=date(2026, 4, 1), association=association)
    baseline = record(household, "t0", answered_on="2026-04-01", autonomy=None)
    first = make_session(association, household=household)
    first.autonomy, first.first_session = "not_autonomous", True
    db.session.flush()
    record(household, "m6", answered_on="2026-11-01", autonomy="autonomous")
    assert baseline.autonomy == "not_autonomous"


@pytest.mark.clock(CLOCK)
def test_due_page_holds_to_due_condition_and_connection_dates(db):
    from sqlalchemy import select

    from subscribers.models import Household

    t0_due = subscribed_household(activated_on=date(2026, 10, 1))
    m6_due = subscribed_household(activated_on=date(2026, 5, 15))
    record(m6_due, "t0", answered_on="2026-05-15")
    # A second, later subscription and one never activated: the first activation counts.
    factories.make_subscription(household=m6_due, activated_on=date(2026, 9, 1))
    factories.make_subscription(household=m6_due, activated_on=None, status="pending")
    pending = subscribed_household(activated_on=None)
    unsubscribed = factories.make_household()
    ids = [t0_due.id, m6_due.id, pending.id, unsubscribed.id]
    page = services.due_page(ids)
    on = date(2026, 11, 15)
    for stage in Stage:
        due = set(db.session.execute(select(Household.id).where(
            Household.id.in_(ids), services.due_condition(stage)),
            services.due_thresholds(on)).scalars())
        assert {i for i in ids if stage in page[i].stages} == due, stage
    connected = services.connection_dates(ids)
    assert {i: row.connected_on for i, row in page.items()} == {i: connected.get(i) for i in ids}
    assert page[m6_due.id] == services.DueRow([Stage.M6], date(2026, 5, 15))
    assert page[pending.id] == services.DueRow([Stage.T0], None)
    assert services.due_page([]) == {}
