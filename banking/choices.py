"""Statuses and match kinds of bank lines, with their labels."""

from __future__ import annotations

from enum import StrEnum

from isp.i18n import lazy_gettext as _l


class LineStatus(StrEnum):
    MATCHED = "matched"
    PENDING = "pending"
    ASSIGNED = "assigned"
    NOT_OURS = "not_ours"


class MatchKind(StrEnum):
    INVOICE_NUMBER = "invoice_number"
    STRUCTURED_REFERENCE = "structured_reference"
    SUGGESTION = "suggestion"
    MANUAL = "manual"


LINE_STATUS_LABELS = {
    LineStatus.MATCHED: _l("rapprochée (référence)"),
    LineStatus.PENDING: _l("à placer"),
    LineStatus.ASSIGNED: _l("placée par un opérateur"),
    LineStatus.NOT_OURS: _l("pas pour nous"),
}

MATCH_KIND_LABELS = {
    MatchKind.INVOICE_NUMBER: _l("numéro de facture"),
    MatchKind.STRUCTURED_REFERENCE: _l("référence RF"),
    MatchKind.SUGGESTION: _l("suggestion confirmée"),
    MatchKind.MANUAL: _l("choix de l'opérateur"),
}
