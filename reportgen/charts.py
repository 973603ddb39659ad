"""Charts in specs: the `chart:` block's settings, and their evaluation per edition.

`load_chart` validates the settings (spec stage); `resolve_chart` evaluates the data
expressions and formats labels for an edition's locale (resolve stage). Drawing is
`chartdraw.render_chart`'s job.
"""

from __future__ import annotations

import math
import re

from . import model as m
from . import source as src
from .data import DataList, DataMap, Num
from .errors import ReportgenError, did_you_mean
from .expr import MAX_DIGITS, ExprError
from .locale import LocaleError, edition_locale
from .yamlsrc import YList, YMap

TYPES = ("bar", "barh", "grouped_bar", "stacked_bar", "line", "pie", "donut", "bar_line", "scatter", "bubble")
CHART_KEYS = {"type", "caption", "source", "note", "title", "x_label", "y_label", "y2_label", "value_labels",
              "series", "data", "name", "categories", "quadrants", "width", "height", "scale", "labels",
              "digits", "alt", "centre", "estimate_from", "forecast_from", "cagr"}
CAGR_KEYS = {"from", "to", "series", "value", "label", "digits"}
# Charts whose categories run along a horizontal axis, over which a growth arrow can be drawn.
CAGR_TYPES = ("bar", "grouped_bar", "stacked_bar", "line", "bar_line")
YEAR_RE = re.compile(r"\d{4}")
SERIES_KEYS = {"name", "data", "kind", "axis", "scale", "labels", "x", "y", "size", "label", "digits"}
# Text a data file writes where it has no value: the chart leaves a gap there.
MISSING_TEXT = {"", "n/a", "na", "n.a.", "-", "—", "–"}
LABEL_FORMATS = ("number", "percent", "money", "none")
# What a `scale:` may divide by: 亿 (1e8) and trillions (1e12) with room, percent points (0.01)
# and below; beyond these a label's decimals or a drawn value leave what can be printed.
MIN_SCALE, MAX_SCALE = 1e-6, 1e15


