"""The district figures the map and its table show: fragility index, take-up, requests.

Every figure comes from its home: the official fragility index from the imported district
indicators (a public statistic), take-up from the published monthly aggregates (small cells
already suppressed there), both read through ``subscribers.published_figures``; requests from
``outreach.demand`` through ``isp.disclosure``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from isp.extensions import db
from isp.i18n import lazy_gettext as _l
from outreach import contours, demand
from subscribers import published_figures
from subscribers.models import District

#: What the map can colour, and how the page names it.
LAYERS = {"fragility": _l("Indice de fragilité numérique"),
          "take_up": _l("Taux d'adhésion"),
          "requests": _l("Demandes reçues")}


@dataclass
class DistrictRow:
    code: str
    name: str
    fragility: float | None
    take_up: published_figures.Cell | None
    #: Published count (rounded to 5); None when suppressed (1 to 4).
    requests: int | None
    has_contour: bool

    def value(self, layer: str) -> float | None:
        if layer == "fragility":
            return self.fragility
        if layer == "take_up":
            return self.take_up.value if self.take_up and self.take_up.available else None
        return self.requests


@dataclass
class MapData:
    rows: list[DistrictRow]
    geometries: dict[str, dict]
    period: str | None
    #: The contours drawn are the demo's simplified ones (the page says so).
    illustrative: bool = False


def map_data() -> MapData:
    """Every district with at least one figure or a contour, sorted by name."""
    values, _districts = published_figures.district_indicators()
    periods = published_figures.available_periods("district")
    period = periods[-1] if periods else None
    take_up = published_figures.level_table("district", period) if period else {}
    counts = demand.requests_by_district()
    geometries = contours.contours()
    rows = []
    for code, name in db.session.execute(select(District.code, District.name)
                                         .order_by(District.name)).all():
        index = values.get(code, {}).get(published_figures.OFFICIAL_INDEX)
        cell = take_up.get(code, {}).get("take_up")
        if index is None and cell is None and code not in counts and code not in geometries:
            continue
        rows.append(DistrictRow(code, name, index, cell, demand.published(counts.get(code, 0)),
                                code in geometries))
    return MapData(rows, geometries, period,
                   illustrative=bool(geometries) and contours.illustrative_in_use())
