"""Access cases of the bank statement pages and API: operators (and admins) only."""

from __future__ import annotations

from tests.access import Case

OP = ("operator",)
POST_OK = (200, 201, 302, 303, 400, 409, 422)


def _import(name: str = "camt053_v02_names_only.xml"):
    from banking import services
    from tests.banking.conftest import sample
    from tests.billing.factories import billed_household

    billed_household(holder_name="Aminata Diallo")
    return services.import_statement(sample(name), actor=None)


def _statement(ctx):
    return {"statement_id": _import().statements[0].id}


def _line(ctx):
    line = _import().statements[0].lines[0]
    return {"line_id": line.id}


def _assign(ctx):
    from tests.billing.factories import billed_household

    values = _line(ctx)
    household = billed_household()
    return values | {"json": {"household_id": household.id},
                     "data": {"household_id": str(household.id)}}


def _not_ours(ctx):
    return _line(ctx) | {"json": {"reason": "Cotisation de l'amicale"},
                         "data": {"reason": "Cotisation de l'amicale"}}


CASES = [
    Case("GET", "/banking/statements", OP, _statement),
    Case("POST", "/banking/statements", OP, ok=POST_OK),
    Case("GET", "/banking/statements/<int:statement_id>", OP, _statement),
    Case("GET", "/banking/queue", OP, _line),
    Case("GET", "/banking/lines/<int:line_id>", OP, _line),
    Case("POST", "/banking/lines/<int:line_id>/assign", OP, _assign, ok=POST_OK),
    Case("POST", "/banking/lines/<int:line_id>/confirm", OP, _line, ok=POST_OK),
    Case("POST", "/banking/lines/<int:line_id>/not-ours", OP, _not_ours, ok=POST_OK),
    Case("GET", "/api/v1/bank-statements", OP, _statement),
    Case("POST", "/api/v1/bank-statements", OP, ok=POST_OK),
    Case("GET", "/api/v1/bank-statements/<int:statement_id>", OP, _statement),
    Case("GET", "/api/v1/bank-statements/lines", OP, _line),
    Case("GET", "/api/v1/bank-statements/lines/<int:line_id>", OP, _line),
    Case("POST", "/api/v1/bank-statements/lines/<int:line_id>/assign", OP, _assign,
         ok=POST_OK),
    Case("POST", "/api/v1/bank-statements/lines/<int:line_id>/confirm", OP, _line, ok=POST_OK),
    Case("POST", "/api/v1/bank-statements/lines/<int:line_id>/not-ours", OP, _not_ours,
         ok=POST_OK),
]
