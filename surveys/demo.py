"""Surveys demo: a closed needs survey of the Port-Boyer residents, answered by about half of the
households through their links (fictitious answers, the same every time), and an open survey
of the mediation professionals with a link per member and a few anonymous links.
Idempotent: nothing when a survey exists."""

from __future__ import annotations

import random

from sqlalchemy import select

from isp.extensions import db
from isp.services import get_user_by_email
from subscribers.demo import DEMO_BUILDING
from surveys import services
from surveys.models import Survey, SurveyLink

YES_NO = [{"label_fr": "Oui", "label_en": "Yes"}, {"label_fr": "Non", "label_en": "No"}]

RESIDENT_QUESTIONS = [
    {"kind": "single", "text_fr": "Avez-vous un ordinateur ou une tablette au foyer ?",
     "text_en": "Is there a computer or a tablet at home?", "required": True,
     "options": YES_NO},
    {"kind": "multiple", "text_fr": "Pour quoi aimeriez-vous être accompagné ?",
     "text_en": "What would you like help with?",
     "options": [{"label_fr": "Démarches en ligne (CAF, impôts, santé)",
                  "label_en": "Online paperwork (benefits, taxes, health)"},
                 {"label_fr": "Courriel et messagerie", "label_en": "E-mail and messaging"},
                 {"label_fr": "Suivi scolaire des enfants", "label_en": "Children's schooling"},
                 {"label_fr": "Recherche d'emploi", "label_en": "Job search"},
                 {"label_fr": "Sécurité en ligne", "label_en": "Online safety"}]},
    {"kind": "scale", "text_fr": "Êtes-vous à l'aise pour faire une démarche en ligne seul ?",
     "text_en": "Are you comfortable doing an online procedure on your own?",
     "scale_min": 1, "scale_max": 5, "scale_low_fr": "pas du tout",
     "scale_low_en": "not at all", "scale_high_fr": "tout à fait", "scale_high_en": "fully"},
    {"kind": "text", "text_fr": "Un service qui vous manque ?",
     "text_en": "A service you miss?"},
]

TEXTS = ("Un atelier le samedi matin", "De l'aide pour imprimer des documents",
         "Un ordinateur à prêter", "Des cours en arabe", "Aide pour le site de la CAF")

PROFESSIONAL_QUESTIONS = [
    {"kind": "multiple", "text_fr": "Quelles formations vous seraient utiles ?",
     "text_en": "Which training would help you?",
     "options": [{"label_fr": "Accès aux droits en ligne", "label_en": "Online rights access"},
                 {"label_fr": "Accompagnement des aidants numériques (Aidants Connect)",
                  "label_en": "Digital helpers (Aidants Connect)"},
                 {"label_fr": "Cybersécurité", "label_en": "Cybersecurity"},
                 {"label_fr": "Animation d'ateliers collectifs",
                  "label_en": "Running group workshops"}]},
    {"kind": "scale", "text_fr": "La coordination avec les autres acteurs du quartier est-elle "
     "satisfaisante ?", "text_en": "Is the coordination with the district's other actors "
     "satisfactory?", "scale_min": 1, "scale_max": 5, "scale_low_fr": "pas du tout",
     "scale_low_en": "not at all", "scale_high_fr": "tout à fait", "scale_high_en": "fully"},
    {"kind": "text", "text_fr": "Que faudrait-il pour mieux orienter les habitants ?",
     "text_en": "What would help refer residents better?"},
]


def seed_demo() -> str | None:
    if db.session.execute(select(Survey.id).limit(1)).first():
        return None
    analyst = get_user_by_email("analyste@demo.social-isp.fr")
    if analyst is None:
        return None
    rng = random.Random(21)
    residents = services.create_survey({
        "title_fr": "Vos besoins numériques (Port-Boyer, automne)",
        "title_en": "Your digital needs (Port-Boyer, autumn)",
        "intro_fr": "Cinq minutes pour nous dire quels accompagnements vous seraient utiles.",
        "intro_en": "Five minutes to tell us which help would be useful to you.",
        "audience": "residents", "buildings": [DEMO_BUILDING],
        "questions": RESIDENT_QUESTIONS}, analyst)
    services.open_survey(residents)
    services.generate_household_links(residents)
    links = db.session.execute(select(SurveyLink).where(
        SurveyLink.survey_id == residents.id).order_by(SurveyLink.id)).scalars().all()
    answered = 0
    for link in links:
        if rng.random() < .5:
            services.submit(link, _resident_answers(residents, rng), by_staff=rng.random() < .3)
            answered += 1
    services.close_survey(residents)

    professionals = services.create_survey({
        "title_fr": "Besoins des professionnels de la médiation numérique",
        "title_en": "Needs of digital mediation professionals",
        "audience": "professionals", "all_associations": True,
        "questions": PROFESSIONAL_QUESTIONS}, analyst)
    services.open_survey(professionals)
    services.generate_member_links(professionals)
    services.generate_anonymous_links(professionals, 10)
    db.session.flush()
    return (f"surveys: 1 closed residents' survey ({answered} answers of {len(links)} links), "
            "1 open professionals' survey")


def _resident_answers(survey: Survey, rng: random.Random) -> dict[str, list[str]]:
    single, multiple, scale, text = survey.questions
    needs = [o for o in multiple.options if rng.random() < .35] or [multiple.options[0]]
    raw = {f"q{single.id}": [str(rng.choices(single.options, weights=(35, 65))[0].id)],
           f"q{multiple.id}": [str(o.id) for o in needs],
           f"q{scale.id}": [str(rng.choices(range(1, 6), weights=(25, 30, 20, 15, 10))[0])]}
    if rng.random() < .3:
        raw[f"q{text.id}"] = [rng.choice(TEXTS)]
    return raw
