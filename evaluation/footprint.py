"""Network footprint: electricity (device watts × hours × measured uptime), emissions, 4R chain.

Embodied emissions are spread over ``LIFETIME_YEARS``; a device without a known embodied
footprint makes the total "unknown" (a lower bound is shown, labelled as such), never 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Select, func, select

from equipment.footprint import lent_summary
from equipment.models import EquipmentItem
from evaluation.aggregates import building_uptime, flats_of_building
from isp.disclosure import is_small, round_count
from isp.extensions import db
from isp.timeutil import today
from network.models import Device
from subscribers.choices import SERVED_STATUSES, BuildingStatus
from subscribers.models import Building, District, Subscription, Unit

LIFETIME_YEARS = 5
LIFECYCLE_ORDER = ("in_service", "spare", "repair", "refurbished", "recycled")


def emission_factor() -> dict:
    """The configured emission factor with its source and year."""
    config = current_app.config
    return {"value": float(config["EMISSION_FACTOR_KG_PER_KWH"]),
            "source": config["EMISSION_FACTOR_SOURCE"],
            "year": config["EMISSION_FACTOR_YEAR"]}


def _device_model():
    return Device


@dataclass
class BuildingFootprint:
    """One building's footprint over a period (devices are equipment, not people)."""

    code: str
    name: str
    devices: int = 0
    devices_unknown_power: int = 0
    devices_unknown_embodied: int = 0
    kwh: float = 0.0
    kgco2e_electricity: float = 0.0
    kgco2e_embodied_known: float = 0.0
    uptime: float | None = None  # measured share (0–1), None = not measured
    households: int | None = None  # served households, for per-household figures
    by_state: dict[str, int] = field(default_factory=dict)

    @property
    def embodied_complete(self) -> bool:
        return self.devices_unknown_embodied == 0

    @property
    def kgco2e_total(self) -> float | None:
        """Electricity + embodied; None (unknown) when an embodied footprint is missing."""
        if not self.embodied_complete:
            return None
        return round(self.kgco2e_electricity + self.kgco2e_embodied_known, 2)


def _hours(start: date, end: date, commissioned: date | None) -> float:
    begin = max(start, commissioned) if commissioned else start
    if end <= begin:
        return 0.0
    return (datetime.combine(end, time()) - datetime.combine(begin, time())).total_seconds() / 3600


def all_devices() -> list:
    """Every device of the network's inventory (none before network lands), for
    ``building_footprints`` and ``lifecycle_counts`` to share one read."""
    device_model = _device_model()
    if device_model is None:
        return []
    return list(db.session.execute(select(device_model)).scalars())


def building_footprints(start: date, end: date, *,
                        devices: list | None = None) -> list[BuildingFootprint]:
    """Footprint per building between ``start`` (included) and ``end`` (excluded, ≤ today);
    ``devices``: ``all_devices()``, when the caller has read them."""
    device_model = _device_model()
    if device_model is None:
        return []
    following = end  # the availability's own period (network cuts it at now)
    end = min(end, today()) if start <= today() else end
    factor = emission_factor()["value"]
    years = max(0.0, (end - start).days / 365.0)
    result: dict[int, BuildingFootprint] = {}
    devices = all_devices() if devices is None else devices
    # Only the buildings with equipment (a few among thousands).
    with_devices = {device.building_id for device in devices}
    buildings = {b.id: b for b in db.session.execute(
        select(Building).where(Building.id.in_(with_devices))).scalars()} if with_devices else {}
    for device in devices:
        building = buildings.get(device.building_id)
        if building is None:
            continue
        item = result.get(building.id)
        if item is None:
            item = result[building.id] = BuildingFootprint(building.code, building.name)
            item.uptime = building_uptime(building.id, start, following)
        item.by_state[device.lifecycle_state] = item.by_state.get(device.lifecycle_state, 0) + 1
        if device.lifecycle_state != "in_service":
            continue
        item.devices += 1
        if device.power_watts is None:
            item.devices_unknown_power += 1
        else:
            uptime = item.uptime if item.uptime is not None else 1.0
            kwh = device.power_watts * _hours(start, end, device.commissioned_on) * uptime / 1000
            item.kwh += kwh
            item.kgco2e_electricity += kwh * factor
        if device.embodied_kgco2e is None:
            item.devices_unknown_embodied += 1
        else:
            item.kgco2e_embodied_known += device.embodied_kgco2e / LIFETIME_YEARS * years
    served = dict(db.session.execute(
        select(Unit.building_id, func.count(Subscription.id)).join(
            Unit, Subscription.unit_id == Unit.id).where(
            Subscription.status.in_([str(s) for s in SERVED_STATUSES]),
            Unit.building_id.in_(list(result)))
        .group_by(Unit.building_id)).all()) if result else {}
    for building_id, item in result.items():
        # Per-household figures divide by the published (rounded) count, never the exact one,
        # which kgCO2e ÷ kgCO2e per household would give back; small counts stay small (< 5).
        count = served.get(building_id, 0)
        item.households = count if is_small(count) else round_count(count)
        item.kwh = round(item.kwh, 2)
        item.kgco2e_electricity = round(item.kgco2e_electricity, 2)
        item.kgco2e_embodied_known = round(item.kgco2e_embodied_known, 2)
    return sorted(result.values(), key=lambda b: b.code)


