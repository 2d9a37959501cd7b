"""Outages of devices: opened, joined to their incident, closed (issue 16.8).

A device's outage opens when it stops answering (``network.poll_store``) and joins the
incident of its farthest failed uplink; each opening and closing sends its signal
(``outage_started`` with the flats cut off, ``outage_ended``); support turns them into
network tickets.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from isp import signals
from isp.extensions import db
from network.models import (
    Device,
    Outage,
)
from network.topology import affected_unit_codes, uplinks_of


def open_outages_of(device_ids: Sequence[int]) -> dict[int, Outage]:
    """The newest open outage of each device, in one query."""
    if not device_ids:
        return {}
    found: dict[int, Outage] = {}
    for outage in db.session.execute(select(Outage).where(
            Outage.device_id.in_(list(device_ids)), Outage.ended_at.is_(None))
            .order_by(Outage.id)).scalars():
        found[outage.device_id] = outage  # the highest id wins
    return found


def _incident_of(device: Device) -> int | None:
    """The open outage of the farthest failed uplink: the incident this outage belongs to."""
    uplinks = uplinks_of(device)
    if not uplinks:
        return None
    found = open_outages_of([d.id for d in uplinks])
    for uplink in reversed(uplinks):  # the farthest failed uplink is the incident's cause
        outage = found.get(uplink.id)
        if outage is not None:
            return outage.incident_outage_id or outage.id
    return None


def open_outage(device: Device, started_at: datetime, cause: str) -> Outage:
    """Open the device's outage, joined to its uplink's incident when it is a failure (the
    caller commits)."""
    incident = _incident_of(device) if cause == "no_answer" else None
    outage = Outage(device_id=device.id, started_at=started_at, cause=cause,
                    incident_outage_id=incident)
    db.session.add(outage)
    db.session.flush()
    signals.outage_started.send(outage, affected_unit_codes=affected_unit_codes(device),
                                incident_outage_id=incident)
    return outage


def close_outage(outage: Outage, ended_at: datetime) -> None:
    """Close the outage at ``ended_at`` and say so (``outage_ended``)."""
    outage.ended_at = ended_at
    db.session.flush()
    signals.outage_ended.send(outage, duration_s=outage.duration_s())
