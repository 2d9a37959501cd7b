"""What the impact API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from typing import Literal

from impact.choices import GROUPINGS, Stage
from isp.query import Query


class DueQuery(Query):
    """The households with a stage due, on the page and in the API: one stage, or any."""

    stage: Stage | None = None


class IndicatorsQuery(Query):
    """How the indicators are grouped, on the page, its CSV and in the API."""

    by: Literal[tuple(GROUPINGS)] = "cohort"  # type: ignore[valid-type]
