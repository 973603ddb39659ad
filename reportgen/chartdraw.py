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
import threading
from dataclasses import asdict, replace
from pathlib import Path

from .check import chart_problems
from .errors import Diagnostic, ReportgenError
from .fonts import FORMAT_VERSION as FONTS_FORMAT
from .fonts import Faces
from .layout import Layout
from .model import Chart

FORMAT_VERSION = "2"  # bump when the drawing changes, so cached PNGs are redrawn
DPI = 220  # the spec asks for at least 200 dpi at print size
TYPES = ("bar", "barh", "grouped_bar", "stacked_bar", "line", "pie", "donut", "bar_line", "scatter", "bubble")
_CLOSING = set("，。、；：？！）》」』】〉”’,.;:?!)]}%")  # never start a wrapped line with these

_registered: set[str] = set()
_register_lock = threading.Lock()


# ---------------------------------------------------------------- cache


@functools.lru_cache(maxsize=1)  # a metadata look-up scans sys.path: once per process, not per chart
def _mpl_version() -> str:
    from importlib.metadata import version  # cheaper than importing matplotlib on a cache hit

    return version("matplotlib")


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    """The drawing code itself: a change to how charts are drawn must not reuse old pictures."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def chart_key(chart: Chart, layout: Layout, faces: Faces) -> str:
    """The sha256 of everything the picture depends on; the PNG's file name is made from it."""
    # The faces count by what they draw (family, variant, how they were made), not by file:
    # a face cut for more characters draws these ones identically.
    payload = {
        "format": FORMAT_VERSION, "code": _code_digest(), "dpi": DPI, "matplotlib": _mpl_version(),
        "chart": {
            "type": chart.type, "categories": chart.categories, "series": [asdict(s) for s in chart.series],
            "title": chart.title, "x_label": chart.x_label, "y_label": chart.y_label,
            "y2_label": chart.y2_label, "value_labels": chart.value_labels, "quadrants": chart.quadrants,
            "width": chart.width, "height": chart.height,
        },
        "layout": {"text_width": layout.text_width, "palette": layout.palette,
                   "colors": layout.colors, "sizes": layout.sizes},
        "faces": [faces.family, faces.latin, FONTS_FORMAT],
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def render_chart(chart: Chart, layout: Layout, faces: Faces, cache_dir: Path) -> Path:
    """Draw a resolved chart to a PNG in cache_dir, named by the hash of everything it is drawn from; reuse it when present."""
    if chart.type not in TYPES:
        raise ReportgenError(f"chart type `{chart.type}` is not known (types: {', '.join(TYPES)})", chart.loc)
    cache_dir = Path(cache_dir)
    target = cache_dir / f"chart-{chart_key(chart, layout, faces)[:32]}.png"
    from .cachefiles import intact, save

    # A drawing whose digest does not match (truncated, damaged) is drawn again.
    if intact(target):
        return target
    import warnings

    # When the chart's text leaves its axes no room, matplotlib warns and draws a squashed
    # chart; `check` refuses the usual cases (see check.chart_room), and this catches the rest.
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="constrained_layout not applied")
        try:
            fig = _draw(chart, layout, faces)

            def write(tmp: Path) -> None:
                with open(tmp, "wb") as fh:
                    fig.savefig(fh, format="png", dpi=DPI, metadata={"Software": None})

            # A private temporary name, then an atomic rename: parallel builds never see half a file.
            save(target, write)
        except UserWarning:
            raise ReportgenError(f"this chart is too small for its labels at the layout's `sizes.small` "
                                 f"({layout.sizes.get('small', 8):g} pt): make it wider or taller (`width:`, "
                                 "`height:`), or give it fewer categories", chart.loc) from None
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


def _labels(series) -> list[str]:
    """The caller's formatted labels, or the plain numbers (none for a missing value)."""
    if series.labels:
        return list(series.labels)
    return [_number(v) if math.isfinite(v) else "" for v in series.values]


def _finite(values) -> list[float]:
    return [v for v in values if math.isfinite(v)]


