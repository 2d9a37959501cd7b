"""Surveys' part of the retention rules (docs/design.md §3.8, isp/gdpr.py).

Responses are anonymous from the start (no link, household or user on them). The only
personal data is a household's answer link: at the household's anonymisation its unused
links are deleted (nobody can answer in its name any more) and its used links lose the
household (the count of links used stays for the response rate).
"""

from __future__ import annotations

from sqlalchemy import delete, update

from isp.extensions import db
from surveys.models import SurveyLink


def anonymise_household_surveys(household_id: int, identity=None) -> int:
    """Cut the household's links; returns how many links it had. ``identity`` is accepted like
    the other domains' functions (links hold no free text)."""
    deleted = db.session.execute(delete(SurveyLink).where(
        SurveyLink.household_id == household_id, SurveyLink.used.is_(False))
        .execution_options(synchronize_session="fetch")).rowcount
    cut = db.session.execute(update(SurveyLink).where(SurveyLink.household_id == household_id)
                             .values(household_id=None)
                             .execution_options(synchronize_session="fetch")).rowcount
    db.session.flush()
    return deleted + cut
