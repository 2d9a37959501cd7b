"""Every route declares its access rule, and the triad holds for every route."""

from __future__ import annotations

import pytest

from isp.auth import access_matrix
from tests.access import ALL_ROLES, load_cases, request

CASES = load_cases()


def test_every_route_declares_an_access_rule(app):
    undeclared = [f"{rule} ({endpoint})" for rule, endpoint, _m, access in access_matrix(app)
                  if access is None]
    assert undeclared == []


def test_every_route_has_an_access_case(app):
    covered = {(case.method, case.rule) for case in CASES}
    missing = [f"{method} {rule}" for rule, _endpoint, methods, access in access_matrix(app)
               for method in sorted(methods)
               if access is not None and not access.is_public and (method, rule) not in covered]
    assert missing == []


def test_declared_roles_match_the_cases(app):
    """The table in the code and the cases agree on who may call each route."""
    declared = {}
    for rule, _endpoint, methods, access in access_matrix(app):
        for method in methods:
            declared[(method, rule)] = access
    mismatches = []
    for case in CASES:
        access = declared.get((case.method, case.rule))
        if access is None:
            mismatches.append(f"{case.id()}: no such route")
        elif {str(r) for r in access.roles} != set(case.allowed):
            mismatches.append(f"{case.id()}: code {sorted(map(str, access.roles))} "
                              f"vs case {sorted(case.allowed)}")
    assert mismatches == []


@pytest.mark.parametrize("case", CASES, ids=[c.id() for c in CASES])
def test_anonymous_is_refused(case, access_client, client):
    ctx, headers = access_client(None, case)
    response = request(client, case, case.setup(ctx), headers)
    if case.is_api:
        assert response.status_code == 401
        assert response.get_json()["error"]
    else:
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(("case", "role"), [(c, r) for c in CASES for r in ALL_ROLES],
                         ids=[f"{c.id()} as {r}" for c in CASES for r in ALL_ROLES])
def test_role_triad(case, role, access_client, client):
    ctx, headers = access_client(role, case)
    response = request(client, case, case.setup(ctx), headers)
    if role in case.allowed:
        assert response.status_code in case.ok, response.get_data(as_text=True)[:500]
        if role == "mediator" and case.out_of_scope is not None:
            other = request(client, case, case.out_of_scope(ctx), headers)
            assert other.status_code in (403, 404)
    else:
        assert response.status_code == 403
