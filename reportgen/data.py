"""Shared data: `content/data/<name>.yaml` or `.csv`, loaded into read-only namespaces.

Numbers remember how precisely they were written (`268.9` → tenths) and their unit, so
formatting can print them to that precision in every locale without the editor
repeating it.
"""

from __future__ import annotations

import csv
import datetime
from array import array
import math
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import Diagnostics, Loc, ReportgenError, did_you_mean
from .files import limit_bytes, open_project_file
from .yamlsrc import YList, YMap, load

UNIT_KEYS = {"currency", "scale", "unit"}


class Num(float):
    """A number from a data file: its value in base units, its resolution and its unit."""

    # Slots keep a number at about 70 bytes: a CSV of millions of cells stays in proportion.
    # `text`: the number as written in a YAML data file (`010`, `1.10`), for text columns.
    __slots__ = ("resolution", "currency", "unit", "loc", "text")

    @classmethod
    def make(cls, value: float, resolution=None, currency=None, unit=None, loc=None, text=None) -> "Num":
        num = cls(value)
        num.resolution, num.currency, num.unit, num.loc, num.text = resolution, currency, unit, loc, text
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
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not 1e-12 <= scale <= 1e15:
        diags.error(node.loc_of("scale"), "`scale` should be a number from 1e-12 to 1e15, such as 1e8 for 亿", "data")
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
    if isinstance(node, str):
        return _checked_text(node, loc, diags)
    if isinstance(node, (int, float)):
        try:
            value = float(node) * unit.scale
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            shown = text if text is None or len(text) <= 40 else text[:37] + "..."
            infinite = isinstance(node, float) and not math.isfinite(node)
            diags.error(loc, f"`{shown}` is not a finite number" if infinite else
                        f"`{shown}` is too large a number (at most about 1e308 with its unit's scale)", "data")
            return None
        places = _decimals(text)
        try:
            resolution = 10.0 ** (-places) * unit.scale if places is not None else None
        except OverflowError:
            resolution = None
        return Num.make(value, resolution, unit.currency, unit.unit, loc, text)
    return node


# Plain values in a YAML data file that look like numbers YAML 1.1 would have read but the
# YAML 1.2 core schema reportgen uses does not: refused, so a value never silently becomes
# text where a number was meant (quote it to keep it as text).
_NUMBER_LIKE = [
    (re.compile(r"[-+]?0[xX][0-9a-fA-F_]+"), "hexadecimal numbers are not read in data; write it in decimal"),
    (re.compile(r"[-+]?0[oO]?[0-7_]+|[-+]?0[bB][01_]+"), "octal and binary numbers are not read in data; write it in decimal"),
    (re.compile(r"[-+]?[0-9][0-9_]*_[0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?"), "`_` is not a digit separator in data; write the digits without it"),
    (re.compile(r"[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?"), "`,` is not read in YAML numbers; write the digits without it"),
    (re.compile(r"[-+]?[0-9]+(:[0-5]?[0-9])+(\.[0-9]*)?"), "sexagesimal (`1:30`) numbers are not read in data; write it in decimal"),
]
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ].*)?")


def _checked_text(text: str, loc: Loc, diags: Diagnostics) -> str:
    """A string value of a data file, refusing number-like text and dates that do not exist."""
    if loc is not None and loc.style == "":  # written plain: quoted text is text by choice
        stripped = text.strip()
        for pattern, advice in _NUMBER_LIKE:
            if pattern.fullmatch(stripped) and not re.fullmatch(r"[-+]?[0-9]+", stripped):
                diags.error(loc, f"`{stripped}`: {advice}, or quote it to keep it as text", "data")
                return text
    _check_date(text, loc, diags)
    return text


def _check_date(text: str, loc: Loc | None, diags: Diagnostics) -> None:
    match = _DATE.fullmatch(text.strip())
    if match:
        try:
            datetime.date(*(int(g) for g in match.groups()))
        except ValueError:
            diags.error(loc, f"`{text.strip()}` is not a date that exists; write a real date as YYYY-MM-DD", "data")


