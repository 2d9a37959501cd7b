"""Demo network of Port-Boyer: the switches (one per staircase + aggregation), the wiring of
the 116 flats, and a few days of past usage so graphs are not empty. Idempotent.

The switches are the simulated lab's: the lab records them (its ``demo_devices``, with the
addresses and credentials it serves), so that the network does not import the lab.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from isp import registry
from isp.extensions import db
from isp.timeutil import local_date, utcnow
from network.models import BuildingUsageDay, Device, Port, UsageDay, UsageHour
from subscribers.demo import DEMO_BUILDING, demo_flats, unit_code
from subscribers.models import Building, Household, Subscription, Unit

HISTORY_HOURS = 72
HISTORY_DAYS = 90


def _wiring() -> int:
    """Gi1/0/1..29 of pb-sw-<staircase> serve the flats in subscribers.demo.demo_flats() order."""
    wired = 0
    position: dict[str, int] = {}
    for staircase, floor, door in demo_flats():
        position[staircase] = position.get(staircase, 0) + 1
        device = db.session.execute(select(Device).where(
            Device.hostname == f"pb-sw-{staircase.lower()}")).scalar_one_or_none()
        unit = db.session.execute(select(Unit).where(
            Unit.code == unit_code(staircase, floor, door))).scalar_one_or_none()
        if device is None or unit is None:  # no switch: an installation without the lab
            continue
        name = f"Gi1/0/{position[staircase]}"
        port = db.session.execute(select(Port).where(Port.device_id == device.id,
                                                     Port.if_name == name)).scalar_one_or_none()
        if port is None:
            # the ifIndex of Gi1/0/N is N on these switches; the first poll confirms it
            port = Port(device_id=device.id, if_index=position[staircase], if_name=name,
                        if_descr=f"GigabitEthernet1/0/{position[staircase]}",
                        speed_bps=1_000_000_000)
            db.session.add(port)
        if port.unit_id is None:
            port.unit_id = unit.id
            wired += 1
    db.session.flush()
    return wired


def _history(building_id: int) -> int:
    """Past usage: port hours for 72 h, building (and subscription) days for 90 days."""
    ports = db.session.execute(
        select(Port).join(Device, Device.id == Port.device_id)
        .where(Device.building_id == building_id, Port.unit_id.is_not(None))
        .order_by(Port.id)).scalars().all()
    if not ports or db.session.execute(select(UsageHour.port_id).where(
            UsageHour.port_id.in_([p.id for p in ports]))).first():
        return 0
    occupied = set(db.session.execute(select(Household.unit_id).where(
        Household.moved_out_on.is_(None))).scalars())
    rng = random.Random(2026)
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    # evening peak, night trough: share of a day's traffic per local hour
    shape = [0.5, 0.3, 0.2, 0.2, 0.2, 0.3, 0.6, 0.9, 1.0, 0.9, 0.9, 1.0,
             1.2, 1.1, 1.0, 1.0, 1.1, 1.3, 1.6, 1.9, 2.2, 2.3, 1.8, 1.0]
    rows = 0
    daily: dict = {}
    for port in ports:
        if port.unit_id not in occupied:
            continue
        per_day = rng.randint(300, 8_000) * 1_000_000  # 0.3–8 Go a day downloaded
        for back in range(HISTORY_HOURS, 0, -1):
            hour = now - timedelta(hours=back)
            weight = shape[(hour.hour + 1) % 24] / 24
            down = int(per_day * weight * rng.uniform(0.6, 1.4))
            up = down // rng.randint(8, 15)
            db.session.add(UsageHour(port_id=port.id, hour=hour, octets_in=up, octets_out=down))
            rows += 1
        daily[port.unit_id] = per_day
    today = local_date(utcnow())
    subscriptions = {s.unit_id: s for s in db.session.execute(select(Subscription).where(
        Subscription.unit_id.in_(list(daily)),
        Subscription.status.in_(["active", "reduced"]))).scalars()}
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        total_down = total_up = 0
        for unit_id, per_day in daily.items():
            down = int(per_day * rng.uniform(0.5, 1.5))
            up = down // 10
            total_down += down
            total_up += up
            if unit_id in subscriptions:
                db.session.add(UsageDay(subscription_id=subscriptions[unit_id].id, day=day,
                                        download_octets=down, upload_octets=up))
        if not db.session.execute(select(BuildingUsageDay.id).where(
                BuildingUsageDay.building_id == building_id,
                BuildingUsageDay.day == day)).first():
            db.session.add(BuildingUsageDay(building_id=building_id, day=day,
                                            download_octets=total_down, upload_octets=total_up))
    db.session.flush()
    return rows


def seed_demo() -> str | None:
    """Register the lab switches of Port-Boyer, wire its flats, add past usage."""
    building = db.session.execute(select(Building).where(Building.code == DEMO_BUILDING)
                                  ).scalar_one_or_none()
    if building is None:
        return None
    devices = sum(record(building.id) for record in registry.hooks("demo_devices"))
    wired = _wiring()
    history = _history(building.id)
    return f"devices +{devices}, wired ports +{wired}, usage hours +{history}"
