"""JSON Schemas of report specs, layouts and data files, for editors (completion, inline errors).

The schemas are made here from the loaders' own key sets (`spec.TOP_KEYS`, `charts.CHART_KEYS`,
`layout.KNOWN`, ...): each mapping's properties must name exactly the keys its loader
accepts, or making the schema fails, so a key added to a loader cannot be missing from the
schema. The made schemas are shipped as `reportgen/schema/{spec,layout,data}.json`;
`python -m reportgen.schema` writes them again after a loader changes (a test checks that
the shipped files are the ones made now).

A schema says what a value may look like; the loaders still check what a schema cannot
(files that exist, data names, expressions, sizes against the page).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

DRAFT = "http://json-schema.org/draft-07/schema#"
KINDS = ("spec", "fragment", "layout", "data")


class SchemaDrift(RuntimeError):
    """The schema's properties and a loader's keys differ."""


def _exact(properties: dict, keys, what: str) -> dict:
    """`properties`, checked to name exactly the keys the loader of `what` accepts."""
    missing, extra = set(keys) - set(properties), set(properties) - set(keys)
    if missing or extra:
        raise SchemaDrift(f"the schema of {what} and its loader differ: missing {sorted(missing)}, "
                          f"not in the loader {sorted(extra)}")
    return properties


def _object(properties: dict, keys, what: str, required=(), description: str = "") -> dict:
    out = {"type": "object", "properties": _exact(properties, keys, what), "additionalProperties": False}
    if required:
        out["required"] = list(required)
    if description:
        out["description"] = description
    return out


def _ref(name: str) -> dict:
    return {"$ref": f"#/definitions/{name}"}


TEXT = {"type": ["string", "number", "boolean"], "description": "text (Markdown where the README says so)"}
PATH = {"type": "string", "description": "a file path inside the project"}
EXPRESSION = {"type": "string", "description": "a data expression, e.g. markets.ai.size"}
DIGITS = {"type": "integer", "minimum": 0, "maximum": 6, "description": "decimals shown"}
LOCALE = {"type": "string", "pattern": r"^[a-z]{2,3}(_[A-Z][a-z]{3})?(_[A-Z]{2})?$",
          "description": "a locale name written with _, e.g. zh_CN, en, zh_TW"}
SHARE = {"anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                   {"type": "string", "pattern": r"^\s*[0-9]+(\.[0-9]+)?\s*%$"}],
         "description": "a share of the text width: 0 to 1, or a percentage such as 50%"}
ALIGN = {"enum": ["left", "center", "right"]}


def spec_schema() -> dict:
    from . import charts, spec

    text_blocks = {
        "text": {"text": TEXT},
        "quote": {"quote": TEXT},
        "page_break": {"page_break": {"description": "a new page starts here (the value is not read)"}},
        "include": {"include": PATH},
    }
    cell = {"anyOf": [TEXT, {"type": "null"},
                      _object({"text": TEXT, "rowspan": {"type": "integer", "minimum": 1, "maximum": 10000},
                               "colspan": {"type": "integer", "minimum": 1, "maximum": 10000}, "align": ALIGN},
                              spec.CELL_KEYS, "a table cell", required=("text",))]}
    rows = {"type": "array", "items": {"type": "array", "items": cell}}
    column = _object({
        "header": TEXT, "width": SHARE, "align": ALIGN, "field": {"type": ["string", "number"]},
        "format": {"enum": list(spec.COLUMN_FORMATS)}, "digits": DIGITS, "merge": {"type": "boolean"},
    }, spec.COLUMN_KEYS, "a table column")
    table = _object({
        "caption": TEXT, "source": TEXT, "note": TEXT,
        "columns": {"type": "array", "minItems": 1, "items": {"anyOf": [TEXT, column]}},
        "rows": rows, "head": rows, "foot": rows, "style": {"enum": ["grid", "stats"]},
        "data": EXPRESSION, "sort": {"type": "string", "description": "a field, or -field for descending"},
        "total": {"type": "boolean"},
    }, spec.TABLE_KEYS, "a table", required=("columns",))
    stats = _object({
        "title": TEXT, "source": TEXT,
        "rows": {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": TEXT}},
    }, spec.STATS_KEYS, "a stats table", required=("rows",))
    figure = _object({"image": PATH, "caption": TEXT, "source": TEXT, "width": SHARE, "alt": TEXT, "note": TEXT},
                     spec.FIGURE_KEYS, "a figure", required=("image",))
    callout = _object({"title": TEXT, "text": TEXT, "kind": {"enum": ["note", "case", "quote"]}},
                      spec.CALLOUT_KEYS, "a callout", required=("text",))
    scale = {"anyOf": [{"type": ["number", "string"]},
                       {"type": "object", "propertyNames": LOCALE, "additionalProperties": {"type": ["number", "string"]}}],
             "description": "divide values by this to draw them (1e8 for 亿), or per language {zh: 1e8, en: 1e9}"}
    labels = {"enum": list(charts.LABEL_FORMATS)}
    series = _object({
        "name": TEXT, "data": EXPRESSION, "kind": {"enum": ["bar", "line"]}, "axis": {"enum": ["left", "right"]},
        "scale": scale, "labels": labels, "x": {"type": "string"}, "y": {"type": "string"},
        "size": {"type": "string"}, "label": {"type": "string"}, "digits": DIGITS,
    }, charts.SERIES_KEYS, "a chart series", required=("data",))
    year = {"type": ["integer", "string"],
            "description": "the first estimate (E) or forecast (F) year, or a data expression giving it"}
    cagr = _object({
        "from": {"type": ["integer", "string"]}, "to": {"type": ["integer", "string"]}, "series": TEXT,
        "value": {"type": ["number", "string"]}, "label": TEXT, "digits": DIGITS,
    }, charts.CAGR_KEYS, "a growth arrow (`cagr`)", required=("from", "to"))
    chart = _object({
        "type": {"enum": list(charts.TYPES)}, "caption": TEXT, "source": TEXT, "note": TEXT, "title": TEXT,
        "x_label": TEXT, "y_label": TEXT, "y2_label": TEXT, "value_labels": {"type": "boolean"},
        "series": {"type": "array", "minItems": 1, "items": series}, "data": EXPRESSION, "name": TEXT,
        "categories": {"type": "string", "description": "an expression giving the category keys in order"},
        "quadrants": {"type": "object", "required": ["x", "y"], "additionalProperties": False,
                      "properties": {"x": {"type": "number"}, "y": {"type": "number"},
                                     "labels": {"type": "array", "minItems": 4, "maxItems": 4, "items": TEXT}}},
        "width": SHARE, "height": {"type": "number", "minimum": 0.2, "maximum": 2,
                                   "description": "a share of the chart's width"},
        "scale": scale, "labels": labels, "digits": DIGITS,
        "alt": TEXT, "centre": TEXT, "estimate_from": year, "forecast_from": year,
        "cagr": {"anyOf": [cagr, {"type": "array", "minItems": 1, "items": cagr}]},
    }, charts.CHART_KEYS, "a chart", required=("type",))
    kinds = {**text_blocks, "callout": {"callout": callout}, "table": {"table": table}, "stats": {"stats": stats},
             "figure": {"figure": figure}, "chart": {"chart": chart}}
    _exact(kinds, spec.BLOCK_KINDS, "a block")
    block = {"anyOf": [TEXT] + [
        {"type": "object", "properties": props, "required": [name], "additionalProperties": False}
        for name, props in sorted(kinds.items())
    ], "description": "Markdown text, or a mapping with one of: " + ", ".join(sorted(kinds))}
    blocks = {"type": "array", "items": _ref("block")}
    section = _object({
        "title": TEXT, "id": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"}, "blocks": blocks,
        "sections": {"type": "array", "items": _ref("section_or_include")},
        "numbered": {"type": "boolean"}, "toc": {"type": "boolean"}, "page_break": {"type": "boolean"},
        "part": {"type": "boolean"},
        "child_numbering": {"type": "string", "description": "e.g. \"{1}.{2:alpha} \""},
    }, spec.SECTION_KEYS, "a section", required=("title",))
    section_or_include = {"anyOf": [_ref("section"), {
        "type": "object", "properties": {"include": PATH}, "required": ["include"], "additionalProperties": False}]}
    formats = _object({
        "percent_digits": DIGITS, "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "currency_names": {"type": "object", "additionalProperties": {"type": "string"}},
    }, spec.FORMAT_KEYS, "`formats`")
    closing = _object({part: TEXT for part in spec.CLOSING_PARTS}, spec.CLOSING_PARTS, "`closing`",
                      description="the closing page: Markdown text per part")
    top = {
        "id": {"type": "string", "description": "the report id: its folder's name"},
        "title": TEXT, "subtitle": TEXT, "edition": TEXT, "date": TEXT, "author": TEXT, "logo": PATH,
        "layout": {"type": "string", "description": "a layout in layouts/ (without .yaml)"},
        "source_locale": LOCALE, "locales": {"type": "array", "minItems": 1, "items": LOCALE},
        "draft_locales": {"type": "array", "items": LOCALE},
        "data": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
                 "description": "data files of content/data/ this report reads (names without extension)"},
        "sections": {"type": "array", "items": _ref("section_or_include")}, "front": blocks, "formats": formats,
        "publisher": TEXT, "report_code": TEXT, "closing": closing,
    }
    schema = _object(top, spec.TOP_KEYS, "the report", required=("title", "sections"),
                     description="A reportgen report spec: content/<id>/report.yaml")
    return {"$schema": DRAFT, "title": "reportgen report spec", **schema,
            "definitions": {"block": block, "section": section, "section_or_include": section_or_include}}


def fragment_schema() -> dict:
    """A file a spec includes: a section, a list of sections (or `sections:` holding one), or blocks."""
    report = spec_schema()
    definitions = report["definitions"]
    return {"$schema": DRAFT, "title": "reportgen spec fragment",
            "description": "A file a report spec includes (`- include: part.yaml`): sections or blocks",
            "anyOf": [
                _ref("section"),
                {"type": "array", "items": _ref("section_or_include")},
                {"type": "object", "properties": {"sections": {"type": "array", "items": _ref("section_or_include")}},
                 "required": ["sections"], "additionalProperties": False},
                {"type": "array", "items": _ref("block")},
                _ref("block"),
            ],
            "definitions": definitions}


def layout_schema() -> dict:
    from . import layout as lay
    from .fonts import FAMILIES

    length = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^\s*-?\d+(\.\d+)?\s*(mm|cm|in|pt)\s*$"}],
              "description": "a length: 20mm, 2cm, 1in, 12pt or a number of points"}
    color = {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$", "description": "#RRGGBB, in quotes"}
    slots = _object({slot: {"type": "string"} for slot in lay.SLOTS}, lay.SLOTS, "a header or footer")
    lo, hi = lay.SIZE_RANGE
    props = {
        "name": {"type": "string"},
        "page": _object({
            "size": {"anyOf": [{"enum": list(lay.PAGE_SIZES)},
                               {"type": "array", "minItems": 2, "maxItems": 2, "items": length}]},
            "orientation": {"enum": ["portrait", "landscape"]},
            "margins": _object({side: length for side in lay.MARGIN_KEYS}, lay.MARGIN_KEYS, "`page.margins`"),
        }, lay.PAGE_KEYS, "`page`"),
        "fonts": _object({"pdf": {"enum": sorted(FAMILIES)},
                          "word_latin": {"type": "string", "minLength": 1, "maxLength": lay.MAX_FONT_NAME},
                          "word_east_asia": {"type": "string", "minLength": 1, "maxLength": lay.MAX_FONT_NAME}},
                         lay.FONT_KEYS, "`fonts`"),
        "sizes": _object({key: {"type": "number", "minimum": lo, "maximum": hi} for key in lay.DEFAULT_SIZES},
                         lay.DEFAULT_SIZES, "`sizes`"),
        "line_spacing": {"type": "number", "minimum": lay.LINE_SPACING_RANGE[0], "maximum": lay.LINE_SPACING_RANGE[1]},
        "paragraph": _object({
            "first_line_indent": {"type": "number", "minimum": lay.INDENT_RANGE[0], "maximum": lay.INDENT_RANGE[1]},
            "space_after": {"type": "number", "minimum": lay.SPACE_AFTER_RANGE[0], "maximum": lay.SPACE_AFTER_RANGE[1]},
            "hanging_punctuation": {"type": "boolean", "description": "let 。，、 hang past a line's end (PDF)"},
        }, lay.PARAGRAPH_KEYS, "`paragraph`"),
        "colors": _object({key: color for key in lay.DEFAULT_COLORS}, lay.DEFAULT_COLORS, "`colors`"),
        "palette": {"type": "array", "minItems": 1, "maxItems": lay.MAX_PALETTE, "items": color},
        "header": slots, "footer": slots,
        "numbering": _object({family: {"type": "array", "minItems": 1, "maxItems": lay.MAX_NUMBERING_LEVELS,
                                       "items": {"type": ["string", "number"]}} for family in lay.DEFAULT_NUMBERING},
                             lay.DEFAULT_NUMBERING, "`numbering`"),
        "toc_depth": {"type": "integer", "minimum": 1, "maximum": 4},
        "cover": _object({"band": {"type": "boolean"}, "logo": PATH}, lay.COVER_KEYS, "`cover`"),
        "docx_reference": {"type": "string", "description": "a .docx in layouts/ whose styles Word files use"},
        "chapter_break": {"enum": list(lay.CHAPTER_BREAKS)},
        "chapter_break_min_space": {"type": "number", "minimum": lay.CHAPTER_BREAK_SPACE_RANGE[0],
                                    "maximum": lay.CHAPTER_BREAK_SPACE_RANGE[1]},
        "caption_separator": {"type": "string", "minLength": 1, "maxLength": lay.MAX_CAPTION_SEPARATOR},
        "publisher": {"type": "string"},
        "closing": _object({part: {"type": "string"} for part in lay.CLOSING_PARTS}, lay.CLOSING_PARTS, "`closing`"),
        "chart_format": {"enum": list(lay.CHART_FORMATS)},
    }
    overridable = {key: value for key, value in props.items() if key != "name"}
    props["locales"] = {"type": "object", "propertyNames": LOCALE,
                        "additionalProperties": {"type": "object", "properties": overridable,
                                                 "additionalProperties": False},
                        "description": "overrides per language or locale, e.g. en: {paragraph: {first_line_indent: 0}}"}
    schema = _object(props, lay.KNOWN, "a layout", description="A reportgen layout: layouts/<name>.yaml")
    return {"$schema": DRAFT, "title": "reportgen layout", **schema}


def data_schema() -> dict:
    from . import data

    unit = {"anyOf": [{"type": "string", "description": "a unit name printed after the value, e.g. 个"},
                      _object({"currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                               "scale": {"type": ["number", "string"], "description": "1e8 for values written in 亿"},
                               "unit": {"type": "string"}}, data.UNIT_KEYS, "a unit")]}
    value = {"anyOf": [{"type": ["number", "string", "boolean", "null"]}, _ref("group"),
                       {"type": "array", "items": {"anyOf": [{"type": ["number", "string", "boolean", "null"]},
                                                             _ref("group")]}}]}
    group = {"type": "object", "properties": {"unit": unit}, "additionalProperties": _ref("value"),
             "description": "named values; `unit:` applies to the numbers under it"}
    figure = {"type": ["string", "number"], "description": "a data expression or a number"}
    check = _object({"expect": figure, "equals": figure, "tolerance": {"type": "number", "minimum": 0}},
                    data.CHECK_KEYS, "a check", required=("expect", "equals"))
    return {
        "$schema": DRAFT, "title": "reportgen data file",
        "description": "A reportgen YAML data file: content/data/<name>.yaml",
        "type": "object",
        "properties": {"unit": unit, "checks": {"type": "array", "items": check,
                                                "description": "published figures recomputed from the data"}},
        "additionalProperties": _ref("value"),
        "definitions": {"value": value, "group": group},
    }


MAKERS = {"spec": spec_schema, "fragment": fragment_schema, "layout": layout_schema, "data": data_schema}


def make(kind: str) -> str:
    """The schema of `kind` as made now from the loaders' rules, as JSON text."""
    return json.dumps(MAKERS[kind](), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def schema_text(kind: str) -> str:
    """The shipped schema of `kind` (spec, fragment, layout or data)."""
    return (resources.files("reportgen") / "schema" / f"{kind}.json").read_text(encoding="utf-8")


def main() -> None:
    folder = Path(__file__).resolve().parent / "schema"
    folder.mkdir(exist_ok=True)
    for kind in KINDS:
        (folder / f"{kind}.json").write_text(make(kind), encoding="utf-8")
        print(f"wrote reportgen/schema/{kind}.json")


if __name__ == "__main__":
    main()
