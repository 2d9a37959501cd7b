"""Subjects of the tickets the network opens, written when they are read (reader's language).

A ticket opened by a job is stored with a subject code and its figures; the French sentence is
kept too (search, older tickets). Tickets people open keep the subject they typed.
"""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale

from isp.formatting import short_date
from support.text import _

OUTAGE = "network_outage"
PORT_DOWN = "port_down_long"
COUNTERS_AMBIGUOUS = "counters_ambiguous"


def subject_text(code: str, params: dict) -> str | None:
    """The subject of code ``code`` with ``params`` in the current language (None: unknown)."""
    if code == OUTAGE:
        return _("Coupure réseau : %(h)s ne répond plus", h=params["h"])
    if code == PORT_DOWN:
        return _("Suivi : port du logement %(u)s coupé depuis le %(d)s", u=params["u"],
                 d=short_date(date.fromisoformat(params["d"])))
    if code == COUNTERS_AMBIGUOUS:
        return _("Compteurs 32 bits ambigus : %(h)s, trafic non compté", h=params["h"])
    return None


def generated_subject(code: str, **params) -> dict:
    """The fields of a generated subject: its code, figures and the French sentence."""
    with force_locale("fr"):
        french = subject_text(code, params)
    return {"subject_code": code, "subject_params": params, "subject": french}
