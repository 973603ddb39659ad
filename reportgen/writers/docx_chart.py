"""Native Word charts: a chart part (DrawingML `c:chartSpace`) with its data in an embedded
workbook, so a Word user can restyle the chart and edit its numbers.

python-docx has no chart support; this module adds what Word itself writes for an inserted
chart:

- `word/charts/chartN.xml`, the chart: one chart group per kind of series (`c:barChart`,
  `c:lineChart`, …) on shared or secondary axes, each series with its name, categories and
  values as cell references into the workbook *and* as cached values (what Word and
  LibreOffice draw until the data is edited), the layout's colours, fonts (Latin and East
  Asian), value labels with number formats that print what the PDF prints;
- `word/embeddings/Microsoft_Excel_WorksheetN.xlsx`, the workbook Word opens on "Edit Data"
  (written with XlsxWriter, with fixed document dates so builds stay reproducible);
- an inline `w:drawing` whose `a:graphicData` holds `c:chart r:id`, with the chart's
  alternative text on `wp:docPr descr`.

Each chart type is one function from the resolved `model.Chart` to chart groups and axes
(`_GROUPS`); what a type draws is read from the model only, so a new field of the model
(an annotation, a marked estimate year) is one change here. A chart Word cannot draw as the
PDF does (quadrant lines) is placed as a picture instead (`native`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from lxml import etree

from ..chartdraw import category_colors
from ..model import Chart, Series

NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
}
CHART_URI = NS["c"]
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = "Sheet1"
EMU_PER_PT = 12700
def _q(tag: str) -> str:
    prefix, name = tag.split(":")
    return f"{{{NS[prefix]}}}{name}"


def E(tag: str, attrs: dict | None = None, *children, text: str | None = None):
    """An element `prefix:name` with attributes and children (None children skipped)."""
    # Every prefix it uses is declared on it: left undeclared, lxml would name the namespace
    # after whatever some other library registered in this process (`r:` in one build,
    # `ns0:` in another), and two builds of one document would differ.
    prefixes = [tag] + [key for key in (attrs or {}) if ":" in key]
    node = etree.Element(_q(tag), nsmap={p.split(":")[0]: NS[p.split(":")[0]] for p in prefixes})
    for key, value in (attrs or {}).items():
        node.set(_q(key) if ":" in key else key, str(value))
    for child in children:
        if child is not None:
            node.append(child)
    if text is not None:
        node.text = text
    return node


def val(tag: str, value) -> etree._Element:
    return E(tag, {"val": value})


# ---------------------------------------------------------------- look


@dataclass
class Look:
    """The layout's fonts and colours, as chart XML wants them."""

    latin: str
    east_asia: str
    size: float  # pt: the layout's `sizes.small`, as the PDF's chart text
    text: str  # RRGGBB
    muted: str
    rule: str
    palette: list
    lang: str

    @classmethod
    def of(cls, layout, lang: str, chart: Chart | None = None) -> "Look":
        c = layout.colors
        # The same colours as the PDF's picture: picked from the palette by lightness and hue
        # for as many series (or wedges) as the chart has.
        count = 1 if chart is None else (
            len(chart.categories) if chart.type in ("pie", "donut") else len(chart.series))
        palette = category_colors(tuple(layout.palette) or ("#1F4E79",), count)
        return cls(layout.word_latin, layout.word_east_asia, float(layout.sizes.get("small", 8)),
                   c["text"].lstrip("#"), c["muted"].lstrip("#"), c["rule"].lstrip("#"),
                   [p.lstrip("#") for p in palette], lang)

    def color(self, i: int) -> str:
        return self.palette[i % len(self.palette)]

    def run_props(self, tag: str = "a:defRPr", size: float | None = None, color: str | None = None,
                  bold: bool = False):
        attrs = {"sz": int(round((size or self.size) * 100)), "b": int(bold)}
        if tag == "a:rPr":
            attrs = {"lang": self.lang, **attrs}
        return E(tag, attrs, fill(color or self.text), E("a:latin", {"typeface": self.latin}),
                 E("a:ea", {"typeface": self.east_asia}), E("a:cs", {"typeface": self.latin}))

    def text_props(self, size: float | None = None, color: str | None = None, bold: bool = False, rot=None):
        body = E("a:bodyPr", {"rot": rot} if rot is not None else None)
        return E("c:txPr", None, body, E("a:lstStyle"),
                 E("a:p", None, E("a:pPr", None, self.run_props(size=size, color=color, bold=bold)),
                   E("a:endParaRPr", {"lang": self.lang})))

    def rich(self, text: str, size: float | None = None, color: str | None = None, bold: bool = False, rot=None):
        """A `c:tx` of formatted text (titles, custom labels); one paragraph per line."""
        paras = [E("a:p", None, E("a:pPr", None, self.run_props(size=size, color=color, bold=bold)),
                   E("a:r", None, self.run_props("a:rPr", size, color, bold), E("a:t", text=line)))
                 for line in text.split("\n")]
        return E("c:tx", None, E("c:rich", None, E("a:bodyPr", {"rot": rot} if rot is not None else None),
                                 E("a:lstStyle"), *paras))


