"""Chart drawing: a resolved `Chart` becomes a print-resolution PNG, cached by content.

matplotlib is imported inside functions so the CLI starts without it, and only the
object API (`Figure` + `FigureCanvasAgg`) is used: no pyplot, no global figure state,
so builds may draw in threads or processes. Every piece of text gets a `FontProperties`
made from the face *file*: the regular and bold faces share one family name, and
several subsets of that family may be registered in one process, so a lookup by name
could pick the wrong weight or a subset without the glyphs.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import threading
from dataclasses import asdict
from pathlib import Path

from .fonts import Faces
from .layout import Layout
from .model import Chart

FORMAT_VERSION = "1"  # bump when the drawing changes, so cached PNGs are redrawn
DPI = 220  # the spec asks for at least 200 dpi at print size
TYPES = ("bar", "barh", "grouped_bar", "stacked_bar", "line", "pie", "donut", "bar_line", "scatter", "bubble")
_CLOSING = set("，。、；：？！）》」』】〉”’,.;:?!)]}%")  # never start a wrapped line with these

_registered: set[str] = set()
_register_lock = threading.Lock()


# ---------------------------------------------------------------- cache


@functools.lru_cache(maxsize=64)
def _file_hash(path: str, size: int, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@functools.lru_cache(maxsize=1)
def _mpl_version() -> str:
    from importlib.metadata import version  # cheaper than importing matplotlib on a cache hit

    return version("matplotlib")


def chart_key(chart: Chart, layout: Layout, faces: Faces) -> str:
    """The sha256 of everything the picture depends on; the PNG's file name is made from it."""
    face_hashes = []
    for path in (faces.regular, faces.bold):
        stat = Path(path).stat()
        face_hashes.append(_file_hash(str(path), stat.st_size, stat.st_mtime_ns))
    payload = {
        "format": FORMAT_VERSION, "dpi": DPI, "matplotlib": _mpl_version(),
        "chart": {
            "type": chart.type, "categories": chart.categories, "series": [asdict(s) for s in chart.series],
            "title": chart.title, "x_label": chart.x_label, "y_label": chart.y_label,
            "y2_label": chart.y2_label, "value_labels": chart.value_labels, "quadrants": chart.quadrants,
            "width": chart.width, "height": chart.height,
        },
        "layout": {"text_width": layout.text_width, "palette": layout.palette,
                   "colors": layout.colors, "sizes": layout.sizes},
        "faces": [faces.family, *face_hashes],
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def render_chart(chart: Chart, layout: Layout, faces: Faces, cache_dir: Path) -> Path:
    """Draw a resolved chart to a PNG in cache_dir, named by the hash of everything it is drawn from; reuse it when present."""
    if chart.type not in TYPES:
        raise ValueError(f"unknown chart type `{chart.type}`; expected one of {', '.join(TYPES)}")
    cache_dir = Path(cache_dir)
    target = cache_dir / f"chart-{chart_key(chart, layout, faces)[:32]}.png"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    fig = _draw(chart, layout, faces)
    # A private temporary name, then an atomic rename: parallel builds never see half a file.
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fig.savefig(fh, format="png", dpi=DPI, metadata={"Software": None})
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


# ---------------------------------------------------------------- style


class _Style:
    """Fonts and colours of one layout, shared by every drawing function."""

    def __init__(self, layout: Layout, faces: Faces):
        from matplotlib.font_manager import FontProperties, fontManager

        with _register_lock:
            for path in (str(faces.regular), str(faces.bold)):
                if path not in _registered:
                    fontManager.addfont(path)
                    _registered.add(path)
        small = float(layout.sizes.get("small", 8))
        self.size = small
        self.regular = lambda size=small: FontProperties(fname=str(faces.regular), size=size)
        self.bold = lambda size=small: FontProperties(fname=str(faces.bold), size=size)
        colors = layout.colors
        self.text, self.muted, self.rule = colors["text"], colors["muted"], colors["rule"]
        self.palette = list(layout.palette) or ["#1F4E79"]

    def color(self, i: int) -> str:
        return self.palette[i % len(self.palette)]

    def kw(self, bold=False, size=None, color=None) -> dict:
        """Keyword arguments for a text artist; `parse_math` off so a `$` is just a dollar."""
        size = size or self.size
        return {"fontproperties": self.bold(size) if bold else self.regular(size),
                "color": color or self.text, "parse_math": False}


def _ink_on(hex_color: str, style: _Style) -> str:
    """White text on dark fills, body text on light ones (relative luminance)."""
    r, g, b = (int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return "#FFFFFF" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.55 else style.text


def _number(value: float, decimals: int | None = None) -> str:
    """A value label or tick: thousands separators, ASCII minus (the faces may lack U+2212)."""
    if decimals is None:  # "up to one decimal"
        text = f"{value:,.1f}"
        text = text[:-2] if text.endswith(".0") else text
    else:
        text = f"{value:,.{decimals}f}"
    return "0" if text.strip("-0.,") == "" else text


def _labels(series, value_fmt=_number) -> list[str]:
    return list(series.labels) if series.labels else [value_fmt(v) for v in series.values]


# ---------------------------------------------------------------- text measure and wrap


def _text_width(text: str, prop) -> float:
    from matplotlib.textpath import TextToPath

    return max((TextToPath().get_text_width_height_descent(line, prop, ismath=False)[0]
                for line in text.split("\n")), default=0.0)


def _wrap(text: str, width: float, prop, max_lines: int = 3) -> str:
    """Break a label to `width` points: between CJK characters, at spaces between Latin words."""
    if not text or _text_width(text, prop) <= width:
        return text
    tokens: list[str] = []
    for ch in text:
        if tokens and (ch in _CLOSING or (ch.isascii() and not ch.isspace() and tokens[-1][-1:].isascii()
                                          and not tokens[-1][-1:].isspace())):
            tokens[-1] += ch  # keep Latin words and closing punctuation together
        else:
            tokens.append(ch)
    lines, line = [], ""
    for token in tokens:
        if line and _text_width(line + token, prop) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines - 1] + ["".join(lines[max_lines - 1:])]
    return "\n".join(lines)


# ---------------------------------------------------------------- axes


def _nice_ticks(lo: float, hi: float, nbins: int = 5) -> list[float]:
    """Round tick values covering [lo, hi], the first at or below lo and the last at or above hi."""
    from matplotlib.ticker import MaxNLocator

    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    ticks = list(MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi))
    eps = (ticks[1] - ticks[0]) * 1e-9
    first = max(i for i, t in enumerate(ticks) if t <= lo + eps)
    last = min(i for i, t in enumerate(ticks) if t >= hi - eps)
    return ticks[first:last + 1]


