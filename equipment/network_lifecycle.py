"""Network devices through the 4R chain: in service, spare, repair, refurbished, recycled.

The column ``network.models.Device.lifecycle_state`` belongs to network; this is the one place
that changes it (an operator's action, with history). Only in-service devices are polled,
provisioned and counted in the footprint (network and evaluation read the column).
"""

from __future__ import annotations

from sqlalchemy import select

from equipment.models_network import DeviceLifecycleMove
from equipment.services import NOTE, ON, PARTNER_CODE, partner_by_code
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.models import User
from isp.timeutil import today
from isp.validation import Choice
from network.choices import LifecycleState as S
from network.models import Device

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.IN_SERVICE: (S.SPARE, S.REPAIR, S.RECYCLED),
    S.SPARE: (S.IN_SERVICE, S.REPAIR, S.RECYCLED),
    S.REPAIR: (S.REFURBISHED, S.IN_SERVICE, S.RECYCLED),
    S.REFURBISHED: (S.IN_SERVICE, S.SPARE, S.RECYCLED),
    S.RECYCLED: (),
}
LABELS = {S.IN_SERVICE: _l("en service"), S.SPARE: _l("en réserve"),
          S.REPAIR: _l("en réparation"), S.REFURBISHED: _l("reconditionné"),
          S.RECYCLED: _l("recyclé")}
TO_STATE = Choice("to_state", tuple(S), required=True)
KEYS = ("to_state", "partner_code", "on", "note")


def get_device(hostname: str) -> Device:
    device = db.session.execute(select(Device).where(Device.hostname == hostname)
                                ).scalar_one_or_none()
    if device is None:
        raise NotFoundError(_("Équipement réseau %(h)s introuvable.", h=hostname))
    return device


def allowed(device: Device) -> tuple[str, ...]:
    return TRANSITIONS.get(device.lifecycle_state, ())


def history(device: Device) -> list[DeviceLifecycleMove]:
    return list(db.session.execute(select(DeviceLifecycleMove).where(
        DeviceLifecycleMove.device_id == device.id).order_by(DeviceLifecycleMove.id)).scalars())


def move_device(device: Device, data: dict, actor: User | None) -> DeviceLifecycleMove:
    """Move the device to ``to_state``; recycling names the partner; refused with a message
    when the chain does not allow it."""
    to_state = TO_STATE.check(data.get("to_state"))
    current = device.lifecycle_state
    if to_state not in allowed(device):
        label = LABELS.get(current, current)
        if not allowed(device):
            raise DomainError(_("Un équipement « %(s)s » ne change plus d'état.", s=label),
                              field="to_state", status=409)
        raise DomainError(
            _("Impossible de passer de « %(from_)s » à « %(to)s » : depuis « %(from_)s », "
              "seuls %(allowed)s sont possibles.", from_=label, to=LABELS[to_state],
              allowed=", ".join(f"« {LABELS[s]} »" for s in allowed(device))),
            field="to_state", status=409)
    partner = partner_by_code(PARTNER_CODE.check(data.get("partner_code")))
    if to_state == S.RECYCLED and partner is None:
        raise DomainError(_("Nommez le partenaire qui recycle l'équipement."),
                          field="partner_code")
    on = ON.check(data.get("on")) or today()
    if on > today():
        raise DomainError(_("Un mouvement ne peut pas être daté dans le futur."), field="on")
    moves = history(device)
    if moves and on < moves[-1].on:
        raise DomainError(_("Le mouvement ne peut pas précéder le précédent (%(d)s).",
                            d=moves[-1].on.isoformat()), field="on")
    move = DeviceLifecycleMove(device_id=device.id, from_state=current, to_state=to_state,
                               on=on, actor_id=actor.id if actor else None,
                               partner_id=partner.id if partner else None,
                               note=NOTE.check(data.get("note")))
    device.lifecycle_state = to_state
    db.session.add(move)
    db.session.flush()
    return move
