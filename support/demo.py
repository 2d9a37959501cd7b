"""Demo tickets: a few requests from people and a resolved network ticket. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from isp.extensions import db
from isp.models import User
from isp.signals import outage_ended, outage_started
from isp.timeutil import utcnow
from network.models import Device, Outage
from network.topology import affected_unit_codes
from subscribers.models import Household, Unit
from subscribers.services import assigned_to_association
from support.models import Ticket
from support.tickets import add_comment, change_status, open_ticket


def seed_demo() -> str | None:
    """Seed demo tickets once (nothing when tickets already exist)."""
    if db.session.execute(select(Ticket.id)).first():
        return None
    operator = db.session.execute(select(User).where(
        User.email == "operateur@demo.social-isp.fr")).scalar_one_or_none()
    mediator = db.session.execute(select(User).where(
        User.email == "mediateur@demo.social-isp.fr")).scalar_one_or_none()
    if operator is None:
        return None
    households = list(db.session.execute(
        select(Household).join(Household.unit).where(Household.moved_out_on.is_(None),
                                                     Unit.code.like("PB-%"))
        .order_by(Unit.code).limit(3)).scalars())
    count = 0
    for household, (subject, category) in zip(households, (
            ("Plus de connexion depuis ce matin", "no_connection"),
            ("Débit faible le soir", "slow"),
            ("Question sur la facture de novembre", "billing")), strict=False):
        ticket = open_ticket(actor=operator, subject=subject, category=category,
                             source="phone", household_id=household.id,
                             assignee_id=operator.id)
        count += 1
        if category == "billing":
            change_status(ticket, "open", actor=operator)
            add_comment(ticket, actor=operator, body="Échéancier proposé au foyer.")
    if mediator is not None and mediator.association_id is not None:
        followed = db.session.execute(select(Household).where(
            assigned_to_association(mediator.association_id)).limit(1)).scalar_one_or_none()
        if followed is not None:
            open_ticket(actor=mediator, subject="Box livrée mais jamais branchée",
                        category="equipment", household_id=followed.id)
            count += 1
    count += _resolved_network_ticket()
    db.session.flush()
    return f"tickets +{count}"


def _resolved_network_ticket() -> int:
    """A past outage of a Port-Boyer switch, opened and resolved by the network signals."""
    device = db.session.execute(select(Device).where(Device.hostname.like("pb-%"))
                                .order_by(Device.hostname)).scalars().first()
    if device is None:
        return 0
    started = utcnow().replace(microsecond=0) - timedelta(days=2, hours=3)
    outage = Outage(device_id=device.id, started_at=started, cause="no_answer")
    db.session.add(outage)
    db.session.flush()
    outage_started.send(outage, affected_unit_codes=affected_unit_codes(device))
    outage.ended_at = started + timedelta(minutes=47)
    db.session.flush()
    outage_ended.send(outage, duration_s=outage.duration_s())
    return 1
