"""What the surveys API answers (isp.openapi): a model per serialised resource."""

from __future__ import annotations

from isp.openapi import Resource


class SurveyOptionOut(Resource):
    id: int
    label_fr: str
    label_en: str


class QuestionOut(Resource):
    id: int
    position: int
    kind: str
    text_fr: str
    text_en: str
    required: bool
    scale_min: int | None
    scale_max: int | None
    scale_low_fr: str | None
    scale_low_en: str | None
    scale_high_fr: str | None
    scale_high_en: str | None
    options: list[SurveyOptionOut]


class SurveyOut(Resource):
    """``survey_json``: a survey, its audience and state (one survey: with its questions)."""

    id: int
    title_fr: str
    title_en: str
    intro_fr: str | None
    intro_en: str | None
    audience: str
    state: str
    owner_role: str
    buildings: list[str]
    associations: list[str]
    all_associations: bool
    opened_on: str | None
    closed_on: str | None
    questions: list[QuestionOut] | None = None


class LinksOut(Resource):
    """How many answer links were generated."""

    created: int


class ResultCellOut(Resource):
    label_fr: str | None
    label_en: str | None
    count: int | None
    percent: float | None
    suppressed: bool


class QuestionResultOut(Resource):
    id: int
    kind: str
    answered: int | None
    mean: float | None
    cells: list[ResultCellOut]


class FreeTextsOut(Resource):
    question_id: int
    texts: list[str]


class ResultsOut(Resource):
    """Counts rounded to 5, under 5 suppressed (null); ``texts`` only for the owner role."""

    survey_id: int
    state: str
    small_cell_threshold: int
    responses: int | None
    suppressed: bool
    questions: list[QuestionResultOut]
    texts: list[FreeTextsOut] | None = None