def load_chart(node: YMap, ctx: str, loader) -> src.SourceChart | None:
    """Validate a `chart:` mapping into a SourceChart: texts and data expressions as written."""
    loader.keys(node, CHART_KEYS, "a chart", required=("type",))
    kind = str(node.get("type", ""))
    if kind not in TYPES:
        if "type" in node:
            loader.diags.error(node.loc_of("type"), f"chart type `{kind}` is not known{did_you_mean(kind, TYPES)}"
                               f" (types: {', '.join(TYPES)})")
        return None
    series = node.get("series")
    if series is None and "data" in node:
        series = [YMap({k: node[k] for k in ("data", "name", "scale", "labels") if k in node})]
        series[0].loc, series[0].locs = node.loc, {k: node.loc_of(k) for k in series[0]}
        series[0].key_locs, series[0].texts = {k: node.key_locs[k] for k in series[0]}, {}
    if not isinstance(series, list) or not series:
        loader.diags.error(node.loc, "a chart needs `data:` (one series) or `series:` (a list of them)")
        return None
    chart_digits = loader.digits(node)
    out = []
    for i, item in enumerate(series):
        where = series.loc_of(i) if isinstance(series, YList) else node.loc
        if not isinstance(item, YMap) or "data" not in item:
            loader.diags.error(where, "a chart series should be a mapping with `data:` (a data expression)")
            continue
        loader.keys(item, SERIES_KEYS, "a chart series")
        kind_of = str(item.get("kind", "bar" if kind == "bar_line" and i == 0 else "line" if kind == "bar_line" else ""))
        if kind_of not in ("", "bar", "line"):
            loader.diags.error(item.loc_of("kind"), f"series kind `{kind_of}` should be bar or line")
        axis = str(item.get("axis", "right" if kind == "bar_line" and kind_of == "line" else "left"))
        if axis not in ("left", "right"):
            loader.diags.error(item.loc_of("axis"), f"axis `{axis}` should be left or right")
        labels = str(item.get("labels", node.get("labels", "number")))
        if labels not in LABEL_FORMATS:
            loader.diags.error(item.loc_of("labels"), f"labels `{labels}` should be one of {', '.join(LABEL_FORMATS)}")
        if kind in ("scatter", "bubble"):
            for key in ("x", "y") + (("size",) if kind == "bubble" else ()):
                if key not in item:
                    loader.diags.error(item.loc, f"a {kind} series needs `{key}:` (a field of its data records)")
        digits = loader.digits(item) if "digits" in item else chart_digits
        fields = {k: str(item[k]) for k in ("x", "y", "size", "label") if k in item}
        out.append(src.SourceSeries(
            str(item["data"]), item.loc_of("data"),
            name=loader.raw(item, "name", f"{ctx}|chart.series", "a chart series"),
            kind=kind_of, axis=axis, labels=labels, digits=digits,
            scale=_scale(item.get("scale", node.get("scale")), item.loc_of("scale"), loader),
            x=fields.get("x"), y=fields.get("y"), size=fields.get("size"), label=fields.get("label"),
        ))
    quadrants = node.get("quadrants")
    source_quadrants = None
    if quadrants is not None:
        if not isinstance(quadrants, YMap) or not {"x", "y"} <= set(quadrants):
            loader.diags.error(node.loc_of("quadrants"), "`quadrants` should be {x: number, y: number, labels: [4 names]}")
        elif any(isinstance(quadrants[k], bool) or not isinstance(quadrants[k], (int, float)) for k in ("x", "y")):
            loader.diags.error(node.loc_of("quadrants"), "quadrant `x` and `y` should be numbers (where the axes cross)")
        else:
            names = quadrants.get("labels") or []
            if names and (not isinstance(names, YList) or len(names) != 4):
                loader.diags.error(quadrants.loc_of("labels"), "quadrant `labels` should list 4 names: "
                                   "top-left, top-right, bottom-left, bottom-right")
                names = []
            source_quadrants = src.SourceQuadrants(
                float(quadrants["x"]), float(quadrants["y"]),
                tuple(src.Raw(str(n), names.loc_of(i), f"{ctx}|chart.quadrant") for i, n in enumerate(names)))
    value_labels = node.get("value_labels", False)
    if not isinstance(value_labels, bool):
        loader.diags.error(node.loc_of("value_labels"), "`value_labels` should be true or false")
        value_labels = False
    return src.SourceChart(
        kind, tuple(out),
        categories=str(node["categories"]) if "categories" in node else None,
        categories_loc=node.loc_of("categories") if "categories" in node else None,
        caption=loader.raw(node, "caption", f"{ctx}|chart.caption", "a chart"),
        source=loader.raw(node, "source", f"{ctx}|chart.source", "a chart"),
        note=loader.raw(node, "note", f"{ctx}|chart.note", "a chart"),
        title=loader.raw(node, "title", f"{ctx}|chart.title", "a chart"),
        x_label=loader.raw(node, "x_label", f"{ctx}|chart.axis", "a chart"),
        y_label=loader.raw(node, "y_label", f"{ctx}|chart.axis", "a chart"),
        y2_label=loader.raw(node, "y2_label", f"{ctx}|chart.axis", "a chart"),
        quadrants=source_quadrants, value_labels=value_labels,
        width=loader.share(node, "width", 1.0), height=_height(node, loader), context=ctx, loc=node.loc,
        alt=loader.raw(node, "alt", f"{ctx}|chart.alt", "a chart"),
        centre=_centre(node, kind, ctx, loader),
        estimate_from=_year(node, "estimate_from", loader), forecast_from=_year(node, "forecast_from", loader),
        cagr=_load_cagr(node, kind, out, ctx, loader),
    )


def _centre(node: YMap, kind: str, ctx: str, loader) -> src.Raw | None:
    if "centre" in node and kind != "donut":
        loader.diags.error(node.key_locs["centre"], f"`centre` is the text in a donut's hole; a {kind} chart has none")
        return None
    return loader.raw(node, "centre", f"{ctx}|chart.centre", "a chart")


def _year(node: YMap, key: str, loader) -> src.SourceYear | None:
    """`estimate_from: 2025`, or a data expression giving the year (`markets.estimate_from`)."""
    if key not in node:
        return None
    value = node[key]
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return src.SourceYear(value, node.loc_of(key))
    if isinstance(value, str) and value.strip():
        return src.SourceYear(value.strip(), node.loc_of(key))
    loader.diags.error(node.loc_of(key), f"`{key}` should be a year such as 2025, or a data expression giving one")
    return None


