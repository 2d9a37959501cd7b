"""Read-only aggregate figures for the analyst: what each figure is, periods, the dashboards' reads.

Every figure shown, exported or served by the API goes through ``small_cell``
(``subscribers.published_figures``, beside the tables, where outreach and impact read it too):
a figure resting on fewer than ``SMALL_CELL`` households carries no value at all, only
``suppressed=True`` (shown "< 5", left out of exports). Dashboards read the precomputed
``EvaluationMonthly`` table only, whose counts are already rounded to 5 and amounts to 100 €
(``isp.disclosure``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import Select, func, select

from isp.database import built_once
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.timeutil import today
from subscribers.models import District
from subscribers.models_figures import EvaluationMonthly
from subscribers.published_figures import SUPPRESSED_LABEL, Cell, check_level, small_cell

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Metric:
    """What a figure is, its unit, and how it is computed (shown next to it)."""

    key: str
    label: object
    unit: str  # count|percent|octets|cents|hours|number|flats|kwh|kgco2e
    how: object
    #: Part of the open-data export (themes and tiers are exported too, see ``exported``).
    group: str = "subscribers"


_METRICS = [
    Metric("flats", _l("Logements"), "flats",
           _l("Logements du bâtiment ou du quartier (inventaire des logements).")),
    Metric("households", _l("Foyers occupants"), "count",
           _l("Foyers occupant un logement le dernier jour du mois.")),
    Metric("served", _l("Abonnements en service"), "count",
           _l("Abonnements actifs ou à débit réduit le dernier jour du mois "
              "(activés avant la fin du mois et non résiliés).")),
    Metric("subs_active", _l("Abonnements actifs"), "count",
           _l("Abonnements en service au plein débit le dernier jour du mois.")),
    Metric("subs_reduced", _l("Abonnements à débit réduit"), "count",
           _l("Abonnements en service à débit réduit (état actuel des abonnements en cours).")),
    Metric("subs_suspended", _l("Abonnements suspendus"), "count",
           _l("Abonnements suspendus à la demande du foyer ou pour raison technique.")),
    Metric("subs_pending", _l("Abonnements en attente d'activation"), "count",
           _l("Abonnements créés avant la fin du mois et pas encore activés.")),
    Metric("subs_terminated", _l("Résiliations du mois"), "count",
           _l("Abonnements dont la résiliation prend effet pendant le mois.")),
    Metric("take_up", _l("Taux d'adhésion"), "percent",
           _l("Abonnements en service ÷ logements, le dernier jour du mois.")),
    Metric("availability", _l("Disponibilité du réseau"), "percent", _l(
        "1 − durée des pannes ÷ durée du mois, mesurée par la supervision (deux décimales)."),
        "network"),
    Metric("usage_median_octets", _l("Usage mensuel médian par foyer"), "octets", _l(
        "Médiane, sur les foyers en service, du volume descendant + montant du mois "
        "(compteurs du port du logement)."), "network"),
    Metric("usage_p90_octets", _l("Usage mensuel, 90e centile"), "octets", _l(
        "9 foyers en service sur 10 ont consommé moins que ce volume dans le mois."), "network"),
    Metric("invoiced_cents", _l("Facturé"), "cents",
           _l("Total TTC des factures émises pour le mois ; arrondi à 100 €."), "billing"),
    Metric("collected_cents", _l("Encaissé"), "cents",
           _l("Paiements reçus pendant le mois ; arrondi à 100 €."), "billing"),
    Metric("full_cost_cents", _l("Coût complet du service"), "cents", _l(
        "Coût complet du service sur les jours facturés du mois (factures émises), avant "
        "subvention ; arrondi à 100 €."), "billing"),
    Metric("subsidy_cents", _l("Subvention publique"), "cents", _l(
        "Coût complet − part payée par les foyers, pour le mois ; arrondi à 100 €."), "billing"),
    Metric("household_share_cents", _l("Part payée par les foyers"), "cents", _l(
        "Total TTC facturé aux foyers pour le mois (leur part du coût complet) ; arrondi à "
        "100 €."), "billing"),
    Metric("subsidy_per_household_cents", _l("Subvention par foyer facturé"), "cents", _l(
        "Subvention publique publiée ÷ foyers facturés (arrondis à 5)."), "billing"),
    Metric("arrears_share", _l("Part des foyers en impayé"), "percent", _l(
        "Foyers ayant une facture échue non soldée ÷ foyers facturés."), "billing"),
    Metric("tickets_per_100", _l("Tickets pour 100 abonnements"), "number", _l(
        "Tickets ouverts dans le mois (hors relances) × 100 ÷ abonnements en service."),
        "support"),
    Metric("median_hours_to_resolve", _l("Délai médian de résolution (heures)"), "hours", _l(
        "Médiane du temps entre ouverture et résolution des tickets ouverts dans le mois."),
        "support"),
    Metric("coaching_slots", _l("Créneaux d'accompagnement"), "number", _l(
        "Créneaux publiés par les associations pour le mois."), "mediation"),
    Metric("bookings", _l("Réservations"), "count", _l(
        "Réservations de foyers sur les créneaux du mois."), "mediation"),
    Metric("attendance_rate", _l("Taux de présence"), "percent", _l(
        "Réservations honorées ÷ réservations sur les créneaux passés du mois."), "mediation"),
    Metric("sessions", _l("Séances de médiation"), "count", _l(
        "Séances enregistrées (individuelles et collectives) dans le mois."), "mediation"),
    Metric("households_accompanied", _l("Foyers accompagnés"), "count", _l(
        "Foyers distincts ayant eu au moins une séance dans le mois."), "mediation"),
]
METRICS: dict[str, Metric] = {metric.key: metric for metric in _METRICS}
#: Prefixes of families of figures (one row per theme or tier).
FAMILY_PREFIXES = {
    "theme:": Metric("theme:", _l("Séances par thème"), "count",
                     _l("Séances dont la fiche porte ce thème."), "mediation"),
    "tier:": Metric("tier:", _l("Abonnements en service par tranche tarifaire"), "count",
                    _l("Abonnements en service le dernier jour du mois, par tranche."),
                    "subscribers"),
}


def metric_of(key: str) -> Metric | None:
    """The description of a figure's key (families such as ``theme:email`` included)."""
    if key in METRICS:
        return METRICS[key]
    for prefix, metric in FAMILY_PREFIXES.items():
        if key.startswith(prefix):
            return metric
    return None