def _is_percent(series) -> bool:
    """Whether the labels show the values as percentages (0.353 → "35.3%"): then ticks do too."""
    seen = False
    for s in series:
        for v, label in zip(s.values, s.labels):
            label = label.strip().replace("％", "%")
            if not label or not math.isfinite(v):
                continue
            try:
                shown = float(label.rstrip("%").replace(",", "").replace("\u00a0", ""))
            except ValueError:
                return False
            if not label.endswith("%") or abs(shown - 100 * v) > 0.51:
                return False
            seen = True
    return seen


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


def _nice_ticks(lo: float, hi: float, most: int = 7) -> list[float]:
    """Round ticks covering [lo, hi]: the finest 1-2-2.5-5 step that needs at most `most` intervals."""
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    step = _nice_step((hi - lo) / most)
    while True:
        start, end = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
        if end - start <= most:
            return [k * step for k in range(start, end + 1)]
        step = _nice_step(step * 1.0001)


def _decimals(ticks) -> int:
    for d in range(6):
        if all(abs(t - round(t, d)) < 1e-9 * max(1.0, abs(t)) for t in ticks):
            return d
    return 6


def _value_axis(axis, ticks, style: _Style, visible=None, percent=False) -> None:
    """Fix an axis to `ticks`, labelled by us (fixed ticks keep our fonts on every label)."""
    shown = [t * 100 for t in ticks] if percent else ticks
    d = _decimals(shown)
    labels = [_number(v, d) + ("%" if percent else "") if visible is None or visible(t) else ""
              for t, v in zip(ticks, shown)]
    if axis.axis_name == "x":
        axis.axes.set_xlim(ticks[0], ticks[-1])
    else:
        axis.axes.set_ylim(ticks[0], ticks[-1])
    axis.set_ticks(ticks, labels, **style.kw(color=style.muted))


def _data_span(values, zero=True, headroom=0.0):
    values = _finite(values)
    lo, hi = min(values, default=0.0), max(values, default=1.0)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    span = (hi - lo) or abs(hi) or 1.0
    return lo - (headroom * span if lo < 0 else 0.0), hi + (headroom * span if hi > 0 else 0.0)


def _category_axis(axis, categories, style: _Style, slot: float) -> None:
    prop = style.regular()
    labels = [_wrap(c, slot, prop) for c in categories]
    axis.set_ticks(range(len(categories)), labels, **style.kw(color=style.muted))


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


