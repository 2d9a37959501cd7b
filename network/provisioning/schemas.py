"""What the provisioning API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from isp.openapi import Resource
from isp.query import Query
from network.provisioning.queue import ALL_JOB_STATES, JobAction


class JobQuery(Query):
    """The jobs' filters, on the page (/provisioning/jobs: ``unit`` and ``device`` are parts of a
    code) and in the API (/api/v1/provisioning-jobs: ``unit`` is a flat's code, ``state``)."""

    state: Literal[ALL_JOB_STATES] | None = None  # type: ignore[valid-type]
    action: JobAction | None = None
    unit: str | None = Field(None, max_length=30)
    device: str | None = Field(None, max_length=63)


class JobOut(Resource):
    """``job_json``: a provisioning job, its port and its outcome."""

    id: int
    action: str
    state: str
    attempts: int
    error: str | None
    subscription_id: int | None
    unit_code: str | None
    device: str
    interface: str
    created_at: str
    finished_at: str | None
    next_attempt_at: str | None
