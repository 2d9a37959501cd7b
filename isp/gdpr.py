"""Data-subject rights, retention (docs/design.md §3.8): export, anonymising, purge, register."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import Table, delete, select

from isp import audit, history, registry
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.models import AuditEntry, User
from isp.timeutil import utcnow

#: Columns never exported (secrets, hashes).
_HIDDEN_SUFFIXES = ("_enc", "_hash")

ANONYMISED_NAME = "Foyer anonymisé"
#: What replaces a piece of identity inside a free text (ticket, reminder letter, reference).
REDACTED = "[anonymisé]"
#: Name words shorter than this are not searched alone in free texts ("de", "El", "Le").
_MIN_NAME_WORD = 3


@dataclass(frozen=True)
class Identity:
    """A household's identifying strings, to find and remove inside free texts.

    Each domain's anonymise function receives it; it searches the whole name, each word of
    it, the e-mail, the phone number written with or without separators (or +33) and IBANs
    with or without spaces, ignoring case.
    """

    name: str | None
    phone: str | None = None
    email: str | None = None
    ibans: tuple[str, ...] = ()

    def with_ibans(self, *ibans: str | None) -> Identity:
        extra = tuple(iban for iban in ibans if iban and iban not in self.ibans)
        return Identity(self.name, self.phone, self.email, self.ibans + extra)

    @property
    def pattern(self) -> re.Pattern | None:
        parts: list[str] = []
        if self.email:
            parts.append(re.escape(self.email))
        if self.name:
            parts.append(re.escape(self.name.strip()))
            parts += [rf"\b{re.escape(word)}\b" for word in re.split(r"[\s,;/()-]+", self.name)
                      if len(word) >= _MIN_NAME_WORD]
        digits = re.sub(r"\D", "", self.phone or "")
        if len(digits) >= 6:
            national = digits[1:] if digits.startswith("0") else digits
            body = r"[\s.\-]*".join(national)
            parts.append(rf"(?:(?:\+|00)\s*33[\s.\-]*(?:\(0\))?[\s.\-]*|0[\s.\-]*)?{body}"
                         if digits.startswith("0") else r"[\s.\-]*".join(digits))
        for iban in self.ibans:
            compact = re.sub(r"\s", "", iban)
            if compact:
                parts.append(r"\s*".join(re.escape(char) for char in compact))
        if not parts:
            return None
        # Longest first, so that the whole name goes before its words.
        parts.sort(key=len, reverse=True)
        return re.compile("|".join(parts), re.IGNORECASE)

    def scrub(self, text: str | None) -> str | None:
        """The text with every piece of identity replaced by ``REDACTED``."""
        pattern = self.pattern
        if not text or pattern is None:
            return text
        return pattern.sub(REDACTED, text)

    def found_in(self, text: str | None) -> bool:
        pattern = self.pattern
        return bool(text and pattern is not None and pattern.search(text))


def anonymised_label(household_id: int) -> str:
    """What replaces an erased holder's name wherever it was written (invoices, mandates)."""
    return f"{ANONYMISED_NAME} #{household_id}"


def identity_of(household) -> Identity:
    """The identity to remove from every domain's records of this household."""
    return Identity(household.holder_name, household.phone, household.email)


def _tables_with_household_id() -> list[Table]:
    return [table for table in db.metadata.sorted_tables
            if "household_id" in table.c and table.name != "households"]


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row_dict(table: Table, row) -> dict:
    return {column.name: _jsonable(row._mapping[column])
            for column in table.c if not column.name.endswith(_HIDDEN_SUFFIXES)}


