"""Signal receivers: the network's outages and long port downs become tickets.

They run inside the sender's transaction and flush only (isp/signals.py).
"""

from __future__ import annotations

from isp.signals import outage_ended, outage_started, port_down_long
from support import services


@outage_started.connect
def _on_outage_started(outage, **kwargs) -> None:
    services.record_outage_started(outage, kwargs.get("affected_unit_codes") or [],
                                   incident_outage_id=kwargs.get("incident_outage_id"))


@outage_ended.connect
def _on_outage_ended(outage, **kwargs) -> None:
    services.record_outage_ended(outage, kwargs.get("duration_s"))


@port_down_long.connect
def _on_port_down_long(port, **kwargs) -> None:
    services.raise_follow_up(port, kwargs["subscription"], kwargs["down_since"])
