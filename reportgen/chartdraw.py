"""Chart drawing: a resolved `Chart` becomes a print-resolution PNG or a vector SVG, cached by content.

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

from .errors import Diagnostic, ReportgenError
from .fonts import FORMAT_VERSION as FONTS_FORMAT
from .fonts import Faces
from .layout import Layout
from .linebreak import han_latin_spaced
from .model import Chart

FORMAT_VERSION = "3"  # bump when the drawing changes, so cached PNGs are redrawn
DPI = 220  # the spec asks for at least 200 dpi at print size
TYPES = ("bar", "barh", "grouped_bar", "stacked_bar", "line", "pie", "donut", "bar_line", "scatter", "bubble")
BREAK_GAP = 1.6  # slots between two years with skipped years between them (the gap holds the break mark)
# Category colours differ in CIELAB lightness by at least this much (fewer colours: more),
# so that they stay apart in greyscale print and for readers who confuse hues.
MIN_LIGHTNESS_STEP = 8.0
_CLOSING = set("，。、；：？！）》」』】〉”’,.;:?!)]}%")  # never start a wrapped line with these

_registered: set[str] = set()
_register_lock = threading.Lock()


# ---------------------------------------------------------------- cache


def _mpl_version() -> str:
    from .cachefiles import installed_version  # cheaper than importing matplotlib on a cache hit

    return installed_version("matplotlib")


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    """The drawing code itself: a change to how charts are drawn must not reuse old pictures."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


FORMATS = ("png", "svg")  # a picture at DPI, or vector drawing with its text kept as text


# chart_key's answers in this process, by the identity of the (frozen) chart and the layout:
# a build asks for each chart's file name when it looks for undrawn charts and again when it
# writes, for the PDF and the Word file.
_KEYS: dict = {}


# Chart types Word draws itself from a chart part (`writers/docx_chart.py`).
NATIVE_IN_WORD = ("bar", "barh", "grouped_bar", "stacked_bar", "line", "pie", "donut", "bar_line", "scatter", "bubble")


def native_in_word(chart: Chart) -> bool:
    """Whether Word draws this chart itself; otherwise it is placed as the PDF's picture.

    Quadrant lines and their corner names (scatter and bubble charts with `quadrants:`) have
    no chart-part equivalent: Word's axes cross once, at the edge or at a value, and cannot
    carry the four names. Growth arrows (`cagr:`) and a donut's centre text have none either:
    a native chart would drop the rate or the total, so such a chart is the picture too.
    (Here, not beside the Word writer: a build decides which pictures Word needs without
    importing python-docx.)"""
    return chart.type in NATIVE_IN_WORD and not chart.quadrants and not chart.cagr and not chart.centre


def chart_key(chart: Chart, layout: Layout, faces: Faces, fmt: str = "png") -> str:
    """The sha256 of everything the drawing depends on; its file name is made from it."""
    memo = (id(chart), id(layout), faces.family, faces.latin, fmt, FORMAT_VERSION)
    found = _KEYS.get(memo)
    if found is not None and found[0] is chart and found[1] is layout:
        return found[2]
    if len(_KEYS) > 4096:
        _KEYS.clear()
    key = _chart_key(chart, layout, faces, fmt)
    _KEYS[memo] = (chart, layout, key)
    return key


def _chart_key(chart: Chart, layout: Layout, faces: Faces, fmt: str) -> str:
    # The faces count by what they draw (family, variant, how they were made), not by file:
    # a face cut for more characters draws these ones identically.
    payload = {
        "format": FORMAT_VERSION, "code": _code_digest(), "dpi": DPI, "matplotlib": _mpl_version(),
        "file": fmt,
        "chart": {
            "type": chart.type, "categories": chart.categories, "series": [asdict(s) for s in chart.series],
            "title": chart.title, "x_label": chart.x_label, "y_label": chart.y_label,
            "y2_label": chart.y2_label, "value_labels": chart.value_labels, "quadrants": chart.quadrants,
            "width": chart.width, "height": chart.height, "marks": chart.marks,
            "cagr": [asdict(g) for g in chart.cagr], "centre": chart.centre,
        },
        "layout": {"text_width": layout.text_width, "palette": layout.palette,
                   "colors": layout.colors, "sizes": layout.sizes},
        "faces": [faces.family, faces.latin, FONTS_FORMAT],
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def render_chart(chart: Chart, layout: Layout, faces: Faces, cache_dir: Path, fmt: str = "png") -> Path:
    """Draw a resolved chart to a PNG or an SVG in cache_dir, named by the hash of everything it
    is drawn from; reuse it when present."""
    if chart.type not in TYPES:
        raise ReportgenError(f"chart type `{chart.type}` is not known (types: {', '.join(TYPES)})", chart.loc)
    if fmt not in FORMATS:
        raise ValueError(f"chart file format {fmt!r} is not one of {FORMATS}")
    cache_dir = Path(cache_dir)
    target = cache_dir / f"chart-{chart_key(chart, layout, faces, fmt)[:32]}.{fmt}"
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
            # A private temporary name, then an atomic rename: parallel builds never see half a file.
            save(target, lambda tmp: _save(fig, tmp, fmt, faces))
        except UserWarning:
            raise ReportgenError(f"this chart is too small for its labels at the layout's `sizes.small` "
                                 f"({layout.sizes.get('small', 8):g} pt): make it wider or taller (`width:`, "
                                 "`height:`), or give it fewer categories", chart.loc) from None
    return target


def _save(fig, path: Path, fmt: str, faces: Faces) -> None:
    """Write a drawn figure: PNG at DPI, or SVG whose text stays text in the report's faces."""
    if fmt == "png":
        with open(path, "wb") as fh:
            fig.savefig(fh, format="png", dpi=DPI, metadata={"Software": None})
        return
    from matplotlib import rc_context
    from matplotlib.text import Text

    # Every text is drawn from a face *file*, which SVG cannot name: give each text the face's
    # family and weight, which the PDF writer maps back to the same embedded faces.
    bold = str(faces.bold)
    for text in fig.findobj(Text):
        prop = text.get_fontproperties()
        prop.set_family(faces.family)
        prop.set_weight(700 if prop.get_file() == bold else 400)
    # A fixed hash salt: the ids of clip paths are otherwise random, and the file with them.
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "reportgen", "svg.image_inline": True}), \
            open(path, "wb") as fh:
        fig.savefig(fh, format="svg", metadata={"Date": None, "Creator": None})


