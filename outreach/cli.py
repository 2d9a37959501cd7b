"""``isp contours import FILE``: the districts' contours from a GeoJSON file (all or nothing)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from isp import audit
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from outreach.contours import import_contours


@click.group("contours")
def contours_group() -> None:
    """District contours (GeoJSON, WGS84) for the map."""


@contours_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--property", "property_name", default="code", show_default=True,
              help="Feature property holding the district's code.")
@click.option("--match", default="code", show_default=True,
              type=click.Choice(("code", "iris_code", "qpv_code")),
              help="District column the property is compared to.")
@click.option("--skip-unknown", is_flag=True,
              help="Ignore features whose code no district has (a file of every IRIS).")
@with_appcontext
def import_command(file: Path, property_name: str, match: str, skip_unknown: bool) -> None:
    """Check the whole file, then store one contour per district it names."""
    try:
        result = import_contours(file.read_bytes(), property_name=property_name, match=match,
                                 skip_unknown=skip_unknown, source=file.name,
                                 imported_by="cli")
        audit.record("import", actor=None, record_type="district_contours",
                     route="cli contours import", detail=f"{result.imported} from {file.name}")
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        for line in getattr(error, "errors", None) or [error.message]:
            click.echo(line, err=True)
        raise SystemExit(1) from None
    click.echo(_("%(n)s contour(s) importé(s) depuis %(f)s, %(s)s entité(s) ignorée(s)",
                 n=result.imported, f=file.name, s=len(result.skipped)))


def register(cli_group) -> None:
    cli_group.add_command(contours_group)