def export_household(household_id: int, *, actor: User | None, route: str) -> dict:
    """Everything held about a household, table by table (right of access, GDPR art. 15)."""
    # The household is subscribers' (its ``provides``): the core names no domain.
    household = registry.provider("household")(household_id)
    if household is None:
        raise DomainError(_("Foyer %(id)s introuvable", id=household_id), status=404)
    households = household.__table__
    data = {"household": _row_dict(households, db.session.execute(
        select(households).where(households.c.id == household_id)).one()),
        "unit_code": household.unit.code, "generated_at": utcnow().isoformat(), "records": {}}
    for table in _tables_with_household_id():
        rows = db.session.execute(select(table).where(table.c.household_id == household_id)
                                  .order_by(*table.primary_key.columns)).all()
        if rows:
            data["records"][table.name] = [_row_dict(table, row) for row in rows]
    entries = db.session.execute(select(AuditEntry).where(
        AuditEntry.record_type == "household", AuditEntry.record_id == str(household_id))
        .order_by(AuditEntry.at)).scalars()
    data["access_log"] = [{"at": e.at.isoformat(), "by": e.actor_email, "action": e.action,
                           "route": e.route} for e in entries]
    audit.record("export", actor=actor, record_type="household", record_id=household_id,
                 route=route, detail="data-subject access export")
    return data


def export_household_json(household_id: int, *, actor: User | None, route: str) -> str:
    return json.dumps(export_household(household_id, actor=actor, route=route),
                      ensure_ascii=False, indent=2)


def anonymise_household(household, *, actor: User | None, reason: str, route: str) -> None:
    """Remove identity everywhere; amounts and dates stay (invoices are kept 10 years by law).

    Each domain removes the household's identity from its own records (the free texts that
    quote the name, phone, e-mail or IBAN included), then the history forgets the old values.
    """
    if not reason.strip():
        raise DomainError(_("Un motif est obligatoire"), field="reason")
    if household.anonymised_at is not None:
        raise DomainError(_("Ce foyer est déjà anonymisé"), status=409)
    # Whether the contract still needs the identity is subscribers' rule (its ``provides``).
    if registry.provider("household_identity_needed")(household):
        raise DomainError(_("L'identité reste nécessaire tant que le foyer habite ici ou a un "
                            "abonnement en cours : enregistrez d'abord le départ et la "
                            "résiliation"),
                          status=409)
    identity = identity_of(household)
    label = anonymised_label(household.id)
    # Each domain removes the identity from its own records: the hooks its declaration names
    # (``erase_household`` in its ``CONTRIBUTES``), so this module names none of them.
    for erase in registry.hooks("erase_household"):
        erase(household.id, identity)
    household.holder_name = label
    household.other_members = None
    household.phone = None
    household.email = None
    household.needs = None
    household.anonymised_at = utcnow()
    db.session.flush()
    history.redact_household(household.id)
    audit.record("erase", actor=actor, record_type="household", record_id=household.id,
                 route=route, detail=reason[:500])
    db.session.flush()


class PurgeSummary:
    """What one run of the retention rules removed, by label (``households_anonymised``,
    ``invoices_deleted``…): each domain's purge hook names its own counts."""

    def __init__(self, counts: dict[str, int] | None = None) -> None:
        self.counts = dict(counts or {})

    def __getattr__(self, label: str) -> int:
        if label.startswith("_") or label == "counts":
            raise AttributeError(label)
        return self.counts.get(label, 0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PurgeSummary) and self._nonzero() == other._nonzero()

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._nonzero().items())))

    def _nonzero(self) -> dict[str, int]:
        return {label: count for label, count in self.counts.items() if count}

    def __str__(self) -> str:
        return "purge: " + ", ".join(f"{label.replace('_', ' ')} {count}"
                                     for label, count in self.counts.items())


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def purge_expired(*, now: datetime | None = None) -> PurgeSummary:
    """Apply every line of the register (``REGISTER``, periods in ``RETENTION``): each domain's
    declared ``purge_expired`` hooks, in their order, deletes or rolls up its own data; then the
    audit entries past their period. Days are Europe/Paris days. Safe to run twice."""
    now = now or utcnow()
    rules = current_app.config["RETENTION"]
    counts: dict[str, int] = {}
    for purge in registry.ordered_hooks("purge_expired"):
        counts.update(purge(now, rules))
    audit_deleted = 0
    if rules.get("audit_days"):
        # The only deletion of audit entries: the retention the DPO sets (default one year).
        with audit.retention_purge():
            audit_deleted = db.session.execute(delete(AuditEntry).where(
                AuditEntry.at < now - timedelta(days=rules["audit_days"]))).rowcount or 0
    counts["audit_entries_deleted"] = audit_deleted
    return PurgeSummary(counts)


