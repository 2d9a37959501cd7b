"""Signal receivers: the network's outages, long port downs and uncounted 32-bit ports
become tickets.

They run inside the sender's transaction and flush only (isp/signals.py).
"""

from __future__ import annotations

from isp.signals import (
    counters_ambiguous,
    counters_unambiguous,
    outage_ended,
    outage_started,
    port_down_long,
)
from support.network_tickets import (
    raise_follow_up,
    record_counters_ambiguous,
    record_counters_unambiguous,
    record_outage_ended,
    record_outage_started,
)


@outage_started.connect
def _on_outage_started(outage, **kwargs) -> None:
    record_outage_started(outage, kwargs.get("affected_unit_codes") or [],
                          incident_outage_id=kwargs.get("incident_outage_id"))


@outage_ended.connect
def _on_outage_ended(outage, **kwargs) -> None:
    record_outage_ended(outage, kwargs.get("duration_s"))


@port_down_long.connect
def _on_port_down_long(port, **kwargs) -> None:
    raise_follow_up(port, kwargs["subscription"], kwargs["down_since"])


@counters_ambiguous.connect
def _on_counters_ambiguous(device, **kwargs) -> None:
    record_counters_ambiguous(device, kwargs["ports"], kwargs["interval_s"])


@counters_unambiguous.connect
def _on_counters_unambiguous(device, **kwargs) -> None:
    record_counters_unambiguous(device, kwargs["interval_s"])
