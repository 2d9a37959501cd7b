"""Access cases for the plan's page and API: admins only edit, operators read the API."""

from billing import tariffs
from tests.access import Case

POST_OK = (200, 201, 302, 400, 422)


def _plan(ctx):
    tariffs.ensure_default_grid()
    return {"code": tariffs.DEFAULT_PLAN["code"]}


CASES = [
    Case("GET", "/billing/plans/<code>", (), _plan),
    Case("POST", "/billing/plans/<code>", (), _plan, ok=POST_OK),
    Case("GET", "/api/v1/plans", ("operator",), _plan),
    Case("PUT", "/api/v1/plans/<code>", (), lambda ctx: {**_plan(ctx), "json": {
        "reduced_down_kbps": 9000}}),
]
