"""The catalogue of options in the API, and the options of a subscription.

``GET /api/v1/options`` (operators), ``POST /api/v1/options`` and ``PUT``/``PATCH
/api/v1/options/<code>`` (admins; both change only the fields given);
``GET``/``POST /api/v1/subscriptions/<id>/options`` and ``POST
/api/v1/subscriptions/<id>/options/<held_id>/end`` (operators). The rules are those of the
pages (billing/options.py).
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy.orm import selectinload

from billing import options
from billing.models_options import ServiceOption
from billing.schemas import HeldOptionOut, OptionOut
from billing.views_options import get_subscription
from isp import audit
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.extensions import db
from isp.openapi import documented
from isp.pagination import api_list
from isp.validation import Choice, body_schema, json_body

bp = Blueprint("billing_options_api", __name__, url_prefix="/api/v1")

OPTION_FIELDS = ("code", "name", "description", "monthly_price_cents", "switch_need",
                 "vlan_id", "policy_name", "active", "tiers")
_TIERS_SCHEMA = {"type": "array", "items": {
    "type": "object", "properties": {
        "tier": {"type": "string", "maxLength": 10},
        "subsidy_kind": {"type": "string", "enum": list(options.SUBSIDY_KINDS)},
        "subsidy_value": {"type": "integer", "minimum": 0}},
    "required": ["tier"], "additionalProperties": False}}
_EXTRA = {"active": {"type": "boolean"}, "tiers": _TIERS_SCHEMA}
_OPTION_BODY = (options.NAME, options.DESCRIPTION, options.MONTHLY_PRICE,
                Choice("switch_need", options.SWITCH_NEEDS), options.VLAN_ID,
                options.POLICY_NAME)


def _option_values(body: dict) -> dict:
    values = dict(body)
    if "tiers" in values:
        values["tiers"] = options.rules_from_json(values["tiers"])
    return values


@bp.get("/options")
@require_role(Role.OPERATOR)
@documented(items=OptionOut)
def option_list():
    """The catalogue: price, subsidy and share per tier, switch need."""
    # Each option's tier rules for the page at once (was one statement per option).
    return api_list(options.catalogue().options(selectinload(ServiceOption.rules)),
                    options.option_json)


@bp.post("/options")
@require_role()
@documented(body_schema(options.CODE, *_OPTION_BODY, **_EXTRA), response=OptionOut)
def option_create():
    """Create an option (admin); ``tiers`` lists the tiers that may take it with their
    subsidy (``cents`` a month or ``percent`` of the price)."""
    values = _option_values(json_body(allowed=OPTION_FIELDS))
    option = options.create_option(values, actor=current_actor())
    audit.record_request("create", "service_option", option.code)
    db.session.commit()
    return jsonify(options.option_json(option)), 201


@bp.route("/options/<code>", methods=["PUT", "PATCH"])
@require_role()
@documented(body_schema(*_OPTION_BODY, required=(), **_EXTRA), response=OptionOut)
def option_update(code: str):
    """Change an option's fields but its code (admin); a new switch need re-provisions the
    ports of the subscriptions holding it."""
    option = options.get_option(code)
    values = _option_values(json_body(allowed=[f for f in OPTION_FIELDS if f != "code"]))
    options.update_option(option, values, actor=current_actor())
    audit.record_request("update", "service_option", option.code)
    db.session.commit()
    return jsonify(options.option_json(option))


@bp.get("/subscriptions/<int:subscription_id>/options")
@require_role(Role.OPERATOR)
@documented(items=HeldOptionOut)
def subscription_options(subscription_id: int):
    """Every option period of a subscription, current ones first."""
    subscription = get_subscription(subscription_id)
    response = api_list(options.options_of_query(subscription.id), options.held_json)
    audit.record_request("read", "subscription_options", subscription.id)
    db.session.commit()
    return response


@bp.post("/subscriptions/<int:subscription_id>/options")
@require_role(Role.OPERATOR)
@documented(body_schema(options.OPTION_CODE, options.STARTS_ON), response=HeldOptionOut)
def subscription_option_add(subscription_id: int):
    """Add an option from ``starts_on`` (default today; never in the future nor in a month
    already invoiced). The subscription's tier must be open to it."""
    subscription = get_subscription(subscription_id)
    body = json_body(allowed=("option_code", "starts_on"))
    held = options.add_option(subscription, body.get("option_code"), actor=current_actor(),
                              starts_on=body.get("starts_on"))
    audit.record_request("add_option", "subscription", subscription.id, held.option.code)
    db.session.commit()
    return jsonify(options.held_json(held)), 201


@bp.post("/subscriptions/<int:subscription_id>/options/<int:held_id>/end")
@require_role(Role.OPERATOR)
@documented(body_schema(options.ENDS_ON), response=HeldOptionOut)
def subscription_option_end(subscription_id: int, held_id: int):
    """Remove an option from ``ends_on`` (default today: the last day billed is the day
    before). Removing it again changes nothing."""
    subscription = get_subscription(subscription_id)
    held = options.get_held(subscription.id, held_id)
    body = json_body(allowed=("ends_on",))
    options.end_option(held, actor=current_actor(), ends_on=body.get("ends_on"))
    audit.record_request("end_option", "subscription", subscription.id, held.option.code)
    db.session.commit()
    return jsonify(options.held_json(held))

