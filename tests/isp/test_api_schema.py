"""Schemathesis over the whole API with an operator token: no server error, no response
outside the generated OpenAPI document."""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.engine import Status, events, from_schema

from isp.openapi import build_openapi


def test_openapi_document_covers_every_api_route(app):
    document = build_openapi(app)
    assert document["openapi"].startswith("3.")
    api_rules = {rule.rule for rule in app.url_map.iter_rules()
                 if rule.rule.startswith("/api/v1") and not rule.rule.endswith("openapi.json")}
    documented = {path for path in document["paths"]}
    assert len(documented) == len(api_rules)
    households = document["paths"]["/api/v1/households"]["get"]
    assert {p["name"] for p in households["parameters"]} >= {"building", "unit", "page",
                                                            "per_page"}
    assert households["x-roles"] == ["admin", "mediator", "operator"]


def test_every_operation_declares_its_response(app):
    """Each operation names the model of what it answers (``documented(response=…)`` or
    ``items=…``), so schemathesis' response_schema_conformance checks every response."""
    document = build_openapi(app)
    undeclared = sorted(
        f"{method.upper()} {path}" for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation["responses"]["200"]["content"]["application/json"]["schema"]
        == {"type": "object"})
    assert undeclared == []
    schemas = document["components"]["schemas"]
    assert schemas["TicketOut"]["additionalProperties"] is False  # a stray member fails
    households = document["paths"]["/api/v1/households"]["get"]["responses"]["200"]
    listed = households["content"]["application/json"]["schema"]["allOf"]
    assert listed[1]["properties"]["items"]["items"] == {
        "$ref": "#/components/schemas/HouseholdOut"}
    assert "response_schema_conformance" not in EXCLUDED_CHECKS


def test_openapi_is_served_without_login(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/buildings/{code}" in response.get_json()["paths"]


#: Checks left out, and why: ``ignored_auth`` re-sends without our token, which the access
#: triad of tests/test_access.py covers route by route; ``positive_data_acceptance`` wants every
#: schema-valid request accepted, but a valid shape can still break a business rule (a payment
#: received tomorrow, a flat already occupied, an unknown tier): those are 422s by design.
EXCLUDED_CHECKS = ("ignored_auth", "positive_data_acceptance")


#: The API is fuzzed in this many parts (every operation in exactly one), so that pytest-xdist
#: spreads a minute of schemathesis over the workers instead of ending one worker's queue with it
#: (the parts also start first, marked long). Two, not more: each part seeds the demo and loads
#: the schema again (~4 s of CPU; 4 parts cost 82 s of CPU against 68 s for one).
SHARDS = 2


def operation_names(app) -> list[str]:
    """Every documented operation as schemathesis names it (``GET /api/v1/households``)."""
    document = build_openapi(app)
    return sorted(f"{method.upper()} {path}" for path, operations in document["paths"].items()
                  for method in operations)


def shard_of(names: list[str], shard: int) -> list[str]:
    return names[shard::SHARDS]


def schemathesis_failures(app, headers: dict, *, max_examples: int,
                          only: list[str] | None = None,
                          seen: set[str] | None = None) -> dict[str, set[str]]:
    """Run schemathesis' engine over the WSGI app (no network): the examples, coverage and
    fuzzing phases, positive and negative data, every check but ``EXCLUDED_CHECKS``; with
    ``only``, those operations alone (``seen`` collects the operations that ran)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    if only is not None:
        schema = schema.include(name=only)
    schema.config.update(headers=headers)
    schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
    schema.config.generation.update(modes=list(GenerationMode), max_examples=max_examples,
                                    database="none")
    schema.config.checks.update(excluded_check_names=list(EXCLUDED_CHECKS))
    failures: dict[str, set[str]] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            if seen is not None:
                seen.add(event.recorder.label)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        failures.setdefault(event.recorder.label, set()).add(
                            f"{check.name}: {failure.title}: {str(failure.message)[:300]}")
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.setdefault("engine", set()).add(str(event.info)[:500])
    return failures


def test_the_shards_cover_every_operation_once(app):
    names = operation_names(app)
    shards = [shard_of(names, shard) for shard in range(SHARDS)]
    assert sorted(name for shard in shards for name in shard) == names
    assert all(shards)
    assert "GET /api/v1/households" in names


@pytest.mark.long
@pytest.mark.parametrize("shard", range(SHARDS))
def test_api_never_fails_and_matches_its_schema(app, db, api_as, shard):
    from isp.demo import seed_demo

    seed_demo()
    _user, headers = api_as("operator")
    only = shard_of(operation_names(app), shard)
    seen: set[str] = set()
    assert schemathesis_failures(app, headers, max_examples=5, only=only, seen=seen) == {}
    assert seen == set(only)  # each operation of the shard was fuzzed, none of the others


def test_a_405_names_the_allowed_methods(client, db, api_as):
    _user, headers = api_as("operator")
    response = client.open("/api/v1/households", method="TRACE", headers=headers)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert response.get_json()["error"]


def test_an_empty_page_number_is_refused(client, db, api_as):
    _user, headers = api_as("operator")
    response = client.get("/api/v1/districts?page=", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["field"] == "page"


def test_declared_bodies_state_their_required_fields(app):
    document = build_openapi(app)
    payment = document["paths"]["/api/v1/payments"]["post"]["requestBody"]
    assert payment["required"] is True
    schema = payment["content"]["application/json"]["schema"]
    assert set(schema["required"]) == {"amount_cents", "method", "received_on"}
    assert schema["properties"]["amount_cents"]["maximum"] == 10_000_000
    assert schema["properties"]["reference"]["anyOf"][1] == {"type": "null"}
    household = document["paths"]["/api/v1/households"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]
    assert set(household["required"]) == {"unit_code", "holder_name"}
    assert household["properties"]["holder_name"]["maxLength"] == 120
