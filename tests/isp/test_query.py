"""Query-string filters: one pydantic model per list, read by the page and its API endpoint
(isp.query), and the only source of the OpenAPI query parameters (isp.openapi)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import Field

from isp.openapi import build_openapi, documented
from isp.query import Query, UndeclaredQuery, parse

ROOT = Path(__file__).resolve().parents[2]
API_MODULES = sorted([*ROOT.glob("*/api*.py"), *ROOT.glob("*/*/api*.py")])


def _reads_request_args(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "args"
            and isinstance(node.value, ast.Name) and node.value.id == "request"]


def test_no_api_view_reads_the_query_string_by_hand():
    """Every query argument of the API goes through a declared model (``parse``), so the
    document cannot miss one."""
    assert len(API_MODULES) > 20
    offenders = {str(path.relative_to(ROOT)): lines for path in API_MODULES
                 if (lines := _reads_request_args(path))}
    assert offenders == {}


class _Probe(Query):
    size: int = Field(3, ge=1, le=9)
    colour: str | None = Field(None, max_length=5, pattern=r"^[a-z]+$")


def test_an_api_view_must_declare_the_model_it_reads(app):
    with app.test_request_context("/api/v1/districts?size=2"), pytest.raises(UndeclaredQuery):
        parse(_Probe)


def test_bad_values_are_400_naming_the_argument(app):
    from isp.errors import DomainError

    with app.test_request_context("/probe?size=12&colour="), pytest.raises(DomainError) as error:
        parse(_Probe)
    assert (error.value.status, error.value.field) == (400, "size")
    assert error.value.message == "size doit être entre 1 et 9."
    with app.test_request_context("/probe?size=&colour=red"), pytest.raises(DomainError) as error:
        parse(_Probe)
    assert error.value.field == "size"  # an empty number is a mistake, as page= is
    with app.test_request_context("/probe?colour=%20"):
        assert parse(_Probe) == _Probe(size=3, colour=None)  # an empty text is absent


def test_the_document_takes_the_parameters_from_the_model(app):
    paths = build_openapi(app)["paths"]
    tickets = {p["name"]: p for p in paths["/api/v1/tickets"]["get"]["parameters"]}
    assert set(tickets) >= {"status", "source", "category", "building", "assignee", "q",
                            "overdue", "page", "per_page"}
    assert "" in tickets["status"]["schema"]["enum"]  # an empty select means "any"
    assert tickets["overdue"]["schema"]["type"] == "boolean"
    usage = {p["name"]: p for p in paths["/api/v1/usage"]["get"]["parameters"]}
    assert usage["unit"]["required"] is True
    assert {"from", "to"} <= set(usage)  # read by a helper, missed by the former source scan
    assert documented(query=_Probe)(lambda: None).openapi_query is _Probe


@pytest.mark.parametrize(("page", "api"), [("/tickets", "/api/v1/tickets"),
                                       ("/billing/invoices", "/api/v1/invoices"),
                                       ("/demandes", "/api/v1/requests")])
def test_a_page_and_its_api_refuse_the_same_filter(client, db, login_as, api_as, page, api):
    _user, headers = api_as("operator")
    answer = client.get(f"{api}?status=bogus", headers=headers)
    assert answer.status_code == 400 and answer.get_json()["field"] == "status"
    login_as("operator")
    assert client.get(f"{page}?status=bogus").status_code == 400
    assert client.get(f"{page}?status=").status_code == 200
