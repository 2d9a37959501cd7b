"""Every page, as every role allowed on it: zero axe-core WCAG 2.1 A/AA violations, within budget.

Pages are discovered from the access matrix (tests/ui/discovery.py), so a page added by any
domain is audited without editing this file.
"""

from __future__ import annotations

import pytest

from tests.ui.conftest import server_log_tail
from tests.ui.discovery import (
    MAX_KB,
    MAX_REQUESTS,
    PageMeter,
    PageRoute,
    ResolveContext,
    UnresolvedRoutes,
    axe_violations,
    build_url,
    describe_violations,
    figures_table,
    page_routes,
)

pytestmark = pytest.mark.ui


def _collection_app():
    """An app only for its URL map; it never opens the database."""
    from isp import create_app

    return create_app("default", SQLALCHEMY_DATABASE_URI="sqlite://")


def pytest_generate_tests(metafunc):
    if "page_visit" in metafunc.fixturenames:
        visits = [(route, role) for route in page_routes(_collection_app())
                  for role in route.roles]
        metafunc.parametrize("page_visit", visits,
                             ids=[f"{route.label}[{role}]" for route, role in visits])


@pytest.fixture(scope="session")
def resolve_url(ui_app):
    """``resolve_url(route, role)`` → the page's path with demo values, or UnresolvedRoutes."""
    from isp.extensions import db

    def _resolve(route: PageRoute, role: str) -> str:
        with ui_app.app_context():
            return build_url(route, ResolveContext.of_demo_role(role, db.session))

    return _resolve


@pytest.fixture(scope="session")
def meters(role_context):
    made: dict[str, PageMeter] = {}

    def _meter(role: str) -> PageMeter:
        if role not in made:
            made[role] = PageMeter(role_context(role))
        return made[role]

    yield _meter
    for meter in made.values():
        meter.close()


def test_every_page_route_has_demo_values_for_its_parameters(resolve_url):
    unresolved = []
    for route in page_routes(_collection_app()):
        for role in route.roles:
            try:
                resolve_url(route, role)
            except UnresolvedRoutes as error:
                unresolved.append(str(error))
    assert not unresolved, ("Add a resolver in tests/ui/discovery.py RESOLVERS for:\n"
                            + "\n".join(unresolved))


def test_page_is_accessible_and_within_budget(page_visit, resolve_url, role_context, meters,
                                              live_server, page_figures):
    route, role = page_visit
    path = resolve_url(route, role)
    url = live_server + path
    # Downloads and switches were left out at collection (discovery.page_routes): what is
    # visited here must be an HTML page answered directly.
    probe = role_context(role).request.get(url, max_redirects=0)
    content_type = probe.headers.get("content-type", "")
    assert probe.status == 200, (
        f"{path} as {role}: HTTP {probe.status} {probe.headers.get('location', '')}\n"
        "(a redirect: add the route to NOT_PAGES, or a QUERIES entry that makes it a page, "
        "in tests/ui/discovery.py)\n--- server log:\n" + server_log_tail())
    assert content_type.startswith("text/html"), (
        f"{path} as {role} answers {content_type}: a download rule must end with its "
        "extension (DOWNLOAD_RULE in tests/ui/discovery.py)")
    meter = meters(role)
    figures = meter.measure(url, role=role, endpoint=route.endpoint)
    figures.violations = axe_violations(meter.page)
    page_figures.append(figures)
    assert not figures.violations, (f"{path} as {role}: axe WCAG 2.1 A/AA violations\n"
                                    + describe_violations(figures.violations))
    assert not figures.over_budget(), (
        f"{path} as {role} is over budget ({MAX_KB} KB, {MAX_REQUESTS} requests, grade A): "
        + "; ".join(figures.over_budget()) + "\n" + figures_table([figures]))
