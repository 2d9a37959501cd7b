"""Analyst pages: pilot dashboard, districts, scenarios, footprint, report, open data."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup, escape
from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload

from evaluation import footprint, fragility, opendata, queries, scenarios
from evaluation.charts import bar_chart, line_chart
from evaluation.models import Scenario
from evaluation.queries import METRICS, metric_of
from evaluation.schemas import FiguresQuery, FragilityQuery
from isp import disclosure
from isp.auth import current_actor, public, require_role
from isp.choices import Role
from isp.database import built_once
from isp.errors import DomainError
from isp.extensions import db
from isp.formatting import money, number, octets, signed
from isp.forms import discard_refused_change, flash_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.i18n import ngettext
from isp.nav import register_nav
from isp.query import parse
from isp.timeutil import today
from isp.validation import Integer
from outreach.demand import published_by_district
from subscribers import published_figures
from subscribers.models import Building, District
from subscribers.models_figures import EvaluationMonthly
from subscribers.published_figures import SUPPRESSED_LABEL, Cell, check_level

bp = Blueprint("evaluation", __name__, template_folder="templates")

ANALYSTS = (Role.ANALYST, Role.OPERATOR)
_CHARTS = queries.RefreshCache()
_EXPORTS = queries.RefreshCache(size=8)
_SCOPES = queries.RefreshCache(size=8)

register_nav(_l("Tableau de bord"), "evaluation.dashboard", *ANALYSTS, order=60)
register_nav(_l("Quartiers"), "evaluation.districts", *ANALYSTS, order=61)
register_nav(_l("Scénarios"), "evaluation.scenario_list", *ANALYSTS, order=62)
register_nav(_l("Empreinte"), "evaluation.footprint_page", *ANALYSTS, order=63)
register_nav(_l("Données ouvertes"), "evaluation.open_data", Role.ANALYST, order=64)

#: The dashboard's sections and their figures (evaluation.aggregates asks each domain).
SECTIONS = (
    (_l("Logements et abonnements"),
     ("flats", "households", "served", "subs_active", "subs_reduced", "subs_suspended",
      "subs_pending", "subs_terminated", "take_up")),
    (_l("Réseau"), ("availability",)),
    (_l("Usage"), ("usage_median_octets", "usage_p90_octets")),
    (_l("Facturation"), ("invoiced_cents", "collected_cents", "full_cost_cents",
                         "subsidy_cents", "household_share_cents",
                         "subsidy_per_household_cents", "arrears_share")),
    (_l("Assistance"), ("tickets_per_100", "median_hours_to_resolve")),
    (_l("Médiation"), ("coaching_slots", "bookings", "attendance_rate", "sessions",
                       "households_accompanied")),
)
TREND_KEYS = ("served", "take_up", "usage_median_octets", "usage_p90_octets", "availability",
              "tickets_per_100")
#: The trend shows the year up to the month displayed; earlier years are a link away (issue 15:
#: a page must not grow with the age of the pilot).
TREND_MONTHS = 12


def display(key: str, cell: Cell | None) -> Markup:
    """A figure as text: "< 5" for small cells, "non disponible" when absent."""
    if cell is None or (not cell.suppressed and cell.value is None):
        return Markup('<span class="muted">{}</span>').format(_("non disponible"))
    if cell.suppressed:
        return Markup('<abbr title="{}">{}</abbr>').format(
            _("moins de 5 foyers : valeur masquée (secret statistique)"), SUPPRESSED_LABEL)
    metric = metric_of(key)
    if metric is not None and metric.unit == "count":
        # Marked so that a test can check that no shown count of households is below 5.
        return Markup('<span class="n-households">{}</span>').format(plain(key, cell.value))
    return Markup(escape(plain(key, cell.value)))


def plain(key: str, value: float | None) -> str:
    """A value as text in its unit (for charts' tables and displays)."""
    if value is None:
        return _("non disponible")
    unit = metric_of(key).unit if metric_of(key) else "number"
    if unit in ("count", "flats"):
        return number(value)
    if unit == "percent":
        return f"{number(value, 2)} %"
    if unit == "octets":
        return octets(int(value))
    if unit == "cents":
        return money(int(value))
    if unit == "hours":
        return f"{number(value, 1)} h"
    return number(value, 0 if float(value).is_integer() else 1)


@bp.app_context_processor
def _helpers():
    return {"eval_display": display, "eval_metric": metric_of, "EVAL_METRICS": METRICS}


def _period_arg(default: str) -> str:
    return queries.parse_period(parse(FiguresQuery).period, default=default)


# --- dashboard ---------------------------------------------------------------------------------

@bp.get("/evaluation")
@require_role(*ANALYSTS, scope="aggregates")
def dashboard():
    level = request.args.get("level", "building")
    if level not in published_figures.LEVELS:
        level = "building"
    refreshed = queries.last_refreshed()  # once, for the page, its chooser and the charts
    # The chooser as of the last refresh, like the figures it leads to: 1,001 buildings read
    # and made into options took 6 of the page's 10 ms at 100,000 households (issue 23.3).
    scopes = _SCOPES.get(("scopes", level), lambda: _scope_chooser(level), refreshed=refreshed)
    codes, names = scopes.codes, scopes.names
    code = request.args.get("code") or scopes.default
    periods = published_figures.available_periods(level, code) if code else []
    try:
        period = _period_arg(periods[-1] if periods else queries.current_period())
    except DomainError as error:
        flash_domain_error(error)
        period = periods[-1] if periods else queries.current_period()
    if code and code not in codes:
        flash(_("Aucun chiffre pour %(code)s.", code=code), "error")
        code = None
    cells = queries.figures(level, code, period) if code else {}
    sections = []
    for title, keys in SECTIONS:
        sections.append({"title": title, "metrics": keys})
    themes = sorted(k for k in cells if k.startswith("theme:"))
    tiers = sorted(k for k in cells if k.startswith("tier:"))
    window = trend_window(periods, period)
    charts, trend_table = _CHARTS.get(("trend", level, code, tuple(window["periods"])),
                                      lambda: _trend_charts(level, code, window["periods"]),
                                      refreshed=refreshed) \
        if code else ([], None)
    return render_template("evaluation/dashboard.html", level=level, code=code,
                           code_options=scopes.options(code), names=names, period=period,
                           periods=periods, cells=cells,
                           sections=sections, themes=themes, tiers=tiers, charts=charts,
                           trend_table=trend_table, window=window, refreshed=refreshed)


def trend_window(periods: list[str], period: str) -> dict:
    """The ``TREND_MONTHS`` months of ``periods`` up to ``period``, and the months to link to.

    ``earlier``: the month to show for the year before (None: nothing before); ``later``: the
    month to show for the year after (None: the window already ends at the latest month).
    """
    upto = [p for p in periods if p <= period]
    shown = upto[-TREND_MONTHS:]
    earlier = upto[-TREND_MONTHS - 1] if len(upto) > TREND_MONTHS else None
    after = [p for p in periods if p > period]
    later = after[:TREND_MONTHS][-1] if after else None
    return {"periods": shown, "earlier": earlier, "later": later}


_OPTION = Markup('<option value="{}">{} ({})</option>')
_CHOSEN_OPTION = Markup('<option value="{}" selected>{} ({})</option>')


@dataclass(frozen=True)
class ScopeChooser:
    """The dashboard's buildings or districts, named, with their options made once."""

    codes: tuple[str, ...]
    names: dict[str, str]
    default: str | None
    #: (code, option, the option chosen), escaped, in the codes' order
    made: tuple[tuple[str, Markup, Markup], ...]

    def options(self, chosen: str | None) -> Markup:
        """The ``<option>`` elements, ``chosen`` selected."""
        return Markup("".join(selected if code == chosen else option
                              for code, option, selected in self.made))


def _scope_chooser(level: str) -> ScopeChooser:
    codes, names, default = _scopes_named(level)
    made = tuple((code, _OPTION.format(code, names.get(code, code), code),
                  _CHOSEN_OPTION.format(code, names.get(code, code), code)) for code in codes)
    return ScopeChooser(tuple(codes), names, default, made)


def _scopes_named(level: str) -> tuple[list[str], dict[str, str], str | None]:
    """The buildings or districts with figures (in the latest month: every scope has rows
    every month), their names, and the one the dashboard shows by default: the first pilot (a
    district with a pilot building), else the first code. One statement, joined by code (it
    was three, one of them every building's name, then the codes bound one by one; issue
    23.3)."""
    check_level(level)
    latest = select(func.max(EvaluationMonthly.period)).where(
        EvaluationMonthly.level == level).scalar_subquery()
    # The month's distinct codes first (from the month index alone), then their names: the
    # DISTINCT over the 17,000 figures joined to their names took 13 ms (issue 23.3). Codes
    # are unique in buildings and districts, so the rows are the same.
    scoped = select(EvaluationMonthly.code).distinct().where(
        EvaluationMonthly.level == level, EvaluationMonthly.period == latest).subquery()
    if level == "building":
        named = select(scoped.c.code, Building.name, Building.status == "pilot") \
            .outerjoin(Building, Building.code == scoped.c.code)
    else:
        has_pilot = exists().where(Building.district_id == District.id,
                                   Building.status == "pilot")
        named = select(scoped.c.code, District.name, has_pilot) \
            .outerjoin(District, District.code == scoped.c.code)
    rows = db.session.execute(named).all()
    codes = sorted(code for code, _name, _pilot in rows)
    names = {code: name for code, name, _pilot in rows if name is not None}
    pilots = sorted(code for code, _name, is_pilot in rows if is_pilot)
    return codes, names, pilots[0] if pilots else (codes[0] if codes else None)


def _trend_charts(level: str, code: str, window: list[str]) -> tuple[list, dict | None]:
    """The trend charts over the ``window`` months, and one data table for all of them.

    One table (a row per month, a column per figure) instead of one per chart: the same values
    in half the elements, so a year of trend keeps the page in EcoIndex grade A.
    """
    data = queries.trend(level, code, TREND_KEYS, window)
    periods = sorted(data)
    if not periods:
        return [], None
    charts = []
    groups = ((_("Adhésion"), ("take_up",)),
              (_("Abonnements en service"), ("served",)),
              (_("Usage mensuel par foyer en service (Go)"),
               ("usage_median_octets", "usage_p90_octets")),
              (_("Disponibilité du réseau (%)"), ("availability",)),
              (_("Tickets pour 100 abonnements"), ("tickets_per_100",)))
    shown_keys: list[str] = []
    for title, keys in groups:
        if not any(k in data[p] for p in periods for k in keys):
            continue
        shown_keys += keys
        series = {}
        for key in keys:
            values = []
            for period in periods:
                cell = data[period].get(key)
                value = cell.value if cell is not None and cell.available else None
                if value is not None and metric_of(key).unit == "octets":
                    value = round(value / 1e9, 2)
                values.append(value)
            series[str(metric_of(key).label)] = values
        charts.append(line_chart(title, periods, series, [], []))
    table = {"headers": [_("Mois")] + [str(metric_of(k).label) for k in shown_keys],
             "rows": [[period] + [_trend_cell(k, data[period].get(k)) for k in shown_keys]
                      for period in periods]}
    return charts, table


def _trend_cell(key: str, cell: Cell | None) -> Markup:
    """A cell of the trend table: as ``display``, but a masked value is plain "< 5" (the note
    above the figures explains it once, instead of an <abbr> in every masked cell)."""
    if cell is not None and cell.suppressed:
        return escape(SUPPRESSED_LABEL)
    return display(key, cell)


# --- districts and fragility -------------------------------------------------------------------

def _ranking_args(loaded) -> tuple[str, str, dict, list, DomainError | None]:
    """The ranking asked by the query string (method, reference, weights), with the public
    requests beside the index; bad weights or reference: the defaults and the error."""
    query = parse(FragilityQuery)
    method = query.method if query.method in ("mednum", "weighted") else "mednum"
    _values, known = loaded
    reference = query.reference
    demand = _published_demand()
    error = None
    try:
        weights = fragility.parse_weights(query.model_dump())
        ranked = fragility.ranking(method, reference, weights, loaded=loaded, demand=demand)
    except DomainError as exc:
        error, weights, reference = exc, dict(fragility.DEFAULT_WEIGHTS), "all"
        ranked = (fragility.ranking(method, reference, weights, loaded=loaded, demand=demand)
                  if known else [])
    return method, reference, weights, ranked, error


@bp.get("/evaluation/districts")
@require_role(*ANALYSTS, scope="aggregates")
def districts():
    loaded = published_figures.district_indicators()  # once for the page (the ranking needs it too)
    _values, known = loaded
    method, reference, weights, ranked, error = _ranking_args(loaded)
    if error is not None:
        flash(error.message, "error")
    chart = None
    top = [r for r in ranked if r.score is not None][:15]
    if top:
        chart = bar_chart(_("Score de fragilité (15 premiers)"), [r.name for r in top],
                          [round(r.score, 2) for r in top],
                          [[str(r.rank), r.name, number(r.score, 2)] for r in top],
                          [_("Rang"), _("Quartier"), _("Score")])
    latest = queries.latest_district_table()  # the month, its figures and names: one read
    return render_template(
        "evaluation/districts.html", method=method, reference=reference,
        ranking_rows=_ranking_rows(ranked, fragility.MEDNUM_GROUPS if method == "mednum" else ()),
        references=fragility.reference_choices(known), weights=weights, chart=chart,
        labels=fragility.INDICATOR_LABELS, group_labels=fragility.GROUP_LABELS,
        groups=fragility.MEDNUM_GROUPS, period=latest.period, pilot_table=latest.table,
        district_names=latest.names, csv_args=_csv_args(method, reference, weights))


@dataclass(frozen=True)
class _RankingRow:
    """A district's row of the ranking as the page writes it: its cells' text."""

    rank: int | None
    name: str
    code: str
    is_pilot: bool
    score: str
    groups: list[str]
    official_and_requests: str
    coverage: str
    drivers: str


def _ranking_rows(ranked: list[fragility.Ranked], groups: Iterable[str]) -> list[_RankingRow]:
    """The ranking's cells, written here in one loop rather than by the template, whose filter
    calls for each of ~450 cells cost a fifth of the page (issue 23.3). ``groups``: the
    MedNum groups shown as columns (none for the weighted method)."""
    labels = fragility.INDICATOR_LABELS
    rows = []
    for item in ranked:
        drivers = " ; ".join(
            f"{labels.get(term.indicator, term.indicator)} : {number(term.value, 1)} → "
            f"{signed(term.contribution, 2)}" for term in item.drivers)
        rows.append(_RankingRow(
            item.rank, item.name, item.code, item.is_pilot, number(item.score, 2),
            [number(item.groups.get(group), 1) for group in groups],
            f"{number(item.official, 1)} · {_requests_text(item.requests)}",
            f"{number(100 * item.coverage, 0)} %",
            drivers))
    return rows


def _csv_args(method: str, reference: str, weights: dict) -> dict:
    """The query of the ranking's CSV: the ranking shown on the page."""
    args = {"method": method, "reference": reference}
    if method == "weighted":
        args |= {f"w_{indicator}": weight for indicator, weight in weights.items()}
    return args


@bp.get("/evaluation/districts.csv")
@require_role(*ANALYSTS, scope="aggregates")
def districts_csv():
    """The ranking as on the page (same ``method``, ``reference``, ``w_*``), with the public
    requests beside the index; a bad weight or reference is refused as by the API, not
    replaced by the defaults (a file must be what was asked)."""
    method, _reference, _weights, ranked, error = _ranking_args(
        published_figures.district_indicators())
    if error is not None:
        raise error
    return Response(fragility.ranking_csv(ranked), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=fragility-{method}.csv"})


def _published_demand() -> dict[str, int | None]:
    """Public requests per district as analysts see them (< 5 suppressed: None; rounded to 5)."""
    return published_by_district()


# --- scenarios ---------------------------------------------------------------------------------

#: Where a district's flats estimate comes from, as the scenario form names it.
FLATS_SOURCES = {"buildings": _l("logements des immeubles"),
                 "district_households": _l("ménages du quartier")}


@bp.get("/evaluation/scenarios")
@require_role(*ANALYSTS, scope="aggregates")
def scenario_list():
    return _scenario_page({}, None)


@built_once
def _saved_scenarios_statement():
    # Built once (isp.database.built_once): the page reads it on every view.
    return (select(Scenario).options(joinedload(Scenario.district))
            .order_by(Scenario.created_at.desc(), Scenario.id.desc()))


def _scenario_page(form: dict, error: DomainError | None, status: int = 200):
    # Each saved scenario's district joined to it (was one statement per district, then one
    # for all).
    saved = db.session.execute(_saved_scenarios_statement()).scalars().all()
    # The districts once, for the list and their estimates, with their flats as the nightly
    # refresh counted them (the page says when), not 100,000 flats counted on each request.
    rows = scenarios.districts_with_flats()
    district_list = [(row.id, row.code, row.name) for row in rows]
    # The date the page gives its buildings' flats (those counted now have none).
    flats_as_of = max((row.as_of for row in rows if row.as_of is not None), default=None)
    return render_template("evaluation/scenarios.html", saved=saved, form=form, error=error,
                           district_options=_district_options(
                               district_list, scenarios.flats_estimates(districts=rows),
                               _published_demand()),
                           flats_as_of=flats_as_of,
                           defaults=scenarios.pilot_defaults(refreshed_flats=True),
                           prices=scenarios.tier_prices(), tiers=scenarios.TIERS,
                           options=scenarios.option_choices()), status


def _district_options(districts: list[tuple[int, str, str]],
                      estimates: dict[int, scenarios.FlatsEstimate],
                      demand: dict[str, int | None]) -> list[tuple[str, str]]:
    """Each district's choice in the scenario form, (code, label): its flats estimate and
    source, and its public requests (None: fewer than 5). Written here in one loop rather than
    by the template, whose calls for each district cost a tenth of the page (issue 23.3)."""
    options = []
    for district_id, code, name in districts:
        estimate = estimates.get(district_id)
        if estimate and estimate.value:
            flats = "{} : {}".format(
                ngettext("%(num)s logement", "%(num)s logements", estimate.value,
                         num=number(estimate.value)),
                estimate.detail or FLATS_SOURCES[estimate.source])
        else:
            flats = _("logements à saisir")
        options.append((code, "{} ({}) — {} — {} : {}".format(
            name, code, flats, _("demandes publiques"), _requests_text(demand.get(code, 0)))))
    return options


def _requests_text(requests: int | None) -> str:
    """A district's published public requests as the pages write them (None: fewer than 5)."""
    return SUPPRESSED_LABEL if requests is None else number(requests)


@bp.post("/evaluation/scenarios")
@require_role(*ANALYSTS, scope="aggregates")
def scenario_create():
    form = request.form.to_dict()
    try:
        scenario = scenarios.run(form, actor=current_actor())
    except DomainError as error:
        discard_refused_change()
        return _scenario_page(form, error, 422)
    db.session.commit()
    flash(_("Scénario enregistré."), "success")
    return redirect(url_for("evaluation.scenario_show", scenario_id=scenario.id))


@bp.get("/evaluation/scenarios/<int:scenario_id>")
@require_role(*ANALYSTS, scope="aggregates")
def scenario_show(scenario_id: int):
    items = [scenarios.as_dict(scenarios.get(scenario_id))]
    return render_template("evaluation/scenario_compare.html", items=items,
                           result_keys=scenarios.RESULT_KEYS, single=True,
                           demand=_published_demand())


SCENARIO_IDS = Integer("ids", status=400)


def _chosen_scenarios() -> list[Scenario]:
    # A malformed or out-of-range id is a 400 naming ``ids`` (not a database error).
    ids = [SCENARIO_IDS.check(part.strip()) for raw in request.args.getlist("ids")
           for part in raw.split(",") if part.strip()]
    if not ids:
        raise DomainError(_("Choisissez au moins un scénario."), field="ids", status=400)
    return [scenarios.get(i) for i in dict.fromkeys(ids)][:10]


@bp.get("/evaluation/scenarios/compare")
@require_role(*ANALYSTS, scope="aggregates")
def scenario_compare():
    if not "".join(request.args.getlist("ids")).strip(", "):
        flash(_("Choisissez au moins un scénario."), "error")
        return redirect(url_for("evaluation.scenario_list"))
    chosen = _chosen_scenarios()
    return render_template("evaluation/scenario_compare.html",
                           items=[scenarios.as_dict(s) for s in chosen],
                           result_keys=scenarios.RESULT_KEYS, single=False,
                           demand=_published_demand())


@bp.get("/evaluation/scenarios/export.csv")
@require_role(*ANALYSTS, scope="aggregates")
def scenario_export():
    chosen = _chosen_scenarios()
    return Response(scenarios.to_csv(chosen), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=scenarios.csv"})


# --- footprint and report ----------------------------------------------------------------------

def _year_arg() -> int:
    raw = request.args.get("year", "")
    year = int(raw) if raw.isdigit() else today().year
    return min(max(year, 2000), 2100)


@bp.get("/evaluation/footprint")
@require_role(*ANALYSTS, scope="aggregates")
def footprint_page():
    year = _year_arg()
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    month = request.args.get("month", "")
    if month.isdigit() and 1 <= int(month) <= 12:  # one month of the year (issue 16.9)
        start = date(year, int(month), 1)
        end = date(year + (start.month == 12), start.month % 12 + 1, 1)
    devices = footprint.all_devices()  # read once for the buildings and the 4R chain
    items = footprint.building_footprints(start, end, devices=devices)
    return render_template("evaluation/footprint.html", year=year, items=items,
                           totals=footprint.totals(items),
                           states=footprint.lifecycle_counts(devices=devices),
                           factor=footprint.emission_factor(),
                           lifetime=footprint.LIFETIME_YEARS,
                           network_landed=footprint._device_model() is not None,
                           small_cell=disclosure.SMALL_CELL,
                           lent=footprint.lent_equipment(start, end),
                           hosting=footprint.hosting_estimate(start, end))


@bp.get("/evaluation/report/<int:year>")
@require_role(*ANALYSTS, scope="aggregates")
def report(year: int):
    if not 2000 <= year <= 2100:
        return redirect(url_for("evaluation.report", year=today().year))
    devices = footprint.all_devices()  # read once, as on the footprint page
    items = footprint.building_footprints(date(year, 1, 1), date(year + 1, 1, 1),
                                          devices=devices)
    context = {"year": year, "items": items, "totals": footprint.totals(items),
               "states": footprint.lifecycle_counts(devices=devices),
               "factor": footprint.emission_factor(),
               "lifetime": footprint.LIFETIME_YEARS, "small_cell": disclosure.SMALL_CELL,
               "css_bytes": _css_bytes(),
               "lent": footprint.lent_equipment(date(year, 1, 1), date(year + 1, 1, 1)),
               "hosting": footprint.hosting_estimate(date(year, 1, 1), date(year + 1, 1, 1))}
    # The page states its own weight: render once to measure, then with the figure.
    first = render_template("evaluation/report.html", page_bytes=None, **context)
    return render_template("evaluation/report.html", page_bytes=len(first.encode()), **context)


def _css_bytes() -> int:
    path = Path(current_app.static_folder or "") / "app.css"
    return path.stat().st_size if path.exists() else 0


# --- open data (public, see evaluation/opendata.py for the decision) ----------------------------

@bp.get("/open-data/dictionary")
@public
def open_data():
    return render_template("evaluation/open_data.html", dictionary=opendata.dictionary(),
                           refreshed=queries.last_refreshed())


@bp.get("/open-data/dictionary.json")
@public
def open_data_dictionary():
    return jsonify(opendata.dictionary())


@bp.get("/open-data/aggregates.csv")
@public
def open_data_csv():
    body = _EXPORTS.get(("csv",), lambda: opendata.to_csv(opendata.rows()))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=aggregates.csv"})


@bp.get("/open-data/footprint.csv")
@public
def open_data_footprint_csv():
    """Yearly kWh and kgCO2e by source per building and district (footprint observatory);
    ``?year=`` for one year."""
    raw = request.args.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= today().year else None
    if raw and year is None:
        abort(400)
    # Computed live: lent equipment moves every day, not only when the aggregates refresh.
    body = opendata.footprint_csv(opendata.footprint_rows(year))
    name = f"footprint-{year}.csv" if year else "footprint.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/open-data/aggregates.json")
@public
def open_data_json():
    refreshed = queries.last_refreshed()
    dictionary = url_for("evaluation.open_data_dictionary", _external=True)

    def build() -> str:
        return json.dumps({"licence": opendata.LICENCE, "dictionary": dictionary,
                           "refreshed_at": refreshed.isoformat() if refreshed else None,
                           "items": opendata.rows()}, ensure_ascii=False)

    return Response(_EXPORTS.get(("json", dictionary), build), mimetype="application/json")
