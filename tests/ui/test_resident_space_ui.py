"""A resident's main flow on a 360 px phone (issue 20): sign in (a server-side session, as
the sign-in opens one), book a coaching slot, report a problem, see both in plain words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.ui

OVERFLOW_JS = "() => document.documentElement.scrollWidth"


def _resident_session(ui_app) -> tuple[str, int]:
    """A session cookie for the first demo resident, with a free slot of their association."""
    from isp.auth import SESSION_ID_KEY, start_session
    from isp.extensions import db
    from isp.models import User
    from mediation.assignments import assign_household, current_assignment, suggestions_for
    from mediation.slots import publish_slot
    from residents.identity import household_of

    with ui_app.app_context():
        user = db.session.execute(select(User).where(User.role == "resident")
                                  .order_by(User.id).limit(1)).scalar_one_or_none()
        household = household_of(user) if user is not None else None
        if household is None:  # the demo without residents: give one household an account
            from residents.accounts import create_account
            from subscribers.models import Household

            household = db.session.execute(select(Household).where(
                Household.moved_out_on.is_(None)).order_by(Household.id).limit(1)).scalar_one()
            user = create_account(household, "ui-resident@example.invalid", actor=None).user
        assignment = current_assignment(household.id)
        if assignment is None:
            operator = db.session.execute(select(User).where(User.role == "operator")
                                          .limit(1)).scalar_one()
            code = suggestions_for(household)[0].code
            assignment = assign_household(household, code, reason="test UI",
                                          actor=operator)
        mediator = db.session.execute(select(User).where(
            User.role == "mediator", User.association_id == assignment.association_id)
        ).scalars().first() or db.session.execute(
            select(User).where(User.role == "admin").limit(1)).scalar_one()
        start = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + \
            timedelta(days=3)
        slot = publish_slot(actor=mediator, association=assignment.association,
                            starts_at=start, duration_minutes=60, capacity=1,
                            topic="email", kind="individual")
        token = start_session(user)
        db.session.commit()
        cookie = ui_app.session_interface.get_signing_serializer(ui_app).dumps(
            {"_user_id": str(user.id), "_fresh": True, SESSION_ID_KEY: token})
        return cookie, slot.id


def test_a_resident_books_a_slot_and_reports_a_problem_on_a_phone(browser, live_server,
                                                                  ui_app):
    cookie, slot_id = _resident_session(ui_app)
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 800})
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": ui_app.config.get("SESSION_COOKIE_NAME", "session"),
                          "value": cookie, "url": live_server}])
    page = context.new_page()
    try:
        page.goto(live_server + "/moi")
        assert page.get_by_role("heading", name="Bonjour").is_visible()
        assert page.get_by_role("button", name="Se déconnecter").is_visible()

        page.goto(live_server + "/moi/accompagnement")
        page.locator(f"form:has(input[name=slot_id][value='{slot_id}']) button").click()
        page.wait_for_load_state("load")
        assert "C'est réservé" in page.content()
        assert page.get_by_role("button", name="Annuler ce rendez-vous").count() >= 1

        page.goto(live_server + "/moi/probleme")
        page.get_by_label("Internet est lent").check()
        page.get_by_label("Vous pouvez expliquer ici (pas obligatoire)").fill("Le soir surtout")
        page.get_by_role("button", name="Envoyer").click()
        page.wait_for_load_state("load")
        assert "Merci. Nous avons reçu votre message." in page.content()
        assert page.get_by_role("heading", name="Internet est lent").count() >= 1
        assert page.evaluate(OVERFLOW_JS) <= 362
    finally:
        context.close()


def test_every_page_of_the_space_is_axe_clean_and_light(browser, live_server, ui_app):
    """The residents' pages (not in the role-by-role audit until the UI login knows a demo
    resident): no axe violation, at most 30 KB of HTML, no sideways scroll at 360 px."""
    from tests.ui.discovery import axe_violations

    cookie, _slot_id = _resident_session(ui_app)
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 800})
    context.add_cookies([{"name": ui_app.config.get("SESSION_COOKIE_NAME", "session"),
                          "value": cookie, "url": live_server}])
    page = context.new_page()
    problems = []
    try:
        for path in ("/moi", "/moi/internet", "/moi/factures", "/moi/probleme",
                     "/moi/accompagnement", "/moi/donnees", "/moi/mandats"):
            response = page.goto(live_server + path)
            size = len(response.body())
            if response.status != 200 or size > 30 * 1024:
                problems.append(f"{path}: {response.status}, {size} bytes")
            violations = axe_violations(page)
            if violations:
                problems.append(f"{path}: {[v['id'] for v in violations]}")
            if page.evaluate(OVERFLOW_JS) > 362:
                problems.append(f"{path}: wider than 360 px")
    finally:
        context.close()
    assert problems == []
