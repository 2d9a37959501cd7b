"""Forms of the subscribers domain (types and formats; rules live in services)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from isp.i18n import lazy_gettext as _l
from isp.validation import form_validator
from subscribers.choices import BUILDING_STATUS_LABELS, LANGUAGES
from subscribers.fields import HOLDER_NAME, MOVED_IN_ON, NEEDS, OTHER_MEMBERS, PHONE


class BuildingForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=120)])
    address = StringField(_l("Adresse"), validators=[DataRequired(), Length(max=200)])
    postcode = StringField(_l("Code postal"), validators=[DataRequired(), Length(max=10)])
    commune = StringField(_l("Commune"), validators=[DataRequired(), Length(max=80)])
    district_code = SelectField(_l("Quartier"), validators=[DataRequired()])
    landlord = StringField(_l("Bailleur"), validators=[Optional(), Length(max=120)])
    status = SelectField(_l("Statut"), choices=[(k.value, v) for k, v in
                                                BUILDING_STATUS_LABELS.items()])


class HouseholdForm(FlaskForm):
    unit_code = StringField(_l("Code du logement"), validators=[DataRequired(), Length(max=30)])
    holder_name = StringField(_l("Nom du titulaire"), validators=[DataRequired(),
                                                                 form_validator(HOLDER_NAME)])
    phone = StringField(_l("Téléphone"), validators=[Optional(), form_validator(PHONE)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    size = IntegerField(_l("Nombre de personnes"), validators=[Optional(),
                                                               NumberRange(min=1, max=20)])
    language = SelectField(_l("Langue préférée"), choices=list(LANGUAGES.items()), default="fr")
    needs = StringField(_l("Besoins d'accompagnement (séparés par ;)"),
                        validators=[Optional(), form_validator(NEEDS)])
    moved_in_on = DateField(_l("Date d'emménagement"),
                            validators=[DataRequired(), form_validator(MOVED_IN_ON)])


class HouseholdEditForm(FlaskForm):
    holder_name = StringField(_l("Nom du titulaire"), validators=[DataRequired(),
                                                                 form_validator(HOLDER_NAME)])
    phone = StringField(_l("Téléphone"), validators=[Optional(), form_validator(PHONE)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    size = IntegerField(_l("Nombre de personnes"), validators=[Optional(),
                                                               NumberRange(min=1, max=20)])
    language = SelectField(_l("Langue préférée"), choices=list(LANGUAGES.items()))
    needs = StringField(_l("Besoins d'accompagnement (séparés par ;)"),
                        validators=[Optional(), form_validator(NEEDS)])
    other_members = TextAreaField(_l("Autres membres du foyer"),
                                  validators=[Optional(), form_validator(OTHER_MEMBERS)])


class MoveOutForm(FlaskForm):
    moved_out_on = DateField(_l("Date de départ"), validators=[DataRequired()])


class ImportForm(FlaskForm):
    kind = SelectField(_l("Type de fichier"), validators=[DataRequired()])
    file = FileField(_l("Fichier CSV (UTF-8)"), validators=[FileRequired()])
