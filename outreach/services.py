"""Public requests for the service: validation, spam resistance, duplicates, the queue.

One home for every rule of a request: the public form, the public API and the operators'
queue (page and API) all call these functions.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload

from isp import throttle
from isp.database import built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.pagination import ListStatements
from isp.timeutil import utcnow
from outreach.choices import CLOSED, TRANSITIONS, RequesterKind, RequestStatus
from outreach.models import RequestEvent, ServiceRequest
from subscribers.models import District

#: One client address: five submissions an hour, then 10 minutes, doubling up to a day.
#: Honeypot catches count too (a bot is slowed down without being told).
PUBLIC_REQUESTS = throttle.Rule("public-request-ip", free=5, first_wait=timedelta(minutes=10),
                                max_wait=timedelta(hours=24), window=timedelta(hours=24))
#: The form's hidden field that only robots fill.
HONEYPOT_FIELD = "website"
#: Whatever was typed for "I don't know my district".
UNKNOWN_DISTRICT = ""
MAX_FLATS = 5000
REFERENCE_PREFIX = "DS-"
REFERENCE_PATTERN = re.compile(r"DS-\d{6}")

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE_ALLOWED = re.compile(r"^\+?[\d\s.()-]{6,30}$")
_POSTCODE = re.compile(r"^\d{5}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_TEXT_LIMITS = {"requester_name": 120, "street": 200, "commune": 80,
                "contact_email": 254, "contact_phone": 30}
#: Street-type abbreviations written either way ("bd", "boulevard"): the key uses the long form.
_ABBREVIATIONS = {"bd": "boulevard", "bld": "boulevard", "blvd": "boulevard", "av": "avenue",
                  "ave": "avenue", "r": "rue", "pl": "place", "all": "allee", "imp": "impasse",
                  "che": "chemin", "ch": "chemin", "rte": "route", "sq": "square",
                  "crs": "cours", "qu": "quai", "st": "saint", "ste": "sainte", "res": "residence",
                  "b": "bis", "t": "ter"}
_STOP_WORDS = {"de", "du", "des", "la", "le", "les", "l", "d"}

#: The fields a request is made of (form and API).
FIELDS = ("requester_kind", "requester_name", "street", "postcode", "commune",
          "district_code", "flats", "contact_email", "contact_phone", "consent")


@dataclass(frozen=True)
class Outcome:
    """What a submission became: ``created``, ``supported`` (a duplicate, counted on the first
    request) or ``discarded`` (the honeypot was filled: nothing stored, same answer)."""

    kind: str
    reference: str
    request: ServiceRequest | None = None
    #: The e-mail the submitter gave, for the acknowledgement (a supporter's is never stored).
    contact_email: str | None = None


def address_key(street: str, postcode: str) -> str:
    """The address as compared for duplicates: no accents, case, punctuation, stop words or
    abbreviations ("12 bd de la Prairie-au-Duc" = "12, Boulevard Prairie au Duc")."""
    plain = unicodedata.normalize("NFKD", street).encode("ascii", "ignore").decode().lower()
    plain = re.sub(r"(\d+)\s*(bis|ter|b|t)\b", r"\1 \2", plain)
    words = [_ABBREVIATIONS.get(word, word) for word in re.split(r"[^a-z0-9]+", plain) if word]
    words = [word for word in words if word not in _STOP_WORDS]
    return f"{postcode.strip()}|{' '.join(words)}"[:300]


def _text(data: dict, name: str, errors: dict, *, required: bool) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = _("Ce champ est obligatoire.")
        return None
    if not isinstance(value, str):
        errors[name] = _("Ce champ doit être un texte.")
        return None
    if len(value.strip()) > _TEXT_LIMITS.get(name, 200):
        errors[name] = _("%(n)s caractères au plus.", n=_TEXT_LIMITS.get(name, 200))
        return None
    if _CONTROL.search(value):
        errors[name] = _("Ce champ contient un caractère de contrôle.")
        return None
    return " ".join(value.split())


def _consent(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in ("1", "y", "yes", "on", "true",
                                                                "oui")


def check_request(data: dict) -> tuple[dict, dict[str, str]]:
    """The clean values of a submission and the errors, field by field (all of them, so that
    the form shows every mistake at once; the API answers the first)."""
    errors: dict[str, str] = {}
    clean: dict = {}
    kind = data.get("requester_kind")
    if kind not in tuple(RequesterKind):
        errors["requester_kind"] = _("Choisissez : habitant, bailleur ou association.")
    clean["requester_kind"] = kind
    for name in ("requester_name", "street", "commune"):
        clean[name] = _text(data, name, errors, required=True)
    postcode = _text(data, "postcode", errors, required=True)
    if postcode is not None and not _POSTCODE.match(postcode):
        errors["postcode"] = _("Le code postal a 5 chiffres.")
    clean["postcode"] = postcode
    flats = data.get("flats")
    if isinstance(flats, str) and re.fullmatch(r"\s*\d{1,9}\s*", flats):
        flats = int(flats)
    if flats is None or flats == "":
        errors["flats"] = _("Ce champ est obligatoire.")
    elif isinstance(flats, bool) or not isinstance(flats, int) or not 1 <= flats <= MAX_FLATS:
        errors["flats"] = _("Un nombre de logements de 1 à %(n)s.", n=MAX_FLATS)
    clean["flats"] = flats
    code = data.get("district_code") or UNKNOWN_DISTRICT
    clean["district"] = None
    if code != UNKNOWN_DISTRICT:
        district = (db.session.execute(select(District).where(District.code == code))
                    .scalar_one_or_none() if isinstance(code, str) else None)
        if district is None:
            errors["district_code"] = _("Quartier inconnu : choisissez-le dans la liste ou "
                                        "« je ne sais pas ».")
        clean["district"] = district
    email = _text(data, "contact_email", errors, required=False)
    if email is not None and not _EMAIL.match(email):
        errors["contact_email"] = _("Cette adresse e-mail n'est pas valide.")
    phone = _text(data, "contact_phone", errors, required=False)
    if phone is not None and (not _PHONE_ALLOWED.match(phone)
                              or not 9 <= len(re.sub(r"\D", "", phone)) <= 15):
        errors["contact_phone"] = _("Ce numéro de téléphone n'est pas valide.")
    if email is None and phone is None and not {"contact_email", "contact_phone"} & set(errors):
        errors["contact_email"] = _("Indiquez un e-mail ou un téléphone pour vous répondre.")
    clean["contact_email"], clean["contact_phone"] = email, phone
    if not _consent(data.get("consent")):
        errors["consent"] = _("Sans votre accord, nous ne pouvons pas vous recontacter : "
                              "cochez la case.")
    return clean, errors


def throttle_key(client_address: str | None) -> str:
    return throttle.key(PUBLIC_REQUESTS, client_address)


def check_rate(client_address: str | None) -> None:
    """Refuse (429) a client address that sent too many requests lately."""
    wait = throttle.wait_for(PUBLIC_REQUESTS, throttle_key(client_address))
    if wait:
        minutes = max(1, -(-wait // 60))
        raise DomainError(_("Trop de demandes envoyées depuis votre connexion. Réessayez dans "
                            "%(n)s minutes.", n=minutes), status=429)


def _event(request: ServiceRequest, kind: str, actor: User | None, *, before: str | None = None,
           after: str | None = None, reason: str | None = None) -> None:
    request.events.append(RequestEvent(
        kind=kind, actor_id=actor.id if actor else None,
        actor_email=actor.email if actor else "public", from_value=before, to_value=after,
        reason=reason))


def find_duplicate(key: str) -> ServiceRequest | None:
    """The first open or planned request for this address (a refused one does not count:
    asking again after a refusal is a new request)."""
    return db.session.execute(
        select(ServiceRequest).where(ServiceRequest.address_key == key,
                                     ServiceRequest.status != RequestStatus.REFUSED)
        .order_by(ServiceRequest.id).limit(1)).scalar_one_or_none()


def submit_request(data: dict, *, client_address: str | None, channel: str = "form",
                   throttled: bool = True) -> Outcome:
    """A public submission (form or API), the caller commits.

    Order: the rate limit (429) — counted on every valid submission, honeypot or not —, then
    validation (the first error raised), then the honeypot (a valid submission with it filled
    is answered as stored and discarded), then duplicates.
    """
    if throttled:  # the demo's seed is not a client
        check_rate(client_address)
        throttle.record_failure(PUBLIC_REQUESTS, throttle_key(client_address))
    clean, errors = check_request(data)
    if errors:
        name = next(name for name in FIELDS if name in errors)
        raise DomainError(errors[name], field=name, status=422)
    if str(data.get(HONEYPOT_FIELD) or "").strip():
        return Outcome("discarded", f"{REFERENCE_PREFIX}{secrets.randbelow(900000) + 100000}")
    key = address_key(clean["street"], clean["postcode"])
    first = find_duplicate(key)
    if first is not None:
        first.supporters = (first.supporters or 0) + 1
        if first.district_id is None and clean["district"] is not None:
            first.district = clean["district"]
        _event(first, "supported", None, after=clean["requester_kind"])
        db.session.flush()
        return Outcome("supported", first.reference, first, clean["contact_email"])
    now = utcnow()
    request = ServiceRequest(
        requester_kind=clean["requester_kind"], requester_name=clean["requester_name"],
        street=clean["street"], postcode=clean["postcode"], commune=clean["commune"],
        address_key=key, district=clean["district"], flats=clean["flats"],
        contact_email=clean["contact_email"], contact_phone=clean["contact_phone"],
        consent_at=now, status=RequestStatus.NEW, channel=channel, created_at=now,
        status_changed_at=now)
    db.session.add(request)
    _event(request, "created", None, after=RequestStatus.NEW)
    db.session.flush()
    request.reference = f"{REFERENCE_PREFIX}{request.id:06d}"
    db.session.flush()
    return Outcome("created", request.reference, request, clean["contact_email"])


# --- the operators' queue ------------------------------------------------------------------------

def queue_query(*, status: str | None = None, district_code: str | None = None,
                q: str | None = None) -> Select:
    """Requests, newest first, filtered by status and district (``none``: district unknown).

    A page's districts are joined into its query (the page and the API show each one's name
    or code).
    """
    return queue_list(status=status, district_code=district_code, q=q).bound()


def queue_list(*, status: str | None = None, district_code: str | None = None,
               q: str | None = None) -> ListStatements:
    """``queue_query`` for the lists: its statement built once per set of filters used
    (isp.database.built_once), the filters' values as values; a search adds its words (issue
    23.3)."""
    values: dict[str, object] = {}
    if status:
        if status not in tuple(RequestStatus):
            raise DomainError(_("Statut inconnu : %(s)s", s=status[:20]), field="status",
                              status=400)
        values["status"] = status
    if district_code and district_code != "none":
        values["district_code"] = district_code
    listed = ListStatements(_queue_statement(
        "status" in values, "none" if district_code == "none"
        else "code" if "district_code" in values else None), values)
    if not q:
        return listed
    like = f"%{q.strip().lower()[:100]}%"
    return listed.where(func.lower(ServiceRequest.street).like(like)
                        | func.lower(ServiceRequest.commune).like(like)
                        | (ServiceRequest.reference == q.strip().upper()))


@built_once
def _queue_statement(of_status: bool, district: str | None) -> Select:
    """The queue with a ``status`` value, and a district (``code``: ``district_code``;
    ``none``: unknown)."""
    statement = (select(ServiceRequest).options(joinedload(ServiceRequest.district))
                 .order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc()))
    if of_status:
        statement = statement.where(ServiceRequest.status == bindparam("status"))
    if district == "none":
        statement = statement.where(ServiceRequest.district_id.is_(None))
    elif district == "code":
        statement = statement.join(District, ServiceRequest.district_id == District.id).where(
            District.code == bindparam("district_code"))
    return statement


def get_request(reference: str) -> ServiceRequest:
    found = db.session.execute(select(ServiceRequest).where(
        ServiceRequest.reference == reference)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(_("Demande %(r)s introuvable", r=reference[:20]))
    return found


def change_status(request: ServiceRequest, status: object, *, actor: User,
                  reason: object = None) -> ServiceRequest:
    """Move a request along the queue (``TRANSITIONS``); a refusal needs a reason. The caller
    commits. The same status again changes nothing (a double submit is harmless)."""
    if not isinstance(status, str) or status not in tuple(RequestStatus):
        raise DomainError(_("Statut inconnu (new, studied, planned, refused)."), field="status")
    if reason is not None and not isinstance(reason, str):
        raise DomainError(_("Le motif doit être un texte."), field="reason")
    reason = (reason or "").strip() or None
    if reason and (len(reason) > 2000 or re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", reason)):
        raise DomainError(_("Le motif : 2000 caractères au plus, sans caractère de contrôle."),
                          field="reason")
    if status == request.status:
        return request
    if status not in TRANSITIONS[RequestStatus(request.status)]:
        raise DomainError(_("Une demande « %(a)s » ne peut pas passer à « %(b)s ».",
                            a=request.status, b=status), field="status", status=409)
    if status == RequestStatus.REFUSED and not reason:
        raise DomainError(_("Un refus doit être motivé : indiquez le motif."), field="reason")
    _event(request, "status", actor, before=request.status, after=status, reason=reason)
    request.status = status
    request.status_changed_at = utcnow()
    request.refusal_reason = reason if status == RequestStatus.REFUSED else None
    db.session.flush()
    return request


def set_district(request: ServiceRequest, district_code: object, *, actor: User) -> None:
    """The operator places a request in a district (or back to unknown with "")."""
    if district_code is not None and not isinstance(district_code, str):
        raise DomainError(_("Quartier inconnu."), field="district_code")
    district = None
    if district_code:
        district = db.session.execute(select(District).where(
            District.code == district_code)).scalar_one_or_none()
        if district is None:
            raise DomainError(_("Quartier inconnu."), field="district_code")
    before = request.district.code if request.district else None
    after = district.code if district else None
    if before == after:
        return
    _event(request, "district", actor, before=before, after=after)
    request.district = district
    db.session.flush()


def is_closed(request: ServiceRequest) -> bool:
    return request.status in CLOSED
