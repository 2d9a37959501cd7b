"""Core forms: login and password change."""

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

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


def show_domain_error(form: FlaskForm, error, default_field: str) -> None:
    """Put a service's refusal beside the field it names (else beside ``default_field``).

    WTForms forms have no ``get``: look the field up with ``in`` (``form.get`` raised
    AttributeError and answered 500).
    """
    name = error.field if error.field and error.field in form else default_field
    form[name].errors = [*form[name].errors, error.message]
