"""Helpers of the space's tests: a resident signed in for a household (R1's fixtures)."""

from __future__ import annotations

from datetime import date

from tests import factories


def resident_household(association=None, **fields):
    """A current household (followed by ``association`` if given)."""
    fields.setdefault("moved_in_on", date(2025, 1, 1))
    return factories.make_household(association=association, **fields)


def sign_in(login_resident, household):
    """The test client signed in as the resident of ``household``."""
    user, _household = login_resident(household)
    return user


def token_for(api_resident, household):
    """(user, headers) of a resident token for ``household``."""
    user, _household, headers = api_resident(household)
    return user, headers