def lifecycle_counts(*, devices: list | None = None) -> dict[str, int]:
    """Equipment per lifecycle state (the 4R chain), every state listed; ``devices``:
    ``all_devices()``, when the caller has read them (no second statement, issue 23.3)."""
    device_model = _device_model()
    counts = dict.fromkeys(LIFECYCLE_ORDER, 0)
    if device_model is None:
        return counts
    if devices is not None:
        for device in devices:
            counts[device.lifecycle_state] = counts.get(device.lifecycle_state, 0) + 1
        return counts
    for state, count in db.session.execute(
            select(device_model.lifecycle_state, func.count(device_model.id))
            .group_by(device_model.lifecycle_state)).all():
        counts[state] = count
    return counts


def in_service_per_flat(columns: tuple[str, ...], building_codes: set[str] | Select, *,
                        flats: int | Callable[[], int] | None = None
                        ) -> dict[str, float | None]:
    """Device figures (``columns``) of the in-service devices of the buildings ÷ their flats;
    None for a figure any device lacks (unknown is never counted as 0). One query for the
    devices and one for the flats, whatever the number of figures.

    ``building_codes``: the codes, or a SELECT of the buildings' ids (a hundred codes bound
    one by one into each query cost more than the queries themselves). ``flats``: those
    buildings' flats, when the caller has counted them, or how to count them (called only
    when a device figure is known).
    """
    result: dict[str, float | None] = dict.fromkeys(columns)
    device_model = _device_model()
    if device_model is None or (isinstance(building_codes, set) and not building_codes):
        return result
    ids = (select(Building.id).where(Building.code.in_(building_codes))
           if isinstance(building_codes, set) else building_codes)
    rows = db.session.execute(select(*(getattr(device_model, c) for c in columns)).where(
        device_model.building_id.in_(ids),
        device_model.lifecycle_state == "in_service")).all()
    known = [column for index, column in enumerate(columns)
             if rows and all(row[index] is not None for row in rows)]
    if not known:
        return result
    if callable(flats):
        flats = flats()
    elif flats is None:
        flats = int(db.session.execute(select(func.coalesce(func.sum(flats_of_building()), 0))
                                       .where(Building.id.in_(ids))).scalar_one())
    for column in known:
        index = columns.index(column)
        result[column] = sum(row[index] for row in rows) / flats if flats else None
    return result




def totals(items: list[BuildingFootprint]) -> dict:
    """Network-wide totals; embodied stays unknown if one device's is."""
    kwh = round(sum(i.kwh for i in items), 2)
    electricity = round(sum(i.kgco2e_electricity for i in items), 2)
    embodied = round(sum(i.kgco2e_embodied_known for i in items), 2)
    unknown = sum(i.devices_unknown_embodied for i in items)
    return {"kwh": kwh, "kgco2e_electricity": electricity, "kgco2e_embodied_known": embodied,
            "devices_unknown_embodied": unknown,
            "devices_unknown_power": sum(i.devices_unknown_power for i in items),
            "kgco2e_total": None if unknown else round(electricity + embodied, 2),
            "households": sum(i.households or 0 for i in items)}


# --- lent household equipment (issue 22) ----------------------------------------------------

def lent_equipment(start: date, end: date) -> dict:
    """Lent equipment's embodied share and avoided emissions per building and district, as an
    analyst may see them (equipment.footprint: small cells suppressed)."""
    return lent_summary(start, min(end, _tomorrow()))


def _tomorrow() -> date:
    return today() + timedelta(days=1)


# --- the application's own hosting (issue 22) ------------------------------------------------

#: Defaults of the hosting estimate; each is overridden by the configuration key of the same
#: name (docs/equipment.md): one small virtual server drawing 40 W on average, in a data centre
#: whose PUE is 1.5 (French colocation average order of magnitude).
HOSTING_DEFAULTS = {"HOSTING_SERVER_WATTS": 40.0, "HOSTING_PUE": 1.5}


def hosting_estimate(start: date, end: date) -> dict:
    """The application's own hosting: server watts × PUE × hours × emission factor.

    An estimate, never a measure; spread over the served buildings by their flats
    (``hosting_by_building``).
    """
    config = current_app.config
    watts = float(config.get("HOSTING_SERVER_WATTS", HOSTING_DEFAULTS["HOSTING_SERVER_WATTS"]))
    pue = float(config.get("HOSTING_PUE", HOSTING_DEFAULTS["HOSTING_PUE"]))
    hours = _hours(start, min(end, _tomorrow()), None)
    kwh = watts * pue * hours / 1000
    factor = emission_factor()
    return {"watts": watts, "pue": pue, "hours": round(hours, 1), "kwh": round(kwh, 2),
            "kgco2e": round(kwh * factor["value"], 2), "factor": factor["value"]}


