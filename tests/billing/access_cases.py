"""Access cases for the billing pages and API: operators only (mediators, analysts: no invoice)."""

from datetime import date

from billing import invoices, runs, tariffs
from tests import factories
from tests.access import Case
from tests.billing.factories import billed_household

OP = ("operator",)
POST_OK = (200, 201, 302, 303, 400, 422)


def _household(ctx):
    return {"household_id": billed_household().id}


def _invoice(ctx):
    billed_household()
    runs.prepare_invoices("2026-09", actor=None)
    result = runs.issue_invoices("2026-09", actor=None, issued_on=date(2026, 10, 2))
    return {"number": result.first_number}


def _period(ctx):
    billed_household()
    return {"period": "2026-09"}


def _sepa(ctx):
    from billing.exports import record_mandate

    values = _invoice(ctx)
    household = invoices.get_invoice(values["number"]).household
    record_mandate(household, actor=factories.make_user("operator"),
                   iban="FR7630006000011234567890189", account_holder="Foyer test",
                   reference=f"RUM-{household.id}", signed_on=date(2026, 1, 1))
    return {"period": "2026-09"}


def _step(ctx):
    from billing.models import DunningStep

    household = billed_household()
    step = DunningStep(household_id=household.id, kind="reduction", on=date(2026, 11, 1),
                       state="proposed")
    factories.db.session.add(step)
    factories.db.session.flush()
    return {"step_id": step.id}


def _tier(ctx):
    tariffs.ensure_default_grid()
    return {"code": "T2"}


def _payment(ctx):
    return {"json": {"household_id": billed_household().id, "amount_cents": 500,
                     "method": "cash", "received_on": "2026-11-01"}}


CASES = [
    Case("GET", "/billing/runs", OP),
    Case("POST", "/billing/runs", OP, lambda ctx: {**_period(ctx), "data": {"period": "2026-09"}},
         ok=POST_OK),
    Case("GET", "/billing/runs/<period>", OP, _period),
    Case("POST", "/billing/runs/<period>/prepare", OP, _period, ok=POST_OK),
    Case("POST", "/billing/runs/<period>/issue", OP, _period, ok=POST_OK),
    Case("GET", "/billing/invoices", OP),
    Case("GET", "/billing/invoices/<number>", OP, _invoice),
    Case("GET", "/billing/invoices/<number>/print", OP, _invoice),
    Case("GET", "/billing/invoices/<number>/pdf", OP, _invoice),
    Case("POST", "/billing/invoices/<number>/credit-notes", OP, _invoice, ok=POST_OK),
    Case("GET", "/billing/households/<int:household_id>/payments/new", OP, _household),
    Case("POST", "/billing/households/<int:household_id>/payments/new", OP, _household,
         ok=POST_OK),
    Case("GET", "/billing/households/<int:household_id>/statement", OP, _household),
    Case("GET", "/billing/households/<int:household_id>/eligibility", OP, _household),
    Case("POST", "/billing/households/<int:household_id>/eligibility", OP, _household,
         ok=POST_OK),
    Case("GET", "/billing/renewals", OP),
    Case("POST", "/billing/households/<int:household_id>/postpone", OP, _household,
         ok=POST_OK),
    Case("POST", "/billing/households/<int:household_id>/payment-plan", OP, _household,
         ok=POST_OK),
    Case("POST", "/billing/households/<int:household_id>/fsl", OP, _household, ok=POST_OK),
    Case("POST", "/billing/households/<int:household_id>/fsl/decision", OP, _household,
         ok=POST_OK),
    Case("POST", "/billing/households/<int:household_id>/mandate", OP, _household,
         ok=POST_OK),
    Case("GET", "/billing/dunning", OP),
    Case("GET", "/billing/dunning/steps", OP),
    Case("POST", "/billing/dunning/<int:step_id>/approve", OP, _step, ok=POST_OK),
    Case("POST", "/billing/dunning/<int:step_id>/reject", OP, _step, ok=POST_OK),
    Case("GET", "/billing/tariffs", OP, _tier),
    Case("GET", "/billing/tariffs/<code>", (), _tier),
    Case("POST", "/billing/tariffs/<code>", (), _tier, ok=POST_OK),
    Case("GET", "/billing/exports/<period>/accounting.csv", OP, _period),
    Case("GET", "/billing/exports/<period>/sepa.xml", OP, _sepa),
    Case("GET", "/api/v1/invoices", OP, _invoice),
    Case("GET", "/api/v1/households/<int:household_id>/balance", OP, _household),
    Case("POST", "/api/v1/payments", OP, _payment, ok=(201,)),
    Case("GET", "/api/v1/dunning/next-steps", OP, _invoice),
    Case("GET", "/api/v1/tariffs", OP, _tier),
    Case("PUT", "/api/v1/tariffs/<code>", (), lambda ctx: {**_tier(ctx), "json": {
        "monthly_price_cents": 600, "valid_from": "2027-02"}}),
    Case("POST", "/api/v1/billing-runs", OP, lambda ctx: {**_period(ctx),
                                                         "json": {"period": "2026-09"}},
         ok=(201,)),
    Case("GET", "/api/v1/billing-runs/<period>", OP, _period),
    Case("POST", "/api/v1/billing-runs/<period>/issue", OP, _period, ok=(200, 201)),
]
