"""Reads billing publishes for the layers below it (``CONTRIBUTES.provides``): subscribers
asks for them by name and never imports billing (docs/architecture.md §1).

The facts about households (arrears, dunning step) are ``billing.queries``'; the rule that
decides a reduction is ``billing.dunning.check_reduction``. Both are declared as they are;
this module adds the few reads that have no home of their own.
"""

from __future__ import annotations

from sqlalchemy import select

from billing.choices import DUNNING_KIND_LABELS, DUNNING_SCHEDULE, DunningKind
from billing.models import Plan, Tier
from billing.queries import DUNNING_STEPS
from isp.extensions import db


def dunning_step_labels() -> dict[str, str]:
    """The steps of the social dunning path, in the order they come, with their labels."""
    return {str(kind): DUNNING_KIND_LABELS[kind] for kind in DUNNING_STEPS}


def tier_codes() -> set[str]:
    """The codes of the tariff tiers recorded (empty before the grid exists)."""
    return set(db.session.execute(select(Tier.code)).scalars())


def plan_codes() -> set[str]:
    """The codes of the plans recorded (empty before the first plan exists)."""
    return set(db.session.execute(select(Plan.code)).scalars())


def debt_reduction_day() -> int:
    """Days after the due date at which the dunning path proposes a reduced speed."""
    return DUNNING_SCHEDULE[DunningKind.REDUCTION]