def _decimals(ticks) -> int:
    for d in range(6):
        if all(abs(t - round(t, d)) < 1e-9 * max(1.0, abs(t)) for t in ticks):
            return d
    return 6


def _value_axis(axis, ticks, style: _Style, visible=None) -> None:
    """Fix an axis to `ticks`, labelled by us (fixed ticks keep our fonts on every label)."""
    d = _decimals(ticks)
    labels = [_number(t, d) if visible is None or visible(t) else "" for t in ticks]
    if axis.axis_name == "x":
        axis.axes.set_xlim(ticks[0], ticks[-1])
    else:
        axis.axes.set_ylim(ticks[0], ticks[-1])
    axis.set_ticks(ticks, labels, **style.kw(color=style.muted))


def _data_span(values, zero=True, headroom=0.0):
    lo, hi = min(values, default=0.0), max(values, default=1.0)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    span = (hi - lo) or abs(hi) or 1.0
    return lo - (headroom * span if lo < 0 else 0.0), hi + (headroom * span if hi > 0 else 0.0)


def _category_axis(axis, categories, style: _Style, slot: float) -> None:
    prop = style.regular()
    labels = [_wrap(c, slot, prop) for c in categories]
    axis.set_ticks(range(len(categories)), labels, **style.kw(color=style.text))


