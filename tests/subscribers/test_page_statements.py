"""The household page, the building page and the lists read what they show once (issue 23.3).

Each domain adds its section to the household page; sections that show the same rows (the
subscriptions, the flat's port) share one read of them.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from subscribers import lifecycle, services
from tests import factories
from tests.network.factories_provisioning import make_wired_household
from tests.statements import page_selects


def _reading(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if f"FROM {table}" in " ".join(s.split())]


def test_the_household_page_reads_its_subscriptions_with_it_and_its_port_once(db, client, login_as):
    operator = factories.make_user("operator")
    household = make_wired_household(if_name="Gi1/0/7")
    lifecycle.subscribe(household, tier="T1", actor=operator)
    household_id = household.id
    login_as("operator")
    with page_selects() as statements:
        html = client.get(f"/households/{household_id}").get_data(as_text=True)
    assert "Gi1/0/7" in html  # the subscription's section and the network's show the port
    assert "Abonner ce foyer" not in html  # its subscription is open
    # the subscriptions with the household (three sections show them), the port once
    assert _reading(statements, "subscriptions") == [], statements
    assert len(_reading(statements, "ports")) == 1, statements


def test_the_household_page_offers_to_subscribe_without_an_open_subscription(db, client,
                                                                              login_as):
    household = factories.make_household()
    factories.make_subscription(household=household, status="terminated")
    household_id = household.id
    login_as("operator")
    html = client.get(f"/households/{household_id}").get_data(as_text=True)
    assert "Abonner ce foyer" in html


@pytest.fixture
def building_code(db):
    """A building of four flats: two occupied (one subscribed, suspended), one whose household
    moved out, one never let."""
    district = factories.make_district(name="Quartier Témoin")
    building = factories.make_building(district=district)
    flats = [factories.make_unit(building=building, floor=floor) for floor in range(4)]
    for flat, status in ((flats[0], "suspended"), (flats[1], None)):
        household = factories.make_household(unit=flat)
        if status:
            factories.make_subscription(household=household, status="active")
            factories.make_subscription(household=household, status=status)
    factories.make_household(unit=flats[2], moved_out_on=date(2026, 6, 30))
    return building.code


def _fact(html: str, label: str) -> str:
    return re.search(rf"<dt>{label}</dt><dd[^>]*>([^<]*)</dd>", html).group(1)


def test_the_building_page_reads_its_district_and_occupied_count_with_other_rows(
        building_code, client, login_as):
    login_as("operator")
    with page_selects() as statements:
        html = client.get(f"/buildings/{building_code}").get_data(as_text=True)
    assert "Quartier Témoin" in html
    assert (_fact(html, "Logements"), _fact(html, "Logements occupés")) == ("4", "2")
    assert _reading(statements, "districts") == [], statements
    assert "suspendu" in html and "non abonné" in html
    # the occupied count and the subscription statuses ride on the occupants' query
    assert not [s for s in statements if s.startswith("SELECT count(households.id)")], statements
    assert not [s for s in statements if s.startswith("SELECT subscriptions.")], statements


def test_the_building_page_counts_occupied_flats_when_its_page_shows_none(
        building_code, client, login_as):
    login_as("operator")
    html = client.get(f"/buildings/{building_code}?status=suspended").get_data(as_text=True)
    assert _fact(html, "Logements occupés") == "2"


def test_the_buildings_page_counts_its_buildings_flats_in_one_statement(db, client, login_as):
    big, small = factories.make_building("TST-BIG"), factories.make_building("TST-SMALL")
    for floor in range(3):
        factories.make_unit(building=big, floor=floor)
    factories.make_unit(building=small)
    factories.make_building("TST-EMPTY")
    login_as("operator")
    with page_selects() as statements:
        html = client.get("/buildings?q=TST-").get_data(as_text=True)
    flats = dict(re.findall(r">(TST-\w+)</a></td>.*?<td class=\"num\">(\d+)</td>", html))
    assert flats == {"TST-BIG": "3", "TST-SMALL": "1", "TST-EMPTY": "0"}
    assert len(statements) == 3, statements  # the count, the buildings, their flats


def test_the_shown_subscription_is_the_open_one_that_matters_most(db):
    household = factories.make_household()
    for status in ("terminated", "active", "suspended", "pending"):
        factories.make_subscription(household=household, status=status)
    unsubscribed = factories.make_household()
    factories.make_subscription(household=unsubscribed, status="terminated")
    statuses = services.household_statuses([household.id, unsubscribed.id], on=date(2026, 12, 4))
    assert statuses[household.id].subscription == "suspended"
    assert statuses[unsubscribed.id].subscription is None

