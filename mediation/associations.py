"""Associations and their places: the mediation partners, their areas, specialties, contacts.

Services take the acting person as ``actor`` and never touch the request; the caller commits.
A mediator's scope is their association: anything of another association is "not found".
"""

from __future__ import annotations

import re

from sqlalchemy import Select, select

from isp.auth import Scope
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.timeutil import today
from isp.validation import Text, WebAddress
from mediation.choices import SPECIALTIES
from mediation.models import Association, Place
from subscribers.choices import LANGUAGES
from subscribers.models import District

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,29}$")
INSEE_RE = re.compile(r"^([013-9]\d|2[AB1-9])\d{3}$")
POSTCODE_RE = re.compile(r"^\d{5}$")
PIVOT_RE = re.compile(r"^[a-zA-Z0-9]{9,14}$")
#: An association's contact fields (the columns' lengths; the website only http or https).
ASSOCIATION_CONTACT_FIELDS = {field.name: field for field in (
    Text("email", 254), Text("phone", 30), Text("summary", 280, multiline=True),
    WebAddress("website", 300))}


def associations_query(search: str | None = None) -> Select:
    statement = select(Association).order_by(Association.code)
    if search:
        pattern = f"%{search.strip()}%"
        statement = statement.where(Association.name.ilike(pattern)
                                    | Association.code.ilike(pattern))
    return statement


def get_association(code: str, scope: Scope | None = None) -> Association:
    """An association by code; a mediator only finds their own."""
    association = db.session.execute(
        select(Association).where(Association.code == code)).scalar_one_or_none()
    if association is None or (scope is not None and scope.is_mediator
                               and association.id != scope.association_id):
        raise NotFoundError(_(
            "Association %(code)s introuvable", code=code), field="association_code")
    return association


def check_list(values: list[str], known, field: str, what: str) -> str:
    unknown = [value for value in values if value not in known]
    if unknown:
        raise DomainError(_(
            "%(what)s inconnu(s) : %(values)s", what=what, values=', '.join(unknown)), field=field)
    return ";".join(dict.fromkeys(values))


def split_list(value: str | list[str] | None) -> list[str]:
    """``a;b`` or a list → clean list."""
    if isinstance(value, list):
        return [item.strip() for item in value if item and item.strip()]
    return Association.split(value)


def save_association(association: Association | None = None, **fields) -> Association:
    """Create (``association`` None) or update an association after checking each field."""
    creating = association is None
    code = (fields.get("code") or (association.code if association else "")).strip().upper()
    if creating:
        if not CODE_RE.match(code):
            raise DomainError(_("Code : 2 à 30 majuscules, chiffres, - ou _"), field="code")
        if db.session.execute(select(Association.id).where(Association.code == code)).first():
            raise DomainError(_(
                "L'association %(code)s existe déjà", code=code), field="code", status=409)
        association = Association(code=code)
    name = (fields.get("name") if "name" in fields else association.name) or ""
    if not name.strip():
        raise DomainError(_("Le nom est obligatoire"), field="name")
    association.name = name.strip()[:160]
    if "siret_or_rna" in fields:
        pivot = (fields["siret_or_rna"] or "").replace(" ", "")
        if pivot and not (re.fullmatch(r"\d{14}", pivot) or re.fullmatch(r"W\d{9}", pivot)):
            raise DomainError(_("Le SIRET a 14 chiffres, le RNA est un W suivi de 9 chiffres"),
                              field="siret_or_rna")
        association.siret_or_rna = pivot or None
    if "districts" in fields or creating:
        districts = split_list(fields.get("districts"))
        if not districts:
            raise DomainError(_("Au moins un quartier est obligatoire"), field="districts")
        known = set(db.session.execute(select(District.code).where(
            District.code.in_(districts))).scalars())
        association.districts = check_list(districts, known, "districts", "district")
    if "languages" in fields or creating:
        languages = split_list(fields.get("languages")) or ["fr"]
        association.languages = check_list(languages, LANGUAGES, "languages", "language")
    if "specialties" in fields or creating:
        association.specialties = check_list(split_list(fields.get("specialties")),
                                             SPECIALTIES, "specialties", "specialty")
    if fields.get("capacity_per_month") is not None or creating:
        capacity = fields.get("capacity_per_month")
        capacity = 20 if capacity in (None, "") else capacity
        if not isinstance(capacity, int) or isinstance(capacity, bool) or not 0 <= capacity \
                <= 10000:
            raise DomainError(_("La capacité mensuelle est un nombre entier de 0 à 10000"),
                              field="capacity_per_month")
        association.capacity_per_month = capacity
    for name_ in ("email", "phone", "summary", "website"):
        if name_ in fields:
            setattr(association, name_, ASSOCIATION_CONTACT_FIELDS[name_].check(fields[name_]))
    if association.summary and len(association.summary) > 280:
        raise DomainError(_("Le résumé fait au plus 280 caractères"), field="summary")
    if creating:
        db.session.add(association)
    db.session.flush()
    return association


def get_place(place_id: int, association: Association) -> Place:
    place = db.session.get(Place, place_id)
    if place is None or place.association_id != association.id:
        raise NotFoundError(_("Lieu %(place_id)s introuvable", place_id=place_id), field="place_id")
    return place


def save_place(association: Association, place: Place | None = None, **fields) -> Place:
    """Create or update a place of an association."""
    place = place or Place(association=association)
    for required in ("name", "address", "postcode", "commune"):
        if not (fields.get(required) or "").strip():
            raise DomainError(_("%(required)s est obligatoire", required=required), field=required)
    if not POSTCODE_RE.match(fields["postcode"].strip()):
        raise DomainError(_("Code postal : 5 chiffres"), field="postcode")
    insee = (fields.get("insee_code") or "").strip().upper()
    if insee and not INSEE_RE.match(insee):
        raise DomainError(_("Code INSEE : 5 caractères (par exemple 44109)"), field="insee_code")
    for coordinate, bound in (("latitude", 90), ("longitude", 180)):
        value = fields.get(coordinate)
        if value is not None and not -bound <= value <= bound:
            raise DomainError(_(
                "%(coordinate)s hors limites", coordinate=coordinate), field=coordinate)
    place.name = fields["name"].strip()
    place.address = fields["address"].strip()
    place.postcode = fields["postcode"].strip()
    place.commune = fields["commune"].strip()
    place.insee_code = insee or None
    place.address_complement = (fields.get("address_complement") or "").strip() or None
    place.latitude = fields.get("latitude")
    place.longitude = fields.get("longitude")
    place.opening_hours = (fields.get("opening_hours") or "").strip() or None
    place.accessibility = (fields.get("accessibility") or "").strip() or None
    place.accessibility_url = (fields.get("accessibility_url") or "").strip() or None
    place.mobile = bool(fields.get("mobile"))
    place.updated_on = today()
    db.session.add(place)
    db.session.flush()
    return place
