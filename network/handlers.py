"""Signal receivers of the network: a plan's new speeds reach the switches.

They run inside the sender's transaction and flush only (isp/signals.py).
"""

from __future__ import annotations

from isp.signals import plan_speeds_changed


@plan_speeds_changed.connect
def _on_plan_speeds_changed(plan, **kwargs) -> None:
    from network.services_provisioning import reprovision_plan

    before, after = kwargs["before"], kwargs["after"]
    reprovision_plan(
        plan.code,
        full_changed=(before.down_kbps, before.up_kbps) != (after.down_kbps, after.up_kbps),
        reduced_changed=(before.reduced_down_kbps, before.reduced_up_kbps)
        != (after.reduced_down_kbps, after.reduced_up_kbps),
        actor=kwargs.get("actor"))