# ---------------------------------------------------------------- CSV
#
# The rule for numbers in a CSV cell (the README's "Data files" states it):
#   decimal "." (the default): `1234.5`, `1,234.5` (`,` only between groups of three
#     digits), `-3`, `1.5e3`. A cell of digits with a `,` elsewhere (`12,5`, `1.234,5`) is
#     an error: it may mean 12.5 or 125, and guessing prints a wrong figure.
#   decimal ",": `1234,5`, `1.234,5` or `1 234,5` (`.` or a space between groups of
#     three); a cell with a `.` elsewhere (`1.5`, `1,234.5`) is an error.
# Set the rule per file in `<name>.csv.yaml` beside it: `decimal: ","` (also `delimiter`).
# Empty cells and `n/a`, `NA`, `-`, `—` are missing values (None).

CSV_OPTION_KEYS = {"decimal", "delimiter", "missing"}
MISSING = {"", "n/a", "na", "-", "—", "–", "null", "none"}
_GROUPED = {
    ".": re.compile(r"[-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"),
    ",": re.compile(r"[-+]?(?:[0-9]{1,3}(?:[. \u00a0\u202f][0-9]{3})+|[0-9]+)(,[0-9]+)?(?:[eE][-+]?[0-9]+)?"),
}
_NUMERIC = re.compile(r"[-+]?[0-9.,\u00a0\u202f ]*[0-9][0-9.,\u00a0\u202f ]*(?:[eE][-+]?[0-9]+)?")


def _csv_number(cell: str, decimal: str, options_file: str = "") -> tuple[float, int | None] | str | None:
    """A cell as (value, decimals written) by the file's rule; None for text; a message
    (str) when the cell is a number written ambiguously for this rule."""
    if _GROUPED[decimal].fullmatch(cell):
        if decimal == ".":
            plain = cell.replace(",", "")
        else:
            plain = re.sub(r"[. \u00a0\u202f]", "", cell).replace(",", ".")
        value = float(plain)
        return (value, _decimals(plain)) if math.isfinite(value) else None
    other = "," if decimal == "." else "."
    if _NUMERIC.fullmatch(cell) and other in cell:
        if decimal == ".":
            return (f"`{cell}` is ambiguous: this file reads `.` as the decimal point and `,` only between "
                    f"groups of three digits (1,234.5); write it as such, or put `decimal: \",\"` in "
                    f"`{options_file}` if the file uses decimal commas")
        return (f"`{cell}` is ambiguous: this file reads `,` as the decimal point (`{options_file}` says "
                "`decimal: \",\"`) and `.` or a space only between groups of three digits (1.234,5)")
    return None


def _csv_options(path: Path, root: Path | None, display: str, diags: Diagnostics, files: list) -> dict:
    """A CSV file's reading options from `<name>.csv.yaml` beside it, if there is one."""
    side = path.with_name(path.name + ".yaml")
    options = {"decimal": ".", "delimiter": ",", "missing": set(MISSING)}
    if not side.exists():
        return options
    files.append(side)
    node = load(side, f"{display}.yaml", root)
    if not isinstance(node, YMap):
        diags.error(getattr(node, "loc", Loc(f"{display}.yaml", 1, 1)),
                    "a CSV's options file should be a mapping such as {decimal: \",\"}", "data")
        return options
    for key in node:
        if key not in CSV_OPTION_KEYS:
            diags.error(node.key_locs[key], f"unknown CSV option `{key}`{did_you_mean(key, CSV_OPTION_KEYS)}"
                        f" (options: {', '.join(sorted(CSV_OPTION_KEYS))})", "data")
    if "decimal" in node:
        if node["decimal"] not in (".", ","):
            diags.error(node.loc_of("decimal"), "`decimal` should be \".\" or \",\" (quoted)", "data")
        else:
            options["decimal"] = node["decimal"]
    if "delimiter" in node:
        value = node["delimiter"]
        if value == "tab":
            value = "\t"
        if not isinstance(value, str) or len(value) != 1 or value in "\"\n\r" or value.isalnum():
            diags.error(node.loc_of("delimiter"), "`delimiter` should be one character such as \",\" or \";\", or `tab`", "data")
        else:
            options["delimiter"] = value
    if options["delimiter"] == options["decimal"]:
        diags.error(node.loc_of("delimiter"), "the delimiter and the decimal sign should differ; "
                    "use `delimiter: \";\"` with `decimal: \",\"`", "data")
        options["delimiter"] = ";"
    if "missing" in node:
        value = node["missing"]
        if not isinstance(value, YList) or not all(isinstance(v, str) for v in value):
            diags.error(node.loc_of("missing"), "`missing` should be a list of texts that mean \"no value\", e.g. [n/a, \"-\"]", "data")
        else:
            options["missing"] |= {v.strip().lower() for v in value}
    return options


