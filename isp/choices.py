"""Core vocabulary."""

from enum import StrEnum

from isp.i18n import lazy_gettext as _l


class Role(StrEnum):
    """What a user may see and do (docs/design.md §1)."""

    ADMIN = "admin"
    OPERATOR = "operator"
    MEDIATOR = "mediator"
    ANALYST = "analyst"
    #: A resident signed in to their own household's space (issue 20, residents/).
    RESIDENT = "resident"


ROLE_LABELS = {
    Role.ADMIN: _l("Administrateur"),
    Role.OPERATOR: _l("Opérateur"),
    Role.MEDIATOR: _l("Médiateur"),
    Role.ANALYST: _l("Analyste"),
    Role.RESIDENT: _l("Résident·e"),
}


#: Actions of the audit log (isp.audit.record callers), as read on the audit pages: the
#: stored codes stay English (searchable, stable), people read these.
AUDIT_ACTION_LABELS = {
    "read": _l("consultation"),
    "read_usage": _l("consultation de la consommation"),
    "api_usage_read": _l("consultation de la consommation (API)"),
    "create": _l("création"),
    "update": _l("modification"),
    "decision": _l("décision"),
    "export": _l("export"),
    "import": _l("import"),
    "erase": _l("effacement"),
    "cancel": _l("annulation"),
    "book": _l("inscription"),
    "assign": _l("orientation"),
    "login": _l("connexion"),
    "login_failed": _l("connexion refusée"),
    "logout": _l("déconnexion"),
    "denied": _l("accès refusé"),
}