def hosting_by_building(start: date, end: date) -> dict[str, tuple[float, float]]:
    """Building code → (kWh, kgCO2e) of the hosting estimate, shared by flats among the pilot
    and live buildings (flats are an inventory, exact; no household is counted)."""
    estimate = hosting_estimate(start, end)
    flats = {code: count for code, count in db.session.execute(
        select(Building.code, flats_of_building())
        .where(Building.status.in_([str(BuildingStatus.PILOT), str(BuildingStatus.LIVE)])))
        if count}
    total = sum(flats.values())
    if not total:
        return {}
    return {code: (estimate["kwh"] * count / total, estimate["kgco2e"] * count / total)
            for code, count in flats.items()}


# --- yearly figures for the metropolitan footprint observatory (issue 22) --------------------

SOURCE_NETWORK = "network_equipment"
SOURCE_LENT = "lent_equipment"
SOURCE_HOSTING = "hosting"


def _row(level, code, name, district_code, year, source, *, kwh=None, electricity=None,
         embodied=None, avoided=None) -> dict:
    parts = [v for v in (electricity, embodied) if v is not None]
    total = round(sum(parts), 2) if parts and not (source == SOURCE_NETWORK and embodied is None)\
        else None
    return {"year": year, "level": level, "code": code, "name": name,
            "district_code": district_code, "source": source,
            "kwh": None if kwh is None else round(kwh, 2),
            "kgco2e_electricity": None if electricity is None else round(electricity, 2),
            "kgco2e_embodied": None if embodied is None else round(embodied, 2),
            "kgco2e_avoided": None if avoided is None else round(avoided, 2),
            "kgco2e_total": total}


def observatory_rows(year: int) -> list[dict]:
    """One year's kWh and kgCO2e by source, per building and per district (published figures
    only: suppressed lent-equipment cells are left out)."""
    start, end = date(year, 1, 1), min(date(year + 1, 1, 1), _tomorrow())
    if end <= start:
        return []
    places = {code: (name, district_code, district_name) for code, name, district_code,
              district_name in db.session.execute(
                  select(Building.code, Building.name, District.code, District.name)
                  .join(Building.district)).all()}
    rows: list[dict] = []
    sums: dict[tuple[str, str], dict[str, float | None]] = {}

    def add(code: str, source: str, **values) -> None:
        name, district_code, _district_name = places[code]
        rows.append(_row("building", code, name, district_code, year, source, **values))
        total = sums.setdefault((district_code, source), {})
        for key, value in values.items():
            if key in total and total[key] is None:
                continue
            total[key] = None if value is None else total.get(key, 0.0) + value

    for item in building_footprints(start, min(end, today())):
        add(item.code, SOURCE_NETWORK, kwh=item.kwh, electricity=item.kgco2e_electricity,
            embodied=item.kgco2e_embodied_known if item.embodied_complete else None)
    for code, (kwh, kg) in sorted(hosting_by_building(start, end).items()):
        if code in places:
            add(code, SOURCE_HOSTING, kwh=kwh, electricity=kg)
    lent = lent_equipment(start, end)
    for item in lent["buildings"]:
        if not item.suppressed:
            name, district_code, _d = places[item.code]
            rows.append(_row("building", item.code, name, district_code, year, SOURCE_LENT,
                             embodied=item.kgco2e_embodied, avoided=item.kgco2e_avoided))
    district_names = {d: n for _n, d, n in places.values()}
    for (district_code, source), values in sorted(sums.items()):
        rows.append(_row("district", district_code, district_names[district_code], "", year,
                         source, **values))
    for item in lent["districts"]:
        if not item.suppressed:
            rows.append(_row("district", item.code, item.name, "", year, SOURCE_LENT,
                             embodied=item.kgco2e_embodied, avoided=item.kgco2e_avoided))
    order = {"building": 0, "district": 1}
    return sorted(rows, key=lambda r: (order[r["level"]], r["code"], r["source"]))


def observatory_years() -> list[int]:
    """The years published: from the first network device or lent item to this year."""
    first = [value for value in (
        db.session.execute(select(func.min(Device.commissioned_on))).scalar(),
        _first_item_day()) if value is not None]
    this_year = today().year
    start = min([d.year for d in first] + [this_year])
    return list(range(max(start, this_year - 20), this_year + 1))


def _first_item_day() -> date | None:
    return db.session.execute(select(func.min(EquipmentItem.acquired_on))).scalar()