def _load_cagr(node: YMap, kind: str, series: list, ctx: str, loader) -> tuple:
    """`cagr: {from: 2025, to: 2031}` or a list of them: growth arrows over the bars."""
    if "cagr" not in node:
        return ()
    items = node["cagr"]
    if kind not in CAGR_TYPES:
        loader.diags.error(node.key_locs["cagr"], f"`cagr` is drawn over categories along a horizontal axis "
                           f"({', '.join(CAGR_TYPES)}); a {kind} chart cannot show it")
        return ()
    items = [items] if isinstance(items, YMap) else items
    if not isinstance(items, list) or not items:
        loader.diags.error(node.loc_of("cagr"), "`cagr` should be {from: first year, to: last year} or a list of them")
        return ()
    out = []
    for i, item in enumerate(items):
        where = items.loc_of(i) if isinstance(items, YList) else node.loc_of("cagr")
        if not isinstance(item, YMap) or not {"from", "to"} <= set(item):
            loader.diags.error(where, "a `cagr` entry should be a mapping with `from:` and `to:` (two categories)")
            continue
        loader.keys(item, CAGR_KEYS, "a cagr entry")
        index = None  # the first series; a stacked chart's totals
        if "series" in item:
            wanted = str(item["series"])
            found = [k for k, s in enumerate(series) if s.data == wanted]
            if not found:
                loader.diags.error(item.loc_of("series"), f"`series: {wanted}` should be the `data:` of one of "
                                   f"this chart's series ({', '.join(f'`{s.data}`' for s in series)})")
                continue
            index = found[0]
        value = item.get("value")
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float, str))):
            loader.diags.error(item.loc_of("value"), "`value` should be a rate such as 0.218, or a data expression")
            continue
        out.append(src.SourceCagr(
            _key_text(item["from"]), _key_text(item["to"]), index,
            float(value) if isinstance(value, (int, float)) else value,
            loader.raw(item, "label", f"{ctx}|chart.cagr", "a cagr entry"), loader.digits(item), item.loc))
    return tuple(out)


def _height(node: YMap, loader) -> float:
    value = node.get("height", 0.6)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.2 <= value <= 2:
        loader.diags.error(node.loc_of("height"), "`height` is a share of the chart's width, from 0.2 to 2")
        return 0.6
    return float(value)


def _scale(value, loc, loader, nested: bool = False):
    """Divide values by this for drawing (e.g. 1e8 for 亿元); a number or {zh: 1e8, en: 1e9}."""
    if value is None:
        return None
    if isinstance(value, YMap) and not nested:
        out = {}
        for key, v in value.items():
            try:
                edition_locale(str(key))
            except LocaleError as exc:
                loader.diags.error(value.key_locs.get(key, value.loc), f"`scale` per language: {exc}")
                continue
            out[str(key)] = _scale(v, value.loc_of(key), loader, nested=True)
        return out
    try:
        number = float(value) if not isinstance(value, (bool, dict, list)) else 0
    except (TypeError, ValueError, OverflowError):
        number = 0
    if not MIN_SCALE <= number <= MAX_SCALE:
        loader.diags.error(loc, f"`scale` should be a number from {MIN_SCALE:g} to {MAX_SCALE:g} such as 1e8, "
                           "or one per language {zh: 1e8, en: 1e9}")
        return None
    return number


def _scale_for(scale, locale) -> float:
    """The divisor for this edition: one number, or one per language ({zh: 1e8, en: 1e9})."""
    if isinstance(scale, dict):
        return scale.get(locale.name) or scale.get(locale.language) or 1.0
    return scale or 1.0


def is_missing(value) -> bool:
    """No value: YAML null, an empty CSV cell, `n/a`."""
    return value is None or isinstance(value, str) and value.strip().lower() in MISSING_TEXT


def _key_text(key) -> str:
    """A category key as compared: 2025, 2025.0 and "2025" name the same category."""
    if isinstance(key, float) and key.is_integer():
        key = int(key)
    return str(key).strip()


