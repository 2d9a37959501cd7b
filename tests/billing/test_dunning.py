"""Social dunning timelines with frozen dates; nothing ever cuts anyone off for debt."""

import ast
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from billing import accounts, dunning, payments
from billing.choices import DunningKind, ReductionState
from billing.models import DunningStep
from isp.errors import DomainError
from tests import factories
from tests.billing.factories import billed_household, issue

DUE = date(2026, 10, 2)   # invoices of 2026-08 issued 2026-09-02 are due 2026-10-02


def _steps(household):
    return [(s.kind, s.state) for s in factories.db.session.execute(
        select(DunningStep).where(DunningStep.household_id == household.id)
        .order_by(DunningStep.id)).scalars()]


@pytest.fixture
def debtor(db):
    association = factories.make_association(name="Asso du quartier")
    household = billed_household(tier="T2", association=association)
    issue("2026-08", date(2026, 9, 2))
    return household


def test_timeline_reminder_referral_then_proposal(debtor):
    assert dunning.run_dunning(on=DUE + timedelta(days=14)).reminders == 0
    assert dunning.run_dunning(on=DUE + timedelta(days=15)).reminders == 1
    assert dunning.run_dunning(on=DUE + timedelta(days=16)).reminders == 0   # once only
    assert dunning.run_dunning(on=DUE + timedelta(days=29)).referrals == 0
    result = dunning.run_dunning(on=DUE + timedelta(days=30))
    assert result.referrals == 1
    assert dunning.run_dunning(on=DUE + timedelta(days=59)).proposals == 0
    assert dunning.run_dunning(on=DUE + timedelta(days=60)).proposals == 1
    assert _steps(debtor) == [("reminder", None), ("referral", None),
                              ("reduction", ReductionState.PROPOSED)]
    referral = factories.db.session.execute(select(DunningStep).where(
        DunningStep.kind == DunningKind.REFERRAL)).scalar_one()
    assert "Asso du quartier" in referral.text and "ne sera pas coupé" in referral.text


def test_a_late_first_run_takes_one_step_a_day(debtor):
    dunning.run_dunning(on=DUE + timedelta(days=75))
    dunning.run_dunning(on=DUE + timedelta(days=76))
    assert [k for k, _s in _steps(debtor)] == ["reminder", "referral"]


def test_a_pending_fsl_request_holds_every_escalation(debtor):
    operator = factories.make_user("operator")
    dunning.file_fsl_request(debtor, actor=operator, filed_on=DUE + timedelta(days=5))
    for day in (15, 30, 60, 90):
        result = dunning.run_dunning(on=DUE + timedelta(days=day))
        assert result.held == 1
    assert _steps(debtor) == []


def test_fsl_grant_is_a_credit_note_and_clears_the_debt(debtor):
    operator = factories.make_user("operator")
    request = dunning.file_fsl_request(debtor, actor=operator, filed_on=DUE)
    dunning.decide_fsl(request, actor=operator, decision="granted", decided_on=DUE +
                       timedelta(days=20), amount_cents=590)
    assert accounts.balance(debtor.id).due_cents == 0
    assert accounts.balance(debtor.id).credited_cents == 590
    assert dunning.run_dunning(on=DUE + timedelta(days=40)).reminders == 0


def test_postponement_holds_one_household(debtor):
    operator = factories.make_user("operator")
    dunning.postpone(debtor, actor=operator, until=DUE + timedelta(days=40),
                     reason="Hospitalisation", on=DUE + timedelta(days=10))
    assert dunning.run_dunning(on=DUE + timedelta(days=20)).held == 1
    assert dunning.run_dunning(on=DUE + timedelta(days=41)).reminders == 1
    with pytest.raises(DomainError, match="motif"):
        dunning.postpone(debtor, actor=operator, until=DUE + timedelta(days=90), reason=" ",
                         on=DUE)


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 12, 1), True),     # Tuesday
    (date(2026, 12, 3), True),     # Thursday
    (date(2026, 12, 4), False),    # Friday
    (date(2026, 12, 5), False),    # Saturday
    (date(2026, 12, 6), False),    # Sunday
    (date(2026, 12, 25), False),   # Christmas (a Friday anyway)
    (date(2026, 11, 11), False),   # Armistice, a Wednesday
    (date(2027, 5, 6), False),     # Ascension, a Thursday
    (date(2027, 7, 14), False),    # Bastille Day, a Wednesday
    (date(2027, 7, 15), True),
])
def test_reductions_only_on_working_days(day, working):
    assert dunning.may_reduce_on(day) is working


