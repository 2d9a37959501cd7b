"""Vocabularies of the public requests (docs/outreach.md)."""

from __future__ import annotations

from enum import StrEnum

from isp.i18n import lazy_gettext as _l


class RequesterKind(StrEnum):
    RESIDENT = "resident"
    LANDLORD = "landlord"
    ASSOCIATION = "association"


REQUESTER_LABELS = {RequesterKind.RESIDENT: _l("Habitant ou habitante"),
                    RequesterKind.LANDLORD: _l("Bailleur"),
                    RequesterKind.ASSOCIATION: _l("Association")}


class RequestStatus(StrEnum):
    NEW = "new"
    STUDIED = "studied"
    PLANNED = "planned"
    REFUSED = "refused"


STATUS_LABELS = {RequestStatus.NEW: _l("nouvelle"), RequestStatus.STUDIED: _l("étudiée"),
                 RequestStatus.PLANNED: _l("planifiée"), RequestStatus.REFUSED: _l("refusée")}

#: The queue's moves: new → studied → planned, and a refusal (with a reason) from any open
#: status. A refused or planned request may be reopened as studied (a decision revisited).
TRANSITIONS = {
    RequestStatus.NEW: {RequestStatus.STUDIED, RequestStatus.REFUSED},
    RequestStatus.STUDIED: {RequestStatus.PLANNED, RequestStatus.REFUSED},
    RequestStatus.PLANNED: {RequestStatus.STUDIED, RequestStatus.REFUSED},
    RequestStatus.REFUSED: {RequestStatus.STUDIED},
}
#: Statuses after which the contact is no longer needed (its retention clock starts).
CLOSED = {RequestStatus.PLANNED, RequestStatus.REFUSED}
