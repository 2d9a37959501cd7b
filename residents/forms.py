"""Forms of the residents' sign-in, their notice settings and the operators' account pages."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional

from isp.i18n import lazy_gettext as _l


class LoginForm(FlaskForm):
    login = StringField(_l("Votre e-mail ou votre numéro de portable"),
                        validators=[DataRequired(), Length(max=254)])


class CodeForm(FlaskForm):
    login = StringField(_l("Votre e-mail ou votre numéro de portable"),
                        validators=[DataRequired(), Length(max=254)])
    code = StringField(_l("Le code reçu"), validators=[DataRequired(), Length(max=20)])


class AccountForm(FlaskForm):
    login = StringField(_l("E-mail ou numéro de portable (06 ou 07) du résident"),
                        validators=[DataRequired(), Length(max=254)])
    contact = StringField(_l("Autre contact pour les avis (facultatif) : son portable si "
                             "l'identifiant est un e-mail, son e-mail si c'est un portable"),
                          validators=[Optional(), Length(max=254)])


class NoticeSettingsForm(FlaskForm):
    notify_sms = BooleanField(_l("Par SMS"))
    notify_email = BooleanField(_l("Par e-mail"))


class ConfirmForm(FlaskForm):
    pass


class MyNoticesForm(NoticeSettingsForm):
    """The resident's own page: the channels and their second contact."""

    contact = StringField(_l("Mon autre contact"), validators=[Optional(), Length(max=254)])
