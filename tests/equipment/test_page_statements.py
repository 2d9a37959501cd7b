"""The equipment list (page and API) reads a fixed number of statements whatever its rows
(issue 23.3): each item's partner and holder are joined into the page's query."""

from __future__ import annotations

import pytest

from tests import factories
from tests.equipment.factories import lend, make_item, make_partner
from tests.statements import page_selects


@pytest.fixture
def items(db):
    """Three items from two partners, two lent to two households: their serials."""
    first, second = make_partner(), make_partner()
    rows = [make_item(origin="refurbished", partner=first),
            make_item(origin="refurbished", partner=second), make_item("computer")]
    lend(rows[0], factories.make_household())
    lend(rows[2], factories.make_household())
    return [item.serial for item in rows]


def test_the_equipment_page_reads_count_and_rows_only(items, client, login_as):
    login_as("operator")
    with page_selects() as statements:
        html = client.get("/equipment").get_data(as_text=True)
    assert all(serial in html for serial in items)
    assert len(statements) == 2, statements  # the count, the items with partner and holder


def test_the_equipment_api_reads_count_and_rows_only(items, client, api_as):
    _, headers = api_as("operator")
    with page_selects() as statements:
        body = client.get("/api/v1/equipment", headers=headers).get_json()
    assert {item["serial"] for item in body["items"]} == set(items)
    assert len(statements) == 2, statements
