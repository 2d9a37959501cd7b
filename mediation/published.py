"""Reads mediation publishes for the layer below it (``CONTRIBUTES.provides``): subscribers
asks for them by name and never imports mediation (docs/architecture.md §1)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, select

from isp.extensions import db
from mediation.models import Assignment, Association
from subscribers.models import Household


def households_of_association(association_id: int | None) -> ColumnElement[bool]:
    """SQL condition on households: a current assignment to this association (the scope of
    its mediators)."""
    return exists().where(and_(Assignment.household_id == Household.id,
                               Assignment.association_id == association_id,
                               Assignment.ended_at.is_(None)))


def association_id(code: str) -> int | None:
    """The id of the association with this code (None: no such association)."""
    return db.session.execute(
        select(Association.id).where(Association.code == code)).scalar_one_or_none()
