"""Access cases for the catalogue of options and a subscription's options (issue 22.3), and
the creation of plans: admins create and edit, operators read and add options to
subscriptions; mediators and analysts never see them."""

from billing import options, tariffs
from billing.options import TierRule
from tests import factories
from tests.access import Case

POST_OK = (200, 201, 302, 400, 409, 422)


def _grid() -> dict:
    tariffs.ensure_default_grid()
    return {}


def _option(ctx):
    tariffs.ensure_default_grid()
    code = f"OPT{factories.n()}"
    options.create_option({"code": code, "name": "Téléphonie fixe", "monthly_price_cents": 500,
                           "tiers": [TierRule("T3", "cents", 200)]},
                          actor=factories.make_user("admin"))
    return {"code": code}


def _subscription(ctx):
    values = _option(ctx)
    subscription = factories.make_subscription(tier="T3")
    return {"subscription_id": subscription.id, "option_code": values["code"]}


def _held(ctx):
    values = _subscription(ctx)
    from isp.extensions import db
    from subscribers.models import Subscription

    subscription = db.session.get(Subscription, values["subscription_id"])
    held = options.add_option(subscription, values["option_code"],
                              actor=factories.make_user("operator"))
    return {"subscription_id": subscription.id, "held_id": held.id}


def _add(ctx):
    values = _subscription(ctx)
    return {"subscription_id": values["subscription_id"],
            "json": {"option_code": values["option_code"]}}


CASES = [
    Case("GET", "/billing/options", ("operator",), _option),
    Case("GET", "/billing/options/new", ()),
    Case("POST", "/billing/options/new", (), ok=POST_OK),
    Case("GET", "/billing/options/<code>", (), _option),
    Case("POST", "/billing/options/<code>", (), _option, ok=POST_OK),
    Case("GET", "/billing/subscriptions/<int:subscription_id>/options", ("operator",),
         _subscription),
    Case("POST", "/billing/subscriptions/<int:subscription_id>/options", ("operator",),
         _subscription, ok=POST_OK),
    Case("GET", "/billing/subscription-options/<int:held_id>/end", ("operator",), _held),
    Case("POST", "/billing/subscription-options/<int:held_id>/end", ("operator",), _held,
         ok=POST_OK),
    Case("GET", "/api/v1/options", ("operator",), _option),
    Case("POST", "/api/v1/options", (), lambda ctx: {**_grid(), "json": {
        "code": f"NEW{factories.n()}", "name": "Vidéo", "monthly_price_cents": 700,
        "tiers": [{"tier": "T1", "subsidy_kind": "percent", "subsidy_value": 50}]}},
         ok=(201,)),
    Case("PUT", "/api/v1/options/<code>", (), lambda ctx: {**_option(ctx), "json": {
        "monthly_price_cents": 600}}),
    Case("PATCH", "/api/v1/options/<code>", (), lambda ctx: {**_option(ctx), "json": {
        "active": False}}),
    Case("GET", "/api/v1/subscriptions/<int:subscription_id>/options", ("operator",),
         _subscription),
    Case("POST", "/api/v1/subscriptions/<int:subscription_id>/options", ("operator",), _add,
         ok=(201,)),
    Case("POST", "/api/v1/subscriptions/<int:subscription_id>/options/<int:held_id>/end",
         ("operator",), _held),
    Case("GET", "/billing/plans/new", ()),
    Case("POST", "/billing/plans/new", (), ok=POST_OK),
    Case("POST", "/api/v1/plans", (), lambda ctx: {"json": {
        "code": f"PLAN-{factories.n()}", "name": "Fibre 500", "down_kbps": 500_000,
        "up_kbps": 500_000, "reduced_down_kbps": 8_000, "reduced_up_kbps": 2_000}},
         ok=(201,)),
]
