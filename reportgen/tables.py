"""Tables from data: rows from records, per-column formats, sorting, totals and merged cells.

Text from data is printed as written (a `Str`), never parsed as Markdown, unless its
column says `format: markdown`. A missing value (YAML null, an empty CSV cell, `n/a`)
shows the edition's missing mark, is left out of totals and shares, and a note under
the table says so.
"""

from __future__ import annotations

import dataclasses
import math

from . import model as m
from . import source as src
from .charts import is_missing
from .data import DataMap
from .errors import ReportgenError, did_you_mean
from .expr import ExprError
from .mdconv import parse_inlines

NUMERIC = ("number", "percent", "money", "share")


def data_rows(table: src.SourceTable, state) -> tuple[tuple, tuple, tuple | None]:
    """(body, foot, note line about missing values or None) of a table from data."""
    spec = table.rows
    evaluator = state.hooks.evaluator
    records = evaluator.value(spec.expression, spec.loc)
    if isinstance(records, DataMap):
        # A mapping of key → record (or key → value) reads as rows keyed by their first column.
        rows = []
        for key, value in records.items():
            record = DataMap(value) if isinstance(value, DataMap) else DataMap({"value": value})
            record.path = f"{records.path}.{key}"
            record.setdefault("key", key)
            rows.append(record)
        records = rows
    if not isinstance(records, list) or any(not isinstance(r, dict) for r in records):
        raise ReportgenError(f"`{spec.expression}` should be a table of records (a list of mappings or a CSV file)",
                             spec.loc)
    fields = spec.fields
    for record in records:
        for f in fields:
            if f.field not in record:
                raise ReportgenError(f"`{f.field}`: no such column in {getattr(record, 'path', spec.expression)}"
                                     f"{did_you_mean(str(f.field), [str(k) for k in record])}", f.loc)
    if spec.sort:
        records = _sorted(records, *spec.sort)
    # A `share` column shows each value as a part of the column's total (of the values it has).
    totals = {f.field: math.fsum(r[f.field] for r in records if _is_number(r[f.field]))
              for f in fields if f.format == "share"}
    missing = state.terms.get("missing", "—")
    gaps = 0
    body = []
    for record in records:
        row = []
        for f in fields:
            value = record[f.field]
            if is_missing(value):
                gaps += 1
                row.append(m.Cell((m.Str(missing),)))
            else:
                try:
                    row.append(m.Cell(_cell(value, f, evaluator, state, totals)))
                except ExprError as exc:  # a value no format can print (e.g. 1e300)
                    raise ReportgenError(f"`{f.field}` of {getattr(record, 'path', spec.expression)}: {exc}",
                                         f.loc) from None
        body.append(row)
    _merge(body, fields)
    foot = ()
    if spec.total:
        cells = []
        for i, f in enumerate(fields):
            numeric = [r[f.field] for r in records if _is_number(r[f.field])]
            if i == 0:
                text = state.terms.get("total", "Total")
            elif f.format == "share" and numeric:
                text = evaluator.percent(1.0, f.digits)
            elif f.format in ("number", "money") and numeric:
                try:
                    text = _format(math.fsum(numeric), f, evaluator, state)
                except ExprError as exc:
                    raise ReportgenError(f"the total of `{f.field}`: {exc}", f.loc) from None
            else:
                text = ""
            cells.append(m.Cell((m.Str(text),)))
        foot = (tuple(cells),)
    note = None
    if gaps:
        template = state.terms.get("missing_note", "{mark}: no data; left out of totals and shares")
        note = (m.Str(template.replace("{mark}", missing)),)
    return tuple(tuple(row) for row in body), foot, note


def _sorted(records: list, key: str, descending: bool) -> list:
    """Records by one field; numbers before text, and missing values last in either direction."""
    present = [r for r in records if not is_missing(r[key])]
    absent = [r for r in records if is_missing(r[key])]

    def order(record):
        value = record[key]
        return (0, float(value), "") if _is_number(value) else (1, 0.0, str(value))

    return sorted(present, key=order, reverse=descending) + absent


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _cell(value, f: src.SourceField, evaluator, state, totals: dict) -> tuple:
    """The inline runs of one data cell: plain text, except in a `format: markdown` column."""
    text = _format(value, f, evaluator, state, totals)
    if f.format == "markdown":
        return tuple(parse_inlines(text))
    return (m.Str(text),) if text else ()


def _format(value, f: src.SourceField, evaluator, state, totals: dict | None = None) -> str:
    fmt, digits = f.format, f.digits
    if fmt == "share":
        total = (totals or {}).get(f.field)
        return evaluator.percent(value / total, digits) if _is_number(value) and total else ""
    if fmt in ("text", "markdown") or not _is_number(value):
        # Text from data is a category label: translatable like chart categories.
        text = str(int(value)) if _is_number(value) and float(value).is_integer() else str(value)
        return state.translate_data(text) if fmt in ("text", "markdown") else text
    if fmt == "percent":
        return evaluator.percent(value, digits)
    if fmt == "money":
        return evaluator.money(value, digits=digits)
    return evaluator.number(value, digits)


def _merge(body: list, fields) -> None:
    """Merge runs of equal text in columns marked `merge: true` into one spanning cell."""
    for col, f in enumerate(fields):
        if not f.merge:
            continue
        start = 0
        while start < len(body):
            first = body[start][col]
            end = start + 1
            while end < len(body) and body[end][col] is not None and first is not None and \
                    m.plain(body[end][col].inlines) == m.plain(first.inlines):
                end += 1
            if first is not None and end - start > 1:
                body[start][col] = dataclasses.replace(first, rowspan=end - start)
                for r in range(start + 1, end):
                    body[r][col] = None
            start = end
