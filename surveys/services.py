"""Rules of the needs surveys: building a questionnaire, answer links, answers, results.

Pages and API call the same functions. Answers are anonymous by construction: a response row
holds no link, household, user or time of day (only the day); a link only says it was used.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import Select, select, update

from isp.auth import Scope
from isp.choices import Role
from isp.database import built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.timeutil import today
from mediation.models import Association
from subscribers.models import Building, Household, Unit
from subscribers.services import assigned_to_association
from surveys.choices import (
    MAX_ANONYMOUS_LINKS,
    MAX_OPTIONS,
    MAX_QUESTIONS,
    MODE_LINK,
    MODE_STAFF,
    SCALE_MAX,
    SCALE_MIN,
    TEXT_ANSWER_MAX,
    Audience,
    Kind,
    State,
)
from surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyLink,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
)

#: Roles that build surveys; the creator's role owns the survey's free texts.
BUILDER_ROLES = (Role.ADMIN, Role.ANALYST)
SURVEY_KEYS = ("title_fr", "title_en", "intro_fr", "intro_en", "audience", "buildings",
               "associations", "all_associations", "questions")
QUESTION_KEYS = ("kind", "text_fr", "text_en", "required", "options", "scale_min", "scale_max",
                 "scale_low_fr", "scale_low_en", "scale_high_fr", "scale_high_en")
OPTION_KEYS = ("label_fr", "label_en")


# --- small checks ---------------------------------------------------------------------------------

def _text(data: dict, key: str, *, max_length: int, required: bool = True,
          field_name: str | None = None) -> str:
    value = data.get(key)
    name = field_name or key
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError(_("Un texte est attendu"), field=name, status=400)
    value = value.strip()
    if required and not value:
        raise DomainError(_("Ce champ est obligatoire"), field=name, status=400)
    if len(value) > max_length:
        raise DomainError(_("%(max)s caractères au plus", max=max_length), field=name, status=400)
    return value


def _flag(data: dict, key: str, field_name: str | None = None) -> bool:
    value = data.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise DomainError(_("Vrai ou faux est attendu"), field=field_name or key, status=400)
    return value


def _codes(data: dict, key: str) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DomainError(_("Une liste de codes est attendue"), field=key, status=400)
    return sorted({v.strip() for v in value if v.strip()})


# --- building ----------------------------------------------------------------------------------

def get_survey(survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise NotFoundError(_("Enquête %(id)s introuvable", id=survey_id))
    return survey


def surveys_query(scope: Scope) -> Select:
    """Surveys an actor may list: mediators see the open and closed ones only (not drafts).
    Built once per kind of reader (isp.database.built_once): lists paginate it with
    ``values={}`` (issue 23.3)."""
    return _surveys_statement(scope.role in (Role.ADMIN, Role.ANALYST))


@built_once
def _surveys_statement(with_drafts: bool) -> Select:
    statement = select(Survey).order_by(Survey.created_at.desc(), Survey.id.desc())
    if not with_drafts:
        statement = statement.where(Survey.state != State.DRAFT)
    return statement


def visible_survey(survey_id: int, scope: Scope) -> Survey:
    survey = get_survey(survey_id)
    if survey.state == State.DRAFT and scope.role not in (Role.ADMIN, Role.ANALYST):
        raise NotFoundError(_("Enquête %(id)s introuvable", id=survey_id))
    return survey


def create_survey(data: dict, actor: User) -> Survey:
    """A draft survey from ``data`` (SURVEY_KEYS; ``questions`` optional, as add_question)."""
    role = Role(actor.role)
    if role not in BUILDER_ROLES:
        raise DomainError(_("Seuls l'administrateur et les analystes construisent une enquête"),
                          status=403)
    try:
        audience = Audience(data.get("audience"))
    except ValueError:
        raise DomainError(_("Public inconnu : habitants ou professionnels"), field="audience",
                          status=400) from None
    survey = Survey(title_fr=_text(data, "title_fr", max_length=200),
                    title_en=_text(data, "title_en", max_length=200),
                    intro_fr=_text(data, "intro_fr", max_length=2000, required=False),
                    intro_en=_text(data, "intro_en", max_length=2000, required=False),
                    audience=audience.value, state=State.DRAFT.value, owner_role=role.value,
                    created_by_id=actor.id,
                    all_associations=_flag(data, "all_associations"))
    _set_targets(survey, audience, data)
    questions = data.get("questions") or []
    if not isinstance(questions, list):
        raise DomainError(_("Une liste de questions est attendue"), field="questions",
                          status=400)
    db.session.add(survey)
    for index, question in enumerate(questions):
        add_question(survey, question, prefix=f"questions[{index}].")
    db.session.flush()
    return survey


def _set_targets(survey: Survey, audience: Audience, data: dict) -> None:
    building_codes = _codes(data, "buildings")
    association_codes = _codes(data, "associations")
    if audience is Audience.RESIDENTS:
        if association_codes or survey.all_associations:
            raise DomainError(_("Une enquête auprès des habitants vise des immeubles, pas des "
                                "associations"), field="associations", status=400)
        if not building_codes:
            raise DomainError(_("Choisissez au moins un immeuble"), field="buildings",
                              status=400)
        buildings = list(db.session.execute(
            select(Building).where(Building.code.in_(building_codes))).scalars())
        missing = sorted(set(building_codes) - {b.code for b in buildings})
        if missing:
            raise DomainError(_("Immeuble inconnu : %(code)s", code=missing[0]),
                              field="buildings", status=400)
        survey.buildings = buildings
        return
    if building_codes:
        raise DomainError(_("Une enquête auprès des professionnels vise des associations, pas "
                            "des immeubles"), field="buildings", status=400)
    if survey.all_associations:
        if association_codes:
            raise DomainError(_("Toutes les associations, ou une liste : pas les deux"),
                              field="associations", status=400)
        return
    if not association_codes:
        raise DomainError(_("Choisissez au moins une association, ou toutes"),
                          field="associations", status=400)
    associations = list(db.session.execute(
        select(Association).where(Association.code.in_(association_codes))).scalars())
    missing = sorted(set(association_codes) - {a.code for a in associations})
    if missing:
        raise DomainError(_("Association inconnue : %(code)s", code=missing[0]),
                          field="associations", status=400)
    survey.associations = associations


def check_draft(survey: Survey) -> None:
    if survey.state != State.DRAFT:
        raise DomainError(_("Les questions ne changent plus une fois l'enquête ouverte"),
                          status=409)


def add_question(survey: Survey, data: dict, *, prefix: str = "") -> SurveyQuestion:
    """Append a question (draft only). Field names of refusals carry ``prefix``."""
    check_draft(survey)
    if not isinstance(data, dict):
        raise DomainError(_("Une question est un objet"), field=prefix.rstrip(".") or "kind",
                          status=400)
    unknown = sorted(set(data) - set(QUESTION_KEYS))
    if unknown:
        raise DomainError(_("Champ inconnu : %(field)s", field=unknown[0]),
                          field=prefix + unknown[0], status=400)
    if len(survey.questions) >= MAX_QUESTIONS:
        raise DomainError(_("%(max)s questions au plus", max=MAX_QUESTIONS),
                          field=prefix + "kind", status=400)
    try:
        kind = Kind(data.get("kind"))
    except ValueError:
        raise DomainError(_("Type de question inconnu"), field=prefix + "kind",
                          status=400) from None
    question = SurveyQuestion(
        kind=kind.value, position=len(survey.questions) + 1,
        text_fr=_text(data, "text_fr", max_length=500, field_name=prefix + "text_fr"),
        text_en=_text(data, "text_en", max_length=500, field_name=prefix + "text_en"),
        required=_flag(data, "required", prefix + "required"))
    options = data.get("options") or []
    if kind in (Kind.SINGLE, Kind.MULTIPLE):
        if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
            raise DomainError(_("De 2 à %(max)s réponses possibles", max=MAX_OPTIONS),
                              field=prefix + "options", status=400)
        for index, option in enumerate(options):
            name = f"{prefix}options[{index}]."
            if not isinstance(option, dict):
                raise DomainError(_("Une réponse possible a un libellé en français et en "
                                    "anglais"), field=prefix + "options", status=400)
            question.options.append(SurveyOption(
                position=index + 1,
                label_fr=_text(option, "label_fr", max_length=200, field_name=name + "label_fr"),
                label_en=_text(option, "label_en", max_length=200,
                               field_name=name + "label_en")))
    elif options:
        raise DomainError(_("Seules les questions à choix ont des réponses possibles"),
                          field=prefix + "options", status=400)
    if kind is Kind.SCALE:
        low, high = data.get("scale_min", 1), data.get("scale_max", 5)
        if (not isinstance(low, int) or not isinstance(high, int) or isinstance(low, bool)
                or isinstance(high, bool) or not SCALE_MIN <= low < high <= SCALE_MAX
                or high - low > 10):
            raise DomainError(_("Une échelle va d'un entier à un plus grand, entre %(low)s et "
                                "%(high)s", low=SCALE_MIN, high=SCALE_MAX),
                              field=prefix + "scale_max", status=400)
        question.scale_min, question.scale_max = low, high
        for key in ("scale_low_fr", "scale_low_en", "scale_high_fr", "scale_high_en"):
            setattr(question, key, _text(data, key, max_length=100, required=False,
                                         field_name=prefix + key))
    survey.questions.append(question)
    return question


def delete_question(survey: Survey, question_id: int) -> None:
    check_draft(survey)
    question = next((q for q in survey.questions if q.id == question_id), None)
    if question is None:
        raise NotFoundError(_("Question introuvable"))
    survey.questions.remove(question)
    for position, remaining in enumerate(survey.questions, start=1):
        remaining.position = position
    db.session.flush()


def open_survey(survey: Survey) -> None:
    if survey.state != State.DRAFT:
        raise DomainError(_("Seul un brouillon peut être ouvert"), status=409)
    if not survey.questions:
        raise DomainError(_("Ajoutez au moins une question avant d'ouvrir l'enquête"),
                          status=409)
    survey.state = State.OPEN.value
    survey.opened_on = today()
    db.session.flush()


def close_survey(survey: Survey) -> None:
    if survey.state != State.OPEN:
        raise DomainError(_("Seule une enquête ouverte peut être clôturée"), status=409)
    survey.state = State.CLOSED.value
    survey.closed_on = today()
    db.session.flush()


# --- links ----------------------------------------------------------------------------------

def _new_token() -> str:
    return secrets.token_urlsafe(24)


def _check_links_allowed(survey: Survey) -> None:
    if survey.state == State.CLOSED:
        raise DomainError(_("L'enquête est clôturée : plus de nouveaux liens"), status=409)


def target_households(survey: Survey):
    """Current households of the survey's buildings (not anonymised)."""
    building_ids = [b.id for b in survey.buildings]
    return (select(Household).join(Household.unit)
            .where(Unit.building_id.in_(building_ids), Household.moved_out_on.is_(None),
                   Household.anonymised_at.is_(None)).order_by(Household.unit_code))


