"""Impact indicators for analysts: aggregates of the stage answers, small cells suppressed.

Groups: cohort (full months since the connection, today), building or district; inside each
group, one column per stage (t0 = before, 6 and 12 months = now). Disclosure control is
evaluation's (``isp/disclosure.py`` and ``subscribers.published_figures.small_cell``,
docs/evaluation-privacy.md): a figure resting on fewer than 5 households is suppressed, counts
are rounded to 5, shares come from the rounded counts, money (means and medians of a monthly
cost) is rounded to the euro and published only over 5 households or more.

The indicators read the answers only (building and connection date are kept on each answer),
so they survive the anonymisation of a household, which cuts the answer's link to it.
"""

from __future__ import annotations

import io
import statistics
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, null, select

from impact.choices import AUTONOMY_LEVELS, COHORT_LABELS, COHORTS, GROUPINGS, Stage
from impact.models import ImpactAnswer
from impact.services import full_months_between
from isp import csvexport
from isp.database import built_once
from isp.disclosure import ratio, round_count
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.timeutil import today
from subscribers.models import Building, District, Subscription
from subscribers.published_figures import SUPPRESSED_LABEL, Cell, small_cell

#: Money means and medians are published to the euro.
MONEY_STEP_CENTS = 100

#: Indicators of one stage, in the order pages show them: key → (label, unit).
INDICATORS = {
    "respondents": (_l("Foyers ayant répondu"), "count"),
    "home_connection_share": (_l("Part avec une connexion à domicile"), "percent"),
    "monthly_cost_mean_cents": (_l("Coût mensuel moyen de la connexion"), "cents"),
    "monthly_cost_median_cents": (_l("Coût mensuel médian de la connexion"), "cents"),
    "sessions_per_household": (_l("Séances d'accompagnement par foyer"), "number"),
    "usage_median_octets": (_l("Usage mensuel médian par foyer"), "octets"),
}


def check_grouping(value: str | None) -> str:
    """``by`` checked: cohort (default), building or district; anything else is a 400."""
    if value is None:
        return "cohort"
    if value not in GROUPINGS:  # ``by=`` too: a mistake of the caller, not the default
        raise DomainError(_("Regroupement inconnu %(value)s ; valeurs possibles : %(values)s",
                            value=value[:20], values=", ".join(GROUPINGS)), field="by",
                          status=400)
    return value


def cohort_of(months: int) -> str:
    for code, first, last in COHORTS:
        if months >= first and (last is None or months <= last):
            return code
    return COHORTS[-1][0]


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    #: stage → indicator key → Cell; ``autonomy`` → level → Cell.
    stages: dict[str, dict[str, Cell]]
    autonomy: dict[str, dict[str, Cell]]


def _money(value: float | None) -> int | None:
    if value is None:
        return None
    return MONEY_STEP_CENTS * round(value / MONEY_STEP_CENTS)


def stage_cells(answers: list[ImpactAnswer]) -> tuple[dict[str, Cell], dict[str, Cell]]:
    """The indicators of one stage over ``answers`` (one per household; answers or rows of
    their ``ANSWER_COLUMNS``), disclosure applied."""
    n = len(answers)
    connected = sum(1 for a in answers if a.home_connection)
    # No connection is no spending on one: 0 € in the mean and the median.
    costs = [a.monthly_cost_cents or 0 for a in answers]
    coached = [a.sessions_count for a in answers if a.sessions_count is not None]
    usage = [a.usage_octets for a in answers if a.usage_octets is not None]
    cells = {
        "respondents": small_cell(round_count(n), n),
        "home_connection_share": small_cell(ratio(round_count(connected), round_count(n)), n),
        "monthly_cost_mean_cents": small_cell(_money(statistics.fmean(costs)) if costs else None,
                                              n),
        "monthly_cost_median_cents": small_cell(
            _money(statistics.median(costs)) if costs else None, n),
        "sessions_per_household": small_cell(
            round(statistics.fmean(coached), 1) if coached else None,
            len(coached) if coached else None),
        "usage_median_octets": small_cell(int(statistics.median(usage)) if usage else None,
                                          len(usage) if usage else None),
    }
    graded = [a.autonomy for a in answers if a.autonomy]
    autonomy = {level: small_cell(round_count(graded.count(level)), graded.count(level))
                for level in AUTONOMY_LEVELS}
    return cells, autonomy


