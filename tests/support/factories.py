"""Support test data: devices, tickets and a stand-in for network's Outage row."""

from __future__ import annotations

from datetime import datetime

from isp.extensions import db
from tests import factories


def make_device(*, building=None, hostname: str | None = None, ports_for=()):
    """A switch in ``building`` with one port per flat of ``ports_for``."""
    from network.models import Device, Port

    building = building or factories.make_building()
    device = Device(building=building, hostname=hostname or f"sw-{factories.n()}",
                    mgmt_address="127.0.0.1")
    db.session.add(device)
    db.session.flush()
    for index, unit in enumerate(ports_for, start=1):
        db.session.add(Port(device=device, if_index=index, if_name=f"Gi1/0/{index}",
                            unit_id=unit.id))
    db.session.flush()
    return device


def make_ticket(*, actor=None, household=None, subject: str = "Plus de connexion",
                category: str = "no_connection", source: str = "phone", **fields):
    """A ticket opened through the service (so number, SLA and timeline are real)."""
    from support.tickets import open_ticket

    actor = actor or factories.make_user("operator")
    if household is None and not fields.get("unit_code") and not fields.get("device_hostname"):
        household = factories.make_household()
    return open_ticket(actor=actor, subject=subject, category=category, source=source,
                       household_id=household.id if household else None, **fields)


def make_outage(*, device_id: int, started_at: datetime, ended_at: datetime | None = None,
                port_id: int | None = None, cause: str = "no_answer"):
    """A network ``Outage`` row (the poller writes them; tests build them directly)."""
    from network.models import Outage

    outage = Outage(device_id=device_id, port_id=port_id, started_at=started_at,
                    ended_at=ended_at, cause=cause)
    db.session.add(outage)
    db.session.flush()
    return outage
