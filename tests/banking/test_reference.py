"""The structured reference (ISO 11649) printed on invoices, and read back from bank lines."""

from datetime import date

import pytest

from billing.numbering import invoice_number_of_reference, structured_reference
from tests.billing.factories import billed_household, issue


def test_the_reference_follows_iso_11649():
    # The standard's own example: RF18 5390 0754 7034.
    assert structured_reference("539007547034") == "RF18539007547034"
    reference = structured_reference("FA-2026-000042")
    assert reference == "RF84FA2026000042"
    assert invoice_number_of_reference(reference) == "FA-2026-000042"
    assert invoice_number_of_reference("rf84 fa20 2600 0042") == "FA-2026-000042"


@pytest.mark.parametrize("text", ["RF85FA2026000042",  # wrong check digits
                                  "RF18539007547034",  # valid, another creditor's
                                  "RF84", "FA-2026-000042", ""])
def test_other_texts_name_no_invoice(text):
    assert invoice_number_of_reference(text) is None


def test_the_invoice_page_print_and_pdf_show_it(client, db, login_as):
    billed_household()
    number = issue("2026-09", date(2026, 10, 2)).first_number
    login_as("operator")
    reference = structured_reference(number)
    for suffix in ("", "/print"):
        page = client.get(f"/billing/invoices/{number}{suffix}")
        assert page.status_code == 200
        assert reference in page.get_data(as_text=True)
    pdf = client.get(f"/billing/invoices/{number}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