#: The register of processing (what, why, legal basis, how long) shown on /register.
REGISTER = (
    (_l("Identité et coordonnées du foyer"),
     _l("Contrat d'accès à internet, facturation, contact"),
     _l("Exécution du contrat (RGPD art. 6-1-b)"),
     _l("3 ans après la fin du dernier abonnement, puis anonymisation")),
    (_l("Justificatifs d'éligibilité (type et référence, jamais le document)"),
     _l("Décider du tarif social"), _l("Mission d'intérêt public (art. 6-1-e)"),
     _l("Validité de la décision + 1 an")),
    (_l("Factures et paiements"), _l("Facturation, comptabilité"),
     _l("Obligation légale (art. 6-1-c)"), _l("10 ans")),
    (_l("Consommation par port et par heure"), _l("Supervision du réseau"),
     _l("Intérêt légitime"), _l("90 jours, puis agrégats par jour et par immeuble")),
    (_l("Consommation par abonnement et par jour"), _l("Information du foyer, supervision"),
     _l("Exécution du contrat"),
     _l("Tant que l'abonnement vit, plus 30 jours, puis agrégée par immeuble et par jour")),
    (_l("Accompagnement numérique (réservations, séances)"),
     _l("Accompagnement par les associations"), _l("Mission d'intérêt public"),
     _l("Lien avec le foyer coupé à la fin de l'orientation")),
    (_l("Tickets de support"), _l("Assistance"), _l("Exécution du contrat"),
     _l("3 ans après clôture")),
    (_l("Demandes publiques du service (nom et coordonnées du demandeur)"),
     _l("Répondre à la demande"), _l("Consentement (art. 6-1-a)"),
     _l("1 an après la réponse (planifiée ou refusée), 2 ans au plus après la demande ; "
        "l'adresse et le nombre de logements restent")),
    (_l("Compte résident (e-mail ou mobile), codes de connexion, avis envoyés, mandats"),
     _l("Espace résident, avis choisis par le foyer, aide sous mandat"),
     _l("Exécution du contrat ; consentement pour les avis"),
     _l("Le compte finit au départ ; codes 10 minutes ; identité retirée à l'anonymisation")),
    (_l("Évaluation d'impact (situation de départ, suivis à 6 et 12 mois)"),
     _l("Mesurer l'effet du service"), _l("Mission d'intérêt public"),
     _l("Comme l'identité du foyer, puis détachée du foyer (agrégats seulement)")),
    (_l("Liens d'enquête par foyer (les réponses sont anonymes)"), _l("Enquêtes de besoins"),
     _l("Mission d'intérêt public"),
     _l("Liens non utilisés supprimés et lien avec le foyer coupé à l'anonymisation")),
    (_l("Lignes de relevés bancaires (nom du payeur, référence)"),
     _l("Rapprocher les virements des factures"), _l("Obligation légale (art. 6-1-c)"),
     _l("10 ans, comme les paiements ; payeur effacé à l'anonymisation")),
    (_l("Équipements prêtés (prêt, convention signée, mouvements)"),
     _l("Prêt et récupération du matériel, filière 4R"), _l("Exécution du contrat"),
     _l("Comme l'identité du foyer ; les équipements et leurs mouvements restent")),
    (_l("Journal d'accès aux données personnelles"), _l("Traçabilité, sécurité"),
     _l("Obligation légale / intérêt légitime"), _l("1 an (à confirmer par le DPO)")),
    (_l("Historique des modifications des fiches (qui, quand, avant, après)"),
     _l("Traçabilité des décisions"), _l("Obligation légale / intérêt légitime"),
     _l("Comme la fiche ; l'identité en est retirée à l'anonymisation du foyer")),
)