def generate_household_links(survey: Survey) -> int:
    """One link per current household of the chosen buildings; idempotent. Returns new ones."""
    if survey.audience != Audience.RESIDENTS:
        raise DomainError(_("Les liens par foyer sont pour les enquêtes auprès des habitants"),
                          status=409)
    _check_links_allowed(survey)
    existing = set(db.session.execute(select(SurveyLink.household_id).where(
        SurveyLink.survey_id == survey.id, SurveyLink.household_id.is_not(None))).scalars())
    created = 0
    for household in db.session.execute(target_households(survey)).scalars():
        if household.id not in existing:
            db.session.add(SurveyLink(survey_id=survey.id, token=_new_token(),
                                      household_id=household.id))
            created += 1
    db.session.flush()
    return created


def target_associations(survey: Survey) -> list[Association]:
    if survey.all_associations:
        return list(db.session.execute(select(Association).order_by(Association.code))
                    .scalars())
    return list(survey.associations)


def generate_member_links(survey: Survey) -> int:
    """One link per enabled mediator of the chosen associations; idempotent."""
    _check_professionals(survey)
    association_ids = [a.id for a in target_associations(survey)]
    existing = set(db.session.execute(select(SurveyLink.user_id).where(
        SurveyLink.survey_id == survey.id, SurveyLink.user_id.is_not(None))).scalars())
    members = db.session.execute(select(User).where(
        User.role == Role.MEDIATOR, User.is_enabled.is_(True),
        User.association_id.in_(association_ids)).order_by(User.id)).scalars()
    created = 0
    for member in members:
        if member.id not in existing:
            db.session.add(SurveyLink(survey_id=survey.id, token=_new_token(),
                                      user_id=member.id, association_id=member.association_id))
            created += 1
    db.session.flush()
    return created


