"""`reportgen i18n extract|update|status`: the translators' loop, on Babel catalogs."""

from __future__ import annotations

from pathlib import Path

from .errors import Diagnostics
from .i18n import Recorder, catalog_path, counts, read_catalog, template, update_catalog, write_catalog
from .spec import display_path


def _templates(root: Path, names: list[str], diags: Diagnostics):
    """(spec, template catalog) for each selected report, by resolving its source edition."""
    from .build import make_hooks, select_reports
    from .data import load_data
    from .layout import load_layout
    from .resolve import resolve
    from .spec import load_spec

    for path in select_reports(root, names, diags):
        spec, spec_diags = load_spec(path, root)
        diags.extend(spec_diags)
        if spec is None:
            continue
        namespaces, _ = load_data(root, spec.data, spec.data_loc, diags)
        layout = load_layout(root, spec.layout, spec.source_locale, spec.layout_loc)
        hooks = make_hooks(spec, spec.source_locale, namespaces, diags, root)
        recorder = Recorder()
        hooks.translate = recorder
        resolve(spec, spec.source_locale, layout, hooks, diags)
        yield spec, template(recorder, spec.id, spec.source_locale)


def extract(root: Path, names: list[str], diags: Diagnostics, log=print) -> None:
    """Write `content/<id>/locales/messages.pot` for each report."""
    for spec, pot in _templates(root, names, diags):
        path = spec.folder / "locales" / "messages.pot"
        write_catalog(pot, path)
        log(f"wrote {display_path(path, root)} ({len(pot)} messages)")


def update(root: Path, names: list[str], diags: Diagnostics, log=print) -> None:
    """Extract, then merge the template into every target locale's `.po`."""
    for spec, pot in _templates(root, names, diags):
        write_catalog(pot, spec.folder / "locales" / "messages.pot")
        for locale in spec.locales:
            if locale == spec.source_locale:
                continue
            path = catalog_path(spec.folder, locale)
            shown = display_path(path, root)
            catalog = update_catalog(pot, path, locale, shown)
            write_catalog(catalog, path)
            result = read_catalog(path, shown)
            t, f, u = counts(result)
            log(f"updated {shown}: {t} translated, {f} fuzzy, {u} untranslated")


def status(root: Path, names: list[str], diags: Diagnostics, log=print) -> list[tuple]:
    """Print and return (report, locale, translated, fuzzy, untranslated) per catalog."""
    from .build import select_reports
    from .spec import load_spec

    rows = []
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
            t, f, u = counts(read_catalog(po, display_path(po, root)))
            rows.append((spec.id, locale, t, f, u))
    log(f"{'report':<32} {'locale':<7} {'translated':>10} {'fuzzy':>6} {'untranslated':>12}  done")
    for report, locale, t, f, u in rows:
        if u < 0:
            log(f"{report:<32} {locale:<7} {'(no .po file: run `reportgen i18n update`)':>40}")
            continue
        total = t + f + u
        log(f"{report:<32} {locale:<7} {t:>10} {f:>6} {u:>12}  {100 * t / total if total else 100:.0f}%")
    return rows
