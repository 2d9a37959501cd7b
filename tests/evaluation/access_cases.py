"""Access cases for the evaluation pages and API (analysts and operators; aggregates only)."""

import json

from tests import factories
from tests.access import Case

ANALYSTS = ("analyst", "operator")


def _scenario(ctx):
    from evaluation.models import Scenario
    from isp.extensions import db

    scenario = Scenario(name="Cas d'accès", assumptions=json.dumps({}),
                        results=json.dumps({}))
    db.session.add(scenario)
    db.session.flush()
    return {"scenario_id": scenario.id}


def _building(ctx):
    return {"code": factories.make_building().code}


def _scenario_json(ctx):
    from billing.tariffs import ensure_default_grid

    ensure_default_grid()  # scenarios price the tiers through billing's grid
    return {"json": {"name": "Accès", "district_code": factories.make_district().code,
                     "flats": 120}}


CASES = [
    Case("GET", "/evaluation", ANALYSTS),
    Case("GET", "/evaluation/districts", ANALYSTS),
    Case("GET", "/evaluation/scenarios", ANALYSTS),
    # An empty form: served (access passed) and refused with the form's message.
    Case("POST", "/evaluation/scenarios", ANALYSTS, ok=(422,)),
    Case("GET", "/evaluation/scenarios/<int:scenario_id>", ANALYSTS, _scenario),
    # Without ids: back to the list (compare) or a 400 (export); access passed.
    Case("GET", "/evaluation/scenarios/compare", ANALYSTS, ok=(302,)),
    Case("GET", "/evaluation/scenarios/export.csv", ANALYSTS, ok=(400,)),
    Case("GET", "/evaluation/footprint", ANALYSTS),
    Case("GET", "/evaluation/report/<int:year>", ANALYSTS, lambda ctx: {"year": 2026}),
    Case("GET", "/api/v1/evaluation/buildings/<code>", ANALYSTS, _building),
    Case("GET", "/api/v1/evaluation/districts", ANALYSTS),
    Case("GET", "/api/v1/evaluation/fragility", ANALYSTS),
    Case("GET", "/evaluation/districts.csv", ANALYSTS),
    Case("POST", "/api/v1/evaluation/scenarios", ANALYSTS, _scenario_json, ok=(201,)),
    Case("GET", "/api/v1/evaluation/scenarios", ANALYSTS),
    Case("GET", "/api/v1/evaluation/scenarios/<int:scenario_id>", ANALYSTS, _scenario),
]
