"""Vocabularies of the mediation domain: specialties, themes and activity-report fields.

Codes are stable English identifiers stored in the database; labels are French first. The
session fields follow the national activity report of digital mediators (type, place type,
themes in two vocabularies — digital and administrative —, autonomy, equipment, referral).
"""

from __future__ import annotations

from enum import StrEnum

from isp.i18n import lazy_gettext as _l
from subscribers.choices import COACHING_NEEDS

#: What an association can coach: the vocabulary of a household's ``needs``, which the
#: subscribers domain (the layer below) keeps and checks.
SPECIALTIES = COACHING_NEEDS

#: Specialty → "services" value of the national places schema (lieux de médiation numérique).
SPECIALTY_TO_SERVICE = {
    "first_steps": "Maîtrise des outils numériques du quotidien",
    "email": "Maîtrise des outils numériques du quotidien",
    "online_admin": "Aide aux démarches administratives",
    "online_safety": "Utilisation sécurisée du numérique",
    "parenting_school": "Parentalité et éducation avec le numérique",
    "job_search": "Insertion professionnelle via le numérique",
    "video_calls": "Maîtrise des outils numériques du quotidien",
}

#: Digital themes of a session (activity report, "thématiques de médiation numérique").
DIGITAL_THEMES = {
    "equipment_use": _l("Prendre en main un équipement informatique"),
    "browsing": _l("Naviguer sur internet"),
    "email": _l("Courriels"),
    "office_tools": _l("Bureautique"),
    "smartphone": _l("Prendre en main un smartphone ou une tablette"),
    "security": _l("Sécurité numérique et données personnelles"),
    "social_media": _l("Réseaux sociaux et communication"),
    "video_calls": _l("Appels vidéo"),
    "parenting": _l("Accompagner son enfant (parentalité, école)"),
    "job_search": _l("Emploi et formation"),
    "health": _l("Santé en ligne"),
    "budget": _l("Budget et achats en ligne"),
    "culture": _l("Culture numérique"),
}

#: Administrative themes (activity report, "démarches administratives").
ADMIN_THEMES = {
    "admin_caf": _l("Famille, scolarité (CAF)"),
    "admin_social": _l("Social, santé (CPAM, MSA)"),
    "admin_work": _l("Travail, formation (France Travail)"),
    "admin_tax": _l("Argent, impôts"),
    "admin_housing": _l("Logement"),
    "admin_id": _l("Papiers, élections, citoyenneté"),
    "admin_transport": _l("Transports, mobilité"),
    "admin_foreigners": _l("Étrangers en France"),
    "admin_justice": _l("Justice"),
    "admin_retirement": _l("Retraite"),
}

THEMES = {**DIGITAL_THEMES, **ADMIN_THEMES}


class SessionType(StrEnum):
    INDIVIDUAL = "individual"
    COLLECTIVE = "collective"


SESSION_TYPE_LABELS = {SessionType.INDIVIDUAL: _l("individuel"),
                       SessionType.COLLECTIVE: _l("collectif")}


class BookingStatus(StrEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    ABSENT = "absent"
    CANCELLED = "cancelled"


BOOKING_STATUS_LABELS = {
    BookingStatus.BOOKED: _l("réservé"),
    BookingStatus.ATTENDED: _l("présent"),
    BookingStatus.ABSENT: _l("absent"),
    BookingStatus.CANCELLED: _l("annulé"),
}
#: Statuses that hold a seat of the slot.
HOLDING_STATUSES = (BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.ABSENT)

PLACE_TYPES = {
    "own_place": _l("Lieu de l'association"),
    "home": _l("À domicile"),
    "remote": _l("À distance"),
    "mobile": _l("Lieu d'itinérance (permanence)"),
    "partner": _l("Lieu partenaire"),
}

AUTONOMY_LEVELS = {
    "not_autonomous": _l("Pas autonome (fait pour la personne)"),
    "partially": _l("Partiellement autonome (fait avec la personne)"),
    "autonomous": _l("Autonome (la personne fait seule)"),
}

EQUIPMENT = {
    "computer": _l("Ordinateur"),
    "phone": _l("Téléphone"),
    "tablet": _l("Tablette"),
    "other": _l("Autre"),
    "none": _l("Aucun"),
}

REFERRALS = {
    "none": _l("Pas d'orientation"),
    "other_mediation": _l("Autre lieu de médiation numérique"),
    "france_services": _l("France Services"),
    "administration": _l("Administration ou opérateur de service public"),
    "social_worker": _l("Travailleur social"),
    "other": _l("Autre"),
}

AGE_BANDS = {
    "under_18": _l("moins de 18 ans"),
    "18_34": _l("18 à 34 ans"),
    "35_59": _l("35 à 59 ans"),
    "60_69": _l("60 à 69 ans"),
    "70_plus": _l("70 ans et plus"),
}
