"""Data-subject rights and retention (DESIGN.md §3.8): export, anonymisation, purge, register."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, delete, select, update

from isp import audit
from isp.errors import DomainError
from isp.extensions import db
from isp.models import AuditEntry, User
from isp.timeutil import local_date, utcnow

#: Columns never exported (secrets, hashes).
_HIDDEN_SUFFIXES = ("_enc", "_hash")

ANONYMISED_NAME = "Foyer anonymisé"


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
    from subscribers.models import Household

    household = db.session.get(Household, household_id)
    if household is None:
        raise DomainError(f"Household {household_id} not found", status=404)
    households = Household.__table__
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
    """Remove identity; amounts and dates stay (invoices are kept 10 years by law)."""
    from subscribers.choices import SubscriptionStatus

    if not reason.strip():
        raise DomainError("A reason is required", field="reason")
    if household.anonymised_at is not None:
        raise DomainError("This household is already anonymised", status=409)
    live = [s for s in household.subscriptions if s.status != SubscriptionStatus.TERMINATED]
    if household.moved_out_on is None or live:
        raise DomainError("Identity is needed while the household lives here or has a live "
                          "subscription: record the move-out and the termination first",
                          status=409)
    household.holder_name = f"{ANONYMISED_NAME} #{household.id}"
    household.other_members = None
    household.phone = None
    household.email = None
    household.needs = None
    household.anonymised_at = utcnow()
    audit.record("erase", actor=actor, record_type="household", record_id=household.id,
                 route=route, detail=reason[:500])
    db.session.flush()


@dataclass(frozen=True)
class PurgeSummary:
    usage_hours_deleted: int
    households_anonymised: int
    evidence_references_cleared: int
    audit_entries_deleted: int

    def __str__(self) -> str:
        return (f"purge: usage hours -{self.usage_hours_deleted}, households anonymised "
                f"{self.households_anonymised}, evidence references cleared "
                f"{self.evidence_references_cleared}, audit entries -{self.audit_entries_deleted}")


def purge_expired(*, now: datetime | None = None) -> PurgeSummary:
    """Apply the retention rules (configurable in RETENTION). Safe to run twice."""
    from subscribers.models import Household, Subscription

    now = now or utcnow()
    rules = current_app.config["RETENTION"]
    tables = db.metadata.tables
    usage_deleted = 0
    if "usage_hours" in tables:
        usage = tables["usage_hours"]
        hour_column = usage.c.get("hour") if "hour" in usage.c else usage.c.get("start")
        if hour_column is not None:
            usage_deleted = db.session.execute(delete(usage).where(
                hour_column < now - timedelta(days=rules["usage_hour_days"]))).rowcount or 0
    identity_limit = local_date(now - timedelta(days=365 * rules["identity_years_after_end"]))
    candidates = db.session.execute(select(Household).where(
        Household.anonymised_at.is_(None), Household.moved_out_on.is_not(None),
        Household.moved_out_on < identity_limit)).scalars().all()
    anonymised = 0
    for household in candidates:
        last_end = db.session.execute(select(Subscription.terminated_on).where(
            Subscription.household_id == household.id).order_by(
            Subscription.terminated_on.desc())).scalars().first()
        if last_end is not None and last_end >= identity_limit:
            continue
        if any(s.terminated_on is None for s in household.subscriptions):
            continue
        anonymise_household(household, actor=None, reason="retention: identity kept 3 years "
                            "after the end", route="job isp.retention_purge")
        anonymised += 1
    cleared = 0
    if "eligibility_decisions" in tables:
        decisions = tables["eligibility_decisions"]
        if {"evidence_reference", "valid_until"} <= set(decisions.c.keys()):
            cleared = db.session.execute(update(decisions).where(
                decisions.c.evidence_reference.is_not(None),
                decisions.c.valid_until < local_date(now - timedelta(days=365)))
                .values(evidence_reference=None)).rowcount or 0
    audit_deleted = 0
    if rules.get("audit_days"):
        # The only deletion of audit entries: the retention the DPO sets (default one year).
        audit_deleted = db.session.execute(delete(AuditEntry).where(
            AuditEntry.at < now - timedelta(days=rules["audit_days"]))).rowcount or 0
    return PurgeSummary(usage_deleted, anonymised, cleared, audit_deleted)


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
    (_l("Accompagnement numérique (réservations, séances)"),
     _l("Accompagnement par les associations"), _l("Mission d'intérêt public"),
     _l("Lien avec le foyer coupé à la fin de l'orientation")),
    (_l("Tickets de support"), _l("Assistance"), _l("Exécution du contrat"),
     _l("3 ans après clôture")),
    (_l("Journal d'accès aux données personnelles"), _l("Traçabilité, sécurité"),
     _l("Obligation légale / intérêt légitime"), _l("1 an (à confirmer par le DPO)")),
)
