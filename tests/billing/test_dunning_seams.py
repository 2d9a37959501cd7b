"""Issue 16 seams of the dunning path: the Paris calendar (16.4), a postponed household (16.5),
the manual reduce that bypassed the rules (16.6) and the schedule's one home."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from billing import dunning
from billing.choices import DUNNING_KIND_LABELS, DUNNING_SCHEDULE, DunningKind, ReductionState
from isp import timeutil
from isp.errors import DomainError
from network.provisioning.models import ProvisioningJob
from subscribers import lifecycle
from tests import factories
from tests.billing.factories import billed_household, issue

DUE = date(2026, 10, 2)   # invoices of 2026-08 issued 2026-09-02 are due 2026-10-02


@pytest.fixture
def proposal(db):
    """A household in arrears with a reduction proposal waiting (made on Tuesday 1 December)."""
    billed_household(tier="T2")
    issue("2026-08", date(2026, 9, 2))
    for day in (15, 30, 60):
        dunning.run_dunning(on=DUE + timedelta(days=day))
    return db.session.execute(dunning.pending_proposals()).scalars().one()


# --- 16.4: one calendar, Europe/Paris -------------------------------------------------------

@pytest.mark.clock("2026-12-31T23:30:00+00:00")
def test_today_at_2330_utc_on_the_31st_is_the_1st_of_next_month_in_paris():
    assert timeutil.today() == date(2027, 1, 1)
    assert timeutil.current_period() == "2027-01"
    assert timeutil.month_bounds(timeutil.today()) == (date(2027, 1, 1), date(2027, 1, 31))


@pytest.mark.clock("2026-07-14T10:00:00+02:00")
def test_french_holidays_and_working_days_come_from_the_calendar():
    assert timeutil.is_public_holiday(timeutil.today())          # Bastille Day
    assert not timeutil.is_working_day(date(2027, 5, 17))        # Whit Monday 2027
    assert timeutil.is_working_day(date(2026, 12, 4))            # a Friday is a working day...
    assert not dunning.may_reduce_on(date(2026, 12, 4))          # ...but never for a reduction
    assert timeutil.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 28)


@pytest.mark.clock("2026-12-03T23:30:00+00:00")
def test_approval_on_thursday_2330_utc_is_refused_because_it_is_friday_in_paris(proposal):
    operator = factories.make_user("operator")
    with pytest.raises(DomainError, match="vendredi"):
        dunning.approve_reduction(proposal, actor=operator)
    assert proposal.state == ReductionState.PROPOSED
    assert proposal.household.subscriptions[0].status == "active"


@pytest.mark.clock("2026-12-03T22:30:00+00:00")
def test_approval_on_thursday_2330_in_paris_is_accepted(proposal):
    dunning.approve_reduction(proposal, actor=factories.make_user("operator"))
    assert proposal.state == ReductionState.APPLIED
    assert proposal.household.subscriptions[0].status == "reduced"


# --- 16.5: a postponed household is not reduced -------------------------------------------------

def test_a_postponed_household_cannot_be_reduced_by_an_earlier_proposal(proposal):
    operator = factories.make_user("operator")
    dunning.postpone(proposal.household, actor=operator, until=date(2027, 1, 15),
                     reason="Hospitalisation du titulaire", on=date(2026, 12, 1))
    with pytest.raises(DomainError, match="reportée jusqu'au 2027-01-15"):
        dunning.approve_reduction(proposal, actor=operator, on=date(2026, 12, 1))
    assert proposal.state == ReductionState.PROPOSED
    assert proposal.household.subscriptions[0].status == "active"
    # after the postponement the proposal can be approved on a working day
    dunning.approve_reduction(proposal, actor=operator, on=date(2027, 1, 19))
    assert proposal.state == ReductionState.APPLIED


# --- 16.6: no way around the dunning path ---------------------------------------------------------

@pytest.mark.clock("2026-12-06T11:00:00+01:00")   # a Sunday
def test_the_change_screen_refuses_a_manual_reduction_for_debt(client, login_as, proposal):
    login_as("admin")
    subscription = proposal.household.subscriptions[0]
    response = client.post(f"/subscriptions/{subscription.id}/change?action=reduce", data={
        "action": "reduce", "reason": "réduction manuelle pour impayé un dimanche"})
    assert response.status_code == 400
    assert "relance sociale" in response.get_data(as_text=True)
    assert subscription.status == "active"
    assert factories.db.session.execute(select(ProvisioningJob).where(
        ProvisioningJob.subscription_id == subscription.id)).first() is None


@pytest.mark.clock("2026-12-01T11:00:00+01:00")   # a Tuesday: the day is not the point
def test_the_api_refuses_any_manual_reduction_of_a_household_in_arrears(client, api_as,
                                                                       proposal):
    _user, headers = api_as("operator")
    subscription = proposal.household.subscriptions[0]
    response = client.post(f"/api/v1/subscriptions/{subscription.id}/actions", headers=headers,
                           json={"action": "reduce", "reason": "Ligne instable"})
    assert response.status_code == 409
    assert response.get_json()["field"] == "action"
    assert subscription.status == "active"


def test_a_technical_reduction_of_a_household_without_debt_remains(db):
    household = billed_household()
    subscription = household.subscriptions[0]
    lifecycle.reduce_service(subscription, actor=factories.make_user("operator"),
                             reason="Ligne instable : débit réduit en attendant le technicien")
    assert subscription.status == "reduced"


def test_a_debt_reason_without_a_proposal_is_refused_even_without_debt(db):
    subscription = billed_household().subscriptions[0]
    with pytest.raises(DomainError, match="relance sociale"):
        lifecycle.reduce_service(subscription, actor=factories.make_user("operator"),
                                 reason="Impayé depuis 3 mois")
    assert subscription.status == "active"


def test_cleared_debt_lifts_the_reduction_through_the_declared_event(proposal):
    from billing import payments

    operator = factories.make_user("operator")
    dunning.approve_reduction(proposal, actor=operator, on=date(2026, 12, 1))
    subscription = proposal.household.subscriptions[0]
    assert subscription.status == "reduced"
    payments.record_payment(proposal.household, actor=operator, amount_cents=590,
                            method="cash", received_on=date(2026, 12, 1))
    assert proposal.state == ReductionState.LIFTED
    assert subscription.status == "active"
    assert [e.to_status for e in lifecycle.history(subscription)][-2:] == ["reduced", "active"]


# --- one home for the schedule -----------------------------------------------------------------

def test_labels_texts_and_the_charter_read_the_one_schedule(client, login_as, proposal,
                                                            monkeypatch):
    days = DUNNING_SCHEDULE[DunningKind.REDUCTION]
    assert f"J+{days}" in str(DUNNING_KIND_LABELS[DunningKind.REDUCTION])
    assert f"J+{days}" in proposal.text
    with pytest.raises(DomainError, match=f"J\\+{days}"):
        lifecycle.suspend(proposal.household.subscriptions[0],
                          actor=factories.make_user("operator"), reason="impayés")
    login_as("operator")
    monkeypatch.setitem(DUNNING_SCHEDULE, DunningKind.REDUCTION, 75)
    charter = client.get("/charter").get_data(as_text=True)
    assert "75 jours" in charter and "60 jours" not in charter
