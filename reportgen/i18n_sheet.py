"""`reportgen i18n export|import`: catalogs as a spreadsheet (XLSX or CSV) and back.

Translation vendors work in Excel. An export has one row per entry; an import merges the
rows back into the `.po` files with the checks `check --strict` applies (placeholders,
numbers, links), and writes nothing unless every row is good.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .errors import Diagnostics, Loc, ReportgenError
from .files import catalog_path, display_path
from .i18n import Catalog, read_catalog, translated, translation_problems, write_atomic
from .pofile import render

COLUMNS = ["report", "locale", "context", "reference", "source", "translation", "status"]
REQUIRED = ["report", "locale", "context", "source", "translation"]
STATES = ("translated", "fuzzy", "untranslated")


def _specs(root: Path, names: list[str], diags: Diagnostics):
    from .editions import select_reports
    from .spec import load_spec

    for path in select_reports(root, names, diags):
        spec, spec_diags = load_spec(path, root)
        diags.extend(spec_diags)
        if spec is not None:
            yield spec


def _state(entry) -> str:
    if not translated(entry):
        return "untranslated"
    return "fuzzy" if entry.fuzzy else "translated"


def export(root: Path, names: list[str], diags: Diagnostics, log=print, format: str = "xlsx",
           output: str | None = None, locale: list | None = None, **_) -> None:
    """Write every entry of the selected catalogs as one row of a spreadsheet."""
    rows = []
    for spec in _specs(root, names, diags):
        for loc in spec.locales:
            if loc == spec.source_locale or (locale and loc not in locale):
                continue
            po = catalog_path(spec.folder, loc)
            shown = display_path(po, root)
            if not po.exists():
                diags.error(Loc(shown), f"no {loc} catalog yet: run `reportgen i18n update {spec.id}` first", "i18n")
                continue
            try:
                catalog = read_catalog(po, shown)
            except ReportgenError as exc:
                diags.items.extend(exc.diagnostics)
                continue
            for (context, source), entry in catalog.messages.items():
                refs = " ".join(f"{p}:{n}" if n else p for p, n in entry.occurrences)
                rows.append([spec.id, loc, context or "", refs, source, entry.msgstr, _state(entry)])
    target = Path(output) if output else root / f"translations.{format}"
    if not target.is_absolute():
        target = Path.cwd() / target
    if diags.errors:
        diags.error(None, "no file was written: fix the errors above and run the command again", "i18n")
        return
    data = _xlsx(rows) if format == "xlsx" else _csv(rows)
    try:
        write_atomic(target, data)
    except OSError as exc:
        raise ReportgenError(f"cannot write {target}: {exc.strerror}") from None
    log(f"wrote {target} ({len(rows)} rows); translate the `translation` column, then "
        f"`reportgen i18n import {target.name}`")


def _csv(rows: list) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    # A byte-order mark: Excel then opens the file as UTF-8, not in the system code page.
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(rows: list) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "translations"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            # Text that starts with "=" is text, not a formula Excel would run.
            cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEFG", (24, 8, 22, 28, 60, 60, 12)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _read_rows(path: Path, display: str) -> list[tuple[int, dict]]:
    """(row number, {column: text}) for each non-empty row under the header."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReportgenError(f"cannot read {display}: {exc.strerror}", Loc(display)) from None
    if raw[:4] == b"PK\x03\x04":
        table = _xlsx_rows(raw, display)
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise ReportgenError("the file is neither an XLSX workbook nor UTF-8 CSV; save it as one of them",
                                 Loc(display, line, 1)) from None
        try:
            table = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise ReportgenError(f"CSV: {exc}", Loc(display)) from None
    if not table:
        raise ReportgenError("the file is empty; its first row should name the columns "
                             f"({', '.join(COLUMNS)})", Loc(display, 1, 1))
    header = [str(h or "").strip().lower() for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ReportgenError(f"the first row lacks the column(s) {', '.join(missing)}; an export has "
                             f"{', '.join(COLUMNS)}", Loc(display, 1, 1))
    out = []
    for number, cells in enumerate(table[1:], start=2):
        values = {name: _text(cells[i]) if i < len(cells) else "" for i, name in enumerate(header) if name}
        if any(values.values()):
            out.append((number, values))
    return out


def _text(value) -> str:
    if value is None:
        return ""
    # Excel and CSV editors end lines with \r\n; a catalog's strings use \n.
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def _xlsx_rows(raw: bytes, display: str) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises assorted errors on a damaged or foreign archive
        raise ReportgenError(f"the workbook cannot be read ({type(exc).__name__}); save it again as .xlsx",
                             Loc(display)) from None
    sheet = book["translations"] if "translations" in book.sheetnames else book.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def import_(root: Path, names: list[str], diags: Diagnostics, log=print, file: str = "", **_) -> None:
    """Merge a spreadsheet's translations into the `.po` files: all rows, or none."""
    path = Path(file)
    if not path.is_absolute():
        path = Path.cwd() / path
    display = file
    rows = _read_rows(path, display)
    specs = {spec.id: spec for spec in _specs(root, names, diags)}
    catalogs: dict[tuple, Catalog] = {}
    before: dict[tuple, bytes] = {}
    done: dict[tuple, tuple[int, str]] = {}
    column = {name: i + 1 for i, name in enumerate(COLUMNS)}
    changed = 0
    for number, row in rows:
        where = Loc(display, number, column["translation"])
        report, locale = row.get("report", ""), row.get("locale", "")
        spec = specs.get(report)
        if spec is None:
            diags.error(Loc(display, number, 1), f"row {number}: no report `{report}` in content/", "i18n")
            continue
        if locale not in spec.locales or locale == spec.source_locale:
            diags.error(Loc(display, number, 2), f"row {number}: `{locale}` is not a translated locale of `{report}`", "i18n")
            continue
        key = (report, locale)
        if key not in catalogs:
            po = catalog_path(spec.folder, locale)
            try:
                catalogs[key] = read_catalog(po, display_path(po, root))
            except ReportgenError as exc:
                diags.items.extend(exc.diagnostics)
                catalogs[key] = None
                continue
            before[key] = render(catalogs[key].po)
        catalog = catalogs[key]
        if catalog is None:
            continue
        context = row.get("context") or None
        source, text, state = row.get("source", ""), row.get("translation", ""), (row.get("status") or "").strip().lower()
        entry = catalog.messages.get((context, source))
        if entry is None:
            diags.error(Loc(display, number, column["source"]), f"row {number}: {catalog.display} has no entry with "
                        "this context and source (has the source changed? run `reportgen i18n update`, then export "
                        "again)", "i18n")
            continue
        if state and state not in STATES:
            diags.error(Loc(display, number, column["status"]), f"row {number}: status `{state}` should be one of "
                        f"{', '.join(STATES)}", "i18n")
            continue
        if not text:
            continue  # an empty cell leaves the catalog as it is
        first = done.setdefault((report, locale, context, source), (number, text))
        if first[1] != text:
            diags.error(where, f"row {number}: a second, different translation of the entry in row {first[0]}", "i18n")
            continue
        problems = translation_problems(source, text)
        for problem in dict.fromkeys(problems):
            diags.error(where, f"row {number}: {problem}", "i18n")
        if problems:
            continue
        was = (entry.msgstr, entry.fuzzy)
        entry.msgstr = text
        if state == "fuzzy":
            if "fuzzy" not in entry.flags:
                entry.flags.insert(0, "fuzzy")
        elif "fuzzy" in entry.flags:
            # Reviewed in the sheet: what `remove the fuzzy flag` means in a .po editor.
            entry.flags.remove("fuzzy")
            entry.previous_msgctxt = entry.previous_msgid = entry.previous_msgid_plural = None
        changed += (entry.msgstr, entry.fuzzy) != was
    if diags.errors:
        diags.error(None, f"no file was written: fix the rows named above in {display} and import it again", "i18n")
        return
    plan = []
    for key, catalog in catalogs.items():
        data = render(catalog.po)
        if data != before[key]:
            plan.append((catalog, data))
    for catalog, data in plan:
        try:
            write_atomic(catalog.path, data)
        except OSError as exc:
            raise ReportgenError(f"cannot write {catalog.display}: {exc.strerror}") from None
        log(f"updated {catalog.display}")
    log(f"imported {display}: {changed} translation(s) changed in {len(plan)} catalog(s)")
