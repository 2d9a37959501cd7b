"""Events one domain emits and another reacts to, without importing each other (blinker).

Receivers run inside the sender's transaction (same session); they flush, never commit.
"""

from blinker import Namespace

_signals = Namespace()

#: sender=Outage (network.models), kwargs: affected_unit_codes: list[str],
#: incident_outage_id: int | None — the outage of the failed uplink it is part of (one ticket)
outage_started = _signals.signal("outage-started")
#: sender=Outage, kwargs: duration_s: int
outage_ended = _signals.signal("outage-ended")
#: sender=Port, kwargs: subscription (active), down_since: datetime — port down 7 days
port_down_long = _signals.signal("port-down-long")
#: sender=Household, kwargs: actor — debt paid or payment plan agreed (billing → provisioning)
debt_cleared = _signals.signal("debt-cleared")
#: sender=Household (subscribers owns it), kwargs: moved_out_on: date, actor: User | None —
#: the tenant left the flat; mediation ends its follow-up and cuts the session records' link
household_moved_out = _signals.signal("household-moved-out")
#: sender=Plan (billing), kwargs: before, after: billing.services.PlanSpeeds, actor: User —
#: an admin changed a plan's speeds; the network re-provisions the ports concerned
plan_speeds_changed = _signals.signal("plan-speeds-changed")
#: sender=Device (network), kwargs: ports: list[network.services.AmbiguousPort],
#: interval_s: int — a poll found 32-bit counters that can wrap twice between polls (their
#: usage is never counted); sent once per device until the interval is short enough
counters_ambiguous = _signals.signal("counters-ambiguous")
#: sender=Device, kwargs: interval_s: int — the device's interval now counts every port
counters_unambiguous = _signals.signal("counters-unambiguous")
