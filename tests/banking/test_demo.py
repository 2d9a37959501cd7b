"""The banking demo: one statement, a matched credit, the queue not empty; seeded once."""

import pytest
from sqlalchemy import select

from banking import demo
from banking.models import BankLine
from tests import factories


@pytest.mark.clock("2026-12-01T10:00:00+01:00")
def test_the_demo_statement_fills_the_queue_once(db, households):
    factories.make_user("operator", email="operateur@demo.social-isp.fr")
    summary = demo.seed_demo()
    assert summary == "banking: 1 statement, 1 credit matched, 2 waiting (1 suggested)"
    lines = db.session.execute(select(BankLine).order_by(BankLine.id)).scalars().all()
    assert [line.status for line in lines] == ["matched", "pending", "pending"]
    assert lines[0].match_kind == "structured_reference"
    assert lines[1].suggested_household_id is not None
    assert demo.seed_demo() is None
