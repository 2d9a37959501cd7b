"""``isp provision run`` and ``isp provision reconcile``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("provision")
def provision_group() -> None:
    """Switch port provisioning over SSH."""


@provision_group.command("run")
@click.option("--workers", default=8, show_default=True, help="Switches configured at once.")
@with_appcontext
def provision_run(workers: int) -> None:
    """Run the due provisioning jobs now and print each job's outcome."""
    from network.services_provisioning import run_queue

    outcomes = run_queue(max_workers=max(1, workers))
    for outcome in outcomes:
        click.echo(outcome.line())
    click.echo(f"{len(outcomes)} job(s) run")


@provision_group.command("reconcile")
@with_appcontext
def provision_reconcile() -> None:
    """Back up every switch's running config and flag drifted ports (the nightly job)."""
    from isp.extensions import db
    from network.services_provisioning import nightly_reconcile

    summary = nightly_reconcile()
    db.session.commit()
    click.echo(summary.line())
    for error in summary.errors[:20]:
        click.echo(f"  {error}", err=True)


def register(cli_group: click.Group) -> None:
    """Add ``isp provision`` to ``isp``."""
    cli_group.add_command(provision_group)
