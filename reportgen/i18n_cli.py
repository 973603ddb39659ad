"""`reportgen i18n extract|update|status`: the translators' loop on gettext catalogs.

`extract` and `update` compute every file in memory first and write nothing unless the
whole run succeeded (every spec resolved, every catalog read); then each changed file is
replaced atomically. A file whose content would not change is not written at all.
"""

from __future__ import annotations

from pathlib import Path

from . import pofile
from .errors import Diagnostics, ReportgenError
from .files import catalog_path, display_path
from .i18n import (Recorder, counts, data_locations, merge, parse_catalog, read_catalog, template,
                   write_atomic)


def _templates(root: Path, names: list[str], diags: Diagnostics):
    """(spec, template catalog) for each selected report, by resolving its source edition
    (the same preparation as `build` and `check`) while recording every string met."""
    from .editions import load_report, prepare_edition, select_reports

    for path in select_reports(root, names, diags):
        report = load_report(root, path, diags)
        if report is None:
            continue
        spec, namespaces = report.spec, report.namespaces
        recorder = Recorder()
        edition = prepare_edition(report, spec.source_locale, root, translate=recorder)
        diags.extend(edition.diags)
        if edition.document is None:
            continue
        # Labels from data files are referenced at their data line; any other string without
        # a place of its own at the spec's `data:` line, so no .pot entry lacks a `#:` line.
        fallback = (spec.data_loc.path, spec.data_loc.line) if spec.data_loc and spec.data_loc.line else None
        yield spec, template(recorder, spec.id, spec.source_locale, data_locations(namespaces), fallback)


def _pot_path(spec) -> Path:
    return spec.folder / "locales" / "messages.pot"


def _unchanged(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def _commit(plan: list[tuple[Path, bytes]], root: Path, diags: Diagnostics, log) -> bool:
    """Write every planned file, or none when the run found errors."""
    if diags.errors:
        diags.error(None, "no file was written: fix the errors above and run the command again", "i18n")
        return False
    for path, data in plan:
        try:
            write_atomic(path, data)
        except OSError as exc:
            diags.error(None, f"cannot write {display_path(path, root)}: {exc.strerror}", "i18n")
            return False
    return True


def extract(root: Path, names: list[str], diags: Diagnostics, log=print, **_) -> None:
    """Write `content/<id>/locales/messages.pot` for each report."""
    plan, lines = [], []
    for spec, pot in _templates(root, names, diags):
        path, data = _pot_path(spec), pofile.render(pot)
        if not _unchanged(path, data):
            plan.append((path, data))
        lines.append(f"{'wrote' if not _unchanged(path, data) else 'unchanged'} {display_path(path, root)} "
                     f"({len(pot)} messages)")
    if _commit(plan, root, diags, log):
        for line in lines:
            log(line)


def update(root: Path, names: list[str], diags: Diagnostics, log=print, no_obsolete: bool = False, **_) -> None:
    """Extract, then merge the template into every target locale's `.po` (as `msgmerge --previous`)."""
    plan, lines = [], []
    for spec, pot in _templates(root, names, diags):
        pot_path, pot_data = _pot_path(spec), pofile.render(pot)
        if not _unchanged(pot_path, pot_data):
            plan.append((pot_path, pot_data))
        for locale in spec.locales:
            if locale == spec.source_locale:
                continue
            path = catalog_path(spec.folder, locale)
            shown = display_path(path, root)
            old = None
            if path.exists():
                try:
                    old = read_catalog(path, shown)
                except ReportgenError as exc:
                    diags.items.extend(exc.diagnostics)
                    continue
            merged = merge(pot, old.po if old is not None else None, locale, keep_obsolete=not no_obsolete)
            data = pofile.render(merged)
            # Unchanged content leaves the file as the translator's tool wrote it, byte for byte.
            changed = old is None or pofile.render(old.po) != data
            if changed:
                plan.append((path, data))
            t, f, u = counts(parse_catalog(data, path, shown))
            lines.append(f"{'updated' if changed else 'unchanged'} {shown}: {t} translated, {f} fuzzy, "
                         f"{u} untranslated")
    if _commit(plan, root, diags, log):
        for line in lines:
            log(line)


def status(root: Path, names: list[str], diags: Diagnostics, log=print, list_entries: bool = False, **_) -> list[tuple]:
    """Print and return (report, locale, translated, fuzzy, untranslated) per catalog.

    With `list_entries`, also name each untranslated and fuzzy entry at its .po line, with
    the spec (or data) place its source text comes from.
    """
    from .editions import select_reports
    from .spec import load_spec

    rows, listing = [], []
    for path in select_reports(root, names, diags):
        spec, spec_diags = load_spec(path, root)
        diags.extend(spec_diags)
        if spec is None:
            continue
        for locale in spec.locales:
            if locale == spec.source_locale:
                continue
            po = catalog_path(spec.folder, locale)
            if not po.exists():
                rows.append((spec.id, locale, 0, 0, -1))
                continue
            try:
                catalog = read_catalog(po, display_path(po, root))
            except ReportgenError as exc:
                diags.items.extend(exc.diagnostics)
                continue
            rows.append((spec.id, locale, *counts(catalog)))
            if list_entries:
                listing += _gaps(catalog)
    log(f"{'report':<32} {'locale':<7} {'translated':>10} {'fuzzy':>6} {'untranslated':>12}  done")
    for report, locale, t, f, u in rows:
        if u < 0:
            log(f"{report:<32} {locale:<7} {'(no .po file: run `reportgen i18n update`)':>40}")
            continue
        total = t + f + u
        log(f"{report:<32} {locale:<7} {t:>10} {f:>6} {u:>12}  {100 * t / total if total else 100:.0f}%")
    if listing:
        log("")
        for line in listing:
            log(line)
    return rows


def _actions() -> dict:
    from .i18n_sheet import export, import_

    return {"extract": extract, "update": update, "status": status, "export": export, "import": import_}


def run(action: str, root: Path, names: list[str], diags: Diagnostics, **options) -> None:
    """Run `reportgen i18n ACTION`."""
    _actions()[action](root, names, diags, **options)


def _gaps(catalog) -> list[str]:
    out = []
    for key, entry in catalog.messages.items():
        translated = entry.msgstr or any(entry.msgstr_plural.values())
        if translated and not entry.fuzzy:
            continue
        state = "fuzzy" if entry.fuzzy and translated else "untranslated"
        line = catalog.line(key)
        text = " ".join(entry.msgid.split())
        shown = text if len(text) <= 50 else text[:47] + "…"
        refs = ", ".join(f"{p}:{n}" if n else p for p, n in entry.occurrences) or "no reference"
        out.append(f"{catalog.display}:{line}: {state}: “{shown}” ({refs})")
    return out