#: What the indicators read of an answer (plain rows: no ORM object per answer, issue 23.3).
ANSWER_COLUMNS = (ImpactAnswer.stage, ImpactAnswer.household_id, ImpactAnswer.connected_on,
                  ImpactAnswer.home_connection, ImpactAnswer.monthly_cost_cents,
                  ImpactAnswer.sessions_count, ImpactAnswer.usage_octets, ImpactAnswer.autonomy)


def _rows(*, live: bool = False) -> list:
    """Every answer as a row of ``ANSWER_COLUMNS`` (read by name, as the answer's), with its
    building and district (``building_code``, ``building_name``, ``district_code``,
    ``district_name``) and, when ``live``, its household's ``connection_date`` (``live``;
    None when it has none or the answer no longer names it), in one statement (the dates were
    a second one, with every household's id, issue 23.3)."""
    return list(db.session.execute(_rows_statement(live)).all())


@built_once
def _rows_statement(live: bool) -> Select:
    # Built once per kind (isp.database.built_once).
    connected = (select(func.min(Subscription.activated_on))
                 .where(Subscription.household_id == ImpactAnswer.household_id)
                 .correlate(ImpactAnswer).scalar_subquery() if live else null())
    return (select(*ANSWER_COLUMNS, Building.code.label("building_code"),
                   Building.name.label("building_name"), District.code.label("district_code"),
                   District.name.label("district_name"), connected.label("live"))
            .join(Building, Building.id == ImpactAnswer.building_id)
            .join(District, District.id == Building.district_id)
            .order_by(ImpactAnswer.id))


def _group_label(by: str, key: str, answer) -> str:
    if by == "cohort":
        return str(COHORT_LABELS[key])
    if by == "building":
        return f"{answer.building_name} ({answer.building_code})"
    return f"{answer.district_name} ({answer.district_code})"


def indicators(by: str, *, on: date | None = None) -> list[Group]:
    """Every group of ``by`` with its figures per stage (groups with no answer are absent)."""
    by = check_grouping(by)
    on = on or today()
    # Only cohorts need the live connection date (the answer's own copy otherwise).
    rows = _rows(live=by == "cohort")
    grouped: dict[str, tuple[str, list]] = {}
    cohorts: dict[date, str] = {}  # answers share connection dates: each computed once
    for answer in rows:
        if by == "cohort":
            connected = answer.live if answer.live is not None else answer.connected_on
            if connected is None:  # not connected yet: in no cohort
                continue
            if connected not in cohorts:
                cohorts[connected] = cohort_of(full_months_between(connected, on))
            key = cohorts[connected]
        else:
            key = answer.building_code if by == "building" else answer.district_code
        if key not in grouped:  # the label once per group, not once per answer
            grouped[key] = (_group_label(by, key, answer), [])
        grouped[key][1].append(answer)
    if by == "cohort":
        order = [code for code, _first, _last in COHORTS if code in grouped]
    else:
        order = sorted(grouped)
    groups = []
    for key in order:
        label, answers = grouped[key]
        stages, autonomy = {}, {}
        for stage in Stage:
            stages[stage.value], autonomy[stage.value] = stage_cells(
                [a for a in answers if a.stage == stage])
        groups.append(Group(key, label, stages, autonomy))
    return groups


def cell_json(cell: Cell) -> dict:
    """A figure for the API: the value or ``suppressed``, never a small count."""
    return {"value": None if cell.suppressed else cell.value, "households": cell.households,
            "suppressed": cell.suppressed,
            "display": SUPPRESSED_LABEL if cell.suppressed else None}


def group_json(group: Group, by: str) -> dict:
    return {"by": by, "key": group.key, "label": group.label,
            "stages": {stage: {**{key: cell_json(cell) for key, cell in cells.items()},
                               "autonomy": {level: cell_json(cell) for level, cell
                                            in group.autonomy[stage].items()}}
                       for stage, cells in group.stages.items()}}


CSV_COLUMNS = ("by", "group", "label", "stage", "indicator", "value", "households")


def csv_text(by: str, *, on: date | None = None) -> str:
    """The indicators as a long CSV (one figure a line); suppressed figures are left out, as in
    every export (docs/design.md §3.7)."""
    out = io.StringIO()
    writer = csvexport.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for group in indicators(by, on=on):
        for stage, cells in group.stages.items():
            figures = [*cells.items(), *((f"autonomy:{level}", cell)
                                         for level, cell in group.autonomy[stage].items())]
            for key, cell in figures:
                if cell.suppressed or cell.value is None:
                    continue
                writer.writerow((by, group.key, group.label, stage, key, cell.value,
                                 cell.households))
    return out.getvalue()
