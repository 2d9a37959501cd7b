"""``isp provision run`` and ``isp provision reconcile``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from isp.extensions import db
from network.provisioning.queue import nightly_reconcile, run_queue


@click.group("provision")
def provision_group() -> None:
    """Switch port provisioning over SSH."""


@provision_group.command("run")
@click.option("--workers", type=int, default=None,
              help="Switches configured at once (default: PROVISIONING_WORKERS).")
@with_appcontext
def provision_run(workers: int | None) -> None:
    """Run the due provisioning jobs now and print each job's outcome."""
    outcomes = run_queue(max_workers=workers)
    for outcome in outcomes:
        click.echo(outcome.line())
    click.echo(f"{len(outcomes)} job(s) run")


@provision_group.command("reconcile")
@with_appcontext
def provision_reconcile() -> None:
    """Back up every switch's running config and flag drifted ports (the nightly job)."""
    summary = nightly_reconcile()
    db.session.commit()
    click.echo(summary.line())
    for error in summary.errors[:20]:
        click.echo(f"  {error}", err=True)


def register(cli_group: click.Group) -> None:
    """Add ``isp provision`` to ``isp``."""
    cli_group.add_command(provision_group)
