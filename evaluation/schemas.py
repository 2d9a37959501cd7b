"""What the evaluation API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from pydantic import Field, create_model

from evaluation.fragility import DEFAULT_WEIGHTS
from isp.query import Query

#: The month's checks stay with ``queries.parse_period`` (a 422, as for the pages' forms).
PERIOD = Field(None, json_schema_extra={"pattern": r"^\d{4}-(0[1-9]|1[0-2])$"})


class FiguresQuery(Query):
    """The month of the figures (``YYYY-MM``, default: the latest published)."""

    period: str | None = PERIOD


#: The ranking asked, on the districts' page and in the API: ``method``, ``reference`` and one
#: weight ``w_<indicator>`` per indicator (a number 0..10, ``,`` or ``.``); their values are
#: checked by ``fragility.parse_weights`` and ``fragility.ranking`` (422).
FragilityQuery = create_model(
    "FragilityQuery", __base__=Query,
    method=(str, Field("mednum", max_length=20,
                       json_schema_extra={"enum": ["mednum", "weighted"]})),
    reference=(str, Field("all", max_length=40)),
    **{f"w_{indicator}": (str | None, Field(
        None, max_length=20, json_schema_extra={"pattern": r"^\d+([.,]\d+)?$"}))
       for indicator in DEFAULT_WEIGHTS})
