"""Charts as SVG text, drawn on the server (no script, no CDN): pure Python, no Django.

Every label is escaped here, and only SVG presentation attributes are used (the pages' Content
Security Policy allows no inline style). Each chart carries a <title> and a <desc> that say in
words what it shows, for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
import math

PALETTE = ("#2f6f5e", "#d08c2f", "#4a78b5", "#b5484a", "#7a5ea8", "#5a9e3a", "#c0649a", "#3a9ea0", "#8a7a3a", "#666")
INK = "#1f2a2a"
MUTED = "#6b7776"
GRID = "#dfe5e4"


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart" preserveAspectRatio="xMidYMid meet"><title>{escape(title)}</title>'
        f"<desc>{escape(desc)}</desc>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, label: str, *, size: int = 12, anchor: str = "start", fill: str = INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
        f'font-family="sans-serif">{escape(label)}</text>'
    )


def line_chart(
    series: dict[str, Sequence[float | None]],
    labels: Sequence[str],
    *,
    title: str,
    desc: str,
    percent: bool = True,
    from_zero: bool = True,
    marker: int | None = None,
    marker_label: str = "",
    width: int = 640,
    height: int = 260,
) -> str:
    """Lines over periods; None breaks a line. Values are shares (0..1) when ``percent``.
    ``from_zero=False`` starts the axis near the lowest value (small changes stay visible);
    ``marker`` draws a dashed line at that period, with ``marker_label``."""
    left, right, top, bottom = 44, 12, 16, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for line in series.values() for v in line if v is not None]
    top_value = max(values, default=0.0)
    low_value = 0.0 if from_zero or not values else min(values)
    span = max(top_value - low_value, 1e-9)
    # Ticks at round numbers: 10% or 20% steps for shares, 1-2-5 steps otherwise.
    if percent:
        step = 0.1 if span <= 0.5 else 0.2
    else:
        magnitude = 10 ** math.floor(math.log10(span / 4)) if span > 1e-9 else 0.25
        step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude * 4 >= span)
    low = math.floor(low_value / step + 1e-9) * step
    ticks = max(1, math.ceil((top_value - low) / step - 1e-9))
    high = low + step * ticks
    count = max(len(labels), 2)
    body: list[str] = []
    for k in range(ticks + 1):
        y = top + plot_h - plot_h * k / ticks
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        tick = low + step * k
        body.append(_text(left - 6, y + 4, f"{tick:.0%}" if percent else f"{tick:g}", size=10, anchor="end"))
    if marker is not None and 0 <= marker < len(labels):
        x = left + plot_w * marker / (count - 1)
        body.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="{MUTED}" stroke-dasharray="4 3"/>'
        )
        body.append(_text(x + 4, top + 10, marker_label, size=10, fill=MUTED))
    step = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % step == 0:
            body.append(_text(left + plot_w * i / (count - 1), height - bottom + 16, label, size=10, anchor="middle"))
    for n, (name, line) in enumerate(series.items()):
        color = PALETTE[n % len(PALETTE)]
        points: list[str] = []
        for i, v in enumerate(line):
            if v is None:
                if len(points) > 1:
                    body.append(
                        f'<polyline fill="none" stroke="{color}" stroke-width="2.5" points="{" ".join(points)}"/>'
                    )
                points = []
                continue
            y = top + plot_h - plot_h * (min(v, high) - low) / (high - low)
            points.append(f"{left + plot_w * i / (count - 1):.1f},{y:.1f}")
        if len(points) > 1:
            body.append(f'<polyline fill="none" stroke="{color}" stroke-width="2.5" points="{" ".join(points)}"/>')
        elif points:
            cx, cy = points[0].split(",")
            body.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{color}"/>')
        lx = left + n * 150
        body.append(f'<rect x="{lx}" y="{height - 18}" width="12" height="4" fill="{color}"/>')
        body.append(_text(lx + 16, height - 12, name, size=11))
    return _svg(width, height, title, desc, body)


def heat_map(
    labels: Sequence[str], values: Sequence[Sequence[float]], *, title: str, desc: str, max_labels: int = 24
) -> str:
    """A matrix as colored cells, each row as shares of its own total (where a group's interactions go)."""
    n = min(len(labels), max_labels)
    cell = 18 if n > 12 else 26
    left, top = 150, 150
    width, height = left + n * cell + 10, top + n * cell + 10
    body: list[str] = []
    for i in range(n):
        row = values[i][:n]
        total = sum(row) or 1.0
        body.append(_text(left - 6, top + i * cell + cell * 0.7, labels[i][:22], size=10, anchor="end"))
        x = left + i * cell + cell * 0.6
        body.append(
            f'<text x="{x:.1f}" y="{top - 6}" font-size="10" fill="{INK}" font-family="sans-serif" '
            f'transform="rotate(-60 {x:.1f} {top - 6})">{escape(labels[i][:22])}</text>'
        )
        for j in range(n):
            share = row[j] / total
            shade = 0.08 + 0.92 * math.sqrt(share) if row[j] > 0 else 0.0
            fill = "#f3f6f6" if shade == 0 else f"rgba(47,111,94,{shade:.3f})"
            body.append(
                f'<rect x="{left + j * cell}" y="{top + i * cell}" width="{cell - 1}" height="{cell - 1}" '
                f'fill="{fill}"><title>{escape(labels[i])} to {escape(labels[j])}: {share:.0%}</title></rect>'
            )
    return _svg(width, height, title, desc, body)


def network_map(nodes: Sequence[dict], edges: Sequence[dict], *, title: str, desc: str, size: int = 560) -> str:
    """Units as circles (area by people, color by community), interactions as lines (width by volume)."""
    pad = 60
    body: list[str] = []
    if not nodes:
        return _svg(size, 80, title, desc, [_text(10, 40, "Nothing to draw yet.", fill=MUTED)])
    heaviest = max((e["weight"] for e in edges), default=1.0) or 1.0
    biggest = max(node["people"] for node in nodes) or 1

    def pos(node: dict) -> tuple[float, float]:
        return pad + node["x"] * (size - 2 * pad), pad + node["y"] * (size - 2 * pad)

    for e in sorted(edges, key=lambda e: e["weight"]):
        (x1, y1), (x2, y2) = pos(nodes[e["a"]]), pos(nodes[e["b"]])
        share = e["weight"] / heaviest
        body.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{MUTED}" '
            f'stroke-opacity="{0.15 + 0.6 * share:.2f}" stroke-width="{0.5 + 5 * share:.2f}"/>'
        )
    for node in nodes:
        x, y = pos(node)
        r = 5 + 20 * math.sqrt(node["people"] / biggest)
        color = PALETTE[node["community"] % len(PALETTE)]
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{color}" fill-opacity="0.85" stroke="#fff">'
            f"<title>{escape(node['label'])}: {node['people']} people</title></circle>"
        )
        body.append(_text(x, y + r + 11, node["label"][:24], size=10, anchor="middle"))
    return _svg(size, size, title, desc, body)


def bars(rows: Sequence[tuple[str, float | None, str]], *, title: str, desc: str, width: int = 560) -> str:
    """Horizontal bars: (label, value or None for "not shown", text to print beside the bar)."""
    row_h, left = 30, 170
    height = row_h * len(rows) + 10
    top_value = max((v for _, v, _ in rows if v), default=1.0) or 1.0
    body: list[str] = []
    for i, (label, value, shown) in enumerate(rows):
        y = 6 + i * row_h
        body.append(_text(left - 8, y + 17, label, size=12, anchor="end"))
        w = 0 if value is None else (width - left - 90) * value / top_value
        body.append(f'<rect x="{left}" y="{y + 4}" width="{max(w, 0):.1f}" height="18" rx="3" fill="{PALETTE[0]}"/>')
        body.append(_text(left + w + 6, y + 17, shown, size=12, fill=MUTED if value is None else INK))
    return _svg(width, height, title, desc, body)
