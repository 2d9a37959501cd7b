"""Results of a survey: counts per option and scale distributions, small cells suppressed
(isp.disclosure, as every aggregate); free texts for the owner role only, exported
without any identifier for the qualitative study."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from sqlalchemy import func, select

from isp import csvexport
from isp.choices import Role
from isp.disclosure import is_small, ratio, round_count
from isp.extensions import db
from isp.models import User
from surveys.choices import Kind
from surveys.models import Survey, SurveyAnswer, SurveyLink, SurveyQuestion, SurveyResponse


@dataclass
class Cell:
    """One published count: ``count`` is rounded to 5, None when suppressed (< 5)."""

    label_fr: str
    label_en: str
    count: int | None
    percent: float | None = None

    @property
    def suppressed(self) -> bool:
        return self.count is None

    def label(self, locale: str) -> str:
        return self.label_en if locale == "en" and self.label_en else self.label_fr


@dataclass
class QuestionResult:
    question: SurveyQuestion
    #: People who answered this question (rounded; None when fewer than 5).
    answered: int | None
    cells: list[Cell] = field(default_factory=list)
    #: Scale: mean computed from the published (rounded) counts.
    mean: float | None = None


@dataclass
class SurveyResults:
    survey: Survey
    responses: int | None
    links: int
    suppressed: bool
    questions: list[QuestionResult]


def _publish(count: int) -> int | None:
    return None if is_small(count) else round_count(count)


def survey_results(survey: Survey) -> SurveyResults:
    """Every figure an analyst sees. Under 5 responses in all, nothing but that is shown."""
    total = db.session.execute(select(func.count(SurveyResponse.id)).where(
        SurveyResponse.survey_id == survey.id)).scalar_one()
    links = db.session.execute(select(func.count(SurveyLink.id)).where(
        SurveyLink.survey_id == survey.id)).scalar_one()
    published_total = _publish(total)
    if published_total is None:
        return SurveyResults(survey, None, links, True, [])
    answered = dict(db.session.execute(
        select(SurveyAnswer.question_id, func.count(func.distinct(SurveyAnswer.response_id)))
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey.id).group_by(SurveyAnswer.question_id)).all())
    by_option = dict(db.session.execute(
        select(SurveyAnswer.option_id, func.count()).join(
            SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey.id, SurveyAnswer.option_id.is_not(None))
        .group_by(SurveyAnswer.option_id)).all())
    by_value = {(q, v): c for q, v, c in db.session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.value, func.count()).join(
            SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey.id, SurveyAnswer.value.is_not(None))
        .group_by(SurveyAnswer.question_id, SurveyAnswer.value)).all()}
    results = []
    for question in survey.questions:
        shown = _publish(answered.get(question.id, 0))
        result = QuestionResult(question, shown)
        kind = Kind(question.kind)
        if shown is not None and kind in (Kind.SINGLE, Kind.MULTIPLE):
            for option in question.options:
                count = _publish(by_option.get(option.id, 0))
                result.cells.append(Cell(option.label_fr, option.label_en, count,
                                         ratio(count, shown)))
        elif shown is not None and kind is Kind.SCALE:
            weighted = counted = 0
            for value in range(question.scale_min, question.scale_max + 1):
                count = _publish(by_value.get((question.id, value), 0))
                result.cells.append(Cell(str(value), str(value), count, ratio(count, shown)))
                if count:
                    weighted += value * count
                    counted += count
            result.mean = round(weighted / counted, 1) if counted else None
        results.append(result)
    return SurveyResults(survey, published_total, links, False, results)


def may_read_texts(actor: User, survey: Survey) -> bool:
    """Free texts belong to the role that built the survey; the administrator sees everything
    (docs/design.md §1)."""
    return actor.role in (survey.owner_role, Role.ADMIN)


def free_texts(survey: Survey) -> list[tuple[SurveyQuestion, list[str]]]:
    """The texts per question, sorted alphabetically (the order of arrival would date them)."""
    rows = db.session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.text).join(
            SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey.id, SurveyAnswer.text.is_not(None))).all()
    texts: dict[int, list[str]] = {}
    for question_id, text in rows:
        texts.setdefault(question_id, []).append(text)
    return [(q, sorted(texts.get(q.id, []), key=str.casefold)) for q in survey.questions
            if q.kind == Kind.TEXT]


def texts_csv(survey: Survey) -> str:
    """One free text a line: the question and the text, no household, person, date or link.

    Texts are shuffled by sorting them, like on the page; the question number lets the
    qualitative study group them.
    """
    out = io.StringIO()
    writer = csvexport.writer(out)
    writer.writerow(["survey", "question", "question_fr", "question_en", "answer"])
    for question, texts in free_texts(survey):
        for text in texts:
            writer.writerow([survey.id, question.position, question.text_fr, question.text_en,
                             text])
    return out.getvalue()