def alt_text(chart: Chart) -> str:
    """What a chart shows, for readers who cannot see it: its `alt:` when the model has one,
    else its caption's text, else its title, else what its axes and series are named."""
    from .model import plain

    given = (getattr(chart, "alt", "") or (plain(chart.caption.inlines) if chart.caption else "")
             or chart.title).strip()
    if given:
        return given
    names = [n for n in (chart.y_label, chart.x_label, chart.y2_label, *(s.name for s in chart.series)) if n]
    return "; ".join(dict.fromkeys(names)) or ", ".join(chart.categories)


def svg_size(path) -> tuple[float, float]:
    """The width and height, in points, of an SVG this module wrote."""
    import re

    with open(path, "rb") as fh:
        head = fh.read(4096).decode("utf-8", "replace")
    root = re.search(r"<svg\b[^>]*>", head)
    sizes = [re.search(rf'\b{side}="([0-9.]+)pt"', root.group(0)) if root else None for side in ("width", "height")]
    if not all(sizes):
        raise ReportgenError(f"the drawn chart `{path}` is not an SVG reportgen wrote; delete the cache folder "
                             "and build again")
    return float(sizes[0].group(1)), float(sizes[1].group(1))


# ---------------------------------------------------------------- style


class _Style:
    """Fonts and colours of one layout, shared by every drawing function."""

    def __init__(self, layout: Layout, faces: Faces, count: int = 1):
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
        self.palette = category_colors(tuple(layout.palette) or ("#1F4E79",), count)

    def color(self, i: int) -> str:
        return self.palette[i % len(self.palette)]

    def kw(self, bold=False, size=None, color=None) -> dict:
        """Keyword arguments for a text artist; `parse_math` off so a `$` is just a dollar."""
        size = size or self.size
        return {"fontproperties": self.bold(size) if bold else self.regular(size),
                "color": color or self.text, "parse_math": False}


def lightness_step(count: int) -> float:
    """The least CIELAB lightness difference between any two of `count` category colours: wide
    for a few colours, narrowing so that up to ten still fit between dark and light."""
    return max(MIN_LIGHTNESS_STEP, min(18.0, 45.0 / max(count - 1, 1)))


@functools.lru_cache(maxsize=64)
def category_colors(palette: tuple[str, ...], count: int) -> list[str]:
    """`count` colours for categories from the layout's palette, told apart by lightness as well
    as hue. In the palette's order, a colour is taken when it is at least `lightness_step`
    lighter or darker than every colour taken and clearly another colour (CIEDE2000 ≥ 20);
    greys wait until the colours run out (a grey reads as "other"). When too few qualify,
    the rest follow in order and the lightness of all is spread evenly, hue kept. Beyond the
    palette's length, colours repeat."""
    from coloraide import Color

    count = max(1, min(count, len(palette)))
    step = lightness_step(count)
    lab = [Color(c).convert("lab-d65") for c in palette]
    grey = [Color(c).convert("lch-d65")["chroma"] < 6 for c in palette]

    def fits(k, chosen):
        return all(abs(lab[k]["lightness"] - lab[j]["lightness"]) >= step - 1e-9
                   and lab[k].delta_e(lab[j], method="2000") >= 20 for j in chosen)

    chosen = [0]
    for greys in (False, True):
        for k in range(len(palette)):
            if len(chosen) < count and k not in chosen and grey[k] == greys and fits(k, chosen):
                chosen.append(k)
    chosen += [k for k in range(len(palette)) if k not in chosen][:count - len(chosen)]
    colors = [lab[k].clone() for k in chosen]
    order = sorted(range(count), key=lambda k: colors[k]["lightness"])
    values = [colors[k]["lightness"] for k in order]
    if count > 1 and min(b - a for a, b in zip(values, values[1:])) < step - 1e-9:
        # Evenly spaced lightness around the colours' own middle, kept within printable tones.
        # A little over the step: rounding to 8-bit sRGB moves lightness by a few tenths.
        spaced = step + 0.5
        span = spaced * (count - 1)
        low = min(max(sum(values) / count - span / 2, 22.0), 94.0 - span)
        for rank, k in enumerate(order):
            colors[k]["lightness"] = low + rank * spaced
    # Into sRGB by lowering chroma at constant CIE lightness, so the spacing survives.
    return [c.convert("srgb").fit("srgb", method="lch-chroma").to_string(hex=True, upper=True) for c in colors]


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


def _category_axis(axis, positions, categories, style: _Style, slot: float) -> None:
    prop = style.regular()
    labels = [_wrap(c, slot, prop) for c in categories]
    axis.set_ticks(positions, labels, **style.kw(color=style.muted))


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


# ---------------------------------------------------------------- time axis


def _years(chart: Chart) -> list[int] | None:
    """The categories as years when every one is a year, in rising order (else None)."""
    keys = list(chart.categories)
    if len(keys) < 2 or not all(isinstance(c, str) and len(c) == 4 and c.isdigit() for c in keys):
        return None
    years = [int(c) for c in keys]
    return years if all(b > a for a, b in zip(years, years[1:])) else None


