"""Form of the impact questions (types and formats; the rules live in impact.services)."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from impact.choices import AUTONOMY_LEVELS, DEVICES
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l

_EUROS = re.compile(r"^(\d{1,6})(?:[.,](\d{1,2}))?$")


def euros_to_cents(text: str | None) -> int | None:
    """``12,50`` or ``12.5`` or ``12`` → cents; None when empty; ValueError otherwise."""
    text = (text or "").strip().replace("\u202f", "").replace(" ", "").removesuffix("€")
    if not text:
        return None
    match = _EUROS.match(text)
    if not match:
        raise ValueError(text)
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


class MultiCheckbox(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class AnswersForm(FlaskForm):
    answered_on = DateField(_l("Date des réponses"), validators=[DataRequired()])
    home_connection = RadioField(_l("Connexion internet à domicile"),
                                 choices=[("yes", _l("oui")), ("no", _l("non"))],
                                 validators=[InputRequired()])
    monthly_cost = StringField(_l("Coût mensuel de cette connexion, en euros (0 si gratuite)"),
                               validators=[Optional(), Length(max=12)])
    devices = MultiCheckbox(_l("Équipements au foyer"),
                            choices=[(code, label) for code, label in DEVICES.items()])
    autonomy = SelectField(_l("Autonomie (grille du rapport d'activité des médiateurs)"),
                           choices=[("", "—")] + [(code, label) for code, label
                                                  in AUTONOMY_LEVELS.items()],
                           validators=[Optional()])

    def validate_monthly_cost(self, field) -> None:
        try:
            euros_to_cents(field.data)
        except ValueError:
            raise ValidationError(_("Un montant en euros, par exemple 29,99.")) from None

    def answers(self) -> dict:
        """The answers as ``impact.services.record_answers`` takes them."""
        return {"answered_on": self.answered_on.data,
                "home_connection": self.home_connection.data == "yes",
                "monthly_cost_cents": euros_to_cents(self.monthly_cost.data),
                "devices": list(self.devices.data or []),
                "autonomy": self.autonomy.data or None}

    #: Service field → form field, to show a refusal beside the right input.
    FIELDS = {"monthly_cost_cents": "monthly_cost", "stage": "answered_on"}


class ResidentAnswersForm(FlaskForm):
    """The follow-up questions as the resident answers them in their space (plain French: short
    sentences, "vous"); no date (today) and no autonomy grade (the mediators' grid)."""

    home_connection = RadioField(_l("Avez-vous internet à la maison ?"),
                                 choices=[("yes", _l("Oui")), ("no", _l("Non"))],
                                 validators=[InputRequired(message=_l("Choisissez oui ou non."))])
    monthly_cost = StringField(_l("Combien payez-vous chaque mois pour internet à la maison ? "
                                  "En euros. Écrivez 0 si c'est gratuit."),
                               validators=[Optional(), Length(max=12)])
    devices = MultiCheckbox(_l("Quels appareils avez-vous à la maison ?"),
                            choices=[(code, label) for code, label in DEVICES.items()])

    def validate_monthly_cost(self, field) -> None:
        try:
            euros_to_cents(field.data)
        except ValueError:
            raise ValidationError(_("Écrivez un nombre d'euros, par exemple 19,90.")) from None

    def answers(self) -> dict:
        """The answers as ``impact.services.record_resident_answers`` takes them."""
        return {"home_connection": self.home_connection.data == "yes",
                "monthly_cost_cents": euros_to_cents(self.monthly_cost.data),
                "devices": list(self.devices.data or [])}

    FIELDS = {"monthly_cost_cents": "monthly_cost", "stage": "home_connection",
              "answered_on": "home_connection"}
