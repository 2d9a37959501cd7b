"""Signal receivers of provisioning: what the other domains' changes ask of the switch ports.

A subscription's service changed (subscribers' lifecycle), a flat is about to be subscribed,
a plan's speeds changed (billing). They run inside the sender's transaction and flush only
(isp/signals.py).
"""

from __future__ import annotations

from isp.errors import DomainError
from isp.i18n import gettext as _
from isp.signals import plan_speeds_changed, subscription_requested, subscription_service_changed
from network.provisioning.queue import (
    desired_for_subscription,
    port_for_unit,
    queue_job,
    reprovision_plan,
)


@subscription_requested.connect
def _refuse_unwired_flat(household, **kwargs) -> None:
    """A subscription needs the flat's switch port: refused before anything is written."""
    unit = kwargs["unit"]
    if port_for_unit(unit.id) is None:
        raise DomainError(_(
            "Le logement %(code)s n'est raccordé à aucun port de commutateur : importez le "
            "câblage d'abord", code=unit.code), field="unit_code", status=409)


@subscription_service_changed.connect
def _on_subscription_service_changed(subscription, **kwargs) -> None:
    """Queue the job bringing the flat's port to the state the subscription now calls for
    (nothing for a flat without a port)."""
    port = port_for_unit(subscription.unit_id)
    if port is None:
        return
    queue_job(port, kwargs["action"], desired_for_subscription(subscription, kwargs.get("status")),
              actor=kwargs.get("actor"), subscription=subscription,
              not_before=kwargs.get("not_before"))


@plan_speeds_changed.connect
def _on_plan_speeds_changed(plan, **kwargs) -> None:
    before, after = kwargs["before"], kwargs["after"]
    reprovision_plan(
        plan.code,
        full_changed=(before.down_kbps, before.up_kbps) != (after.down_kbps, after.up_kbps),
        reduced_changed=(before.reduced_down_kbps, before.reduced_up_kbps)
        != (after.reduced_down_kbps, after.reduced_up_kbps),
        actor=kwargs.get("actor"))
