"""The reasons of a tier suggestion, written from their codes when read (reader's language).

Kept apart from ``billing.eligibility`` because the decision's model reads them too
(``EligibilityDecision.reasons``), and the model is below the rule that makes decisions.
"""

from __future__ import annotations

from billing.choices import EvidenceType
from isp.i18n import gettext as _


def evidence_name(evidence: str) -> str:
    """The evidence's full name in the reader's language."""
    names = {
        EvidenceType.RSA: _("RSA (revenu de solidarité active)"),
        EvidenceType.ASS: _("ASS (allocation de solidarité spécifique)"),
        EvidenceType.AAH: _("AAH (allocation aux adultes handicapés)"),
        EvidenceType.CSS: _("CSS (complémentaire santé solidaire)"),
        EvidenceType.CAF_QF: _("quotient familial CAF"),
        EvidenceType.NONE: _("aucun justificatif"),
    }
    return names.get(evidence, evidence)


def reason_text(code: str, params: dict) -> str:
    """One reason of a suggestion, written from its code when it is read (reader's language).

    Decisions store the codes and figures, not sentences: an English reader sees English
    reasons, and older decisions (stored as French sentences) are shown as they were.
    """
    if code == "minima":
        return _("Le foyer perçoit une prestation qui donne droit au palier le plus bas : "
                 "%(evidence)s.", evidence=evidence_name(params["evidence"]))
    if code == "qf_under":
        return _("Quotient familial CAF de %(qf)s €, inférieur ou égal à %(max)s €.",
                 qf=params["qf"], max=params["max"])
    if code == "no_evidence":
        return _("Aucun justificatif n'a été présenté.")
    if code == "qf_over":
        return _("Quotient familial CAF de %(qf)s €, au-dessus des plafonds des autres "
                 "paliers.", qf=params["qf"])
    if code == "other_evidence":
        return _("Justificatif présenté : %(evidence)s, qui ne correspond à aucun autre palier.",
                 evidence=evidence_name(params["evidence"]))
    if code == "tier_rule":
        # The rule is the admin's own text (data, in the language it was written in).
        return _("Règle du palier %(tier)s : %(rule)s", tier=params["tier"], rule=params["rule"])
    return code
