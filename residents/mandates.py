"""Mandates: a mediator acts for a resident, within what the resident allowed (issue 20).

Modelled on Aidants Connect: a mandate names one mediator of the household's association,
lists what it covers (see invoices, book slots, report a problem — nothing more), lasts at most
12 months and records how the resident consented (in person, with the signed form's reference;
or a code sent to the resident and read back to the mediator). Every action under a mandate
is written to the audit log with both names. The resident sees their mandates and may end
one; a mandate ends with the move-out and when the association stops following the household
(checked at each use, and on the move-out signal).

Services take ``actor``, flush and never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, timedelta

from flask import has_request_context, request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from billing.sepa_mandates import active_mandate
from isp import audit
from isp.auth import Scope
from isp.choices import Role
from isp.database import built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.models import User
from isp.timeutil import today, utcnow
from isp.validation import Text
from mediation.assignments import current_assignment
from residents.models_mandates import Mandate, SepaRequest
from subscribers.services import get_household

#: What a mandate may cover, and nothing more.
SCOPES = {"invoices": _l("voir les factures"), "bookings": _l("réserver un rendez-vous"),
          "tickets": _l("signaler un problème")}
CONSENT_METHODS = {"in_person": _l("en personne (formulaire signé)"),
                   "code": _l("code envoyé au résident")}
STATUS_LABELS = {"pending": _l("en attente du code"), "active": _l("en cours"),
                 "ended": _l("terminé")}
END_REASONS = {"resident": _l("arrêté par le résident"), "mediator": _l("arrêté par le médiateur"),
               "moved_out": _l("départ du logement"),
               "assignment_ended": _l("fin du suivi par l'association"),
               "expired": _l("date de fin passée")}
MAX_MONTHS = 12
CODE_VALID_MINUTES = 10
MAX_CODE_ATTEMPTS = 5
FORM_REFERENCE = Text("consent_reference", 60)
SEPA_NOTE = Text("note", 300, multiline=True)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def latest_end(starts_on: date) -> date:
    """The last day a mandate starting on ``starts_on`` may hold (12 months, day before)."""
    return add_months(starts_on, MAX_MONTHS) - timedelta(days=1)


def _code_hash(mandate_id: int, code: str) -> str:
    return hashlib.sha256(f"{mandate_id}:{code}".encode()).hexdigest()


def _current_association_id(household_id: int) -> int | None:
    assignment = current_assignment(household_id)
    return assignment.association_id if assignment is not None else None


def create_mandate(household_id: int, *, actor: User, scopes: list[str], ends_on: date | None,
                   consent_method: str, consent_reference: str | None = None,
                   send_code=None) -> tuple[Mandate, str | None]:
    """A mediator records a mandate for a household their association follows.

    In person: active at once with the signed form's reference. By code: a 6-digit code is
    sent to the resident (``send_code(household, text) -> Delivery | None``: residents.sms
    ``send_to_household``) and the mandate waits
    until the mediator types the code the resident reads back. Returns the mandate and the
    code when it was generated (the caller sends it; never shown to the mediator).
    """
    if Role(actor.role) is not Role.MEDIATOR:
        raise DomainError(_("Seul un médiateur reçoit un mandat"), status=403)
    household = get_household(int(household_id), Scope.of(actor))
    if household.moved_out_on is not None:
        raise DomainError(_("Ce foyer a quitté le logement"), status=409)
    chosen = list(dict.fromkeys(scope for scope in (scopes or []) if scope))
    unknown = [scope for scope in chosen if scope not in SCOPES]
    if unknown or not chosen:
        raise DomainError(_("Choisissez ce que couvre le mandat : factures, rendez-vous, "
                            "signalement"), field="scopes")
    start = today()
    if not isinstance(ends_on, date):
        raise DomainError(_("La date de fin est obligatoire"), field="ends_on")
    if ends_on < start or ends_on > latest_end(start):
        raise DomainError(_("Un mandat dure au plus 12 mois (jusqu'au %(day)s)",
                            day=latest_end(start).strftime("%d/%m/%Y")), field="ends_on")
    if consent_method not in CONSENT_METHODS:
        raise DomainError(_("Dites comment le résident a donné son accord"),
                          field="consent_method")
    mandate = Mandate(household_id=household.id, association_id=actor.association_id,
                      mediator_id=actor.id, scopes=";".join(chosen), starts_on=start,
                      ends_on=ends_on, consent_method=consent_method, created_by_id=actor.id)
    code = None
    if consent_method == "in_person":
        reference = FORM_REFERENCE.check(consent_reference)
        if not reference:
            raise DomainError(_("Notez la référence du formulaire signé"),
                              field="consent_reference")
        mandate.consent_reference = reference
        mandate.status = "active"
        mandate.consented_at = utcnow()
    else:
        if send_code is None:
            raise DomainError(_("L'envoi de code n'est pas disponible : faites signer le "
                                "formulaire"), field="consent_method", status=409)
        mandate.status = "pending"
    db.session.add(mandate)
    db.session.flush()
    if consent_method == "code":
        code = f"{secrets.randbelow(10**6):06d}"
        mandate.consent_code_hash = _code_hash(mandate.id, code)
        mandate.consent_code_sent_at = utcnow()
        delivery = send_code(household, _("Code pour autoriser %(name)s à vous aider : "
                                          "%(code)s. Donnez-le seulement si vous êtes "
                                          "d'accord.", name=actor.name or actor.email,
                                          code=code))
        if delivery is None or not getattr(delivery, "ok", False):
            raise DomainError(_("Le code n'a pas pu être envoyé (pas de portable connu ?) : "
                                "faites signer le formulaire"), field="consent_method",
                              status=409)
        db.session.flush()
    _audit(mandate, "create", actor, _("mandat enregistré"))
    return mandate, code


def confirm_code(mandate: Mandate, code: str, *, actor: User) -> Mandate:
    """The mediator types the code the resident read back: the mandate starts."""
    mandate = get_for_mediator(mandate.id, actor)
    if mandate.status != "pending" or mandate.consent_code_hash is None:
        raise DomainError(_("Ce mandat n'attend pas de code"), field="code", status=409)
    sent = mandate.consent_code_sent_at
    if mandate.consent_attempts >= MAX_CODE_ATTEMPTS or sent is None or \
            utcnow() - sent > timedelta(minutes=CODE_VALID_MINUTES):
        raise DomainError(_("Le code a expiré : recommencez"), field="code", status=409)
    mandate.consent_attempts += 1
    given = (code or "").strip()
    if not hmac.compare_digest(_code_hash(mandate.id, given), mandate.consent_code_hash):
        db.session.flush()
        raise DomainError(_("Ce code ne correspond pas"), field="code")
    mandate.status = "active"
    mandate.consented_at = utcnow()
    mandate.consent_code_hash = None
    db.session.flush()
    _audit(mandate, "decision", actor, _("accord du résident par code"))
    return mandate


def get_for_mediator(mandate_id: int, actor: User) -> Mandate:
    """A mandate given to this mediator (anything else: not found)."""
    mandate = db.session.get(Mandate, mandate_id)
    if mandate is None or (Role(actor.role) is not Role.ADMIN and mandate.mediator_id != actor.id):
        raise NotFoundError(_("Mandat %(id)s introuvable", id=mandate_id), field="mandate_id")
    return mandate


def get_for_household(mandate_id: int, household_id: int) -> Mandate:
    mandate = db.session.get(Mandate, mandate_id)
    if mandate is None or mandate.household_id != household_id:
        raise NotFoundError(_("Mandat %(id)s introuvable", id=mandate_id), field="mandate_id")
    return mandate


_UNKNOWN = object()


def _still_holds(mandate: Mandate, association_id: object = _UNKNOWN) -> bool:
    """Ends a mandate whose association no longer follows the household or whose end passed.

    ``association_id``: the one following the household now, when already read (a household's
    mandates share it).
    """
    if mandate.status == "ended":
        return False
    if mandate.ends_on < today():
        _end(mandate, "expired", actor=None)
        return False
    moved_out_on = mandate.household.moved_out_on
    if moved_out_on is not None and moved_out_on <= today():
        _end(mandate, "moved_out", actor=None)
        return False
    if association_id is _UNKNOWN:
        association_id = _current_association_id(mandate.household_id)
    if association_id != mandate.association_id:
        _end(mandate, "assignment_ended", actor=None)
        return False
    return True


def require(mandate_id: int, scope: str, *, actor: User) -> Mandate:
    """The mandate this mediator acts under, for one action it covers (checked at each use)."""
    mandate = get_for_mediator(mandate_id, actor)
    if not _still_holds(mandate) or mandate.status != "active":
        raise DomainError(_("Ce mandat n'est plus valable"), status=409)
    if scope not in mandate.scope_list:
        raise DomainError(_("Ce mandat ne couvre pas cette action"), status=403)
    return mandate


def _end(mandate: Mandate, reason: str, *, actor: User | None) -> None:
    mandate.status = "ended"
    mandate.ended_at = utcnow()
    mandate.end_reason = reason
    mandate.ended_by_id = actor.id if actor is not None else None
    db.session.flush()


def end_mandate(mandate: Mandate, *, actor: User, reason: str) -> Mandate:
    """The resident (or the mediator) ends a mandate."""
    if mandate.status == "ended":
        raise DomainError(_("Ce mandat est déjà terminé"), status=409)
    _end(mandate, reason, actor=actor)
    _audit(mandate, "update", actor, _("mandat arrêté"))
    return mandate


def end_for_household(household_id: int, *, reason: str, actor: User | None) -> int:
    """Every open mandate of the household ends (the move-out)."""
    count = 0
    for mandate in db.session.execute(select(Mandate).where(
            Mandate.household_id == household_id, Mandate.status != "ended")).scalars():
        _end(mandate, reason, actor=actor)
        count += 1
    return count


@built_once
def _mandates_statement():
    # The household page's: built once (isp.database.built_once).
    return (select(Mandate).where(Mandate.household_id == bindparam("household_id"))
            .order_by(Mandate.created_at.desc(), Mandate.id.desc())
            .options(joinedload(Mandate.mediator)))


def household_mandates(household_id: int) -> list[Mandate]:
    """The household's mandates, open ones checked (an ended follow-up ends them)."""
    mandates = list(db.session.execute(_mandates_statement(),
                                       {"household_id": household_id}).scalars())
    if any(mandate.status != "ended" for mandate in mandates):
        association_id = _current_association_id(household_id)  # once, not once a mandate
        for mandate in mandates:
            _still_holds(mandate, association_id)
    return mandates


