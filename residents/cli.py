"""``isp residents ...`` commands, and the resident branch of ``isp users create``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from residents.accounts import create_account
from residents.jobs import appointment_reminders
from residents.notices import deliver_pending
from subscribers.models import Household


def create_resident(email: str | None, phone: str | None, household_id: int | None,
                    name: str = "") -> str:
    """``isp users create EMAIL --role resident --household ID`` (or ``--phone 06…`` as the
    login; both: the e-mail signs in, the mobile is a second contact for SMS notices): the
    account's login as stored. The caller commits."""
    if email is None and phone is None:
        raise DomainError(_("Un résident se connecte avec un e-mail ou un numéro de portable "
                            "(--phone)."), field="login")
    household = db.session.get(Household, household_id) if household_id else None
    if household is None:
        raise DomainError(_("Indiquez le foyer du résident : --household ID"),
                          field="household")
    # Both given: the e-mail is the login, the mobile its second contact (SMS notices).
    return create_account(household, email or phone, actor=None, name=name,
                          contact=phone if email else None).login


def register(cli_group) -> None:
    @cli_group.group("residents")
    def residents() -> None:
        """Residents' accounts and notices."""

    @residents.command("deliver-notices")
    @with_appcontext
    def deliver_notices() -> None:
        """Send the stored notices not sent yet."""
        sent, failed = deliver_pending()
        click.echo(f"{sent} sent, {failed} not sent")

    @residents.command("remind")
    @with_appcontext
    def remind() -> None:
        """Store tomorrow's appointment reminders and send them."""
        stored = appointment_reminders()
        db.session.commit()
        sent, failed = deliver_pending()
        click.echo(f"{stored} reminders, {sent} sent, {failed} not sent")
