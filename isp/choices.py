"""Core vocabulary."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    """What a user may see and do (DESIGN.md §1)."""

    ADMIN = "admin"
    OPERATOR = "operator"
    MEDIATOR = "mediator"
    ANALYST = "analyst"


ROLE_LABELS = {
    Role.ADMIN: _l("Administrateur"),
    Role.OPERATOR: _l("Opérateur"),
    Role.MEDIATOR: _l("Médiateur"),
    Role.ANALYST: _l("Analyste"),
}
