"""``isp poll --once`` and ``isp keys rotate`` through the CLI runner."""

from __future__ import annotations

from cryptography.fernet import Fernet

from isp.extensions import db
from network.credentials import decrypt_secret, encrypt_secret
from network.models import Device
from tests import factories


def test_poll_once_prints_one_summary_line(runner, snmpsim_agent, app):
    building = factories.make_building()
    db.session.add(Device(building=building, hostname=f"cli-{factories.n()}",
                          mgmt_address=snmpsim_agent.host, snmp_port=snmpsim_agent.port,
                          snmp_community_enc=encrypt_secret("pb-sw-c")))
    db.session.flush()
    result = runner.invoke(args=["poll", "--once"])
    assert result.exit_code == 0, result.output
    line = result.stdout.strip().splitlines()[-1]
    # other devices may exist in the test database; ours answered with its 54 ports
    assert line.startswith("devices ") and "unreachable" in line and "auth failures" in line
    assert "ports " in line and line.endswith(" s")
    assert runner.invoke(args=["poll"]).exit_code != 0


def test_keys_rotate_re_encrypts_every_secret_and_prints_counts(runner, app):
    old_key = app.config["CREDENTIALS_KEY"]
    building = factories.make_building()
    device = Device(building=building, hostname=f"rot-{factories.n()}", mgmt_address="10.0.0.1",
                    snmp_community_enc=encrypt_secret("community-x"),
                    ssh_password_enc=encrypt_secret("ssh-pass-x"))
    db.session.add(device)
    db.session.flush()
    before = device.snmp_community_enc
    new_key = Fernet.generate_key().decode()
    app.config["CREDENTIALS_KEY"] = new_key
    try:
        result = runner.invoke(args=["keys", "rotate", "--old-key", old_key])
        assert result.exit_code == 0, result.output
        assert "rechiffré" in result.output and "community-x" not in result.output
        db.session.refresh(device)
        assert device.snmp_community_enc != before
        assert decrypt_secret(device.snmp_community_enc) == "community-x"
        assert decrypt_secret(device.ssh_password_enc) == "ssh-pass-x"
        wrong = runner.invoke(args=["keys", "rotate", "--old-key", Fernet.generate_key().decode()])
        # already on the new key: MultiFernet still decrypts with the current key, so it works
        assert wrong.exit_code == 0
    finally:
        app.config["CREDENTIALS_KEY"] = old_key
