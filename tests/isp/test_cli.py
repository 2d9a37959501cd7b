"""The isp command: users, tokens, imports, `isp run`."""

import os
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from isp.models import User
from subscribers.models import District

ROOT = Path(__file__).resolve().parents[2]
ISP = Path(sys.executable).parent / "isp"


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
    assert "existe déjà" in again.output


def test_mediator_needs_a_known_association(runner, db):
    result = runner.invoke(args=["users", "create", "m@example.org", "--role", "mediator",
                                 "--password", "Un-mot-de-passe-solide"])
    assert result.exit_code == 1
    assert "association" in result.output
    unknown = runner.invoke(args=["users", "create", "m@example.org", "--role", "mediator",
                                  "--association", "NOPE", "--password", "Un-mot-de-passe-solide"])
    assert unknown.exit_code == 1
    assert "Association inconnue" in unknown.output
    assert db.session.execute(select(func.count()).select_from(User)
                              .where(User.email == "m@example.org")).scalar_one() == 0


def test_a_mediator_belongs_to_the_association_mediation_finds(runner, db):
    from tests import factories

    association = factories.make_association()
    db.session.commit()
    result = runner.invoke(args=["users", "create", "med@example.org", "--role", "mediator",
                                 "--association", association.code,
                                 "--password", "Un-mot-de-passe-solide"])
    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User).where(User.email == "med@example.org")).scalar_one()
    assert user.association.code == association.code
    other = runner.invoke(args=["users", "create", "op@example.org", "--role", "operator",
                                "--association", association.code,
                                "--password", "Un-mot-de-passe-solide"])
    assert other.exit_code == 1
    assert "Seuls les médiateurs" in other.output


def test_weak_password_is_refused(runner, db):
    result = runner.invoke(args=["users", "create", "w@example.org", "--role", "analyst",
                                 "--password", "short"])
    assert result.exit_code == 1
    assert "au moins 12" in result.output


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
    assert "1 ligne(s) importée(s) (districts)" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,commune\nD-2,Deux,Nantes\nD-OK,Doublon,Nantes\n", encoding="utf-8")
    rejected = runner.invoke(args=["import", "districts", str(bad)])
    assert rejected.exit_code == 1
    assert "ligne 3, colonne code" in rejected.output
    codes = db.session.execute(select(District.code)).scalars().all()
    assert "D-2" not in codes


# --- `isp run` / `make run` a second time (issue 18.6) --------------------------------------

_PORT_CHOOSER = random.Random()  # seeded from the system: each worker its own sequence


def _free_port(kind, block: int = 1) -> int:
    """The first of ``block`` consecutive free ports, below the kernel's ephemeral range
    (32768 and up here): a port the kernel hands out would soon be some other test's
    outgoing connection, and the "all ports free" check would see it taken."""
    import socket

    for _attempt in range(200):
        first = _PORT_CHOOSER.randrange(20000, 32000 - block)
        try:
            probes = []
            for number in range(first, first + block):
                probe = socket.socket(socket.AF_INET, kind)
                probes.append(probe)
                probe.bind(("127.0.0.1", number))
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
        return first
    raise AssertionError("no free block of ports below 32000")


@pytest.fixture
def run_env(tmp_path):
    """`isp run` on free ports (web, lab SNMP, lab SSH) and its own SQLite file, as a real
    process: a config class in a module of its own, named by ISP_CONFIG."""
    import socket

    from lab.runner import LAB_SWITCHES

    snmp_port = _free_port(socket.SOCK_DGRAM)
    # One block for the lab SSH switches and, after them, the web server.
    ssh_base = _free_port(socket.SOCK_STREAM, block=len(LAB_SWITCHES) + 1)
    database = tmp_path / "run.sqlite"
    (tmp_path / "run_config.py").write_text(
        "from config.default import DefaultConfig\n"
        "class RunConfig(DefaultConfig):\n"
        f"    SQLALCHEMY_DATABASE_URI = 'sqlite:///{database}'\n"
        f"    LAB_SNMP_PORT = {snmp_port}\n"
        f"    LAB_SSH_PORT_BASE = {ssh_base}\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(ISP_CONFIG="run_config.RunConfig",
               PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    return {"env": env, "database": database, "snmp_port": snmp_port,
            "web_port": ssh_base + len(LAB_SWITCHES)}


def _start(run_env) -> subprocess.Popen:
    """`isp run --no-lab` on the free web port; returns once it serves."""
    process = subprocess.Popen([str(ISP), "run", "--no-lab", "--port", str(run_env["web_port"])],
                               cwd=ROOT, env=run_env["env"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:  # the line printed just before serving
        if "social-isp sur http://" in line:
            break
    else:
        raise AssertionError(f"isp run did not start (exit {process.wait()})")
    # Keep reading its output: a full pipe would block the server's logging, hence its exit.
    threading.Thread(target=process.stdout.read, daemon=True).start()
    return process


def _stop(process: subprocess.Popen, signum) -> int:
    process.send_signal(signum)
    try:
        # Generous: a loaded CI machine stops the scheduler and its threads slowly.
        return process.wait(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()


def _tables(database: Path) -> list[str]:
    import sqlite3

    if not database.exists():
        return []
    with sqlite3.connect(database) as connection:
        return [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]


def test_a_second_isp_run_says_in_one_line_that_one_runs_and_sigterm_exits_0(run_env):
    first = _start(run_env)
    try:
        again = subprocess.run([str(ISP), "run", "--no-lab", "--port", str(run_env["web_port"])],
                               cwd=ROOT, env=run_env["env"], capture_output=True, text=True,
                               timeout=60)
        assert again.returncode == 1
        assert again.stdout == ""
        lines = again.stderr.strip().splitlines()
        assert len(lines) == 1, again.stderr
        assert f"Port {run_env['web_port']}" in lines[0]
        assert "already running" in lines[0]
        # `make run`'s path: one line, exit 0 (the demo is up), nothing migrated or seeded.
        made = subprocess.run([str(ROOT / "scripts" / "run.sh"), "--no-lab", "--port",
                               str(run_env["web_port"])], cwd=ROOT, env=run_env["env"],
                              capture_output=True, text=True, timeout=60)
        assert made.returncode == 0
        assert (made.stdout + made.stderr).strip().count("\n") == 0
        assert "already running" in made.stderr
        assert _tables(run_env["database"]) == []  # the first server's jobs may open it
    finally:
        assert _stop(first, signal.SIGTERM) == 0  # make ends with 0, not "Error 143"


def test_ctrl_c_stops_isp_run_with_status_0(run_env):
    assert _stop(_start(run_env), signal.SIGINT) == 0


def test_a_lab_port_in_use_is_named_before_anything_starts(run_env):
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(("127.0.0.1", run_env["snmp_port"]))
        result = subprocess.run([str(ISP), "run", "--check-only", "--port",
                                 str(run_env["web_port"])], cwd=ROOT, env=run_env["env"],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: UDP port {run_env['snmp_port']} on 127.0.0.1 is already in use (lab SNMP): "
        "social-isp is probably already running: stop it first (Ctrl-C in its terminal), or "
        "start without the lab (--no-lab)")
    free = subprocess.run([str(ISP), "run", "--check-only", "--port", str(run_env["web_port"])],
                          cwd=ROOT, env=run_env["env"], capture_output=True, text=True,
                          timeout=60)
    assert (free.returncode, free.stderr) == (0, "")