def _zero_line(ax, ticks, style: _Style, vertical=False) -> None:
    """Where values go negative the baseline is zero, not the frame's edge."""
    if ticks[0] < 0 < ticks[-1]:
        (ax.axvline if vertical else ax.axhline)(0, color=style.muted, linewidth=0.7, zorder=2.5)
        ax.spines["left" if vertical else "bottom"].set_visible(False)


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
        edge = {"edgecolor": "#FFFFFF", "linewidth": 0.6} if stacked else {}  # hairline between segments
        containers.append(draw(where, s.values, color=style.color(i), label=s.name, zorder=2, **edge, **kw))
        if stacked:
            for k, v in enumerate(s.values):
                if v >= 0:
                    pos_base[k] += v
                elif v < 0:  # a missing value (NaN) adds to neither
                    neg_base[k] += v
    values = pos_base + neg_base if stacked else [v for s in series for v in s.values]
    ticks = _nice_ticks(*_data_span(values, headroom=0.1 if chart.value_labels and not stacked else 0.0))
    span = ticks[-1] - ticks[0]
    percent = _is_percent(series)
    if horizontal:
        _value_axis(ax.xaxis, ticks, style, percent=percent)
        _category_axis(ax.yaxis, chart.categories, style, 0.3 * fig.get_figwidth() * 72)
        ax.set_ylim(n - 0.5, -0.5)  # first category on top
        _frame(ax, style, grid="x", spines=("left",))
    else:
        _value_axis(ax.yaxis, ticks, style, percent=percent)
        _category_axis(ax.xaxis, chart.categories, style, slot)
        ax.set_xlim(-0.5, n - 0.5)
        _frame(ax, style)
    _zero_line(ax, ticks, style, vertical=horizontal)
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
    """Lines over categories; each value label goes above or below its point, whichever is free."""
    series, n = chart.series, len(chart.categories)
    values = _finite(v for s in series for v in s.values)
    lo, hi = min(values, default=0), max(values, default=1)
    zero = lo >= 0 and lo < 0.5 * hi  # start at zero unless that flattens the lines
    ticks = _nice_ticks(*_data_span(values, zero=zero, headroom=0.1 if chart.value_labels else 0.0))
    lines = [_line_series(ax, s, i, list(range(n)), style) for i, s in enumerate(series)]
    _value_axis(ax.yaxis, ticks, style, percent=_is_percent(series))
    _category_axis(ax.xaxis, chart.categories, style, slot)
    ax.set_xlim(-0.4, n - 0.6)
    _frame(ax, style)
    _zero_line(ax, ticks, style)
    _axis_labels(ax, chart, style)
    if len(series) > 1:
        _legend(fig, lines, [s.name for s in series], style)
    if chart.value_labels:
        items = []
        for s in series:
            for k, (v, text) in enumerate(zip(s.values, _labels(s))):
                if not text or not math.isfinite(v):
                    continue
                column = _finite(t.values[k] for t in series)
                # The top line's labels prefer above, the others below: away from the neighbour.
                up = [((0, 5), "center", "bottom"), ((0, -5), "center", "top")]
                prefer = up if v >= max(column) or len(series) == 1 else up[::-1]
                label = ax.annotate(text, (k, v), xytext=(0, 5), textcoords="offset points", zorder=4,
                                    **style.kw(size=style.size - 0.5))
                items.append((k, v, 3.0, label, prefer))
        _place_labels(fig, ax, items, [], drop=True)


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
    right_values = _finite(v for s, r in bars + lines if r for v in s.values)
    right_ticks = _float_band(right_values, intervals) if right_values else None
    for j, (s, right) in enumerate(lines):
        target = ax2 if right else ax
        i = len(bars) + j
        handles.append(_line_series(target, s, i, list(range(n)), style))
        if chart.value_labels:
            for k, (v, text) in enumerate(zip(s.values, _labels(s))):
                if text and math.isfinite(v):
                    target.annotate(text, (k, v), xytext=(0, 6), textcoords="offset points", ha="center",
                                    va="bottom", **style.kw(size=style.size - 0.5, color=style.color(i)))
    _value_axis(ax.yaxis, left, style, percent=_is_percent([s for s, r in bars + lines if not r]))
    if right_ticks:
        floor = math.floor(min(min(right_values), 0) / (right_ticks[1] - right_ticks[0]) + 1e-9)
        first = floor * (right_ticks[1] - right_ticks[0])
        _value_axis(ax2.yaxis, right_ticks, style, visible=lambda t: t >= first - 1e-9,
                    percent=_is_percent([s for s, r in bars + lines if r]))
    else:
        ax2.set_yticks([])
    _category_axis(ax.xaxis, chart.categories, style, slot)
    ax.set_xlim(-0.5, n - 0.5)
    _frame(ax, style)
    _frame(ax2, style, grid=None, spines=())
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
    """Pie or donut of the first series; percentages on the wedges, categories in a legend.

    Placed by hand rather than by the layout engine: the round plot and its legend are
    centred together as one group, which the engine (it centres the axes) cannot do.
    """
    s = chart.series[0]
    s = replace(s, values=[v if math.isfinite(v) else 0.0 for v in s.values])  # missing: no wedge
    if any(v < 0 for v in s.values) or sum(s.values) <= 0:
        raise ReportgenError("pie and donut charts need non-negative values with a positive total", chart.loc)
    total = sum(s.values)
    donut, ring, reach = chart.type == "donut", 0.42, 1.34
    colors = [style.color(i) for i in range(len(s.values))]
    wedges, _ = ax.pie(s.values, colors=colors, startangle=90, counterclock=False, radius=1.0,
                       wedgeprops={"edgecolor": "#FFFFFF", "linewidth": 1.2, "width": ring if donut else None})
    labels = s.labels or [f"{100 * v / total:.1f}%" for v in s.values]
    # The geometry first: whether a label fits inside its wedge depends on the drawn radius.
    fig.set_layout_engine("none")
    width, height = fig.get_size_inches()
    top = height - ((style.size + 1.5) * 2.2 / 72 if chart.title else 0.05)
    side = min(top - 0.05, 0.62 * width)  # the square that holds the pie and its outside labels
    names = [_wrap(c, 0.3 * width * 72, style.regular()) for c in chart.categories]
    legend_w = (max((_text_width(n, style.regular()) for n in names), default=0) + 2.4 * style.size) / 72
    radius, gap = side / (2 * reach), 0.35
    label_size = style.size - 0.5
    inner = 1 - ring if donut else 0.0
    last = None  # the previous outside label, to keep neighbours apart
    reach_left = reach_right = radius  # how far outside labels reach from the centre (inches)
    for wedge, value, text, color in zip(wedges, s.values, labels, colors):
        if value == 0:
            continue
        mid = math.radians((wedge.theta1 + wedge.theta2) / 2)
        cos, sin = math.cos(mid), math.sin(mid)
        # Inside when the label's box fits its wedge, checked corner by corner (in radius units)
        # at a few sizes and distances; a label that would cross into the hole, over the rim or
        # into a neighbour goes outside on a leader instead.
        placed = False
        for size in (label_size, label_size - 0.75, label_size - 1.25):
            w = _text_width(text, style.regular(size)) / 72 / radius
            h = 1.15 * size / 72 / radius
            middle = (1 + inner) / 2 if donut else 0.62
            for r in (middle, middle + 0.04, middle - 0.04, middle + 0.08):
                if _box_in_wedge(r * cos, r * sin, w, h, inner, 1.0, wedge.theta1, wedge.theta2):
                    ax.text(r * cos, r * sin, text, ha="center", va="center",
                            **style.kw(color=_ink_on(color, style), size=size))
                    placed = True
                    break
            if placed:
                break
        if placed:
            continue
        sign = 1 if cos >= 0 else -1
        ex, ey = 1.08 * cos, 1.08 * sin
        y = ey
        if last and last[0] == sign and abs(y - last[1]) < 0.15:
            y = last[1] + (0.15 if y > last[1] else -0.15)
        last = (sign, y)
        ax.plot([1.01 * cos, ex, ex + sign * 0.1], [1.01 * sin, y, y], color=style.muted, linewidth=0.6)
        ax.text(ex + sign * 0.13, y, text, ha="left" if sign > 0 else "right", va="center",
                **style.kw(size=label_size))
        extent = abs(ex + sign * 0.13) * radius + _text_width(text, style.regular(label_size)) / 72 + 0.04
        if sign > 0:
            reach_right = max(reach_right, extent)
        else:
            reach_left = max(reach_left, extent)
    # Centre the pie, its outside labels and the legend as one group, the legend clear of
    # the labels on the right.
    centre = (width - (reach_left + reach_right + gap + legend_w)) / 2 + reach_left
    left = centre - side / 2
    if donut and s.name:
        ax.text(0, 0, _wrap(s.name, 72 * fig.get_figheight() * 0.25, style.bold()), ha="center",
                va="center", **style.kw(bold=True))
    ax.set_position([left / width, (top - side) / 2 / height, side / width, side / height])
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-reach, reach)
    ax.set_aspect("equal")
    legend = fig.legend(wedges, names, loc="center left", frameon=False, prop=style.regular(),
                        bbox_to_anchor=((centre + reach_right + gap) / width, top / 2 / height), labelcolor=style.text,
                        handlelength=1.0, handleheight=1.0, borderaxespad=0)
    for text in legend.get_texts():
        text.set_parse_math(False)


