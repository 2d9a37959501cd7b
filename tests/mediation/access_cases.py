"""Access cases for the mediation pages and API (two associations: A in scope, B out)."""

from tests import factories
from tests.access import Case
from tests.mediation.factories import make_booking, make_session, make_slot

OP = ("operator",)
MED = ("mediator",)
OP_MED = ("operator", "mediator")
POST_OK = (200, 201, 302, 400, 409, 422)


def _association(ctx):
    return {"code": factories.make_association().code}


def _place(ctx):
    from mediation.associations import save_place

    association = factories.make_association()
    place = save_place(association, name="Lieu", address="1 rue", postcode="44300",
                       commune="Nantes")
    return {"code": association.code, "place_id": place.id}


def _household(ctx):
    return {"household_id": factories.make_household().id}


def _slot_in(ctx):
    return {"slot_id": make_slot(ctx.association).id}


def _slot_other(ctx):
    return {"slot_id": make_slot(factories.make_association()).id}


def _booking_in(ctx):
    slot = make_slot(ctx.association)
    household = factories.make_household(association=ctx.association)
    return {"booking_id": make_booking(slot, household).id, "data": {"status": "cancelled"}}


def _booking_other(ctx):
    other = factories.make_association()
    slot = make_slot(other)
    household = factories.make_household(association=other)
    return {"booking_id": make_booking(slot, household).id, "data": {"status": "cancelled"}}


def _session_in(ctx):
    return {"session_id": make_session(ctx.association).id}


def _session_other(ctx):
    return {"session_id": make_session(factories.make_association()).id}


def _book_in(ctx):
    slot = make_slot(ctx.association)
    household = factories.make_household(association=ctx.association)
    return {"json": {"slot_id": slot.id, "household_id": household.id}}


def _book_other(ctx):
    other = factories.make_association()
    slot = make_slot(other)
    household = factories.make_household(association=other)
    return {"json": {"slot_id": slot.id, "household_id": household.id}}


def _slots_other(ctx):
    return {"association": factories.make_association().code}


CASES = [
    Case("GET", "/associations", OP),
    Case("GET", "/associations/new", OP),
    Case("POST", "/associations/new", OP, ok=POST_OK),
    Case("GET", "/associations/<code>", OP, _association),
    Case("GET", "/associations/<code>/edit", OP, _association),
    Case("POST", "/associations/<code>/edit", OP, _association, ok=POST_OK),
    Case("GET", "/associations/<code>/places/new", OP, _association),
    Case("POST", "/associations/<code>/places/new", OP, _association, ok=POST_OK),
    Case("GET", "/associations/<code>/places/<int:place_id>/edit", OP, _place),
    Case("POST", "/associations/<code>/places/<int:place_id>/edit", OP, _place, ok=POST_OK),
    Case("GET", "/orientation", OP),
    Case("GET", "/households/<int:household_id>/orientation", OP, _household),
    Case("POST", "/households/<int:household_id>/orientation", OP, _household, ok=POST_OK),
    Case("GET", "/mediation/slots", OP_MED),
    Case("GET", "/mediation/slots/new", MED),
    Case("POST", "/mediation/slots/new", MED, ok=POST_OK),
    Case("GET", "/mediation/slots/<int:slot_id>", OP_MED, _slot_in, _slot_other),
    Case("POST", "/mediation/slots/<int:slot_id>/book", MED, _slot_in, _slot_other,
         ok=POST_OK),
    Case("POST", "/mediation/slots/<int:slot_id>/cancel", MED, _slot_in, _slot_other,
         ok=POST_OK),
    Case("POST", "/mediation/bookings/<int:booking_id>/status", MED, _booking_in,
         _booking_other, ok=POST_OK),
    Case("GET", "/mediation/planning", OP_MED),
    Case("GET", "/mediation/sessions", OP_MED),
    Case("GET", "/mediation/sessions/new", MED),
    Case("POST", "/mediation/sessions/new", MED, ok=POST_OK),
    Case("GET", "/mediation/sessions/<int:session_id>", OP_MED, _session_in, _session_other),
    Case("GET", "/api/v1/associations", ("operator", "mediator", "analyst")),
    Case("GET", "/api/v1/slots", OP_MED),
    Case("GET", "/api/v1/slots/<int:slot_id>", OP_MED, _slot_in, _slot_other),
    Case("POST", "/api/v1/bookings", MED, _book_in, _book_other, ok=POST_OK),
    Case("POST", "/api/v1/sessions", MED, ok=POST_OK),
    Case("GET", "/api/v1/sessions/<int:session_id>", OP_MED, _session_in, _session_other),
    Case("POST", "/api/v1/assignments", OP, ok=POST_OK),
    Case("GET", "/api/v1/households/<int:household_id>/suggested-associations", OP, _household),
]
