"""Vocabulary of the needs surveys: audiences, states, question kinds."""

from __future__ import annotations

from enum import StrEnum

from isp.i18n import lazy_gettext as _l


class Audience(StrEnum):
    """Who a survey asks: residents of chosen buildings, or mediation professionals."""

    RESIDENTS = "residents"
    PROFESSIONALS = "professionals"


class State(StrEnum):
    """A survey is built as a draft, answered while open, read once closed."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Kind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"
    TEXT = "text"


AUDIENCE_LABELS = {
    Audience.RESIDENTS: _l("habitants d'immeubles choisis"),
    Audience.PROFESSIONALS: _l("professionnels de la médiation"),
}
STATE_LABELS = {
    State.DRAFT: _l("brouillon"),
    State.OPEN: _l("ouverte"),
    State.CLOSED: _l("clôturée"),
}
KIND_LABELS = {
    Kind.SINGLE: _l("un seul choix"),
    Kind.MULTIPLE: _l("plusieurs choix"),
    Kind.SCALE: _l("échelle"),
    Kind.TEXT: _l("texte court"),
}

#: Where a response came from: the person's own link, or a staff member with the person.
MODE_LINK = "link"
MODE_STAFF = "staff"

#: Bounds of a scale question and of the texts.
SCALE_MIN, SCALE_MAX = 0, 10
MAX_OPTIONS = 12
MAX_QUESTIONS = 40
TEXT_ANSWER_MAX = 500
MAX_ANONYMOUS_LINKS = 200
