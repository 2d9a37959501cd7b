"""Issue 18.3 as an operator does it: pick a status in the filter of the households list and
of the building page, submit, and read only households of that status, with the column."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from subscribers.views import BUILDING_FLATS_PER_PAGE

pytestmark = pytest.mark.ui


def _expected(ui_app, status: str, building_code: str | None = None) -> int:
    from isp.choices import Role
    from isp.extensions import db
    from subscribers import services

    with ui_app.app_context():
        statement = services.households_query(services.Scope(Role.OPERATOR), status=status,
                                              building_code=building_code)
        return len(db.session.execute(services.households_rows(statement)).all())


def _rows(page, table: str = "main table") -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{table} tbody tr", "rows => rows.map(r => Array.from(r.cells, c => c.innerText))")


def test_an_operator_finds_the_unsubscribed_households(role_context, live_server, ui_app):
    expected = _expected(ui_app, "not_subscribed")
    assert expected > 0, "the demo has households without a subscription"
    page = role_context("operator").new_page()
    try:
        page.goto(live_server + "/households")
        page.select_option("select#status", "not_subscribed")
        page.click("form.search button[type=submit]")
        page.wait_for_load_state("load")
        assert "status=not_subscribed" in page.url
        rows = _rows(page)
        assert rows and all(row[-1].startswith("non abonné") for row in rows)
        assert f"{expected} résultats" in page.inner_text("main")
    finally:
        page.close()


def test_an_operator_filters_a_buildings_flats_by_status(role_context, live_server, ui_app):
    from isp.extensions import db
    from subscribers.models import Building

    with ui_app.app_context():
        code = db.session.execute(select(Building.code).order_by(Building.code)).scalars().first()
    expected = _expected(ui_app, "active", code)
    page = role_context("operator").new_page()
    try:
        page.goto(f"{live_server}/buildings/{code}")
        page.select_option("select#status", "active")
        page.click("main form.search button[type=submit]")
        page.wait_for_load_state("load")
        rows = _rows(page, "table#units")
        assert len(rows) == min(expected, BUILDING_FLATS_PER_PAGE)
        assert all(row[-1].startswith("actif") for row in rows)
        assert f"{expected} résultats" in page.inner_text("main")
    finally:
        page.close()
