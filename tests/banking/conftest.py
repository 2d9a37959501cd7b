"""Households with issued invoices that the sample statements pay (tests/banking/data)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.billing.factories import billed_household, issue

DATA = Path(__file__).parent / "data"
HOLDERS = ("Aminata Diallo", "Karim Benali", "Louise Martin")


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.fixture
def households(db):
    """Three households, each with a September invoice of 9,90 €, by holder's surname; their
    invoice numbers are FA-2026-000001 to 000003 (the numbers the sample files name)."""
    from billing.models import Invoice

    made = {name.split()[-1].lower(): billed_household(holder_name=name) for name in HOLDERS}
    issue("2026-09", date(2026, 10, 2))
    numbers = dict(db.session.execute(select(Invoice.number, Invoice.household_id)).all())
    assert sorted(numbers) == ["FA-2026-000001", "FA-2026-000002", "FA-2026-000003"]
    return made, numbers
