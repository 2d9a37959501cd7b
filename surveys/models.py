"""Needs surveys: questionnaires, their questions, answer links and anonymous responses.

A response is never linked to a person: ``SurveyResponse`` has no link, household or user.
The link (``SurveyLink``) only says whether it was used, so that one link gives one answer;
a household's links lose their household at its anonymisation (surveys.retention).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime


class Survey(db.Model):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_fr: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    intro_fr: Mapped[str] = mapped_column(Text, default="")
    intro_en: Mapped[str] = mapped_column(Text, default="")
    #: ``surveys.choices.Audience``.
    audience: Mapped[str] = mapped_column(String(20))
    #: ``surveys.choices.State``.
    state: Mapped[str] = mapped_column(String(10), default="draft")
    #: The creator's role (admin or analyst): only it (and the admin) reads the free texts.
    owner_role: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    #: Professionals: every association when True, else the chosen ones.
    all_associations: Mapped[bool] = mapped_column(Boolean, default=False)

    questions = relationship("SurveyQuestion", order_by="SurveyQuestion.position",
                             cascade="all, delete-orphan", back_populates="survey")
    buildings = relationship("Building", secondary="survey_buildings", order_by="Building.code")
    associations = relationship("Association", secondary="survey_associations",
                                order_by="Association.code")
    created_by = relationship("User")


class SurveyBuilding(db.Model):
    __tablename__ = "survey_buildings"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"),
                                           primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), primary_key=True)


class SurveyAssociation(db.Model):
    __tablename__ = "survey_associations"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"),
                                           primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id"), primary_key=True)


class SurveyQuestion(db.Model):
    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"),
                                           index=True)
    position: Mapped[int] = mapped_column()
    #: ``surveys.choices.Kind``.
    kind: Mapped[str] = mapped_column(String(10))
    text_fr: Mapped[str] = mapped_column(String(500))
    text_en: Mapped[str] = mapped_column(String(500))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    scale_min: Mapped[int | None] = mapped_column()
    scale_max: Mapped[int | None] = mapped_column()
    scale_low_fr: Mapped[str] = mapped_column(String(100), default="")
    scale_low_en: Mapped[str] = mapped_column(String(100), default="")
    scale_high_fr: Mapped[str] = mapped_column(String(100), default="")
    scale_high_en: Mapped[str] = mapped_column(String(100), default="")

    survey = relationship("Survey", back_populates="questions")
    options = relationship("SurveyOption", order_by="SurveyOption.position",
                           cascade="all, delete-orphan")

    def text(self, locale: str) -> str:
        return self.text_en if locale == "en" and self.text_en else self.text_fr

    def low(self, locale: str) -> str:
        return self.scale_low_en if locale == "en" and self.scale_low_en else self.scale_low_fr

    def high(self, locale: str) -> str:
        return self.scale_high_en if locale == "en" and self.scale_high_en else self.scale_high_fr


class SurveyOption(db.Model):
    __tablename__ = "survey_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    label_fr: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))

    def label(self, locale: str) -> str:
        return self.label_en if locale == "en" and self.label_en else self.label_fr


class SurveyLink(db.Model):
    """A personal answer link: one per household, per association member, or anonymous.

    Holds whether it was used, never which response it gave.
    """

    __tablename__ = "survey_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"),
                                           index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    #: Residents' links: the household (cut at its anonymisation).
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    #: Professionals' links: the association member (None for an anonymous link).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: The association of a member's link, or of an anonymous link (None: any).
    association_id: Mapped[int | None] = mapped_column(ForeignKey("associations.id"))
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    survey = relationship("Survey")
    household = relationship("Household")
    user = relationship("User")
    association = relationship("Association")


class SurveyResponse(db.Model):
    """One person's answers. Deliberately without link, household, user or time of day."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"),
                                           index=True)
    #: ``surveys.choices.MODE_LINK`` or ``MODE_STAFF``.
    mode: Mapped[str] = mapped_column(String(10))
    submitted_on: Mapped[date] = mapped_column(Date)

    answers = relationship("SurveyAnswer", cascade="all, delete-orphan")


class SurveyAnswer(db.Model):
    """One answer: an option (one row per chosen option), a scale value or a text."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id", "option_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True)
    option_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_options.id", ondelete="CASCADE"))
    value: Mapped[int | None] = mapped_column()
    text: Mapped[str | None] = mapped_column(Text)
