"""``isp billing run|issue|export`` (docs/design.md §4.3)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from billing import exports
from billing.dunning import run_dunning
from billing.money import format_euros
from billing.runs import issue_invoices, prepare_invoices
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _

#: Below this many rows a progress bar is noise.
BAR_THRESHOLD = 2000


class _Progress:
    """A click progress bar opened on the first report of a long step."""

    def __init__(self, label: str):
        self.label, self.bar = label, None

    def __call__(self, step: int, total: int) -> None:
        if total < BAR_THRESHOLD:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label,
                                         file=click.get_text_stream("stderr"))
            self.bar.__enter__()
        self.bar.update(step)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _run(action, label: str):
    progress = _Progress(label)
    try:
        result = action(progress)
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        raise
    finally:
        progress.close()


@click.group("billing")
def billing() -> None:
    """Monthly invoices: prepare, issue, export."""


@billing.command("run")
@click.option("--period", required=True, help="Month to bill, YYYY-MM (must have ended).")
@with_appcontext
def run_command(period: str) -> None:
    """Prepare the month's draft invoices (idempotent)."""
    result = _run(lambda progress: prepare_invoices(period, actor=None, progress=progress),
                  "Préparation")
    for anomaly in result.anomalies[:20]:
        click.echo(_("anomalie : %(anomaly)s", anomaly=anomaly), err=True)
    click.echo(_("%(period)s : %(invoices)s facture(s) en brouillon, %(lines)s ligne(s), total "
                 "%(total)s, %(skipped)s écartée(s)", period=period, invoices=result.invoices,
                 lines=result.lines, total=format_euros(result.total_cents),
                 skipped=result.skipped))


@billing.command("issue")
@click.option("--period", required=True, help="Month whose drafts to issue, YYYY-MM.")
@click.option("--issued-on", "issued_on", default=None, help="Issue date YYYY-MM-DD (today).")
@with_appcontext
def issue_command(period: str, issued_on: str | None) -> None:
    """Number and issue the drafts (idempotent; numbers without gaps)."""
    day = None
    if issued_on:
        try:
            day = date.fromisoformat(issued_on)
        except ValueError:
            raise DomainError(_("--issued-on %(value)s n'est pas une date AAAA-MM-JJ",
                                value=issued_on)) from None
    result = _run(lambda progress: issue_invoices(period, actor=None, issued_on=day,
                                                  progress=progress), "Émission")
    numbers = f" ({result.first_number} … {result.last_number})" if result.issued else ""
    click.echo(_("%(period)s : %(issued)s facture(s) émise(s)%(numbers)s, total %(total)s, "
                 "%(skipped)s écartée(s) (total nul)", period=period, issued=result.issued,
                 numbers=numbers, total=format_euros(result.total_cents),
                 skipped=result.skipped))


@billing.command("export")
@click.option("--period", required=True, help="Month, YYYY-MM.")
@click.option("--format", "fmt", type=click.Choice(["csv", "sepa"]), required=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@click.option("--collection-date", default=None, help="SEPA collection date YYYY-MM-DD.")
@with_appcontext
def export_command(period: str, fmt: str, output: Path | None,
                   collection_date: str | None) -> None:
    """The accountant's CSV or the SEPA direct-debit file (pain.008) of a period."""
    if fmt == "csv":
        data = exports.accounting_csv(period).encode("utf-8")
    else:
        day = None
        if collection_date:
            try:
                day = date.fromisoformat(collection_date)
            except ValueError:
                raise DomainError(_("--collection-date %(value)s n'est pas une date",
                                    value=collection_date)) from None
        data, count = exports.sepa_direct_debit(period, collection_date=day)
        click.echo(_("%(n)s prélèvement(s)", n=count), err=True)
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        output.write_bytes(data)
        click.echo(_("%(file)s écrit (%(n)s octets)", file=output, n=len(data)))


@billing.command("dunning")
@click.option("--on", "on", default=None, help="Day to run as, YYYY-MM-DD (today).")
@with_appcontext
def dunning_command(on: str | None) -> None:
    """Run the social dunning pass now (the scheduler runs it daily)."""
    day = date.fromisoformat(on) if on else None
    result = _run(lambda _progress: run_dunning(on=day), "Relances")
    click.echo(_("%(on)s : %(reminders)s rappel(s), %(referrals)s orientation(s), "
                 "%(proposals)s proposition(s) de réduction, %(held)s en attente, "
                 "%(lifted)s levée(s)", on=result.on, reminders=result.reminders,
                 referrals=result.referrals, proposals=result.proposals, held=result.held,
                 lifted=result.lifted))


def register(cli_group) -> None:
    cli_group.add_command(billing)
