"""Open-data export of the associations' places in the national schema (lieux de médiation
numérique, Table Schema v1.0.2 in isp/data/). CSV and JSON carry the same rows.

A place is exported only when its association has a SIRET or RNA (the schema's required
"pivot"); the others are listed as skipped so that someone can complete them.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from isp import csvexport
from isp.extensions import db
from mediation.choices import SPECIALTY_TO_SERVICE
from mediation.models import Association, Place

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "isp" / "data" / \
    "lieux-mediation-numerique-schema-1.0.2.json"
SOURCE = "social-isp"
PHONE_RE = re.compile(r"^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$")
#: Languages the schema names; every other non-French language is "autres".
ENGLISH = "Langues étrangères (anglais)"
OTHER_LANGUAGES = "Langues étrangères (autres)"


def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def field_names() -> list[str]:
    return [field["name"] for field in schema()["fields"]]


def french_phone(value: str | None) -> str | None:
    """``02 40 00 00 00`` → ``+33240000000``; None when it cannot be read as a French number."""
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if re.fullmatch(r"0\d{9}", digits):
        digits = "+33" + digits[1:]
    return digits if PHONE_RE.match(digits) else None


@dataclass(frozen=True)
class Export:
    rows: list[dict]
    skipped: list[str]


def place_row(place: Place) -> dict:
    """One place as a record of the national schema (None for empty optional fields)."""
    association: Association = place.association
    specialties = association.split(association.specialties)
    services = list(dict.fromkeys(SPECIALTY_TO_SERVICE[s] for s in specialties
                                  if s in SPECIALTY_TO_SERVICE))
    languages = [lang for lang in association.split(association.languages) if lang != "fr"]
    care = []
    if "en" in languages:
        care.append(ENGLISH)
    if any(lang != "en" for lang in languages):
        care.append(OTHER_LANGUAGES)
    detail = f"Accessibilité : {place.accessibility}" if place.accessibility else None
    return {
        "id": f"{association.code}-{place.id}",
        "pivot": association.siret_or_rna,
        "nom": place.name,
        "commune": place.commune,
        "code_postal": place.postcode,
        "code_insee": place.insee_code,
        "adresse": place.address,
        "complement_adresse": place.address_complement,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "typologie": "ASSO",
        "telephone": french_phone(association.phone),
        "courriels": association.email,
        "site_web": association.website,
        "horaires": place.opening_hours,
        "presentation_resume": association.summary,
        "presentation_detail": detail,
        "source": SOURCE,
        "itinerance": "Itinérant" if place.mobile else "Fixe",
        "structure_parente": None,
        "date_maj": place.updated_on.isoformat(),
        "services": "|".join(services) or None,
        "publics_specifiquement_adresses": None,
        "prise_en_charge_specifique": "|".join(care) or None,
        "frais_a_charge": "Gratuit",
        "dispositif_programmes_nationaux": None,
        "formations_labels": None,
        "autres_formations_labels": None,
        "modalites_acces": "Se présenter|Téléphoner" if association.phone else "Se présenter",
        "modalites_accompagnement": "Accompagnement individuel|Dans un atelier collectif",
        "fiche_acces_libre": place.accessibility_url,
        "prise_rdv": None,
    }


def export_places() -> Export:
    """Every place whose association has a SIRET/RNA, in the schema's field order."""
    names = field_names()
    rows, skipped = [], []
    places = db.session.execute(select(Place).join(Place.association)
                                .order_by(Association.code, Place.id)).scalars()
    for place in places:
        if not place.association.siret_or_rna:
            skipped.append(f"{place.association.code}-{place.id}")
            continue
        row = place_row(place)
        rows.append({name: row.get(name) for name in names})
    return Export(rows, skipped)


def to_csv(export: Export) -> str:
    buffer = io.StringIO(newline="")
    writer = csvexport.dict_writer(buffer, fieldnames=field_names(), lineterminator="\r\n")
    writer.writeheader()
    for row in export.rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def to_json(export: Export) -> str:
    return json.dumps(export.rows, ensure_ascii=False, indent=1)