def fill(color: str | None, alpha: float | None = None):
    if color is None:
        return E("a:noFill")
    clr = E("a:srgbClr", {"val": color})
    if alpha is not None:
        clr.append(E("a:alpha", {"val": int(alpha * 100000)}))
    return E("a:solidFill", None, clr)


def line(color: str | None, width_pt: float = 0.75, dash: str | None = None):
    ln = E("a:ln", {"w": int(width_pt * EMU_PER_PT)} if color else None, fill(color))
    if color and dash:
        ln.append(E("a:prstDash", {"val": dash}))
    return ln


def shape(fill_color: str | None = None, line_color: str | None = None, line_pt: float = 0.75, alpha=None):
    return E("c:spPr", None, fill(fill_color, alpha), line(line_color, line_pt))


# ---------------------------------------------------------------- data and workbook


@dataclass
class Column:
    """One column of the embedded sheet: header in row 1, values from row 2."""

    header: str
    values: list  # numbers (None: empty cell) or texts
    text: bool = False
    number_format: str = "General"
    letter: str = ""

    def ref(self, rows: int | None = None) -> str:
        n = len(self.values) if rows is None else rows
        return f"{SHEET}!${self.letter}$2:${self.letter}${n + 1}"

    def header_ref(self) -> str:
        return f"{SHEET}!${self.letter}$1"


@dataclass
class Sheet:
    columns: list = field(default_factory=list)

    def add(self, column: Column) -> Column:
        column.letter = _letters(len(self.columns))
        self.columns.append(column)
        return column

    def xlsx(self) -> bytes:
        """The workbook, reproducible: XlsxWriter stamps the creation time unless told one."""
        import xlsxwriter

        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
        book.set_properties({"created": dt.datetime(2000, 1, 1)})
        sheet = book.add_worksheet(SHEET)
        formats = {}
        for col, column in enumerate(self.columns):
            sheet.write_string(0, col, column.header)
            fmt = formats.setdefault(column.number_format, book.add_format({"num_format": column.number_format}))
            for row, value in enumerate(column.values, start=1):
                if value is None:
                    continue
                if column.text:
                    sheet.write_string(row, col, str(value))
                else:
                    sheet.write_number(row, col, value, fmt)
            sheet.set_column(col, col, max(10, min(40, max((len(str(v)) for v in column.values), default=0) + 2)))
        book.close()
        return buffer.getvalue()


def _letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def str_ref(column: Column, header: bool = False):
    """A `c:strRef`: cells of text, with their cached values."""
    if header:
        cache = E("c:strCache", None, val("c:ptCount", 1), E("c:pt", {"idx": 0}, E("c:v", text=column.header)))
        return E("c:strRef", None, E("c:f", text=column.header_ref()), cache)
    pts = [E("c:pt", {"idx": i}, E("c:v", text=str(v))) for i, v in enumerate(column.values)]
    return E("c:strRef", None, E("c:f", text=column.ref()),
             E("c:strCache", None, val("c:ptCount", len(column.values)), *pts))


def num_ref(column: Column):
    """A `c:numRef`: cells of numbers, with their cached values; a missing value has no point."""
    pts = [E("c:pt", {"idx": i}, E("c:v", text=_num(v))) for i, v in enumerate(column.values)
           if v is not None and math.isfinite(v)]
    return E("c:numRef", None, E("c:f", text=column.ref()),
             E("c:numCache", None, E("c:formatCode", text=column.number_format),
               val("c:ptCount", len(column.values)), *pts))


def _num(v: float) -> str:
    return repr(float(v)) if not float(v).is_integer() else str(int(v)) if abs(v) < 1e15 else repr(float(v))


def _values(series: Series) -> list:
    return [None if v is None or not math.isfinite(v) else float(v) for v in series.values]