def _categories(spec: src.SourceChart, evaluator) -> list | None:
    """The categories `categories:` names, in its order (None when the chart has none)."""
    if spec.categories is None:
        return None
    listed = evaluator.value(spec.categories, spec.categories_loc)
    if isinstance(listed, DataMap):
        listed = list(listed.keys())
    if isinstance(listed, str) or not isinstance(listed, (list, tuple)):
        raise ReportgenError(f"`categories: {spec.categories}` should give a list of the data's keys "
                             "(or a series, whose keys are used), in the order to draw them", spec.categories_loc)
    seen = set()
    for item in listed:
        if _key_text(item) in seen:
            raise ReportgenError(f"`categories:` names `{_key_text(item)}` twice; name each key once",
                                 spec.categories_loc)
        seen.add(_key_text(item))
    return list(listed)


def _category_keys(maps: list, order: list | None, spec: src.SourceChart) -> list[str]:
    """The categories in drawing order, as key texts.

    A category is a key of the data, and values always follow their keys. With `categories:`
    the chart draws exactly the keys it lists, in its order: a key no series has, or a key of
    the data it leaves out, is a located error. Without it the first series' keys are the
    categories; a later series may lack some (a gap), but a key the first series lacks
    would be dropped, and is an error at that series' `data:`.
    """
    if order is not None:
        wanted = [_key_text(c) for c in order]
        present = {k: expression for expression, _, value in maps for k in map(_key_text, value)}
        lacking = [c for c in wanted if c not in present]
        extra = [k for k in present if k not in set(wanted)]
        if lacking or extra:
            parts = []
            if lacking:
                parts.append(f"the data has no {_names(lacking)}")
            if extra:
                parts.append(f"it leaves out {_names(extra)} of `{present[extra[0]]}`")
            raise ReportgenError(f"`categories:` should list each key of the chart's data once, in the order to "
                                 f"draw them: {'; '.join(parts)} (the data has {_names(list(present)) or 'no keys'})",
                                 spec.categories_loc)
        return wanted
    if not maps:
        return []
    first_expression, _, first = maps[0]
    wanted = [_key_text(k) for k in first]
    for expression, item, value in maps[1:]:
        extra = [k for k in map(_key_text, value) if k not in set(wanted)]
        if extra:
            raise ReportgenError(f"`{expression}` has {_names(extra)}, which the first series `{first_expression}` "
                                 f"has not (it has {_names(wanted)}); give every series the same keys, or list "
                                 "them all under `categories:`", item.data_loc)
    return wanted


def _names(keys: list) -> str:
    return ", ".join(f"`{k}`" for k in keys)


def resolve_chart(spec: src.SourceChart, state) -> m.Chart:
    """A new, resolved Chart: data evaluated, categories ordered, labels formatted for the edition."""
    evaluator = state.hooks.evaluator
    text = state.text
    title = text(spec.title)
    x_label, y_label, y2_label = (text(r) for r in (spec.x_label, spec.y_label, spec.y2_label))
    caption = state.caption(spec.caption, "figure")
    source = state.inlines(spec.source) if spec.source else None
    note = state.inlines(spec.note) if spec.note else None
    order = _categories(spec, evaluator)
    evaluated = []
    for item in spec.series:
        value = evaluator.value(item.data, item.data_loc)
        if spec.type not in ("scatter", "bubble") and not isinstance(value, DataMap):
            raise ReportgenError(f"`{item.data}` should be a series (a mapping of year or category to value), "
                                 f"not {_what(value)}", item.data_loc)
        evaluated.append((item, value))
    maps = [(item.data, item, value) for item, value in evaluated if isinstance(value, DataMap)]
    categories = _category_keys(maps, order, spec) if spec.type not in ("scatter", "bubble") else []
    series = []
    for item, value in evaluated:
        if spec.type in ("scatter", "bubble"):
            series.append(_points(spec, item, value, state))
            continue
        scale = _scale_for(item.scale, state.locale)
        by_key = {_key_text(k): k for k in value}
        originals = [value[by_key[c]] if c in by_key else None for c in categories]
        values = []
        for key, v in zip(categories, originals):
            if is_missing(v):
                values.append(None)
            elif isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ReportgenError(f"`{value.path}` holds `{v}` for `{key}`, not a number", item.data_loc)
            else:
                values.append(float(v) / scale)
        if spec.type in ("pie", "donut") and any(v is not None and v < 0 for v in values):
            bad = next(k for k, v in zip(categories, values) if v is not None and v < 0)
            raise ReportgenError(f"`{value.path}` holds a negative value for `{bad}`; a {spec.type} chart shows "
                                 "parts of a whole: use a bar chart for values below zero", item.data_loc)
        try:
            labels = tuple(_label(v, original, item, spec, values, scale, evaluator)
                           for v, original in zip(values, originals))
        except ExprError as exc:  # a value no format can print (e.g. 1e300)
            raise ReportgenError(f"`{value.path}`: {exc}", item.data_loc) from None
        series.append(m.Series(text(item.name), tuple(values), item.kind, item.axis, labels))
    quadrants = None
    if spec.quadrants:
        q = spec.quadrants
        quadrants = {"x": q.x, "y": q.y, "labels": tuple(text(r) for r in q.labels)}
    marks = _marks(spec, categories, evaluator)
    growth = tuple(_growth(item, spec, categories, series, state) for item in spec.cagr)
    centre = text(spec.centre) if spec.centre else _total(spec, evaluated, state)
    # Alt text: what the author wrote, else the caption's words (a chart always has a description).
    alt = text(spec.alt) if spec.alt else (m.plain(caption.inlines) if caption else title)
    return m.Chart(
        spec.type, tuple(state.translate_data(c) for c in categories),
        tuple(series), caption, source, title, x_label, y_label, y2_label, spec.value_labels, quadrants, note,
        spec.width, spec.height, spec.loc, alt=alt, marks=marks, cagr=growth, centre=centre,
    )


