"""Small static SVG charts (bars, lines), drawn by the server in a few kilobytes.

pygal's output carried a 7 KB stylesheet, per-point tooltips and ids: 60 to 75 KB for a
90-bar chart, which pushed the usage and evaluation pages over the 100 KB budget. These charts
have no script, no style element and no interactivity: axes, a few gridlines, the bars or lines
and a legend, with presentation attributes only. Pages embed them as ``data:`` images (the CSP
allows ``img-src data:``) and always show the figures in a table next to them.
"""

from __future__ import annotations

import base64
import math
from html import escape

FONT = "system-ui, sans-serif"
INK = "#1b1b1b"
GRID = "#c8c8c8"
#: Distinguishable colours, each at least 3:1 against white (WCAG 1.4.11 non-text contrast).
COLOURS = ("#0b4f8a", "#c0392b", "#1b6e2a", "#8a5a0b", "#6b2a8a")


def data_uri(svg: str) -> str:
    """The SVG as a ``data:`` URL for an ``<img>``."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _n(value: float) -> str:
    """A coordinate with at most one decimal (bytes matter: there are hundreds of them)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _nice_max(value: float) -> float:
    """The smallest 1/2/4/6/8 × 10^n at or above ``value`` (the top gridline, in quarters)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 4, 6, 8, 10):
        if step * power >= value:
            return step * power
    return 10 * power


#: Advance widths in em of DejaVu Sans, the widest of the usual sans-serif fonts (Debian's
#: system-ui): estimating with it keeps labels apart and inside the drawing in narrower fonts too.
_NARROW = frozenset(" .,:;/|!'()[]-ijlrtfI")
_WIDE = frozenset("mwMW%…—@")


def text_width(content: str, size: float) -> float:
    """An upper estimate of ``content``'s width in px at ``size`` (no font metrics at hand)."""
    ems = sum(0.42 if c in _NARROW else 1.0 if c in _WIDE else 0.8 if c.isupper() else 0.66
              for c in content)
    return ems * size


def _tick(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:.1f}".replace(".", ",")


def _text(x: float, y: float, content: str, *, anchor: str = "middle", size: int = 11,
          extra: str = "") -> str:
    return (f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}"'
            f'{extra}>{escape(content)}</text>')


def _frame(width: int, height: int, title: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="{FONT}" fill="{INK}">'
            f'<title>{escape(title)}</title><rect width="100%" height="100%" fill="#fff"/>'
            + "".join(body) + "</svg>")


def _legend(names: list[str], width: int, y: float, x: float) -> list[str]:
    """Colour keys in a row from ``x``; a name that would pass the right edge is shortened."""
    if len(names) < 2:
        return []
    parts = []
    for index, name in enumerate(names):
        room = width - 4 - (x + 18)
        if room < 40:
            break
        shown = _fit(name, room, 12)
        parts.append(f'<rect x="{_n(x)}" y="{_n(y - 10)}" width="12" height="12" '
                     f'fill="{COLOURS[index % len(COLOURS)]}"/>')
        parts.append(_text(x + 18, y, shown, anchor="start", size=12))
        x += 18 + text_width(shown, 12) + 16
    return parts


def _fit(content: str, room: float, size: float) -> str:
    """``content``, cut with an ellipsis if it is wider than ``room`` px."""
    if text_width(content, size) <= room:
        return content
    while content and text_width(content + "…", size) > room:
        content = content[:-1]
    return content.rstrip() + "…"


#: Space kept between two x-axis labels (px).
LABEL_GAP = 8


def label_step(labels: list[str], slot: float, size: float = 11) -> int:
    """Show one x label in ``step``: the widest label and a gap must fit in ``step`` slots."""
    widest = max((text_width(label, size) for label in labels), default=0.0)
    return max(1, math.ceil((widest + LABEL_GAP) / max(slot, 1e-6)))


