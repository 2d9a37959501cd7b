"""Forms of the mediation domain (types and formats; rules live in services)."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from isp.i18n import lazy_gettext as _l
from mediation.choices import (
    AGE_BANDS,
    AUTONOMY_LEVELS,
    DIGITAL_THEMES,
    EQUIPMENT,
    PLACE_TYPES,
    REFERRALS,
    SESSION_TYPE_LABELS,
    SPECIALTIES,
    THEMES,
)
from subscribers.choices import LANGUAGES


def _pairs(labels: dict) -> list[tuple[str, object]]:
    return [(str(code), label) for code, label in labels.items()]


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class AssociationForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=30)])
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=160)])
    siret_or_rna = StringField(_l("SIRET ou RNA"), validators=[Optional(), Length(max=20)])
    districts = SelectMultipleField(_l("Quartiers couverts"), validators=[DataRequired()])
    languages = SelectMultipleField(_l("Langues parlées"), choices=_pairs(LANGUAGES),
                                    validators=[DataRequired()])
    specialties = SelectMultipleField(_l("Spécialités"), choices=_pairs(SPECIALTIES))
    capacity_per_month = IntegerField(_l("Capacité (nouveaux foyers par mois)"), default=20,
                                      validators=[DataRequired(), NumberRange(0, 10000)])
    email = StringField(_l("E-mail de contact"), validators=[Optional(), Email(),
                                                             Length(max=254)])
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=30)])
    website = StringField(_l("Site web"), validators=[Optional(), Length(max=300)])
    summary = TextAreaField(_l("Présentation courte (280 caractères au plus)"),
                            validators=[Optional(), Length(max=280)])


class PlaceForm(FlaskForm):
    name = StringField(_l("Nom du lieu"), validators=[DataRequired(), Length(max=160)])
    address = StringField(_l("Adresse"), validators=[DataRequired(), Length(max=200)])
    address_complement = StringField(_l("Complément d'adresse"),
                                     validators=[Optional(), Length(max=200)])
    postcode = StringField(_l("Code postal"), validators=[DataRequired(), Length(min=5, max=5)])
    commune = StringField(_l("Commune"), validators=[DataRequired(), Length(max=100)])
    insee_code = StringField(_l("Code INSEE de la commune"),
                             validators=[Optional(), Length(min=5, max=5)])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    opening_hours = StringField(_l("Horaires (ex. Mo-Fr 09:00-12:00; Sa 10:00-12:00)"),
                                validators=[Optional(), Length(max=300)])
    accessibility = TextAreaField(_l("Accessibilité"), validators=[Optional(),
                                                                    Length(max=2000)])
    accessibility_url = StringField(_l("Fiche acceslibre (lien)"),
                                    validators=[Optional(), Length(max=300)])
    mobile = BooleanField(_l("Lieu itinérant (permanence)"))


class AssignmentForm(FlaskForm):
    association_code = SelectField(_l("Association"), validators=[DataRequired()])
    reason = TextAreaField(_l("Motif (obligatoire si vous ne suivez pas la suggestion)"),
                           validators=[Optional(), Length(max=1000)])


class ConfirmForm(FlaskForm):
    """The batch page's one-household confirmation (the association is in a hidden field)."""


class SlotForm(FlaskForm):
    association_code = SelectField(_l("Association"), validators=[Optional()])
    starts_at = DateTimeLocalField(_l("Début (heure locale)"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired()])
    duration_minutes = IntegerField(_l("Durée (minutes)"), default=60,
                                    validators=[DataRequired(), NumberRange(15, 480)])
    kind = SelectField(_l("Type"), choices=_pairs(SESSION_TYPE_LABELS))
    capacity = IntegerField(_l("Nombre de places"), default=1,
                            validators=[DataRequired(), NumberRange(1, 30)])
    topic = SelectField(_l("Thème"), choices=_pairs(DIGITAL_THEMES) + [
        (code, label) for code, label in THEMES.items() if code not in DIGITAL_THEMES])
    place_id = SelectField(_l("Lieu"), coerce=_optional_int, validators=[Optional()])


class BookingForm(FlaskForm):
    household_id = SelectField(_l("Foyer"), coerce=_optional_int, validators=[DataRequired()])


class BookingStatusForm(FlaskForm):
    status = SelectField(_l("Présence"), choices=[("attended", _l("présent")),
                                                  ("absent", _l("absent")),
                                                  ("cancelled", _l("annulé"))])


class SessionForm(FlaskForm):
    association_code = SelectField(_l("Association"), validators=[Optional()])
    household_id = SelectField(_l("Foyer (facultatif)"), coerce=_optional_int,
                               validators=[Optional()])
    kind = SelectField(_l("Type d'accompagnement"), choices=_pairs(SESSION_TYPE_LABELS))
    held_on = DateField(_l("Date"), validators=[DataRequired()])
    duration_minutes = IntegerField(_l("Durée (minutes)"), default=60,
                                    validators=[DataRequired(), NumberRange(5, 600)])
    place_type = SelectField(_l("Type de lieu"), choices=_pairs(PLACE_TYPES))
    commune_code = StringField(_l("Code INSEE de la commune du lieu"), default="44109",
                               validators=[DataRequired(), Length(min=5, max=5)])
    themes = SelectMultipleField(_l("Thèmes"), choices=_pairs(THEMES),
                                 validators=[DataRequired()])
    autonomy = SelectField(_l("Autonomie"), choices=[("", "—")] + _pairs(AUTONOMY_LEVELS),
                           validators=[Optional()])
    equipment = SelectMultipleField(_l("Matériel utilisé"), choices=_pairs(EQUIPMENT))
    referral = SelectField(_l("Orientation"), choices=[("", "—")] + _pairs(REFERRALS),
                           validators=[Optional()])
    follow_up = BooleanField(_l("Suivi prévu"))
    first_session = BooleanField(_l("Premier accompagnement"))
    participants = IntegerField(_l("Participants (séance collective)"),
                                validators=[Optional(), NumberRange(2, 200)])
    age_band = SelectField(_l("Tranche d'âge (facultatif)"), choices=[("", "—")]
                           + _pairs(AGE_BANDS), validators=[Optional()])
    profile_commune_code = StringField(_l("Commune de résidence, code INSEE (facultatif)"),
                                       validators=[Optional(), Length(min=5, max=5)])
