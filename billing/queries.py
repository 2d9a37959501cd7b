"""Billing facts about households that other domains list and filter by: arrears and the
current step of the social dunning path (docs/design.md §3.3).

Each fact comes twice, from one definition: as an SQL column of a query on households (a
page's households read theirs in the page's one statement of statuses, no query per row) and as
an SQL condition on a household id column (filters, counts, paging).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BindParameter, Select, and_, case, exists, func, select

from billing.choices import DUNNING_THRESHOLDS, OPEN_STATUSES, DunningKind
from billing.models import DunningStep, Invoice

#: The steps that make up the path, in the order they come (a postponement is not a step).
DUNNING_STEPS: tuple[DunningKind, ...] = tuple(kind for _days, kind in DUNNING_THRESHOLDS)

# A step's rank in the path: a household's current step is its highest one still concerning
# an unpaid invoice (steps on paid invoices are over).
_STEP_RANK = case({kind.value: rank for rank, kind in enumerate(DUNNING_STEPS, start=1)},
                  value=DunningStep.kind, else_=0)


def _overdue(on: date | BindParameter):
    """Issued invoices still waiting for money after their due date (as billing's balance);
    ``on`` a date, or the bind parameter of one."""
    return and_(Invoice.status.in_(OPEN_STATUSES), Invoice.due_on < on)


def arrears_column(household_id_column, *, on: date | BindParameter):
    """SQL, a column of a query on households: the cents overdue (NULL: none overdue)."""
    return (select(func.sum(Invoice.total_cents - Invoice.paid_cents))
            .where(Invoice.household_id == household_id_column, _overdue(on))
            .scalar_subquery())


def in_arrears_condition(household_id_column, *, on: date):
    """SQL condition: the household has an invoice unpaid after its due date."""
    return exists().where(Invoice.household_id == household_id_column, _overdue(on))


def _steps_on_unpaid_invoices(*columns) -> Select:
    """``columns`` over the dunning steps that still concern an unpaid invoice."""
    return (select(*columns).select_from(DunningStep)
            .join(Invoice, Invoice.id == DunningStep.invoice_id)
            .where(Invoice.status.in_(OPEN_STATUSES), _STEP_RANK > 0))


def dunning_step_column(household_id_column):
    """SQL, a column of a query on households: the step it has reached on its unpaid invoices
    (NULL: none), its highest."""
    reached = func.max(_STEP_RANK)
    return (_steps_on_unpaid_invoices(case(
        {rank: kind.value for rank, kind in enumerate(DUNNING_STEPS, start=1)}, value=reached))
        .where(DunningStep.household_id == household_id_column).scalar_subquery())


def dunning_step_condition(household_id_column, kind: DunningKind):
    """SQL condition: the household's current dunning step is ``kind``."""
    rank = DUNNING_STEPS.index(kind) + 1
    return household_id_column.in_(
        _steps_on_unpaid_invoices(DunningStep.household_id).group_by(DunningStep.household_id)
        .having(func.max(_STEP_RANK) == rank).correlate(None))
