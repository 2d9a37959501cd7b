"""Access cases of the mediators' mandate pages (a mediator: their own mandates only)."""

from datetime import timedelta

from tests import factories
from tests.access import Case

POST_OK = (200, 201, 302, 303, 400, 409, 422)


def _mandate(association, mediator=None, scopes=("invoices", "bookings", "tickets")):
    from isp.timeutil import today
    from residents.models_mandates import Mandate

    household = factories.make_household(association=association)
    mediator = mediator or factories.make_user("mediator", association=association)
    mandate = Mandate(household_id=household.id, association_id=association.id,
                      mediator_id=mediator.id, scopes=";".join(scopes), starts_on=today(),
                      ends_on=today() + timedelta(days=30), consent_method="in_person",
                      consent_reference="F-1", status="active")
    from isp.extensions import db

    db.session.add(mandate)
    db.session.flush()
    return mandate


def _invoice(mandate):
    from datetime import date

    from billing.models import Invoice
    from isp.extensions import db

    invoice = Invoice(number=f"FA-2026-{factories.n():06d}", household_id=mandate.household_id,
                      period="2026-10", status="issued", total_cents=590, vat_cents=98,
                      full_cost_cents=2500, issued_on=date(2026, 11, 2),
                      due_on=date(2026, 12, 2))
    db.session.add(invoice)
    db.session.flush()
    return invoice


def _mine(ctx):
    mandate = _mandate(ctx.association, ctx.user if ctx.user and ctx.user.role == "mediator"
                       else None)
    return {"mandate_id": mandate.id, "number": _invoice(mandate).number}


def _other(ctx):
    mandate = _mandate(factories.make_association())
    return {"mandate_id": mandate.id, "number": _invoice(mandate).number}


def _followed(ctx):
    household = factories.make_household(association=ctx.association)
    return {"data": {"household_id": household.id}}


CASES = [
    Case("GET", "/mediation/mandates", ("mediator",)),
    Case("GET", "/mediation/mandates/new", ("mediator",), _followed),
    Case("POST", "/mediation/mandates/new", ("mediator",), _followed, ok=POST_OK),
    Case("GET", "/mediation/mandates/<int:mandate_id>", ("mediator",), _mine, _other),
    Case("POST", "/mediation/mandates/<int:mandate_id>/confirm", ("mediator",), _mine, _other,
         ok=POST_OK),
    Case("GET", "/mediation/mandates/<int:mandate_id>/factures/<number>/pdf", ("mediator",),
         _mine, _other),
    Case("POST", "/mediation/mandates/<int:mandate_id>/book", ("mediator",), _mine, _other,
         ok=POST_OK),
    Case("POST", "/mediation/mandates/<int:mandate_id>/report", ("mediator",), _mine, _other,
         ok=POST_OK),
    Case("POST", "/mediation/mandates/<int:mandate_id>/end", ("mediator",), _mine, _other,
         ok=POST_OK),
]


def _ends_on() -> str:
    """A mandate's end within its 12 months, whatever the day the tests run."""
    from datetime import timedelta

    from isp.timeutil import today

    return (today() + timedelta(days=30)).isoformat()


def _create_in(ctx):
    household = factories.make_household(association=ctx.association)
    return {"json": {"household_id": household.id, "scopes": ["tickets"],
                     "ends_on": _ends_on(), "consent_method": "in_person",
                     "consent_reference": "F-1"}}


def _create_other(ctx):
    household = factories.make_household(association=factories.make_association())
    return {"json": {"household_id": household.id, "scopes": ["tickets"],
                     "ends_on": _ends_on(), "consent_method": "in_person",
                     "consent_reference": "F-1"}}


def _act_mine(ctx):
    from tests.mediation.factories import make_slot

    values = _mine(ctx)
    return {**values, "json": {"slot_id": make_slot(ctx.association).id, "problem": "slow",
                               "code": "123456"}}


def _act_other(ctx):
    values = _other(ctx)
    return {**values, "json": {"slot_id": 1, "problem": "slow", "code": "123456"}}


CASES += [
    Case("GET", "/api/v1/mandates", ("mediator",)),
    # An admin passes the role check; a mandate is given to a mediator only (403).
    Case("POST", "/api/v1/mandates", ("mediator",), _create_in, _create_other,
         ok=(*POST_OK, 403)),
    Case("POST", "/api/v1/mandates/<int:mandate_id>/confirm", ("mediator",), _act_mine,
         _act_other, ok=POST_OK),
    Case("POST", "/api/v1/mandates/<int:mandate_id>/end", ("mediator",), _mine, _other,
         ok=POST_OK),
    Case("GET", "/api/v1/mandates/<int:mandate_id>/invoices", ("mediator",), _mine, _other),
    Case("POST", "/api/v1/mandates/<int:mandate_id>/bookings", ("mediator",), _act_mine,
         _act_other, ok=POST_OK),
    Case("POST", "/api/v1/mandates/<int:mandate_id>/tickets", ("mediator",), _act_mine,
         _act_other, ok=POST_OK),
]


def _sepa_request(ctx):
    from isp.extensions import db
    from residents.models_mandates import SepaRequest

    row = SepaRequest(household_id=factories.make_household().id)
    db.session.add(row)
    db.session.flush()
    return {"request_id": row.id, "json": {"status": "contacted"},
            "data": {f"r{row.id}-status": "contacted"}}


# The operators' list of the residents' SEPA direct-debit requests.
CASES += [
    Case("GET", "/sepa-requests", ("operator",)),
    Case("POST", "/sepa-requests/<int:request_id>", ("operator",), _sepa_request, ok=POST_OK),
    Case("GET", "/api/v1/sepa-requests", ("operator",)),
    Case("POST", "/api/v1/sepa-requests/<int:request_id>/status", ("operator",), _sepa_request,
         ok=POST_OK),
]
