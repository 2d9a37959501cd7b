"""Keyboard only: log in, skip to the content, and reach every field of the main flows' forms.

The flows' pages belong to other domains; they are found in the access matrix by endpoint
name. A flow whose page does not exist yet fails with the names that were looked for.
"""

from __future__ import annotations

import re

import pytest

from tests.ui.conftest import ROLE_EMAILS, demo_password
from tests.ui.discovery import ResolveContext, build_url, page_routes

pytestmark = pytest.mark.ui

#: Flow → (role that performs it, endpoint patterns of its form page, in order of preference).
FLOWS = {
    "subscribe a household": ("operator", (r"subscri\w*\.(subscription|subscribe)\w*_new$",
                                           r"\.subscribe\w*$", r"subscription\w*_new$")),
    "record a payment": ("operator", (r"billing\.payment\w*_new$", r"\.record_payment$",
                                      r"payment\w*_new$")),
    "book a slot": ("mediator", (r"mediation\.\w*book\w*$", r"booking\w*_new$",
                                 r"slot\w*_book\w*$")),
}

FOCUSED_JS = """() => { const e = document.activeElement; if (!e) return null;
  const style = getComputedStyle(e);
  return {tag: e.tagName.toLowerCase(), name: e.getAttribute('name') || '', id: e.id || '',
          text: (e.innerText || '').trim().slice(0, 40),
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2}; }"""

FORM_FIELDS_JS = """() => Array.from(document.querySelectorAll(
  'main form[method=post] input:not([type=hidden]), main form[method=post] select,'
  + ' main form[method=post] textarea, main form[method=post] button'))
  .filter(e => !e.disabled && e.offsetParent !== null)
  .map(e => e.getAttribute('name') || e.id || (e.innerText || '').trim())"""


def _tab_until(page, predicate, limit: int = 60) -> list[dict]:
    """Press Tab until the focused element satisfies ``predicate``; the focus path taken."""
    path = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        path.append(focused)
        if focused and predicate(focused):
            return path
    raise AssertionError("never reached by Tab; focus went through: "
                         + ", ".join(f"{f['tag']}[{f['name'] or f['id'] or f['text']}]"
                                     for f in path if f))


def test_login_with_the_keyboard_only(browser, live_server):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(live_server + "/login")
        first = _tab_until(page, lambda f: True)[0]
        assert first["tag"] == "a" and first["text"] == "Aller au contenu", first
        assert first["outline"], "the skip link has no visible focus outline"
        path = _tab_until(page, lambda f: f["name"] == "email")
        assert all(step["outline"] for step in path), "an element was focused without outline"
        email = ROLE_EMAILS["operator"]
        page.keyboard.type(email)
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUSED_JS)["name"] == "password"
        page.keyboard.type(demo_password(email))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "/login" not in page.url
        assert page.get_by_role("navigation", name="Navigation principale").is_visible()
    finally:
        context.close()


def test_skip_link_moves_to_the_main_content(role_context, live_server):
    page = role_context("operator").new_page()
    try:
        page.goto(live_server + "/buildings")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        assert page.url.endswith("#main")
        page.keyboard.press("Tab")
        inside_main = page.evaluate("() => !!document.activeElement.closest('main')")
        assert inside_main, "after the skip link, Tab should land inside <main>"
    finally:
        page.close()


def _flow_page(ui_app, flow: str):
    from isp.extensions import db
    from isp.models import User

    role, patterns = FLOWS[flow]
    routes = page_routes(ui_app)
    for pattern in patterns:
        for route in routes:
            if re.search(pattern, route.endpoint) and role in route.roles:
                with ui_app.app_context():
                    user = db.session.execute(
                        db.select(User).where(User.email == ROLE_EMAILS[role])).scalar_one()
                    return role, build_url(route, ResolveContext(role, user, db.session))
    pytest.fail(f"no page for '{flow}' yet (as {role}): looked for endpoints matching "
                f"{', '.join(patterns)}; add the pattern in tests/ui/test_keyboard.py FLOWS")


@pytest.mark.parametrize("flow", list(FLOWS))
def test_every_field_of_the_flow_is_reached_by_tab_with_visible_focus(flow, ui_app,
                                                                      role_context, live_server):
    role, path = _flow_page(ui_app, flow)
    page = role_context(role).new_page()
    try:
        page.goto(live_server + path)
        expected = page.evaluate(FORM_FIELDS_JS)
        assert expected, f"{path}: no form to fill"
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # the skip link: start from the content
        reached, unfocused = set(), []
        for _ in range(len(expected) * 3 + 40):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED_JS)
            if not focused or focused["tag"] == "body":
                break
            key = focused["name"] or focused["id"] or focused["text"]
            reached.add(key)
            if not focused["outline"]:
                unfocused.append(key)
            if reached >= set(expected):
                break
        assert set(expected) <= reached, (f"{path}: not reachable by Tab: "
                                          f"{sorted(set(expected) - reached)}")
        assert not unfocused, f"{path}: focus not visible on {unfocused}"
    finally:
        page.close()