class _Lines:
    """The file's lines, decoded one at a time for the csv reader; remembers the last line
    and how many were read, so a bad byte is reported on its own line."""

    def __init__(self, raw, display: str):
        self.raw = raw
        self.display = display
        self.last = ""
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        data = next(self.raw)
        self.count += 1
        if self.count == 1 and data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            self.last = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            col = len(data[: exc.start].decode("utf-8", "replace")) + 1
            raise ReportgenError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                                 Loc(self.display, self.count, col)) from None
        return self.last


def _columns(line: str, delimiter: str) -> list[int]:
    """1-based start column of each field of a one-line CSV record (quotes respected)."""
    starts, quoted = [1], False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            starts.append(i + 2)
    return starts


_NUMBER = object()  # in a column's `other` list: "this cell is the number in `nums`"
_NO_PLACES = -128  # in `places`: precision unknown
_SIMPLE = re.compile(r"-?[0-9]+(?:\.([0-9]+))?")


class _Column:
    """One CSV column, stored compactly: 9 bytes a number cell, a pointer a text cell."""

    __slots__ = ("nums", "places", "other", "texts")

    def __init__(self):
        self.nums = array("d")
        self.places = array("b")
        self.other: list | None = None  # created at the first cell that is not a number
        self.texts: dict[str, str] = {}  # one copy of each repeated text

    def add_number(self, value: float, places: int | None) -> None:
        self.nums.append(value)
        self.places.append(_NO_PLACES if places is None else max(-127, min(127, places)))
        if self.other is not None:
            self.other.append(_NUMBER)

    def add_other(self, value: str | None) -> None:
        if self.other is None:
            self.other = [_NUMBER] * len(self.nums)
        self.nums.append(0.0)
        self.places.append(_NO_PLACES)
        if value is not None:
            value = self.texts.setdefault(value, value)
        self.other.append(value)

    def get(self, index: int, loc: Loc):
        if self.other is not None and self.other[index] is not _NUMBER:
            return self.other[index]
        places = self.places[index]
        return Num.make(self.nums[index], None if places == _NO_PLACES else 10.0 ** (-places), loc=loc)


class CsvTable(DataList):
    """The records of a CSV file, kept column by column and made into records when read.

    It reads as a list of `DataMap` records (index, iterate, `len`); storing columns instead
    of a mapping per row keeps memory near the file's own size, so a large file used only
    for a count or a sum does not take gigabytes.
    """

    def __init__(self, name: str, display: str, header: list[str]):
        super().__init__()
        self.path, self.loc = name, Loc(display, 1, 1)
        self.display = display
        self.header = header
        self.columns = [_Column() for _ in header]
        self.lines = array("q")

    def __len__(self) -> int:
        return len(self.lines)

    def __bool__(self) -> bool:
        return len(self.lines) > 0

    def __iter__(self):
        return (self._record(i) for i in range(len(self.lines)))

    def __reversed__(self):
        return (self._record(i) for i in range(len(self.lines) - 1, -1, -1))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._record(i) for i in range(*index.indices(len(self.lines)))]
        if not isinstance(index, int) or isinstance(index, bool):
            raise TypeError("a table is indexed by a whole number")
        if index < 0:
            index += len(self.lines)
        if not 0 <= index < len(self.lines):
            raise IndexError(index)
        return self._record(index)

    def __repr__(self) -> str:
        return f"CsvTable({self.path}, {len(self.lines)} rows)"

    def _record(self, index: int) -> DataMap:
        record = DataMap()
        loc = Loc(self.display, self.lines[index], 1)
        record.path, record.loc, record.key_locs = f"{self.path}[{index}]", loc, {}
        for key, column in zip(self.header, self.columns):
            record[key] = column.get(index, loc)
        return record


