"""Forms of the support domain (types and formats; rules live in support.tickets)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from isp.i18n import lazy_gettext as _l
from isp.validation import MAX_INT
from support.choices import (
    CATEGORY_LABELS,
    PEOPLE_CATEGORIES,
    PRIORITY_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    TicketSource,
)


def _coerce_optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class TicketForm(FlaskForm):
    household_id = IntegerField(_l("N° du foyer"),
                                validators=[Optional(), NumberRange(min=1, max=MAX_INT)])
    unit_code = StringField(_l("Code du logement"), validators=[Optional(), Length(max=30)])
    device_hostname = StringField(_l("Équipement (nom d'hôte)"),
                                  validators=[Optional(), Length(max=63)])
    category = SelectField(_l("Catégorie"), choices=[(c.value, CATEGORY_LABELS[c])
                                                     for c in PEOPLE_CATEGORIES])
    priority = SelectField(_l("Priorité"), choices=[(k.value, v) for k, v in
                                                    PRIORITY_LABELS.items()], default="normal")
    source = SelectField(_l("Origine"), choices=[(k.value, v) for k, v in SOURCE_LABELS.items()
                                                 if k not in (TicketSource.NETWORK,
                                                              TicketSource.RESIDENT)])
    assignee_id = SelectField(_l("Responsable"), coerce=_coerce_optional_int,
                              validators=[Optional()])
    subject = StringField(_l("Sujet"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Commentaire"), validators=[DataRequired(), Length(max=5000)])


class UpdateForm(FlaskForm):
    status = SelectField(_l("Statut"), choices=[(k.value, v) for k, v in STATUS_LABELS.items()])
    priority = SelectField(_l("Priorité"), choices=[(k.value, v) for k, v in
                                                    PRIORITY_LABELS.items()])
    assignee_id = SelectField(_l("Responsable"), coerce=_coerce_optional_int,
                              validators=[Optional()])
    note = TextAreaField(_l("Note (facultative)"), validators=[Optional(), Length(max=5000)])
    #: When closing: a question of use rather than a fault (mediation proposes coaching).
    usage_question = BooleanField(_l("Question d'usage (pas une panne)"))