def column_chart(title: str, labels: list[str], series: dict[str, list[float | None]], *,
                 unit: str = "", width: int = 720, height: int = 260,
                 lines: bool = False) -> str:
    """Vertical bars (grouped per label) or lines over labelled periods; gaps stay gaps."""
    names = list(series)
    values = [v for column in series.values() for v in column if v is not None]
    top = _nice_max(max(values, default=0.0))
    ticks = [_tick(top * i / 4) for i in range(5)]  # gridlines at 0, 1/4, ... top
    # The left margin holds the widest y label: none is cut at the image's edge.
    left = max(40.0, math.ceil(max(text_width(t, 11) for t in ticks)) + 12.0)
    right, upper = 12.0, 28.0
    lower = 44.0 + (22 if len(names) > 1 else 0)
    plot_w, plot_h = width - left - right, height - upper - lower
    base = upper + plot_h
    unit_w = text_width(unit, 11) + 12 if unit else 0.0
    body = [_text(8, 16, _fit(title, width - 16 - unit_w, 13), anchor="start", size=13,
                  extra=' font-weight="bold"')]
    if unit:
        body.append(_text(width - right, 16, unit, anchor="end"))
    for i, tick in enumerate(ticks):
        y = base - plot_h * i / 4
        body.append(f'<path d="M{_n(left)} {_n(y)}H{_n(width - right)}" '
                    f'stroke="{INK if i == 0 else GRID}"/>')
        body.append(_text(left - 6, y + 4, tick, anchor="end"))
    count = max(len(labels), 1)
    slot = plot_w / count
    # Thin the labels so that none overlaps the next one shown; the last period is always
    # named (the most recent one is the one people look for).
    step = label_step(labels, slot)
    shown = [i for i in range(len(labels)) if (len(labels) - 1 - i) % step == 0]
    for index in shown:
        label = labels[index]
        half = text_width(label, 11) / 2
        # Centred under its slot, but pushed inside the drawing at both ends.
        x = min(max(left + slot * (index + 0.5), half + 2), width - 2 - half)
        body.append(_text(x, base + 16, label))
    for s, name in enumerate(names):
        colour = COLOURS[s % len(COLOURS)]
        column = series[name]
        if lines:
            path = []
            for index, value in enumerate(column):
                if value is None:
                    continue
                x = left + slot * (index + 0.5)
                y = base - plot_h * value / top
                joined = index > 0 and column[index - 1] is not None
                path.append(f"{'L' if joined else 'M'}{_n(x)} {_n(y)}")
                if not joined and (index + 1 >= len(column) or column[index + 1] is None):
                    path.append("h0.1")  # a lone point between gaps: a dot (round cap)
            if path:
                body.append(f'<path d="{"".join(path)}" fill="none" stroke="{colour}" '
                            f'stroke-width="2" stroke-linecap="round"/>')
            continue
        bar = max(slot * 0.8 / len(names), 1.0)
        rects = []
        for index, value in enumerate(column):
            if not value:
                continue
            h = plot_h * value / top
            x = left + slot * index + slot * 0.1 + bar * s
            # One path per series: far fewer bytes than one <rect> per bar.
            rects.append(f"M{_n(x)} {_n(base)}v-{_n(h)}h{_n(bar)}v{_n(h)}z")
        if rects:
            body.append(f'<path d="{"".join(rects)}" fill="{colour}"/>')
    body += _legend(names, width, height - 8, left)
    return _frame(width, height, title, body)


def bar_chart_horizontal(title: str, labels: list[str], values: list[float | None], *,
                         width: int = 720) -> str:
    """One horizontal bar per category (a ranking), its value at the end of the bar."""
    row = 24
    value_texts = [_tick(round(v, 2)) for v in values if v is not None]
    left, upper = 200.0, 30.0
    # The value printed after the longest bar stays inside the drawing.
    right = max(24.0, math.ceil(max((text_width(t, 11) for t in value_texts), default=0)) + 10)
    height = int(upper + row * max(len(labels), 1) + 10)
    top = max((v for v in values if v is not None), default=0.0) or 1.0
    plot_w = width - left - right
    body = [_text(8, 16, _fit(title, width - 16, 13), anchor="start", size=13,
                  extra=' font-weight="bold"')]
    bars = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = upper + row * index
        short = _fit(label, left - 6 - 4, 11)
        body.append(_text(left - 6, y + 15, short, anchor="end"))
        if value is None:
            body.append(_text(left + 4, y + 15, "—", anchor="start"))
            continue
        w = plot_w * max(value, 0) / top
        bars.append(f"M{_n(left)} {_n(y + 4)}h{_n(w)}v16h-{_n(w)}z")
        body.append(_text(left + w + 4, y + 15, _tick(round(value, 2)), anchor="start"))
    body.append(f'<path d="{"".join(bars)}" fill="{COLOURS[0]}"/>')
    body.append(f'<path d="M{_n(left)} {_n(upper)}V{_n(height - 10)}" stroke="{INK}"/>')
    return _frame(width, height, title, body)
