"""Outreach demo: a few fictitious public requests in the districts the demo knows, at each
status of the queue, and the districts' contours when a contour file is at hand.

Contours: a GeoJSON of the metropolis' IRIS placed in ``isp/data/`` or in the shared data folder
next to the checkout (``../shared/data/``) under a name matching ``*iris*.geojson`` or
``*contours*.geojson`` is imported (property ``code_iris`` matched to the districts' IRIS code,
the others ignored). Without one, the simplified and illustrative contours shipped in
``outreach/data/`` are imported (one small polygon roughly where each demo IRIS lies, not the
official limits); the map page says so. Idempotent: no request when requests exist, no contour
when contours exist.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from isp.extensions import db
from isp.models import User
from outreach import contours, services
from outreach.models import DistrictContour, ServiceRequest
from subscribers.models import District

_ROOT = Path(__file__).resolve().parent.parent
CONTOUR_DIRS = (_ROOT / "isp" / "data", _ROOT.parent / "shared" / "data")
#: Shipped for the demo when no real contour file is at hand (docs/outreach.md).
ILLUSTRATIVE_CONTOURS = Path(__file__).resolve().parent / "data" / \
    "demo-district-contours-illustrative.geojson"

#: (district name, street, flats, requester kind, final status, supporters): fictitious.
REQUESTS = (
    ("Pin Sec", "2 rue de la Démonstration", 64, "landlord", "planned", 2),
    ("Pin Sec", "14 allée des Exemples", 40, "resident", "studied", 1),
    ("Pin Sec", "7 place Fictive", 25, "association", "new", 0),
    ("Pin Sec", "31 rue du Test", 18, "resident", "new", 0),
    ("Bottière", "5 boulevard Imaginaire", 80, "landlord", "studied", 0),
    ("Bottière", "9 rue Inventée", 12, "resident", "refused", 0),
    ("Malakoff", "1 quai de l'Essai", 120, "association", "new", 3),
    (None, "22 rue Sans-Quartier", 30, "resident", "new", 0),
)


def _district(name: str | None) -> District | None:
    if name is None:
        return None
    return db.session.execute(select(District).where(District.name.ilike(f"%{name}%"))
                              .order_by(District.id).limit(1)).scalar_one_or_none()


def _contour_file() -> Path | None:
    for folder in CONTOUR_DIRS:
        if folder.is_dir():
            for pattern in ("*iris*.geojson", "*contours*.geojson"):
                found = sorted(folder.glob(pattern))
                if found:
                    return found[0]
    return ILLUSTRATIVE_CONTOURS if ILLUSTRATIVE_CONTOURS.is_file() else None


def _seed_contours() -> str:
    if db.session.execute(select(DistrictContour.id)).first():
        return ""
    path = _contour_file()
    if path is None:
        return "no contour file (the map page says which one to import)"
    try:
        with db.session.begin_nested():  # a refused file leaves the rest of the seed alone
            result = contours.import_contours(
                path.read_bytes(), property_name="code_iris", match="iris_code",
                skip_unknown=True, source=path.name, imported_by="demo")
    except Exception as error:  # a file the demo cannot read must not stop the seed
        return f"contours not imported from {path.name}: {str(error)[:200]}"
    return f"{result.imported} contours from {path.name}"


def seed_demo() -> str | None:
    note = _seed_contours()
    if db.session.execute(select(ServiceRequest.id)).first():
        return f"outreach: {note}" if note and "contours from" in note else None
    operator = db.session.execute(select(User).where(User.role == "operator")
                                  .order_by(User.id).limit(1)).scalar_one_or_none()
    created = 0
    for number, (name, street, flats, kind, status, supporters) in enumerate(REQUESTS, 1):
        district = _district(name)
        data = {"requester_kind": kind, "requester_name": f"Demandeur fictif {number}",
                "street": street, "postcode": "44300", "commune": "Nantes",
                "district_code": district.code if district else "", "flats": flats,
                "contact_email": f"demande{number}@example.org", "consent": True}
        outcome = services.submit_request(data, client_address=None, throttled=False)
        for _ in range(supporters):
            services.submit_request(data | {"contact_email": None,
                                            "contact_phone": "02 40 00 00 00"},
                                    client_address=None, throttled=False)
        if operator is not None:
            path = {"studied": ["studied"], "planned": ["studied", "planned"],
                    "refused": ["refused"]}.get(status, [])
            for step in path:
                services.change_status(outcome.request, step, actor=operator,
                                       reason="Immeuble déjà raccordé par un autre opérateur "
                                       "(démonstration)" if step == "refused" else None)
        created += 1
    db.session.flush()
    return f"outreach: {created} public requests (fictitious){'; ' + note if note else ''}"
