"""Core forms: login and password change."""

from flask import flash, request
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import lazy_gettext as _l

MIN_PASSWORD_LENGTH = 12


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired()])
    otp = StringField(_l("Code à usage unique (si activé)"), validators=[Optional(),
                                                                        Length(max=8)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Mot de passe actuel"), validators=[DataRequired()])
    new = PasswordField(_l("Nouveau mot de passe"),
                        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)])
    confirm = PasswordField(_l("Confirmer le nouveau mot de passe"),
                            validators=[DataRequired(), EqualTo("new")])


def form_status() -> int:
    """The status of a page that shows a form: 400 when it is shown again after a refused
    submission (a POST), 200 when it is simply asked for."""
    return 400 if request.method == "POST" else 200


def discard_refused_change() -> None:
    """Undo whatever a refusing service had already changed in the session.

    A service may add or flush rows before it finds the rule that refuses the action; left in
    the session, they would be saved by the next commit of the same request (an audit entry,
    the form token's redirect in ``isp.idempotency``). Every view that catches a
    ``DomainError`` goes through here, usually by ``show_domain_error`` or
    ``flash_domain_error`` (docs/architecture.md §3), so a refusal leaves nothing behind.
    Loaded objects are expired, so the page shown next reads them as they are stored.
    """
    db.session.rollback()


def show_domain_error(form: FlaskForm, error: DomainError, default_field: str) -> None:
    """Undo the refused change, then put the refusal beside the field it names (else beside
    ``default_field``).

    WTForms forms have no ``get``: look the field up with ``in`` (``form.get`` raised
    AttributeError and answered 500).
    """
    discard_refused_change()
    name = error.field if error.field and error.field in form else default_field
    form[name].errors = [*form[name].errors, error.message]


def flash_domain_error(error: DomainError) -> None:
    """Undo the refused change, then say why in a flash message (for pages that redirect)."""
    discard_refused_change()
    flash(error.message, "error")
