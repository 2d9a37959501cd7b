"""Forms of the bank statement pages: the upload and the three answers of the queue."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from isp.i18n import lazy_gettext as _l


class StatementUploadForm(FlaskForm):
    file = FileField(_l("Relevé CAMT.053 (fichier XML de la banque)"),
                     validators=[FileRequired()])


class AssignForm(FlaskForm):
    household_id = HiddenField(validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """Only the CSRF and one-time tokens: the suggestion is the line's own."""


class NotOursForm(FlaskForm):
    reason = TextAreaField(_l("Pourquoi cette somme n'est-elle pas le paiement d'un foyer ?"),
                           validators=[DataRequired(), Length(max=500)])
