"""HTTP hardening, accounts, audit log, data-subject rights."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from isp import create_app, gdpr
from isp.auth import public
from isp.models import AuditEntry
from isp.timeutil import utcnow
from tests import factories


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers


def test_production_refuses_to_start_without_secrets(monkeypatch):
    for name in ("DATABASE_URL", "ISP_SECRET_KEY", "ISP_CREDENTIALS_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_URL, ISP_SECRET_KEY, ISP_CREDENTIALS_KEY"):
        create_app("production")


#: A secret and a Fernet key as an operator would generate them (the README's commands).
STRONG_SECRET = "kJ3v_9QpZr2Lx8WmT0bNc5YhUe7sGa1D4fRiOyVq"
FERNET_KEY = "hZ6nG0k3yL1uRk2m3Qz9X4cT8wVb5JdPfAsEqYrUo1I="


@pytest.mark.parametrize(("secret", "credentials", "reason"), [
    ("short", FERNET_KEY, "ISP_SECRET_KEY is 5 characters long, at least 32"),
    ("x" * 40, FERNET_KEY, "ISP_SECRET_KEY is not random"),
    ("dev-only-not-secret", FERNET_KEY, "ISP_SECRET_KEY is the development key"),
    (STRONG_SECRET, "notafernetkey", "ISP_CREDENTIALS_KEY is not a Fernet key"),
    (STRONG_SECRET, "m3yJ8A9c3o7wMMZk2r3Wq3n1n1YgW0xR9lUu2m9cZ0E=",
     "ISP_CREDENTIALS_KEY is the development key"),
])
def test_production_refuses_weak_or_malformed_secrets(monkeypatch, tmp_path, secret,
                                                       credentials, reason):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    monkeypatch.setenv("ISP_SECRET_KEY", secret)
    monkeypatch.setenv("ISP_CREDENTIALS_KEY", credentials)
    with pytest.raises(RuntimeError, match="generate one with") as refused:
        create_app("production")
    assert reason in str(refused.value)
    assert secret not in str(refused.value)  # the message never repeats the secret


def test_production_cookies_and_hsts(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    monkeypatch.setenv("ISP_SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("ISP_CREDENTIALS_KEY", FERNET_KEY)
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_csrf_is_required_on_forms():
    app = create_app("testing", WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/login", data={"email": "a@b.fr", "password": "x"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_errors_show_no_stack_trace():
    app = create_app("testing", TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    @public
    def boom():
        raise RuntimeError("secret internals SELECT * FROM users")

    response = app.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Traceback" not in page and "SELECT" not in page


def test_login_is_audited_and_wrong_password_refused(client, db):
    user = factories.make_user("operator", email="login@example.org")
    bad = client.post("/login", data={"email": "login@example.org", "password": "wrong-one"})
    assert bad.status_code == 401
    good = client.post("/login", data={"email": "login@example.org",
                                       "password": factories.DEFAULT_PASSWORD})
    assert good.status_code == 302
    actions = db.session.execute(select(AuditEntry.action).where(
        AuditEntry.action.in_(["login", "login_failed"])).order_by(AuditEntry.id)).scalars().all()
    assert actions[-2:] == ["login_failed", "login"]
    assert user.last_login_at is not None


def test_forced_password_change_after_reset(client, login_as, db):
    user = login_as("operator")
    user.must_change_password = True
    response = client.get("/buildings")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/password")


def test_idle_session_expires(client, login_as, app):
    login_as("operator")
    with client.session_transaction() as session:
        session["last_seen"] = (utcnow() - timedelta(minutes=31)).timestamp()
    response = client.get("/buildings")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_audit_entries_are_append_only(db):
    entry = AuditEntry(action="read", record_type="household", record_id="1",
                       actor_email="system:test")
    db.session.add(entry)
    db.session.flush()
    entry.action = "nothing happened"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


def test_revoked_token_is_refused(client, api_as, db):
    from isp.models import ApiToken

    user, headers = api_as("operator")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    token = db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)).scalar_one()
    assert token.last_used_at is not None
    token.revoked_at = utcnow()
    db.session.flush()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_household_export_holds_everything_and_is_audited(db):
    household = factories.make_household(holder_name="Export Moi", phone="0633333333")
    factories.make_subscription(household=household)
    data = gdpr.export_household(household.id, actor=None, route="test")
    assert data["household"]["holder_name"] == "Export Moi"
    assert data["records"]["subscriptions"][0]["household_id"] == household.id
    assert db.session.execute(select(AuditEntry).where(
        AuditEntry.action == "export", AuditEntry.record_id == str(household.id))).scalar_one()


def test_anonymisation_needs_move_out_and_keeps_no_identity(db):
    household = factories.make_household(holder_name="Efface Moi", phone="0644444444")
    with pytest.raises(gdpr.DomainError):
        gdpr.anonymise_household(household, actor=None, reason="demande", route="test")
    household.moved_out_on = date(2026, 1, 31)
    gdpr.anonymise_household(household, actor=None, reason="demande", route="test")
    assert household.holder_name.startswith("Foyer anonymisé")
    assert household.phone is None and household.anonymised_at is not None
    db.session.flush()
    # nor does the search key derived from the name
    assert household.search_key.startswith("foyer anonymise")


def test_retention_purge_anonymises_old_tenants_only(db):
    old = factories.make_household(moved_out_on=utcnow().date() - timedelta(days=4 * 365))
    recent = factories.make_household(moved_out_on=utcnow().date() - timedelta(days=365))
    current = factories.make_household()
    summary = gdpr.purge_expired()
    assert summary.households_anonymised >= 1
    assert old.anonymised_at is not None
    assert recent.anonymised_at is None and current.anonymised_at is None
    assert gdpr.purge_expired().households_anonymised == 0


def test_totp_second_factor_is_required_once_enrolled(client, db):
    import pyotp

    user = factories.make_user("operator", email="totp@example.org")
    user.totp_secret = pyotp.random_base32()
    db.session.flush()
    form = {"email": "totp@example.org", "password": factories.DEFAULT_PASSWORD}
    assert client.post("/login", data=form).status_code == 401
    assert client.post("/login", data={**form, "otp": "000000"}).status_code in (401,)
    code = pyotp.TOTP(user.totp_secret).now()
    assert client.post("/login", data={**form, "otp": code}).status_code == 302


def test_admin_reset_forces_a_password_change(client, login_as, db):
    login_as("admin")
    target = factories.make_user("analyst", email="reset@example.org")
    response = client.post(f"/admin/users/{target.id}/reset-password",
                           data={"password": "Provisoire-2026-xyz"})
    assert response.status_code == 302
    assert target.must_change_password is True
    assert target.check_password("Provisoire-2026-xyz")


def test_nul_bytes_are_a_400_not_a_database_error(client, api_as, db):
    _user, headers = api_as("operator")
    assert client.get("/api/v1/households?building=a%00b", headers=headers).status_code == 400
    response = client.post("/api/v1/households", headers=headers,
                           json={"unit_code": "X", "holder_name": "a\u0000b"})
    assert response.status_code == 400
    assert response.get_json()["error"]