def as_json(key: str, cell: Cell) -> dict:
    """A figure for the API: value or ``suppressed``, never the small count itself."""
    metric = metric_of(key)
    return {"key": key, "unit": metric.unit if metric else None,
            "value": None if cell.suppressed else cell.value,
            "households": cell.households, "suppressed": cell.suppressed,
            "display": SUPPRESSED_LABEL if cell.suppressed else None}


# --- periods -----------------------------------------------------------------------------------

def parse_period(text: str | None, *, default: str | None = None) -> str:
    """Validate ``YYYY-MM`` (DomainError 422 on anything else)."""
    if not text:
        if default is None:
            raise DomainError(_("La période est obligatoire (AAAA-MM)"), field="period")
        return default
    if not PERIOD_RE.match(text.strip()):
        raise DomainError(_("La période doit être un mois AAAA-MM"), field="period")
    return text.strip()


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def current_period() -> str:
    return period_of(today())


def month_bounds(period: str) -> tuple[date, date]:
    """First day of the month and first day of the next month."""
    year, month = int(period[:4]), int(period[5:])
    first = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return first, following


def periods_between(start: str, end: str) -> list[str]:
    """Every month from ``start`` to ``end`` included."""
    periods = []
    year, month = int(start[:4]), int(start[5:])
    while f"{year:04d}-{month:02d}" <= end:
        periods.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return periods


# --- reading the aggregates --------------------------------------------------------------------

def last_refreshed():
    """When the aggregates were last computed (None: never)."""
    return db.session.execute(select(func.max(EvaluationMonthly.refreshed_at))).scalar()