def _positions(chart: Chart) -> tuple[list[float], list[float]]:
    """Where each category sits along the axis, and where the axis breaks.

    Categories that are years are spaced by year: consecutive years one slot apart, and where
    years are skipped (2025 → 2031) a wider gap that carries a break mark, so evenly spaced
    bars never pretend that 2025 and 2031 are neighbours. Other categories: one slot each.
    """
    n = len(chart.categories)
    years = _years(chart)
    if years is None:
        return [float(k) for k in range(n)], []
    positions, breaks = [0.0], []
    for before, year in zip(years, years[1:]):
        if year - before == 1:
            positions.append(positions[-1] + 1)
        else:
            positions.append(positions[-1] + BREAK_GAP)
            breaks.append(positions[-1] - BREAK_GAP / 2)
    return positions, breaks


def _break_marks(ax, breaks, style: _Style) -> None:
    """A `//` cut into the category axis at each skipped run of years."""
    from matplotlib.path import Path as Shape
    from matplotlib.transforms import blended_transform_factory

    trans = blended_transform_factory(ax.transData, ax.transAxes)
    # Marker shapes, in marker units: a white gap through the axis line, and two strokes across it.
    gap = Shape([(-1.2, -2), (1.2, -2), (1.2, 2), (-1.2, 2), (-1.2, -2)])
    strokes = Shape([(-2.6, -2.4), (-0.6, 2.4), (0.6, -2.4), (2.6, 2.4)],
                    [Shape.MOVETO, Shape.LINETO, Shape.MOVETO, Shape.LINETO])
    for x in breaks:
        ax.plot([x], [0], transform=trans, marker=gap, markersize=9, markerfacecolor="#FFFFFF",
                markeredgewidth=0, linestyle="none", clip_on=False, zorder=6)
        ax.plot([x], [0], transform=trans, marker=strokes, markersize=11, markerfacecolor="none",
                markeredgecolor=style.muted, markeredgewidth=0.9, linestyle="none", clip_on=False, zorder=6.1)


def _slot(fig, positions) -> float:
    """How wide (points) a category label may be: its share of the plot width, less some air."""
    units = (positions[-1] - positions[0] + 1) if positions else 1
    return 0.85 * fig.get_figwidth() * 72 / max(units, 1) * 0.92


def _growth_room(chart: Chart, style: _Style, fig) -> float:
    """The share of the value axis kept free above the data for growth arrows and their labels."""
    if not chart.cagr:
        return 0.0
    plot_pts = 0.7 * fig.get_figheight() * 72
    return min(0.6, len(chart.cagr) * (2.6 * style.size + 6) / plot_pts)


# ---------------------------------------------------------------- chart types


def _bar_labels(ax, series, containers, style: _Style, horizontal: bool, stacked: bool, items: list) -> None:
    """Value labels of bars: outside the bar's end, else inside it in the bar's ink, else (when
    neither place is free) left out; stacked segments carry theirs inside, when they fit."""
    size = style.size - 0.5
    for i, (s, bars) in enumerate(zip(series, containers)):
        ink = _ink_on(style.color(i), style)
        for bar, v, text in zip(bars, s.values, _labels(s)):
            if not text or not math.isfinite(v):
                continue
            x, y, w, h = bar.get_x(), bar.get_y(), bar.get_width(), bar.get_height()
            if stacked:
                label = ax.annotate(text, (x + w / 2, y + h / 2), xytext=(0, 0), textcoords="offset points",
                                    ha="center", va="center", zorder=4, **style.kw(color=ink, size=size))
                # Inside its own segment or not at all: it has no other place.
                items.append((x + w / 2, y + h / 2, 0.0, label, [((0, 0), "center", "center", {"inside": True})], bar))
                continue
            if horizontal:
                end = (x + w, y + h / 2)
                sign = 1 if v >= 0 else -1
                side = "left" if sign > 0 else "right"
                inner = "right" if sign > 0 else "left"
                places = [((2 * sign, 0), side, "center", {}),
                          ((-3 * sign, 0), inner, "center", {"color": ink, "inside": True}),
                          ((2 * sign, 0), side, "center", {"size": size - 1})]
            else:
                end = (x + w / 2, y + h)
                sign = 1 if v >= 0 else -1
                side = "bottom" if sign > 0 else "top"
                inner = "top" if sign > 0 else "bottom"
                places = [((0, 2 * sign), "center", side, {}),
                          ((0, -3 * sign), "center", inner, {"color": ink, "inside": True}),
                          ((0, 2 * sign), "center", side, {"size": size - 1}),
                          ((0, -3 * sign), "center", inner, {"color": ink, "size": size - 1, "inside": True})]
            label = ax.annotate(text, end, xytext=places[0][0], textcoords="offset points", ha=places[0][1],
                                va=places[0][2], zorder=4, **style.kw(size=size))
            items.append((end[0], end[1], 0.0, label, places, bar))


