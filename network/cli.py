"""Network commands: ``isp poll --once`` and ``isp keys rotate``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from network.credentials import rotate_token
from network.models import Device
from network.poller import run_poll_cycle


@click.command("poll")
@click.option("--once", is_flag=True, help="Run one poll cycle now and print a one-line summary.")
@click.option("--discover", is_flag=True,
              help="Read every device's port names, descriptions and speeds now (a full poll); "
                   "otherwise only devices whose discovery is due (every POLL_DISCOVERY_HOURS).")
@with_appcontext
def poll_command(once: bool, discover: bool) -> None:
    """Poll every in-service device once (SNMP), store usage and uptime, print a summary."""
    if not once:
        raise click.UsageError(_("seul --once est possible ; le planificateur (isp worker) "
                                 "interroge toutes les POLL_INTERVAL_MINUTES"))
    summary = run_poll_cycle(respect_due=False, discover=discover)
    click.echo(summary.line())
    for error in summary.errors[:20]:
        click.echo(f"  {error}", err=True)


@click.group("keys")
def keys_group() -> None:
    """Device credential encryption keys."""


@keys_group.command("rotate")
@click.option("--old-key", required=True, help="The previous ISP_CREDENTIALS_KEY.")
@with_appcontext
def keys_rotate(old_key: str) -> None:
    """Re-encrypt every device secret from --old-key to the current ISP_CREDENTIALS_KEY."""
    new_key = current_app.config["CREDENTIALS_KEY"]
    columns = ("snmp_community_enc", "snmp_auth_key_enc", "snmp_priv_key_enc",
               "ssh_password_enc", "ssh_secret_enc")
    devices = secrets = 0
    try:
        for device in db.session.execute(db.select(Device).order_by(Device.id)).scalars():
            changed = False
            for column in columns:
                stored = getattr(device, column)
                if stored:
                    setattr(device, column, rotate_token(stored, old_key, new_key))
                    secrets += 1
                    changed = True
            devices += changed
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    except Exception:  # wrong key, bad token: say it plainly, never echo a secret
        db.session.rollback()
        raise click.ClickException(_(
            "Un secret n'a pu être déchiffré ni avec l'ancienne ni avec la clé actuelle ; "
            "rien n'a changé")) from None
    click.echo(_("%(secrets)s secret(s) de %(devices)s équipement(s) rechiffré(s)",
                 secrets=secrets, devices=devices))


def register(cli_group: click.Group) -> None:
    """Add the network commands to ``isp``."""
    cli_group.add_command(poll_command)
    cli_group.add_command(keys_group)
