"""Tiny JS-free SVG bar charts for the summary page (works offline, prints well)."""

from __future__ import annotations

import html
import math

from maps.render import PALETTE


def nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, at least `raw` (and at least 1: counts and minutes are whole)."""
    if raw <= 1:
        return 1.0
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)


def bar_chart(categories: list[str], series: dict[str, list[float]], *, unit: str = "", title: str = "",
              width: int = 640, height: int = 240, colours: dict[str, str] | None = None) -> str:
    """Grouped vertical bars: one group per category, one bar per series."""
    e = html.escape
    left, bottom, top = 44, 48, 24
    plot_w, plot_h = width - left - 10, height - bottom - top
    step = nice_step(max([v for vals in series.values() for v in vals] + [0]) / 4)
    n_ticks = max(1, math.ceil(max([v for vals in series.values() for v in vals] + [0]) / step))
    peak = step * n_ticks
    n_cat, n_ser = max(1, len(categories)), max(1, len(series))
    group_w = plot_w / n_cat
    bar_w = min(36.0, max(2.0, group_w * 0.8 / n_ser))
    pad = (group_w - bar_w * n_ser) / 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{e(title)}">',
             f'<text x="{left}" y="14" font-size="13" font-weight="bold">{e(title)}</text>']
    for k in range(n_ticks + 1):
        v = step * k
        y = top + plot_h - plot_h * k / n_ticks
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{v:g}</text>')
    for j, (name, vals) in enumerate(series.items()):
        colour = (colours or {}).get(name, PALETTE[j % len(PALETTE)])
        for i, v in enumerate(vals):
            h = plot_h * v / peak
            x = left + i * group_w + pad + j * bar_w
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                         f'height="{h:.1f}" fill="{colour}"><title>{e(name)} — {e(categories[i])} : '
                         f'{v:g} {e(unit)}</title></rect>')
    for i, c in enumerate(categories):
        x = left + i * group_w + group_w / 2
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 14}" font-size="10" text-anchor="middle">{e(c)}</text>')
    lx = left
    for j, name in enumerate(series):
        colour = (colours or {}).get(name, PALETTE[j % len(PALETTE)])
        parts.append(f'<rect x="{lx}" y="{height - 14}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{lx + 14}" y="{height - 5}" font-size="10">{e(name)}</text>')
        lx += 20 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def _legend(names: list[str], colours: dict[str, str], x0: int, y0: int, width: int) -> tuple[list[str], int]:
    """Legend entries wrapped onto as many lines as needed; returns the SVG parts and the height used."""
    e = html.escape
    parts, x, y = [], x0, y0
    for j, name in enumerate(names):
        w = 20 + 6 * len(name)
        if x + w > width and x > x0:
            x, y = x0, y + 14
        colour = colours.get(name, PALETTE[j % len(PALETTE)])
        parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="{y + 9}" font-size="10">{e(name)}</text>')
        x += w
    return parts, y - y0 + 14


def stacked_bar_chart(categories: list[str], series: dict[str, list[float]], *, unit: str = "", title: str = "",
                      width: int = 720, plot_h: int = 170, colours: dict[str, str] | None = None) -> str:
    """One bar per category, stacked by series (e.g. driving per day, one colour per staff member)."""
    e = html.escape
    colours = colours or {}
    left, top = 44, 24
    totals = [sum(vals[i] for vals in series.values()) for i in range(len(categories))]
    step = nice_step(max(totals + [0]) / 4)
    n_ticks = max(1, math.ceil(max(totals + [0]) / step))
    peak = step * n_ticks
    plot_w = width - left - 10
    slot = plot_w / max(1, len(categories))
    bar_w = min(36.0, slot * 0.75)
    every = max(1, math.ceil(len(categories) * 42 / plot_w))  # label every n-th category when crowded
    legend, legend_h = _legend(list(series), colours, left, top + plot_h + 22, width)
    height = top + plot_h + 26 + legend_h
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{e(title)}">',
             f'<text x="{left}" y="14" font-size="13" font-weight="bold">{e(title)}</text>']
    for k in range(n_ticks + 1):
        y = top + plot_h - plot_h * k / n_ticks
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{step * k:g}</text>')
    for i, cat in enumerate(categories):
        x = left + i * slot + (slot - bar_w) / 2
        base = 0.0
        for j, (name, vals) in enumerate(series.items()):
            v = vals[i]
            if v <= 0:
                continue
            h = plot_h * v / peak
            y = top + plot_h - plot_h * (base + v) / peak
            colour = colours.get(name, PALETTE[j % len(PALETTE)])
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                         f'fill="{colour}"><title>{e(name)} — {e(cat)} : {v:g} {e(unit)}</title></rect>')
            base += v
        if i % every == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14}" font-size="10" '
                         f'text-anchor="middle">{e(cat)}</text>')
    parts += legend
    parts.append("</svg>")
    return "".join(parts)


def heatmap(rows: list[str], columns: list[str], values: list[list[float]], *, title: str = "", unit: str = "",
            colour: str = "#1f77b4", width: int = 720) -> str:
    """A rows x columns grid, darker for larger values, the value written in each non-empty cell."""
    e = html.escape
    left, top = 170, 36
    cell_w = max(14.0, min(40.0, (width - left - 10) / max(1, len(columns))))
    cell_h = 18
    width = int(left + cell_w * len(columns) + 10)
    height = top + cell_h * len(rows) + 8
    peak = max([v for r in values for v in r] + [1])
    every = max(1, math.ceil(34 / cell_w))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{e(title)}">',
             f'<text x="4" y="14" font-size="13" font-weight="bold">{e(title)}</text>']
    for j, c in enumerate(columns):
        if j % every == 0:
            parts.append(f'<text x="{left + j * cell_w + cell_w / 2:.1f}" y="{top - 6}" font-size="9" '
                         f'text-anchor="middle">{e(c)}</text>')
    for i, r in enumerate(rows):
        y = top + i * cell_h
        parts.append(f'<text x="{left - 6}" y="{y + 13}" font-size="11" text-anchor="end">{e(r)}</text>')
        for j, c in enumerate(columns):
            v = values[i][j]
            x = left + j * cell_w
            opacity = 0.08 if v <= 0 else 0.2 + 0.8 * v / peak
            parts.append(f'<rect class="cell" x="{x:.1f}" y="{y}" width="{cell_w - 1:.1f}" height="{cell_h - 1}" '
                         f'fill="{colour}" fill-opacity="{opacity:.2f}"><title>{e(r)} — {e(c)} : {v:g} {e(unit)}'
                         f'</title></rect>')
            if v > 0 and cell_w >= 14:
                ink = "#fff" if v / peak > 0.5 else "#000"
                parts.append(f'<text x="{x + (cell_w - 1) / 2:.1f}" y="{y + 13}" font-size="10" fill="{ink}" '
                             f'text-anchor="middle">{v:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def hbar_chart(labels: list[str], values: list[float], *, title: str = "", fmt=lambda v: f"{v:g}",
               colours: list[str] | None = None, width: int = 640, vmax: float | None = None) -> str:
    """Horizontal bars, one per label (e.g. share of population within reach, per commune)."""
    e = html.escape
    row, left, top = 18, 190, 24
    height = top + row * len(labels) + 10
    peak = vmax or max(values + [0]) or 1
    plot_w = width - left - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{e(title)}">',
             f'<text x="4" y="14" font-size="13" font-weight="bold">{e(title)}</text>']
    for i, (lab, v) in enumerate(zip(labels, values)):
        y = top + i * row
        w = plot_w * v / peak
        colour = colours[i] if colours else PALETTE[0]
        parts.append(f'<text x="{left - 6}" y="{y + 12}" font-size="11" text-anchor="end">{e(lab)}</text>'
                     f'<rect class="bar" x="{left}" y="{y + 2}" width="{w:.1f}" height="{row - 5}" fill="{colour}">'
                     f'<title>{e(lab)} : {e(fmt(v))}</title></rect>'
                     f'<text x="{left + w + 4:.1f}" y="{y + 12}" font-size="10">{e(fmt(v))}</text>')
    parts.append("</svg>")
    return "".join(parts)
