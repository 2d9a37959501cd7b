"""Money under concurrent submissions (issue 19), on real connections and a committed database.

Each request runs in its own thread with its own app context, session and connection, all
released at once by a barrier. On PostgreSQL the invoice and the household's account are
locked FOR UPDATE and the form token's unique key makes the second insert wait for the first
commit; on SQLite every transaction begins IMMEDIATE, which serialises the writers.
"""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from billing import tariffs
from billing.models import Allocation, CreditNote, Invoice, NumberCounter, Payment
from isp.extensions import db
from isp.idempotency import IdempotencyKey, SubmissionToken
from isp.timeutil import today
from subscribers.models import Building, District, Household, Unit
from tests import factories

pytestmark = pytest.mark.postgres_only

INVOICE_NUMBER = "FA-2099-000101"


def _logged_in(app, account):
    from isp.auth import SESSION_ID_KEY

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(account["operator"])
        session["_fresh"] = True
        session[SESSION_ID_KEY] = account["session"]
    return client


def _parallel(app, account, count: int, send) -> list[int]:
    """Run ``send(client)`` in ``count`` threads at once; the status codes."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def worker():
        client = _logged_in(app, account)
        barrier.wait()
        statuses.append(send(client).status_code)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


@pytest.fixture
def account(app):
    """A committed household with an issued €2.90 invoice and an operator; removed after."""
    with app.app_context():
        created_grid = tariffs.ensure_default_grid()
        operator = factories.make_user("operator")
        district = District(code="RACE-D", name="Concurrence", commune="Nantes")
        building = Building(code="RACE-B", name="Concurrence", address="1 rue",
                            postcode="44000", commune="Nantes", district=district,
                            status="live")
        unit = Unit(code="RACE-0001", building=building, staircase="A", floor=1, door="1")
        household = Household(unit=unit, holder_name="Foyer concurrent",
                              moved_in_on=date(2025, 1, 1))
        db.session.add_all([district, building, unit, household])
        db.session.flush()
        issued = today() - timedelta(days=40)
        db.session.add(Invoice(
            household_id=household.id, period="2099-01", number=INVOICE_NUMBER,
            status="issued", total_cents=290, vat_cents=48, full_cost_cents=2500, paid_cents=0,
            holder_name="Foyer concurrent", unit_code="RACE-0001", issued_on=issued,
            due_on=issued + timedelta(days=30)))
        counter = db.session.get(NumberCounter, f"AV-{today().year}")
        from isp.auth import start_session

        state = {"operator": operator.id, "session": start_session(operator),
                 "household": household.id, "grid": created_grid,
                 "av": counter.last_value if counter else None}
        db.session.commit()
    yield state
    with app.app_context():
        household_id = state["household"]
        db.session.execute(delete(Allocation).where(Allocation.invoice_id.in_(
            select(Invoice.id).where(Invoice.household_id == household_id))))
        db.session.execute(delete(CreditNote).where(CreditNote.household_id == household_id))
        db.session.execute(delete(Payment).where(Payment.household_id == household_id))
        db.session.execute(delete(Invoice).where(Invoice.household_id == household_id))
        db.session.execute(delete(Household).where(Household.id == household_id))
        db.session.execute(delete(Unit).where(Unit.code == "RACE-0001"))
        db.session.execute(delete(Building).where(Building.code == "RACE-B"))
        db.session.execute(delete(District).where(District.code == "RACE-D"))
        db.session.execute(delete(SubmissionToken).where(
            SubmissionToken.user_id == state["operator"]))
        db.session.execute(delete(IdempotencyKey).where(
            IdempotencyKey.user_id == state["operator"]))
        series = f"AV-{today().year}"
        if state["av"] is None:
            db.session.execute(delete(NumberCounter).where(NumberCounter.series == series))
        else:
            db.session.get(NumberCounter, series).last_value = state["av"]
        db.session.commit()


def test_eight_parallel_credit_notes_of_the_whole_invoice_make_one(app, account):
    statuses = _parallel(app, account, 8, lambda client: client.post(
        f"/billing/invoices/{INVOICE_NUMBER}/credit-notes",
        data={"amount": "2.90", "kind": "correction", "reason": "Erreur de palier"}))

    with app.app_context():
        notes = db.session.execute(select(func.count(CreditNote.id), func.sum(
            CreditNote.amount_cents)).where(
            CreditNote.household_id == account["household"])).one()
    assert sorted(statuses) == [302] + [400] * 7
    assert notes == (1, 290)


def test_five_parallel_posts_of_one_payment_form_record_one_payment(app, account):
    with app.app_context():
        client = _logged_in(app, account)
        url = f"/billing/households/{account['household']}/payments/new"
        page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="submission_token" value="([^"]+)"', page).group(1)
    data = {"amount": "2.90", "method": "cash", "received_on": today().isoformat(),
            "submission_token": token}

    statuses = _parallel(app, account, 5, lambda client: client.post(url, data=data))

    with app.app_context():
        payments = db.session.execute(select(func.count(Payment.id)).where(
            Payment.household_id == account["household"])).scalar_one()
        invoice = db.session.execute(select(Invoice).where(
            Invoice.number == INVOICE_NUMBER)).scalar_one()
    assert payments == 1
    assert (invoice.paid_cents, invoice.status) == (290, "paid")
    assert sorted(statuses) == [302] + [303] * 4


def test_five_parallel_api_payments_with_one_key_record_one(app, account):
    from isp.services import create_token

    with app.app_context():
        token = create_token(db.session.get(factories.User, account["operator"]))
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "guichet-7"}
    body = {"household_id": account["household"], "amount_cents": 100, "method": "cash",
            "received_on": today().isoformat()}
    barrier = threading.Barrier(5)
    answers: list = []

    def worker():
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/payments", json=body, headers=headers)
        answers.append((response.status_code, (response.get_json() or {}).get("id")))

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    with app.app_context():
        payments = db.session.execute(select(Payment.id).where(
            Payment.household_id == account["household"])).scalars().all()
    assert len(payments) == 1
    # the first gets 201; the others see it replayed (201, same id) or still running (409)
    assert all(status in (201, 409) for status, _id in answers), answers
    assert {payment_id for status, payment_id in answers if status == 201} == set(payments)
