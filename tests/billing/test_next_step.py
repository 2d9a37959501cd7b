"""What comes next on the dunning path (issue 18.5): one forecast, the daily pass's own rules."""

from datetime import date, timedelta

import pytest

from billing import dunning
from billing.choices import DunningKind
from tests import factories
from tests.billing.factories import billed_household, issue

DUE = date(2026, 10, 2)   # invoices of 2026-08 issued 2026-09-02 are due Friday 2026-10-02


@pytest.fixture
def debtor(db):
    household = billed_household(tier="T2")
    issue("2026-08", date(2026, 9, 2))
    return household


def test_the_forecast_is_what_the_daily_pass_then_does(debtor):
    """Day after day, the step forecast for today is the one the pass makes, and no other."""
    seen = []
    for offset in range(1, 80):
        day = DUE + timedelta(days=offset)
        forecast = dunning.next_step(debtor.id, on=day)
        made = dunning.run_dunning(on=day)
        created = {"reminder": made.reminders, "referral": made.referrals,
                   "reduction": made.proposals}
        expected = forecast.kind if forecast.on == day and forecast.kind in created else None
        assert {k for k, n in created.items() if n} == ({expected} if expected else set()), day
        if expected:
            seen.append((expected, day))
    assert seen == [("reminder", DUE + timedelta(days=15)), ("referral", DUE + timedelta(days=30)),
                    ("reduction", DUE + timedelta(days=60))]


@pytest.mark.clock("2026-10-20T10:00:00+02:00")
def test_after_the_reminder_the_referral_comes_thirty_days_after_the_due_date(debtor):
    dunning.run_dunning(on=DUE + timedelta(days=15))
    step = dunning.next_step(debtor.id)   # today in Paris: 2026-10-20
    assert (step.kind, step.on, step.hold) == (DunningKind.REFERRAL, date(2026, 11, 1), None)
    assert step.days_overdue == 18 and step.invoice_number.startswith("FA-2026-")


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_a_proposal_made_on_a_friday_is_approved_on_monday(debtor):
    for offset in (15, 30, 63):   # the proposal is made on Friday 2026-12-04
        dunning.run_dunning(on=DUE + timedelta(days=offset))
    step = dunning.next_step(debtor.id)
    assert step.kind == "approval"
    assert step.on == step.approvable_from == date(2026, 12, 7)


@pytest.mark.clock("2026-12-24T10:00:00+01:00")
def test_christmas_and_the_weekend_move_the_approval(db):
    household = billed_household(tier="T2")
    issue("2026-08", date(2026, 9, 25))          # due 2026-10-25: J+60 is 2026-12-24
    for day in (date(2026, 11, 9), date(2026, 11, 24), date(2026, 12, 24)):
        dunning.run_dunning(on=day)
    assert dunning.next_step(household.id).kind == "approval"
    assert dunning.next_step(household.id).on == date(2026, 12, 24)   # a Thursday
    assert dunning.next_step(household.id, on=date(2026, 12, 25)).on == date(2026, 12, 28)


@pytest.mark.clock("2026-11-27T10:00:00+01:00")
def test_a_coming_proposal_says_when_it_may_be_approved(db):
    household = billed_household(tier="T2")
    issue("2026-08", date(2026, 9, 2))
    # Due Friday 2026-10-02: J+60 is Tuesday 2026-12-01, a day reductions may be approved.
    dunning.run_dunning(on=DUE + timedelta(days=15))
    dunning.run_dunning(on=DUE + timedelta(days=30))
    step = dunning.next_step(household.id)
    assert (step.kind, step.on, step.approvable_from) == (
        DunningKind.REDUCTION, date(2026, 12, 1), date(2026, 12, 1))


