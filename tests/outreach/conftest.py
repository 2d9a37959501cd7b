"""Outreach test fixtures: three districts matching tests/outreach/data/districts.geojson."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories

DATA = Path(__file__).parent / "data"
GEOJSON = DATA / "districts.geojson"


@pytest.fixture
def districts(db):
    return {code: factories.make_district(code, name=name) for code, name in
            (("TST-NORD", "Nord"), ("TST-SUD", "Sud"), ("TST-EST", "Est"))}


def valid_request(**overrides) -> dict:
    data = {"requester_kind": "resident", "requester_name": "Awa Test",
            "street": "12 boulevard de la Prairie-au-Duc", "postcode": "44200",
            "commune": "Nantes", "district_code": "", "flats": "40",
            "contact_email": "awa@example.org", "contact_phone": "", "consent": "yes"}
    data.update(overrides)
    return data
