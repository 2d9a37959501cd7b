"""The same statement imported twice at once, on two real connections and a committed
database: its lines are recorded once (the account's lock row serialises the two imports)."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from banking import services
from banking.models import BankLine, BankStatement
from billing.models import NumberCounter
from isp.extensions import db
from tests.banking.conftest import sample
from tests.concurrency import race


def test_two_imports_at_once_record_each_line_once(app):
    data = sample("camt053_v02_names_only.xml")  # no household matches: nothing but lines
    outcomes = race(app, lambda: services.import_statement(data, actor=None))
    with app.app_context():
        try:
            assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
            assert sorted(o.new_lines for o in outcomes) == [0, 2]
            assert db.session.execute(select(func.count(BankLine.id))).scalar_one() == 2
            assert db.session.execute(select(func.count(BankStatement.id))).scalar_one() == 1
        finally:
            db.session.execute(delete(BankLine))
            db.session.execute(delete(BankStatement))
            db.session.execute(delete(NumberCounter).where(NumberCounter.series.like("BK-%")))
            db.session.commit()
            db.session.remove()
