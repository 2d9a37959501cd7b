"""The demand signal: requests counted per district (published function, issue 21 item 3).

Used beside the fragility index (ranking page) and on the scenario page. A request counts with
its supporters (the later submissions for the same address); refused requests do not count.
Requests whose district is unknown are not counted until an operator places them.
"""

from __future__ import annotations

from sqlalchemy import func, select

from isp.database import built_once
from isp.disclosure import is_small, round_count
from isp.extensions import db
from outreach.choices import RequestStatus
from outreach.models import ServiceRequest
from subscribers.models import District


def requests_by_district() -> dict[str, int]:
    """District code → number of requests and supports (exact: apply
    ``isp.disclosure`` before showing it to analysts or the public)."""
    rows = db.session.execute(_requests_by_district_statement()).all()
    return {code: int(count) + int(supporters) for code, count, supporters in rows}


@built_once
def _requests_by_district_statement():
    # The analysts' pages read it: built once (isp.database.built_once).
    return (select(District.code, func.count(ServiceRequest.id),
                   func.coalesce(func.sum(ServiceRequest.supporters), 0))
            .join(District, ServiceRequest.district_id == District.id)
            .where(ServiceRequest.status != RequestStatus.REFUSED)
            .group_by(District.code))


def published_by_district() -> dict[str, int | None]:
    """District code → requests and supports as analysts and the public see them: ``None`` when
    suppressed (1 to 4), else rounded to 5. Districts without a request are absent (0). The
    ranking (page, API, CSV), the scenarios and the map read this."""
    return {code: published(count) for code, count in requests_by_district().items()}


def published(count: int | None) -> int | None:
    """A count as analysts and the public see it: None when small (< 5), else rounded to 5
    (``isp.disclosure``, the one home of that rule)."""
    if not count:
        return 0
    return None if is_small(count) else round_count(count)
