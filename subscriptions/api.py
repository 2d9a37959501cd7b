"""JSON API: subscriptions and their lifecycle actions (docs/design.md §4.5, issue 4)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import Row, Select, bindparam, select

from isp import audit
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.database import built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.formatting import iso
from isp.i18n import gettext as _
from isp.openapi import documented
from isp.pagination import api_list
from isp.query import parse
from isp.validation import Choice, Text, body_schema, json_body
from network.provisioning.queue import latest_job_for_subscription, latest_jobs_for_subscriptions
from subscribers import lifecycle, services
from subscribers.models import Subscription, Unit
from subscriptions.schemas import SubscriptionOut, SubscriptionQuery

bp = Blueprint("subscribers_subscriptions_api", __name__, url_prefix="/api/v1")

ACTIONS = {"reduce": lifecycle.reduce_service, "restore": lifecycle.restore_service,
           "suspend": lifecycle.suspend, "terminate": lifecycle.terminate}


_UNKNOWN = object()


def subscription_json(subscription: Subscription | Row, job=_UNKNOWN) -> dict:
    """One subscription (or a list's row, ``SUBSCRIPTION_LIST_COLUMNS``) with its latest
    provisioning job (looked up unless given)."""
    if job is _UNKNOWN:
        job = latest_job_for_subscription(subscription.id)
    unit_code = (subscription.unit.code if isinstance(subscription, Subscription)
                 else subscription.unit_code)
    return {"id": subscription.id, "household_id": subscription.household_id,
            "unit_code": unit_code, "plan": subscription.plan_code,
            "tier": subscription.tier, "status": subscription.status,
            "activated_on": iso(subscription.activated_on),
            "terminated_on": iso(subscription.terminated_on),
            "latest_job": None if job is None else {"id": job.id, "action": job.action,
                                                    "state": job.state}}


#: What the list gives of each subscription, read as plain rows (issue 23.3).
SUBSCRIPTION_LIST_COLUMNS = (Subscription.id, Subscription.household_id,
                             Unit.code.label("unit_code"), Subscription.plan_code,
                             Subscription.tier, Subscription.status, Subscription.activated_on,
                             Subscription.terminated_on)


@built_once
def _list_statements(of_flat: bool) -> tuple[Select, Select]:
    """The list's rows, newest first, and their ids to count (``unit_id`` a value when
    ``of_flat``); built once (isp.database.built_once)."""
    counted = select(Subscription.id)
    if of_flat:
        counted = counted.where(Subscription.unit_id == bindparam("unit_id"))
    rows = (counted.with_only_columns(*SUBSCRIPTION_LIST_COLUMNS)
            .join(Unit, Unit.id == Subscription.unit_id).order_by(Subscription.id.desc()))
    return rows, counted


def subscriptions_json(subscriptions: list[Subscription | Row]) -> list[dict]:
    """A page of subscriptions: their latest jobs in one query, not one per subscription."""
    jobs = latest_jobs_for_subscriptions([subscription.id for subscription in subscriptions])
    return [subscription_json(subscription, jobs.get(subscription.id))
            for subscription in subscriptions]



def _payload() -> dict:
    return json_body()


def _text(payload: dict, name: str, *, required: bool = True) -> str | None:
    value = payload.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DomainError(_("%(field)s est obligatoire.", field=name), field=name)
    return value.strip()


@bp.get("/subscriptions")
@require_role(Role.OPERATOR)
@documented(query=SubscriptionQuery, items=SubscriptionOut)
def subscriptions():
    """Subscriptions, newest first; ``unit`` filters by flat code."""
    unit_code = parse(SubscriptionQuery).unit
    values = {"unit_id": services.get_unit(unit_code).id} if unit_code else {}
    rows, counted = _list_statements(bool(values))
    response = api_list(rows, serialize_page=subscriptions_json, scalars=False,
                        count_rows=counted, values=values)
    audit.record_request("read", "subscription_list", None,
                         detail=request.query_string.decode()[:200])
    db.session.commit()
    return response


@bp.post("/subscriptions")
@require_role(Role.OPERATOR)
@documented(body_schema(Text("unit_code", 30, required=True), Text("tier", 10, required=True),
                        Text("plan", 40)), response=SubscriptionOut)
def create_subscription():
    """Subscribe the flat's current household and queue the port's activation."""
    payload = _payload()
    unit = services.get_unit(_text(payload, "unit_code"))
    tier = _text(payload, "tier")
    plan = _text(payload, "plan", required=False) or lifecycle.DEFAULT_PLAN
    household = services.current_household(unit)
    if household is None:
        raise DomainError(_("Le logement %(code)s n'a pas de foyer actuel", code=unit.code),
                          field="unit_code",
                          status=409)
    subscription = lifecycle.subscribe(household, tier=tier, plan_code=plan,
                                       actor=current_actor())
    audit.record_request("create", "subscription", subscription.id)
    db.session.commit()
    return jsonify(subscription_json(subscription)), 201


@bp.post("/subscriptions/<int:subscription_id>/actions")
@require_role(Role.OPERATOR)
@documented(body_schema(Choice("action", tuple(ACTIONS), required=True),
                        Text("reason", 500, required=True, multiline=True)),
            response=SubscriptionOut)
def subscription_action(subscription_id: int):
    """Reduce, restore, suspend or terminate a subscription, with a reason."""
    payload = _payload()
    subscription = db.session.get(Subscription, subscription_id)
    if subscription is None:
        raise NotFoundError(_("Abonnement %(id)s introuvable", id=subscription_id))
    action = _text(payload, "action")
    if action not in ACTIONS:
        raise DomainError(_("L'action doit être reduce, restore, suspend ou terminate"),
                          field="action")
    ACTIONS[action](subscription, actor=current_actor(), reason=_text(payload, "reason"))
    audit.record_request("update", "subscription", subscription.id, detail=action)
    db.session.commit()
    return jsonify(subscription_json(subscription))