# ---------------------------------------------------------------- number formats


_LABEL = re.compile(r"^(?P<pre>[^\d\-]*?)(?P<neg>-?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?(?P<pct>%?)"
                    r"(?P<post>[^\d]*)$")


def label_format(values: list, labels: list) -> str | None:
    """An Excel number format that prints each value exactly as its label (`56.2%`,
    `1,234.5`, `32.6亿元`), so the labels stay live when the numbers are edited; None when
    no one format does (the labels are then written as text)."""
    shapes = set()
    for v, label in zip(values, labels):
        if v is None or not label:
            continue
        match = _LABEL.match(label.strip().replace("％", "%"))
        if not match:
            return None
        shown = float(match["int"].replace(",", "") + ("." + match["dec"] if match["dec"] else ""))
        shown = -shown if match["neg"] else shown
        decimals = len(match["dec"] or "")
        actual = 100 * v if match["pct"] else v
        if abs(actual - shown) > 0.5001 * 10 ** -decimals:
            return None
        # Thousands separators: shown, not shown (on a number that would have one), or unknown.
        grouped = True if "," in match["int"] else False if abs(shown) >= 1000 else None
        shapes.add((match["pre"], decimals, bool(match["pct"]), match["post"], grouped))
    if not shapes:
        return None
    pres = {s[0] for s in shapes}
    posts = {s[3] for s in shapes}
    pcts = {s[2] for s in shapes}
    decimals = {s[1] for s in shapes}
    if len(pres) > 1 or len(posts) > 1 or len(pcts) > 1 or len(decimals) > 1:
        return None
    pre, post, pct, d = pres.pop(), posts.pop(), pcts.pop(), decimals.pop()
    seen = {s[4] for s in shapes} - {None}
    if len(seen) > 1:
        return None
    # Where the labels do not tell, amounts get separators (as the PDF's ticks do), percentages not.
    grouped = seen.pop() if seen else not pct
    core = ("#,##0" if grouped else "0") + ("." + "0" * d if d else "") + ("%" if pct else "")
    return _literal(pre) + core + _literal(post)


def _literal(text: str) -> str:
    return f'"{text}"' if text else ""


def tick_format(ticks: list, percent: bool) -> str:
    shown = [100 * t for t in ticks] if percent else ticks
    d = next((d for d in range(6) if all(abs(t - round(t, d)) < 1e-9 * max(1.0, abs(t)) for t in shown)), 6)
    return "#,##0" + ("." + "0" * d if d else "") + ("%" if percent else "")


def is_percent(series_list) -> bool:
    """Whether the labels print the values as percentages (0.353 → 35.3%), as the PDF's axis does."""
    formats = [label_format(_values(s), list(s.labels)) for s in series_list if s.labels]
    return bool(formats) and all(f and f.endswith("%") for f in formats)


# ---------------------------------------------------------------- pieces of a chart


def data_labels(look: Look, series: Series, values: list, position: str | None, percent_of_total=False,
                color: str | None = None, size: float | None = None, points: dict | None = None):
    """Value labels that print what the PDF prints: a number format when one fits every label,
    else each label's text. `points` gives single points their own (position, colour)."""
    labels = list(series.labels)
    if not any(labels):
        return None
    total = math.fsum(x for x in values if x) or 1.0
    code = label_format([v / total if percent_of_total and v is not None else v for v in values], labels)
    shown = {"value": not percent_of_total, "percent": percent_of_total}
    no_box = E("c:spPr", None, E("a:noFill"), E("a:ln", None, E("a:noFill")))
    head = []
    for i, text in enumerate(labels):
        pos, ink = (points or {}).get(i, (position, color))
        if not text:
            if values[i] is not None:  # a value whose label the PDF leaves out stays unlabelled
                head.append(E("c:dLbl", None, val("c:idx", i), val("c:delete", 1)))
        elif code is None:  # each label its own text, as the PDF shows it
            head.append(E("c:dLbl", None, val("c:idx", i), look.rich(text, size=size, color=ink), no_box,
                          *_shown(pos, value=True)))
        elif points and i in points:
            head.append(E("c:dLbl", None, val("c:idx", i), E("c:numFmt", {"formatCode": code, "sourceLinked": 0}),
                          E("c:spPr", None, E("a:noFill"), E("a:ln", None, E("a:noFill"))),
                          look.text_props(size=size, color=ink), *_shown(pos, **shown)))
    body = []
    if code is not None:
        body.append(E("c:numFmt", {"formatCode": code, "sourceLinked": 0}))
    body += [E("c:spPr", None, E("a:noFill"), E("a:ln", None, E("a:noFill"))),
             look.text_props(size=size, color=color)]
    body += _shown(position, **shown)
    return E("c:dLbls", None, *head, *body)