def mediator_mandates(actor: User) -> list[Mandate]:
    """The mandates given to this mediator, open ones first."""
    mandates = list(db.session.execute(select(Mandate).where(
        Mandate.mediator_id == actor.id).order_by(Mandate.status, Mandate.ends_on)).scalars())
    for mandate in mandates:
        _still_holds(mandate)
    return mandates


def _audit(mandate: Mandate, action: str, actor: User, what: str) -> None:
    """One audit entry naming the mediator and the resident (the household's holder)."""
    household = mandate.household
    mediator = mandate.mediator
    detail = _("mandat %(id)s — %(mediator)s pour %(resident)s : %(what)s",
               id=mandate.id, mediator=mediator.name or mediator.email,
               resident=household.holder_name, what=what)
    route = f"{request.method} {request.path}" if has_request_context() else None
    audit.record(action, actor=actor, record_type="household", record_id=mandate.household_id,
                 route=route, detail=detail)


def record_action(mandate: Mandate, action: str, what: str, *, actor: User) -> None:
    """Audit one action done under a mandate (both names)."""
    _audit(mandate, action, actor, what)


# --- SEPA direct debit requests ----------------------------------------------------------------

def request_sepa(household_id: int, *, actor: User, note: str | None = None) -> SepaRequest:
    """The resident asks to pay by direct debit; one open request at a time (the note is
    checked even when a request is open already)."""
    note = SEPA_NOTE.check(note)
    if active_mandate(household_id) is not None:
        raise DomainError(_("Vous payez déjà par prélèvement."), status=409)
    open_request = db.session.execute(select(SepaRequest).where(
        SepaRequest.household_id == household_id, SepaRequest.handled_at.is_(None))
    ).scalar_one_or_none()
    if open_request is not None:
        return open_request
    request_row = SepaRequest(household_id=household_id, requested_by_id=actor.id, note=note)
    db.session.add(request_row)
    db.session.flush()
    return request_row


def open_sepa_request(household_id: int) -> SepaRequest | None:
    return db.session.execute(_open_sepa_request_statement(),
                              {"household_id": household_id}).scalar_one_or_none()


@built_once
def _open_sepa_request_statement():
    # The household page's: built once (isp.database.built_once).
    return select(SepaRequest).where(SepaRequest.household_id == bindparam("household_id"),
                                     SepaRequest.handled_at.is_(None))
