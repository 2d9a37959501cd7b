"""The requests queue (page and API) reads a fixed number of statements whatever its rows
(issue 23.3): each request's district is joined into the page's query."""

from __future__ import annotations

from outreach import services
from tests.outreach.conftest import valid_request
from tests.statements import page_selects


def _three_requests(districts) -> list[str]:
    """Requests in two districts and one without: their references."""
    return [services.submit_request(valid_request(street=f"{number} rue du Test",
                                                  district_code=code),
                                    client_address=f"10.0.9.{number}").request.reference
            for number, code in ((1, "TST-NORD"), (2, "TST-SUD"), (3, ""))]


def test_the_queue_page_reads_a_fixed_number_of_statements(districts, client, login_as):
    references = _three_requests(districts)
    login_as("operator")
    with page_selects() as statements:
        html = client.get("/demandes").get_data(as_text=True)
    assert all(reference in html for reference in references)
    assert "Nord" in html and "Sud" in html
    assert len(statements) == 3, statements  # the count, the requests, the district filter


def test_the_requests_api_reads_count_and_rows_only(districts, client, api_as):
    references = _three_requests(districts)
    _, headers = api_as("operator")
    with page_selects() as statements:
        body = client.get("/api/v1/requests", headers=headers).get_json()
    assert {item["reference"] for item in body["items"]} >= set(references)
    assert len(statements) == 2, statements