def _bars(fig, ax, chart: Chart, style: _Style, slot: float) -> None:
    """Vertical or horizontal bars: one series, grouped series, or stacked series."""
    horizontal = chart.type == "barh"
    stacked = chart.type == "stacked_bar"
    series, n = chart.series, len(chart.categories)
    positions, breaks = ([float(k) for k in range(n)], []) if horizontal else _positions(chart)
    group = 1 if stacked else len(series)
    width = 0.6 if group == 1 else min(0.8, 0.28 * group) / group
    pos_base, neg_base = [0.0] * n, [0.0] * n
    containers = []
    for i, s in enumerate(series):
        offset = 0.0 if group == 1 else (i - (group - 1) / 2) * width
        where = [positions[k] + offset for k in range(n)]
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
    headroom = (0.1 if chart.value_labels and not stacked else 0.0) + _growth_room(chart, style, fig)
    ticks = _nice_ticks(*_data_span(values, headroom=headroom))
    percent = _is_percent(series)
    if horizontal:
        _value_axis(ax.xaxis, ticks, style, percent=percent)
        _category_axis(ax.yaxis, positions, chart.category_labels, style, 0.3 * fig.get_figwidth() * 72)
        ax.set_ylim(n - 0.5, -0.5)  # first category on top
        _frame(ax, style, grid="x", spines=("left",))
    else:
        _value_axis(ax.yaxis, ticks, style, percent=percent)
        _category_axis(ax.xaxis, positions, chart.category_labels, style, _slot(fig, positions))
        ax.set_xlim(positions[0] - 0.5, positions[-1] + 0.5)
        _frame(ax, style)
        _break_marks(ax, breaks, style)
    _zero_line(ax, ticks, style, vertical=horizontal)
    items = []
    if chart.value_labels:
        _bar_labels(ax, series, containers, style, horizontal, stacked, items)
    _axis_labels(ax, chart, style)
    if len(series) > 1:
        _legend(fig, containers, [s.name for s in series], style)
    _settle(fig, ax, chart, style, items, positions)


def _line_series(ax, s, i, xs, style: _Style, breaks=(), marker="o"):
    """A series' line and markers; across a break in a year axis the line goes dashed and thin,
    since the years between are not drawn."""
    values = list(s.values)
    (line,) = ax.plot(xs, values, color=style.color(i), linewidth=1.8, marker=marker, markersize=5,
                      markerfacecolor=style.color(i), markeredgecolor="#FFFFFF", markeredgewidth=0.8,
                      label=s.name, zorder=3, clip_on=False)
    if breaks:
        line.set_linestyle("none")  # the markers here; the segments below, each in its own style
        for k in range(1, len(xs)):
            a, b = values[k - 1], values[k]
            if not (math.isfinite(a) and math.isfinite(b)):
                continue
            across = any(xs[k - 1] < br < xs[k] for br in breaks)
            ax.plot([xs[k - 1], xs[k]], [a, b], color=style.color(i), zorder=2.9, clip_on=False,
                    linewidth=1.0 if across else 1.8, linestyle=(0, (3, 2)) if across else "-")
        from matplotlib.lines import Line2D

        return Line2D([], [], color=style.color(i), linewidth=1.8, marker=marker, markersize=5,
                      markerfacecolor=style.color(i), markeredgecolor="#FFFFFF")  # the legend's key
    return line


def _line_labels(ax, series, positions, style: _Style, items: list, boxed=False) -> None:
    """Each value label above or below its point, whichever is free (the top line's above)."""
    for i, s in enumerate(series):
        for k, (v, text) in enumerate(zip(s.values, _labels(s))):
            if not text or not math.isfinite(v):
                continue
            column = _finite(t.values[k] for t in series)
            up = [((0, 5), "center", "bottom", {}), ((0, -5), "center", "top", {}),
                  ((5, 0), "left", "center", {}), ((-5, 0), "right", "center", {})]
            prefer = up if v >= max(column) or len(series) == 1 else [up[1], up[0]] + up[2:]
            kw = style.kw(size=style.size - 0.5)
            label = ax.annotate(text, (positions[k], v), xytext=(0, 5), textcoords="offset points", zorder=5, **kw)
            if boxed:  # over bars: a white ground keeps the figures readable
                label.set_bbox({"boxstyle": "square,pad=0.15", "facecolor": "#FFFFFF", "edgecolor": "none"})
            items.append((positions[k], v, 3.0, label, prefer, None))


def _line(fig, ax, chart: Chart, style: _Style, slot: float) -> None:
    """Lines over categories; each value label goes above or below its point, whichever is free."""
    series = chart.series
    positions, breaks = _positions(chart)
    values = _finite(v for s in series for v in s.values)
    lo, hi = min(values, default=0), max(values, default=1)
    zero = lo >= 0 and lo < 0.5 * hi  # start at zero unless that flattens the lines
    headroom = (0.1 if chart.value_labels else 0.0) + _growth_room(chart, style, fig)
    ticks = _nice_ticks(*_data_span(values, zero=zero, headroom=headroom))
    lines = [_line_series(ax, s, i, positions, style, breaks) for i, s in enumerate(series)]
    _value_axis(ax.yaxis, ticks, style, percent=_is_percent(series))
    _category_axis(ax.xaxis, positions, chart.category_labels, style, _slot(fig, positions))
    ax.set_xlim(positions[0] - 0.4, positions[-1] + 0.4)
    _frame(ax, style)
    _break_marks(ax, breaks, style)
    _zero_line(ax, ticks, style)
    _axis_labels(ax, chart, style)
    if len(series) > 1:
        _legend(fig, lines, [s.name for s in series], style)
    items = []
    if chart.value_labels:
        _line_labels(ax, series, positions, style, items)
    _settle(fig, ax, chart, style, items, positions)


