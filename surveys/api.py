"""JSON API of the needs surveys: list, create with questions, one survey, open, close, links,
results (aggregates, small cells suppressed; free texts for the owner role only)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from isp.auth import Scope, current_actor, require_role
from isp.choices import Role
from isp.database import built_once
from isp.disclosure import SMALL_CELL
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.openapi import documented
from isp.pagination import api_list
from isp.validation import body_schema, json_body
from surveys import results as survey_results
from surveys import services
from surveys.models import Survey
from surveys.schemas import LinksOut, ResultsOut, SurveyOut

bp = Blueprint("surveys_api", __name__, url_prefix="/api/v1")

BUILDERS = (Role.ANALYST,)
_TEXT = {"type": "string"}
_CODES = {"type": "array", "items": {"type": "string"}}
_QUESTION = {"type": "object", "properties": {
    "kind": {"type": "string", "enum": ["single", "multiple", "scale", "text"]},
    "text_fr": _TEXT, "text_en": _TEXT, "required": {"type": "boolean"},
    "options": {"type": "array", "items": {"type": "object", "properties": {
        "label_fr": _TEXT, "label_en": _TEXT}, "required": ["label_fr", "label_en"]}},
    "scale_min": {"type": "integer"}, "scale_max": {"type": "integer"},
    "scale_low_fr": _TEXT, "scale_low_en": _TEXT, "scale_high_fr": _TEXT,
    "scale_high_en": _TEXT}, "required": ["kind", "text_fr", "text_en"]}
CREATE_BODY = body_schema(
    required=("title_fr", "title_en", "audience"), title_fr=_TEXT, title_en=_TEXT,
    intro_fr=_TEXT, intro_en=_TEXT,
    audience={"type": "string", "enum": ["residents", "professionals"]}, buildings=_CODES,
    associations=_CODES, all_associations={"type": "boolean"},
    questions={"type": "array", "items": _QUESTION})
LINKS_BODY = body_schema(required=("kind",),
                         kind={"type": "string", "enum": ["households", "members", "anonymous"]},
                         count={"type": "integer"})
READERS = (Role.ANALYST, Role.OPERATOR, Role.MEDIATOR)
RESULT_READERS = (Role.ANALYST, Role.OPERATOR)
DISTRIBUTORS = (Role.OPERATOR,)


def survey_json(survey: Survey, *, with_questions: bool = False) -> dict:
    data = {"id": survey.id, "title_fr": survey.title_fr, "title_en": survey.title_en,
            "intro_fr": survey.intro_fr, "intro_en": survey.intro_en,
            "audience": survey.audience, "state": survey.state, "owner_role": survey.owner_role,
            "buildings": [b.code for b in survey.buildings],
            "associations": [a.code for a in survey.associations],
            "all_associations": survey.all_associations,
            "opened_on": survey.opened_on.isoformat() if survey.opened_on else None,
            "closed_on": survey.closed_on.isoformat() if survey.closed_on else None}
    if with_questions:
        data["questions"] = [
            {"id": q.id, "position": q.position, "kind": q.kind, "text_fr": q.text_fr,
             "text_en": q.text_en, "required": q.required, "scale_min": q.scale_min,
             "scale_max": q.scale_max, "scale_low_fr": q.scale_low_fr,
             "scale_low_en": q.scale_low_en, "scale_high_fr": q.scale_high_fr,
             "scale_high_en": q.scale_high_en,
             "options": [{"id": o.id, "label_fr": o.label_fr, "label_en": o.label_en}
                         for o in q.options]}
            for q in survey.questions]
    return data


@bp.get("/surveys")
@require_role(*READERS, scope="all")
@documented(items=SurveyOut)
def list_surveys():
    """Surveys, newest first (mediators and operators: not the drafts)."""
    return api_list(_list_statement(services.surveys_query(Scope.of(current_actor()))),
                    survey_json, values={})


@built_once
def _list_statement(surveys: Select) -> Select:
    # The page's buildings and associations at once (were two statements per survey); built
    # once per kind of reader's statement (isp.database.built_once).
    return surveys.options(selectinload(Survey.buildings), selectinload(Survey.associations))


@bp.post("/surveys")
@require_role(*BUILDERS, scope="all")
@documented(CREATE_BODY, response=SurveyOut)
def create():
    """A draft survey with its questions (``title_fr``, ``title_en``, ``audience``,
    ``buildings`` or ``associations``/``all_associations``, ``questions``)."""
    data = json_body(allowed=services.SURVEY_KEYS)
    with db.session.begin_nested():
        survey = services.create_survey(data, current_actor())
    db.session.commit()
    return jsonify(survey_json(survey, with_questions=True)), 201


@bp.get("/surveys/<int:survey_id>")
@require_role(*READERS, scope="all")
@documented(response=SurveyOut)
def get_one(survey_id: int):
    survey = services.visible_survey(survey_id, Scope.of(current_actor()))
    return jsonify(survey_json(survey, with_questions=True))


@bp.post("/surveys/<int:survey_id>/open")
@require_role(*BUILDERS, scope="all")
@documented(response=SurveyOut)
def open_(survey_id: int):
    """Open a draft to answers (its questions are then fixed)."""
    survey = services.get_survey(survey_id)
    services.open_survey(survey)
    db.session.commit()
    return jsonify(survey_json(survey))


@bp.post("/surveys/<int:survey_id>/close")
@require_role(*BUILDERS, scope="all")
@documented(response=SurveyOut)
def close(survey_id: int):
    survey = services.get_survey(survey_id)
    services.close_survey(survey)
    db.session.commit()
    return jsonify(survey_json(survey))


@bp.post("/surveys/<int:survey_id>/links")
@require_role(*DISTRIBUTORS, scope="all")
@documented(LINKS_BODY, response=LinksOut)
def generate_links(survey_id: int):
    """Answer links: ``{"kind": "households"|"members"|"anonymous", "count": N}``."""
    survey = services.visible_survey(survey_id, Scope.of(current_actor()))
    data = json_body(allowed=("kind", "count"))
    created = _generate(survey, data.get("kind"), data.get("count"))
    db.session.commit()
    return jsonify({"created": created}), 201


def _generate(survey: Survey, kind, count) -> int:
    if kind == "households":
        return services.generate_household_links(survey)
    if kind == "members":
        return services.generate_member_links(survey)
    if kind == "anonymous":
        return services.generate_anonymous_links(survey, count)
    raise DomainError(_("Type de liens inconnu : households, members ou anonymous."),
                      field="kind", status=400)


@bp.get("/surveys/<int:survey_id>/results")
@require_role(*RESULT_READERS, scope="aggregates")
@documented(response=ResultsOut)
def results(survey_id: int):
    """Counts per option and scale distributions, rounded to 5, under 5 suppressed (None);
    ``texts`` only for the owner role (and the administrator)."""
    actor = current_actor()
    survey = services.visible_survey(survey_id, Scope.of(actor))
    figures = survey_results.survey_results(survey)
    body = {"survey_id": survey.id, "state": survey.state, "small_cell_threshold": SMALL_CELL,
            "responses": figures.responses, "suppressed": figures.suppressed,
            "questions": [
                {"id": r.question.id, "kind": r.question.kind, "answered": r.answered,
                 "mean": r.mean,
                 "cells": [{"label_fr": c.label_fr, "label_en": c.label_en, "count": c.count,
                            "percent": c.percent, "suppressed": c.suppressed}
                           for c in r.cells]}
                for r in figures.questions]}
    if survey_results.may_read_texts(actor, survey) and not figures.suppressed:
        body["texts"] = [{"question_id": q.id, "texts": texts}
                         for q, texts in survey_results.free_texts(survey)]
    return jsonify(body)