def _frame(ax, style: _Style, grid: str | None = "y", spines=("bottom",)) -> None:
    """Report look: only the named spines (in rule grey), light grid lines, no tick marks."""
    for side, spine in ax.spines.items():
        spine.set_visible(side in spines)
        spine.set_color(style.rule)
        spine.set_linewidth(0.8)
    ax.tick_params(length=0, pad=4, colors=style.muted)
    if grid:
        ax.grid(True, axis=grid, color=style.rule, linewidth=0.5, alpha=0.8)
    ax.set_axisbelow(True)


def _axis_labels(ax, chart: Chart, style: _Style, x=True) -> None:
    """Units sit horizontally above the value axes (easy to read in Chinese), x label below."""
    if chart.y_label:
        ax.text(0, 1.03, chart.y_label, transform=ax.transAxes, ha="left", va="bottom", **style.kw())
    if chart.y2_label:
        ax.text(1, 1.03, chart.y2_label, transform=ax.transAxes, ha="right", va="bottom", **style.kw())
    if x and chart.x_label:
        ax.set_xlabel(chart.x_label, labelpad=4, **style.kw())


def _legend(fig, handles, labels, style: _Style) -> None:
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 5), frameon=False,
               prop=style.regular(), labelcolor=style.text, handlelength=1.4, handleheight=0.8,
               columnspacing=1.8, borderaxespad=0.2)


# ---------------------------------------------------------------- chart types


def _bars(fig, ax, chart: Chart, style: _Style, slot: float) -> None:
    """Vertical or horizontal bars: one series, grouped series, or stacked series."""
    horizontal = chart.type == "barh"
    stacked = chart.type == "stacked_bar"
    series, n = chart.series, len(chart.categories)
    group = 1 if stacked else len(series)
    width = 0.6 if group == 1 else min(0.8, 0.28 * group) / group
    pos_base, neg_base = [0.0] * n, [0.0] * n
    containers = []
    for i, s in enumerate(series):
        offset = 0.0 if group == 1 else (i - (group - 1) / 2) * width
        where = [k + offset for k in range(n)]
        base = [pos_base[k] if v >= 0 else neg_base[k] for k, v in enumerate(s.values)] if stacked else None
        draw = ax.barh if horizontal else ax.bar
        kw = {"height" if horizontal else "width": width * (0.92 if group > 1 else 1.0),
              "left" if horizontal else "bottom": base}
        containers.append(draw(where, s.values, color=style.color(i), label=s.name, zorder=2, **kw))
        if stacked:
            for k, v in enumerate(s.values):
                if v >= 0:
                    pos_base[k] += v
                else:
                    neg_base[k] += v
    values = pos_base + neg_base if stacked else [v for s in series for v in s.values]
    ticks = _nice_ticks(*_data_span(values, headroom=0.1 if chart.value_labels and not stacked else 0.0))
    span = ticks[-1] - ticks[0]
    if horizontal:
        _value_axis(ax.xaxis, ticks, style)
        _category_axis(ax.yaxis, chart.categories, style, 0.3 * fig.get_figwidth() * 72)
        ax.set_ylim(n - 0.5, -0.5)  # first category on top
        _frame(ax, style, grid="x", spines=("left",))
    else:
        _value_axis(ax.yaxis, ticks, style)
        _category_axis(ax.xaxis, chart.categories, style, slot)
        ax.set_xlim(-0.5, n - 0.5)
        _frame(ax, style)
    if chart.value_labels:
        # Stacked segments carry their value inside, when the segment is tall enough to hold it.
        axis_pts = (fig.get_figwidth() * 0.8 if horizontal else fig.get_figheight() * 0.7) * 72
        for i, (s, bars) in enumerate(zip(series, containers)):
            labels = _labels(s)
            if stacked:
                labels = [t if abs(v) / span * axis_pts > style.size * 1.3 else ""
                          for v, t in zip(s.values, labels)]
                ax.bar_label(bars, labels=labels, label_type="center",
                             **style.kw(color=_ink_on(style.color(i), style), size=style.size - 0.5))
            else:
                ax.bar_label(bars, labels=labels, padding=2, **style.kw(size=style.size - 0.5))
    _axis_labels(ax, chart, style)
    if len(series) > 1:
        _legend(fig, containers, [s.name for s in series], style)


