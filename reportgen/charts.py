"""Charts in specs: the `chart:` block's settings, and their evaluation per edition.

`load_chart` validates the settings (spec stage); `resolve_chart` evaluates the data
expressions and formats labels for an edition's locale (resolve stage). Drawing is
`chartdraw.render_chart`'s job.
"""

from __future__ import annotations

from . import model as m
from .data import DataList, DataMap
from .errors import ReportgenError, did_you_mean
from .yamlsrc import YList, YMap

TYPES = ("bar", "barh", "grouped_bar", "stacked_bar", "line", "pie", "donut", "bar_line", "scatter", "bubble")
CHART_KEYS = {"type", "caption", "source", "note", "title", "x_label", "y_label", "y2_label", "value_labels",
              "series", "data", "name", "categories", "quadrants", "width", "height", "scale", "labels"}
SERIES_KEYS = {"name", "data", "kind", "axis", "scale", "labels", "x", "y", "size", "label"}
LABEL_FORMATS = ("number", "percent", "money", "none")


def load_chart(node: YMap, ctx: str, loader) -> m.Chart | None:
    """Validate a `chart:` mapping; keep raw texts and expressions for `resolve_chart`."""
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
    raw_series = []
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
        raw_series.append({
            "name": loader.raw(item, "name", f"{ctx}|chart.series", "a chart series"),
            "data": (str(item["data"]), item.loc_of("data")),
            "kind": kind_of, "axis": axis, "labels": labels,
            "scale": _scale(item.get("scale", node.get("scale")), item.loc_of("scale"), loader),
            "fields": {k: str(item[k]) for k in ("x", "y", "size", "label") if k in item},
        })
    quadrants = node.get("quadrants")
    raw_quadrants = None
    if quadrants is not None:
        if not isinstance(quadrants, YMap) or not {"x", "y"} <= set(quadrants):
            loader.diags.error(node.loc_of("quadrants"), "`quadrants` should be {x: number, y: number, labels: [4 names]}")
        else:
            names = quadrants.get("labels") or []
            if names and (not isinstance(names, YList) or len(names) != 4):
                loader.diags.error(quadrants.loc_of("labels"), "quadrant `labels` should list 4 names: "
                                   "top-left, top-right, bottom-left, bottom-right")
                names = []
            raw_quadrants = {"x": quadrants["x"], "y": quadrants["y"],
                             "labels": [m.Raw(str(n), names.loc_of(i), f"{ctx}|chart.quadrant") for i, n in enumerate(names)]}
    value_labels = node.get("value_labels", False)
    if not isinstance(value_labels, bool):
        loader.diags.error(node.loc_of("value_labels"), "`value_labels` should be true or false")
        value_labels = False
    raw = {
        "caption": loader.raw(node, "caption", f"{ctx}|chart.caption", "a chart"),
        "source": loader.raw(node, "source", f"{ctx}|chart.source", "a chart"),
        "note": loader.raw(node, "note", f"{ctx}|chart.note", "a chart"),
        "title": loader.raw(node, "title", f"{ctx}|chart.title", "a chart"),
        "x_label": loader.raw(node, "x_label", f"{ctx}|chart.axis", "a chart"),
        "y_label": loader.raw(node, "y_label", f"{ctx}|chart.axis", "a chart"),
        "y2_label": loader.raw(node, "y2_label", f"{ctx}|chart.axis", "a chart"),
        "categories": (str(node["categories"]), node.loc_of("categories")) if "categories" in node else None,
        "series": raw_series, "quadrants": raw_quadrants, "ctx": ctx,
    }
    return m.Chart(kind, value_labels=value_labels, width=loader.share(node, "width", 1.0),
                   height=_height(node, loader), spec=raw, loc=node.loc)


def _height(node: YMap, loader) -> float:
    value = node.get("height", 0.6)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.2 <= value <= 2:
        loader.diags.error(node.loc_of("height"), "`height` is a share of the chart's width, from 0.2 to 2")
        return 0.6
    return float(value)


