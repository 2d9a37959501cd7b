"""The SVG charts' geometry, measured with a real font: no two labels on a row overlap and no
text leaves the drawing (issue 18.13: "sem. du 07/09du 14/09…" and clipped y labels).

Widths come from DejaVu Sans (Pillow, which fpdf2 already brings), the font Debian's Chromium
draws ``system-ui`` with here; tests/ui/test_small_screens.py checks the same in the browser.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import ImageFont

from isp import svgchart

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SVG = "{http://www.w3.org/2000/svg}"


def _font(size: float):
    assert DEJAVU.exists(), "fonts-dejavu-core is needed to measure the labels"
    return ImageFont.truetype(str(DEJAVU), int(size))


def text_boxes(svg: str) -> tuple[float, list[tuple[float, float, float, str]]]:
    """The drawing's width and each text's (left, right, baseline y, content)."""
    root = ET.fromstring(svg)
    width = float(root.get("viewBox").split()[2])
    boxes = []
    for text in root.iter(f"{SVG}text"):
        size = float(text.get("font-size"))
        measured = _font(size).getlength(text.text or "")
        x, y = float(text.get("x")), float(text.get("y"))
        anchor = text.get("text-anchor")
        start = x - measured / 2 if anchor == "middle" else x - measured if anchor == "end" else x
        boxes.append((start, start + measured, y, text.text or ""))
    return width, boxes


def assert_readable(svg: str) -> None:
    width, boxes = text_boxes(svg)
    outside = [b for b in boxes if b[0] < 0 or b[1] > width]
    assert not outside, f"texts outside the 0..{width} drawing: {outside}"
    rows: dict[float, list] = {}
    for box in boxes:
        rows.setdefault(box[2], []).append(box)
    for row in rows.values():
        row.sort()
        for before, after in zip(row, row[1:], strict=False):
            assert before[1] <= after[0], f"{before[3]!r} overlaps {after[3]!r}"


def _weeks(count: int) -> list[str]:
    monday = date(2026, 9, 7)
    return [f"sem. du {(monday + timedelta(weeks=i)).strftime('%d/%m')}" for i in range(count)]


def test_weekly_labels_are_thinned_and_stay_apart():
    labels = _weeks(13)
    svg = svgchart.column_chart("Par semaine, 90 derniers jours", labels,
                                {"Téléchargement": [1200.5] * 13, "Envoi": [300.0] * 13},
                                unit="Mo")
    assert_readable(svg)
    shown = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text") if t.text in labels]
    assert labels[-1] in shown, "the latest week is always named"
    assert 3 <= len(shown) < 13


@pytest.mark.parametrize("top", [9.5, 987_654.0, 12_345_678.0])
def test_y_labels_are_never_cut_at_the_left_edge(top):
    svg = svgchart.column_chart("Débit", ["a", "b"], {"x": [top, top / 2]}, unit="Mo")
    assert_readable(svg)
    width, boxes = text_boxes(svg)
    assert any("\u202f" in b[3] for b in boxes) or top < 1000  # thousands are spelled out


def test_hourly_and_monthly_charts_at_every_length():
    for count in (1, 2, 12, 24, 48, 90):
        labels = [f"{day:02d}/11 {hour:02d}h" for day in range(1, 5) for hour in range(24)]
        svg = svgchart.column_chart("Par heure", labels[:count],
                                    {"Téléchargement": list(range(count)),
                                     "Envoi": [None] * count}, lines=True)
        assert_readable(svg)


def test_long_legends_titles_and_ranking_labels_stay_inside():
    names = [f"Série au nom très long numéro {i}" for i in range(5)]
    svg = svgchart.column_chart("Un titre beaucoup trop long pour la largeur du graphique " * 3,
                                ["janv.", "févr."], {n: [1.0, 2.0] for n in names},
                                unit="kgCO2e", width=360)
    assert_readable(svg)
    ranking = svgchart.bar_chart_horizontal(
        "Score de fragilité (15 premiers)",
        ["Bout des Pavés-Chêne des Anglais — quartier prioritaire de la ville", "Pin Sec"],
        [1_234_567.89, None])
    assert_readable(ranking)


def test_the_width_estimate_is_never_below_the_real_width():
    for label in (*_weeks(3), "1\u202f000\u202f000", "Téléchargement", "MWM%", "iiii"):
        for size in (11, 12, 13):
            assert svgchart.text_width(label, size) >= _font(size).getlength(label), label
