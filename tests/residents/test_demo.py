"""The demo's three residents: each signs in with a code, a second seeding adds nothing."""

from __future__ import annotations

import re

from residents import demo, mail, sms
from residents.identity import household_of


def test_the_demo_has_three_residents_who_sign_in(client, db):
    from isp.demo import seed_demo

    seed_demo()
    logins = demo.demo_logins()
    assert [login for login, _holder in logins] == [login for login, _c in demo.DEMO_RESIDENTS]
    assert demo.seed_demo() is None  # idempotent
    for login, _holder in logins:
        client.post("/moi/connexion", data={"login": login}).close()  # the code leaves
        text = mail.OUTBOX[-1][2] if "@" in login else sms.OUTBOX[-1][1]
        code = re.search(r"\b(\d{6})\b", text).group(1)
        response = client.post("/moi/connexion/code", data={"login": login, "code": code})
        assert response.status_code == 303, login
        client.post("/logout")
    from residents.accounts import account_by_login, parse_login

    households = {household_of(account_by_login(parse_login(login)[1]).user).id
                  for login, _holder in logins}
    assert len(households) == 3


def test_the_demo_gives_the_operators_list_two_sepa_requests(client, db, login_as):
    from isp.demo import seed_demo
    from residents import demo_space

    seed_demo()
    assert demo_space.seed_demo() is None  # idempotent
    login_as("operator")
    response = client.get("/sepa-requests")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and len(response.data) < 30 * 1024
    assert "Le matin de préférence" in html and "Rendez-vous à l" in html
    assert html.count("<form method=\"post\" action=\"/sepa-requests/") == 2