def _aligned_ticks(left_values, right_values, most: int = 7) -> tuple[list[float], list[float]]:
    """Ticks for two value axes with their zeros at the same height and one set of grid lines:
    the same number of intervals below zero and above it on both sides."""
    def span(values):
        lo, hi = min(values + [0.0]), max(values + [0.0])
        return lo, hi if hi > lo else lo + 1.0

    (lo_l, hi_l), (lo_r, hi_r) = span(left_values), span(right_values)
    step_l, step_r = _nice_step((hi_l - lo_l) / 5), _nice_step((hi_r - lo_r) / 5)
    while True:
        below = max(math.ceil(-lo_l / step_l - 1e-9), math.ceil(-lo_r / step_r - 1e-9), 0)
        above = max(math.ceil(hi_l / step_l - 1e-9), math.ceil(hi_r / step_r - 1e-9), 1)
        if below + above <= most:
            break
        # Widen the step of the side that asks for more intervals.
        need_l = math.ceil(-lo_l / step_l - 1e-9) + math.ceil(hi_l / step_l - 1e-9)
        need_r = math.ceil(-lo_r / step_r - 1e-9) + math.ceil(hi_r / step_r - 1e-9)
        if need_l >= need_r:
            step_l = _nice_step(step_l * 1.0001)
        else:
            step_r = _nice_step(step_r * 1.0001)
    ticks = range(-below, above + 1)
    return [k * step_l for k in ticks], [k * step_r for k in ticks]


def _bar_line(fig, ax, chart: Chart, style: _Style, slot: float) -> None:
    """Bars on the left axis, lines on the right, both axes with their zero at one height.

    Both axes get the same intervals below and above zero, so one set of grid lines serves
    both and a 0% on the right sits where the bars start, never part-way up the bars. Line
    labels carry a white ground and avoid the bars' labels.
    """
    n = len(chart.categories)
    positions, breaks = _positions(chart)
    explicit = any(s.axis == "right" for s in chart.series)  # otherwise every line goes right
    bars, lines = [], []
    for s in chart.series:
        kind = s.kind or ("line" if s.axis == "right" else "bar")
        right = s.axis == "right" if explicit else kind == "line"
        (lines if kind == "line" else bars).append((s, right))
    ax2 = ax.twinx()
    handles, containers = [], []
    width = min(0.8, 0.28 * len(bars)) / max(len(bars), 1) if len(bars) > 1 else 0.55
    for i, (s, right) in enumerate(bars):
        offset = (i - (len(bars) - 1) / 2) * width
        target = ax2 if right else ax
        container = target.bar([positions[k] + offset for k in range(n)], s.values,
                               width * (0.92 if len(bars) > 1 else 1), color=style.color(i), label=s.name, zorder=2)
        handles.append(container)
        containers.append(container)
    for j, (s, right) in enumerate(lines):
        target = ax2 if right else ax
        handles.append(_line_series(target, s, len(bars) + j, positions, style, breaks))
    room = 1 + (0.1 if chart.value_labels else 0.0) + _growth_room(chart, style, fig)
    left_values = _finite(v for s, r in bars + lines if not r for v in s.values)
    right_values = _finite(v for s, r in bars + lines if r for v in s.values)
    # Headroom over the data for labels and arrows, on both sides alike.
    left, right = _aligned_ticks([v * room if v > 0 else v for v in left_values] or [0.0],
                                 [v * room if v > 0 else v for v in right_values] or [0.0])
    _value_axis(ax.yaxis, left, style, percent=_is_percent([s for s, r in bars + lines if not r]))
    if right_values:
        _value_axis(ax2.yaxis, right, style, percent=_is_percent([s for s, r in bars + lines if r]))
    else:
        ax2.set_ylim(left[0], left[-1])
        ax2.set_yticks([])
    _category_axis(ax.xaxis, positions, chart.category_labels, style, _slot(fig, positions))
    ax.set_xlim(positions[0] - 0.5, positions[-1] + 0.5)
    _frame(ax, style)
    _frame(ax2, style, grid=None, spines=())
    _break_marks(ax, breaks, style)
    _zero_line(ax, left, style)
    _axis_labels(ax, chart, style)
    _legend(fig, handles, [s.name for s, _ in bars + lines], style)
    items = []
    if chart.value_labels:
        for i, ((s, right), container) in enumerate(zip(bars, containers)):
            _bar_labels(ax2 if right else ax, [s], [container], _Shifted(style, i), False, False, items)
        for j, (s, right) in enumerate(lines):
            _line_labels(ax2 if right else ax, [s], positions, _Shifted(style, len(bars) + j), items, boxed=True)
    _settle(fig, ax, chart, style, items, positions, axes=(ax, ax2))


class _Shifted:
    """A style whose colour 0 is another style's colour `i` (one series drawn on its own)."""

    def __init__(self, style: _Style, i: int):
        self._style, self._i = style, i

    def __getattr__(self, name):
        return getattr(self._style, name)

    def color(self, i: int) -> str:
        return self._style.color(self._i + i)


