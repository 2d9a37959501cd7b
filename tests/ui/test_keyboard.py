"""Keyboard only: log in, skip to the content, reach every field of the main flows' forms, and
carry each flow through to its visible result (household subscribed, payment recorded, booking
shown) with Tab, Shift+Tab, arrows, Enter and typed text.

The flows' pages belong to other domains; they are found in the access matrix by endpoint
name. A flow whose page does not exist yet fails with the names that were looked for.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.ui.conftest import ROLE_EMAILS, demo_password
from tests.ui.discovery import ResolveContext, page_routes

pytestmark = pytest.mark.ui

#: Flow → (role that performs it, endpoint patterns of its form page, in order of preference).
FLOWS = {
    "subscribe a household": ("operator", (r"subscri\w*\.(subscription|subscribe)\w*_new$",
                                           r"\.subscribe\w*$", r"subscription\w*_new$")),
    "record a payment": ("operator", (r"billing\.payment\w*_new$", r"\.record_payment$",
                                      r"payment\w*_new$")),
    # Booking is a form on the slot's page (POST mediation.slot_book).
    "book a slot": ("mediator", (r"mediation\.slot_detail$", r"booking\w*_new$")),
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


def _tab_until(page, predicate, limit: int = 120) -> list[dict]:
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


# --- the demo rows each flow acts on ------------------------------------------------------------

def _household_to_subscribe(ctx: ResolveContext) -> dict:
    """A current household of a wired flat with no open subscription (the demo leaves some)."""
    from network.models import Port
    from subscribers.lifecycle import OPEN_STATUSES
    from subscribers.models import Household, Subscription

    open_ = [str(s) for s in OPEN_STATUSES]
    busy_units = select(Subscription.unit_id).where(Subscription.status.in_(open_))
    busy_households = select(Subscription.household_id).where(Subscription.status.in_(open_))
    household_id = ctx.first(
        select(Household.id).join(Port, Port.unit_id == Household.unit_id)
        .where(Household.moved_out_on.is_(None), Household.unit_id.not_in(busy_units),
               Household.id.not_in(busy_households)).order_by(Household.id.desc()))
    assert household_id, "the demo has no household left to subscribe on a wired flat"
    return {"household_id": household_id}


def _household_to_pay(ctx: ResolveContext) -> dict:
    from billing.models import Invoice

    return {"household_id": ctx.first(select(Invoice.household_id).order_by(Invoice.number))}


def _slot_to_book(ctx: ResolveContext) -> dict:
    """A future slot of the mediator's association with a free seat, and a household it follows
    that has no booking then."""
    from isp.timeutil import as_utc, utcnow
    from mediation.choices import HOLDING_STATUSES
    from mediation.models import CoachingSlot
    from mediation.slots import bookable_households, holding_count

    slots = ctx.session.execute(select(CoachingSlot).where(
        CoachingSlot.association_id == ctx.user.association_id,
        CoachingSlot.cancelled_at.is_(None), CoachingSlot.starts_at > utcnow())
        .order_by(CoachingSlot.starts_at)).scalars()
    for slot in slots:
        if holding_count(slot) >= slot.capacity:
            continue
        booked = {b.household_id for b in slot.bookings}
        busy = {b.household_id for other in ctx.session.execute(select(CoachingSlot).where(
            CoachingSlot.id != slot.id, CoachingSlot.cancelled_at.is_(None))).scalars()
            for b in other.bookings
            if b.status in HOLDING_STATUSES
            and as_utc(other.starts_at) < slot.ends_at and other.ends_at > as_utc(slot.starts_at)}
        for household in bookable_households(slot.association_id):
            if household.id not in booked | busy:
                return {"slot_id": slot.id, "household_id": household.id,
                        "unit_code": household.unit.code}
    raise AssertionError("the demo has no future slot with a seat and a household to book")


#: Flow → the demo rows it acts on (URL parameters first, then what the steps need).
FLOW_TARGETS = {
    "subscribe a household": _household_to_subscribe,
    "record a payment": _household_to_pay,
    "book a slot": _slot_to_book,
}


def _flow_page(ui_app, flow: str) -> tuple[str, str, dict]:
    """(role, path of the flow's form page, the demo rows of the flow)."""
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
                    target = FLOW_TARGETS[flow](ResolveContext(role, user, db.session))
                path = route.rule
                for match in re.finditer(r"<(?:[^:<>]+:)?([^<>]+)>", route.rule):
                    path = path.replace(match.group(0), str(target[match.group(1)]))
                return role, path, target
    pytest.fail(f"no page for '{flow}' yet (as {role}): looked for endpoints matching "
                f"{', '.join(patterns)}; add the pattern in tests/ui/test_keyboard.py FLOWS")


@pytest.mark.parametrize("flow", list(FLOWS))
def test_every_field_of_the_flow_is_reached_by_tab_with_visible_focus(flow, ui_app,
                                                                      role_context, live_server):
    role, path, _target = _flow_page(ui_app, flow)
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


# --- each flow carried through, keyboard only ------------------------------------------------

def _focused(page) -> dict:
    return page.evaluate(FOCUSED_JS)


def _from_content(page) -> None:
    """Skip link first, as a keyboard user does: Tab, Enter, then Tab moves in <main>."""
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")


def _tab_to_field(page, name: str) -> None:
    _tab_until(page, lambda f: f["name"] == name)


def _choose_with_arrows(page, value: str) -> None:
    """On the focused <select>, move with the arrow keys until ``value`` is chosen."""
    for key in ["ArrowDown"] * 150 + ["ArrowUp"] * 150:
        if page.evaluate("() => document.activeElement.value") == value:
            return
        page.keyboard.press(key)
    raise AssertionError(f"option {value} never chosen with the arrow keys")


def _submit(page, label: str) -> None:
    """Tab to the button called ``label`` and press Enter; wait for the page it leads to."""
    _tab_until(page, lambda f: f["tag"] == "button" and f["text"].startswith(label))
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _path(page) -> str:
    """The page's path (the skip link's #main fragment survives the redirect)."""
    return page.url.split("#")[0]


def _flash(page) -> str:
    flash = page.locator("main p.flash[role=status]").first
    expect(flash, "no visible confirmation after submitting").to_be_visible()
    return flash.inner_text()


def _subscribe(page, target: dict, ui_app) -> None:
    _tab_to_field(page, "tier")  # the suggested tier is kept
    _tab_to_field(page, "reason")
    page.keyboard.type("Souscription faite au clavier")
    page.keyboard.press("Shift+Tab")  # back to the date: leave it empty (now)
    assert _focused(page)["name"] == "activate_on"
    _submit(page, "Abonner")
    # The subscription's provisioning job page follows the job and links back to the household.
    assert re.search(r"/provisioning/jobs/\d+$", _path(page)), page.url
    assert "Abonnement enregistré" in _flash(page)
    from isp.extensions import db
    from subscribers.lifecycle import open_subscription
    from subscribers.models import Household

    with ui_app.app_context():
        household = db.session.get(Household, target["household_id"])
        assert open_subscription(household) is not None, "no subscription was recorded"


def _record_payment(page, target: dict, ui_app) -> None:
    _tab_to_field(page, "amount")
    page.keyboard.type("12.34")
    page.keyboard.press("Tab")
    assert _focused(page)["name"] == "method"
    _choose_with_arrows(page, "transfer")
    _tab_to_field(page, "reference")
    page.keyboard.type("CLAVIER-1")
    _submit(page, "Enregistrer")
    assert _path(page).endswith(f"/households/{target['household_id']}/statement"), page.url
    assert "Paiement enregistré" in _flash(page)
    from billing.models import Payment
    from isp.extensions import db

    with ui_app.app_context():
        payment = db.session.execute(select(Payment).where(
            Payment.reference == "CLAVIER-1")).scalar_one()
        assert payment.amount_cents == int(Decimal("12.34") * 100)
    expect(page.locator("main").get_by_text(re.compile(r"12,34\s€")).first).to_be_visible()


def _book_slot(page, target: dict, ui_app) -> None:
    _tab_to_field(page, "household_id")
    _choose_with_arrows(page, str(target["household_id"]))
    _submit(page, "Réserver")
    assert _path(page).endswith(f"/mediation/slots/{target['slot_id']}"), page.url
    assert "Réservation enregistrée" in _flash(page)
    row = page.locator("main table tbody tr").filter(has_text=target["unit_code"])
    expect(row.first, f"{target['unit_code']} not in the slot's bookings").to_be_visible()


FLOW_STEPS = {
    "subscribe a household": _subscribe,
    "record a payment": _record_payment,
    "book a slot": _book_slot,
}


@pytest.mark.parametrize("flow", list(FLOWS))
def test_flow_is_completed_with_the_keyboard_only(flow, ui_app, role_context, live_server):
    role, path, target = _flow_page(ui_app, flow)
    page = role_context(role).new_page()
    try:
        page.goto(live_server + path)
        _from_content(page)
        FLOW_STEPS[flow](page, target, ui_app)
    finally:
        page.close()