def latest_period() -> str | None:
    """The last of ``available_periods()`` (any level; None: no figure): the end of the month
    index, not every figure's month made DISTINCT (204,466 figures: ~20-45 ms, issue 23.3)."""
    return db.session.execute(select(func.max(EvaluationMonthly.period))).scalar()


def figures(level: str, code: str, period: str) -> dict[str, Cell]:
    """Every figure of one building or district for one month, small cells suppressed."""
    check_level(level)
    rows = db.session.execute(select(
        EvaluationMonthly.metric, EvaluationMonthly.value, EvaluationMonthly.households).where(
        EvaluationMonthly.level == level, EvaluationMonthly.code == code,
        EvaluationMonthly.period == period)).all()
    return {metric: small_cell(value, households) for metric, value, households in rows}


def trend(level: str, code: str, keys: tuple[str, ...],
          periods: list[str] | None = None) -> dict[str, dict[str, Cell]]:
    """{period: {key: Cell}} for a few figures, over ``periods`` (default: the pilot's life)."""
    check_level(level)
    statement = select(
        EvaluationMonthly.period, EvaluationMonthly.metric, EvaluationMonthly.value,
        EvaluationMonthly.households).where(
        EvaluationMonthly.level == level, EvaluationMonthly.code == code,
        EvaluationMonthly.metric.in_(keys)).order_by(EvaluationMonthly.period)
    if periods is not None:
        statement = statement.where(EvaluationMonthly.period.in_(periods))
    rows = db.session.execute(statement).all()
    result: dict[str, dict[str, Cell]] = {}
    for period, metric, value, households in rows:
        result.setdefault(period, {})[metric] = small_cell(value, households)
    return result


@dataclass(frozen=True)
class LatestDistricts:
    """The districts' figures of the latest month with any, and the districts' names."""

    period: str | None
    table: dict[str, dict[str, Cell]]
    names: dict[str, str]


@built_once
def _latest_district_statement() -> Select:
    # Built once (isp.database.built_once): its constants in its text, PostgreSQL plans it
    # once instead of on every view of the districts page (issue 23.3).
    latest = select(func.max(EvaluationMonthly.period)).where(
        EvaluationMonthly.level == "district").scalar_subquery()
    return (select(EvaluationMonthly.period, EvaluationMonthly.code, EvaluationMonthly.metric,
                   EvaluationMonthly.value, EvaluationMonthly.households, District.name)
            .outerjoin(District, District.code == EvaluationMonthly.code)
            .where(EvaluationMonthly.level == "district", EvaluationMonthly.period == latest))


def latest_district_table() -> LatestDistricts:
    """``level_table("district", latest)`` for the latest of ``available_periods("district")``,
    with each district's name, in one statement (the districts page asked three, the names of
    every district among them, issue 23.3)."""
    rows = db.session.execute(_latest_district_statement()).all()
    table: dict[str, dict[str, Cell]] = {}
    names: dict[str, str] = {}
    for _period, code, metric, value, households, name in rows:
        table.setdefault(code, {})[metric] = small_cell(value, households)
        if name is not None:
            names[code] = name
    return LatestDistricts(rows[0].period if rows else None, table, names)


#: ``RefreshCache.get`` without the caller's ``last_refreshed()``.
NOT_READ = object()


class RefreshCache:
    """Results computed from the aggregates, kept until the next refresh (per process).

    The aggregates change only when they are refreshed, so a chart or an export computed once
    stays right until ``last_refreshed()`` moves; the key also holds the database and language.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.items: dict[tuple, object] = {}

    def get(self, key: tuple, compute, *, refreshed=NOT_READ):
        """``compute()``'s result for ``key`` since the last refresh (``refreshed``: what
        ``last_refreshed()`` returned, when the caller has read it)."""
        if refreshed is NOT_READ:
            refreshed = last_refreshed()
        full = (current_app.config["SQLALCHEMY_DATABASE_URI"], str(get_locale()),
                refreshed, *key)
        if full not in self.items:
            if len(self.items) >= self.size:
                self.items.pop(next(iter(self.items)))
            self.items[full] = compute()
        return self.items[full]

