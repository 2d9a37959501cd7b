"""Vocabulary of the billing domain."""

from enum import StrEnum

from isp.i18n import lazy_gettext as _l


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CANCELLED = "cancelled"


INVOICE_STATUS_LABELS = {
    InvoiceStatus.DRAFT: _l("brouillon"),
    InvoiceStatus.ISSUED: _l("émise"),
    InvoiceStatus.PARTIALLY_PAID: _l("payée en partie"),
    InvoiceStatus.PAID: _l("payée"),
    InvoiceStatus.CANCELLED: _l("annulée"),
}

#: Issued invoices that still wait for money.
OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    TRANSFER = "transfer"
    SEPA_DEBIT = "sepa_debit"
    SOCIAL_AID = "social_aid"


PAYMENT_METHOD_LABELS = {
    PaymentMethod.CASH: _l("espèces (guichet ou association)"),
    PaymentMethod.CARD: _l("carte bancaire"),
    PaymentMethod.TRANSFER: _l("virement"),
    PaymentMethod.SEPA_DEBIT: _l("prélèvement SEPA"),
    PaymentMethod.SOCIAL_AID: _l("aide sociale"),
}


class EvidenceType(StrEnum):
    RSA = "rsa"
    ASS = "ass"
    AAH = "aah"
    CSS = "css"
    CAF_QF = "caf_qf"
    NONE = "none"


EVIDENCE_LABELS = {
    EvidenceType.RSA: _l("RSA (revenu de solidarité active)"),
    EvidenceType.ASS: _l("ASS (allocation de solidarité spécifique)"),
    EvidenceType.AAH: _l("AAH (allocation aux adultes handicapés)"),
    EvidenceType.CSS: _l("CSS (complémentaire santé solidaire)"),
    EvidenceType.CAF_QF: _l("quotient familial CAF"),
    EvidenceType.NONE: _l("aucun justificatif"),
}

#: Social minima that give the lowest tier by themselves.
MINIMA = (EvidenceType.RSA, EvidenceType.ASS, EvidenceType.AAH, EvidenceType.CSS)


class CreditNoteKind(StrEnum):
    CORRECTION = "correction"
    FSL_WRITE_OFF = "fsl_write_off"


CREDIT_NOTE_KIND_LABELS = {
    CreditNoteKind.CORRECTION: _l("correction"),
    CreditNoteKind.FSL_WRITE_OFF: _l("prise en charge FSL"),
}


class DunningKind(StrEnum):
    REMINDER = "reminder"
    REFERRAL = "referral"
    REDUCTION = "reduction"
    POSTPONED = "postponed"


#: The social dunning schedule (docs/design.md §3.3), its one home: days after the due date of the
#: oldest unpaid invoice at which each step comes. Labels, letters, the charter and the
#: lifecycle's messages are computed from it.
DUNNING_SCHEDULE: dict[DunningKind, int] = {
    DunningKind.REMINDER: 15,
    DunningKind.REFERRAL: 30,
    DunningKind.REDUCTION: 60,
}
#: (days, kind) in the order the steps come.
DUNNING_THRESHOLDS = tuple(sorted((days, kind) for kind, days in DUNNING_SCHEDULE.items()))

DUNNING_KIND_LABELS = {
    DunningKind.REMINDER: _l("rappel (J+%(days)s)", days=DUNNING_SCHEDULE[DunningKind.REMINDER]),
    DunningKind.REFERRAL: _l("orientation vers l'association et offre d'échéancier (J+%(days)s)",
                             days=DUNNING_SCHEDULE[DunningKind.REFERRAL]),
    DunningKind.REDUCTION: _l("proposition de débit réduit (J+%(days)s)",
                              days=DUNNING_SCHEDULE[DunningKind.REDUCTION]),
    DunningKind.POSTPONED: _l("relance reportée"),
}


#: What comes next for a household in arrears (``billing.dunning.next_steps``): one of the
#: scheduled steps, an operator's approval of a proposed reduction, the lifting of an applied
#: reduction when the debt is cleared, or nothing more on this invoice.
NEXT_STEP_LABELS = {
    DunningKind.REMINDER: _l("rappel"),
    DunningKind.REFERRAL: _l("orientation vers l'association et offre d'échéancier"),
    DunningKind.REDUCTION: _l("proposition de débit réduit"),
    "approval": _l("décision d'un opérateur sur la réduction proposée"),
    "lift": _l("levée de la réduction le jour où la dette est réglée ou un échéancier convenu"),
    "end": _l("aucune autre étape automatique pour cette facture"),
}

#: Why a household's next step waits.
HOLD_LABELS = {
    "fsl": _l("en attente : demande FSL en cours"),
    "plan": _l("en attente : échéancier en cours"),
    "postponed": _l("reportée jusqu'au %(until)s"),
}


def dunning_days(kind: str) -> int:
    """Days after the due date at which a dunning step comes."""
    return DUNNING_SCHEDULE[DunningKind(kind)]


class ReductionState(StrEnum):
    PROPOSED = "proposed"
    APPLIED = "applied"
    REJECTED = "rejected"
    LIFTED = "lifted"
    WITHDRAWN = "withdrawn"


REDUCTION_STATE_LABELS = {
    ReductionState.PROPOSED: _l("proposée, en attente d'un opérateur"),
    ReductionState.APPLIED: _l("appliquée"),
    ReductionState.REJECTED: _l("refusée"),
    ReductionState.LIFTED: _l("levée"),
    ReductionState.WITHDRAWN: _l("retirée (dette réglée)"),
}


class FslDecision(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"


FSL_DECISION_LABELS = {
    FslDecision.PENDING: _l("en attente"),
    FslDecision.GRANTED: _l("accordée"),
    FslDecision.REFUSED: _l("refusée"),
}