def _year_value(year: src.SourceYear | None, evaluator) -> int | None:
    if year is None:
        return None
    value = year.value if isinstance(year.value, int) else evaluator.value(year.value, year.loc)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer():
        raise ReportgenError(f"`{year.value}` should give a year such as 2025, not {_what(value)}", year.loc)
    return int(value)


def _marks(spec: src.SourceChart, categories: list[str], evaluator) -> tuple[str, ...]:
    """Each category's mark: "F" from the first forecast year on, "E" from the first estimated
    year on, "" for actual years. Only year categories can carry them."""
    estimate, forecast = _year_value(spec.estimate_from, evaluator), _year_value(spec.forecast_from, evaluator)
    if estimate is None and forecast is None:
        return ()
    given = spec.estimate_from or spec.forecast_from
    if not categories or not all(YEAR_RE.fullmatch(c) for c in categories):
        raise ReportgenError("estimate and forecast marks belong to charts whose categories are years "
                             f"(this one has {_names(categories[:3])}…)", given.loc)
    if estimate is not None and forecast is not None and forecast < estimate:
        raise ReportgenError(f"`forecast_from: {forecast}` comes before `estimate_from: {estimate}`: "
                             "estimates come before forecasts", spec.forecast_from.loc)
    return tuple("F" if forecast is not None and int(c) >= forecast else
                 "E" if estimate is not None and int(c) >= estimate else "" for c in categories)


def _growth(item: src.SourceCagr, spec: src.SourceChart, categories: list[str], series: list, state) -> m.Growth:
    """A growth annotation: its period as category positions, its rate (given, or computed from
    the series' values at both ends) and its label with the report's percent decimals."""
    evaluator = state.hooks.evaluator
    for key in (item.start, item.end):
        if key not in categories:
            raise ReportgenError(f"`cagr` names `{key}`, which is not one of the chart's categories "
                                 f"({_names(categories)})", item.loc)
    start, end = categories.index(item.start), categories.index(item.end)
    if end <= start:
        raise ReportgenError(f"`cagr` runs from `{item.start}` to `{item.end}`: `to` should come after `from`", item.loc)
    years = (int(item.end) - int(item.start) if all(YEAR_RE.fullmatch(c) for c in (item.start, item.end))
             else end - start)
    if isinstance(item.value, str):
        value = evaluator.value(item.value, item.loc)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ReportgenError(f"`cagr` value `{item.value}` should give a rate, not {_what(value)}", item.loc)
    elif item.value is not None:
        value = item.value
    else:
        if item.series is None and spec.type == "stacked_bar":
            columns = [[s.values[k] for s in series] for k in (start, end)]
            first, last = (None if any(v is None for v in c) else math.fsum(c) for c in columns)
        else:
            values = series[item.series or 0].values
            first, last = values[start], values[end]
        if first is None or last is None or first <= 0 or last < 0:
            raise ReportgenError(f"`cagr` from `{item.start}` to `{item.end}` needs positive values at both ends "
                                 "of the series; give `value:` instead", item.loc)
        value = (last / first) ** (1 / years) - 1
    words = state.text(item.label) if item.label else "CAGR"
    return m.Growth(start, end, float(value), f"{words} {evaluator.percent(value, item.digits)}".strip())