def _box_in_wedge(cx: float, cy: float, w: float, h: float, inner: float, outer: float,
                  theta1: float, theta2: float, pad: float = 0.03) -> bool:
    """Whether a w × h box centred at (cx, cy) lies in the ring inner..outer (radius units)
    between the angles theta1..theta2 (degrees, counter-clockwise), with a small margin."""
    span = (theta2 - theta1) % 360 or 360
    for dx in (-w / 2, w / 2):
        for dy in (-h / 2, h / 2):
            x, y = cx + dx, cy + dy
            distance = math.hypot(x, y)
            if not inner + pad <= distance <= outer - pad:
                return False
            if span < 360:
                angle = (math.degrees(math.atan2(y, x)) - theta1) % 360
                # The margin along the arc, as an angle at this distance.
                margin = math.degrees(pad / max(distance, 1e-9))
                if not margin <= angle <= span - margin:
                    return False
    return True


def _scatter(fig, ax, chart: Chart, style: _Style, slot: float) -> None:
    """Points (or bubbles sized by area) with names beside them, and optional quadrants."""
    from matplotlib.lines import Line2D

    bubble = chart.type == "bubble"
    xs = _finite(x for s in chart.series for x in s.x)
    ys = _finite(y for s in chart.series for y in s.values)
    q = chart.quadrants or {}
    height_pts = fig.get_figheight() * 72
    biggest = max((abs(v) for s in chart.series for v in s.sizes), default=0) or 1.0
    max_area = math.pi * (0.085 * height_pts) ** 2  # the biggest bubble is ~17% of the height across
    # Margins in data share: enough for the biggest bubble's radius (the plot is ~80% of the figure).
    pad_x = 0.085 * height_pts / (0.8 * fig.get_figwidth() * 72) + 0.02 if bubble else 0.06
    pad_y = 0.085 / 0.8 + 0.02 if bubble else 0.08
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
    items, handles = [], []
    for i, s in enumerate(chart.series):
        areas = [max(18.0, max_area * abs(v) / biggest) for v in s.sizes] if bubble and s.sizes else \
            [28.0] * len(s.values)
        ax.scatter(s.x, s.values, s=areas, color=style.color(i), alpha=0.8 if bubble else 1.0,
                   edgecolors="#FFFFFF", linewidths=0.8, zorder=3, clip_on=False)
        # A legend key of fixed size: the data's own marker could be the biggest bubble.
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=7, color=style.color(i),
                              alpha=0.8 if bubble else 1.0))
        names = list(s.points) + [""] * (len(s.values) - len(s.points))
        if chart.value_labels:
            names = [f"{p} {t}".strip() for p, t in zip(names, _labels(s))]
        for x, y, area, name in zip(s.x, s.values, areas, names):
            text = ax.annotate(name, (x, y), xytext=(0, 0), textcoords="offset points", zorder=4,
                               **style.kw(size=style.size - 0.5)) if name else None
            items.append((x, y, math.sqrt(area / math.pi), text, None))
    for axis, (lo, hi) in zip((ax.xaxis, ax.yaxis), limits):
        ticks = [t for t in _nice_ticks(lo, hi) if lo - 1e-9 <= t <= hi + 1e-9]
        _value_axis(axis, ticks, style)
        (ax.set_xlim if axis is ax.xaxis else ax.set_ylim)(lo, hi)
    _frame(ax, style, grid=None if q else "both", spines=("left", "bottom"))
    obstacles = []
    if q:
        line = {"color": style.muted, "linestyle": (0, (4, 3)), "linewidth": 0.8, "zorder": 1}
        obstacles += [ax.axvline(q["x"], **line), ax.axhline(q["y"], **line)]
        spots = [(0.015, 0.985, "left", "top"), (0.985, 0.985, "right", "top"),
                 (0.015, 0.015, "left", "bottom"), (0.985, 0.015, "right", "bottom")]
        for name, (x, y, ha, va) in zip(q.get("labels") or [], spots):
            obstacles.append(ax.text(x, y, name, transform=ax.transAxes, ha=ha, va=va, zorder=2,
                                     **style.kw(bold=True, color=style.muted)))
    _axis_labels(ax, chart, style)
    if len(chart.series) > 1:
        _legend(fig, handles, [s.name for s in chart.series], style)
    _place_labels(fig, ax, items, obstacles)


