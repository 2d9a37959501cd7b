"""A choropleth of the districts, drawn on the server as inline SVG (no script, no tiles).

Projection: equirectangular, the longitudes shrunk by the cosine of the mean latitude (at
Nantes a degree of longitude is 0.66 of a degree of latitude), scaled to the bounding box of
the contours drawn. Points closer than ``SIMPLIFY_PX`` to the last point kept are dropped (a
district of the metropolis' file has hundreds of points; a 480-pixel map needs far fewer).
One ``<path>`` per district (its polygons and holes as sub-paths, even-odd fill), with its own
``<title>``; the ``<svg>`` has a title and a description, and the page shows the same figures
in a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

#: Sequential classes, light to dark; boundaries are drawn dark so each area stands out (3:1).
PALETTE = ("#deebf7", "#9ecae1", "#4292c6", "#2171b5", "#08306b")
NO_DATA = "#f2f2f2"
STROKE = "#1b1b1b"
SIMPLIFY_PX = 0.8
CLASSES = 5
MAX_HEIGHT = 420


@dataclass
class Drawing:
    svg: Markup
    #: (colour, label) pairs, classes then "no figure".
    legend: list[tuple[str, str]] = field(default_factory=list)
    #: District code → colour of its class.
    colour_of: dict[str, str] = field(default_factory=dict)


def _polygons(geometry: dict) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" \
        else geometry["coordinates"]


def _n(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def class_bounds(values: list[float], classes: int = CLASSES) -> list[float]:
    """Upper bounds of equal-count classes (quantiles) of ``values``; fewer when few values."""
    ordered = sorted(set(values))
    if not ordered:
        return []
    count = min(classes, len(ordered))
    return [ordered[min(len(ordered) - 1, math.ceil((i + 1) * len(ordered) / count) - 1)]
            for i in range(count)]


def class_of(value: float, bounds: list[float]) -> int:
    for index, bound in enumerate(bounds):
        if value <= bound:
            return index
    return len(bounds) - 1


def _project(geometries: dict[str, dict], width: int, margin: float):
    points = [p for g in geometries.values() for poly in _polygons(g) for ring in poly
              for p in ring]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    shrink = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * shrink, 1e-9)
    span_y = max(north - south, 1e-9)
    # A tall territory is fitted in height instead, so that the map stays on one screen.
    scale = min((width - 2 * margin) / span_x, (MAX_HEIGHT - 2 * margin) / span_y)
    height = span_y * scale + 2 * margin

    def project(point) -> tuple[float, float]:
        return (margin + (point[0] - west) * shrink * scale,
                margin + (north - point[1]) * scale)

    return project, height


def _ring_path(ring: list, project) -> str:
    kept: list[tuple[float, float]] = []
    for point in ring:
        x, y = project(point)
        if kept and math.hypot(x - kept[-1][0], y - kept[-1][1]) < SIMPLIFY_PX:
            continue
        kept.append((x, y))
    if len(kept) < 3:  # a ring smaller than a pixel: draw its first points anyway
        kept = [project(p) for p in ring[:4]]
    head, *rest = kept
    return f"M{_n(head[0])} {_n(head[1])}" + "".join(f"L{_n(x)} {_n(y)}" for x, y in rest) + "Z"


def choropleth(geometries: dict[str, dict], values: dict[str, float | None],
               names: dict[str, str], *, title: str, description: str,
               value_text, no_data_label: str, width: int = 480) -> Drawing:
    """The map of ``values`` (district code → figure, None when unknown or suppressed).

    ``value_text(value)`` writes a figure for the titles and the legend.
    """
    available = [v for v in values.values() if v is not None]
    bounds = class_bounds(available)
    legend: list[tuple[str, str]] = []
    lower = min(available) if available else None
    for index, bound in enumerate(bounds):
        label = value_text(bound) if lower == bound else \
            f"{value_text(lower)} – {value_text(bound)}"
        legend.append((PALETTE[index if len(bounds) == CLASSES else
                               round(index * (CLASSES - 1) / max(1, len(bounds) - 1))], label))
        later = [v for v in available if v > bound]
        lower = min(later) if later else bound
    legend.append((NO_DATA, no_data_label))
    colour_of = {}
    for code in geometries:
        value = values.get(code)
        colour_of[code] = NO_DATA if value is None else legend[class_of(value, bounds)][0]
    margin = 4
    body: list[str] = []
    height = 120.0
    if geometries:
        project, height = _project(geometries, width, margin)
        for code in sorted(geometries):
            path = "".join(_ring_path(ring, project) for polygon in _polygons(geometries[code])
                           for ring in polygon)
            value = values.get(code)
            label = f"{names.get(code, code)} : " + (no_data_label if value is None
                                                     else value_text(value))
            body.append(f'<path d="{path}" fill="{colour_of[code]}" stroke="{STROKE}" '
                        f'stroke-width="0.8" fill-rule="evenodd" data-district="{escape(code)}">'
                        f'<title>{escape(label)}</title></path>')
    legend_top = height + 8
    for index, (colour, label) in enumerate(legend):
        y = legend_top + index * 18
        body.append(f'<rect x="{margin}" y="{_n(y)}" width="14" height="14" fill="{colour}" '
                    f'stroke="{STROKE}" stroke-width="0.8"/><text x="{margin + 20}" '
                    f'y="{_n(y + 11)}" font-size="12">{escape(label)}</text>')
    total_height = legend_top + len(legend) * 18 + 4
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
           f'height="{_n(total_height)}" viewBox="0 0 {width} {_n(total_height)}" '
           f'aria-labelledby="map-title map-desc" font-family="system-ui, sans-serif" '
           f'fill="#1b1b1b"><title id="map-title">{escape(title)}</title>'
           f'<desc id="map-desc">{escape(description)}</desc>' + "".join(body) + "</svg>")
    return Drawing(Markup(svg), legend, colour_of)