def _total(spec: src.SourceChart, evaluated: list, state) -> str:
    """A donut's centre: the total of its values with their unit or currency ("281个", "USD 3.3
    billion"); nothing for values without a unit (shares add up to 100%, which says nothing)."""
    if spec.type != "donut" or not evaluated or not isinstance(evaluated[0][1], DataMap):
        return ""
    numbers = [v for v in evaluated[0][1].values() if not is_missing(v) and isinstance(v, (int, float))]
    if not numbers:
        return ""
    evaluator = state.hooks.evaluator
    currency = getattr(numbers[0], "currency", None)
    unit = getattr(numbers[0], "unit", None)
    # The total is as precise as its finest part, so it prints with the data's decimals.
    resolutions = [r for r in (getattr(v, "resolution", None) for v in numbers) if r]
    total = Num.make(math.fsum(numbers), min(resolutions) if resolutions else None, currency, unit)
    if currency:
        return evaluator.money(total, currency)
    if unit:
        unit = state.translate_data(str(unit))
        joiner = "" if unit[:1] and not unit[:1].isascii() else " "
        return f"{evaluator.number(total)}{joiner}{unit}"
    return ""


def _what(value) -> str:
    if isinstance(value, DataList):
        return "a table of records"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "a single number"
    return f"`{value}`" if isinstance(value, str) else type(value).__name__


def _label(v, original, item: src.SourceSeries, spec: src.SourceChart, values: list, scale: float, evaluator) -> str:
    """A value's label, with the digits the spec or the data give: a share or a percentage
    takes the `digits:` the chart gives, else the spec's `formats.percent_digits`, exactly as a
    table column of the same values does, so a chart and a table never disagree."""
    if v is None or item.labels == "none":
        return ""
    if spec.type in ("pie", "donut"):
        total = math.fsum(x for x in values if x is not None)
        return evaluator.percent(v / total, item.digits) if total else ""
    if item.labels == "percent":
        # The value as the data wrote it (when not rescaled), so it keeps its written decimals.
        return evaluator.percent(original if scale == 1 and original is not None else v, item.digits)
    if item.labels == "money":
        return evaluator.money(original, digits=item.digits)
    digits = item.digits
    if digits is None:
        resolution = getattr(original, "resolution", None)
        # Data written more finely than a label can print (1.0e-300) shows the most decimals.
        digits = None if resolution is None else min(max(0, _places(resolution / scale)), MAX_DIGITS)
    return evaluator.number(v, digits)


def _points(spec: src.SourceChart, item: src.SourceSeries, value, state) -> m.Series:
    """A scatter or bubble series: one point per record."""
    expression, loc = item.data, item.data_loc
    if not isinstance(value, DataList):
        raise ReportgenError(f"`{expression}` should name a table of records (a list of mappings) for a {spec.type} chart", loc)
    name = state.text(item.name)  # before the point names: strings are extracted in reading order
    xs, ys, sizes, points = [], [], [], []
    for record in value:
        for f in (item.x, item.y, item.size):
            if f and (f not in record or isinstance(record[f], bool) or not isinstance(record[f], (int, float))):
                raise ReportgenError(f"record {getattr(record, 'path', expression)} has no number `{f}`"
                                     f"{did_you_mean(f, list(record))}", loc)
        xs.append(float(record[item.x]))
        ys.append(float(record[item.y]))
        if item.size:
            sizes.append(float(record[item.size]))
        if item.label:
            points.append(state.translate_data(str(record.get(item.label, ""))))
    return m.Series(name, tuple(ys), item.kind, item.axis, x=tuple(xs), sizes=tuple(sizes),
                    points=tuple(points))


def _places(resolution: float) -> int:
    return math.ceil(-math.log10(resolution) - 1e-9) if resolution > 0 else 0
