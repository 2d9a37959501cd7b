"""What the mediation API accepts in its query strings and answers (isp.query, isp.openapi)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from isp.query import Query
from mediation import proposals


class AssociationQuery(Query):
    """The association list's search, on the page (/associations) and in the API."""

    q: str | None = Field(None, max_length=200)


class SlotQuery(Query):
    """The slots' filters: an association code, and ``from``/``to`` (a date, or an ISO time;
    without a zone, Paris time)."""

    association: str | None = Field(None, max_length=30)
    start: str | None = Field(None, alias="from", max_length=40)
    end: str | None = Field(None, alias="to", max_length=40)


class ProposalQuery(Query):
    """The proposals' filters, on the page (``queue``) and in the API: ``status`` (empty: any,
    absent: waiting for an answer) and ``queue=1`` (those no mediator has taken)."""

    status: Literal[("", *proposals.STATUS_LABELS)] = proposals.PROPOSED  # type: ignore[valid-type]
    queue: Literal["0", "1"] = "0"


class FollowedFiguresQuery(Query):
    """How many months of activations the figures cover."""

    months: int = Field(12, ge=1, le=24)