def _nice_step(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is at least x."""
    exp = 10 ** math.floor(math.log10(x))
    return next(m * exp for m in (1, 2, 2.5, 5, 10) if m * exp >= x * (1 - 1e-12))


# ---------------------------------------------------------------- settling labels and arrows


def _settle(fig, ax, chart: Chart, style: _Style, items: list, positions, axes=None) -> None:
    """Lay the figure out once, freeze it, then place the value labels without overlaps and
    draw the growth arrows above everything in their period."""
    obstacles = [t for a in (axes or (ax,)) for t in a.texts if t not in {item[3] for item in items}]
    boxes = _place_labels(fig, ax, items, obstacles, drop=True)
    if chart.cagr:
        _growth_arrows(fig, ax, chart, style, positions, boxes, axes or (ax,))


def _growth_arrows(fig, ax, chart: Chart, style: _Style, positions, boxes: list, axes) -> None:
    """Each growth rate as an arrow over its period, its label above the arrow's middle, higher
    than every bar, point and label in the period (and than the arrows before it).

    Heights are found in display units, then drawn in data units: the picture may be saved
    at another resolution (or as vectors) than the one measured here."""
    renderer = fig.canvas.get_renderer()
    scale = fig.dpi / 72
    tops = [(box.x0, box.x1, box.y1) for box in boxes]  # (x0, x1, top) of everything in the plot
    for a in axes:
        for artist in list(a.patches) + list(a.lines):
            if artist.get_visible():
                extent = artist.get_window_extent(renderer)
                if extent.width > 0 or extent.height > 0:
                    tops.append((extent.x0, extent.x1, extent.y1))
    frame = ax.get_window_extent(renderer)
    to_data = ax.transData.inverted()
    for growth in chart.cagr:
        # Ends a little inside the categories' centres: arrows of neighbouring periods never touch.
        x0 = ax.transData.transform((positions[growth.start], 0))[0] + 3 * scale
        x1 = ax.transData.transform((positions[growth.end], 0))[0] - 3 * scale
        middle = (x0 + x1) / 2
        label = ax.annotate(growth.label, (0, 0), xytext=(0, 2.5), textcoords="offset points", ha="center",
                            va="bottom", zorder=6, annotation_clip=False, **style.kw(bold=True))
        label.set_in_layout(False)
        width = _text_box(label, renderer).width
        left, right = min(x0, middle - width / 2), max(x1, middle + width / 2)
        floor = max((t for a, b, t in tops if b > left - 2 * scale and a < right + 2 * scale), default=frame.y0)
        y = floor + 5 * scale
        (d0, dy), (d1, _) = to_data.transform((x0, y)), to_data.transform((x1, y))
        tick = abs(to_data.transform((x0, y + 3 * scale))[1] - dy)
        _arrow(ax, d0, d1, dy, tick, style)
        label.xy = ((d0 + d1) / 2, dy)
        box = _text_box(label, renderer)
        tops.append((min(left, box.x0), max(right, box.x1), box.y1))


def _arrow(ax, x0: float, x1: float, y: float, tick: float, style: _Style) -> None:
    """A horizontal arrow from x0 to x1 at height y (data units), with short ticks at both ends."""
    ax.annotate("", (x1, y), xytext=(x0, y), annotation_clip=False, zorder=6,
                arrowprops={"arrowstyle": "-|>,head_length=0.5,head_width=0.22", "color": style.muted,
                            "linewidth": 0.9, "shrinkA": 0, "shrinkB": 0, "mutation_scale": 10})
    for x in (x0, x1):
        ax.plot([x, x], [y - tick, y + tick], color=style.muted, linewidth=0.9, clip_on=False, zorder=6)


def _pie(fig, ax, chart: Chart, style: _Style, slot: float) -> None:
    """Pie or donut of the first series; percentages on the wedges, categories in a legend.

    Placed by hand rather than by the layout engine: the round plot and its legend are
    centred together as one group, which the engine (it centres the axes) cannot do. A
    label sits wholly inside its wedge (checked against the ring's edges, not only at the
    label's corners) or outside the ring on a leader; a donut's hole holds its total.
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
    placed_outside = []  # (side, y, half height) of outside labels, in radius units
    reach_left = reach_right = radius  # how far outside labels reach from the centre (inches)
    for wedge, value, text, color in zip(wedges, s.values, labels, colors):
        if value == 0 or not text:
            continue
        mid = math.radians((wedge.theta1 + wedge.theta2) / 2)
        cos, sin = math.cos(mid), math.sin(mid)
        # Inside when the label's whole box fits its wedge, at a few sizes and distances; a
        # label that would cross into the hole, over the rim or into a neighbour goes outside.
        placed = False
        for size in (label_size, label_size - 0.75, label_size - 1.25):
            w = _text_width(text, style.regular(size)) / 72 / radius
            h = 1.2 * size / 72 / radius
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
        half = 0.62 * label_size / 72 / radius  # half a label's height, with air
        y = ey
        # Away from every label already on this side (not only the last one).
        for _ in range(len(placed_outside) + 1):
            clash = [o for o in placed_outside if o[0] == sign and abs(y - o[1]) < half + o[2]]
            if not clash:
                break
            o = clash[0]
            y = o[1] + (half + o[2]) * (1 if y >= o[1] else -1)
        placed_outside.append((sign, y, half))
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
    if donut and chart.centre:
        # The hole's width, less air: the total wraps (and shrinks) until it fits inside.
        room = 2 * (inner - 0.08) * radius * 72
        for size in (style.size + 1, style.size, style.size - 1):
            text = _wrap(chart.centre, room, style.bold(size))
            lines = text.split("\n")
            if _text_width(text, style.bold(size)) <= room and len(lines) * 1.25 * size <= room:
                break
        ax.text(0, 0, text, ha="center", va="center", linespacing=1.1, **style.kw(bold=True, size=size))
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
    between the angles theta1..theta2 (degrees, counter-clockwise), with a small margin.

    The box's nearest point to the centre is checked against the inner edge (a wide label's
    corners can clear the hole while the middle of its edge dips into it), its farthest
    corner against the rim, and points all round its outline against the wedge's sides."""
    x0, x1, y0, y1 = cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2
    nearest = math.hypot(min(max(0.0, x0), x1), min(max(0.0, y0), y1))
    farthest = max(math.hypot(x, y) for x in (x0, x1) for y in (y0, y1))
    if nearest < inner + pad or farthest > outer - pad:
        return False
    span = (theta2 - theta1) % 360 or 360
    if span >= 360:
        return True
    steps = 6
    outline = [(x0 + (x1 - x0) * k / steps, y) for k in range(steps + 1) for y in (y0, y1)]
    outline += [(x, y0 + (y1 - y0) * k / steps) for k in range(1, steps) for x in (x0, x1)]
    for x, y in outline:
        distance = max(math.hypot(x, y), 1e-9)
        angle = (math.degrees(math.atan2(y, x)) - theta1) % 360
        margin = math.degrees(pad / distance)  # the margin along the arc, as an angle at this distance
        if not margin <= angle <= span - margin:
            return False
    return True


def _scatter(fig, ax, chart: Chart, style: _Style, slot: float) -> None:
    """Points (or bubbles sized by area) with names beside them, and optional quadrants.

    Bubbles are scaled, once the plot's size is known, so that none covers another where
    the points allow it; a name placed away from its bubble gets a leader line to it.
    """
    from matplotlib.lines import Line2D

    bubble = chart.type == "bubble"
    xs = _finite(x for s in chart.series for x in s.x)
    ys = _finite(y for s in chart.series for y in s.values)
    q = chart.quadrants or {}
    height_pts = fig.get_figheight() * 72
    biggest = max((abs(v) for s in chart.series for v in s.sizes), default=0) or 1.0
    largest = 0.085 * height_pts  # the biggest bubble's radius: ~17% of the height across
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
    items, handles, collections, shares = [], [], [], []
    for i, s in enumerate(chart.series):
        share = [abs(v) / biggest for v in s.sizes] if bubble and s.sizes else [0.0] * len(s.values)
        areas = [max(18.0, math.pi * largest ** 2 * f) for f in share] if bubble and s.sizes else [28.0] * len(s.values)
        collections.append(ax.scatter(s.x, s.values, s=areas, color=style.color(i), alpha=0.85 if bubble else 1.0,
                                      edgecolors="#FFFFFF", linewidths=0.8, zorder=3, clip_on=False))
        shares.append(share)
        # A legend key of fixed size: the data's own marker could be the biggest bubble.
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=7, color=style.color(i),
                              alpha=0.85 if bubble else 1.0))
        names = list(s.points) + [""] * (len(s.values) - len(s.points))
        if chart.value_labels:
            names = [f"{p} {t}".strip() for p, t in zip(names, _labels(s))]
        for x, y, area, name in zip(s.x, s.values, areas, names):
            text = None
            if name:
                leader = {"arrowstyle": "-", "color": style.muted, "linewidth": 0.6, "shrinkA": 1, "shrinkB": 0}
                text = ax.annotate(name, (x, y), xytext=(0, 0), textcoords="offset points", zorder=4,
                                   arrowprops=leader, **style.kw(size=style.size - 0.5))
                text.set_in_layout(False)
            items.append([x, y, math.sqrt(area / math.pi), text, None, None])
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
    if bubble:
        _fit_bubbles(fig, ax, chart, collections, shares, items, largest)
    # A name with no free place even far out on a leader is left out, never printed over another.
    _place_labels(fig, ax, [tuple(item) for item in items], obstacles, drop=True)
    _leaders(fig, items)


