"""Forms of the equipment pages (types and formats; the rules live in equipment.services)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from equipment.choices import KIND_LABELS, ORIGIN_LABELS, STATE_LABELS
from equipment.services import EMBODIED_MAX
from isp.i18n import lazy_gettext as _l


class ItemForm(FlaskForm):
    kind = SelectField(_l("Type"), choices=[(k.value, v) for k, v in KIND_LABELS.items()],
                       validators=[InputRequired()])
    serial = StringField(_l("Numéro de série"), validators=[InputRequired(), Length(max=80)])
    model = StringField(_l("Modèle"), validators=[Optional(), Length(max=120)])
    origin = SelectField(_l("Origine"), choices=[(k.value, v) for k, v in ORIGIN_LABELS.items()],
                         validators=[InputRequired()])
    partner_code = SelectField(_l("Partenaire qui l'a reconditionné"), choices=[],
                               validators=[Optional()])
    embodied_kgco2e = DecimalField(
        _l("Empreinte fabrication (kgCO2e), vide : valeur par défaut"), places=2,
        validators=[Optional(), NumberRange(min=0, max=EMBODIED_MAX)])
    acquired_on = DateField(_l("Date d'acquisition"), validators=[Optional()])

    def data_for_service(self) -> dict:
        return {"kind": self.kind.data, "serial": self.serial.data, "model": self.model.data,
                "origin": self.origin.data, "partner_code": self.partner_code.data or None,
                "embodied_kgco2e": None if self.embodied_kgco2e.data is None
                else float(self.embodied_kgco2e.data),
                "acquired_on": self.acquired_on.data}


class MoveForm(FlaskForm):
    to_state = SelectField(_l("Nouvel état"), choices=[], validators=[InputRequired()])
    household_id = IntegerField(_l("Foyer (numéro, pour un prêt)"),
                                validators=[Optional(), NumberRange(min=1, max=2_147_483_647)])
    unit_code = StringField(_l("ou logement (code), pour un prêt à son foyer actuel"),
                            validators=[Optional(), Length(max=40)])
    agreement_ref = StringField(_l("Référence de la convention de prêt signée"),
                                validators=[Optional(), Length(max=60)])
    signed_on = DateField(_l("Convention signée le"), validators=[Optional()])
    partner_code = SelectField(_l("Partenaire (réparation, reconditionnement, recyclage)"),
                               choices=[], validators=[Optional()])
    on = DateField(_l("Date du mouvement (vide : aujourd'hui)"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])

    def data_for_service(self) -> dict:
        return {"to_state": self.to_state.data, "household_id": self.household_id.data,
                "unit_code": self.unit_code.data,
                "agreement_ref": self.agreement_ref.data, "signed_on": self.signed_on.data,
                "partner_code": self.partner_code.data or None, "on": self.on.data,
                "note": self.note.data}


class PartnerForm(FlaskForm):
    code = StringField(_l("Code"), validators=[InputRequired(), Length(max=30)])
    name = StringField(_l("Nom"), validators=[InputRequired(), Length(max=160)])
    commune = StringField(_l("Commune"), validators=[Optional(), Length(max=80)])
    siret = StringField(_l("SIRET"), validators=[Optional(), Length(max=20)])


def state_choices(states) -> list[tuple[str, str]]:
    return [(s.value, STATE_LABELS[s]) for s in states]