def _line_series(ax, s, i, xs, style: _Style, marker="o"):
    (line,) = ax.plot(xs, s.values, color=style.color(i), linewidth=1.8, marker=marker, markersize=5,
                      markerfacecolor=style.color(i), markeredgecolor="#FFFFFF", markeredgewidth=0.8,
                      label=s.name, zorder=3, clip_on=False)
    return line


def _line(fig, ax, chart: Chart, style: _Style, slot: float) -> None:
    """Lines over categories; with several series, each label goes to the side its line lies on."""
    series, n = chart.series, len(chart.categories)
    xs = list(range(n))
    values = [v for s in series for v in s.values]
    lo, hi = min(values, default=0), max(values, default=1)
    zero = lo >= 0 and lo < 0.5 * hi  # start at zero unless that flattens the lines
    ticks = _nice_ticks(*_data_span(values, zero=zero, headroom=0.12 if chart.value_labels else 0.04))
    if not zero and ticks[0] == lo:  # room below the lowest point for its label
        ticks = _nice_ticks(lo - 0.08 * (hi - lo), ticks[-1])
    lines = [_line_series(ax, s, i, xs, style) for i, s in enumerate(series)]
    if chart.value_labels:
        for s in series:
            for k, (v, text) in enumerate(zip(s.values, _labels(s))):
                column = [t.values[k] for t in series if k < len(t.values)]
                above = len(series) == 1 or v >= sum(column) / len(column)
                ax.annotate(text, (k, v), xytext=(0, 6 if above else -6), textcoords="offset points",
                            ha="center", va="bottom" if above else "top", **style.kw(size=style.size - 0.5))
    _value_axis(ax.yaxis, ticks, style)
    _category_axis(ax.xaxis, chart.categories, style, slot)
    ax.set_xlim(-0.4, n - 0.6)
    _frame(ax, style)
    _axis_labels(ax, chart, style)
    if len(series) > 1:
        _legend(fig, lines, [s.name for s in series], style)


