"""SEPA direct-debit file: the debtors and amounts due, and whose creditor it names."""

from datetime import date
from xml.etree import ElementTree

import pytest

from billing import exports
from isp.errors import DomainError
from tests.billing.factories import billed_household, issue

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
DEBTOR_IBAN = "FR7630004000031234567890143"


@pytest.fixture
def mandated_invoice(db):
    household = billed_household(tier="T1")
    issue("2026-10", issued_on=date(2026, 11, 2))
    exports.record_mandate(household, actor=None, iban=DEBTOR_IBAN, account_holder="Foyer Test",
                           reference="MANDAT-TEST-1", signed_on=date(2026, 9, 1))
    return household


def _parse(data: bytes):
    return ElementTree.fromstring(data)


def test_direct_debit_names_each_debtor_and_the_amount_due(app, mandated_invoice):
    data, count = exports.sepa_direct_debit("2026-10", collection_date=date(2026, 11, 20))
    document = _parse(data)
    assert count == 1
    assert document.findtext(".//p:DrctDbtTxInf/p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) \
        == DEBTOR_IBAN
    assert document.findtext(".//p:DrctDbtTxInf/p:InstdAmt", namespaces=NS) == "2.90"
    assert document.findtext(".//p:MndtId", namespaces=NS) == "MANDAT-TEST-1"
    # no creditor configured outside production: the demo's, fictitious
    assert document.findtext(".//p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) \
        == exports.DEFAULT_CREDITOR["IBAN"]


def test_direct_debit_names_the_configured_creditor(app, mandated_invoice, monkeypatch):
    creditor = {"name": "Regie Internet Nantes", "IBAN": "FR1420041010050500013M02606",
                "BIC": "PSSTFRPPNTE", "creditor_id": "FR11ZZZ654321"}
    monkeypatch.setitem(app.config, "SEPA_CREDITOR", creditor)
    document = _parse(exports.sepa_direct_debit("2026-10")[0])
    assert document.findtext(".//p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) == creditor["IBAN"]
    assert document.findtext(".//p:Cdtr/p:Nm", namespaces=NS) == creditor["name"]


def test_production_refuses_the_demo_creditor(app, mandated_invoice, monkeypatch):
    monkeypatch.setitem(app.config, "SEPA_DEMO_CREDITOR_ALLOWED", False)
    monkeypatch.setitem(app.config, "SEPA_CREDITOR", {"name": "Regie Internet Nantes"})
    with pytest.raises(DomainError) as refused:
        exports.sepa_direct_debit("2026-10")
    assert refused.value.status == 409
    assert "ISP_SEPA_CREDITOR_IBAN" in refused.value.message
    assert "IBAN, BIC, creditor_id" in refused.value.message
