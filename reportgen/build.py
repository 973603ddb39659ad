"""The build: for each report and locale, load → resolve → render charts → write.

Outputs are written under a temporary name and renamed into place only when complete;
an edition that fails leaves no file (and no stale file from an earlier build) behind.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import model as m
from .errors import Diagnostics, Loc, ReportgenError
from .i18n import Translator, catalog_path, read_catalog
from .data import load_data, run_checks
from .expr import Evaluator
from .layout import load_layout
from .resolve import Hooks, resolve
from .spec import Spec, display_path, find_reports, load_spec

FORMATS = ("pdf", "docx")


@dataclass
class Edition:
    """One report in one locale, as resolved for the writers."""

    spec: Spec
    locale: str
    document: m.Document | None = None
    layout: object = None
    diags: Diagnostics = field(default_factory=Diagnostics)


@dataclass
class Result:
    report: str
    locale: str
    format: str
    path: str
    status: str  # built | failed
    pages: int = 0
    sha256: str = ""
    message: str = ""


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
            from .errors import did_you_mean

            diags.error(None, f"no report `{name}` in content/{did_you_mean(name, by_id)}", "cli")
    return chosen


def prepare(root: Path, paths: list[Path], locales: list[str], diags: Diagnostics) -> list[Edition]:
    """Load and resolve every selected edition, collecting all diagnostics."""
    editions = []
    for path in paths:
        spec, spec_diags = load_spec(path, root)
        diags.extend(spec_diags)
        if spec is None:
            continue
        data_diags = Diagnostics()
        namespaces, data_files = load_data(root, spec.data, spec.data_loc, data_diags)
        spec.files.extend(data_files)
        if not data_diags.errors:
            run_checks(namespaces, Evaluator(namespaces, spec.source_locale), data_diags)
        diags.extend(data_diags)
        if data_diags.errors:
            continue
        wanted = [loc for loc in spec.locales if not locales or loc in locales]
        for locale in wanted:
            edition = Edition(spec, locale)
            try:
                edition.layout = load_layout(root, spec.layout, locale, spec.layout_loc)
                hooks = make_hooks(spec, locale, namespaces, edition.diags, root)
                edition.document = resolve(spec, locale, edition.layout, hooks, edition.diags)
            except ReportgenError as exc:
                edition.diags.items.extend(exc.diagnostics)
            diags.extend(edition.diags)
            editions.append(edition)
    return editions


def make_hooks(spec: Spec, locale: str, namespaces: dict, diags: Diagnostics, root: Path) -> Hooks:
    """Translation and data-expression hooks for one edition."""
    evaluator = Evaluator(namespaces, locale)
    hooks = Hooks(expand=evaluator.expand, extra={"evaluator": evaluator})
    if locale != spec.source_locale:
        path = catalog_path(spec.folder, locale)
        shown = display_path(path, root)
        catalog = None
        if path.exists():
            spec.files.append(path)
            catalog = read_catalog(path, shown)
        else:
            diags.warning(Loc(shown), f"no translations for {locale} yet; the {locale} edition uses the source text "
                          "(run `reportgen i18n update` to create the file)", "i18n")
        hooks.translate = Translator(catalog, locale, diags, shown)
    return hooks


def document_text(doc: m.Document) -> str:
    """Every character an edition prints (a superset: it includes field names)."""
    return m.to_json(doc)


def render_charts(doc: m.Document, layout, faces, root: Path) -> int:
    """Replace every Chart in `doc` by a Figure of its drawing (cached); return how many were drawn."""
    from .chartdraw import render_chart
    from .fonts import cache_dir

    folder = cache_dir(root) / "charts"
    folder.mkdir(parents=True, exist_ok=True)

    def visit(blocks: list) -> list:
        out = []
        for block in blocks:
            if isinstance(block, m.Chart):
                path = render_chart(block, layout, faces, folder)
                source = block.source
                if block.note:
                    note = [m.Str(doc.terms.get("note", "Note: ")), *block.note]
                    source = [*source, m.Str(" "), *note] if source else note
                out.append(m.Figure(str(path), block.caption, source, block.width, block.title, block.loc))
            else:
                for attr in ("blocks",):
                    if hasattr(block, attr):
                        setattr(block, attr, visit(getattr(block, attr)))
                if isinstance(block, m.ListBlock):
                    block.items = [visit(item) for item in block.items]
                out.append(block)
        return out

    doc.front = visit(doc.front)
    for section in doc.walk_sections():
        section.blocks = visit(section.blocks)
    return 0


def write_edition(edition: Edition, formats: list[str], out_dir: Path, root: Path, faces) -> list[Result]:
    """Write one resolved edition in each format, atomically."""
    results = []
    doc, layout = edition.document, edition.layout
    for fmt in formats:
        target = out_dir / edition.locale / f"{edition.spec.id}.{fmt}"
        shown = display_path(target, root)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            pages = 0
            if fmt == "pdf":
                from .writers.pdf import write_pdf

                pages = write_pdf(doc, layout, faces, tmp)
            else:
                from .writers.docx import write_docx

                write_docx(doc, layout, tmp)
            os.replace(tmp, target)
            results.append(Result(edition.spec.id, edition.locale, fmt, shown, "built", pages, _sha256(target)))
        except ReportgenError as exc:
            _discard(tmp, target)
            edition.diags.items.extend(exc.diagnostics)
            results.append(Result(edition.spec.id, edition.locale, fmt, shown, "failed",
                                  message="; ".join(str(d) for d in exc.diagnostics)))
        except BaseException:
            _discard(tmp, target)
            raise
    return results


def _discard(tmp: Path, target: Path) -> None:
    """Remove a partial file and any stale output it would have replaced."""
    for path in (tmp, target):
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fail_edition(edition: Edition, formats: list[str], out_dir: Path, root: Path) -> list[Result]:
    """Record an edition that could not be resolved, removing its stale outputs."""
    results = []
    message = "; ".join(str(d) for d in edition.diags.errors)
    for fmt in formats:
        target = out_dir / edition.locale / f"{edition.spec.id}.{fmt}"
        _discard(target.with_name(f".{target.name}.{os.getpid()}.tmp"), target)
        results.append(Result(edition.spec.id, edition.locale, fmt, display_path(target, root), "failed", message=message))
    return results


def write_manifest(out_dir: Path, results: list[Result]) -> None:
    """`output/manifest.json`: every edition, its file, hash, pages and status."""
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = [r.__dict__ for r in sorted(results, key=lambda r: (r.report, r.locale, r.format))]
    data = json.dumps({"reportgen": 1, "editions": entries}, ensure_ascii=False, indent=1) + "\n"
    tmp = out_dir / f".manifest.json.{os.getpid()}.tmp"
    tmp.write_text(data, encoding="utf-8")
    os.replace(tmp, out_dir / "manifest.json")


def build(root: Path, names: list[str], locales: list[str], formats: list[str], out_dir: Path,
          diags: Diagnostics, log=print) -> list[Result]:
    """Build the selected editions; return one result per edition and format."""
    from .fonts import faces_for

    start = time.monotonic()
    paths = select_reports(root, names, diags)
    editions = prepare(root, paths, locales, diags)
    results: list[Result] = []
    good = [e for e in editions if e.document is not None and not e.diags.errors]
    # One face set per font family for the whole build, so editions share the cache.
    texts: dict[str, list[str]] = {}
    for edition in good:
        texts.setdefault(edition.layout.pdf_font, []).append(document_text(edition.document))
    faces = {}
    for family, parts in texts.items():
        try:
            faces[family] = faces_for(family, "".join(parts), root)
        except ReportgenError as exc:
            diags.items.extend(exc.diagnostics)
    for edition in editions:
        if edition not in good or edition.layout.pdf_font not in faces:
            results.extend(fail_edition(edition, formats, out_dir, root))
            continue
        render_charts(edition.document, edition.layout, faces[edition.layout.pdf_font], root)
        before = len(edition.diags.items)
        edition_results = write_edition(edition, formats, out_dir, root, faces[edition.layout.pdf_font])
        diags.items.extend(edition.diags.items[before:])
        for r in edition_results:
            log(f"{r.status:>7}  {r.path}" + (f"  ({r.pages} pages)" if r.pages else ""))
        results.extend(edition_results)
    write_manifest(out_dir, results)
    elapsed = time.monotonic() - start
    built = sum(r.status == "built" for r in results)
    failed = sum(r.status == "failed" for r in results)
    log(f"{built} built, {failed} failed in {elapsed:.1f} s")
    return results