def _csv(path: Path, display: str, name: str, diags: Diagnostics, root: Path | None = None,
         files: list | None = None) -> CsvTable:
    """A CSV file as records, read as a stream: memory grows with the cells kept (compactly),
    and a file over REPORTGEN_MAX_DATA_MB is refused before it is read."""
    options = _csv_options(path, root, display, diags, files if files is not None else [])
    out = None
    with open_project_file(path, root, display, limit_bytes("data"), kind="data") as raw:
        lines = _Lines(raw, display)
        reader = csv.reader(lines, delimiter=options["delimiter"])
        line = 1
        try:
            for row in reader:
                line_end = reader.line_num
                single = line_end == line
                if out is None:
                    starts = _columns(lines.last, options["delimiter"]) if single else []
                    out = CsvTable(name, display, _header(row, starts, display, line, diags))
                else:
                    _add_row(out, row, lines.last if single else None, line, options, diags)
                line = line_end + 1
        except csv.Error as exc:
            raise ReportgenError(f"CSV syntax: {exc}", Loc(display, reader.line_num or line, 1)) from None
    if out is None:
        raise ReportgenError("the CSV file is empty; its first row should name the columns", Loc(display, 1, 1))
    return out


def _header(row: list, starts: list, display: str, line: int, diags: Diagnostics) -> list[str]:
    header = [h.strip() for h in row]
    first: dict[str, int] = {}
    for i, h in enumerate(header):
        col = starts[i] if i < len(starts) else 1
        if not h:
            diags.error(Loc(display, line, col), f"column {i + 1} has no name in the header row", "data")
        elif h in first:
            diags.error(Loc(display, line, col), f"duplicate column `{h}` (first at column {first[h]}); "
                        "give each column its own name", "data")
        else:
            first[h] = col
    return header


def _add_row(table: CsvTable, row: list, raw_line: str | None, line: int, options: dict, diags: Diagnostics) -> None:
    if not any(cell.strip() for cell in row):
        return
    display = table.display
    if len(row) != len(table.header):
        diags.error(Loc(display, line, 1), f"this row has {len(row)} cells, the header {len(table.header)}", "data")
        return
    decimal, missing = options["decimal"], options["missing"]
    starts = None
    for i, (column, cell) in enumerate(zip(table.columns, row)):
        cell = cell.strip()
        simple = _SIMPLE.fullmatch(cell)
        if simple and (decimal == "." or simple.group(1) is None):  # the common case, read without the general rule's work
            fraction = simple.group(1)
            if fraction is not None:
                places = len(fraction)
            else:
                digits = cell.lstrip("-")
                places = -(len(digits) - len(digits.rstrip("0"))) if digits.strip("0") else 0
            column.add_number(float(cell), places)
            continue
        if cell.lower() in missing:
            column.add_other(None)
            continue
        number = _csv_number(cell, decimal, f"{display}.yaml")
        if number is None:
            if _DATE.fullmatch(cell):
                starts = starts or (_columns(raw_line, options["delimiter"]) if raw_line else [])
                _check_date(cell, Loc(display, line, starts[i] if i < len(starts) else 1), diags)
            column.add_other(cell)
        elif isinstance(number, str):
            starts = starts or (_columns(raw_line, options["delimiter"]) if raw_line else [])
            diags.error(Loc(display, line, starts[i] if i < len(starts) else 1), number, "data")
            column.add_other(None)
        else:
            column.add_number(*number)
    table.lines.append(line)


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
    # `<name>.csv.yaml` holds a CSV file's options, not data of its own.
    available = sorted({p.stem for p in folder.glob("*.yaml") if not p.name.endswith(".csv.yaml")}
                       | {p.stem for p in folder.glob("*.csv")}) if folder.exists() else []
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,199}", name):
            diags.error(loc, f"data name `{name}` should be a file name without extension, made of letters, digits and _ (at most 200)", "data")
            continue
        yaml_path, csv_path = folder / f"{name}.yaml", folder / f"{name}.csv"
        display = f"content/data/{name}"
        try:
            if yaml_path.exists():
                files.append(yaml_path)
                raw = load(yaml_path, f"{display}.yaml", root, "data")
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
                namespaces[name] = _csv(csv_path, f"{display}.csv", name, diags, root, files)
            else:
                diags.error(loc, f"no data file `{name}` in content/data/ (.yaml or .csv){did_you_mean(name, available)}", "data")
        except ReportgenError as exc:
            diags.items.extend(exc.diagnostics)
    return namespaces, files
