"""Access cases for the subscribers pages and API."""

from tests import factories
from tests.access import Case

OP = ("operator",)
OP_MED = ("operator", "mediator")
POST_OK = (200, 201, 302, 400, 422)


def _building(ctx):
    return {"code": factories.make_building().code}


def _unit(ctx):
    return {"code": factories.make_unit().code}


def _household_in_scope(ctx):
    return {"household_id": factories.make_household(association=ctx.association).id}


def _household_other(ctx):
    return {"household_id": factories.make_household(
        association=factories.make_association()).id}


def _household_tab_in_scope(ctx):
    return {**_household_in_scope(ctx), "tab_slug": "history"}


def _household_tab_other(ctx):
    return {**_household_other(ctx), "tab_slug": "history"}


CASES = [
    Case("GET", "/", ("operator", "mediator", "analyst", "resident"), ok=(200, 302)),
    Case("POST", "/logout", ("operator", "mediator", "analyst", "resident"), ok=(302,)),
    Case("GET", "/account/password", ("operator", "mediator", "analyst", "resident")),
    Case("POST", "/account/password", ("operator", "mediator", "analyst", "resident"), ok=(400,)),
    Case("GET", "/districts", OP),
    Case("GET", "/buildings", OP),
    Case("GET", "/buildings/new", OP),
    Case("POST", "/buildings/new", OP, ok=POST_OK),
    Case("GET", "/buildings/<code>", OP, _building),
    Case("GET", "/buildings/<code>/edit", OP, _building),
    Case("POST", "/buildings/<code>/edit", OP, _building, ok=POST_OK),
    Case("GET", "/units/<code>", OP, _unit),
    Case("GET", "/households", OP_MED),
    Case("GET", "/households/new", OP),
    Case("POST", "/households/new", OP, ok=POST_OK),
    Case("GET", "/households/<int:household_id>", OP_MED, _household_in_scope,
         _household_other),
    Case("GET", "/households/<int:household_id>/<tab_slug>", OP_MED, _household_tab_in_scope,
         _household_tab_other),
    Case("GET", "/households/<int:household_id>/edit", OP, _household_in_scope),
    Case("POST", "/households/<int:household_id>/edit", OP, _household_in_scope, ok=POST_OK),
    Case("GET", "/households/<int:household_id>/move-out", OP, _household_in_scope),
    Case("POST", "/households/<int:household_id>/move-out", OP, _household_in_scope,
         ok=POST_OK),
    Case("GET", "/imports", OP),
    Case("POST", "/imports", OP, ok=POST_OK),
    Case("GET", "/imports/<kind>/template.csv", OP, lambda ctx: {"kind": "units"}),
    Case("GET", "/api/v1/me", ("operator", "mediator", "analyst", "resident")),
    Case("GET", "/api/v1/districts", ("operator", "analyst")),
    Case("GET", "/api/v1/buildings", OP),
    Case("GET", "/api/v1/buildings/<code>", OP, _building),
    Case("GET", "/api/v1/units", OP),
    Case("GET", "/api/v1/households", OP_MED),
    Case("GET", "/api/v1/households/<int:household_id>", OP_MED, _household_in_scope,
         _household_other),
    Case("GET", "/api/v1/households/<int:household_id>/history", OP_MED, _household_in_scope,
         _household_other),
    Case("POST", "/api/v1/households/<int:household_id>/move-out", OP, _household_in_scope,
         ok=POST_OK),
    Case("POST", "/api/v1/households", OP, ok=POST_OK),
]
