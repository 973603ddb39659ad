"""Shared data: `content/data/<name>.yaml` or `.csv`, loaded into read-only namespaces.

Numbers remember how precisely they were written (`268.9` → tenths) and their unit, so
formatting can print them to that precision in every locale without the editor
repeating it.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import Diagnostics, Loc, ReportgenError, did_you_mean
from .yamlsrc import YList, YMap, load, read_text

UNIT_KEYS = {"currency", "scale", "unit"}


class Num(float):
    """A number from a data file: its value in base units, its resolution and its unit."""

    resolution: float | None = None
    currency: str | None = None
    unit: str | None = None
    loc: Loc | None = None

    @classmethod
    def make(cls, value: float, resolution=None, currency=None, unit=None, loc=None) -> "Num":
        num = cls(value)
        num.resolution, num.currency, num.unit, num.loc = resolution, currency, unit, loc
        return num


class DataMap(dict):
    """A named mapping of data (a file, a group, a series); `path` names it in messages."""

    checks: list = []
    path: str = ""
    loc: Loc | None = None
    key_locs: dict


class DataList(list):
    """Records of a table (a YAML list of mappings or a CSV file)."""

    path: str = ""
    loc: Loc | None = None


@dataclass(frozen=True)
class Unit:
    currency: str | None = None
    scale: float = 1.0
    unit: str | None = None


def _decimals(text: str | None) -> int | None:
    if text is None:
        return None
    match = re.fullmatch(r"\s*[-+]?(\d[\d_]*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?\s*", str(text))
    if not match:
        return None
    places = len(match.group(2) or "")
    exponent = int(match.group(3) or 0)
    if match.group(2) is None:
        # In a whole number, trailing zeros are not taken as significant: 7000 is "about 7
        # thousand", and prints as 7,000亿 / 700 billion rather than 700.0 billion.
        digits = match.group(1).replace("_", "")
        places = -(len(digits) - len(digits.rstrip("0"))) if digits.strip("0") else 0
    return places - exponent


def _unit(node, loc: Loc, inherited: Unit, diags: Diagnostics, where) -> Unit:
    if node is None:
        return inherited
    if isinstance(node, str):
        return Unit(inherited.currency, inherited.scale, node)
    if not isinstance(node, YMap):
        diags.error(loc, "`unit` should be a mapping such as {currency: CNY, scale: 1e8} or a unit name", "data")
        return inherited
    for key in node:
        if key not in UNIT_KEYS:
            diags.error(node.key_locs[key], f"unknown unit key `{key}`{did_you_mean(key, UNIT_KEYS)}", "data")
    scale = node.get("scale", 1)
    if isinstance(scale, str):
        try:
            scale = float(scale)
        except ValueError:
            pass
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or scale <= 0:
        diags.error(node.loc_of("scale"), "`scale` should be a positive number such as 1e8", "data")
        scale = 1
    currency = node.get("currency", inherited.currency)
    if currency is not None and not re.fullmatch(r"[A-Z]{3}", str(currency)):
        diags.error(node.loc_of("currency"), f"currency `{currency}` should be an ISO code such as CNY or USD", "data")
    return Unit(currency and str(currency), float(scale), node.get("unit", inherited.unit))


def _convert(node, path: str, unit: Unit, diags: Diagnostics, loc: Loc, text=None):
    if isinstance(node, YMap):
        here = _unit(node.get("unit"), node.loc_of("unit"), unit, diags, path)
        out = DataMap()
        out.path, out.loc, out.key_locs = path, node.loc, dict(node.key_locs)
        for key, value in node.items():
            if key == "unit":
                continue
            out[key] = _convert(value, f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]",
                                here, diags, node.loc_of(key), node.texts.get(key))
        return out
    if isinstance(node, YList):
        out = DataList()
        out.path, out.loc = path, node.loc
        for i, value in enumerate(node):
            out.append(_convert(value, f"{path}[{i}]", unit, diags, node.loc_of(i), node.texts[i]))
        return out
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, (int, float)):
        if isinstance(node, float) and not math.isfinite(node):
            diags.error(loc, f"`{text}` is not a finite number", "data")
            return node
        places = _decimals(text)
        resolution = 10.0 ** (-places) * unit.scale if places is not None else None
        return Num.make(float(node) * unit.scale, resolution, unit.currency, unit.unit, loc)
    return node


def _csv(path: Path, display: str, name: str, diags: Diagnostics) -> DataList:
    text = read_text(path, display)
    rows = list(csv.reader(io.StringIO(text)))
    out = DataList()
    out.path, out.loc = name, Loc(display, 1, 1)
    if not rows:
        raise ReportgenError("the CSV file is empty; its first row should name the columns", Loc(display, 1, 1))
    header = [h.strip() for h in rows[0]]
    for i, h in enumerate(header):
        if not h:
            diags.error(Loc(display, 1, 1), f"column {i + 1} has no name in the header row", "data")
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            diags.error(Loc(display, line, 1), f"this row has {len(row)} cells, the header {len(header)}", "data")
            continue
        record = DataMap()
        record.path, record.loc, record.key_locs = f"{name}[{len(out)}]", Loc(display, line, 1), {}
        for key, cell in zip(header, row):
            cell = cell.strip()
            try:
                number = float(cell.replace(",", "")) if cell else None
            except ValueError:
                number = None
            if number is not None and math.isfinite(number):
                places = _decimals(cell.replace(",", ""))
                record[key] = Num.make(number, 10.0 ** (-places) if places is not None else None, loc=Loc(display, line, 1))
            else:
                record[key] = cell
        out.append(record)
    return out


CHECK_KEYS = {"expect", "equals", "tolerance"}


def _checks(node, loc: Loc, diags: Diagnostics) -> list[dict]:
    """`checks:` entries: a published figure, the expression that recomputes it, a tolerance."""
    if not isinstance(node, YList):
        diags.error(loc, "`checks` should be a list of {expect, equals, tolerance}", "data")
        return []
    out = []
    for i, item in enumerate(node):
        if not isinstance(item, YMap) or not {"expect", "equals"} <= set(item):
            diags.error(node.loc_of(i), "a check needs `expect:` (the published figure) and `equals:` (how to compute it)", "data")
            continue
        for key in item:
            if key not in CHECK_KEYS:
                diags.error(item.key_locs[key], f"unknown check key `{key}`{did_you_mean(key, CHECK_KEYS)}", "data")
        tolerance = item.get("tolerance", 0)
        if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or tolerance < 0:
            diags.error(item.loc_of("tolerance"), "`tolerance` should be a number of at least 0", "data")
            tolerance = 0
        out.append({"expect": (str(item["expect"]), item.loc_of("expect")),
                    "equals": (str(item["equals"]), item.loc_of("equals")),
                    "tolerance": float(tolerance), "loc": item.loc})
    return out


def run_checks(namespaces: dict, evaluator, diags: Diagnostics) -> None:
    """Warn where a published figure differs from its recomputation by more than its tolerance."""
    for namespace in namespaces.values():
        for check in getattr(namespace, "checks", []):
            try:
                expected = evaluator.value(*check["expect"])
                computed = evaluator.value(*check["equals"])
            except ReportgenError as exc:
                diags.items.extend(exc.diagnostics)
                continue
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (expected, computed)):
                diags.error(check["loc"], "a check compares two numbers; `expect` and `equals` should each give one", "data")
                continue
            difference = abs(expected - computed)
            if difference > check["tolerance"] + 1e-12:
                diags.warning(check["loc"], f"published `{check['expect'][0]}` = {expected:.6g} differs from "
                              f"`{check['equals'][0]}` = {computed:.6g} by {difference:.4g} "
                              f"(tolerance {check['tolerance']:.4g}); correct the data or widen the tolerance", "data")


def data_dir(root: Path) -> Path:
    """Where shared data files live."""
    return root / "content" / "data"


def load_data(root: Path, names: list[str], loc: Loc, diags: Diagnostics) -> tuple[dict, list[Path]]:
    """The namespaces a report names in `data:`; returns them and the files read."""
    folder = data_dir(root)
    namespaces, files = {}, []
    available = sorted({p.stem for p in folder.glob("*.yaml")} | {p.stem for p in folder.glob("*.csv")}) if folder.exists() else []
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            diags.error(loc, f"data name `{name}` should be a file name without extension, made of letters, digits and _", "data")
            continue
        yaml_path, csv_path = folder / f"{name}.yaml", folder / f"{name}.csv"
        display = f"content/data/{name}"
        try:
            if yaml_path.exists():
                files.append(yaml_path)
                raw = load(yaml_path, f"{display}.yaml")
                if not isinstance(raw, YMap):
                    diags.error(getattr(raw, "loc", Loc(f"{display}.yaml", 1, 1)),
                                "a YAML data file should be a mapping of names to data", "data")
                    continue
                checks = raw.pop("checks", None)
                namespaces[name] = _convert(raw, name, Unit(), diags, raw.loc)
                if checks is not None:
                    namespaces[name].checks = _checks(checks, raw.loc_of("checks"), diags)
            elif csv_path.exists():
                files.append(csv_path)
                namespaces[name] = _csv(csv_path, f"{display}.csv", name, diags)
            else:
                diags.error(loc, f"no data file `{name}` in content/data/ (.yaml or .csv){did_you_mean(name, available)}", "data")
        except ReportgenError as exc:
            diags.items.extend(exc.diagnostics)
    return namespaces, files
