"""``isp banking import FILE``: a CAMT.053 statement from the command line (all or nothing)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from banking import services
from banking.camt import CamtRejected
from banking.views import outcome_message
from isp import audit
from isp.extensions import db
from isp.i18n import gettext as _
from isp.services import get_user_by_email


def register(cli: click.Group) -> None:
    @cli.group("banking")
    def banking() -> None:
        """Bank statements (CAMT.053)."""

    @banking.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--by", "by_email", help="E-mail of the operator importing it.")
    @with_appcontext
    def import_statement(file: Path, by_email: str | None) -> None:
        """Import a CAMT.053 bank statement: credits naming an invoice become payments, the
        others wait in the queue. Importing the same statement again changes nothing."""
        actor = None
        if by_email:
            actor = get_user_by_email(by_email)
            if actor is None:
                raise click.ClickException(_("Aucun utilisateur %(email)s", email=by_email))
        try:
            outcome = services.import_statement(file.read_bytes(), actor=actor,
                                                filename=file.name)
        except CamtRejected as rejected:
            db.session.rollback()
            for problem in rejected.problems:
                click.echo(f"{file.name}: {problem}", err=True)
            raise click.ClickException(rejected.message) from None
        audit.record("import", actor=actor, record_type="bank_statement",
                     record_id=outcome.audit_id, route="cli banking import",
                     detail=outcome.audit_detail)
        db.session.commit()
        click.echo(outcome_message(outcome))
