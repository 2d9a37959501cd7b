"""Evaluation tests run on a database that holds billing's default tariff grid, as a migrated
database does (migration 0004 seeds it): scenarios read their prices from billing."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _tariff_grid(request):
    if "db" not in request.fixturenames:
        return
    from billing.tariffs import ensure_default_grid

    request.getfixturevalue("db")
    ensure_default_grid()
