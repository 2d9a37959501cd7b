"""Footprint of lent equipment: embodied emissions spread over the actual life, and the
emissions avoided by reuse compared with buying new (docs/equipment.md).

For one item held by a household during a period:

- its **age** at the end of the period (or at its recycling) is counted from ``acquired_on``
  in years of 365.25 days;
- its **yearly embodied share** is ``embodied ÷ max(age, reference life of its kind)``: the
  footprint is spread over the life it actually had so far, and never over less than the usual
  first life of a new device (``footprint_defaults.REFERENCE_LIFE_YEARS``);
- a **new purchase** would cost ``new footprint of the kind ÷ reference life`` a year; the
  **avoided** emissions are the difference, never negative: each extra year of use lowers the
  yearly share of an old device, and a refurbished one starts lower;
- both are counted for the share of the year the item was held: held days ÷ days of the year.

Figures are attributed to the building (and district) of the holding household. They rest on
households: the published figures follow the small-cell rule (isp.disclosure).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Row, Select, select

from equipment.choices import HELD_STATES
from equipment.footprint_defaults import NEW_KGCO2E, REFERENCE_LIFE_YEARS
from equipment.models import EquipmentItem, EquipmentMove
from isp.database import built_once
from isp.disclosure import hidden_group_is_small, is_small, round_count
from isp.extensions import db
from subscribers.models import Building, District, Household, Unit

DAYS_PER_YEAR = 365.25


def age_years(item: EquipmentItem | Row, at: date) -> float:
    return max((at - item.acquired_on).days, 0) / DAYS_PER_YEAR


def yearly_embodied(embodied: float, kind: str, age: float) -> float:
    """kgCO2e a year: spread over the actual life, at least the reference life."""
    return embodied / max(age, REFERENCE_LIFE_YEARS[kind])


def yearly_avoided(embodied: float, kind: str, age: float) -> float:
    """kgCO2e a year avoided compared with a new device bought for its reference life."""
    new_share = NEW_KGCO2E[kind] / REFERENCE_LIFE_YEARS[kind]
    return max(new_share - yearly_embodied(embodied, kind, age), 0.0)


def holding_periods(item: EquipmentItem) -> list[tuple[int, date, date | None]]:
    """(household id, from, until or None) for each time a household held the item."""
    return _holding_periods(item.moves)


def _holding_periods(moves: Iterable) -> list[tuple[int, date, date | None]]:
    """``holding_periods`` of an item's moves (ORM moves or rows with ``on``, ``id``,
    ``to_state`` and ``household_id``)."""
    periods: list[tuple[int, date, date | None]] = []
    holder: int | None = None
    since: date | None = None
    for move in sorted(moves, key=lambda m: (m.on, m.id)):
        held = move.to_state in HELD_STATES and move.household_id is not None
        if holder is not None and (not held or move.household_id != holder):
            periods.append((holder, since, move.on))
            holder = None
        if held and holder is None:
            holder, since = move.household_id, move.on
    if holder is not None:
        periods.append((holder, since, None))
    return periods


@dataclass
class LentFootprint:
    """Lent equipment of one building (or district) over a period; exact until published."""

    code: str
    name: str
    district_code: str = ""
    households: int = 0
    items: int = 0
    held_years: float = 0.0
    kgco2e_embodied: float = 0.0
    kgco2e_avoided: float = 0.0
    suppressed: bool = False

    def hidden(self) -> LentFootprint:
        return LentFootprint(self.code, self.name, self.district_code, suppressed=True)

    def published(self) -> LentFootprint:
        """The figure as shown to an analyst: small cells suppressed, households rounded."""
        if is_small(self.households):
            return self.hidden()
        return LentFootprint(self.code, self.name, self.district_code,
                             households=round_count(self.households),
                             items=round_count(self.items),
                             held_years=round(self.held_years, 2),
                             kgco2e_embodied=round(self.kgco2e_embodied, 2),
                             kgco2e_avoided=round(self.kgco2e_avoided, 2))


@built_once
def _lent_moves_statement() -> Select:
    """Every move of the items ever lent, with its item's figures and the building of the
    household it names: one statement of plain rows, built once (isp.database.built_once),
    instead of the items, their moves and the households' buildings as ORM objects in three
    (two thirds of the analysts' footprint page, issue 23.3)."""
    lent = select(EquipmentMove.item_id).where(EquipmentMove.household_id.is_not(None))
    return (select(EquipmentMove.item_id, EquipmentMove.id, EquipmentMove.on,
                   EquipmentMove.to_state, EquipmentMove.household_id, EquipmentItem.kind,
                   EquipmentItem.acquired_on, EquipmentItem.recycled_on,
                   EquipmentItem.embodied_kgco2e, Unit.building_id)
            .join(EquipmentItem, EquipmentItem.id == EquipmentMove.item_id)
            .outerjoin(Household, Household.id == EquipmentMove.household_id)
            .outerjoin(Unit, Unit.id == Household.unit_id)
            .where(EquipmentMove.item_id.in_(lent)))


def _exact_by_building(start: date, end: date) -> tuple[dict[int, LentFootprint],
                                                        dict[int, set[int]]]:
    year_days = 366 if calendar.isleap(start.year) else 365
    moves_of_item: dict[int, list] = defaultdict(list)
    buildings: dict[int, int] = {}
    for row in db.session.execute(_lent_moves_statement()):
        moves_of_item[row.item_id].append(row)
        if row.household_id is not None:
            buildings[row.household_id] = row.building_id
    # A row of each item stands for it (its kind, age and figures): ``item`` below.
    holders: dict[int, list[tuple[Row, int]]] = defaultdict(list)
    for moves in moves_of_item.values():
        for household_id, since, until in _holding_periods(moves):
            begin, finish = max(since, start), min(until or end, end)
            if finish > begin:
                holders[household_id].append((moves[0], (finish - begin).days))
    result: dict[int, LentFootprint] = {}
    households: dict[int, set[int]] = defaultdict(set)
    seen_items: dict[int, set[int]] = defaultdict(set)
    for household_id, held in holders.items():
        building_id = buildings[household_id]
        item_fp = result.setdefault(building_id, LentFootprint("", ""))
        households[building_id].add(household_id)
        for item, days in held:
            at = min(end, item.recycled_on or end)
            age = age_years(item, at)
            share = days / year_days
            item_fp.held_years += share
            item_fp.kgco2e_embodied += yearly_embodied(item.embodied_kgco2e, item.kind,
                                                       age) * share
            item_fp.kgco2e_avoided += yearly_avoided(item.embodied_kgco2e, item.kind,
                                                     age) * share
            seen_items[building_id].add(item.item_id)
    for building_id, item_fp in result.items():
        item_fp.households = len(households[building_id])
        item_fp.items = len(seen_items[building_id])
    return result, households


def lent_footprints(start: date, end: date) -> tuple[list[LentFootprint], list[LentFootprint]]:
    """Exact figures per building and per district between ``start`` and ``end`` (excluded).

    Not for display: call ``published`` on each (``lent_summary`` does).
    """
    by_building, households = _exact_by_building(start, end)
    if not by_building:
        return [], []
    rows = db.session.execute(select(Building.id, Building.code, Building.name, District.code,
                                     District.name).join(Building.district)
                              .where(Building.id.in_(list(by_building)))).all()
    buildings, districts = [], {}
    district_members: dict[str, set[int]] = defaultdict(set)
    for building_id, code, name, district_code, district_name in rows:
        item = by_building[building_id]
        item.code, item.name, item.district_code = code, name, district_code
        buildings.append(item)
        district = districts.setdefault(district_code, LentFootprint(district_code,
                                                                     district_name))
        district.items += item.items
        district.held_years += item.held_years
        district.kgco2e_embodied += item.kgco2e_embodied
        district.kgco2e_avoided += item.kgco2e_avoided
        district_members[district_code] |= households[building_id]
    for code, district in districts.items():
        district.households = len(district_members[code])
    return (sorted(buildings, key=lambda b: b.code),
            sorted(districts.values(), key=lambda d: d.code))


def lent_summary(start: date, end: date) -> dict:
    """What an analyst sees: per building and district, small cells suppressed, a district
    suppressed when its hidden buildings rest together on 1 to 4 households."""
    buildings, districts = lent_footprints(start, end)
    published_buildings = [b.published() for b in buildings]
    published_districts = []
    complemented = False
    for district in districts:
        members = [b.households for b in buildings if b.district_code == district.code]
        shown = district.published()
        if not shown.suppressed and hidden_group_is_small(members):
            shown, complemented = district.hidden(), True
        published_districts.append(shown)
    total = LentFootprint("", "")
    for district in districts:
        total.households += district.households
        total.items += district.items
        total.held_years += district.held_years
        total.kgco2e_embodied += district.kgco2e_embodied
        total.kgco2e_avoided += district.kgco2e_avoided
    # The total minus the shown parts must not give a hidden part back either.
    hide_total = complemented or hidden_group_is_small([b.households for b in buildings]) \
        or hidden_group_is_small([d.households for d in districts])
    return {"buildings": published_buildings, "districts": published_districts,
            "total": total.hidden() if hide_total else total.published()}
