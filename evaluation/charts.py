"""Server-side SVG charts (pygal, no JavaScript), embedded as images with a table behind them.

pygal puts a ``<style>`` element inside the SVG; inlined in the page, the CSP would block it, so
the SVG is embedded as a ``data:`` image (allowed by ``img-src 'self' data:``), where the page's
CSP does not apply and scripts never run.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pygal
from pygal.style import Style

_STYLE = Style(background="#ffffff", plot_background="#ffffff", foreground="#1b1b1b",
               foreground_strong="#1b1b1b", foreground_subtle="#555555",
               colors=("#0b4f8a", "#c0392b", "#1b6e2a", "#8a5a0b", "#6b2a8a"),
               font_family="system-ui, sans-serif", label_font_size=12,
               major_label_font_size=12, legend_font_size=12, title_font_size=14)


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
    chart = pygal.Line(js=[], style=_STYLE, width=720, height=300, show_dots=True,
                       x_label_rotation=30, allow_interruptions=True, legend_at_bottom=True,
                       print_values=False, title=title, disable_xml_declaration=False)
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    return Chart(title, _data_uri(chart.render(is_unicode=True)), headers, table_rows)


def bar_chart(title: str, labels: list[str], values: list[float | None],
              table_rows: list[list[str]], headers: list[str], *, horizontal: bool = True
              ) -> Chart:
    """Bars per category (a ranking, a split)."""
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = kind(js=[], style=_STYLE, width=720, height=max(220, 26 * len(labels) + 80),
                 show_legend=False, title=title)
    chart.x_labels = labels
    chart.add(title, values)
    return Chart(title, _data_uri(chart.render(is_unicode=True)), headers, table_rows)


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