def _bar_line(fig, ax, chart: Chart, style: _Style, slot: float) -> None:
    """Bars on the left axis, lines on the right; bars keep to the lower part, lines float above.

    Both axes get the same number of intervals so the grid lines serve both, and the right
    axis only labels the ticks from its data's floor upwards (the band below carries bars).
    """
    n = len(chart.categories)
    explicit = any(s.axis == "right" for s in chart.series)  # otherwise every line goes right
    bars, lines = [], []
    for s in chart.series:
        kind = s.kind or ("line" if s.axis == "right" else "bar")
        right = s.axis == "right" if explicit else kind == "line"
        (lines if kind == "line" else bars).append((s, right))
    ax2 = ax.twinx()
    handles = []
    left_values = [v for s, r in bars + lines if not r for v in s.values]
    lo, hi = _data_span(left_values)
    left = _nice_ticks(lo, lo + (hi - lo) / (0.62 if lines else 0.9))
    intervals = len(left) - 1
    width = min(0.8, 0.28 * len(bars)) / max(len(bars), 1) if len(bars) > 1 else 0.55
    for i, (s, right) in enumerate(bars):
        offset = (i - (len(bars) - 1) / 2) * width
        target = ax2 if right else ax
        container = target.bar([k + offset for k in range(n)], s.values, width * (0.92 if len(bars) > 1 else 1),
                               color=style.color(i), label=s.name, zorder=2)
        handles.append(container)
        if chart.value_labels:
            target.bar_label(container, labels=_labels(s), padding=2, **style.kw(size=style.size - 0.5))
    right_values = [v for s, r in bars + lines if r for v in s.values]
    right_ticks = _float_band(right_values, intervals) if right_values else None
    for j, (s, right) in enumerate(lines):
        target = ax2 if right else ax
        i = len(bars) + j
        handles.append(_line_series(target, s, i, list(range(n)), style))
        if chart.value_labels:
            for k, (v, text) in enumerate(zip(s.values, _labels(s))):
                target.annotate(text, (k, v), xytext=(0, 6), textcoords="offset points", ha="center",
                                va="bottom", **style.kw(size=style.size - 0.5, color=style.color(i)))
    _value_axis(ax.yaxis, left, style)
    if right_ticks:
        floor = math.floor(min(min(right_values), 0) / (right_ticks[1] - right_ticks[0]) - 1e-9)
        first = floor * (right_ticks[1] - right_ticks[0])
        _value_axis(ax2.yaxis, right_ticks, style, visible=lambda t: t >= first - 1e-9)
    else:
        ax2.set_yticks([])
    _category_axis(ax.xaxis, chart.categories, style, slot)
    ax.set_xlim(-0.5, n - 0.5)
    _frame(ax, style)
    _frame(ax2, style, grid=None, spines=())
    ax.set_zorder(ax2.get_zorder() - 1)  # lines and their labels in front of the bars
    ax.patch.set_visible(False)
    _axis_labels(ax, chart, style)
    _legend(fig, handles, [s.name for s, _ in bars + lines], style)


def _float_band(values, intervals: int, bottom=0.66, top=0.92) -> list[float]:
    """`intervals`+1 round ticks placing `values` between `bottom` and `top` of the axis height."""
    lo, hi = min(values), max(values)
    spread = max(hi - lo, abs(hi) * 0.05, 1e-9)
    step = _nice_step(spread / ((top - bottom) * intervals))
    while True:
        start = math.floor((lo - bottom * intervals * step) / step) * step
        if hi <= start + top * intervals * step + 1e-9:
            return [start + k * step for k in range(intervals + 1)]
        step = _nice_step(step * 1.0001)