@pytest.mark.clock("2026-10-20T10:00:00+02:00")
def test_holds_are_shown_as_such(debtor):
    operator = factories.make_user("operator")
    dunning.postpone(debtor, actor=operator, until=date(2026, 11, 10), reason="Hospitalisation")
    step = dunning.next_step(debtor.id)
    assert (step.kind, step.hold, step.hold_until, step.on) == (
        DunningKind.REMINDER, "postponed", date(2026, 11, 10), date(2026, 11, 11))
    dunning.file_fsl_request(debtor, actor=operator, filed_on=date(2026, 10, 19))
    step = dunning.next_step(debtor.id)
    assert (step.hold, step.on) == ("fsl", None)


@pytest.mark.clock("2026-10-20T10:00:00+02:00")
def test_a_payment_plan_holds_and_a_paid_household_has_no_next_step(debtor):
    from billing import payments

    operator = factories.make_user("operator")
    dunning.agree_payment_plan(debtor, actor=operator, monthly_cents=100, months=6)
    assert (dunning.next_step(debtor.id).hold, dunning.next_step(debtor.id).on) == ("plan", None)
    payments.record_payment(debtor, actor=operator, amount_cents=590, method="cash",
                            received_on=date(2026, 10, 20))
    assert dunning.next_step(debtor.id) is None


def test_an_applied_reduction_waits_for_the_debt_to_be_cleared(debtor):
    operator = factories.make_user("operator")
    for offset in (15, 30, 60):
        dunning.run_dunning(on=DUE + timedelta(days=offset))
    proposal = factories.db.session.execute(dunning.pending_proposals()).scalar_one()
    dunning.approve_reduction(proposal, actor=operator, on=DUE + timedelta(days=60))
    step = dunning.next_step(debtor.id, on=DUE + timedelta(days=61))
    assert (step.kind, step.on) == ("lift", None)


def test_next_steps_asks_the_database_three_times_for_any_number_of_households(db):
    from sqlalchemy import event

    for _ in range(6):
        billed_household(tier="T2")
    issue("2026-08", date(2026, 9, 2))
    statements = []
    engine = factories.db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        steps = dunning.next_steps(on=DUE + timedelta(days=20))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(steps) == 6 and {s.kind for s in steps.values()} == {"reminder"}
    assert len(statements) == 3


@pytest.mark.clock("2026-10-20T10:00:00+02:00")
def test_each_household_keeps_its_own_hold_when_asked_together(db):
    """The holds of a page come in one statement (issue 23.3): each household gets its own,
    as when asked alone."""
    operator = factories.make_user("operator")
    postponed, fsl, plan, free = (billed_household(tier="T2") for _ in range(4))
    issue("2026-08", date(2026, 9, 2))
    dunning.postpone(postponed, actor=operator, until=date(2026, 11, 10), reason="Hôpital")
    dunning.file_fsl_request(fsl, actor=operator, filed_on=date(2026, 10, 19))
    dunning.agree_payment_plan(plan, actor=operator, monthly_cents=100, months=6)
    ids = [postponed.id, fsl.id, plan.id, free.id]
    together = dunning.next_steps(ids)
    assert {i: (s.hold, s.hold_until) for i, s in together.items()} == {
        postponed.id: ("postponed", date(2026, 11, 10)), fsl.id: ("fsl", None),
        plan.id: ("plan", None), free.id: (None, None)}
    assert together == {i: dunning.next_step(i) for i in ids}


def test_the_arrears_list_built_once_follows_the_day(debtor, client, api_as):
    """The list's statement is built once (issue 23.3): today is each request's value."""
    import time_machine

    _user, headers = api_as("operator")

    def listed() -> list[int]:
        body = client.get("/api/v1/dunning/next-steps", headers=headers).get_json()
        return [item["household_id"] for item in body["items"]]

    with time_machine.travel("2026-10-02T10:00:00+02:00", tick=False):  # due today
        assert debtor.id not in listed()
    with time_machine.travel("2026-10-05T10:00:00+02:00", tick=False):
        assert debtor.id in listed()
    with time_machine.travel("2026-10-02T10:00:00+02:00", tick=False):
        assert debtor.id not in listed()
