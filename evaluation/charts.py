"""Server-side SVG charts (isp.svgchart, no JavaScript), embedded as images with a table behind.

The SVG is embedded as a ``data:`` image (allowed by ``img-src 'self' data:``), where scripts
never run. The charts were pygal's until the dashboard went over the 100 KB page budget: its
stylesheet, ids and per-point tooltips weighed ten times the drawing.
"""

from __future__ import annotations

from dataclasses import dataclass

from isp import svgchart


@dataclass(frozen=True)
class Chart:
    """A chart image and the table it was drawn from (title, column headers, rows)."""

    title: str
    data_uri: str
    headers: list[str]
    rows: list[list[str]]


def line_chart(title: str, labels: list[str], series: dict[str, list[float | None]],
               table_rows: list[list[str]], headers: list[str]) -> Chart:
    """A trend over months; gaps (suppressed or missing) stay gaps, never zeros."""
    svg = svgchart.column_chart(title, labels, series, height=280, lines=True)
    return Chart(title, svgchart.data_uri(svg), headers, table_rows)


def bar_chart(title: str, labels: list[str], values: list[float | None],
              table_rows: list[list[str]], headers: list[str], *, horizontal: bool = True
              ) -> Chart:
    """Bars per category (a ranking, a split)."""
    if horizontal:
        svg = svgchart.bar_chart_horizontal(title, labels, values)
    else:
        svg = svgchart.column_chart(title, labels, {title: values})
    return Chart(title, svgchart.data_uri(svg), headers, table_rows)