def _scale(value, loc, loader):
    """Divide values by this for drawing (e.g. 1e8 for 亿元); a number or {zh: 1e8, en: 1e9}."""
    if value is None:
        return None
    if isinstance(value, YMap):
        out = {}
        for key, v in value.items():
            out[str(key)] = _scale(v, value.loc_of(key), loader)
        return out
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0
    if number <= 0:
        loader.diags.error(loc, "`scale` should be a positive number such as 1e8, or one per language {zh: 1e8, en: 1e9}")
        return None
    return number


def _scale_for(scale, locale: str) -> float:
    if isinstance(scale, dict):
        return scale.get(locale) or scale.get(locale.split("_")[0]) or 1.0
    return scale or 1.0


def resolve_chart(chart: m.Chart, state) -> list:
    """Evaluate a chart's data for one edition; returns the resolved Chart node."""
    raw = chart.spec
    evaluator = state.hooks.evaluator
    text = state.text
    chart.title = text(raw["title"])
    chart.x_label, chart.y_label, chart.y2_label = (text(raw[k]) for k in ("x_label", "y_label", "y2_label"))
    chart.caption = state.caption(m.Caption("", 0, [raw["caption"]]), "figure") if raw["caption"] else None
    chart.source = state.inlines([raw["source"]]) if raw["source"] else None
    chart.note = state.inlines([raw["note"]]) if raw["note"] else None
    ctx = raw["ctx"]
    categories: list = []
    chart.series = []
    for item in raw["series"]:
        expression, loc = item["data"]
        value = evaluator.value(expression, loc)
        scale = _scale_for(item["scale"], state.locale)
        name = text(item["name"]) if item["name"] else ""
        if chart.type in ("scatter", "bubble"):
            if not isinstance(value, DataList):
                raise ReportgenError(f"`{expression}` should name a table of records (a list of mappings) for a {chart.type} chart", loc)
            series = m.Series(name, [], kind=item["kind"], axis=item["axis"])
            fields = item["fields"]
            for record in value:
                for key in ("x", "y", "size"):
                    f = fields.get(key)
                    if f and (f not in record or not isinstance(record[f], (int, float))):
                        raise ReportgenError(f"record {record.path} has no number `{f}`"
                                             f"{did_you_mean(f, list(record))}", loc)
                series.x.append(float(record[fields["x"]]))
                series.values.append(float(record[fields["y"]]))
                if "size" in fields:
                    series.sizes.append(float(record[fields["size"]]))
                if "label" in fields:
                    series.points.append(state.translate_data(str(record.get(fields["label"], "")), ctx))
            chart.series.append(series)
            continue
        if not isinstance(value, DataMap):
            raise ReportgenError(f"`{expression}` should be a series (a mapping of year or category to value), "
                                 f"not {type(value).__name__}", loc)
        keys = list(value)
        if not categories:
            categories = keys
        values = []
        for key in categories:
            v = value.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                raise ReportgenError(f"`{value.path}` holds `{v}` for `{key}`, not a number", loc)
            values.append(None if v is None else float(v) / scale)
        labels = []
        for v, original in zip(values, [value.get(k) for k in categories]):
            if v is None or item["labels"] == "none":
                labels.append("")
            elif chart.type in ("pie", "donut"):
                total = sum(x for x in values if x is not None)
                labels.append(evaluator.percent(v / total, 1) if total else "")
            elif item["labels"] == "percent":
                labels.append(evaluator.percent(v, 1))
            elif item["labels"] == "money":
                labels.append(evaluator.money(original))
            else:
                resolution = getattr(original, "resolution", None)
                digits = None if resolution is None else max(0, _places(resolution / scale))
                labels.append(evaluator.number(v, digits))
        chart.series.append(m.Series(name, values, item["kind"], item["axis"], labels))
    if raw["categories"]:
        expression, loc = raw["categories"]
        listed = evaluator.value(expression, loc)
        categories = list(listed.keys() if isinstance(listed, DataMap) else listed)
    chart.categories = [state.translate_data(str(c), ctx) for c in categories]
    if raw["quadrants"]:
        q = raw["quadrants"]
        chart.quadrants = {"x": float(q["x"]), "y": float(q["y"]), "labels": [text(r) for r in q["labels"]]}
    chart.spec = None
    return [chart]


def _places(resolution: float) -> int:
    import math

    return math.ceil(-math.log10(resolution) - 1e-9) if resolution > 0 else 0
