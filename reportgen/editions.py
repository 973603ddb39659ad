"""Editions: the reports a command works on, each loaded, checked and resolved per locale.

`build`, `check` and the `i18n` commands all start here, so they read a project the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import model as m
from .errors import Diagnostics, Loc, ReportgenError, did_you_mean
from .files import catalog_path, display_path, find_reports

# Loading, resolving and checking import the parsers (PyYAML, Python-Markdown, Jinja2) and
# everything built on them, here only when a report is loaded: a build that takes every
# report from the cache (kept.py) never does.
if TYPE_CHECKING:
    from .resolve import Hooks
    from .spec import Spec


@dataclass
class SpecSettings:
    """What a build reads of a spec once its editions are resolved: a kept edition's `spec`
    (its source tree, and the classes and parsers that tree needs, stay behind)."""

    id: str
    path: Path
    root: Path
    layout: str
    source_locale: str
    locales: list[str]
    draft_locales: list[str]
    files: list[Path]

    @property
    def folder(self) -> Path:
        return self.path.parent

    @classmethod
    def of(cls, spec) -> "SpecSettings":
        return cls(spec.id, spec.path, spec.root, spec.layout, spec.source_locale, list(spec.locales),
                   list(spec.draft_locales), list(spec.files))


@dataclass
class Edition:
    """One report in one locale, as resolved for the writers."""

    spec: Spec | SpecSettings
    locale: str
    document: m.Document | None = None
    layout: object = None
    diags: Diagnostics = field(default_factory=Diagnostics)
    json: str | None = None
    # The JSON of the blocks resolved or taken as kept (kept.EditionBlocks.json):
    # `edition_json` is made around them, and the writers' keys from them. Never kept with
    # the edition.
    block_json: object = field(default=None, repr=False, compare=False)


def select_reports(root: Path, names: list[str], diags: Diagnostics) -> list[Path]:
    """The report.yaml files the user asked for (all of them when `names` is empty)."""
    found = find_reports(root)
    if not names:
        if not found:
            diags.error(None, "no reports found: expected content/<report-id>/report.yaml", "cli")
        return found
    by_id = {p.parent.name: p for p in found}
    chosen = []
    for name in names:
        if name in by_id:
            chosen.append(by_id[name])
        else:
            diags.error(None, f"no report `{name}` in content/{did_you_mean(name, by_id)}", "cli")
    return chosen


@dataclass
class Report:
    """A loaded report: its spec and the data it reads, shared by all its editions."""

    spec: Spec
    namespaces: dict
    data_files: list[Path] = field(default_factory=list)


def load_report(root: Path, path: Path, diags: Diagnostics, kept: Path | None = None,
                later: list | None = None) -> Report | None:
    """Load a spec and its data files and run the data's checks (None when they have errors).

    With `kept` (a cache folder), the spec is patched from the one kept there when only some
    of its blocks changed (kept_spec.py), and kept for the next build: now, or by a call put
    in `later` when it is given."""
    from .data import load_data, run_checks
    from .expr import Evaluator

    if kept is not None:
        from .kept_spec import load as load_spec_kept

        spec, spec_diags = load_spec_kept(path, root, kept, later)
    else:
        from .spec import load_spec

        spec, spec_diags = load_spec(path, root)
    diags.extend(spec_diags)
    if spec is None:
        return None
    data_diags = Diagnostics()
    namespaces, data_files = load_data(root, spec.data, spec.data_loc, data_diags)
    spec.files.extend(data_files)
    if not data_diags.errors:
        run_checks(namespaces, Evaluator(namespaces, spec.source_locale, spec.formats), data_diags)
    diags.extend(data_diags)
    return None if data_diags.errors else Report(spec, namespaces, list(data_files))


def prepare_edition(report: Report, locale: str, root: Path, translate=None, kept=None) -> Edition:
    """Resolve and check one edition of a loaded report; problems go to `edition.diags`.

    `translate` replaces the edition's translation hook (the i18n commands record the source
    strings with it); `kept` (kept.KeptBlocks) gives the blocks an earlier build resolved."""
    from .check import check_document
    from .layout import load_layout
    from .resolve import resolve

    spec = report.spec
    edition = Edition(spec, locale)
    try:
        edition.layout = load_layout(root, spec.layout, locale, spec.layout_loc)
        hooks = make_hooks(spec, locale, report.namespaces, edition.diags, root)
        if translate is not None:
            hooks.translate = translate
        if kept is not None:
            from .kept import block_settings

            hooks.kept = kept.edition(block_settings(root, spec, locale, report.data_files))
            edition.block_json = hooks.kept.json
        edition.document = resolve(spec, locale, edition.layout, hooks, edition.diags)
        # Everything a writer or the chart drawer relies on, checked here so that `check`
        # rejects whatever `build` would.
        check_document(edition.document, edition.layout, edition.diags, spec, root, kept=hooks.kept)
    except ReportgenError as exc:
        edition.diags.items.extend(exc.diagnostics)
    return edition


def prepare(root: Path, paths: list[Path], locales: list[str], diags: Diagnostics,
            kept: Path | None = None, later: list | None = None) -> list[Edition]:
    """Load, resolve and check every selected edition, collecting all diagnostics.

    With `kept` (a cache folder, see kept.py), a report none of whose inputs changed since a
    build kept its editions there is taken from it, and one resolved here is kept: now, or
    by the calls put in `later` when it is given (the caller makes them while it writes)."""
    import functools

    def keep(function, *args) -> None:
        if later is None:
            function(*args)
        else:
            later.append(functools.partial(function, *args))

    editions = []
    for path in paths:
        if kept is not None:
            from . import kept as keeping

            found = keeping.restore(kept, root, path, locales)
            if found is not None:
                load_diags, restored = found
                diags.items.extend(load_diags)
                for edition in restored:
                    diags.extend(edition.diags)
                editions.extend(restored)
                continue
        load_diags = Diagnostics()
        report = load_report(root, path, load_diags, kept, later)
        diags.extend(load_diags)
        if report is None:
            continue
        blocks = None
        if kept is not None:
            from .kept import KeptBlocks

            blocks = KeptBlocks(kept, path, root, report.spec.block_keys)
        prepared = []
        for locale in [loc for loc in report.spec.locales if not locales or loc in locales]:
            edition = prepare_edition(report, locale, root, kept=blocks)
            diags.extend(edition.diags)
            prepared.append(edition)
        editions.extend(prepared)
        if blocks is not None:
            keep(blocks.save)
        if kept is not None and prepared and not load_diags.errors and \
                all(e.document is not None and not e.diags.errors for e in prepared):
            from . import kept as keeping

            keep(keeping.keep, kept, root, path, prepared, list(load_diags.items))
    return editions


def make_hooks(spec: Spec, locale: str, namespaces: dict, diags: Diagnostics, root: Path) -> Hooks:
    """Translation and data-expression hooks for one edition."""
    from .expr import Evaluator
    from .i18n import Translator, check_catalog, read_catalog
    from .resolve import Hooks

    evaluator = Evaluator(namespaces, locale, spec.formats)
    hooks = Hooks(expand=evaluator.expand, evaluator=evaluator)
    if locale != spec.source_locale:
        path = catalog_path(spec.folder, locale)
        shown = display_path(path, root)
        catalog = None
        if path.exists():
            spec.files.append(path)
            catalog = read_catalog(path, shown)
            # A translation whose placeholders or numbers drifted would print other numbers.
            check_catalog(catalog, diags)
        else:
            # One line for the edition: every string of it is untranslated, and listing them helps no one.
            diags.warning(Loc(shown), f"no {locale} translations yet (the file does not exist): the whole {locale} "
                          f"edition uses the source text; run `reportgen i18n update {spec.id}` to create it, "
                          "then translate it", "i18n")
        hooks.translate = Translator(catalog, locale, diags, shown, draft=locale in spec.draft_locales)
    return hooks


def face_key(edition: Edition) -> tuple[str, bool]:
    """The PDF font of an edition: its family, and whether its script is Latin (proportional quotes)."""
    from .locale import edition_locale

    return edition.layout.pdf_font, not edition_locale(edition.locale).cjk


def edition_json(edition: Edition) -> str:
    """The resolved tree as JSON without locations, made once: it is both hashed and scanned
    for the characters the fonts must hold (a superset of what is printed: it has field names)."""
    from .incremental import tree_json

    if edition.json is None:
        edition.json = tree_json(edition.document, edition.block_json)
    return edition.json


def emphasised_text(edition: Edition) -> str:
    """The characters an edition prints in emphasis (what its italic faces must hold)."""
    import json

    text = edition_json(edition)
    if '"type":"Emph"' not in text:
        return ""
    found: list[str] = []

    def strings(value):
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            for v in value:
                strings(v)
        elif isinstance(value, dict):
            for v in value.values():
                strings(v)

    def walk(value):
        if isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            if value.get("type") == "Emph":
                strings(value)
            else:
                for v in value.values():
                    walk(v)

    walk(json.loads(text))
    return "".join(found)


def shard_of(keys: set[tuple[str, str]], shard: tuple[int, int] | None) -> set[tuple[str, str]]:
    """The (report, locale) editions of shard K of N: round-robin over them, sorted."""
    if not shard:
        return set(keys)
    k, n = shard
    return {key for i, key in enumerate(sorted(keys)) if i % n == k - 1}
