"""Access cases of outreach: the queue for operators, the map for analysts and operators, the
contours' page for admins. The public routes are listed in ``PUBLIC`` and checked by
tests/outreach/test_access_public.py (anonymous allowed)."""

from outreach import services
from tests import factories
from tests.access import Case
from tests.outreach.conftest import valid_request

OP = ("operator",)
MAP = ("analyst", "operator")
POST_OK = (200, 201, 302, 303, 400, 422)


def _request(ctx):
    factories.make_district("ACC-1")
    outcome = services.submit_request(valid_request(), client_address="198.51.100.1")
    return {"reference": outcome.reference}


CASES = [
    Case("GET", "/demandes", OP),
    Case("GET", "/demandes/<reference>", OP, _request),
    Case("POST", "/demandes/<reference>/status", OP,
         lambda ctx: {**_request(ctx), "data": {"status": "studied"}}, ok=POST_OK),
    Case("POST", "/demandes/<reference>/district", OP,
         lambda ctx: {**_request(ctx), "data": {"district_code": "ACC-1"}}, ok=POST_OK),
    Case("GET", "/evaluation/carte", MAP),
    Case("GET", "/admin/contours", ()),
    Case("POST", "/admin/contours", (), ok=POST_OK),
    Case("GET", "/api/v1/requests", OP),
    Case("GET", "/api/v1/requests/<reference>", OP, _request),
    Case("PATCH", "/api/v1/requests/<reference>", OP,
         lambda ctx: {**_request(ctx), "json": {"status": "studied"}}),
]

#: Public routes (no login): method, URL, statuses that mean "served".
PUBLIC = [
    ("GET", "/demande", (200,)),
    ("POST", "/demande", (303, 422)),
    ("GET", "/demande/merci", (200, 404)),
    ("GET", "/open-data/carte", (200,)),
    ("POST", "/api/v1/requests", (201, 422)),
]
