"""The household page's tabs (isp.registry.HouseholdTab): sections read when asked for.

The page itself keeps what an operator needs on every visit (the household, its subscription,
billing, tickets, coaching); a domain's tab holds the rest at /households/<id>/<slug>.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from isp.models import AuditEntry
from isp.registry import household_tabs
from tests import factories
from tests.statements import page_selects

#: The tables only tabs read: the page itself must not.
TAB_TABLES = ("resident_accounts", "resident_notices", "resident_mandates", "impact_answers",
              "equipment_items", "bank_lines", "record_changes")


def _tab_links(html: str) -> list[str]:
    bar = re.search(r'<nav class="tabs".*?</nav>', html, re.S).group(0)
    return re.findall(r'href="([^"]+)"', bar)


def test_every_tab_is_linked_from_the_page_and_from_each_other(db, client, login_as):
    household = factories.make_household()
    household_id = household.id
    login_as("operator")
    expected = [f"/households/{household_id}"] + [
        f"/households/{household_id}/{tab.slug}" for tab in household_tabs()]
    assert {"resident", "impact", "equipment", "transfers", "history"} <= {
        tab.slug for tab in household_tabs()}
    for url in expected:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert _tab_links(html) == expected, url
        current = re.findall(r'href="([^"]+)" aria-current="page"', html)
        assert current == [url], url


def test_the_page_reads_none_of_its_tabs_tables(db, client, login_as):
    household = factories.make_household()
    household_id = household.id
    login_as("operator")
    with page_selects() as statements:
        html = client.get(f"/households/{household_id}").get_data(as_text=True)
    read = " ".join(" ".join(statement.split()) for statement in statements)
    assert [table for table in TAB_TABLES if f"FROM {table}" in read] == []
    assert 'id="tickets-title"' in html  # the page's own sections are still there
    assert "Historique des modifications" not in html


def test_a_tab_shows_its_sections_and_records_the_reading(db, client, login_as):
    user = login_as("operator")
    household = factories.make_household(holder_name="Awa Diallo", phone="0611111111")
    db.session.commit()
    assert client.post(f"/households/{household.id}/edit", data={
        "holder_name": "Awa Diallo", "phone": "0622222222", "email": "", "size": "",
        "language": "fr", "needs": "", "other_members": ""}).status_code == 302
    history = client.get(f"/households/{household.id}/history").get_data(as_text=True)
    assert "Historique des modifications" in history
    assert "0611111111" in history and "0622222222" in history
    assert 'id="tickets-title"' not in history  # the page's sections stay on the page
    resident = client.get(f"/households/{household.id}/resident").get_data(as_text=True)
    assert "Créer un compte résident" in resident and "Historique" not in re.sub(
        r'<nav class="tabs".*?</nav>', "", resident, flags=re.S)
    entries = db.session.execute(select(AuditEntry).where(
        AuditEntry.record_type == "household", AuditEntry.record_id == str(household.id),
        AuditEntry.action == "read")).scalars().all()
    assert {(entry.detail, entry.actor_id) for entry in entries} >= {
        ("tab history", user.id), ("tab resident", user.id)}


def test_an_unknown_tab_is_not_found_and_changes_nothing(db, client, login_as):
    household = factories.make_household()
    login_as("operator")
    before = db.session.execute(select(AuditEntry.id)).scalars().all()
    for slug in ("nope", "HISTORY", "<script>"):
        assert client.get(f"/households/{household.id}/{slug}").status_code == 404, slug
    # a NUL byte is refused before any page runs (isp.validation)
    assert client.get(f"/households/{household.id}/history%00").status_code == 400
    assert client.get(f"/households/{household.id + 999}/history").status_code == 404
    reads = db.session.execute(select(AuditEntry).where(
        AuditEntry.id.not_in(before), AuditEntry.action == "read")).scalars().all()
    assert reads == []


@pytest.mark.parametrize("slug", ["transfers"])
def test_a_mediator_is_not_offered_a_tab_that_says_nothing_to_them(db, client, login_as,
                                                                   slug):
    association = factories.make_association()
    household = factories.make_household(association=association)
    login_as("mediator", association=association)
    html = client.get(f"/households/{household.id}").get_data(as_text=True)
    links = _tab_links(html)
    assert f"/households/{household.id}/{slug}" not in links
    assert f"/households/{household.id}/impact" in links
    assert client.get(f"/households/{household.id}/{slug}").status_code == 404
    assert client.get(f"/households/{household.id}/impact").status_code == 200
