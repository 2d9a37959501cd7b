"""The published figures of districts and buildings as other domains read them.

Every figure read from the monthly aggregates goes through ``small_cell``: a figure resting on
fewer than ``SMALL_CELL`` households carries no value at all, only ``suppressed=True`` (shown
"< 5", left out of exports); the rounding rules are ``isp.disclosure``'s. The district
indicators are public statistics, read as imported (latest year).

Here, below the domains that show them (outreach's map, impact's indicators, evaluation's
dashboards), so that none of them imports another for the figures (docs/architecture.md §5).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from isp.disclosure import SMALL_CELL, round_count
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from subscribers.models import District
from subscribers.models_figures import DistrictIndicator, EvaluationMonthly

SUPPRESSED_LABEL = "< 5"

LEVELS = ("building", "district")

#: The official MedNum fragility index, shown as imported (never recomputed: its base 100 is a
#: territory the imported districts do not cover).
OFFICIAL_INDEX = "ifn_global"

Values = dict[str, dict[str, float]]  # district code → indicator → value


@dataclass(frozen=True)
class Cell:
    """A figure after the small-cell rule: a suppressed cell carries no value at all."""

    value: float | None
    households: int | None
    suppressed: bool

    @property
    def available(self) -> bool:
        return not self.suppressed and self.value is not None


def small_cell(value: float | None, households: int | None) -> Cell:
    """Apply the small-cell rule; ``households`` None means the figure counts no household.

    The number of households a shown figure rests on is published rounded to 5, like every
    count (the exact basis stays in the table, for this rule only).
    """
    if households is not None and households < SMALL_CELL:
        return Cell(None, None, True)
    return Cell(value, round_count(households), False)


def check_level(level: str) -> None:
    if level not in LEVELS:
        raise DomainError(_("Le niveau doit être « building » ou « district »"), field="level")


# --- the monthly aggregates --------------------------------------------------------------------

def available_periods(level: str | None = None, code: str | None = None) -> list[str]:
    """Months present in the aggregates, oldest first."""
    statement = select(EvaluationMonthly.period).distinct()
    if level:
        statement = statement.where(EvaluationMonthly.level == level)
    if code:
        statement = statement.where(EvaluationMonthly.code == code)
    return sorted(db.session.execute(statement).scalars())


def level_table(level: str, period: str) -> dict[str, dict[str, Cell]]:
    """{code: {key: Cell}} for every building or district in one month."""
    check_level(level)
    rows = db.session.execute(select(
        EvaluationMonthly.code, EvaluationMonthly.metric, EvaluationMonthly.value,
        EvaluationMonthly.households).where(
        EvaluationMonthly.level == level, EvaluationMonthly.period == period)).all()
    result: dict[str, dict[str, Cell]] = {}
    for code, metric, value, households in rows:
        result.setdefault(code, {})[metric] = small_cell(value, households)
    return result


# --- the district indicators -------------------------------------------------------------------

def district_indicators() -> tuple[Values, dict[str, District]]:
    """Latest value of every indicator per district, plus derived shares (CAF coverage), and
    the districts that have any."""
    rows = db.session.execute(
        select(District.code, DistrictIndicator.indicator, DistrictIndicator.value,
               DistrictIndicator.year).join(DistrictIndicator.district)
        .order_by(DistrictIndicator.year)).all()
    values: Values = {}
    for code, indicator, value, _year in rows:  # later years overwrite earlier ones
        values.setdefault(code, {})[indicator] = value
    for indicators in values.values():
        population = indicators.get("population_municipale")
        covered = indicators.get("caf_persons_covered")
        if population and covered is not None:
            indicators["pct_caf_covered"] = round(100 * covered / population, 2)
    districts = {d.code: d for d in db.session.execute(select(District)).scalars()
                 if d.code in values}
    return values, districts
