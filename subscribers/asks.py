"""What subscribers reads from the domains above it, without importing them.

Subscribers is the lowest domain (docs/architecture.md §1), yet a mediator's scope is kept by
mediation and a household's arrears by billing. Each of those domains publishes the read in its
``CONTRIBUTES.provides`` and this module asks ``isp.registry.provider`` for it by name: the one
place that says what subscribers needs of them, with the types it expects.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement

from isp.models import User
from isp.registry import provider

# -- mediation ------------------------------------------------------------------------------


def households_of_association(association_id: int | None) -> ColumnElement[bool]:
    """SQL condition on households: currently assigned to the association (mediation)."""
    return provider("households_of_association")(association_id)


def association_id(code: str) -> int | None:
    """The id of the association with this code, None when there is none (mediation)."""
    return provider("association_id")(code)


# -- billing --------------------------------------------------------------------------------


def dunning_step_labels() -> dict[str, str]:
    """The steps of the dunning path, in their order, with their labels (billing)."""
    return provider("dunning_step_labels")()


def in_arrears_condition(household_id_column: Any, *, on: date) -> ColumnElement[bool]:
    """SQL condition: the household has an invoice unpaid after its due date (billing)."""
    return provider("in_arrears_condition")(household_id_column, on=on)


def dunning_step_condition(household_id_column: Any, step: str) -> ColumnElement[bool]:
    """SQL condition: the household's current dunning step is ``step`` (billing)."""
    return provider("dunning_step_condition")(household_id_column, step)


def arrears_column(household_id_column: Any, *, on: Any) -> ColumnElement[int | None]:
    """SQL, a column of a query on households: the cents overdue, NULL when none (billing);
    ``on`` a date or the bind parameter of one."""
    return provider("arrears_column")(household_id_column, on=on)


def dunning_step_column(household_id_column: Any) -> ColumnElement[str | None]:
    """SQL, a column of a query on households: the dunning step reached, NULL when none
    (billing)."""
    return provider("dunning_step_column")(household_id_column)


def tier_codes() -> set[str]:
    """The tariff tiers recorded, empty before the grid exists (billing)."""
    return provider("tier_codes")()


def plan_codes() -> set[str]:
    """The plans recorded, empty before the first one exists (billing)."""
    return provider("plan_codes")()


def check_reduction(household_id: int, *, reason: str | None, actor: User | None,
                    step: Any = None, on: date | None = None) -> None:
    """Billing's one rule on reducing a household's service; raises DomainError (billing)."""
    provider("check_reduction")(household_id, reason=reason, actor=actor, step=step, on=on)


def debt_reduction_day() -> int:
    """Days after the due date at which the dunning path proposes a reduced speed (billing)."""
    return provider("debt_reduction_day")()
