"""Issue 18, items 11-13, as people meet them: on a 360 px phone the statement, the slot and the
household pages fit the screen (wide tables scroll in their own box), the menu is folded, the
attendance of a booking is reachable; every chart keeps its labels apart and inside its
drawing at 360 and 1280 px; the scenario form is filled in euros and names what is missing.
"""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.ui.conftest import ROLE_EMAILS, login

pytestmark = pytest.mark.ui
PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
NAV = "nav[aria-label='Navigation principale']"

#: Elements sticking out of the viewport that are not inside a box that scrolls sideways.
OUTSIDE_JS = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX; if (x === 'auto' || x === 'scroll') return true; }
    return false; };
  return [document.documentElement.scrollWidth,
          Array.from(document.querySelectorAll('body *')).filter(el => {
            const r = el.getBoundingClientRect();
            return r.width > 0 && r.right > width + 1 && !scrolls(el); })
          .slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + el.className)]; }"""


@pytest.fixture(scope="module")
def demo_ids(ui_app):
    """A household with dunning letters, and a slot of the mediator's association that has
    started and has a live booking (attendance can be recorded), both from the demo seed."""
    from billing.models import DunningStep
    from isp.extensions import db
    from isp.models import User
    from isp.timeutil import utcnow
    from mediation.models import Booking, CoachingSlot

    with ui_app.app_context():
        lettered = db.session.execute(select(DunningStep.household_id).where(
            DunningStep.text.is_not(None)).order_by(DunningStep.household_id)).scalars().first()
        mediator = db.session.execute(select(User).where(
            User.email == ROLE_EMAILS["mediator"])).scalar_one()
        slot = db.session.execute(
            select(CoachingSlot.id).join(Booking, Booking.slot_id == CoachingSlot.id)
            .where(CoachingSlot.association_id == mediator.association_id,
                   CoachingSlot.cancelled_at.is_(None), Booking.status != "cancelled",
                   CoachingSlot.starts_at < utcnow())
            .order_by(CoachingSlot.starts_at.desc())).scalars().first()
    assert lettered and slot, "the demo seed has dunning letters and booked slots"
    return {"household": lettered, "slot": slot}


def _phone_page(browser, base: str, role: str):
    context = browser.new_context(locale="fr-FR", viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    login(page, base, role)
    return context, page


def _assert_fits(page, path: str) -> None:
    width, outside = page.evaluate(OUTSIDE_JS)
    assert width <= PHONE["width"], f"{path} is {width} px wide at 360 px: {outside}"
    assert not outside, f"{path}: cut off at the right edge, outside any scroll box: {outside}"


def test_statement_household_and_slot_pages_fit_a_phone(browser, live_server, demo_ids):
    household = demo_ids["household"]
    context, page = _phone_page(browser, live_server, "operator")
    try:
        for path in (f"/billing/households/{household}/statement", f"/households/{household}"):
            page.goto(live_server + path)
            _assert_fits(page, path)
        page.goto(live_server + f"/billing/households/{household}/statement")
        letters = page.locator("main pre")
        assert letters.count() >= 1, "the demo household has dunning letters"
        # The letters wrap: none is wider than its box.
        assert page.evaluate("""() => Array.from(document.querySelectorAll('main pre'))
            .every(p => p.scrollWidth <= p.clientWidth + 1)""")
        # The statement's table scrolls in its own box, up to the balance.
        wrap = page.locator("main .table-wrap").first
        wrap.evaluate("box => box.scrollLeft = box.scrollWidth")
        assert page.get_by_role("columnheader", name="Solde").is_visible()
        header_right = page.get_by_role("columnheader", name="Solde").bounding_box()
        assert header_right["x"] + header_right["width"] <= PHONE["width"] + 1
    finally:
        context.close()
    context, page = _phone_page(browser, live_server, "mediator")
    try:
        path = f"/mediation/slots/{demo_ids['slot']}"
        page.goto(live_server + path)
        _assert_fits(page, path)
        # Each booking is a card: its attendance is on screen without scrolling sideways.
        attendance = page.locator("main table select[name=status]").first
        box = attendance.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert page.locator("main table td[data-label='Présence']").first.is_visible()
        status = page.locator("main table td[data-label='Statut']").first
        before = status.inner_text().strip()
        # Record the other attendance with a tap, see it on the card, then put it back.
        for value, label in ((("absent", "absent") if before == "présent"
                              else ("attended", "présent")),
                             ("attended" if before == "présent" else "absent", before)):
            page.locator("main table select[name=status]").first.select_option(value)
            with page.expect_navigation():
                page.locator("main table form button").first.click()
            assert status.inner_text().strip() == label
    finally:
        context.close()


def test_the_menu_is_folded_on_a_phone_and_open_on_a_desktop(browser, live_server):
    context, page = _phone_page(browser, live_server, "admin")
    try:
        page.goto(live_server + "/households")
        menu, first_link = page.locator(f"{NAV} summary"), page.locator(f"{NAV} a").first
        assert menu.is_visible() and not first_link.is_visible()
        header = page.locator("header.top").bounding_box()
        assert header["height"] <= 100, f"the header takes {header['height']} px"
        menu.click()
        expect(first_link).to_be_visible()
        with page.expect_navigation():
            page.locator(NAV).get_by_role("link", name="Immeubles").click()
        assert page.url.endswith("/buildings")
        page.set_viewport_size(DESKTOP)
        page.goto(live_server + "/households")
        assert not page.locator(f"{NAV} summary").is_visible()
        assert page.locator(f"{NAV} a").first.is_visible()
        # On a desktop the links are reached with Tab straight after the skip link and brand.
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.closest('nav') !== null")
        assert focused, "the first menu link takes the focus on a desktop"
    finally:
        context.close()


#: Every text of an SVG as the browser lays it out: its box and its baseline.
TEXT_BOXES_JS = """svg => {
  document.body.innerHTML = svg;
  const root = document.querySelector('svg');
  const [x0, y0, w, h] = root.getAttribute('viewBox').split(' ').map(Number);
  return {width: w, height: h, texts: Array.from(root.querySelectorAll('text')).map(t => {
    const b = t.getBBox();
    return {text: t.textContent, left: b.x, right: b.x + b.width, top: b.y,
            bottom: b.y + b.height, baseline: t.getAttribute('y')}; })}; }"""


def _chart_pages(ui_app) -> list[tuple[str, str]]:
    from isp.extensions import db
    from subscribers.models import Building, Unit

    with ui_app.app_context():
        unit = db.session.execute(select(Unit.code).order_by(Unit.id)).scalars().first()
        building = db.session.execute(select(Building.code).order_by(Building.id)).scalar()
    return [("operator", f"/network/units/{unit}/usage"),
            ("operator", f"/network/buildings/{building}"),
            ("analyst", "/evaluation"), ("analyst", "/evaluation/districts"),
            ("analyst", "/evaluation/footprint")]


def test_every_chart_keeps_its_labels_apart_and_inside_at_360_and_1280(browser, live_server,
                                                                      ui_app):
    checked, problems = 0, []
    contexts = {}
    blank = browser.new_page()
    try:
        for role, path in _chart_pages(ui_app):
            if role not in contexts:
                contexts[role] = _phone_page(browser, live_server, role)
            page = contexts[role][1]
            for viewport in (PHONE, DESKTOP):
                page.set_viewport_size(viewport)
                page.goto(live_server + path)
                images = page.locator("main img[src^='data:image/svg+xml']")
                for index in range(images.count()):
                    image = images.nth(index)
                    shown = image.bounding_box()
                    if shown["x"] + shown["width"] > viewport["width"] + 1:
                        problems.append(f"{path} @{viewport['width']}: chart {index} is cut")
                    svg = base64.b64decode(image.get_attribute("src").split(",", 1)[1]).decode()
                    drawn = blank.evaluate(TEXT_BOXES_JS, svg)
                    checked += 1
                    rows: dict[str, list] = {}
                    for text in drawn["texts"]:
                        if text["left"] < 0 or text["right"] > drawn["width"] + 0.5:
                            problems.append(f"{path}: {text['text']!r} leaves the drawing")
                        rows.setdefault(text["baseline"], []).append(text)
                    for row in rows.values():
                        row.sort(key=lambda t: t["left"])
                        for before, after in zip(row, row[1:], strict=False):
                            if before["right"] > after["left"]:
                                problems.append(f"{path}: {before['text']!r} overlaps "
                                                f"{after['text']!r}")
    finally:
        blank.close()
        for context, _page in contexts.values():
            context.close()
    assert checked >= 8, f"only {checked} charts found on the chart pages"
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_a_scenario_is_simulated_in_euros_and_pin_sec_asks_for_its_flats(browser, live_server):
    context, page = _phone_page(browser, live_server, "analyst")
    try:
        page.goto(live_server + "/evaluation/scenarios")
        _assert_fits(page, "/evaluation/scenarios")
        equipment = page.locator(".field", has=page.locator("#equipment_euros_per_flat"))
        assert "défaut : 150,00\u00a0€" in equipment.inner_text()
        # Pin Sec: nothing counts its flats; the list says so, the error says what to do.
        pin_sec = page.locator("#district_code option", has_text="Pin Sec")
        assert "logements à saisir" in pin_sec.inner_text()
        page.fill("#name", "Pin Sec, équipement à 99,50 €")
        page.select_option("#district_code", value=pin_sec.get_attribute("value"))
        page.fill("#equipment_euros_per_flat", "99,50")
        page.click("main form.narrow button[type=submit]")
        error = page.locator("#flats-error")
        expect(error).to_be_visible()
        assert error.inner_text().startswith("Aucun nombre de logements connu pour Pin Sec")
        assert page.locator("#flats").get_attribute("aria-invalid") == "true"
        # What was typed is kept; the flats typed, the scenario is saved with 99,50 €.
        assert page.input_value("#equipment_euros_per_flat") == "99,50"
        page.fill("#flats", "850")
        with page.expect_navigation():
            page.click("main form.narrow button[type=submit]")
        assert "/evaluation/scenarios/" in page.url
        row = page.locator("tr", has=page.get_by_role("rowheader",
                                                      name="Équipement par logement"))
        assert "99,50\u00a0€" in row.inner_text() and "saisie" in row.inner_text()
        flats = page.locator("tr", has=page.get_by_role("rowheader", name="Logements"))
        assert "850" in flats.inner_text()
    finally:
        context.close()
