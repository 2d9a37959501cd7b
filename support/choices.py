"""Vocabulary of the support domain: categories, priorities, the status workflow, SLAs."""

from enum import StrEnum

from isp.i18n import lazy_gettext as _l


class TicketCategory(StrEnum):
    NO_CONNECTION = "no_connection"
    SLOW = "slow"
    EQUIPMENT = "equipment"
    BILLING = "billing"
    MOVE = "move"
    OTHER = "other"
    #: A port down 7 days on an active subscription (docs/design.md §3.5): a call to make, not an
    #: outage. Kept apart from the incident categories in the figures.
    FOLLOW_UP = "follow_up"


CATEGORY_LABELS = {
    TicketCategory.NO_CONNECTION: _l("pas de connexion"),
    TicketCategory.SLOW: _l("lenteur"),
    TicketCategory.EQUIPMENT: _l("équipement"),
    TicketCategory.BILLING: _l("facturation"),
    TicketCategory.MOVE: _l("déménagement"),
    TicketCategory.OTHER: _l("autre"),
    TicketCategory.FOLLOW_UP: _l("suivi (port coupé depuis 7 jours)"),
}

#: Categories a person may choose when opening a ticket.
PEOPLE_CATEGORIES = tuple(c for c in TicketCategory if c is not TicketCategory.FOLLOW_UP)


class TicketPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


PRIORITY_LABELS = {
    TicketPriority.LOW: _l("basse"),
    TicketPriority.NORMAL: _l("normale"),
    TicketPriority.HIGH: _l("haute"),
    TicketPriority.URGENT: _l("urgente"),
}


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"


STATUS_LABELS = {
    TicketStatus.NEW: _l("nouveau"),
    TicketStatus.OPEN: _l("en cours"),
    TicketStatus.WAITING: _l("en attente"),
    TicketStatus.RESOLVED: _l("résolu"),
    TicketStatus.CLOSED: _l("clos"),
}

#: Statuses in which the ticket still needs work (the SLA clock matters).
ACTIVE_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)

#: The workflow: from a status, the statuses a ticket may move to. Re-opening a resolved or
#: closed ticket goes back to ``open``; nothing ever goes back to ``new``; a closed ticket can
#: only be re-opened (closed → waiting or closed → resolved are refused).
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: frozenset({TicketStatus.OPEN, TicketStatus.WAITING, TicketStatus.RESOLVED,
                                 TicketStatus.CLOSED}),
    TicketStatus.OPEN: frozenset({TicketStatus.WAITING, TicketStatus.RESOLVED,
                                  TicketStatus.CLOSED}),
    TicketStatus.WAITING: frozenset({TicketStatus.OPEN, TicketStatus.RESOLVED,
                                     TicketStatus.CLOSED}),
    TicketStatus.RESOLVED: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset({TicketStatus.OPEN}),
}


class TicketSource(StrEnum):
    PHONE = "phone"
    COUNTER = "counter"
    ASSOCIATION = "association"
    NETWORK = "network"
    #: The resident reported it from their own space (residents, issue 20).
    RESIDENT = "resident"


SOURCE_LABELS = {
    TicketSource.PHONE: _l("téléphone"),
    TicketSource.COUNTER: _l("accueil"),
    TicketSource.ASSOCIATION: _l("association"),
    TicketSource.NETWORK: _l("réseau (automatique)"),
    TicketSource.RESIDENT: _l("espace résident"),
}


class EventKind(StrEnum):
    CREATED = "created"
    COMMENT = "comment"
    STATUS = "status"
    ASSIGNEE = "assignee"
    PRIORITY = "priority"
    OUTAGE_LINKED = "outage_linked"
    OUTAGE_ENDED = "outage_ended"
    SLA_BREACHED = "sla_breached"


EVENT_LABELS = {
    EventKind.CREATED: _l("ticket ouvert"),
    EventKind.COMMENT: _l("commentaire"),
    EventKind.STATUS: _l("statut"),
    EventKind.ASSIGNEE: _l("attribution"),
    EventKind.PRIORITY: _l("priorité"),
    EventKind.OUTAGE_LINKED: _l("coupure rattachée"),
    EventKind.OUTAGE_ENDED: _l("fin de coupure"),
    EventKind.SLA_BREACHED: _l("délai dépassé"),
}

#: Default SLA per category, in hours (issue 6); ``SUPPORT_SLA_HOURS`` in the config overrides.
DEFAULT_SLA_HOURS: dict[str, int] = {
    TicketCategory.NO_CONNECTION: 24,
    TicketCategory.SLOW: 72,
    TicketCategory.EQUIPMENT: 72,
    TicketCategory.BILLING: 5 * 24,
    TicketCategory.MOVE: 5 * 24,
    TicketCategory.OTHER: 5 * 24,
    TicketCategory.FOLLOW_UP: 5 * 24,
}

#: Share of the category's delay kept for each priority (``SUPPORT_SLA_PRIORITY_FACTORS``):
#: a higher priority only ever shortens the delay.
DEFAULT_PRIORITY_FACTORS: dict[str, float] = {
    TicketPriority.LOW: 1.0,
    TicketPriority.NORMAL: 1.0,
    TicketPriority.HIGH: 0.5,
    TicketPriority.URGENT: 0.25,
}
