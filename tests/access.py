"""The access triad (NetBox-style), one parametrised helper that every domain extends.

Each domain's ``tests/<domain>/access_cases.py`` exports ``CASES``: one ``Case`` per URL rule and
method. ``tests/test_access.py`` runs, for every case, anonymous → login/401, a role not allowed
→ 403, an allowed role in scope → success, and (mediators) a record of another association →
403/404. It also fails when the app has a route that no case covers.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ALL_ROLES = ("admin", "operator", "mediator", "analyst", "resident")


@dataclass
class Ctx:
    """Given to a case's setup: the association the logged-in mediator belongs to (if any)."""

    association: object
    user: object = None
    #: A resident's own household (role ``resident``: a household of ``association``).
    household: object = None


@dataclass(frozen=True)
class Case:
    method: str
    rule: str
    #: Roles that succeed (admin is always added).
    roles: tuple[str, ...]
    #: Builds the records and returns the URL values (and optional "json"/"data" keys).
    setup: Callable[[Ctx], dict] = field(default=lambda ctx: {})
    #: For mediator-reachable routes: values naming a record of *another* association.
    out_of_scope: Callable[[Ctx], dict] | None = None
    #: Statuses meaning "served" (a form posted empty answers 400: it passed the access check).
    ok: tuple[int, ...] = (200,)

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(self.roles) | {"admin"}

    def id(self) -> str:
        return f"{self.method} {self.rule}"


def load_cases() -> list[Case]:
    cases: list[Case] = []
    tests_dir = Path(__file__).parent
    for path in sorted(tests_dir.glob("*/access_cases*.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.{path.stem}")
        cases.extend(module.CASES)
    return cases


def build_url(rule: str, values: dict) -> str:
    url = rule
    for key, value in values.items():
        if key in ("json", "data"):
            continue
        for converter in ("", "int:", "string:", "path:"):
            url = url.replace(f"<{converter}{key}>", str(value))
    assert "<" not in url, f"unfilled URL values in {url}"
    return url


def request(client, case: Case, values: dict, headers: dict | None = None):
    from isp.extensions import db

    db.session.commit()  # the setup's rows exist, as in real life, if a refusal rolls back
    url = build_url(case.rule, values)
    kwargs: dict = {"headers": headers or {}}
    if case.method in ("POST", "PUT", "PATCH", "DELETE"):
        if case.is_api:
            kwargs["json"] = values.get("json", {})
        else:
            kwargs["data"] = values.get("data", {})
    return client.open(url, method=case.method, **kwargs)


@pytest.fixture
def access_client(client, db, login_as, api_as):
    """Log in (page session or bearer token) as a role; returns (ctx, headers)."""
    from tests import factories

    def _as(role: str | None, case: Case):
        association = factories.make_association()
        if role is None:
            return Ctx(association), {}
        if role == "resident":
            return _as_resident(association, case)
        if case.is_api:
            user, headers = api_as(role, association=association if role == "mediator" else None)
            return Ctx(association, user), headers
        user = login_as(role, association=association if role == "mediator" else None)
        return Ctx(association, user), {}

    def _as_resident(association, case: Case):
        # A resident with an account of a household their association follows, as in real
        # life; a bare user of role resident would be refused everywhere anyway.
        from isp.auth import SESSION_ID_KEY, start_session
        from isp.extensions import db
        from isp.services import create_token
        from residents.accounts import create_account

        household = factories.make_household(association=association)
        user = create_account(household, f"access-resident{household.id}@test.example",
                              actor=None).user
        if case.is_api:
            headers = {"Authorization": f"Bearer {create_token(user)}"}
            db.session.commit()
            return Ctx(association, user, household), headers
        session_id = start_session(user)
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
            session[SESSION_ID_KEY] = session_id
        return Ctx(association, user, household), {}

    return _as


def mediator_module_names() -> list[str]:
    return [m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])]
