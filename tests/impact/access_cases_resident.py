"""Access cases of the resident's own follow-up (/moi/suivi, /api/v1/me/impact): residents
only (the admin passes ``require_role`` and is then refused by ``residents.identity``: 403)."""

from tests.access import Case

RES = ("resident",)
GET_OK = (200, 403)
POST_OK = (200, 201, 303, 400, 403, 409)
ANSWERS = {"home_connection": True, "monthly_cost_cents": 1000, "devices": ["smartphone"]}


def _stage(ctx):
    return {"stage": "m6", "json": ANSWERS,
            "data": {"home_connection": "yes", "monthly_cost": "10", "devices": "smartphone"}}


CASES = [
    Case("GET", "/moi/suivi", RES, ok=GET_OK),
    Case("POST", "/moi/suivi/<stage>", RES, _stage, ok=POST_OK),
    Case("GET", "/api/v1/me/impact", RES, ok=GET_OK),
    Case("POST", "/api/v1/me/impact/<stage>", RES, _stage, ok=POST_OK),
]
