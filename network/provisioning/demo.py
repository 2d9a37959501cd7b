"""Demo: the served Port-Boyer subscriptions get their port's desired state and a succeeded
activation job (idempotent; no SSH during ``isp demo seed``, the lab may not be up).

The subscriptions themselves come from the billing (or evaluation) demo: this module asks to be
seeded last (``demo_last`` in its declaration). The first nightly reconciliation against a
fresh lab shows these ports as drift, which an operator pushes with one action.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from isp.extensions import db
from isp.models import User
from isp.timeutil import utcnow
from network.models import Device, Port
from network.provisioning.models import ConfigBackup, PortDesiredState, ProvisioningJob
from network.provisioning.queue import (
    JobAction,
    desired_for_subscription,
    port_for_unit,
    set_desired_state,
    state_to_json,
)
from subscribers.models import Subscription, Unit

DEMO_NOTE = "(démo : tâche enregistrée sans session SSH)"


def seed_demo() -> str | None:
    """Record desired states and succeeded jobs for served demo subscriptions without one."""
    operator = db.session.execute(select(User).where(
        User.email == "operateur@demo.social-isp.fr")).scalar_one_or_none()
    managed = set(db.session.execute(select(PortDesiredState.subscription_id)).scalars())
    subscriptions = db.session.execute(
        select(Subscription).join(Unit, Unit.id == Subscription.unit_id)
        .where(Unit.code.like("PB-%"), Subscription.status.in_(["active", "reduced"]))
        .order_by(Subscription.id)).scalars().all()
    created = 0
    for subscription in subscriptions:
        port = port_for_unit(subscription.unit_id)
        if port is None or subscription.id in managed:
            continue
        desired = desired_for_subscription(subscription)
        set_desired_state(port, desired, subscription=subscription)
        now = utcnow()
        db.session.add(ProvisioningJob(
            subscription_id=subscription.id, port_id=port.id, action=str(JobAction.ACTIVATE),
            desired=state_to_json(desired), state="succeeded", attempts=1,
            history=[[s, now.isoformat()] for s in ("queued", "connecting", "applying",
                                                    "verifying", "saving", "succeeded")],
            commands=[], rollback_commands=[], finished_at=now, transcript=DEMO_NOTE,
            created_by_id=operator.id if operator else None))
        created += 1
    db.session.flush()
    backups = _seed_backups()
    return f"provisioning jobs +{created}, config backups +{backups}"


def _seed_backups() -> int:
    """One saved running config per demo device without any (the nightly job needs the lab),
    so the backups pages have something to show."""
    saved = set(db.session.execute(select(ConfigBackup.device_id)).scalars())
    added = 0
    for device in db.session.execute(select(Device).order_by(Device.id)).scalars():
        if device.id in saved:
            continue
        ports = db.session.execute(select(Port).where(Port.device_id == device.id)
                                   .order_by(Port.id)).scalars().all()
        lines = [f"! {DEMO_NOTE}", f"hostname {device.hostname}", "!"]
        for port in ports:
            lines += [f"interface {port.if_name}", " switchport mode access", "!"]
        text = "\n".join([*lines, "end", ""])
        db.session.add(ConfigBackup(device_id=device.id, taken_at=utcnow(), config=text,
                                    sha256=hashlib.sha256(text.encode()).hexdigest()))
        added += 1
    db.session.flush()
    return added
