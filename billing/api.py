"""JSON API: invoices, balances, payments (docs/design.md §4.5)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from billing import accounts, dunning, payments, reports, runs
from billing import invoices as billing_invoices
from billing import tariffs as billing_tariffs
from billing.choices import PaymentMethod
from billing.fields import AMOUNT_CENTS, HOUSEHOLD_ID, RECEIVED_ON, REFERENCE
from billing.models import Payment, Tier
from billing.money import next_period_start, parse_period
from billing.schemas import (
    BalanceOut,
    InvoiceOut,
    InvoiceQuery,
    IssuedOut,
    NextStepOut,
    PaymentOut,
    PreparedOut,
    ReviewOut,
    TariffOut,
)
from isp import audit
from isp.auth import Scope, current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.openapi import documented
from isp.pagination import api_list
from isp.query import parse
from isp.timeutil import today
from isp.validation import Choice, Text, body_schema, json_body
from subscribers.services import current_household, get_household, get_unit

bp = Blueprint("billing_api", __name__, url_prefix="/api/v1")


def invoices_json(invoices: list) -> list[dict]:
    """A page of invoices (rows of ``INVOICE_LIST_COLUMNS``) with their lines, as the API
    gives them."""
    lines, option_lines = billing_invoices.lines_of_invoices([row.id for row in invoices])
    return [{"number": invoice.number, "household_id": invoice.household_id,
             "unit_code": invoice.unit_code, "period": invoice.period,
             "total_cents": invoice.total_cents, "vat_cents": invoice.vat_cents,
             "full_cost_cents": invoice.full_cost_cents,
             "subsidy_cents": invoice.subsidy_cents,
             "paid_cents": invoice.paid_cents,
             "issued_on": invoice.issued_on.isoformat() if invoice.issued_on else None,
             "due_on": invoice.due_on.isoformat() if invoice.due_on else None,
             "status": invoice.status,
             "lines": [{"subscription_id": line.subscription_id, "tier": line.tier,
                        "days": line.days, "amount_cents": line.amount_cents}
                       for line in lines[invoice.id]],
             # One line per option: its share (amount) and the tier's subsidy (issue 22.3).
             "option_lines": [{"subscription_id": line.subscription_id,
                               "option_code": line.option_code, "tier": line.tier,
                               "days": line.days, "unit_price_cents": line.unit_price_cents,
                               "full_cost_cents": line.full_cost_cents,
                               "subsidy_cents": line.subsidy_cents,
                               "amount_cents": line.amount_cents}
                              for line in option_lines[invoice.id]]}
            for invoice in invoices]


@bp.get("/invoices")
@require_role(Role.OPERATOR)
@documented(query=InvoiceQuery, items=InvoiceOut)
def invoices():
    """Issued invoices, filterable by ?period=YYYY-MM, ?status=, ?building= and ?q=."""
    filters = parse(InvoiceQuery).filters()
    period = filters["period"]
    if period:
        runs.check_period(period, on=date.max)
    found = billing_invoices.invoice_list(billing_invoices.INVOICE_LIST_COLUMNS, **filters)
    response = api_list(found, scalars=False, serialize_page=invoices_json)
    # Recorded after serialising, and committed (it was left to the session's rollback).
    audit.record_request("read", "invoice_list", period)
    db.session.commit()
    return response


@bp.get("/households/<int:household_id>/balance")
@require_role(Role.OPERATOR)
@documented(response=BalanceOut)
def household_balance(household_id: int):
    """What a household owes, what is overdue and its credit."""
    household = get_household(household_id, Scope.of(current_actor()))
    audit.record_request("read", "household_balance", household.id)
    db.session.commit()
    balance = accounts.balance(household.id)
    step = dunning.next_step(household.id)
    return jsonify({"household_id": household.id, "invoiced_cents": balance.invoiced_cents,
                    "credited_cents": balance.credited_cents, "paid_cents": balance.paid_cents,
                    "due_cents": balance.due_cents, "overdue_cents": balance.overdue_cents,
                    "credit_cents": balance.credit_cents,
                    "balance_cents": balance.balance_cents,
                    "next_dunning_step": next_step_json(step) if step else None})


def next_step_json(step: dunning.NextStep) -> dict:
    def day(value):
        return value.isoformat() if value else None

    return {"household_id": step.household_id, "invoice_number": step.invoice_number,
            "due_on": day(step.due_on), "days_overdue": step.days_overdue, "kind": step.kind,
            "on": day(step.on), "hold": step.hold, "hold_until": day(step.hold_until),
            "approvable_from": day(step.approvable_from)}


@bp.get("/dunning/next-steps")
@require_role(Role.OPERATOR)
@documented(items=NextStepOut)
def dunning_next_steps():
    """Each household in arrears with its next dunning step and date, longest overdue first
    (kind reminder|referral|reduction|approval|lift|end; hold fsl|plan|postponed|null)."""

    def serialize_page(rows) -> list[dict]:
        steps = dunning.next_steps([row.household_id for row in rows])
        return [next_step_json(steps[row.household_id]) for row in rows
                if row.household_id in steps]

    response = api_list(dunning.arrears_statement(), scalars=False,
                        serialize_page=serialize_page, values=dunning.arrears_values())
    audit.record_request("read", "dunning_next_steps", None)
    db.session.commit()
    return response


def _int(payload: dict, name: str) -> int:
    value = payload.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise DomainError(_("%(field)s doit être un nombre entier.", field=name),
                          field=name, status=400)
    return value


PAYMENT_UNIT_CODE = Text("unit_code", 30)


@bp.post("/payments")
@require_role(Role.OPERATOR)
@documented(body_schema(HOUSEHOLD_ID, PAYMENT_UNIT_CODE, AMOUNT_CENTS,
                        Choice("method", tuple(PaymentMethod)), RECEIVED_ON, REFERENCE,
                        required=("amount_cents", "method", "received_on"),
                        confirm_overpayment={"type": "boolean"}), response=PaymentOut)
def payment_create():
    """Record a payment: household_id or unit_code, amount_cents, method, received_on.

    An amount more than 50 € above what the household owes needs "confirm_overpayment": true
    (otherwise 422, field confirm_overpayment)."""
    payload = json_body()
    scope = Scope.of(current_actor())
    PAYMENT_UNIT_CODE.check(payload.get("unit_code"))  # a wrong type is refused even if unused
    if payload.get("household_id") is not None:
        household = get_household(HOUSEHOLD_ID.check(_int(payload, "household_id")), scope)
    elif isinstance(payload.get("unit_code"), str):
        household = current_household(get_unit(payload["unit_code"]))
        if household is None:
            raise DomainError(_("Aucun foyer actuel dans ce logement"), field="unit_code",
                              status=404)
    else:
        raise DomainError(_("household_id ou unit_code est obligatoire"), field="household_id",
                          status=400)
    amount = _int(payload, "amount_cents")
    try:
        received_on = date.fromisoformat(str(payload.get("received_on")))
    except ValueError:
        raise DomainError(_("received_on doit être une date AAAA-MM-JJ"), field="received_on",
                          status=400) from None
    confirm = payload.get("confirm_overpayment", False)
    if not isinstance(confirm, bool):
        raise DomainError(_("confirm_overpayment vaut true ou false"),
                          field="confirm_overpayment", status=400)
    # record_payment checks amount, date and reference (billing.fields) for every entry point,
    # and refuses an amount far above the debt unless confirm_overpayment is true (422).
    payment: Payment = payments.record_payment(
        household, actor=current_actor(), amount_cents=amount,
        method=str(payload.get("method") or ""), received_on=received_on,
        reference=payload.get("reference"), confirm_overpayment=confirm)
    audit.record_request("create", "payment", household.id)
    db.session.commit()
    return jsonify({"id": payment.id, "household_id": household.id,
                    "amount_cents": payment.amount_cents, "method": payment.method,
                    "received_on": payment.received_on.isoformat(),
                    "unallocated_cents": payment.unallocated_cents,
                    "balance_cents": accounts.balance(household.id).balance_cents}), 201


def tariff_json(tier, *, on=None) -> dict:
    on = on or today()
    return {"tier": tier.code, "label": tier.label, "rule_text": tier.rule_text,
            "monthly_price_cents": billing_tariffs.price_on(tier, on.replace(day=1)),
            "prices": [{"valid_from": p.valid_from.strftime("%Y-%m"),
                        "monthly_price_cents": p.price_cents} for p in tier.prices],
            "next_month_price_cents": billing_tariffs.price_on(tier, next_period_start(on))}


@bp.get("/tariffs")
@require_role(Role.OPERATOR)
@documented(items=TariffOut)
def tariffs():
    """The social tariff grid: each tier, its price this month and its price history."""
    return api_list(select(Tier).options(selectinload(Tier.prices))
                    .order_by(Tier.position, Tier.code), tariff_json)


@bp.put("/tariffs/<code>")
@require_role()
@documented(response=TariffOut)
def tariff_update(code: str):
    """Set a tier's monthly price from a month: {"monthly_price_cents": N, "valid_from": "YYYY-MM"}
    (admin; a month not yet invoiced; the tier edit page applies the same rule)."""
    payload = json_body(allowed={"monthly_price_cents", "valid_from"})
    tier = billing_tariffs.get_tier(code)
    price = _int(payload, "monthly_price_cents")
    valid_from = payload.get("valid_from")
    try:
        first, _last = parse_period(valid_from if isinstance(valid_from, str) else "")
    except ValueError:
        raise DomainError(_("valid_from doit être un mois AAAA-MM"), field="valid_from",
                          status=400) from None
    billing_tariffs.set_tier_price(tier, actor=current_actor(), price_cents=price, valid_from=first)
    audit.record_request("update", "tier", tier.code, detail=f"{price} from {valid_from}")
    db.session.commit()
    return jsonify(tariff_json(tier))


def _run_period() -> str:
    payload = json_body(allowed={"period"})
    period = payload.get("period")
    if not isinstance(period, str):
        raise DomainError(_("La période doit être un mois AAAA-MM"), field="period", status=400)
    return period


def review_json(review: reports.Review) -> dict:
    return {"period": review.period, "drafts": review.drafts,
            "total_cents": review.total_cents, "zero_total": review.zero_total,
            "issued": review.issued, "previous_count": review.previous_count,
            "previous_total_cents": review.previous_total_cents,
            "by_tier": [{"tier": tier, "lines": count, "amount_cents": amount}
                        for tier, count, amount in review.by_tier],
            "by_option": [{"option_code": code, "lines": count, "amount_cents": amount,
                           "subsidy_cents": subsidy}
                          for code, count, amount, subsidy in review.by_option],
            "anomalies": [{"kind": kind, "household_id": household_id, "text": text}
                          for kind, household_id, text in review.anomalies]}


#: A billing month as the API reads it (``runs.check_period`` also wants it ended).
PERIOD_SCHEMA = {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"}


@bp.post("/billing-runs")
@require_role(Role.OPERATOR)
@documented(body_schema(required=("period",), period=PERIOD_SCHEMA), response=PreparedOut)
def billing_run_prepare():
    """Prepare a month's draft invoices: {"period": "YYYY-MM"}, a month that has ended
    (idempotent; the page /billing/runs does the same). Answers the month's review."""
    period = _run_period()
    result = runs.prepare_invoices(period, actor=current_actor())
    audit.record_request("create", "invoice_drafts", period,
                         detail=f"{result.invoices} prepared")
    db.session.commit()
    return jsonify({"prepared": result.invoices, "lines": result.lines,
                    "review": review_json(reports.review(period))}), \
        201 if result.invoices else 200


@bp.get("/billing-runs/<period>")
@require_role(Role.OPERATOR)
@documented(response=ReviewOut)
def billing_run_review(period: str):
    """A month's drafts to review: totals, by tier, change since last month, anomalies."""
    return jsonify(review_json(reports.review(period)))


@bp.post("/billing-runs/<period>/issue")
@require_role(Role.OPERATOR)
@documented(response=IssuedOut)
def billing_run_issue(period: str):
    """Issue a prepared month's non-zero drafts, numbering them (idempotent)."""
    result = runs.issue_invoices(period, actor=current_actor())
    audit.record_request("create", "invoices", period, detail=f"{result.issued} issued")
    db.session.commit()
    return jsonify({"period": period, "issued": result.issued,
                    "total_cents": result.total_cents, "first_number": result.first_number,
                    "last_number": result.last_number}), 201 if result.issued else 200