def ink_on(fill_color: str, text: str) -> str:
    """White text on dark fills, body text on light ones (relative luminance), as in the PDF."""
    r, g, b = (int(fill_color[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return "FFFFFF" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.55 else text


def _shown(position, value=False, percent=False, series_name=False) -> list:
    out = [val("c:dLblPos", position)] if position else []
    return out + [val("c:showLegendKey", 0), val("c:showVal", int(value)), val("c:showCatName", 0),
                  val("c:showSerName", int(series_name)), val("c:showPercent", int(percent)),
                  val("c:showBubbleSize", 0)]


def axis_title(look: Look, text: str, rot=None):
    if not text:
        return None
    return E("c:title", None, look.rich(text, rot=rot), val("c:overlay", 0))


def cat_axis(look: Look, ax_id: int, cross: int, pos: str, title: str = "", reverse=False, delete=False):
    return E("c:catAx", None, val("c:axId", ax_id),
             E("c:scaling", None, val("c:orientation", "maxMin" if reverse else "minMax")),
             val("c:delete", int(delete)), val("c:axPos", pos), axis_title(look, title),
             E("c:numFmt", {"formatCode": "General", "sourceLinked": 1}),
             val("c:majorTickMark", "none"), val("c:minorTickMark", "none"), val("c:tickLblPos", "low"),
             E("c:spPr", None, E("a:noFill"), line(look.rule, 0.8)), look.text_props(color=look.muted),
             val("c:crossAx", cross), val("c:crosses", "autoZero"), val("c:auto", 1), val("c:lblAlgn", "ctr"),
             val("c:lblOffset", 100), val("c:noMultiLvlLbl", 0))


def value_axis(look: Look, ax_id: int, cross: int, pos: str, number_format: str, title: str = "",
               ticks: list | None = None, grid=True, delete=False, crosses="autoZero", show_line=False):
    scaling = E("c:scaling", None, val("c:orientation", "minMax"))
    if ticks:
        scaling.append(val("c:max", _num(ticks[-1])))
        scaling.append(val("c:min", _num(ticks[0])))
    gridlines = E("c:majorGridlines", None, E("c:spPr", None, line(look.rule, 0.5))) if grid else None
    node = E("c:valAx", None, val("c:axId", ax_id), scaling, val("c:delete", int(delete)), val("c:axPos", pos),
             gridlines, axis_title(look, title),
             E("c:numFmt", {"formatCode": number_format, "sourceLinked": 0}),
             val("c:majorTickMark", "none"), val("c:minorTickMark", "none"), val("c:tickLblPos", "nextTo"),
             E("c:spPr", None, E("a:noFill"), line(look.rule if show_line else None, 0.8)),
             look.text_props(color=look.muted), val("c:crossAx", cross), val("c:crosses", crosses),
             val("c:crossBetween", "between"))
    if ticks and len(ticks) > 1:
        node.append(val("c:majorUnit", _num(ticks[1] - ticks[0])))
    return node


def _ticks(values: list, headroom: float = 0.0) -> list | None:
    """The PDF's value-axis ticks for these values (the same rule as chartdraw's bars)."""
    from .. import chartdraw

    try:
        return chartdraw._nice_ticks(*chartdraw._data_span([v for v in values if v is not None], headroom=headroom))
    except (AttributeError, TypeError, ValueError, ArithmeticError):
        return None  # the drawing's rules changed shape: let Word choose the scale


# ---------------------------------------------------------------- chart types


@dataclass
class Plot:
    """What one chart type contributes to `c:plotArea`, and the legend it wants."""

    groups: list
    axes: list
    legend: str | None  # legend position (b, r) or None for no legend


def _category_columns(chart: Chart, sheet: Sheet) -> tuple[Column, list]:
    # As the axis prints them: a year with its estimate/forecast mark (2025E, 2031F).
    cats = sheet.add(Column("", list(chart.category_labels), text=True))
    columns = []
    for s in chart.series:
        code = label_format(_values(s), list(s.labels)) or "General"
        columns.append(sheet.add(Column(s.name or " ", _values(s), number_format=code)))
    return cats, columns


def _series(tag_order: list, i: int, column: Column, cats: Column, *middle, tail=()):
    """A `c:ser` of a category chart: index, name, formatting, labels, categories, values."""
    return E("c:ser", None, val("c:idx", i), val("c:order", i), E("c:tx", None, str_ref(column, header=True)),
             *middle, E("c:cat", None, str_ref(cats)), E("c:val", None, num_ref(column)), *tail)


def _bar_group(chart: Chart, look: Look, members: list, cats: Column, columns: list, ax: tuple,
               horizontal=False, stacked=False):
    label_pos = "ctr" if stacked else "outEnd"
    sers = []
    for i in members:
        s, column = chart.series[i], columns[i]
        labels = data_labels(look, s, column.values, label_pos,
                             color=ink_on(look.color(i), look.text) if stacked else None) if chart.value_labels else None
        edge = "FFFFFF" if stacked else None
        sers.append(_series([], i, column, cats, shape(look.color(i), edge, 0.6),
                            val("c:invertIfNegative", 0), labels))
    group = E("c:barChart", None, val("c:barDir", "bar" if horizontal else "col"),
              val("c:grouping", "stacked" if stacked else "clustered"), val("c:varyColors", 0), *sers,
              val("c:gapWidth", 67 if len(members) == 1 or stacked else 80),
              val("c:overlap", 100 if stacked else -8), val("c:axId", ax[0]), val("c:axId", ax[1]))
    return group


def _line_group(chart: Chart, look: Look, members: list, cats: Column, columns: list, ax: tuple):
    sers = []
    for i in members:
        s, column = chart.series[i], columns[i]
        labels = data_labels(look, s, column.values, "t") if chart.value_labels else None
        color = look.color(i)
        marker = E("c:marker", None, val("c:symbol", "circle"), val("c:size", 5), shape(color, "FFFFFF", 0.75))
        sers.append(_series([], i, column, cats, E("c:spPr", None, E("a:ln", {"w": int(1.75 * EMU_PER_PT),
                                                                               "cap": "rnd"},
                                                                      fill(color), E("a:round"))),
                            marker, labels, tail=(val("c:smooth", 0),)))
    return E("c:lineChart", None, val("c:grouping", "standard"), val("c:varyColors", 0), *sers,
             val("c:marker", 1), val("c:axId", ax[0]), val("c:axId", ax[1]))


def _category_plot(chart: Chart, look: Look, sheet: Sheet) -> Plot:
    """bar, barh, grouped_bar, stacked_bar, line and bar_line: series over shared categories.

    Series are grouped by kind (bar, line) and axis (left, right); the right axis gets a
    secondary pair of axes, as Word's combo charts do."""
    cats, columns = _category_columns(chart, sheet)
    horizontal, stacked = chart.type == "barh", chart.type == "stacked_bar"
    kinds = []
    for i, s in enumerate(chart.series):
        kind = s.kind or ("line" if chart.type == "line" else "bar")
        right = chart.type == "bar_line" and s.axis == "right"
        kinds.append((kind, right))
    groups, has_right = [], any(r for _, r in kinds)
    for kind, right in dict.fromkeys(kinds):
        members = [i for i, k in enumerate(kinds) if k == (kind, right)]
        ax = (30, 40) if right else (10, 20)
        if kind == "line":
            groups.append(_line_group(chart, look, members, cats, columns, ax))
        else:
            groups.append(_bar_group(chart, look, members, cats, columns, ax, horizontal, stacked))
    left = [chart.series[i] for i, (_, r) in enumerate(kinds) if not r]
    right_series = [chart.series[i] for i, (_, r) in enumerate(kinds) if r]
    if stacked:
        n = len(chart.categories)
        pos = [sum(v for s in left if (v := s.values[k]) is not None and v > 0) for k in range(n)]
        neg = [sum(v for s in left if (v := s.values[k]) is not None and v < 0) for k in range(n)]
        ticks = _ticks(pos + neg)
    else:
        headroom = 0.1 if chart.value_labels and chart.type != "line" else 0.0
        ticks = _ticks([v for s in left for v in s.values], headroom) if chart.type != "line" else None
    percent = is_percent(left)
    number_format = tick_format(ticks, percent) if ticks else ("0%" if percent else "#,##0.##")
    bottom, side = ("l", "b") if horizontal else ("b", "l")
    axes = [cat_axis(look, 10, 20, bottom, chart.x_label, reverse=horizontal),
            value_axis(look, 20, 10, side, number_format, chart.y_label, ticks,
                       crosses="max" if horizontal else "autoZero")]
    if has_right:
        right_format = "0%" if is_percent(right_series) else "#,##0.##"
        axes += [cat_axis(look, 30, 40, "b", delete=True),
                 value_axis(look, 40, 30, "r", right_format, chart.y2_label, grid=False, crosses="max")]
    return Plot(groups, axes, "b" if len(chart.series) > 1 else None)


def _pie_plot(chart: Chart, look: Look, sheet: Sheet) -> Plot:
    """pie and donut: the first series' shares, one colour per category, percentages on the wedges."""
    # As the axis prints them: a year with its estimate/forecast mark (2025E, 2031F).
    cats = sheet.add(Column("", list(chart.category_labels), text=True))
    s = chart.series[0]
    values = [v if v is not None and math.isfinite(v) and v > 0 else None for v in _values(s)]
    column = sheet.add(Column(s.name or " ", values, number_format="General"))
    points = [E("c:dPt", None, val("c:idx", k), val("c:bubble3D", 0), shape(look.color(k), "FFFFFF", 1.2))
              for k in range(len(chart.categories))]
    # A share label sits inside its wedge, in ink that reads on the wedge's colour, when the
    # wedge is wide enough; a thin wedge's label goes outside (a doughnut's labels stay on the
    # ring: Word has no outside place for them).
    total = math.fsum(v for v in values if v) or 1.0
    donut = chart.type == "donut"
    places = {k: ((None if donut else "ctr") if donut or v / total >= 0.08 else "outEnd",
                  ink_on(look.color(k), look.text) if donut or v / total >= 0.08 else look.text)
              for k, v in enumerate(values) if v}
    labels = data_labels(look, s, values, None if donut else "bestFit", percent_of_total=True, points=places)
    ser = _series([], 0, column, cats, E("c:spPr", None, line("FFFFFF", 1.2)), *points, labels)
    if chart.type == "donut":
        group = E("c:doughnutChart", None, val("c:varyColors", 1), ser, val("c:firstSliceAng", 0),
                  val("c:holeSize", 58))
    else:
        group = E("c:pieChart", None, val("c:varyColors", 1), ser, val("c:firstSliceAng", 0))
    return Plot([group], [], "r")


def _scatter_plot(chart: Chart, look: Look, sheet: Sheet) -> Plot:
    """scatter and bubble: records placed by x and y (bubble area by size), named beside them."""
    bubble = chart.type == "bubble"
    sers = []
    for i, s in enumerate(chart.series):
        names = list(s.points) + [""] * (len(s.values) - len(s.points))
        sheet.add(Column(s.name or "label", names, text=True))
        xs = sheet.add(Column("x", [float(v) for v in s.x]))
        ys = sheet.add(Column(s.name or "y", _values(s)))
        texts = [f"{p} {t}".strip() for p, t in zip(names, s.labels)] if chart.value_labels and s.labels else names
        custom = [E("c:dLbl", None, val("c:idx", k), look.rich(text, size=look.size - 0.5),
                    E("c:spPr", None, E("a:noFill"), E("a:ln", None, E("a:noFill"))),
                    *_shown("r" if bubble else "t", value=True)) if text else
                  E("c:dLbl", None, val("c:idx", k), val("c:delete", 1)) for k, text in enumerate(texts)]
        labels = E("c:dLbls", None, *custom, E("c:spPr", None, E("a:noFill"), E("a:ln", None, E("a:noFill"))),
                   look.text_props(size=look.size - 0.5), *_shown(None)) if any(texts) else None
        color = look.color(i)
        middle = [E("c:spPr", None, fill(color, 0.8), line("FFFFFF", 0.8))] if bubble else \
            [E("c:spPr", None, E("a:ln", {"w": 19050}, E("a:noFill"))),
             E("c:marker", None, val("c:symbol", "circle"), val("c:size", 6), shape(color, "FFFFFF", 0.8))]
        if bubble:
            middle.append(val("c:invertIfNegative", 0))
        tail = [E("c:xVal", None, num_ref(xs)), E("c:yVal", None, num_ref(ys))]
        if bubble:
            sizes = sheet.add(Column("size", [abs(float(v)) for v in s.sizes]))
            tail += [E("c:bubbleSize", None, num_ref(sizes)), val("c:bubble3D", 0)]
        else:
            tail.append(val("c:smooth", 0))
        sers.append(E("c:ser", None, val("c:idx", i), val("c:order", i),
                      E("c:tx", None, str_ref(ys, header=True)), *middle, labels, *tail))
    if bubble:
        group = E("c:bubbleChart", None, val("c:varyColors", 0), *sers, val("c:bubble3D", 0),
                  val("c:bubbleScale", 100), val("c:showNegBubbles", 0), val("c:sizeRepresents", "area"),
                  val("c:axId", 10), val("c:axId", 20))
    else:
        group = E("c:scatterChart", None, val("c:scatterStyle", "lineMarker"), val("c:varyColors", 0), *sers,
                  val("c:axId", 10), val("c:axId", 20))
    axes = [value_axis(look, 10, 20, "b", "#,##0.##", chart.x_label, show_line=True),
            value_axis(look, 20, 10, "l", "#,##0.##", chart.y_label, show_line=True)]
    return Plot([group], axes, "b" if len(chart.series) > 1 else None)


_GROUPS = {"bar": _category_plot, "barh": _category_plot, "grouped_bar": _category_plot,
           "stacked_bar": _category_plot, "line": _category_plot, "bar_line": _category_plot,
           "pie": _pie_plot, "donut": _pie_plot, "scatter": _scatter_plot, "bubble": _scatter_plot}


# ---------------------------------------------------------------- the chart part


def chart_space(chart: Chart, look: Look, sheet: Sheet, workbook_rid: str):
    """The whole `c:chartSpace` of a chart (filling `sheet` with its data)."""
    plot = _GROUPS[chart.type](chart, look, sheet)
    title = E("c:title", None, look.rich(chart.title, size=look.size + 1.5, bold=True), val("c:overlay", 0)) \
        if chart.title else val("c:autoTitleDeleted", 1)
    plot_area = E("c:plotArea", None, E("c:layout"), *plot.groups, *plot.axes,
                  E("c:spPr", None, E("a:noFill"), E("a:ln", None, E("a:noFill"))))
    legend = E("c:legend", None, val("c:legendPos", plot.legend), val("c:overlay", 0),
               look.text_props()) if plot.legend else None
    body = E("c:chart", None, title, plot_area, legend, val("c:plotVisOnly", 1), val("c:dispBlanksAs", "gap"))
    return E("c:chartSpace", None, val("c:date1904", 0), val("c:lang", look.lang), val("c:roundedCorners", 0),
             body, E("c:spPr", None, fill("FFFFFF"), E("a:ln", None, E("a:noFill"))),
             look.text_props(),
             E("c:externalData", {"r:id": workbook_rid}, val("c:autoUpdate", 0)))


def add_chart(document_part, chart: Chart, layout, lang: str, width: float, height: float, shape_id: int,
              alt: str, cache: Path | None = None):
    """Add a chart part and its workbook to the Word package; return the inline `w:drawing`
    content (`wp:inline`, as text: see `inline`) that shows it `width` x `height` points.
    `cache` is a folder where the parts made are kept for later builds."""
    package = document_part.package
    number = _next_chart_number(package)
    chart_part = Part(PackURI(f"/word/charts/chart{number}.xml"), CT_CHART, b"", package)
    rid = relate_new(document_part, chart_part, RT.CHART)
    # The workbook's name follows the chart's: parts are named in document order, so builds agree.
    book = Part(PackURI(f"/word/embeddings/Microsoft_Excel_Worksheet{number}.xlsx"), CT_XLSX, b"", package)
    book_rid = relate_new(chart_part, book, RT.PACKAGE)
    chart_part._blob, book._blob = chart_parts(chart, layout, lang, book_rid, cache)
    return inline(rid, width, height, shape_id, alt)


def relate_new(part, target, reltype: str) -> str:
    """Relate `part` to a part just made (so related to nothing yet), with the id python-docx's
    `relate_to` would give it: the first free `rIdN`. `relate_to` first looks through every
    relationship for one to reuse, and counts from 1 for a free id: with a relationship per
    chart, both grow with the report."""
    rels = part.rels
    n = getattr(rels, "_reportgen_free", 1)
    while f"rId{n}" in rels:
        n += 1
    rels._reportgen_free = n + 1
    return rels.add_relationship(reltype, target, f"rId{n}").rId


def _next_chart_number(package) -> int:
    """The number of the next chart part: counted on from the first free one, which is looked
    up once (python-docx's `next_partname` walks every part each time it is asked)."""
    number = getattr(package, "_reportgen_next_chart", None)
    if number is None:
        number = int(re.search(r"(\d+)\.xml$", str(package.next_partname("/word/charts/chart%d.xml"))).group(1))
    package._reportgen_next_chart = number + 1
    return number


# A chart's parts made in this process, by `_parts_key`: a chart repeated in a report, or
# the same chart in a later build of a watch session, is made once.
_PARTS: dict[str, tuple[bytes, bytes]] = {}
_PARTS_KEPT = 256
_ON_DISK: set[Path] = set()  # cache entries this process found intact or wrote


def chart_parts(chart: Chart, layout, lang: str, book_rid: str, cache: Path | None = None) -> tuple[bytes, bytes]:
    """The chart part's XML and its workbook's bytes.

    Both follow from the chart, the layout's chart look, the language and the workbook's
    relationship id alone, so they are kept (in this process, and in `cache` when given,
    verified by their digest) and made again only when one of those changes: making them
    (chart XML, an XlsxWriter workbook, the palette's colours) costs about 10 ms a chart."""
    from ..cachefiles import intact

    key = _parts_key(chart, layout, lang, book_rid)
    found = _PARTS.get(key)
    target = cache / f"word-chart-{key}.parts" if cache is not None else None
    write = False
    if found is None and target is not None:
        found = _read_parts(target)
    if found is None:
        sheet = Sheet()
        space = chart_space(chart, Look.of(layout, lang, chart), sheet, book_rid)
        found = (etree.tostring(space, xml_declaration=True, encoding="UTF-8", standalone=True), sheet.xlsx())
        write = True
    if target is not None:
        # Made here, or kept in memory from a build with another cache: kept for later builds.
        # A cache entry is looked at once per process (a chart repeated costs no more look-ups).
        if write or (target not in _ON_DISK and not intact(target)):
            _keep_parts(target, found)
        _ON_DISK.add(target)
    if len(_PARTS) >= _PARTS_KEPT:
        _PARTS.clear()
    _PARTS[key] = found
    return found


def _parts_key(chart: Chart, layout, lang: str, book_rid: str) -> str:
    from ..incremental import plain_json, toolkit_hash

    c = layout.colors
    look = [layout.word_latin, layout.word_east_asia, str(layout.sizes.get("small", 8)), c["text"], c["muted"],
            c["rule"], *layout.palette]
    # What the chart part does not print (the caption, source and note are the document's
    # paragraphs, the alternative text its drawing's) is left out: a chart repeated under
    # another caption is the same part.
    drawn = dataclasses.replace(chart, caption=None, source=None, note=None, alt="", width=1.0, height=0.6)
    text = "\0".join([toolkit_hash(), plain_json(drawn), lang, book_rid, *map(str, look)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _read_parts(path: Path) -> tuple[bytes, bytes] | None:
    """A kept pair: the XML's length as 8 decimal digits, the XML, the workbook."""
    from ..cachefiles import intact

    if not intact(path):
        return None
    try:
        data = path.read_bytes()
        size = int(data[:8])
    except (OSError, ValueError):
        return None
    return data[8:8 + size], data[8 + size:]


def _keep_parts(path: Path, parts: tuple[bytes, bytes]) -> None:
    from ..cachefiles import save

    xml, book = parts
    try:
        save(path, lambda tmp: tmp.write_bytes(b"%08d" % len(xml) + xml + book))
    except OSError:  # a cache that cannot be written costs time, not correctness
        pass


def inline(rid: str, width: float, height: float, shape_id: int, alt: str) -> str:
    """The `wp:inline` that shows chart part `rid`, as WordprocessingML text (the `wp:` and
    `r:` prefixes are the document's; `a:` and `c:` are declared where they are used)."""
    from .docx_xml import esc_attr

    descr = f' descr="{esc_attr(alt)}"' if alt else ""
    return (f'<wp:inline distT="0" distB="0" distL="0" distR="0">'
            f'<wp:extent cx="{int(width * EMU_PER_PT)}" cy="{int(height * EMU_PER_PT)}"/>'
            f'<wp:effectExtent l="0" t="0" r="0" b="0"/>'
            f'<wp:docPr id="{shape_id}" name="Chart {shape_id}"{descr}/><wp:cNvGraphicFramePr/>'
            f'<a:graphic xmlns:a="{NS["a"]}"><a:graphicData uri="{CHART_URI}">'
            f'<c:chart xmlns:c="{NS["c"]}" r:id="{esc_attr(rid)}"/></a:graphicData></a:graphic></wp:inline>')
