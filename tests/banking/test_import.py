"""Importing CAMT.053 statements: matching, suggestions, idempotency, refusals (issue 22)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from banking import services
from banking.camt import CamtRejected, parse_statement
from banking.models import BankLine, BankStatement
from billing.models import Payment
from tests.banking.conftest import sample

pytestmark = pytest.mark.clock("2026-12-01T10:00:00+01:00")


def _count(db, model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _payments(db) -> list[Payment]:
    return list(db.session.execute(select(Payment).order_by(Payment.id)).scalars())


def test_the_references_statement_pays_the_invoices_it_names(db, households):
    made, numbers = households
    outcome = services.import_statement(sample("camt053_v08_references.xml"), actor=None,
                                        filename="releve.xml")
    assert (outcome.new_lines, outcome.matched, outcome.pending) == (4, 3, 1)
    assert (outcome.debits_ignored, outcome.others_ignored) == (1, 1)
    statement = outcome.statements[0]
    assert (statement.identifier, statement.version) == ("2026-11-RELEVE-0042",
                                                         "camt.053.001.08")
    lines = {line.reference: line for line in statement.lines}
    by_number = lines["2026110300001"]
    assert by_number.status == "matched" and by_number.match_kind == "invoice_number"
    assert by_number.household_id == numbers["FA-2026-000001"]
    by_rf = lines["2026110500003"]
    assert by_rf.match_kind == "structured_reference"
    assert by_rf.household_id == numbers["FA-2026-000002"]
    # The batch of two transfers gave two lines: one names FA 2026 000003, one is a stranger.
    assert lines["2026110600004-01"].household_id == numbers["FA-2026-000003"]
    stranger = lines["2026110600004-02"]
    assert stranger.status == "pending" and stranger.payment_id is None
    assert stranger.amount_cents == 1980
    payments = _payments(db)
    assert [(p.amount_cents, p.method, p.reference, p.received_on.isoformat())
            for p in payments] == [(990, "transfer", "2026110300001", "2026-11-03"),
                                   (990, "transfer", "2026110500003", "2026-11-05"),
                                   (990, "transfer", "2026110600004-01", "2026-11-06")]
    # Billing allocated each payment: the invoices are paid.
    from billing.models import Invoice
    assert set(db.session.execute(select(Invoice.status)).scalars()) == {"paid"}


def test_a_statement_imported_twice_changes_nothing(db, households):
    data = sample("camt053_v08_references.xml")
    services.import_statement(data, actor=None)
    before = (_count(db, BankStatement), _count(db, BankLine), _count(db, Payment))
    again = services.import_statement(data, actor=None)
    assert again.changed_nothing and again.duplicates == 4 and again.matched == 0
    assert (_count(db, BankStatement), _count(db, BankLine), _count(db, Payment)) == before
    assert again.statements[0].lines_count == 4 and again.statements[0].duplicates == 0


def test_an_overlapping_statement_adds_only_its_new_lines(db, households):
    made, numbers = households
    services.import_statement(sample("camt053_v08_references.xml"), actor=None)
    outcome = services.import_statement(sample("camt053_v08_overlap.xml"), actor=None)
    assert (outcome.new_lines, outcome.duplicates, outcome.matched) == (1, 1, 1)
    assert _count(db, Payment) == 4  # Benali's transfer was not paid twice
    new = db.session.execute(select(BankLine).where(
        BankLine.reference == "2026112900021")).scalar_one()
    # "rf70 fa20 2600 0003" typed in groups, lower case: still the RF reference of invoice 3;
    # a time of 23:30 in Paris is booked that Paris day.
    assert new.match_kind == "structured_reference" and new.booked_on.isoformat() == "2026-11-29"
    assert new.household_id == numbers["FA-2026-000003"]


def test_a_name_and_amount_only_credit_is_a_suggestion_never_a_payment(db, households):
    made, _numbers = households
    outcome = services.import_statement(sample("camt053_v02_names_only.xml"), actor=None)
    assert (outcome.new_lines, outcome.matched, outcome.pending, outcome.suggested) == (2, 0, 2, 1)
    assert _count(db, Payment) == 0
    diallo, association = sorted(outcome.statements[0].lines, key=lambda line: line.id)
    assert diallo.suggested_household_id == made["diallo"].id
    assert [code for code, _params in diallo.suggestion_terms] == ["name", "amount_invoice"]
    assert association.suggested_household_id is None
    # The operator confirms: now it is a payment, in the operator's name.
    from tests import factories
    operator = factories.make_user("operator")
    line = services.confirm_suggestion(diallo.id, actor=operator)
    assert line.status == "assigned" and line.match_kind == "suggestion"
    assert line.payment.household_id == made["diallo"].id and line.decided_by_id == operator.id
    with pytest.raises(services.DomainError) as twice:
        services.confirm_suggestion(diallo.id, actor=operator)
    assert twice.value.status == 409
    assert _count(db, Payment) == 1


def test_the_queue_assigns_or_sets_aside(db, households):
    from tests import factories

    made, _numbers = households
    operator = factories.make_user("operator")
    services.import_statement(sample("camt053_v02_names_only.xml"), actor=None)
    association = db.session.execute(select(BankLine).where(
        BankLine.reference == "0187-20261114-0012")).scalar_one()
    with pytest.raises(services.DomainError) as no_reason:
        services.mark_not_ours(association.id, "  ", actor=operator)
    assert no_reason.value.field == "reason"
    services.mark_not_ours(association.id, "Cotisation de l'amicale, pas un abonné",
                           actor=operator)
    assert association.status == "not_ours"
    diallo = db.session.execute(select(BankLine).where(
        BankLine.reference == "0187-20261112-0011")).scalar_one()
    with pytest.raises(services.DomainError) as unknown:
        services.assign(diallo.id, 999999, actor=operator)
    assert unknown.value.field == "household_id"
    line = services.assign(diallo.id, made["benali"].id, actor=operator)
    assert line.household_id == made["benali"].id and line.match_kind == "manual"
    assert services.queue_count() == 0
    assert [h.id for h in services.household_choices("benal")] == [made["benali"].id]


def test_two_households_as_alike_give_no_suggestion(db, households):
    from tests.billing.factories import billed_household

    billed_household(holder_name="Aminata Diallo")  # a namesake, owing nothing yet
    billed_household(holder_name="Aminata Diallo")
    services.import_statement(sample("camt053_v02_names_only.xml"), actor=None)
    line = db.session.execute(select(BankLine).where(
        BankLine.reference == "0187-20261112-0011")).scalar_one()
    # The one with an open invoice of that amount still stands out.
    assert line.suggested_household_id == households[0]["diallo"].id


@pytest.mark.parametrize(("name", "problem"), [
    ("camt053_malformed_amounts.xml", "montant absent"),
    ("billion_laughs.xml", "DTD"),
])
def test_a_bad_file_is_refused_whole(db, households, name, problem):
    with pytest.raises(CamtRejected) as refused:
        services.import_statement(sample(name), actor=None)
    assert problem in refused.value.message
    assert (_count(db, BankStatement), _count(db, BankLine), _count(db, Payment)) == (0, 0, 0)


def test_the_malformed_file_names_each_problem():
    with pytest.raises(CamtRejected) as refused:
        parse_statement(sample("camt053_malformed_amounts.xml"))
    problems = refused.value.problems
    assert len(problems) == 3
    assert "écriture 2 (2026110400902) : montant absent" in problems[0]
    assert "9,90" in problems[1] and "GBP" in problems[2]


@pytest.mark.parametrize(("data", "problem"), [
    (b"", "vide"),
    (b"<Document><BkToCstmrStmt>", "XML mal form"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"/>', "camt.054"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>', "ISO 20022"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>', "BkToCstmrStmt"),
    (b'<!DOCTYPE x SYSTEM "http://evil.example/x.dtd"><x/>', "DTD"),
    (sample("camt053_v08_references.xml").replace(b"9.905", b"").replace(
        b'<Amt Ccy="EUR">9.90</Amt>', b'<Amt Ccy="EUR">9.905</Amt>', 1), "centimes"),
    (sample("camt053_v08_references.xml").replace(b"<Ccy>EUR</Ccy>", b"<Ccy>USD</Ccy>"),
     "USD"),
])
def test_wrong_files_get_a_clear_reason(app, data, problem):
    with app.test_request_context(), pytest.raises(CamtRejected) as refused:
        parse_statement(data)
    assert problem in refused.value.message


def test_a_file_too_large_is_refused_before_parsing(app, monkeypatch):
    import banking.camt

    monkeypatch.setattr(banking.camt, "MAX_STATEMENT_BYTES", 1000)
    with app.test_request_context(), pytest.raises(CamtRejected) as refused:
        parse_statement(sample("camt053_v08_references.xml"))
    assert "Mo" in refused.value.message


def test_invoice_numbers_are_read_as_payers_type_them():
    assert services.invoice_numbers_in("FACT FA-2026-000012 ET fa 2026 000013") == [
        "FA-2026-000012", "FA-2026-000013"]
    assert services.invoice_numbers_in("RF84 FA20 2600 0042 MERCI") == ["FA-2026-000042"]
    assert services.invoice_numbers_in("RF85FA2026000042", "FA-26-12", None) == []


def test_a_reference_twice_in_one_file_is_recorded_once(db, households):
    data = sample("camt053_v08_overlap.xml").replace(b"2026112900021", b"2026110500003")
    outcome = services.import_statement(data, actor=None)
    assert (outcome.new_lines, outcome.duplicates) == (1, 1)
    assert _count(db, BankLine) == 1 and _count(db, Payment) == 1
