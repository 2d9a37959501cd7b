"""Sessions end server-side; failed logins and tokens slow their address down, not the
account's owner; a failed login costs the same whether the account exists or not."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from argon2 import PasswordHasher
from sqlalchemy import select

from isp import create_app, throttle
from isp.models import AuditEntry
from isp.models_security import FailedAttempt, UserSession
from isp.timeutil import utcnow
from tests import factories

PASSWORD = factories.DEFAULT_PASSWORD


def _login(client, email, password=PASSWORD, address="192.0.2.10", **headers):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def test_a_replayed_cookie_is_refused_after_logout(app, db):
    factories.make_user("operator", email="replay@example.org")
    client = app.test_client()
    assert _login(client, "replay@example.org").status_code == 302
    assert client.get("/households").status_code == 200
    stolen = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    client.set_cookie("session", stolen)
    response = client.get("/households")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_password_change_ends_the_other_sessions_only(app, db):
    user = factories.make_user("operator", email="change@example.org")
    mine, thief = app.test_client(), app.test_client()
    assert _login(mine, "change@example.org").status_code == 302
    assert _login(thief, "change@example.org", address="198.51.100.66").status_code == 302
    assert thief.get("/households").status_code == 200
    response = mine.post("/account/password", data={
        "current": PASSWORD, "new": "Un-nouveau-mot-2026!", "confirm": "Un-nouveau-mot-2026!"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert thief.get("/households").status_code == 302
    assert mine.get("/households").status_code == 200
    assert db.session.execute(select(UserSession).where(
        UserSession.user_id == user.id)).scalars().all().__len__() == 1


def test_an_admin_reset_ends_every_session(app, client, login_as, db):
    target = factories.make_user("analyst", email="reset-all@example.org")
    victim = app.test_client()
    assert _login(victim, "reset-all@example.org").status_code == 302
    login_as("admin")
    assert client.post(f"/admin/users/{target.id}/reset-password",
                       data={"password": "Provisoire-2026-xyz"}).status_code == 302
    assert victim.get("/evaluation").status_code == 302


def test_a_server_side_session_expires_when_idle(app, client, login_as, db):
    login_as("operator")
    assert client.get("/households").status_code == 200
    with time_machine.travel(utcnow() + timedelta(minutes=31)):
        with client.session_transaction() as cookie:
            cookie["last_seen"] = utcnow().timestamp()  # a forged cookie clock changes nothing
        assert client.get("/households").status_code == 302


def test_the_cookie_is_sent_again_once_a_minute_not_on_every_page(app, client, login_as, db):
    login_as("operator")
    client.get("/households")  # the first page makes the session permanent

    def sets_cookie() -> bool:
        response = client.get("/households")
        assert response.status_code == 200
        return any(value.startswith("session=")
                   for value in response.headers.getlist("Set-Cookie"))

    assert not sets_cookie()
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        assert sets_cookie()  # its last-seen stamp moves on: the 30 idle minutes start again
        assert not sets_cookie()


def test_failures_slow_down_one_address_on_one_account_only(app, db):
    factories.make_user("operator", email="target@example.org")
    attacker, owner = app.test_client(), app.test_client()
    statuses = [_login(attacker, "target@example.org", "wrong", address="203.0.113.5")
                .status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    refused = _login(attacker, "target@example.org", address="203.0.113.5")  # even the right one
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "30"
    assert "Réessayez dans 30" in refused.get_data(as_text=True)
    # The owner, elsewhere, is not locked out.
    assert _login(owner, "target@example.org", address="192.0.2.44").status_code == 302
    # The attacker's wait doubles after each further failure but ends.
    with time_machine.travel(utcnow() + timedelta(seconds=31)):
        assert _login(attacker, "target@example.org", "wrong",
                      address="203.0.113.5").status_code == 401
        assert throttle.wait_for(throttle.LOGIN_ADDRESS_ACCOUNT, throttle.key(
            throttle.LOGIN_ADDRESS_ACCOUNT, "203.0.113.5", "target@example.org")) == 60


def test_successful_logins_are_never_counted(app, db):
    factories.make_user("operator", email="busy@example.org")
    client = app.test_client()
    assert {_login(client, "busy@example.org").status_code for _ in range(25)} == {302}
    assert db.session.execute(select(FailedAttempt)).scalars().all() == []


def test_one_address_trying_many_accounts_is_slowed_down(app, db):
    client = app.test_client()
    statuses = [_login(client, f"guess{i}@example.org", "x", address="203.0.113.77").status_code
                for i in range(21)]
    assert statuses == [401] * 20 + [429]


def test_counters_are_shared_by_every_process(app, db):
    """Two app instances (two gunicorn workers) count the same failures: they are rows."""
    factories.make_user("operator", email="shared@example.org")
    first, second = app.test_client(), create_app("testing").test_client()
    for client in (first, second, first, second, first):
        assert _login(client, "shared@example.org", "no", address="203.0.113.9")\
            .status_code == 401
    assert _login(second, "shared@example.org", "no", address="203.0.113.9").status_code == 429


def test_invalid_api_tokens_are_slowed_down_per_address(app, client, api_as, db):
    _user, headers = api_as("operator")
    bad = {"Authorization": "Bearer isp_not-a-token"}
    statuses = [client.get("/api/v1/me", headers=bad, environ_base={"REMOTE_ADDR": "203.0.113.3"})
                .status_code for _ in range(21)]
    assert statuses == [401] * 20 + [429]
    refused = client.get("/api/v1/me", headers=bad, environ_base={"REMOTE_ADDR": "203.0.113.3"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"]
    ok = client.get("/api/v1/me", headers=headers, environ_base={"REMOTE_ADDR": "192.0.2.8"})
    assert ok.status_code == 200
    # A valid token is no guess: served even from the address that is made to wait.
    served = client.get("/api/v1/me", headers=headers, environ_base={"REMOTE_ADDR": "203.0.113.3"})
    assert served.status_code == 200


def test_behind_a_proxy_the_client_address_is_used(db, monkeypatch):
    proxied = create_app("testing", PROXY_HOPS=1).test_client()
    proxied.post("/login", data={"email": "nobody@example.org", "password": "x"},
                 headers={"X-Forwarded-For": "203.0.113.200"},
                 environ_base={"REMOTE_ADDR": "10.0.0.1"})
    entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.action == "login_failed").order_by(AuditEntry.id.desc())).scalars().first()
    assert entry.actor_email == "anonymous:203.0.113.200"
    assert db.session.execute(select(FailedAttempt.key)).scalars().all()[0] \
        == "login-ip:203.0.113.200"


def test_unknown_and_known_accounts_cost_one_password_verification_each(app, db, monkeypatch):
    """Timing is not asserted: the work is. Both paths verify one argon2 hash of the same cost."""
    known = factories.make_user("operator", email="known@example.org")
    client = app.test_client()
    verified: list[str] = []
    real_verify = PasswordHasher.verify

    def counting_verify(hasher, password_hash, password):
        verified.append(password_hash)
        return real_verify(hasher, password_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)  # a spy: the real hasher runs
    assert _login(client, "unknown@example.org", "wrong").status_code == 401
    assert _login(client, "known@example.org", "wrong").status_code == 401
    assert len(verified) == 2
    unknown_hash, known_hash = verified
    parameters = known_hash.rsplit("$", 2)[0]  # $argon2id$v=19$m=…,t=…,p=…
    assert unknown_hash.rsplit("$", 2)[0] == parameters
    assert known_hash == known.password_hash
