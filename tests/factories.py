"""Factories: build only what a test needs, with keyword defaults (flush, never commit)."""

from __future__ import annotations

import itertools
from datetime import date

from isp.extensions import db
from isp.models import User

_seq = itertools.count(1)
DEFAULT_PASSWORD = "Correct-horse-battery-9"


def n() -> int:
    return next(_seq)


def make_user(role: str = "operator", *, association=None, email: str | None = None,
              password: str = DEFAULT_PASSWORD, **fields) -> User:
    from mediation.models import Association

    if role == "mediator" and association is None:
        association = make_association()
    if isinstance(association, str):
        association = db.session.execute(
            db.select(Association).where(Association.code == association)).scalar_one()
    user = User(email=email or f"user{n()}@test.example", role=role, name=fields.pop("name", ""),
                association=association, **fields)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_association(code: str | None = None, *, districts: str = "", **fields):
    from mediation.models import Association

    number = n()
    association = Association(code=code or f"ASSO{number}", name=fields.pop("name",
                              f"Association {number}"), districts=districts, **fields)
    db.session.add(association)
    db.session.flush()
    return association


def make_district(code: str | None = None, **fields):
    from subscribers.models import District

    number = n()
    district = District(code=code or f"D{number}", name=fields.pop("name", f"District {number}"),
                        commune=fields.pop("commune", "Nantes"), **fields)
    db.session.add(district)
    db.session.flush()
    return district


def make_building(code: str | None = None, *, district=None, **fields):
    from subscribers.models import Building

    number = n()
    building = Building(code=code or f"B{number}", name=fields.pop("name", f"Building {number}"),
                        address=fields.pop("address", f"{number} rue du Test"),
                        postcode=fields.pop("postcode", "44000"),
                        commune=fields.pop("commune", "Nantes"),
                        district=district or make_district(), status=fields.pop("status",
                                                                                "pilot"),
                        **fields)
    db.session.add(building)
    db.session.flush()
    return building


def make_unit(code: str | None = None, *, building=None, staircase: str = "A", floor: int = 1,
              door: str = "1"):
    from subscribers.models import Unit

    building = building or make_building()
    unit = Unit(code=code or f"{building.code}-U{n()}", building=building, staircase=staircase,
                floor=floor, door=door)
    db.session.add(unit)
    db.session.flush()
    return unit


def make_household(*, unit=None, holder_name: str | None = None,
                   moved_in_on: date = date(2025, 1, 1), moved_out_on: date | None = None,
                   association=None, **fields):
    """A household; with ``association`` it is also assigned to it (mediator scope)."""
    from subscribers.models import Household

    household = Household(unit=unit or make_unit(), holder_name=holder_name or f"Foyer {n()}",
                          moved_in_on=moved_in_on, moved_out_on=moved_out_on,
                          language=fields.pop("language", "fr"), **fields)
    db.session.add(household)
    db.session.flush()
    if association is not None:
        assign(household, association)
    return household


def assign(household, association, *, decided_by=None):
    from mediation.models import Assignment

    assignment = Assignment(household_id=household.id, association_id=association.id,
                            decided_by=decided_by, reason="test")
    db.session.add(assignment)
    db.session.flush()
    return assignment


def make_subscription(*, household=None, status: str = "active", tier: str = "T3",
                      activated_on: date | None = date(2025, 1, 1), **fields):
    from subscribers.models import Subscription

    household = household or make_household()
    subscription = Subscription(household=household, unit=household.unit, status=status,
                                tier=tier, activated_on=activated_on, **fields)
    db.session.add(subscription)
    db.session.flush()
    return subscription
