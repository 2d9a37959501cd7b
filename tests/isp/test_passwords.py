"""Password hashes: production keeps argon2's RFC 9106 cost; the suite's cheap cost is a setting."""

from __future__ import annotations

from argon2 import extract_parameters, profiles

from isp import create_app
from isp.models import User
from tests import factories


def _parameters(password_hash: str):
    parameters = extract_parameters(password_hash)
    return parameters.time_cost, parameters.memory_cost, parameters.parallelism


def test_production_hashes_at_the_rfc_9106_cost(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    monkeypatch.setenv("ISP_SECRET_KEY", "kJ3v_9QpZr2Lx8WmT0bNc5YhUe7sGa1D4fRiOyVq")
    monkeypatch.setenv("ISP_CREDENTIALS_KEY", "hZ6nG0k3yL1uRk2m3Qz9X4cT8wVb5JdPfAsEqYrUo1I=")
    production = create_app("production")
    with production.app_context():
        user = User(email="prod@example.org", role="operator")
        user.set_password("Correct-horse-battery-9")
    expected = profiles.RFC_9106_LOW_MEMORY
    assert user.password_hash.startswith("$argon2id$")
    assert _parameters(user.password_hash) == (expected.time_cost, expected.memory_cost,
                                               expected.parallelism) == (3, 65536, 4)
    with production.app_context():
        assert user.check_password("Correct-horse-battery-9")
        assert not user.check_password("Correct-horse-battery-8")


def test_the_test_settings_hash_cheaply(app, db):
    user = factories.make_user()
    assert _parameters(user.password_hash) == (1, 8, 1)


def test_a_hash_of_another_cost_is_upgraded_at_login(app, client, db):
    user = factories.make_user(email="old-cost@example.org")
    app.config["PASSWORD_HASH_PROFILE"] = "RFC_9106_LOW_MEMORY"
    try:
        response = client.post("/login", data={"email": "old-cost@example.org",
                                               "password": factories.DEFAULT_PASSWORD})
    finally:
        app.config["PASSWORD_HASH_PROFILE"] = "CHEAPEST"
    assert response.status_code == 302
    assert _parameters(user.password_hash) == (3, 65536, 4)
