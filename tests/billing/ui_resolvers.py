"""URL values of billing's pages for the browser tests (tests/ui/discovery.py)."""

from tests.ui.discovery import _first_of

RESOLVERS = {
    # The demo's fixed telephony (billing/demo.py).
    "options.code": _first_of("billing.models_options.ServiceOption.code"),
    # An option still held (its removal page).
    "subscription-options.held_id": _first_of("billing.models_options.SubscriptionOption.id",
                                              ends_on=None),
}