def _fit_bubbles(fig, ax, chart: Chart, collections, shares, items, largest: float) -> None:
    """Shrink every bubble alike until no two overlap (areas keep their proportions), down to
    a third of the first size; points closer than that keep some overlap."""
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    scale = fig.dpi / 72
    points = []
    for s, share in zip(chart.series, shares):
        for x, y, f in zip(s.x, s.values, share):
            cx, cy = ax.transData.transform((x, y))
            points.append((cx / scale, cy / scale, math.sqrt(f)))
    radius = largest
    for k, (xa, ya, fa) in enumerate(points):
        for xb, yb, fb in points[k + 1:]:
            if fa + fb > 0:
                radius = min(radius, (math.hypot(xa - xb, ya - yb) - 2.0) / (fa + fb))
    radius = max(radius, largest / 3)
    k = 0
    for collection, share in zip(collections, shares):
        areas = [max(18.0, math.pi * (radius * math.sqrt(f)) ** 2) for f in share]
        collection.set_sizes(areas)
        for area in areas:
            items[k][2] = math.sqrt(area / math.pi)
            k += 1


def _leaders(fig, items) -> None:
    """A name set away from its bubble keeps a thin line to it; one beside it needs none."""
    renderer = fig.canvas.get_renderer()
    scale = fig.dpi / 72
    for x, y, r, text, _, _ in items:
        if text is None or text.arrow_patch is None:
            continue
        box = _text_box(text, renderer)
        cx, cy = text.axes.transData.transform((x, y))
        dx = max(box.x0 - cx, 0, cx - box.x1)
        dy = max(box.y0 - cy, 0, cy - box.y1)
        gap = math.hypot(dx, dy) / scale - r
        text.arrow_patch.set_visible(text.get_visible() and gap > 4)
        text.arrow_patch.shrinkB = (r + 0.5) * 1.0


def _around(r: float, gap: float = 2.5) -> list:
    """Places for a point's name, in order of preference: above, right, below, left, diagonals,
    then the same sides farther out (a bubble's name there gets a leader line)."""
    places = []
    for extra in (0, 7, 16, 28, 44, 64):
        d, g = r + gap + extra, r * 0.72 + gap + extra
        places += [((0, d), "center", "bottom", {}), ((d, 0), "left", "center", {}),
                   ((0, -d), "center", "top", {}), ((-d, 0), "right", "center", {}),
                   ((g, g), "left", "bottom", {}), ((-g, g), "right", "bottom", {}),
                   ((g, -g), "left", "top", {}), ((-g, -g), "right", "top", {})]
    return places


def _text_box(text, renderer):
    """A text's own box (an annotation's extent would include its leader line)."""
    from matplotlib.text import Text

    return Text.get_window_extent(text, renderer)