def _around(r: float, gap: float = 2.5) -> list:
    """Places for a point's name, in order of preference: above, right, below, left, diagonals."""
    places = []
    for extra in (0, 7):  # then the same sides a little farther out
        d, g = r + gap + extra, r * 0.72 + gap + extra
        places += [((0, d), "center", "bottom"), ((d, 0), "left", "center"), ((0, -d), "center", "top"),
                   ((-d, 0), "right", "center"), ((g, g), "left", "bottom"), ((-g, g), "right", "bottom"),
                   ((g, -g), "left", "top"), ((-g, -g), "right", "top")]
    return places


def _place_labels(fig, ax, items, obstacles, drop=False) -> None:
    """Greedy placement of point labels: the first candidate place that hits nothing.

    `items` are (x, y, marker radius in points, annotation or None, candidates or None).
    Every marker, every placed label and the `obstacles` (artists) are avoided, and labels
    stay inside the plot; with `drop`, a label that fits nowhere is left out (value labels
    on crowded lines) rather than printed over another. The layout is run once and then
    frozen, so what is measured here is what is saved.
    """
    for item in items:  # labels move after the layout, so the layout must not make room for them
        if item[3] is not None:
            item[3].set_in_layout(False)
    fig.canvas.draw()
    fig.set_layout_engine("none")
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    scale = fig.dpi / 72
    boxes = [o.get_window_extent(renderer).padded(1.5 * scale) for o in obstacles]
    for x, y, r, _, _ in items:
        cx, cy = ax.transData.transform((x, y))
        boxes.append(Bbox.from_extents(cx - r * scale, cy - r * scale, cx + r * scale, cy + r * scale))
    frame = ax.get_window_extent(renderer)
    for x, y, r, text, candidates in items:
        if text is None:
            continue
        best = None
        for offset, ha, va in candidates or _around(r):
            text.set_position(offset)
            text.set_ha(ha)
            text.set_va(va)
            bbox = text.get_window_extent(renderer)
            outside = bbox.width * bbox.height - _overlap(bbox, frame)
            cost = sum(_overlap(bbox, b) for b in boxes) + 4 * outside
            if best is None or cost < best[0] - 1e-6:
                best = (cost, offset, ha, va, bbox)
            if cost == 0:
                break
        cost, offset, ha, va, bbox = best
        if drop and cost > 0:
            text.set_visible(False)
            continue
        text.set_position(offset)
        text.set_ha(ha)
        text.set_va(va)
        boxes.append(bbox)


