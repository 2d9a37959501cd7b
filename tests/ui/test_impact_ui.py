"""The impact follow-up done as a mediator does it (issue 21): from the households due, the
questions of a stage, a typing error shown beside the field, then the answers saved and the
household page saying so."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

pytestmark = pytest.mark.ui


@pytest.fixture
def mediator_page(role_context):
    page = role_context("mediator").new_page()
    yield page
    page.close()


def test_a_mediator_records_a_stage_from_the_due_list(mediator_page, live_server, ui_app):
    from impact.models import ImpactAnswer
    from isp.extensions import db

    page = mediator_page
    page.goto(live_server + "/impact/due")
    links = page.locator("main table a[href*='/impact/']")
    if links.count() == 0:  # the demo's dates make some 6-month follow-ups due
        pytest.skip("no stage due for the demo mediator today")
    href = links.first.get_attribute("href")
    household_id = int(href.split("/")[2])
    stage = href.rsplit("/", 1)[1]
    links.first.click()
    page.check("main input[name=home_connection][value=yes]")
    page.fill("main #monthly_cost", "douze")
    page.check("main input[name=devices][value=smartphone]")
    page.get_by_role("button", name="Enregistrer").click()
    error = page.locator("main #monthly_cost-err")
    expect(error).to_contain_text("montant en euros")
    expect(error).to_be_visible()
    page.fill("main #monthly_cost", "12,50")
    page.get_by_role("button", name="Enregistrer").click()
    assert page.url.endswith(f"/households/{household_id}/impact")  # its tab
    assert "recueilli" in page.locator("main #impact-title + ul").inner_text()

    with ui_app.app_context():
        answer = db.session.execute(select(ImpactAnswer).where(
            ImpactAnswer.household_id == household_id, ImpactAnswer.stage == stage)
        ).scalar_one()
        assert answer.monthly_cost_cents == 1250 and answer.recorded_by_role == "mediator"


def test_impact_pages_fit_a_phone(browser, live_server):
    from tests.ui.test_small_screens import _assert_fits, _phone_page

    for role, paths in (("analyst", ("/evaluation/impact", "/evaluation/impact?by=building")),
                        ("mediator", ("/impact/due",))):
        context, page = _phone_page(browser, live_server, role)
        try:
            for path in paths:
                page.goto(live_server + path)
                _assert_fits(page, path)
        finally:
            context.close()
    context, page = _phone_page(browser, live_server, "mediator")
    try:
        page.goto(live_server + "/impact/due")
        link = page.locator("main table a[href*='/impact/']").first
        if link.count():
            path = link.get_attribute("href")
            page.goto(live_server + path)
            _assert_fits(page, path)
    finally:
        context.close()
