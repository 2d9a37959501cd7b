"""Impact's part of the retention rules (docs/design.md §3.8, isp/gdpr.py).

The answers are personal data of the household: they are exported with it (the GDPR export
takes every table with a ``household_id``) and follow its identity's retention. When the
household is anonymised (3 years after its last subscription ends, or on request), the link
is cut: the answers keep their building and connection date for the aggregates only, and no
longer say whose they were (no free text is stored, nothing else names the household).
"""

from __future__ import annotations

from sqlalchemy import select, update

from impact.models import ImpactAnswer
from impact.services import connection_dates
from isp.extensions import db


def anonymise_household_impact(household_id: int, identity=None) -> int:
    """Cut the answers' link to the household (the connection date frozen first); returns the
    number of answers concerned. ``identity`` is accepted like the other domains' functions
    (the answers hold no free text to scrub)."""
    connected = connection_dates([household_id]).get(household_id)
    ids = list(db.session.execute(select(ImpactAnswer.id).where(
        ImpactAnswer.household_id == household_id)).scalars())
    if not ids:
        return 0
    values = {"household_id": None}
    if connected is not None:
        values["connected_on"] = connected
    db.session.execute(update(ImpactAnswer).where(ImpactAnswer.id.in_(ids)).values(**values)
                       .execution_options(synchronize_session="fetch"))
    db.session.flush()
    return len(ids)
