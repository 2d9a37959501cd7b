"""Access cases for the subscription lifecycle pages and API (operators only)."""

from tests import factories
from tests.access import Case
from tests.network.factories_provisioning import make_wired_household

OP = ("operator",)
POST_OK = (200, 201, 302, 400, 404, 409, 422)


def _household(ctx):
    return {"household_id": make_wired_household().id}


def _subscription(ctx):
    subscription = factories.make_subscription(household=make_wired_household())
    return {"subscription_id": subscription.id,
            "json": {"action": "suspend", "reason": "Demande du foyer"},
            "data": {"action": "suspend", "reason": "Demande du foyer"}}


def _new_subscription(ctx):
    household = make_wired_household()
    return {"json": {"unit_code": household.unit.code, "tier": "T1"}}


CASES = [
    Case("GET", "/households/<int:household_id>/subscribe", OP, _household),
    Case("POST", "/households/<int:household_id>/subscribe", OP, _household, ok=POST_OK),
    Case("GET", "/subscriptions/<int:subscription_id>/change", OP, _subscription),
    Case("POST", "/subscriptions/<int:subscription_id>/change", OP, _subscription, ok=POST_OK),
    Case("GET", "/api/v1/subscriptions", OP),
    Case("POST", "/api/v1/subscriptions", OP, _new_subscription, ok=(201,)),
    Case("POST", "/api/v1/subscriptions/<int:subscription_id>/actions", OP, _subscription,
         ok=(200,)),
]
