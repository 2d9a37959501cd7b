"""Vocabulary of the impact evaluation: stages of the survey, devices at home, cohorts.

The autonomy levels are mediation's (the national activity report of digital mediators grades
a person's autonomy at a session): ``mediation.choices.AUTONOMY_LEVELS`` is their one home.
"""

from __future__ import annotations

from enum import StrEnum

from isp.i18n import lazy_gettext as _l
from mediation.choices import AUTONOMY_LEVELS

__all__ = ["AUTONOMY_LEVELS", "COHORTS", "DEVICES", "STAGE_LABELS", "STAGE_MONTHS", "Stage"]


class Stage(StrEnum):
    """When the questions are asked: at subscription (t0), then 6 and 12 months after the
    connection."""

    T0 = "t0"
    M6 = "m6"
    M12 = "m12"


STAGE_LABELS = {
    Stage.T0: _l("Situation de départ (t0)"),
    Stage.M6: _l("Suivi à 6 mois"),
    Stage.M12: _l("Suivi à 12 mois"),
}
#: Months after the connection when a follow-up is due (t0: at subscription, no connection
#: needed yet).
STAGE_MONTHS = {Stage.T0: 0, Stage.M6: 6, Stage.M12: 12}
#: A follow-up may be recorded from this many months before it is due (the household is met
#: when it can be, not on the exact day).
EARLY_MONTHS = 1

#: Devices at home (checkboxes). "none" excludes the others.
DEVICES = {
    "smartphone": _l("Smartphone"),
    "basic_phone": _l("Téléphone simple (sans internet)"),
    "computer": _l("Ordinateur (fixe ou portable)"),
    "tablet": _l("Tablette"),
    "tv": _l("Télévision connectée ou box TV"),
    "console": _l("Console de jeux"),
    "none": _l("Aucun"),
}

#: Monthly cost of a home connection: above this the answer is a typing error (an offer with
#: TV and mobile lines rarely passes 100 €; 200 € leaves room for bundles).
MAX_MONTHLY_COST_CENTS = 20_000

#: Cohorts of households by full months since the connection: (code, first month, last month).
COHORTS = (
    ("0-5", 0, 5),
    ("6-11", 6, 11),
    ("12+", 12, None),
)
COHORT_LABELS = {
    "0-5": _l("0 à 5 mois après la connexion"),
    "6-11": _l("6 à 11 mois après la connexion"),
    "12+": _l("12 mois et plus après la connexion"),
}

#: How indicators can be grouped (``?by=``).
GROUPINGS = {
    "cohort": _l("Cohorte (mois depuis la connexion)"),
    "building": _l("Immeuble"),
    "district": _l("Quartier"),
}
