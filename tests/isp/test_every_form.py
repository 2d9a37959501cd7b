"""No form answers 500, whatever is typed (issue 18, item 1).

Every page route that takes a POST is reached with a role allowed to use it and the records
its access case builds (``tests/*/access_cases*.py``). The page showing its form is read, the
form's fields are taken from the HTML, and the form is sent back broken one sort of field at a
time: every field empty, 10,000 characters in every text field, letters in numbers and dates,
a number beyond 64 bits, the years 1 and 9999, an unknown choice, an unknown hidden reference,
and finally a plausible submission twice (each with a fresh one-time token). Each answer is a
page (200), a redirect or a refusal (400/409/422) that shows why: a message beside a field
(``class="error"``) or an error flash. Never a 500.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import pytest

from tests import factories
from tests.access import Case, build_url, load_cases
from tests.isp import formprobe

pytestmark = pytest.mark.clock("2026-12-04T10:00:00+01:00")

#: The page showing a POST route's form, when it is not the same URL.
FORM_PAGES = {
    "/billing/runs/<period>/prepare": "/billing/runs/<period>",
    "/billing/runs/<period>/issue": "/billing/runs/<period>",
    "/billing/invoices/<number>/credit-notes": "/billing/invoices/<number>",
    "/billing/households/<int:household_id>/postpone":
        "/billing/households/<int:household_id>/statement",
    "/billing/households/<int:household_id>/payment-plan":
        "/billing/households/<int:household_id>/statement",
    "/billing/households/<int:household_id>/fsl":
        "/billing/households/<int:household_id>/statement",
    "/billing/households/<int:household_id>/fsl/decision":
        "/billing/households/<int:household_id>/statement",
    "/billing/households/<int:household_id>/mandate":
        "/billing/households/<int:household_id>/statement",
    "/billing/dunning/<int:step_id>/approve": "/billing/dunning",
    "/billing/dunning/<int:step_id>/reject": "/billing/dunning",
    "/admin/users/<int:user_id>/reset-password": "/admin/users",
    "/admin/users/<int:user_id>/toggle": "/admin/users",
    "/account/tokens/<int:token_id>/revoke": "/account/tokens",
    "/households/<int:household_id>/anonymise": "/households/<int:household_id>/data",
    "/mediation/slots/<int:slot_id>/book": "/mediation/slots/<int:slot_id>",
    "/mediation/slots/<int:slot_id>/cancel": "/mediation/slots/<int:slot_id>",
    "/mediation/bookings/<int:booking_id>/status": "/mediation/slots/<int:slot_id>",
    "/network/devices/<hostname>/settings": "/network/devices/<hostname>",
    "/provisioning/run": "/provisioning",
    "/provisioning/ports/<int:port_id>/push": "/provisioning/drift",
    "/tickets/<number>/comments": "/tickets/<number>",
    "/tickets/<number>/update": "/tickets/<number>",
    "/notifications/read": "/notifications",
    "/banking/lines/<int:line_id>/assign": "/banking/lines/<int:line_id>",
    "/banking/lines/<int:line_id>/confirm": "/banking/lines/<int:line_id>",
    "/banking/lines/<int:line_id>/not-ours": "/banking/lines/<int:line_id>",
    "/mediation/proposals/<int:proposal_id>/accept": "/mediation/proposals",
    "/mediation/proposals/<int:proposal_id>/decline": "/mediation/proposals",
    "/surveys/<int:survey_id>/questions": "/surveys/<int:survey_id>",
    "/surveys/<int:survey_id>/questions/<int:question_id>/delete": "/surveys/<int:survey_id>",
    "/surveys/<int:survey_id>/open": "/surveys/<int:survey_id>",
    "/surveys/<int:survey_id>/close": "/surveys/<int:survey_id>",
    "/mediation/mandates/<int:mandate_id>/confirm": "/mediation/mandates/<int:mandate_id>",
    "/mediation/mandates/<int:mandate_id>/book": "/mediation/mandates/<int:mandate_id>",
    "/mediation/mandates/<int:mandate_id>/report": "/mediation/mandates/<int:mandate_id>",
    "/mediation/mandates/<int:mandate_id>/end": "/mediation/mandates/<int:mandate_id>",
    "/moi/factures/prelevement": "/moi/factures",
    "/moi/suivi/<stage>": "/moi/suivi",
    "/sepa-requests/<int:request_id>": "/sepa-requests",
    "/moi/accompagnement/reserver": "/moi/accompagnement",
    "/moi/accompagnement/<int:booking_id>/annuler": "/moi/accompagnement",
    "/moi/mandats/<int:mandate_id>/fin": "/moi/mandats",
    "/equipment/<int:item_id>/moves": "/equipment/<int:item_id>",
    "/demandes/<reference>/status": "/demandes/<reference>",
    "/demandes/<reference>/district": "/demandes/<reference>",
    "/households/<int:household_id>/resident-accounts/<int:account_id>/letter":
        "/households/<int:household_id>",
    "/households/<int:household_id>/resident-accounts/<int:account_id>/end":
        "/households/<int:household_id>",
    "/households/<int:household_id>/resident-accounts/<int:account_id>/notices":
        "/households/<int:household_id>",
    "/logout": None,  # a button on every page: sent blind
}
#: Forms with nothing to type (a button): sent once, plausibly.
ANSWERS = (200, 302, 303, 400, 409, 422)
#: A refusal must say why on the page it shows.
SHOWS_WHY = re.compile(r'class="error"|class="flash error"')

FORM_CASES = [case for case in load_cases() if case.method == "POST" and not case.is_api]


def _role(case: Case) -> str:
    return case.roles[0] if case.roles else "admin"


class _Probe:
    def __init__(self, client, case: Case, values: dict, caplog) -> None:
        self.client = client
        self.case = case
        self.url = build_url(case.rule, values)
        page = FORM_PAGES.get(case.rule, case.rule)
        self.page = page and build_url(page, {**values, **self._page_values(values)})
        self.caplog = caplog
        self.problems: list[str] = []

    def _page_values(self, values: dict) -> dict:
        if "booking_id" in values and "slot_id" not in values \
                and not self.case.rule.startswith("/moi/"):  # the resident's page has no slot
            from isp.extensions import db
            from mediation.models import Booking

            return {"slot_id": db.session.get(Booking, values["booking_id"]).slot_id}
        return {}

    def form(self) -> formprobe.Form | None:
        if self.page is None:
            return None
        response = self.client.get(self.page)
        assert response.status_code == 200, f"GET {self.page}: {response.status_code}"
        wanted = urlsplit(self.url).path
        for form in formprobe.forms_of(response.get_data(as_text=True)):
            if form.path(urlsplit(self.page).path) == wanted:
                return form
        return None

    def blind_form(self, values: dict) -> formprobe.Form:
        """The page shows no such form for these records (no drafts to issue, no drift to
        push): probe the fields the access case sends."""
        return formprobe.Form(self.url, "", [formprobe.Field(name, "text", str(value))
                                             for name, value in values.get("data", {}).items()])

    def send(self, label: str, form: formprobe.Form, data: dict) -> int:
        self.caplog.clear()
        body = formprobe.encode(form, {**data, **formprobe.token_of(form)})
        response = self.client.post(self.url, data=body, content_type=(
            "multipart/form-data" if "multipart" in form.enctype else None))
        status = response.status_code
        html = response.get_data(as_text=True)
        if status not in ANSWERS:
            errors = [f"{r.exc_info[0].__name__}: {r.exc_info[1]}" for r in self.caplog.records
                      if r.exc_info]
            self.problems.append(f"{label}: {status} {'; '.join(errors)[:300]}")
        elif status >= 400 and not SHOWS_WHY.search(html):
            where = response.headers.get("Location") or html[html.find("<main"):][:300]
            self.problems.append(f"{label}: {status} without a message on the page ({where})")
        return status


@pytest.mark.parametrize("case", FORM_CASES, ids=[c.rule for c in FORM_CASES])
def test_no_form_answers_500(case, access_client, client, db, caplog):
    caplog.set_level(logging.ERROR)
    ctx, _headers = access_client(_role(case), case)
    values = case.setup(ctx)
    db.session.commit()  # a refusal rolls the request back, never the records it is about
    probe = _Probe(client, case, values, caplog)
    shown = probe.form() is not None
    form = probe.form() if shown else probe.blind_form(values)
    extra = values.get("data", {})

    for label, data in formprobe.variants(form):
        if shown:
            form = probe.form()
            if form is None:  # an earlier variant was accepted and the form is gone
                break
        probe.send(label, form, data | {k: [v] for k, v in extra.items() if k not in data})

    for attempt in ("plausible", "plausible again"):
        if shown:
            form = probe.form()
            if form is None:
                break
        data = formprobe.plausible(form)
        probe.send(attempt, form, data | {k: [v] for k, v in extra.items()})

    assert probe.problems == [], "\n".join(probe.problems)


# --- the three reports of the item ---------------------------------------------------------------

def _post_with_token(client, page: str, data: dict):
    form = next(f for f in formprobe.forms_of(client.get(page).get_data(as_text=True))
                if f.path(page) == page)
    return client.post(page, data=data | formprobe.token_of(form))


def test_household_in_an_occupied_flat_says_so_beside_the_flat(client, db, login_as):
    unit = factories.make_unit("PB-A-00-1")
    factories.make_household(unit=unit)
    login_as("operator")
    response = _post_with_token(client, "/households/new", {
        "unit_code": "PB-A-00-1", "holder_name": "Awa Diop", "language": "fr",
        "moved_in_on": "2026-12-01"})
    assert response.status_code in (400, 409, 422)
    html = response.get_data(as_text=True)
    assert re.search(r'<p class="error" id="unit_code-err">[^<]+</p>', html), html


@pytest.mark.parametrize(("data", "field"), [
    ({"role": "operator", "password": "motdepasse1"}, "password"),
    ({"role": "mediator", "association": "ASSO-XXX", "password": "Essai-Motdepasse-2026!"},
     "association"),
], ids=["password of 11 characters", "unknown association"])
def test_user_form_refusal_is_beside_its_field(client, db, login_as, data, field):
    from sqlalchemy import func, select

    from isp.models import User

    login_as("admin")
    before = db.session.execute(select(func.count(User.id))).scalar_one()
    response = _post_with_token(client, "/admin/users",
                                {"email": "nouvel@example.org", "name": "Nouvel"} | data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(rf'<p class="error" id="{field}-err">[^<]+</p>', html), html
    assert db.session.execute(select(func.count(User.id))).scalar_one() == before