def _overlap(a, b) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


DRAWERS = {"bar": _bars, "barh": _bars, "grouped_bar": _bars, "stacked_bar": _bars, "line": _line,
           "pie": _pie, "donut": _pie, "bar_line": _bar_line, "scatter": _scatter, "bubble": _scatter}


def _check(chart: Chart) -> None:
    """The checks pass's rules for charts, again: a chart drawn without a build (a test, a
    tool) gets the same located messages instead of a matplotlib error."""
    problems = chart_problems(chart)
    if problems:
        raise ReportgenError([Diagnostic(chart.loc, p, "error", "chart") for p in problems])


def _draw(chart: Chart, layout: Layout, faces: Faces):
    """The chart as a laid-out matplotlib Figure with an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    _check(chart)
    # Missing values (None) become NaN: no bar, a gap in a line, no label.
    nan = float("nan")
    chart = replace(chart, series=[replace(s, values=[nan if v is None else float(v) for v in s.values])
                                   for s in chart.series])
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
    try:
        DRAWERS[chart.type](fig, ax, chart, style, slot)
    except (ArithmeticError, ValueError, TypeError) as exc:
        # Values the checks let through but matplotlib's arithmetic cannot place (e.g. a
        # span too small for a float): still the chart's problem, told at the chart.
        raise ReportgenError(f"this chart cannot be drawn from its values ({exc}); check its data and `scale:`",
                             chart.loc) from None
    return fig
