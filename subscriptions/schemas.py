"""What the subscriptions API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from pydantic import Field

from isp.openapi import Resource
from isp.query import Query


class SubscriptionQuery(Query):
    """The subscription list's filter: a flat's code."""

    unit: str | None = Field(None, max_length=30)


class LatestJob(Resource):
    """A subscription's latest provisioning job."""

    id: int
    action: str
    state: str


class SubscriptionOut(Resource):
    """``subscription_json``: a subscription and its latest provisioning job."""

    id: int
    household_id: int
    unit_code: str
    plan: str
    tier: str
    status: str
    activated_on: str | None
    terminated_on: str | None
    latest_job: LatestJob | None