def test_approval_refused_on_a_friday_and_needs_a_proposal(debtor):
    for day in (15, 30, 60):
        dunning.run_dunning(on=DUE + timedelta(days=day))
    proposal = factories.db.session.execute(dunning.pending_proposals()).scalars().one()
    operator = factories.make_user("operator")
    with pytest.raises(DomainError, match="vendredi"):
        dunning.approve_reduction(proposal, actor=operator, on=date(2026, 12, 4))
    dunning.reject_reduction(proposal, actor=operator, reason="Famille suivie par l'ASE")
    with pytest.raises(DomainError, match="plus en attente"):
        dunning.approve_reduction(proposal, actor=operator, on=date(2026, 12, 1))


def test_payment_withdraws_a_proposal_and_a_plan_holds_escalation(debtor):
    for day in (15, 30, 60):
        dunning.run_dunning(on=DUE + timedelta(days=day))
    payments.record_payment(debtor, actor=None, amount_cents=590, method="cash",
                            received_on=date(2026, 11, 28))
    assert _steps(debtor)[-1] == ("reduction", ReductionState.WITHDRAWN)
    issue("2026-09", date(2026, 10, 2))
    operator = factories.make_user("operator")
    dunning.agree_payment_plan(debtor, actor=operator, monthly_cents=200, months=3,
                               on=date(2026, 11, 20))
    assert dunning.run_dunning(on=date(2026, 12, 30)).held == 1


def test_approved_reduction_is_lifted_the_day_the_debt_is_paid(debtor):
    from subscribers.choices import SubscriptionStatus

    for day in (15, 30, 60):
        dunning.run_dunning(on=DUE + timedelta(days=day))
    proposal = factories.db.session.execute(dunning.pending_proposals()).scalars().one()
    operator = factories.make_user("operator")
    dunning.approve_reduction(proposal, actor=operator, on=date(2026, 12, 1))
    assert proposal.state == ReductionState.APPLIED
    subscription = debtor.subscriptions[0]
    assert subscription.status == SubscriptionStatus.REDUCED
    payments.record_payment(debtor, actor=operator, amount_cents=590, method="card",
                            received_on=date(2026, 11, 29))
    assert proposal.state == ReductionState.LIFTED
    assert subscription.status != SubscriptionStatus.REDUCED


BILLING = Path(__file__).resolve().parents[2] / "billing"
FORBIDDEN_CALLS = {"suspend", "terminate", "suspend_service", "terminate_subscription"}


def test_no_billing_code_path_suspends_or_terminates():
    """No billing module calls a suspend/terminate service or writes those statuses."""
    offenders = []
    for path in sorted(BILLING.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else \
                    getattr(node.func, "id", "")
                if name in FORBIDDEN_CALLS:
                    offenders.append(f"{path.name}:{node.lineno} calls {name}")
            if isinstance(node, ast.Attribute) and node.attr in ("SUSPENDED", "TERMINATED"):
                offenders.append(f"{path.name}:{node.lineno} uses {node.attr}")
            if isinstance(node, ast.Constant) and node.value in ("suspended", "terminated") \
                    and path.name not in ("reports.py",):  # the review reports a suspended line
                offenders.append(f"{path.name}:{node.lineno} mentions {node.value!r}")
            if isinstance(node, ast.ImportFrom) and node.module and any(
                    alias.name in FORBIDDEN_CALLS for alias in node.names):
                offenders.append(f"{path.name}:{node.lineno} imports a cut-off")
    assert offenders == []


def test_a_year_of_debt_never_suspends_or_terminates(debtor):
    """Run the daily pass every day for a year of unpaid invoices, approving every proposal."""
    operator = factories.make_user("operator")
    day = DUE
    for _ in range(365):
        day += timedelta(days=1)
        dunning.run_dunning(on=day)
        for proposal in factories.db.session.execute(dunning.pending_proposals()).scalars():
            if dunning.may_reduce_on(day):
                dunning.approve_reduction(proposal, actor=operator, on=day)
    statuses = {s.status for s in debtor.subscriptions}
    assert statuses <= {"active", "reduced"}
    assert accounts.balance(debtor.id).overdue_cents == 590
