"""Expansion scenarios: what serving a district (or a list of buildings) would cost and bring.

Kept in one file (~580 lines) because every figure of a scenario is computed from the same
list of assumptions, each carrying its source, and is shown beside it.

Defaults come from the pilot's measured values when they rest on enough households (small-cell
rule), else from documented defaults; every assumption says where it came from.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask import current_app
from flask_babel import format_decimal
from sqlalchemy import Row, Select, and_, bindparam, case, exists, func, or_, select

from billing import options as billing_options
from billing import tariffs
from billing.money import next_period_start
from evaluation import footprint
from evaluation.aggregates import flats_of_building
from evaluation.models import Scenario
from evaluation.queries import RefreshCache, current_period, period_of
from isp import csvexport
from isp.database import AmongIds, built_once
from isp.disclosure import SMALL_CELL
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.timeutil import today
from subscribers.models import Building, District, Unit
from subscribers.models_figures import DistrictIndicator, EvaluationMonthly

TIERS = ("T1", "T2", "T3")
DEFAULTS = {
    "take_up": 0.6,
    "mix": {"T1": 0.5, "T2": 0.3, "T3": 0.2},
    "equipment_cents_per_flat": 15000,
    "amortisation_months": 60,
    "bandwidth_cents_per_month": 60000,
    "mediation_hours_per_household": 3.0,
    "mediation_hourly_cents": 3500,
    "watts_per_flat": 1.25,  # one 24-port access switch at 30 W per 24 flats
    "embodied_kgco2e_per_flat": None,  # unknown until devices carry their footprint
}
SOURCE_PILOT = "pilot"
SOURCE_DEFAULT = "default"
SOURCE_INPUT = "input"
#: Prices come from billing's tariff grid (``billing.tariffs.prices_for_period``).
SOURCE_BILLING = "billing"
#: Options' prices and subsidies come from billing's catalogue (``billing.options.terms``).
SOURCE_CATALOGUE = "billing catalogue"
#: At most this many options in one scenario (the catalogue is a handful).
MAX_OPTIONS = 20


@dataclass(frozen=True)
class Assumption:
    value: object
    source: str  # pilot | default | input


#: What each field is called on the form, for the error messages.
FIELD_LABELS = {
    "flats": _l("Nombre de logements"), "take_up": _l("Taux d'adhésion attendu"),
    "amortisation_months": _l("Amortissement de l'équipement"),
    "equipment_euros_per_flat": _l("Équipement par logement"),
    "bandwidth_euros_per_month": _l("Bande passante par mois"),
    "mediation_hours_per_household": _l("Heures de médiation par foyer"),
    "mediation_hourly_euros": _l("Coût horaire de la médiation"),
    "watts_per_flat": _l("Puissance réseau par logement"),
    "embodied_kgco2e_per_flat": _l("Émissions de fabrication par logement"),
    **{f"mix_{tier}": _l("Part de la tranche %(tier)s", tier=tier) for tier in TIERS},
}
#: District indicators that count households (unit ``households``), best first: a flats
#: estimate when neither buildings nor the district's own households count are known.
HOUSEHOLD_INDICATORS = {"households": _l("ménages"),
                        "caf_allocataires": _l("foyers allocataires CAF (estimation basse)")}


@dataclass(frozen=True)
class FlatsEstimate:
    """The flats a scenario counts when none is typed, and where the figure comes from.

    ``source``: ``buildings`` (flats known in the buildings), ``district_households`` (the
    district's households count), ``district_indicator`` (a published households figure,
    ``detail`` names it), or ``none``. ``as_of``: when the nightly refresh counted the
    buildings' flats, for a figure read from it (None: counted now).
    """

    value: int | None
    source: str
    detail: str | None = None
    as_of: datetime | None = None


#: The buildings whose measures give a scenario its defaults.
PILOT_STATUSES = ("pilot", "live")


def _stored_flats(level: str, code, period: str):
    """The refresh's "flats" row of a building or district (``code``: its column) in
    ``period``, as an ON or EXISTS clause."""
    return and_(EvaluationMonthly.level == level, EvaluationMonthly.code == code,
                EvaluationMonthly.period == period, EvaluationMonthly.metric == "flats")


def districts_with_flats(period: str | None = None) -> list[Row]:
    """Every district by name (``id``, ``code``, ``name``, ``households_count``) with its
    buildings' ``flats`` as the refresh of ``period`` (default: this month) stored them and
    ``as_of``, that refresh's time; a district it has no row for (no flat then, or new since)
    is counted now (``as_of`` None), with the same ``flats_of_building``.

    One statement: the scenarios page no longer counts the 100,000 flats building by building
    on each request (issue 23.3; the page says the figures' date).
    """
    return db.session.execute(_districts_with_flats_statement(),
                              {"period": period or current_period()}).all()


@built_once
def _districts_with_flats_statement():
    """``districts_with_flats`` of ``:period``; built once (isp.database.built_once)."""
    period = bindparam("period")
    # The live count runs only for the buildings of districts without a stored row, grouped
    # once: a count correlated to each district read every building for each of them
    # (PostgreSQL plans it for a district of average size, and 1,000 buildings sit in one:
    # 25 districts x 1,001 buildings, 12 ms; issue 23.3).
    unstored = select(District.id).outerjoin(
        EvaluationMonthly, _stored_flats("district", District.code, period)).where(
        EvaluationMonthly.id.is_(None))
    live = select(Building.district_id, func.sum(flats_of_building()).label("flats")) \
        .where(Building.district_id.in_(unstored)).group_by(Building.district_id).subquery()
    flats = case((EvaluationMonthly.id.is_(None), func.coalesce(live.c.flats, 0)),
                 else_=EvaluationMonthly.value)
    return (select(District.id, District.code, District.name, District.households_count,
                   flats.label("flats"), EvaluationMonthly.refreshed_at.label("as_of"))
            .outerjoin(EvaluationMonthly, _stored_flats("district", District.code, period))
            .outerjoin(live, live.c.district_id == District.id)
            .order_by(District.name))


def flats_estimates(district_ids: list[int] | None = None, *,
                    districts: list[Row] | None = None) -> dict[int, FlatsEstimate]:
    """Each district's flats estimate (id → estimate), counted now in three queries for the
    whole list; one given ``districts`` (``districts_with_flats()``: the buildings' flats as
    refreshed, the page's reading)."""
    as_of: dict[int, datetime | None] = {}
    if districts is None:
        statement = select(District.id, District.households_count)
        if district_ids is not None:
            statement = statement.where(District.id.in_(district_ids))
        households = dict(db.session.execute(statement).all())
        units = {district_id: int(count) for district_id, count in db.session.execute(
            select(Building.district_id, func.sum(flats_of_building()))
            .where(Building.district_id.in_(list(households))).group_by(Building.district_id))}
    else:
        rows = [row for row in districts if district_ids is None or row.id in district_ids]
        households = {row.id: row.households_count for row in rows}
        units = {row.id: int(row.flats or 0) for row in rows}
        as_of = {row.id: row.as_of for row in rows}
    indicators: dict[int, DistrictIndicator] = {}
    rank = list(HOUSEHOLD_INDICATORS)
    for row in db.session.execute(_household_indicators_statement(),
                                  {"district_ids": list(households)}).scalars():
        best = indicators.get(row.district_id)
        # The preferred indicator wins; among equals, the latest year (rows come by year).
        if best is None or rank.index(row.indicator) <= rank.index(best.indicator):
            indicators[row.district_id] = row
    result = {}
    for district_id, count in households.items():
        if units.get(district_id):
            result[district_id] = FlatsEstimate(units[district_id], "buildings",
                                                as_of=as_of.get(district_id))
        elif count:
            result[district_id] = FlatsEstimate(count, "district_households")
        elif district_id in indicators and indicators[district_id].value >= 1:
            row = indicators[district_id]
            result[district_id] = FlatsEstimate(
                int(row.value), "district_indicator",
                f"{HOUSEHOLD_INDICATORS[row.indicator]} {row.year}, {row.source}")
        else:
            result[district_id] = FlatsEstimate(None, "none")
    return result


@built_once
def _household_indicators_statement() -> Select:
    """The households indicators of the districts ``district_ids``, by year: built once
    (isp.database.built_once), so PostgreSQL plans it once (issue 23.3)."""
    return (select(DistrictIndicator)
            .where(AmongIds(DistrictIndicator.district_id, "district_ids"),
                   DistrictIndicator.indicator.in_(list(HOUSEHOLD_INDICATORS)))
            .order_by(DistrictIndicator.year))


def pricing_period() -> str:
    """The month whose tariffs a new scenario uses: the next one, the first a new building
    could be billed for (a price an admin sets today applies from then, billing.update_tier)."""
    return period_of(next_period_start(today()))


def tier_prices(period: str | None = None) -> dict[str, int]:
    """Monthly price (cents) of each tier in ``period``, as billing publishes it."""
    prices = tariffs.prices_for_period(period or pricing_period())
    return {tier: int(prices[tier]) for tier in TIERS if tier in prices}


#: The building figures the pilots' defaults read.
PILOT_METRICS = ("served", "flats", *(f"tier:{tier}" for tier in TIERS))


@dataclass(frozen=True)
class PilotSums:
    """The pilots' building figures of a month, summed as the defaults use them.

    ``served`` and ``flats``: over the pilots whose "served" is shown (``small_cell``
    available) and that have a "flats" row (its value, 0 when not shown); ``stored``: every
    shown "flats"; ``tiers``: each shown "tier:…" count.
    """

    served: int
    flats: int
    stored: int
    tiers: dict[str, int]


def _shown(column):
    """``column`` where ``small_cell`` shows the figure (households None or ≥ SMALL_CELL), else
    NULL: the small-cell rule as an SQL expression, held to ``small_cell`` by a test."""
    return case((or_(EvaluationMonthly.households.is_(None),
                     EvaluationMonthly.households >= SMALL_CELL), column))


_PILOT_SUMS = RefreshCache(size=8)


def _pilot_sums(period: str, codes: Select) -> PilotSums:
    """The sums ``pilot_defaults`` makes of the buildings ``codes`` selects, made by the
    database: it read their ``PILOT_METRICS`` rows, 5,000 a month at 1,000 pilots, and summed
    them in Python, ~90 ms a page (issue 23.3). The figures are counts (whole numbers), so
    the sum of the rows is the sum of their ``int()``."""
    def of(metric: str):
        return func.max(case((EvaluationMonthly.metric == metric,
                              _shown(EvaluationMonthly.value))))

    per_building = select(
        of("served").label("served"), of("flats").label("flats"),
        func.max(case((EvaluationMonthly.metric == "flats", 1))).label("has_flats"),
        *(of(f"tier:{tier}").label(tier) for tier in TIERS)).where(
        EvaluationMonthly.level == "building", EvaluationMonthly.period == period,
        EvaluationMonthly.metric.in_(PILOT_METRICS), EvaluationMonthly.code.in_(codes)) \
        .group_by(EvaluationMonthly.code).subquery()
    # A building counts in the take-up when its served count is shown and it has flats' row.
    counted = and_(per_building.c.served.is_not(None), per_building.c.has_flats.is_not(None))
    row = db.session.execute(select(
        func.sum(case((counted, per_building.c.served))),
        func.sum(case((counted, func.coalesce(per_building.c.flats, 0)))),
        func.sum(per_building.c.flats),
        *(func.sum(per_building.c[tier]) for tier in TIERS))).one()
    served, flats, stored, *tiers = (int(value or 0) for value in row)
    return PilotSums(served, flats, stored, dict(zip(TIERS, tiers, strict=True)))


@built_once
def _unstored_pilot_flats():
    """The flats of the pilots the refresh of ``:period`` has no row for, counted now; built
    once (isp.database.built_once)."""
    return select(func.coalesce(func.sum(flats_of_building()), 0)).where(
        Building.status.in_(PILOT_STATUSES),
        ~exists().where(_stored_flats("building", Building.code, bindparam("period"))))


def pilot_defaults(*, refreshed_flats: bool = False) -> dict[str, Assumption]:
    """Take-up, tariff mix and watts per flat measured on the pilot buildings, when enough.

    ``refreshed_flats``: the watts are divided by the pilots' flats as the refresh stored them
    (those it has no row for counted now), as the scenarios page reads them (issue 23.3); else
    every pilot's flats are counted now.
    """
    period = current_period()
    in_pilot = Building.status.in_(PILOT_STATUSES)
    # Only the pilots' rows are read: every building in the table is a pilot.
    # The sums of figures that change only when refreshed, so kept until the next refresh
    # (4.7 of the scenarios page's 6.5 ms in the database at 1,000 pilots, issue 23.3): the
    # pilots are those of the last refresh, as the page's "Dernier calcul" says.
    sums = _PILOT_SUMS.get(("pilot_sums", period), lambda: _pilot_sums(
        period, select(Building.code).where(in_pilot)))
    stored = sums.stored

    def stored_and_unstored_flats() -> int:
        # Counted only if a device figure is known (in_service_per_flat calls it then).
        return stored + int(db.session.execute(_unstored_pilot_flats(),
                                               {"period": period}).scalar_one())

    pilot_flats: Callable[[], int] | None = stored_and_unstored_flats if refreshed_flats else None
    served, flats, tiers = sums.served, sums.flats, sums.tiers
    result = {}
    if served >= SMALL_CELL and flats:
        result["take_up"] = Assumption(round(served / flats, 3), SOURCE_PILOT)
    else:
        result["take_up"] = Assumption(DEFAULTS["take_up"], SOURCE_DEFAULT)
    # Each tier must rest on 5 households itself, else the mix would reveal a small cell.
    if all(count >= SMALL_CELL for count in tiers.values()):
        total = sum(tiers.values())
        result["mix"] = Assumption({t: round(c / total, 3) for t, c in tiers.items()},
                                   SOURCE_PILOT)
    else:
        result["mix"] = Assumption(dict(DEFAULTS["mix"]), SOURCE_DEFAULT)
    # Watts and embodied footprint per flat in one pass (the flats of 100 buildings counted once).
    measured = footprint.in_service_per_flat(
        ("power_watts", "embodied_kgco2e"),
        select(Building.id).where(in_pilot), flats=pilot_flats)
    watts = measured["power_watts"]
    result["watts_per_flat"] = (Assumption(round(watts, 3), SOURCE_PILOT) if watts
                                else Assumption(DEFAULTS["watts_per_flat"], SOURCE_DEFAULT))
    embodied = measured["embodied_kgco2e"]
    result["embodied_kgco2e_per_flat"] = (
        Assumption(round(embodied, 3), SOURCE_PILOT) if embodied is not None
        else Assumption(None, SOURCE_DEFAULT))
    for key in ("equipment_cents_per_flat", "amortisation_months", "bandwidth_cents_per_month",
                "mediation_hours_per_household", "mediation_hourly_cents"):
        result[key] = Assumption(DEFAULTS[key], SOURCE_DEFAULT)
    return result


def compute(*, flats: int, take_up: float, mix: dict[str, float], prices: dict[str, int],
            equipment_cents_per_flat: int, amortisation_months: int,
            bandwidth_cents_per_month: int, mediation_hours_per_household: float,
            mediation_hourly_cents: int, watts_per_flat: float,
            embodied_kgco2e_per_flat: float | None, emission_factor: float,
            full_cost_cents: int, options: list[dict] | tuple = ()) -> dict:
    """The scenario's results (pure arithmetic; money in cents, rounded half-up).

    ``options``: each ``{"code", "take_up", "price_cents", "tiers": {tier: [subsidy, share]}}``
    (billing's terms, ``billing.options.terms``). An option is taken by ``take_up`` of the
    households of each tier open to it; its full price is a cost, the households' share a
    revenue, the difference the tier's subsidy (so the subsidy per household includes it).
    """
    households = round_half_up(flats * take_up)
    price = sum(mix[t] * prices[t] for t in TIERS)
    subscriptions = round_half_up(households * price)
    option_rows = [option_effect(households, mix, option) for option in options]
    options_cost = sum(row["monthly_cost_cents"] for row in option_rows)
    options_subsidy = sum(row["monthly_subsidy_cents"] for row in option_rows)
    options_revenue = sum(row["monthly_revenue_cents"] for row in option_rows)
    revenue = subscriptions + options_revenue
    equipment = round_half_up(equipment_cents_per_flat * flats / amortisation_months)
    mediation_hours = round(households * mediation_hours_per_household, 1)
    # Mediation happens in the first year: spread over 12 months.
    mediation = round_half_up(mediation_hours * mediation_hourly_cents / 12)
    cost = equipment + bandwidth_cents_per_month + mediation + options_cost
    subsidy = round_half_up((cost - revenue) / households) if households else None
    kwh = round(flats * watts_per_flat * 24 * 365 / 1000, 1)
    operational = round(kwh * emission_factor, 1)
    embodied = (round(flats * embodied_kgco2e_per_flat / footprint.LIFETIME_YEARS, 1)
                if embodied_kgco2e_per_flat is not None else None)
    return {
        "households": households,
        "average_price_cents": round_half_up(price),
        "monthly_revenue_cents": revenue,
        "monthly_subscription_revenue_cents": subscriptions,
        "monthly_options_cost_cents": options_cost,
        "monthly_options_subsidy_cents": options_subsidy,
        "monthly_options_revenue_cents": options_revenue,
        "options": option_rows,
        "monthly_equipment_cents": equipment,
        "monthly_bandwidth_cents": bandwidth_cents_per_month,
        "monthly_mediation_cents": mediation,
        "monthly_cost_cents": cost,
        "monthly_subsidy_per_household_cents": subsidy,
        "full_cost_per_household_cents": full_cost_cents,
        "kwh_per_year": kwh,
        "kgco2e_per_year_electricity": operational,
        "kgco2e_per_year_embodied": embodied,  # None = unknown, never 0
        "kgco2e_per_year": round(operational + embodied, 1) if embodied is not None else None,
        "mediation_hours": mediation_hours,
    }


def option_effect(households: int, mix: dict[str, float], option: dict) -> dict:
    """One option's month in a scenario: the households expected to take it (``take_up`` of
    each tier open to it), its full cost, the tiers' subsidy and the households' share.

    Cost = subsidy + share exactly (the share is the cost less the subsidy, each rounded once).
    """
    takers = {tier: households * mix.get(tier, 0) * option["take_up"]
              for tier in TIERS if tier in option["tiers"]}
    cost = round_half_up(sum(n * option["price_cents"] for n in takers.values()))
    subsidy = round_half_up(sum(n * option["tiers"][tier][0] for tier, n in takers.items()))
    return {"code": option["code"], "households": round(sum(takers.values()), 1),
            "monthly_cost_cents": cost, "monthly_subsidy_cents": subsidy,
            "monthly_revenue_cents": cost - subsidy}


def round_half_up(value: float) -> int:
    return int(math.floor(value + 0.5)) if value >= 0 else -int(math.floor(-value + 0.5))


def _number(data: dict, key: str, kind, *, minimum: float, maximum: float):
    raw = data.get(key)
    if raw in (None, ""):
        return None
    try:
        value = kind(str(raw).replace(",", ".")) if not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        value = None
    if value is None or (isinstance(value, float) and math.isnan(value)) \
            or not minimum <= value <= maximum:
        raise _out_of_range(key, minimum, maximum)
    return value


def _out_of_range(key: str, minimum: float, maximum: float) -> DomainError:
    return DomainError(_("%(field)s : saisissez un nombre entre %(minimum)s et %(maximum)s.",
                         field=FIELD_LABELS.get(key, key), minimum=format_decimal(minimum),
                         maximum=format_decimal(maximum)), field=key)


_SPACES = re.compile(r"[\s\u00a0\u202f]")


def parse_euros(raw: object) -> Decimal | None:
    """An amount in euros as people write it: ``150``, ``99,50``, ``99.5``, ``1 500,00 €``.

    With both separators (``1.500,50``, ``1,500.50``) the last one is the decimal point.
    None when it is not an amount.
    """
    if isinstance(raw, bool):
        return None
    text = _SPACES.sub("", str(raw)).removesuffix("€").removeprefix("€")
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal_sep == "," else ",", "")
    text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _euros_to_cents(data: dict, key: str, maximum: float) -> int | None:
    raw = data.get(key)
    if raw in (None, ""):
        return None
    value = parse_euros(raw)
    if value is None or not 0 <= value <= maximum:
        raise _out_of_range(key, 0, maximum)
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def option_choices() -> list[billing_options.OptionTerms]:
    """The options a scenario may include: billing's active catalogue, with its terms."""
    return billing_options.catalogue_terms(active_only=True)


def _option_shares(data: dict) -> dict[str, float]:
    """The options chosen and their expected take-up (a share, 0-1), by code.

    A form gives ``option_<CODE>`` fields (empty: not included); a JSON body gives
    ``options``, ``{"TEL": 40}`` or ``[{"code": "TEL", "take_up": 40}]`` (percent).
    """
    given: dict[str, object] = {}
    raw = data.get("options")
    if isinstance(raw, dict):
        given.update({str(code): share for code, share in raw.items()})
    elif isinstance(raw, list):
        for item in raw:
            if not isinstance(item, dict) or not isinstance(item.get("code"), str) \
                    or set(item) - {"code", "take_up"}:
                raise DomainError(_("options : une liste d'objets {code, take_up} ou un objet "
                                    "{code: part en pourcentage}."), field="options")
            given[item["code"]] = item.get("take_up")
    elif raw not in (None, ""):
        raise DomainError(_("options : une liste d'objets {code, take_up} ou un objet "
                            "{code: part en pourcentage}."), field="options")
    for key, value in data.items():
        if isinstance(key, str) and key.startswith("option_") and value not in (None, ""):
            given[key.removeprefix("option_")] = value
    if len(given) > MAX_OPTIONS:
        raise DomainError(_("Au plus %(n)s options par scénario.", n=MAX_OPTIONS),
                          field="options")
    shares = {}
    for code, value in given.items():
        key = f"option_{code.upper()[:30]}"
        try:
            share = _number({key: value}, key, float, minimum=0, maximum=100)
        except DomainError:
            share = None
        if share is None:
            raise DomainError(_("Part des foyers prenant l'option %(code)s : saisissez un "
                                "nombre entre 0 et 100.", code=code.upper()[:30]), field=key)
        shares[code.upper()] = share / 100
    return shares


def _chosen_options(shares: dict[str, float]) -> list[dict]:
    """The chosen options with billing's terms (price, subsidy and share per tier)."""
    if not shares:
        return []
    catalogue = {terms.code: terms for terms in option_choices()}
    unknown = sorted(code for code in shares if code not in catalogue)
    if unknown:
        raise DomainError(_("Option(s) inconnue(s) ou plus proposée(s) : %(codes)s.",
                            codes=", ".join(unknown)), field=f"option_{unknown[0]}")
    return [{"code": code, "name": catalogue[code].name, "take_up": share,
             "price_cents": catalogue[code].monthly_price_cents,
             "tiers": {tier: list(pair) for tier, pair in sorted(catalogue[code].tiers.items())}}
            for code, share in sorted(shares.items())]


def run(data: dict, *, actor=None, save: bool = True) -> Scenario | dict:
    """Validate inputs (a form, query or JSON dict), fill defaults, compute, optionally save.

    Percentages are given in % (take_up=55, mix_T1=50, an option's take-up), money in euros.
    """
    name = str(data.get("name") or "").strip()
    if save and not name:
        raise DomainError(_("Donnez un nom au scénario."), field="name")
    if len(name) > 120:
        raise DomainError(_("Le nom est trop long (120 caractères au plus)."), field="name")
    district = None
    codes = data.get("building_codes") or []
    if isinstance(codes, str):
        codes = [c for c in codes.replace(",", ";").replace(" ", ";").split(";") if c]
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise DomainError(_("Les immeubles sont une liste de codes."), field="building_codes")
    if data.get("district_code"):
        district = db.session.execute(select(District).where(
            District.code == str(data["district_code"]))).scalar_one_or_none()
        if district is None:
            raise DomainError(_("Quartier inconnu : %(code)s.", code=data["district_code"]),
                              field="district_code")
    if codes:
        known = dict(db.session.execute(select(Building.code, Building.id).where(
            Building.code.in_(codes))).all())
        unknown = sorted(set(codes) - set(known))
        if unknown:
            raise DomainError(_("Immeuble(s) inconnu(s) : %(codes)s.", codes=", ".join(unknown)),
                              field="building_codes")
    if district is None and not codes:
        raise DomainError(_("Choisissez un quartier ou une liste d'immeubles."),
                          field="district_code")
    defaults = pilot_defaults()
    assumptions: dict[str, dict] = {}

    def pick(key, given):
        if given is None:
            assumptions[key] = {"value": defaults[key].value, "source": defaults[key].source}
        else:
            assumptions[key] = {"value": given, "source": SOURCE_INPUT}
        return assumptions[key]["value"]

    flats_given = _number(data, "flats", int, minimum=1, maximum=1_000_000)
    estimate = _known_flats(district, codes)
    if flats_given is None and not estimate.value:
        place = district.name if district is not None else ", ".join(codes)
        raise DomainError(_("Aucun nombre de logements connu pour %(place)s : ni logements "
                            "recensés dans ses immeubles, ni nombre de ménages du quartier, ni "
                            "donnée INSEE ou CNAF. Saisissez le nombre de logements (celui du "
                            "bailleur, par exemple).", place=place), field="flats")
    flats = flats_given or estimate.value
    assumptions["flats"] = {"value": flats,
                            "source": SOURCE_INPUT if flats_given else estimate.source}
    if not flats_given and estimate.detail:
        assumptions["flats"]["detail"] = estimate.detail
    take_up_pct = _number(data, "take_up", float, minimum=1, maximum=100)
    take_up = pick("take_up", None if take_up_pct is None else take_up_pct / 100)
    mix_given = [_number(data, f"mix_{t}", float, minimum=0, maximum=100) for t in TIERS]
    if any(value is not None for value in mix_given):
        shares = [value or 0.0 for value in mix_given]
        if abs(sum(shares) - 100) > 0.5:
            raise DomainError(_("Les parts des tranches doivent totaliser 100."),
                              field="mix_T1")
        mix = pick("mix", {t: s / 100 for t, s in zip(TIERS, shares, strict=True)})
    else:
        mix = pick("mix", None)
    equipment = pick("equipment_cents_per_flat",
                     _euros_to_cents(data, "equipment_euros_per_flat", 100_000))
    months = pick("amortisation_months",
                  _number(data, "amortisation_months", int, minimum=1, maximum=240))
    bandwidth = pick("bandwidth_cents_per_month",
                     _euros_to_cents(data, "bandwidth_euros_per_month", 10_000_000))
    hours = pick("mediation_hours_per_household",
                 _number(data, "mediation_hours_per_household", float, minimum=0, maximum=200))
    hourly = pick("mediation_hourly_cents",
                  _euros_to_cents(data, "mediation_hourly_euros", 1000))
    watts = pick("watts_per_flat", _number(data, "watts_per_flat", float, minimum=0,
                                           maximum=1000))
    embodied = pick("embodied_kgco2e_per_flat",
                    _number(data, "embodied_kgco2e_per_flat", float, minimum=0, maximum=10_000))
    period = pricing_period()
    prices = tier_prices(period)
    unpriced = [tier for tier in TIERS if tier not in prices]
    if unpriced:
        raise DomainError(_("Pas de tarif pour %(tier)s en %(period)s dans la grille de la "
                            "facturation.", tier=unpriced[0], period=period),
                          field=f"mix_{unpriced[0]}")
    chosen = _chosen_options(_option_shares(data))
    factor = footprint.emission_factor()
    assumptions["prices_cents"] = {"value": prices, "source": f"{SOURCE_BILLING} {period}"}
    assumptions["options"] = {"value": chosen,
                              "source": f"{SOURCE_CATALOGUE} {today().isoformat()}"}
    assumptions["emission_factor"] = {"value": factor["value"], "source": factor["source"]}
    results = compute(flats=flats, take_up=take_up, mix=mix, prices=prices,
                      equipment_cents_per_flat=equipment, amortisation_months=months,
                      bandwidth_cents_per_month=bandwidth,
                      mediation_hours_per_household=hours, mediation_hourly_cents=hourly,
                      watts_per_flat=watts, embodied_kgco2e_per_flat=embodied,
                      emission_factor=factor["value"],
                      full_cost_cents=current_app.config["SERVICE_FULL_COST_CENTS"],
                      options=chosen)
    if not save:
        return {"assumptions": assumptions, "results": results}
    scenario = Scenario(name=name, district=district,
                        building_codes=";".join(codes) or None,
                        assumptions=json.dumps(assumptions, sort_keys=True),
                        results=json.dumps(results, sort_keys=True),
                        created_by_id=getattr(actor, "id", None))
    db.session.add(scenario)
    db.session.flush()
    return scenario


def _known_flats(district: District | None, codes: list[str]) -> FlatsEstimate:
    if codes:
        count = db.session.execute(select(func.count(Unit.id)).join(Unit.building).where(
            Building.code.in_(codes))).scalar_one()
        return FlatsEstimate(count or None, "buildings")
    return flats_estimates([district.id])[district.id]


def saved_query():
    """The saved scenarios, latest first (the list page and the API)."""
    return select(Scenario).order_by(Scenario.created_at.desc(), Scenario.id.desc())


def get(scenario_id: int) -> Scenario:
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None:
        raise NotFoundError(_("Scénario %(id)s introuvable", id=scenario_id))
    return scenario


def as_dict(scenario: Scenario) -> dict:
    """A saved scenario for the API and the exports (no person in it)."""
    return {"id": scenario.id, "name": scenario.name,
            "district_code": scenario.district.code if scenario.district else None,
            "building_codes": [c for c in (scenario.building_codes or "").split(";") if c],
            "created_at": scenario.created_at.isoformat(),
            "assumptions": json.loads(scenario.assumptions),
            "results": json.loads(scenario.results)}


RESULT_KEYS = ("households", "average_price_cents", "monthly_revenue_cents",
               "monthly_subscription_revenue_cents", "monthly_options_cost_cents",
               "monthly_options_subsidy_cents", "monthly_options_revenue_cents",
               "monthly_equipment_cents", "monthly_bandwidth_cents", "monthly_mediation_cents",
               "monthly_cost_cents", "monthly_subsidy_per_household_cents", "kwh_per_year",
               "kgco2e_per_year_electricity", "kgco2e_per_year_embodied", "kgco2e_per_year",
               "mediation_hours")
ASSUMPTION_KEYS = ("flats", "take_up", "mix", "equipment_cents_per_flat", "amortisation_months",
                   "bandwidth_cents_per_month", "mediation_hours_per_household",
                   "mediation_hourly_cents", "watts_per_flat", "embodied_kgco2e_per_flat",
                   "emission_factor")


def to_csv(scenarios: list[Scenario]) -> str:
    """Side-by-side CSV: one row per assumption or result, one column per scenario."""
    data = [as_dict(s) for s in scenarios]
    out = io.StringIO()
    writer = csvexport.writer(out)
    writer.writerow(["field", "kind", *[f"{d['id']} {d['name']}" for d in data]])
    writer.writerow(["place", "assumption", *[d["district_code"] or ";".join(d["building_codes"])
                                             for d in data]])
    for key in ASSUMPTION_KEYS:
        cells = []
        for d in data:
            item = d["assumptions"].get(key, {})
            value = item.get("value")
            if isinstance(value, dict):
                value = " ".join(f"{k}={v}" for k, v in value.items())
            cells.append("unknown" if value is None else f"{value} ({item.get('source')})")
        writer.writerow([key, "assumption", *cells])
    # The options, one block per option code found in any of the scenarios ("" where a
    # scenario does not include it; a scenario saved before options has none).
    codes = sorted({o["code"] for d in data for o in d["assumptions"].get("options", {})
                    .get("value") or []})
    for code in codes:
        chosen = [{o["code"]: o for o in d["assumptions"].get("options", {}).get("value") or []}
                  .get(code) for d in data]
        effects = [{o["code"]: o for o in d["results"].get("options") or []}.get(code)
                   for d in data]
        writer.writerow([f"option:{code}:take_up", "assumption",
                         *["" if o is None else o["take_up"] for o in chosen]])
        writer.writerow([f"option:{code}:price_cents", "assumption",
                         *["" if o is None else o["price_cents"] for o in chosen]])
        writer.writerow([f"option:{code}:tiers", "assumption",
                         *["" if o is None else " ".join(
                             f"{tier}=subsidy {pair[0]}/share {pair[1]}"
                             for tier, pair in o["tiers"].items()) for o in chosen]])
        for key in ("households", "monthly_cost_cents", "monthly_subsidy_cents",
                    "monthly_revenue_cents"):
            writer.writerow([f"option:{code}:{key}", "result",
                             *["" if e is None else e[key] for e in effects]])
    for key in RESULT_KEYS:
        writer.writerow([key, "result", *["" if key not in d["results"] else "unknown"
                                          if d["results"][key] is None
                                          else d["results"][key] for d in data]])
    return out.getvalue()
