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
#: sender=Plan (billing), kwargs: before, after: billing.tariffs.PlanSpeeds, actor: User —
#: an admin changed a plan's speeds; the network re-provisions the ports concerned
plan_speeds_changed = _signals.signal("plan-speeds-changed")
#: sender=Device (network), kwargs: ports: list[network.intervals.AmbiguousPort],
#: interval_s: int — a poll found 32-bit counters that can wrap twice between polls (their
#: usage is never counted); sent once per device until the interval is short enough
counters_ambiguous = _signals.signal("counters-ambiguous")
#: sender=Device, kwargs: interval_s: int — the device's interval now counts every port
counters_unambiguous = _signals.signal("counters-unambiguous")
#: sender=Subscription (subscribers), kwargs: activated_on: date, actor: User | None — the
#: household's connection became active (its first activation, not a restore after reduction)
subscription_activated = _signals.signal("subscription-activated")
#: sender=Invoice (billing), kwargs: household_id: int — an invoice was issued (numbered)
invoice_issued = _signals.signal("invoice-issued")
#: sender=Household, kwargs: step: str (billing.choices dunning step), letter_text: str,
#: on: date — a dunning step was recorded for the household (never a threat of cut-off)
dunning_step_recorded = _signals.signal("dunning-step-recorded")
#: sender=Ticket (support), kwargs: household_id: int | None, usage_question: bool, actor —
#: a ticket was closed; ``usage_question`` when it was a question of use rather than a fault
ticket_closed = _signals.signal("ticket-closed")
#: sender=Booking (mediation), kwargs: household_id: int, starts_at: datetime — a resident
#: was booked on a coaching slot (reminders the day before are computed from it)
booking_made = _signals.signal("booking-made")
#: sender=Household (subscribers), kwargs: unit: Unit — a subscription is about to be opened on
#: the household's flat; a receiver refuses it by raising DomainError (the network: the flat is
#: wired to no switch port). Sent before anything is written.
subscription_requested = _signals.signal("subscription-requested")
#: sender=Subscription (subscribers), kwargs: action: str (activate | reduce | restore |
#: suspend | terminate), actor: User | None, status: str | None (the status the flat's port must
#: serve; None: the subscription's own), not_before: datetime | None — the subscription's
#: service changed (or will on ``not_before``); provisioning queues the job for the flat's port
subscription_service_changed = _signals.signal("subscription-service-changed")
