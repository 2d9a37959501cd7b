"""Access cases for the impact pages and API (mediators: their association's households)."""

from tests import factories
from tests.access import Case
from tests.impact.factories import subscribed_household

RECORDERS = ("operator", "mediator")
ANALYSTS = ("analyst", "operator")
POST_OK = (200, 201, 302, 400, 409, 422)
ANSWERS = {"home_connection": True, "monthly_cost_cents": 2000, "devices": ["smartphone"]}


def _household_in(ctx):
    household = subscribed_household(association=ctx.association)
    return {"household_id": household.id, "stage": "t0", "json": ANSWERS}


def _household_other(ctx):
    household = subscribed_household(association=factories.make_association())
    return {"household_id": household.id, "stage": "t0", "json": ANSWERS}


CASES = [
    Case("GET", "/impact/due", RECORDERS),
    Case("GET", "/households/<int:household_id>/impact/<stage>", RECORDERS, _household_in,
         _household_other),
    Case("POST", "/households/<int:household_id>/impact/<stage>", RECORDERS, _household_in,
         _household_other, ok=POST_OK),
    Case("GET", "/evaluation/impact", ANALYSTS),
    Case("GET", "/evaluation/impact.csv", ANALYSTS),
    Case("GET", "/api/v1/households/<int:household_id>/impact", RECORDERS, _household_in,
         _household_other),
    Case("POST", "/api/v1/households/<int:household_id>/impact/<stage>", RECORDERS,
         _household_in, _household_other, ok=POST_OK),
    Case("GET", "/api/v1/impact/due", RECORDERS),
    Case("GET", "/api/v1/evaluation/indicators", ANALYSTS),
]
