"""Forms of the survey pages (types and formats; the rules live in surveys.services)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from surveys.choices import AUDIENCE_LABELS, KIND_LABELS, MAX_ANONYMOUS_LINKS, SCALE_MAX, SCALE_MIN


class MultiCheckbox(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SurveyForm(FlaskForm):
    title_fr = StringField(_l("Titre en français"), validators=[InputRequired(),
                                                                Length(max=200)])
    title_en = StringField(_l("Titre en anglais"), validators=[InputRequired(),
                                                               Length(max=200)])
    intro_fr = TextAreaField(_l("Présentation en français"), validators=[Length(max=2000)])
    intro_en = TextAreaField(_l("Présentation en anglais"), validators=[Length(max=2000)])
    audience = RadioField(_l("Public"), choices=[(k.value, v) for k, v in AUDIENCE_LABELS.items()],
                          validators=[InputRequired()])
    buildings = MultiCheckbox(_l("Immeubles (enquête auprès des habitants)"), choices=[])
    associations = MultiCheckbox(_l("Associations (enquête auprès des professionnels)"),
                                 choices=[])
    all_associations = BooleanField(_l("Toutes les associations"))

    def data_for_service(self) -> dict:
        return {"title_fr": self.title_fr.data, "title_en": self.title_en.data,
                "intro_fr": self.intro_fr.data or "", "intro_en": self.intro_en.data or "",
                "audience": self.audience.data, "buildings": list(self.buildings.data or []),
                "associations": list(self.associations.data or []),
                "all_associations": bool(self.all_associations.data)}


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Type de question"),
                       choices=[(k.value, v) for k, v in KIND_LABELS.items()],
                       validators=[InputRequired()])
    text_fr = StringField(_l("Question en français"), validators=[InputRequired(),
                                                                  Length(max=500)])
    text_en = StringField(_l("Question en anglais"), validators=[InputRequired(),
                                                                 Length(max=500)])
    required = BooleanField(_l("Réponse obligatoire"))
    options = TextAreaField(
        _l("Réponses possibles (questions à choix) : une par ligne, « français | anglais »"),
        validators=[Length(max=5000)])
    scale_min = IntegerField(_l("Échelle : de"), default=1,
                             validators=[Optional(), NumberRange(SCALE_MIN, SCALE_MAX)])
    scale_max = IntegerField(_l("Échelle : à"), default=5,
                             validators=[Optional(), NumberRange(SCALE_MIN, SCALE_MAX)])
    scale_low_fr = StringField(_l("Libellé du bas de l'échelle, en français"),
                               validators=[Length(max=100)])
    scale_low_en = StringField(_l("Libellé du bas de l'échelle, en anglais"),
                               validators=[Length(max=100)])
    scale_high_fr = StringField(_l("Libellé du haut de l'échelle, en français"),
                                validators=[Length(max=100)])
    scale_high_en = StringField(_l("Libellé du haut de l'échelle, en anglais"),
                                validators=[Length(max=100)])

    def validate_options(self, field) -> None:
        for line in (field.data or "").splitlines():
            if line.strip() and "|" not in line:
                raise ValidationError(_("Chaque ligne : libellé français | libellé anglais"))

    def data_for_service(self) -> dict:
        data = {"kind": self.kind.data, "text_fr": self.text_fr.data,
                "text_en": self.text_en.data, "required": bool(self.required.data)}
        if self.kind.data in ("single", "multiple"):
            data["options"] = [
                {"label_fr": fr.strip(), "label_en": en.strip()}
                for fr, _sep, en in (line.partition("|")
                                     for line in (self.options.data or "").splitlines()
                                     if line.strip())]
        if self.kind.data == "scale":
            data.update(scale_min=self.scale_min.data if self.scale_min.data is not None else 1,
                        scale_max=self.scale_max.data if self.scale_max.data is not None else 5,
                        scale_low_fr=self.scale_low_fr.data or "",
                        scale_low_en=self.scale_low_en.data or "",
                        scale_high_fr=self.scale_high_fr.data or "",
                        scale_high_en=self.scale_high_en.data or "")
        return data

    #: Service field → form field.
    FIELDS = {"scale_max": "scale_max", "options": "options"}


class LinksForm(FlaskForm):
    kind = RadioField(_l("Liens à créer"), choices=[
        ("households", _l("un par foyer des immeubles choisis")),
        ("members", _l("un par membre des associations choisies")),
        ("anonymous", _l("des liens anonymes"))], validators=[InputRequired()])
    count = IntegerField(_l("Nombre de liens anonymes"),
                         validators=[Optional(), NumberRange(1, MAX_ANONYMOUS_LINKS)])


class ActionForm(FlaskForm):
    """An action button (open, close, delete): only the CSRF token."""


class AnswerForm(FlaskForm):
    """The answer page's CSRF token; the questions are read from the request by the service."""