def _place_labels(fig, ax, items, obstacles, drop=False) -> list:
    """Greedy placement of labels: the first candidate place that hits nothing.

    `items` are (x, y, marker radius in points, annotation or None, candidates or None, the
    label's own bar or None); a candidate is (offset in points, ha, va, changes) where the
    changes may set `color`, `size`, and `inside` (the label must lie within its own bar).
    Every marker, every placed label and the `obstacles` (artists) are avoided, and labels
    stay inside the plot; with `drop`, a label that fits nowhere is left out rather than
    printed over another. The layout is run once and then frozen, so what is measured here
    is what is saved. Returns the boxes of the labels placed (display units).
    """
    for item in items:  # labels move after the layout, so the layout must not make room for them
        if item[3] is not None:
            item[3].set_in_layout(False)
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    scale = fig.dpi / 72
    boxes = []
    for o in obstacles:
        if o.get_visible() and not (hasattr(o, "get_text") and not o.get_text()):
            boxes.append((_text_box(o, renderer) if hasattr(o, "get_text") else o.get_window_extent(renderer))
                         .padded(1.5 * scale))
    markers = []  # (centre x, centre y, radius) in display units, one per item
    for x, y, r, text, _, _ in items:
        transform = (text.axes if text is not None else ax).transData
        cx, cy = transform.transform((x, y))
        markers.append((cx, cy, r * scale))
        if r > 0:
            boxes.append(Bbox.from_extents(cx - r * scale, cy - r * scale, cx + r * scale, cy + r * scale))
    frame = ax.get_window_extent(renderer)
    placed = []
    for index, (x, y, r, text, candidates, own) in enumerate(items):
        if text is None:
            continue
        color, size = text.get_color(), text.get_fontsize()
        own_box = own.get_window_extent(renderer) if own is not None else None
        best = None
        for offset, ha, va, changes in candidates or [(*c[:3], {}) for c in _around(r)]:
            text.set_position(offset)
            text.set_ha(ha)
            text.set_va(va)
            text.set_fontsize(changes.get("size", size))
            bbox = _text_box(text, renderer)
            area = bbox.width * bbox.height
            cost = sum(_overlap(bbox, b) for b in boxes + placed) + 4 * (area - _overlap(bbox, frame))
            if changes.get("inside"):
                cost += 4 * (area - (_overlap(bbox, own_box.padded(-1.0 * scale)) if own_box else 0.0))
            clash = cost
            if candidates is None:
                # A point's name should be nearer its own point than any other, or a reader
                # cannot tell whose it is (a preference: it never makes a label drop out).
                mine = _gap(bbox, markers[index])
                if any(_gap(bbox, m) < mine + 3 * scale for k, m in enumerate(markers) if k != index):
                    cost += 0.25 * area
            if best is None or cost < best[0] - 1e-6:
                best = (cost, offset, ha, va, changes, bbox, clash)
            if cost == 0:
                break
        cost, offset, ha, va, changes, bbox, clash = best
        if drop and clash > 0:
            text.set_visible(False)
            continue
        text.set_position(offset)
        text.set_ha(ha)
        text.set_va(va)
        text.set_fontsize(changes.get("size", size))
        text.set_color(changes.get("color", color))
        placed.append(bbox)
    return placed


def _gap(box, marker) -> float:
    """How far a box is from a round marker's edge (display units; 0 when they touch)."""
    cx, cy, r = marker
    dx = max(box.x0 - cx, 0.0, cx - box.x1)
    dy = max(box.y0 - cy, 0.0, cy - box.y1)
    return max(math.hypot(dx, dy) - r, 0.0)


def _overlap(a, b) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


DRAWERS = {"bar": _bars, "barh": _bars, "grouped_bar": _bars, "stacked_bar": _bars, "line": _line,
           "pie": _pie, "donut": _pie, "bar_line": _bar_line, "scatter": _scatter, "bubble": _scatter}


def _check(chart: Chart) -> None:
    """The checks pass's rules for charts, again: a chart drawn without a build (a test, a
    tool) gets the same located messages instead of a matplotlib error."""
    from .check import chart_problems

    problems = chart_problems(chart)
    if problems:
        raise ReportgenError([Diagnostic(chart.loc, p, "error", "chart") for p in problems])


def _spaced(chart: Chart) -> Chart:
    """The chart with a space wherever its texts put Han next to a Latin letter or digit
    (`共 281 个`, `60 周岁`), as the line engine spaces body text; matplotlib sets text as
    given. Word's chart data keeps the texts as written (Word spaces them itself)."""
    sp = han_latin_spaced
    quadrants = chart.quadrants
    if quadrants and quadrants.get("labels"):
        quadrants = {**quadrants, "labels": [sp(str(x)) for x in quadrants["labels"]]}
    return replace(
        chart, categories=tuple(sp(c) for c in chart.categories), title=sp(chart.title),
        x_label=sp(chart.x_label), y_label=sp(chart.y_label), y2_label=sp(chart.y2_label),
        centre=sp(chart.centre), quadrants=quadrants,
        cagr=tuple(replace(g, label=sp(g.label)) for g in chart.cagr),
        series=tuple(replace(s, name=sp(s.name), labels=tuple(sp(x) for x in s.labels),
                             points=tuple(sp(x) for x in s.points)) for s in chart.series))


def _draw(chart: Chart, layout: Layout, faces: Faces):
    """The chart as a laid-out matplotlib Figure with an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    _check(chart)
    chart = _spaced(chart)
    # Missing values (None) become NaN: no bar, a gap in a line, no label.
    nan = float("nan")
    chart = replace(chart, series=[replace(s, values=[nan if v is None else float(v) for v in s.values])
                                   for s in chart.series])
    count = len(chart.categories) if chart.type in ("pie", "donut") else len(chart.series)
    style = _Style(layout, faces, count)
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
