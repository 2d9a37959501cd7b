"""Access cases for the support pages and API."""

from tests import factories
from tests.access import Case
from tests.support.factories import make_ticket

OP = ("operator",)
OP_MED = ("operator", "mediator")
POST_OK = (200, 201, 302, 400, 409, 422)


def _ticket_in_scope(ctx):
    household = factories.make_household(association=ctx.association)
    return {"number": make_ticket(household=household).number}


def _ticket_other(ctx):
    household = factories.make_household(association=factories.make_association())
    return {"number": make_ticket(household=household).number}


def _comment_in_scope(ctx):
    return _ticket_in_scope(ctx) | {"json": {"body": "Rappel fait"},
                                    "data": {"body": "Rappel fait"}}


def _new_ticket_in_scope(ctx):
    household = factories.make_household(association=ctx.association)
    body = {"household_id": household.id, "subject": "Plus de connexion",
            "category": "no_connection", "source": "phone"}
    return {"json": body, "data": body}


def _new_ticket_other(ctx):
    household = factories.make_household(association=factories.make_association())
    return {"json": {"household_id": household.id, "subject": "x", "category": "other"}}


CASES = [
    Case("GET", "/tickets", OP_MED),
    Case("GET", "/tickets/new", OP_MED),
    Case("POST", "/tickets/new", OP_MED, ok=POST_OK),
    Case("GET", "/tickets/<number>", OP_MED, _ticket_in_scope, _ticket_other),
    Case("POST", "/tickets/<number>/comments", OP_MED, _comment_in_scope, _ticket_other,
         ok=POST_OK),
    Case("POST", "/tickets/<number>/update", OP, _ticket_in_scope, ok=POST_OK),
    Case("GET", "/notifications", OP_MED),
    Case("POST", "/notifications/read", OP_MED, ok=POST_OK),
    Case("GET", "/api/v1/tickets", OP_MED),
    Case("POST", "/api/v1/tickets", OP_MED, _new_ticket_in_scope, _new_ticket_other,
         ok=(201,)),
    Case("GET", "/api/v1/tickets/<number>", OP_MED, _ticket_in_scope, _ticket_other),
    Case("POST", "/api/v1/tickets/<number>/comments", OP_MED, _comment_in_scope, _ticket_other,
         ok=(201,)),
]
