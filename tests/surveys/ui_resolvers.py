"""URL values of the survey pages for the browser tests (tests/ui/discovery.py)."""

from __future__ import annotations

from sqlalchemy import select


def _residents_survey_id(ctx):
    """The demo's residents' survey (closed: every role that reads surveys may open it)."""
    from surveys.models import Survey

    return ctx.first(select(Survey.id).where(Survey.audience == "residents",
                                             Survey.state != "draft").order_by(Survey.id))


def _link_id(ctx):
    """A household's link of that survey that the role may collect (mediators: theirs)."""
    from subscribers.models import Household
    from subscribers.services import assigned_to_association
    from surveys.models import SurveyLink

    survey_id = _residents_survey_id(ctx)
    if survey_id is None or ctx.user is None:
        return None
    statement = select(SurveyLink.id).where(SurveyLink.survey_id == survey_id,
                                            SurveyLink.household_id.is_not(None))
    if ctx.is_mediator:
        statement = statement.where(SurveyLink.household_id.in_(
            select(Household.id).where(assigned_to_association(ctx.user.association_id))))
    return ctx.first(statement.order_by(SurveyLink.id))


def _token(ctx):
    """An unused link of the open survey: the public page shows the questions."""
    from surveys.models import Survey, SurveyLink

    return ctx.first(select(SurveyLink.token).join(Survey, Survey.id == SurveyLink.survey_id)
                     .where(Survey.state == "open", SurveyLink.used.is_(False))
                     .order_by(SurveyLink.id))


RESOLVERS = {
    "survey_id": _residents_survey_id,
    "link_id": _link_id,
    "enquete.token": _token,
}
