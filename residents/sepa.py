"""The residents' SEPA direct-debit requests, as operators process them (issue 20).

A resident asks from "Mes factures" (``mandates.request_sepa``); the space never takes bank
details. An operator then calls the household (``contacted``), signs the SEPA mandate with
them on billing's statement page, and closes the request as ``signed`` — refused while billing
holds no mandate in force for the household — or ``cancelled`` with a reason (the resident
changed their mind, has no account that accepts direct debits…). A closed request is final;
the resident may ask again. Every change is in the audit log, on the household's record.

Services take ``actor``, flush and never commit.
"""

from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import select

from billing.sepa_mandates import active_mandate
from isp import audit
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.models import User
from isp.timeutil import utcnow
from isp.validation import Choice, Text
from residents.models_mandates import SepaRequest

STATUS_LABELS = {"open": _l("nouvelle"), "contacted": _l("foyer contacté"),
                 "signed": _l("mandat signé"), "cancelled": _l("abandonnée")}
#: What the list shows by default: the requests still to deal with.
TO_DO = ("open", "contacted")
CLOSED = ("signed", "cancelled")
#: ``?status=`` of the list: one status, ``todo`` (default) or ``all``.
FILTERS = ("todo", "all", *STATUS_LABELS)

STATUS = Choice("status", ("contacted", "signed", "cancelled"), required=True)
FILTER = Choice("status", FILTERS)
STAFF_NOTE = Text("note", 300, multiline=True)


def list_query(status: str | None = None):
    """The requests of a filter, the oldest waiting first (closed: the latest first)."""
    chosen = FILTER.check(status) or "todo"
    statement = select(SepaRequest)
    if chosen == "todo":
        statement = statement.where(SepaRequest.status.in_(TO_DO))
    elif chosen != "all":
        statement = statement.where(SepaRequest.status == chosen)
    if chosen in CLOSED:
        return statement.order_by(SepaRequest.handled_at.desc(), SepaRequest.id.desc())
    return statement.order_by(SepaRequest.requested_at, SepaRequest.id)


def get_request(request_id: int, *, for_update: bool = False) -> SepaRequest:
    row = db.session.get(SepaRequest, request_id, with_for_update=for_update)
    if row is None:
        raise NotFoundError(_("Demande de prélèvement introuvable"))
    return row


def change_status(request_id: int, status: object, *, actor: User,
                  note: object = None) -> SepaRequest:
    """Move a request on: ``contacted``, ``signed`` (billing holds the household's mandate) or
    ``cancelled`` (a reason is required). A closed request answers 409."""
    status = STATUS.check(status)
    note = STAFF_NOTE.check(note)
    row = get_request(request_id, for_update=True)  # two operators at once: one wins
    if row.status in CLOSED:
        raise DomainError(_("Cette demande est déjà close (%(status)s).",
                            status=STATUS_LABELS[row.status]), field="status", status=409)
    if status == "cancelled" and not note:
        raise DomainError(_("Dites pourquoi la demande est abandonnée."), field="note")
    if status == "signed" and active_mandate(row.household_id) is None:
        raise DomainError(_("Aucun mandat SEPA en cours pour ce foyer : enregistrez d'abord "
                            "le mandat signé sur sa page de facturation."), field="status",
                          status=409)
    now = utcnow()
    row.status = status
    row.staff_note = note
    row.updated_at = now
    if status in CLOSED:
        row.handled_at = now
        row.handled_by_id = actor.id
    db.session.flush()
    route = f"{request.method} {request.path}" if has_request_context() else None
    # On the household's record: the resident's "Mes données" shows it (by role).
    audit.record("update", actor=actor, record_type="household", record_id=row.household_id,
                 route=route, detail=f"sepa_request {row.id}: {status}")
    return row


def request_json(row: SepaRequest, mandate=None) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {"id": row.id, "household_id": row.household_id, "status": row.status,
            "requested_at": iso(row.requested_at), "note": row.note,
            "staff_note": row.staff_note, "updated_at": iso(row.updated_at),
            "handled_at": iso(row.handled_at),
            "billing_mandate": None if mandate is None else {
                "reference": mandate.reference, "signed_on": mandate.signed_on.isoformat()}}