def _nice_step(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is at least x."""
    exp = 10 ** math.floor(math.log10(x))
    return next(m * exp for m in (1, 2, 2.5, 5, 10) if m * exp >= x * (1 - 1e-12))


def _pie(fig, ax, chart: Chart, style: _Style, slot: float) -> None:
    """Pie or donut of the first series; percentages on the wedges, categories in a legend."""
    s = chart.series[0]
    if any(v < 0 for v in s.values) or sum(s.values) <= 0:
        raise ValueError("pie and donut charts need non-negative values with a positive total")
    total = sum(s.values)
    donut = chart.type == "donut"
    ring = 0.42
    colors = [style.color(i) for i in range(len(s.values))]
    wedges, _ = ax.pie(s.values, colors=colors, startangle=90, counterclock=False, radius=1.0,
                       wedgeprops={"edgecolor": "#FFFFFF", "linewidth": 1.2, "width": ring if donut else None})
    labels = s.labels or [f"{100 * v / total:.1f}%" for v in s.values]
    outside = 0
    for wedge, value, text, color in zip(wedges, s.values, labels, colors):
        if value == 0:
            continue
        mid = math.radians((wedge.theta1 + wedge.theta2) / 2)
        if value / total >= 0.06:
            r, ink = (1 - ring / 2) if donut else 0.64, _ink_on(color, style)
        else:  # too thin to hold the text: outside, staggered so neighbours do not collide
            r, ink = 1.14 + 0.12 * (outside % 2), style.text
            outside += 1
        ax.text(r * math.cos(mid), r * math.sin(mid), text, ha="center", va="center",
                **style.kw(color=ink, size=style.size - 0.5))
    if donut and s.name:
        ax.text(0, 0, _wrap(s.name, 72 * fig.get_figheight() * 0.3, style.bold()), ha="center", va="center",
                **style.kw(bold=True))
    ax.set_aspect("equal")
    legend = ax.legend(wedges, chart.categories, loc="center left", bbox_to_anchor=(1.08, 0.5), frameon=False,
                       prop=style.regular(), labelcolor=style.text, handlelength=1.0, handleheight=1.0)
    for text in legend.get_texts():
        text.set_parse_math(False)


def _scatter(fig, ax, chart: Chart, style: _Style, slot: float) -> None:
    """Points (or bubbles sized by area) with names beside them, and optional quadrants."""
    bubble = chart.type == "bubble"
    xs = [x for s in chart.series for x in s.x]
    ys = [y for s in chart.series for y in s.values]
    q = chart.quadrants or {}
    height_pts = fig.get_figheight() * 72
    biggest = max((abs(v) for s in chart.series for v in s.sizes), default=0) or 1.0
    max_area = math.pi * (0.085 * height_pts) ** 2  # the biggest bubble is ~17% of the height across
    pad_x = pad_y = 0.06
    if bubble:
        pad_x, pad_y = 0.09 * height_pts / (fig.get_figwidth() * 72) + 0.04, 0.14
    limits = []
    for values, centre, pad in ((xs, q.get("x"), pad_x), (ys, q.get("y"), pad_y)):
        lo, hi = min(values, default=0), max(values, default=1)
        if centre is not None:  # centre the cross so the four quadrants are the same size
            half = max(hi - centre, centre - lo, 1e-9) * (1 + 2 * pad)
            lo, hi = centre - half, centre + half
            if min(values, default=0) >= 0 and lo < 0 <= centre:
                lo = 0.0
        else:
            span = (hi - lo) or 1.0
            lo, hi = lo - pad * span, hi + pad * span
        limits.append((lo, hi))
    items = []
    for i, s in enumerate(chart.series):
        areas = [max(18.0, max_area * abs(v) / biggest) for v in s.sizes] if bubble and s.sizes else \
            [30.0] * len(s.values)
        ax.scatter(s.x, s.values, s=areas, color=style.color(i), alpha=0.78 if bubble else 1.0,
                   edgecolors="#FFFFFF", linewidths=0.8, label=s.name, zorder=3, clip_on=False)
        names = list(s.points)
        if chart.value_labels:
            names = [f"{p} {t}".strip() for p, t in zip(names + [""] * len(s.values), _labels(s))]
        for x, y, area, name in zip(s.x, s.values, areas, names):
            if name:
                text = ax.annotate(name, (x, y), xytext=(0, 0), textcoords="offset points", zorder=4,
                                   **style.kw(size=style.size - 0.5))
                items.append((x, y, math.sqrt(area / math.pi), text))
    for axis, (lo, hi) in zip((ax.xaxis, ax.yaxis), limits):
        ticks = [t for t in _nice_ticks(lo, hi, nbins=6) if lo - 1e-9 <= t <= hi + 1e-9]
        _value_axis(axis, ticks, style)
        (ax.set_xlim if axis is ax.xaxis else ax.set_ylim)(lo, hi)
    _frame(ax, style, grid=None if q else "both", spines=("left", "bottom"))
    corners = []
    if q:
        line = {"color": style.muted, "linestyle": (0, (4, 3)), "linewidth": 0.8, "zorder": 1}
        ax.axvline(q["x"], **line)
        ax.axhline(q["y"], **line)
        spots = [(0.015, 0.985, "left", "top"), (0.985, 0.985, "right", "top"),
                 (0.015, 0.015, "left", "bottom"), (0.985, 0.015, "right", "bottom")]
        for name, (x, y, ha, va) in zip(q.get("labels") or [], spots):
            corners.append(ax.text(x, y, name, transform=ax.transAxes, ha=ha, va=va, zorder=2,
                                   **style.kw(bold=True, color=style.muted)))
    _axis_labels(ax, chart, style)
    if len(chart.series) > 1:
        handles = ax.collections[:len(chart.series)]
        _legend(fig, handles, [s.name for s in chart.series], style)
    if items:
        _place_labels(fig, ax, items, corners)


def _place_labels(fig, ax, items, obstacles) -> None:
    """Greedy placement of point names: the first side of the marker that hits nothing else.

    The layout is run once and then frozen, so positions measured here are the ones saved.
    """
    renderer = fig.canvas.get_renderer()
    fig.canvas.draw()
    fig.set_layout_engine("none")
    scale = fig.dpi / 72
    boxes = [o.get_window_extent(renderer) for o in obstacles]
    for x, y, r, _ in items:  # every marker is an obstacle for every label
        cx, cy = ax.transData.transform((x, y))
        rr = r * scale
        boxes.append(_box(cx - rr, cy - rr, cx + rr, cy + rr))
    frame = ax.get_window_extent(renderer)
    gap = 2.5
    for x, y, r, text in items:
        d, diag = r + gap, (r * 0.72 + gap)
        candidates = [((0, d), "center", "bottom"), ((d, 0), "left", "center"), ((0, -d), "center", "top"),
                      ((-d, 0), "right", "center"), ((diag, diag), "left", "bottom"),
                      ((-diag, diag), "right", "bottom"), ((diag, -diag), "left", "top"),
                      ((-diag, -diag), "right", "top")]
        best = None
        for offset, ha, va in candidates:
            text.set_position(offset)
            text.set_ha(ha)
            text.set_va(va)
            bbox = text.get_window_extent(renderer)
            cost = sum(_overlap(bbox, b) for b in boxes) + 4 * _outside(bbox, frame)
            if best is None or cost < best[0] - 1e-6:
                best = (cost, offset, ha, va, bbox)
            if cost == 0:
                break
        _, offset, ha, va, bbox = best
        text.set_position(offset)
        text.set_ha(ha)
        text.set_va(va)
        boxes.append(bbox)


def _box(x0, y0, x1, y1):
    from matplotlib.transforms import Bbox

    return Bbox([[x0, y0], [x1, y1]])


def _overlap(a, b) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def _outside(a, frame) -> float:
    return a.width * a.height - _overlap(a, frame)


DRAWERS = {"bar": _bars, "barh": _bars, "grouped_bar": _bars, "stacked_bar": _bars, "line": _line,
           "pie": _pie, "donut": _pie, "bar_line": _bar_line, "scatter": _scatter, "bubble": _scatter}


def _check(chart: Chart) -> None:
    if not chart.series:
        raise ValueError("a chart needs at least one series")
    for s in chart.series:
        if chart.type in ("scatter", "bubble"):
            if len(s.x) != len(s.values):
                raise ValueError(f"series `{s.name}` has {len(s.x)} x values and {len(s.values)} y values")
        elif len(s.values) != len(chart.categories):
            raise ValueError(f"series `{s.name}` has {len(s.values)} values for {len(chart.categories)} categories")
        if s.labels and len(s.labels) != len(s.values):
            raise ValueError(f"series `{s.name}` has {len(s.labels)} labels for {len(s.values)} values")


def _draw(chart: Chart, layout: Layout, faces: Faces):
    """The chart as a laid-out matplotlib Figure with an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    _check(chart)
    style = _Style(layout, faces)
    width = layout.text_width * chart.width / 72
    fig = Figure(figsize=(width, width * chart.height), dpi=DPI, layout="constrained", facecolor="#FFFFFF")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(w_pad=4 / 72, h_pad=4 / 72)
    ax = fig.add_subplot()
    # A category's share of the plot width, less a little air, is how wide its label may be.
    slot = 0.85 * width * 72 / max(len(chart.categories), 1) * 0.92
    if chart.title:  # before drawing: scatter labels freeze the layout once placed
        fig.suptitle(chart.title, **style.kw(bold=True, size=style.size + 1.5))
    DRAWERS[chart.type](fig, ax, chart, style, slot)
    return fig
