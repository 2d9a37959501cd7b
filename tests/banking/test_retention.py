"""Retention of bank lines: purged like payments, cleared at anonymisation, never blocking
billing's own purge."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from banking import services
from banking.models import BankLine, BankStatement
from banking.retention import anonymise_household_banking, purge_expired_banking
from tests.banking.conftest import sample

pytestmark = pytest.mark.clock("2026-12-01T10:00:00+01:00")


def _lines(db) -> dict[str, BankLine]:
    return {line.reference: line for line in db.session.execute(select(BankLine)).scalars()}


def test_lines_are_purged_by_booking_day_then_empty_statements(db, households):
    services.import_statement(sample("camt053_v08_references.xml"), actor=None)
    assert purge_expired_banking(date(2026, 11, 4)) == 1
    assert "2026110300001" not in _lines(db) and len(_lines(db)) == 3
    assert db.session.execute(select(func.count(BankStatement.id))).scalar_one() == 1
    assert purge_expired_banking(date(2027, 1, 1)) == 3
    assert db.session.execute(select(func.count(BankStatement.id))).scalar_one() == 0


def test_billing_purge_of_payments_is_not_blocked_by_a_line(db, households):
    from billing.retention import purge_expired_billing

    services.import_statement(sample("camt053_v08_references.xml"), actor=None)
    result = purge_expired_billing(date(2026, 11, 4))
    assert result.payments_deleted == 1
    db.session.expire_all()
    line = _lines(db)["2026110300001"]
    assert line.payment_id is None and line.amount_cents == 990


def test_anonymising_a_household_clears_the_payer(db, households):
    from isp.gdpr import identity_of

    made, _numbers = households
    services.import_statement(sample("camt053_v02_names_only.xml"), actor=None)
    services.import_statement(sample("camt053_v08_references.xml"), actor=None)
    diallo = made["diallo"]
    suggested = _lines(db)["0187-20261112-0011"]
    assert suggested.suggested_household_id == diallo.id
    placed = [line for line in _lines(db).values() if line.household_id == diallo.id]
    assert placed
    anonymise_household_banking(diallo.id, identity_of(diallo))
    for line in placed:
        assert line.debtor_name is None and line.debtor_iban is None
    assert "DIALLO" not in (suggested.debtor_name or "").upper()
    assert "Diallo" not in str(suggested.suggestion_terms)
    assert suggested.amount_cents == 990
