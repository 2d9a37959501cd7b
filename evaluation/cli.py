"""``isp evaluation refresh``: recompute the monthly aggregates."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from evaluation.aggregates import refresh
from evaluation.queries import parse_period
from isp.extensions import db
from isp.i18n import gettext as _


def register(cli_group) -> None:
    """Add the ``evaluation`` command group."""

    @cli_group.group("evaluation")
    def evaluation() -> None:
        """Pilot evaluation: aggregates for the analysts."""

    @evaluation.command("refresh")
    @click.option("--period", "periods", multiple=True, help="YYYY-MM (repeatable); "
                  "default: every month of the pilot")
    @with_appcontext
    def refresh_command(periods: tuple[str, ...]) -> None:
        """Recompute the monthly aggregates (what dashboards and open data read)."""
        chosen = [parse_period(p) for p in periods] or None
        summary = refresh(chosen)
        db.session.commit()
        click.echo(_("Agrégats recalculés : %(periods)s mois, %(scopes)s immeuble(s) ou "
                     "quartier(s), %(rows)s chiffres", periods=summary["periods"],
                     scopes=summary["scopes"], rows=summary["rows"]))
