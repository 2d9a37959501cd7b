"""Vocabulary of the subscribers domain."""

from enum import StrEnum

from isp.i18n import lazy_gettext as _l


class BuildingStatus(StrEnum):
    CANDIDATE = "candidate"
    PILOT = "pilot"
    LIVE = "live"


BUILDING_STATUS_LABELS = {
    BuildingStatus.CANDIDATE: _l("candidat"),
    BuildingStatus.PILOT: _l("pilote"),
    BuildingStatus.LIVE: _l("en service"),
}


class SubscriptionStatus(StrEnum):
    PENDING = "pending"
    PROVISIONING = "provisioning"
    ACTIVE = "active"
    REDUCED = "reduced"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


SUBSCRIPTION_STATUS_LABELS = {
    SubscriptionStatus.PENDING: _l("en attente"),
    SubscriptionStatus.PROVISIONING: _l("en cours d'activation"),
    SubscriptionStatus.ACTIVE: _l("actif"),
    SubscriptionStatus.REDUCED: _l("débit réduit"),
    SubscriptionStatus.SUSPENDED: _l("suspendu"),
    SubscriptionStatus.TERMINATED: _l("résilié"),
}

#: Statuses in which the household has a live service (billed, counted as take-up).
SERVED_STATUSES = (SubscriptionStatus.ACTIVE, SubscriptionStatus.REDUCED)

LANGUAGES = {
    "fr": _l("français"), "ar": _l("arabe"), "en": _l("anglais"), "es": _l("espagnol"),
    "pt": _l("portugais"), "tr": _l("turc"), "ro": _l("roumain"), "ru": _l("russe"),
    "so": _l("somali"), "ps": _l("pachto"), "wo": _l("wolof"), "ber": _l("berbère"),
}

#: A household's coaching needs, also what an association can coach (mediation's
#: ``SPECIALTIES``): the assignment scores one against the other (docs/design.md §3.6).
COACHING_NEEDS = {
    "first_steps": _l("Premiers pas avec un ordinateur ou un téléphone"),
    "email": _l("Courriel"),
    "online_admin": _l("Démarches administratives en ligne"),
    "online_safety": _l("Sécurité en ligne"),
    "parenting_school": _l("Parentalité et espaces numériques de l'école"),
    "job_search": _l("Recherche d'emploi"),
    "video_calls": _l("Appels vidéo"),
}
