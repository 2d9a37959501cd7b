"""Billing facts about households that other domains list and filter by: arrears and the
current step of the social dunning path (docs/design.md §3.3).

Each fact comes twice, from one definition: for a page's households at once (one query, no
query per row) and as an SQL condition on a household id column (filters, counts, paging).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import BindParameter, and_, bindparam, case, exists, func, select

from billing.choices import DUNNING_THRESHOLDS, OPEN_STATUSES, DunningKind
from billing.models import DunningStep, Invoice
from isp.database import AmongIds, built_once
from isp.extensions import db

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


def arrears_by_household(household_ids: Iterable[int], *, on: date) -> dict[int, int]:
    """Cents overdue for each of these households that owes any (absent: none overdue)."""
    ids = list(household_ids)
    if not ids:
        return {}
    return dict(db.session.execute(_arrears_statement(), {"ids": ids, "on": on}).all())


@built_once
def _arrears_statement():
    # A list page's statement: built once (isp.database.built_once).
    return (select(Invoice.household_id, func.sum(Invoice.total_cents - Invoice.paid_cents))
            .where(AmongIds(Invoice.household_id, "ids"),
                   _overdue(bindparam("on")))
            .group_by(Invoice.household_id))


def in_arrears_condition(household_id_column, *, on: date):
    """SQL condition: the household has an invoice unpaid after its due date."""
    return exists().where(Invoice.household_id == household_id_column, _overdue(on))


def _current_steps():
    return (select(DunningStep.household_id, func.max(_STEP_RANK).label("rank"))
            .join(Invoice, Invoice.id == DunningStep.invoice_id)
            .where(Invoice.status.in_(OPEN_STATUSES), _STEP_RANK > 0)
            .group_by(DunningStep.household_id))


def dunning_steps_by_household(household_ids: Iterable[int]) -> dict[int, DunningKind]:
    """The step each of these households has reached on its unpaid invoices (absent: none)."""
    ids = list(household_ids)
    if not ids:
        return {}
    rows = db.session.execute(_steps_statement(), {"ids": ids})
    return {household_id: DUNNING_STEPS[rank - 1] for household_id, rank in rows}


@built_once
def _steps_statement():
    # A list page's statement: built once (isp.database.built_once).
    return _current_steps().where(AmongIds(DunningStep.household_id, "ids"))


def dunning_step_condition(household_id_column, kind: DunningKind):
    """SQL condition: the household's current dunning step is ``kind``."""
    rank = DUNNING_STEPS.index(kind) + 1
    return household_id_column.in_(
        _current_steps().having(func.max(_STEP_RANK) == rank)
        .with_only_columns(DunningStep.household_id).correlate(None))
