"""Subscribers' part of the retention rules (docs/design.md §3.8, isp/gdpr.py): a household's
identity is kept ``identity_years_after_end`` years after its move-out and its last
subscription's end, then erased everywhere (``isp.gdpr.anonymise_household``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from isp.extensions import db
from isp.gdpr import anonymise_household, years_before
from isp.timeutil import local_date
from subscribers.models import Household, Subscription


def purge_expired(now: datetime, rules: dict) -> dict[str, int]:
    identity_limit = years_before(local_date(now), rules["identity_years_after_end"])
    candidates = db.session.execute(select(Household).where(
        Household.anonymised_at.is_(None), Household.moved_out_on.is_not(None),
        Household.moved_out_on < identity_limit)).scalars().all()
    anonymised = 0
    for household in candidates:
        last_end = db.session.execute(select(Subscription.terminated_on).where(
            Subscription.household_id == household.id).order_by(
            Subscription.terminated_on.desc())).scalars().first()
        if last_end is not None and last_end >= identity_limit:
            continue
        if any(s.terminated_on is None for s in household.subscriptions):
            continue
        anonymise_household(household, actor=None, reason="retention: identity kept 3 years "
                            "after the end", route="job isp.retention_purge")
        anonymised += 1
    return {"households_anonymised": anonymised}
