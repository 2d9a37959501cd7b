"""The isp command: users, tokens, imports."""

from sqlalchemy import func, select

from isp.models import User
from subscribers.models import District


def test_users_create_then_duplicate_is_refused(runner, db):
    result = runner.invoke(args=["users", "create", "ana@example.org", "--role", "operator",
                                 "--password", "Un-mot-de-passe-solide"])
    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User).where(User.email == "ana@example.org")).scalar_one()
    assert user.role == "operator"
    assert user.password_hash.startswith("$argon2id$")
    again = runner.invoke(args=["users", "create", "ana@example.org", "--role", "operator",
                                "--password", "Un-mot-de-passe-solide"])
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_mediator_needs_a_known_association(runner, db):
    result = runner.invoke(args=["users", "create", "m@example.org", "--role", "mediator",
                                 "--password", "Un-mot-de-passe-solide"])
    assert result.exit_code == 1
    assert "association" in result.output
    unknown = runner.invoke(args=["users", "create", "m@example.org", "--role", "mediator",
                                  "--association", "NOPE", "--password", "Un-mot-de-passe-solide"])
    assert unknown.exit_code == 1
    assert "Unknown association" in unknown.output
    assert db.session.execute(select(func.count()).select_from(User)
                              .where(User.email == "m@example.org")).scalar_one() == 0


def test_weak_password_is_refused(runner, db):
    result = runner.invoke(args=["users", "create", "w@example.org", "--role", "analyst",
                                 "--password", "short"])
    assert result.exit_code == 1
    assert "at least 12" in result.output


def test_token_is_the_last_line_and_works_as_bearer(runner, client, db):
    runner.invoke(args=["users", "create", "t@example.org", "--role", "operator",
                        "--password", "Un-mot-de-passe-solide"])
    result = runner.invoke(args=["tokens", "create", "t@example.org"])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["email"] == "t@example.org"
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_import_command_rejects_a_bad_file_and_writes_nothing(runner, db, tmp_path):
    good = tmp_path / "districts.csv"
    good.write_text("code,name,commune\nD-OK,Quartier OK,Nantes\n", encoding="utf-8")
    result = runner.invoke(args=["import", "districts", str(good)])
    assert result.exit_code == 0, result.output
    assert "Imported 1 districts" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,commune\nD-2,Deux,Nantes\nD-OK,Doublon,Nantes\n", encoding="utf-8")
    rejected = runner.invoke(args=["import", "districts", str(bad)])
    assert rejected.exit_code == 1
    assert "line 3, column code" in rejected.output
    codes = db.session.execute(select(District.code)).scalars().all()
    assert "D-2" not in codes
