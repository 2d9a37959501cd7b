"""A demo resident signs in on a 360 px phone with the code the SMS simulator printed in the
server's log (as in the lab's terminal), chooses notices by SMS, and signs out (issue 20)."""

from __future__ import annotations

import re
import time

import pytest

from tests.ui.conftest import SERVER_LOG

pytestmark = pytest.mark.ui

LOGIN = "06 39 98 00 01"  # residents/demo.py
OVERFLOW_JS = "() => document.documentElement.scrollWidth"


def _code_from_the_log(after: int) -> str:
    """The code of the last SMS to the demo number written after ``after`` bytes of the log."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = SERVER_LOG.read_text(errors="replace")[after:]
        found = re.findall(r"SMS to 06 39 98 00 01: .*?(\d{6})", text)
        if found:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError("no SMS in the server's log")


def test_a_resident_signs_in_with_an_sms_code_on_a_phone(browser, live_server):
    from tests.ui.discovery import axe_violations

    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = []
    try:
        page.goto(live_server + "/moi/connexion")
        problems += [f"sign-in: {v['id']}" for v in axe_violations(page)]
        before = len(SERVER_LOG.read_text(errors="replace"))
        page.get_by_label("Votre e-mail ou votre numéro de portable").fill(LOGIN)
        page.get_by_role("button", name="Recevoir un code").click()
        page.wait_for_load_state("load")
        assert page.url.endswith("/moi/connexion/code")
        problems += [f"code: {v['id']}" for v in axe_violations(page)]
        page.get_by_label("Le code reçu").fill(_code_from_the_log(before))
        page.get_by_role("button", name="Entrer").click()
        page.wait_for_load_state("load")
        assert page.url.endswith("/moi")
        assert page.get_by_role("button", name="Se déconnecter").is_visible()

        response = page.goto(live_server + "/moi/avis")
        assert response.status == 200 and len(response.body()) < 30 * 1024
        problems += [f"notices: {v['id']}" for v in axe_violations(page)]
        page.get_by_label("Par SMS").check()
        page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_load_state("load")
        assert "C'est enregistré." in page.content()
        assert page.get_by_label("Par SMS").is_checked()
        assert page.evaluate(OVERFLOW_JS) <= 362

        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_load_state("load")
        assert page.url.endswith("/moi/connexion")
    finally:
        context.close()
    assert problems == []
