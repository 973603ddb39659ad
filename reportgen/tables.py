"""Tables from data: rows from records, per-column formats, sorting, totals and merged cells."""

from __future__ import annotations

from . import model as m
from .data import DataMap
from .errors import ReportgenError, did_you_mean
from .mdconv import parse_inlines


def resolve_data_table(table: m.Table, state) -> None:
    """Fill `table.body` (and a totals row in `table.foot`) from its data expression."""
    spec = table.spec
    table.spec = None
    evaluator = state.hooks.evaluator
    expression, loc = spec["data"]
    records = evaluator.value(expression, loc)
    if isinstance(records, DataMap):
        # A mapping of key → record (or key → value) reads as rows keyed by their first column.
        rows = []
        for key, value in records.items():
            record = DataMap(value) if isinstance(value, DataMap) else DataMap({"value": value})
            record.path = f"{records.path}.{key}"
            record.setdefault("key", key)
            rows.append(record)
        records = rows
    if not isinstance(records, list):
        raise ReportgenError(f"`{expression}` should be a table of records (a list of mappings or a CSV file)", loc)
    fields = spec["fields"]
    for record in records:
        for f in fields:
            if f["field"] not in record:
                raise ReportgenError(f"`{f['field']}`: no such column in {getattr(record, 'path', expression)}"
                                     f"{did_you_mean(f['field'], [str(k) for k in record])}", f["loc"])
    if spec["sort"]:
        key, descending = spec["sort"]
        records = sorted(records, key=lambda r: (r[key] is None, r[key]), reverse=descending)
    # A `share` column shows each value as a part of the column's total.
    totals = {f["field"]: sum(r[f["field"]] for r in records if _is_number(r[f["field"]]))
              for f in fields if f["format"] == "share"}
    body = []
    for record in records:
        body.append([m.Cell(parse_inlines(_format(record[f["field"]], f, evaluator, state, totals))) for f in fields])
    _merge(body, fields)
    table.body = body
    if spec["total"]:
        row = []
        for i, f in enumerate(fields):
            numeric = [r[f["field"]] for r in records if isinstance(r[f["field"]], (int, float))]
            if i == 0:
                text = state.terms.get("total", "Total")
            elif f["format"] == "share" and numeric:
                text = evaluator.percent(1.0, f["digits"])
            elif f["format"] in ("number", "money") and numeric:
                text = _format(sum(numeric), f, evaluator, state)
            else:
                text = ""
            row.append(m.Cell([m.Str(text)]))
        table.foot = [row]


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _format(value, f: dict, evaluator, state, totals: dict | None = None) -> str:
    fmt, digits = f["format"], f["digits"]
    if value is None or value == "":
        return ""
    if fmt == "share":
        total = (totals or {}).get(f["field"])
        return evaluator.percent(value / total, digits) if _is_number(value) and total else ""
    if fmt == "text" or isinstance(value, str):
        # Text from data is a category label: translatable like chart categories.
        return state.translate_data(str(value), "data") if fmt == "text" else str(value)
    if fmt == "percent":
        return evaluator.percent(value, digits)
    if fmt == "money":
        return evaluator.money(value, digits=digits)
    return evaluator.number(value, digits)


def _merge(body: list, fields: list) -> None:
    """Merge runs of equal text in columns marked `merge: true` into one spanning cell."""
    for col, f in enumerate(fields):
        if not f["merge"]:
            continue
        start = 0
        while start < len(body):
            first = body[start][col]
            end = start + 1
            while end < len(body) and body[end][col] is not None and first is not None and \
                    m.plain(body[end][col].inlines) == m.plain(first.inlines):
                end += 1
            if first is not None and end - start > 1:
                first.rowspan = end - start
                for r in range(start + 1, end):
                    body[r][col] = None
            start = end
