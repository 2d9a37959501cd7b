"""Surveys for tests: a residents' survey of one building, a professionals' survey."""

from __future__ import annotations

from isp.extensions import db
from surveys import services
from tests import factories

QUESTIONS = [
    {"kind": "single", "text_fr": "Avez-vous un ordinateur ?", "text_en": "Do you have a computer?",
     "required": True, "options": [{"label_fr": "Oui", "label_en": "Yes"},
                                   {"label_fr": "Non", "label_en": "No"}]},
    {"kind": "multiple", "text_fr": "Besoins", "text_en": "Needs",
     "options": [{"label_fr": "Démarches", "label_en": "Paperwork"},
                 {"label_fr": "Courriel", "label_en": "E-mail"},
                 {"label_fr": "Santé", "label_en": "Health"}]},
    {"kind": "scale", "text_fr": "Aisance", "text_en": "Ease", "scale_min": 1, "scale_max": 5,
     "scale_low_fr": "pas du tout", "scale_low_en": "not at all",
     "scale_high_fr": "tout à fait", "scale_high_en": "fully"},
    {"kind": "text", "text_fr": "Autre chose ?", "text_en": "Anything else?"},
]


def residents_survey(*, building=None, owner=None, state: str = "draft", questions=None):
    building = building or factories.make_building()
    owner = owner or factories.make_user("analyst")
    survey = services.create_survey({
        "title_fr": "Besoins des habitants", "title_en": "Residents' needs",
        "audience": "residents", "buildings": [building.code],
        "questions": QUESTIONS if questions is None else questions}, owner)
    _to_state(survey, state)
    return survey


def professionals_survey(*, associations=(), owner=None, state: str = "draft"):
    owner = owner or factories.make_user("analyst")
    survey = services.create_survey({
        "title_fr": "Besoins des médiateurs", "title_en": "Mediators' needs",
        "audience": "professionals", "associations": [a.code for a in associations],
        "all_associations": not associations, "questions": QUESTIONS}, owner)
    _to_state(survey, state)
    return survey


def _to_state(survey, state: str) -> None:
    if state in ("open", "closed"):
        services.open_survey(survey)
    if state == "closed":
        services.close_survey(survey)
    db.session.flush()


def household_link(survey, *, association=None):
    """A household of the survey's building with its link."""
    unit = factories.make_unit(building=survey.buildings[0])
    household = factories.make_household(unit=unit, association=association)
    services.generate_household_links(survey)
    from sqlalchemy import select

    from surveys.models import SurveyLink

    return db.session.execute(select(SurveyLink).where(
        SurveyLink.household_id == household.id)).scalar_one()


def answers(survey, *, choice: int = 0, needs=(0,), scale: int = 3, text: str = "") -> dict:
    """Raw answers as the page posts them."""
    single, multiple, scale_q, text_q = survey.questions
    return {f"q{single.id}": [str(single.options[choice].id)],
            f"q{multiple.id}": [str(multiple.options[i].id) for i in needs],
            f"q{scale_q.id}": [str(scale)], f"q{text_q.id}": [text] if text else []}


def anonymous_link(survey):
    services.generate_anonymous_links(survey, 1)
    from sqlalchemy import select

    from surveys.models import SurveyLink

    return db.session.execute(select(SurveyLink).where(SurveyLink.survey_id == survey.id)
                              .order_by(SurveyLink.id.desc())).scalars().first()
