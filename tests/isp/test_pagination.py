"""Lists count their rows exactly up to LIST_EXACT_COUNT_LIMIT, then say "more than" (23.3)."""

import pytest

from tests import factories
from tests.statements import page_selects


@pytest.fixture
def limit_of_three(app):
    before = app.config["LIST_EXACT_COUNT_LIMIT"]
    app.config["LIST_EXACT_COUNT_LIMIT"] = 3
    yield
    app.config["LIST_EXACT_COUNT_LIMIT"] = before


def _households(count: int) -> None:
    building = factories.make_building("CAP")
    for index in range(count):
        factories.make_household(unit=factories.make_unit(f"CAP-{index}", building=building),
                                 holder_name=f"Foyer Cap {index}")


def test_the_api_total_is_a_lower_bound_beyond_the_limit_and_exact_near_the_end(
        client, api_as, db, limit_of_three):
    _households(5)
    _user, headers = api_as("operator")

    def envelope(page: int) -> tuple:
        body = client.get(f"/api/v1/households?building=CAP&per_page=2&page={page}",
                          headers=headers).get_json()
        return len(body["items"]), body["total"], body["total_exact"]

    assert envelope(1) == (2, 3, False)  # more than 3
    assert envelope(2) == (2, 4, False)  # counted as far as this page's end: more than 4
    assert envelope(3) == (1, 5, True)  # the last page knows the total
    assert envelope(4) == (0, 5, True)


def test_the_page_says_more_than_and_still_links_to_the_next_page(
        client, login_as, db, limit_of_three):
    _households(5)
    login_as("operator")

    def page(number: int) -> str:
        return client.get(f"/households?building=CAP&per_page=2&page={number}").get_data(
            as_text=True)

    first = page(1)
    assert "Page 1 · plus de 3 résultats" in first and 'rel="next"' in first
    last = page(3)
    assert "Page 3 sur 3 · 5 résultats" in last and 'rel="next"' not in last
    # A page as long as the list counts that far: exact at once.
    whole = client.get("/households?building=CAP").get_data(as_text=True)
    assert "5 résultats" in whole and "plus de" not in whole


def test_within_the_limit_the_total_is_exact(client, api_as, db):
    _households(5)
    _user, headers = api_as("operator")
    body = client.get("/api/v1/households?building=CAP&per_page=2", headers=headers).get_json()
    assert (body["total"], body["total_exact"]) == (5, True)


def test_lists_built_once_take_each_requests_values(client, api_as, login_as, db):
    """The households lists' statements are built once per set of filters (issue 23.3): each
    request's building, search and association are its own, with their counts."""
    _households(2)
    other = factories.make_building("CAQ")
    association = factories.make_association()
    followed = factories.make_household(unit=factories.make_unit("CAQ-0", building=other),
                                        holder_name="Foyer Caq", association=association)
    _user, headers = api_as("operator")

    def listed(query: str, request_headers=headers) -> tuple[list[str], int]:
        body = client.get(f"/api/v1/households?{query}", headers=request_headers).get_json()
        return [item["unit_code"] for item in body["items"]], body["total"]

    assert listed("building=CAP") == (["CAP-0", "CAP-1"], 2)
    assert listed("building=CAQ") == (["CAQ-0"], 1)
    assert listed(f"association={association.code}") == (["CAQ-0"], 1)
    _mediator, mediator_headers = api_as("mediator", association=association)
    assert listed("", mediator_headers) == (["CAQ-0"], 1)
    login_as("operator")
    page = client.get("/households?building=CAP").get_data(as_text=True)
    assert "Foyer Cap 1" in page and followed.holder_name not in page
    page = client.get("/households?q=caq").get_data(as_text=True)
    assert followed.holder_name in page and "Foyer Cap 1" not in page


def test_a_list_built_once_writes_its_limit_and_offset_into_the_sql(client, api_as, db):
    """The count's limit and the page's LIMIT and OFFSET are written into the statement's text
    (issue 23.3): PostgreSQL costs a prepared statement's plan once only when it knows them,
    and a list planned on every request cost ~1 ms of the database's CPU each time. Each page
    still gets its own rows."""
    _households(5)
    _user, headers = api_as("operator")
    with page_selects() as selects:
        first = client.get("/api/v1/households?building=CAP&per_page=2", headers=headers)
        third = client.get("/api/v1/households?building=CAP&per_page=2&page=3", headers=headers)
    sent = [" ".join(statement.split()) for statement in selects]
    assert [item["unit_code"] for item in first.get_json()["items"]] == ["CAP-0", "CAP-1"]
    assert [item["unit_code"] for item in third.get_json()["items"]] == ["CAP-4"]
    assert any("LIMIT 1001" in statement for statement in sent)
    # A row past the page: it tells whether the list goes on.
    assert any("LIMIT 3 OFFSET 0" in statement for statement in sent)
    assert any("LIMIT 3 OFFSET 4" in statement for statement in sent)


def test_a_later_page_is_counted_only_when_it_cannot_tell_the_total(
        client, api_as, db, limit_of_three):
    """The page is read with one row past it (issue 23.3): a later page that ends the list
    knows the total, and past the exact limit the count would stop at the page's end: neither
    counts. A first page is counted, unless empty, and a page within the limit with rows after
    it."""
    _households(5)
    _user, headers = api_as("operator")

    def counts(query: str) -> tuple[int, tuple]:
        with page_selects() as selects:
            body = client.get(f"/api/v1/households?building=CAP&{query}",
                              headers=headers).get_json()
        counted = sum("count(" in statement.lower() for statement in selects)
        return counted, (len(body["items"]), body["total"], body["total_exact"])

    assert counts("per_page=2&page=3") == (0, (1, 5, True))  # the last page
    assert counts("per_page=2&page=2") == (0, (2, 4, False))  # past the limit of 3
    assert counts("per_page=10") == (1, (5, 5, True))  # a first page
    assert counts("per_page=1&page=2") == (1, (1, 3, False))  # within the limit: counted
    assert counts("per_page=2&page=9") == (1, (0, 5, True))  # past the end: counted
    with page_selects() as selects:
        body = client.get("/api/v1/households?building=NONE", headers=headers).get_json()
    assert (body["items"], body["total"], body["total_exact"]) == ([], 0, True)
    assert not any("count(" in statement.lower() for statement in selects)  # empty: no count
