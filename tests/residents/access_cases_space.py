"""Access cases of the residents' space and ``/api/v1/me/...`` (issue 20).

Only residents pass (and the admin, always allowed by ``require_role``, whom
``residents.identity`` then refuses: an admin has no household, 403). Each resident reaching
only their own household is tested in test_space_pages.py and test_api_me.py.
"""

from datetime import date, timedelta

from tests import factories
from tests.access import Case

RES = ("resident",)
GET_OK = (200, 403)
POST_OK = (200, 201, 302, 303, 400, 403, 409, 422)


def _household(ctx):
    return ctx.household or factories.make_household(association=ctx.association)


def _number(ctx):
    from billing.models import Invoice
    from isp.extensions import db

    invoice = Invoice(number=f"FA-2026-{factories.n():06d}", household_id=_household(ctx).id,
                      period="2026-10", status="issued", total_cents=590, vat_cents=98,
                      full_cost_cents=2500, issued_on=date(2026, 11, 2),
                      due_on=date(2026, 12, 2))
    db.session.add(invoice)
    db.session.flush()
    return {"number": invoice.number}


def _slot(ctx):
    from tests.mediation.factories import make_slot

    return {"json": {"slot_id": make_slot(ctx.association).id},
            "data": {"slot_id": make_slot(ctx.association).id}}


def _booking(ctx):
    from tests.mediation.factories import make_booking, make_slot

    return {"booking_id": make_booking(make_slot(ctx.association), _household(ctx)).id}


def _mandate(ctx):
    from isp.timeutil import today
    from residents import mandates

    mediator = factories.make_user("mediator", association=ctx.association)
    mandate, _code = mandates.create_mandate(
        _household(ctx).id, actor=mediator, scopes=["bookings"],
        ends_on=today() + timedelta(days=30), consent_method="in_person",
        consent_reference="F-1")
    return {"mandate_id": mandate.id}


def _problem(ctx):
    return {"json": {"problem": "slow"}, "data": {"problem": "slow"}}


CASES = [
    Case("GET", "/moi", RES, ok=GET_OK),
    Case("GET", "/moi/internet", RES, ok=GET_OK),
    Case("GET", "/moi/factures", RES, ok=GET_OK),
    Case("GET", "/moi/factures/<number>/pdf", RES, _number, ok=GET_OK),
    Case("POST", "/moi/factures/prelevement", RES, ok=POST_OK),
    Case("GET", "/moi/probleme", RES, ok=GET_OK),
    Case("POST", "/moi/probleme", RES, _problem, ok=POST_OK),
    Case("GET", "/moi/accompagnement", RES, ok=GET_OK),
    Case("POST", "/moi/accompagnement/reserver", RES, _slot, ok=POST_OK),
    Case("POST", "/moi/accompagnement/<int:booking_id>/annuler", RES, _booking, ok=POST_OK),
    Case("GET", "/moi/donnees", RES, ok=GET_OK),
    Case("GET", "/moi/donnees/mes-donnees.json", RES, ok=GET_OK),
    Case("GET", "/moi/mandats", RES, ok=GET_OK),
    Case("POST", "/moi/mandats/<int:mandate_id>/fin", RES, _mandate, ok=POST_OK),
    Case("GET", "/api/v1/me/invoices", RES, ok=GET_OK),
    Case("GET", "/api/v1/me/tickets", RES, ok=GET_OK),
    Case("POST", "/api/v1/me/tickets", RES, _problem, ok=POST_OK),
    Case("GET", "/api/v1/me/usage", RES, ok=GET_OK),
    Case("GET", "/api/v1/me/slots", RES, ok=GET_OK),
    Case("POST", "/api/v1/me/bookings", RES, _slot, ok=POST_OK),
    Case("POST", "/api/v1/me/bookings/<int:booking_id>/cancel", RES, _booking, ok=POST_OK),
    Case("GET", "/api/v1/me/mandates", RES, ok=GET_OK),
    Case("POST", "/api/v1/me/mandates/<int:mandate_id>/end", RES, _mandate, ok=POST_OK),
    Case("POST", "/api/v1/me/sepa-requests", RES, ok=POST_OK),
]