def generate_anonymous_links(survey: Survey, count: int) -> int:
    """``count`` links naming nobody, to hand out at a meeting of professionals."""
    _check_professionals(survey)
    if not isinstance(count, int) or isinstance(count, bool) \
            or not 1 <= count <= MAX_ANONYMOUS_LINKS:
        raise DomainError(_("De 1 à %(max)s liens", max=MAX_ANONYMOUS_LINKS), field="count",
                          status=400)
    for _index in range(count):
        db.session.add(SurveyLink(survey_id=survey.id, token=_new_token()))
    db.session.flush()
    return count


def _check_professionals(survey: Survey) -> None:
    if survey.audience != Audience.PROFESSIONALS:
        raise DomainError(_("Ces liens sont pour les enquêtes auprès des professionnels"),
                          status=409)
    _check_links_allowed(survey)


def links_query(survey: Survey, scope: Scope):
    """The survey's links an actor may print: mediators, their households' and their members'."""
    statement = select(SurveyLink).where(SurveyLink.survey_id == survey.id)
    if scope.is_mediator:
        if survey.audience == Audience.RESIDENTS:
            statement = statement.where(SurveyLink.household_id.in_(
                select(Household.id).where(assigned_to_association(scope.association_id))))
        else:
            statement = statement.where(SurveyLink.association_id == scope.association_id,
                                        SurveyLink.user_id.is_not(None))
    return statement.order_by(SurveyLink.id)


def own_link(survey: Survey, actor: User) -> SurveyLink | None:
    """A professional's own link to this survey (shown to them on the survey's page)."""
    if survey.audience != Audience.PROFESSIONALS or actor.role != Role.MEDIATOR:
        return None
    return db.session.execute(select(SurveyLink).where(
        SurveyLink.survey_id == survey.id, SurveyLink.user_id == actor.id)).scalar_one_or_none()


def link_by_token(token: str) -> SurveyLink:
    link = None
    if token and len(token) <= 64:
        link = db.session.execute(select(SurveyLink).where(SurveyLink.token == token)
                                  ).scalar_one_or_none()
    if link is None:
        raise NotFoundError(_("Ce lien d'enquête n'existe pas"))
    return link


def link_for_staff(survey: Survey, link_id: int, scope: Scope) -> SurveyLink:
    """A household's link a staff member fills in with the household (mediators: theirs)."""
    link = db.session.execute(links_query(survey, scope).where(SurveyLink.id == link_id)
                              ).scalar_one_or_none()
    if link is None or link.household_id is None:
        raise NotFoundError(_("Lien introuvable"))
    return link


# --- answering ----------------------------------------------------------------------------------

@dataclass
class AnswerErrors(Exception):
    """Refusals by question field (``q<id>``), shown beside each question."""

    fields: dict[str, str] = field(default_factory=dict)


def check_answerable(link: SurveyLink) -> None:
    if link.survey.state != State.OPEN:
        raise DomainError(_("Cette enquête n'est pas ouverte aux réponses"), status=409)
    if link.used:
        raise DomainError(_("Une réponse a déjà été donnée avec ce lien. Merci !"), status=409)


def _parse(question: SurveyQuestion, values: list[str]) -> list[SurveyAnswer]:
    values = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    if not values:
        if question.required:
            raise ValueError(_("Une réponse est demandée"))
        return []
    kind = Kind(question.kind)
    if kind in (Kind.SINGLE, Kind.MULTIPLE):
        by_id = {str(o.id): o for o in question.options}
        if kind is Kind.SINGLE and len(values) > 1:
            raise ValueError(_("Une seule réponse"))
        if any(v not in by_id for v in values):
            raise ValueError(_("Réponse inconnue"))
        return [SurveyAnswer(question_id=question.id, option_id=by_id[v].id)
                for v in sorted(set(values), key=int)]
    if len(values) > 1:
        raise ValueError(_("Une seule réponse"))
    if kind is Kind.SCALE:
        try:
            value = int(values[0])
        except ValueError:
            raise ValueError(_("Une valeur de l'échelle")) from None
        if not question.scale_min <= value <= question.scale_max:
            raise ValueError(_("Une valeur de l'échelle"))
        return [SurveyAnswer(question_id=question.id, value=value)]
    if len(values[0]) > TEXT_ANSWER_MAX:
        raise ValueError(_("%(max)s caractères au plus", max=TEXT_ANSWER_MAX))
    return [SurveyAnswer(question_id=question.id, text=values[0])]


def submit(link: SurveyLink, raw: dict[str, list[str]], *, by_staff: bool = False
           ) -> SurveyResponse:
    """Record one response through ``link`` (``raw``: ``q<id>`` → values). One per link: the
    link is marked used in the same statement that checks it (a second submit, even at the
    same time on PostgreSQL, is refused)."""
    check_answerable(link)
    survey = link.survey
    errors: dict[str, str] = {}
    answers: list[SurveyAnswer] = []
    for question in survey.questions:
        try:
            answers.extend(_parse(question, raw.get(f"q{question.id}", [])))
        except ValueError as error:
            errors[f"q{question.id}"] = str(error)
    if errors:
        raise AnswerErrors(errors)
    if not answers:
        raise AnswerErrors({f"q{survey.questions[0].id}": _("Répondez à au moins une question")})
    claimed = db.session.execute(update(SurveyLink).where(
        SurveyLink.id == link.id, SurveyLink.used.is_(False)).values(used=True)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise DomainError(_("Une réponse a déjà été donnée avec ce lien. Merci !"), status=409)
    response = SurveyResponse(survey_id=survey.id, mode=MODE_STAFF if by_staff else MODE_LINK,
                              submitted_on=today(), answers=answers)
    db.session.add(response)
    db.session.flush()
    db.session.refresh(link)
    return response


def check_may_collect(survey: Survey, scope: Scope) -> None:
    """Staff collect residents' answers only (professionals answer through their link)."""
    if survey.audience != Audience.RESIDENTS:
        raise DomainError(_("Les professionnels répondent avec leur propre lien"), status=409)
    if not scope.sees_personal_data:
        raise NotFoundError(_("Introuvable"))
