"""The build: for each report and locale, load → resolve → render charts → write.

Outputs are written under a temporary name and renamed into place only when complete;
an edition that fails leaves no file (and no stale file from an earlier build) behind.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import __version__
from . import model as m
from .errors import Diagnostics, Loc, ReportgenError
from .i18n import Translator, catalog_path, check_catalog, read_catalog
from .check import check_document
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
    json: str | None = None


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
    inputs: str = ""  # hash of everything the edition is made from
    sources: dict = field(default_factory=dict)  # file -> sha256 of each file it was made from
    locales: list = field(default_factory=list)  # every locale of the report (to tell what is missing)


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
            run_checks(namespaces, Evaluator(namespaces, spec.source_locale, spec.formats), data_diags)
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
                check_document(edition.document, edition.layout, edition.diags, spec, root)
            except ReportgenError as exc:
                edition.diags.items.extend(exc.diagnostics)
            diags.extend(edition.diags)
            editions.append(edition)
    return editions


def make_hooks(spec: Spec, locale: str, namespaces: dict, diags: Diagnostics, root: Path) -> Hooks:
    """Translation and data-expression hooks for one edition."""
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
            diags.warning(Loc(shown), f"no translations for {locale} yet; the {locale} edition uses the source text "
                          "(run `reportgen i18n update` to create the file)", "i18n")
        hooks.translate = Translator(catalog, locale, diags, shown, draft=locale in spec.draft_locales)
    return hooks


def face_key(edition: Edition) -> tuple[str, bool]:
    """The PDF font of an edition: its family, and whether its script is Latin (proportional quotes)."""
    return edition.layout.pdf_font, edition.locale.split("_")[0] not in ("zh", "ja", "ko")


def edition_json(edition: Edition) -> str:
    """The resolved tree as JSON, made once: it is both hashed and scanned for characters
    (a superset of what is printed: it includes field names)."""
    if edition.json is None:
        edition.json = m.to_json(edition.document, indent=None)
    return edition.json


def render_charts(doc: m.Document, layout, faces, root: Path) -> None:
    """Replace every Chart in `doc` by a Figure of its drawing (cached)."""
    from .chartdraw import render_chart
    from .fonts import cache_dir

    folder = cache_dir(root) / "charts"
    folder.mkdir(parents=True, exist_ok=True)

    def visit(blocks: list) -> list:
        out = []
        for block in blocks:
            if isinstance(block, m.Chart):
                path = render_chart(block, layout, faces, folder)
                out.append(m.Figure(str(path), block.caption, block.source, block.width, block.title, block.loc,
                                    note=block.note))
                continue
            if isinstance(block, (m.Quote, m.Callout)):
                block.blocks = visit(block.blocks)
            elif isinstance(block, m.ListBlock):
                block.items = [visit(item) for item in block.items]
            out.append(block)
        return out

    doc.front = visit(doc.front)
    for section in doc.walk_sections():
        section.blocks = visit(section.blocks)


def _discard(tmp: Path, target: Path) -> None:
    """Remove a partial file and any stale output it would have replaced."""
    for path in (tmp, target):
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def toolkit_hash() -> str:
    """A hash of reportgen's own code and catalogs: upgrading reportgen rebuilds everything."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".po") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def input_hash(edition: Edition, formats: list[str]) -> str:
    """What an edition is made from: its resolved tree (spec, data, translations, numbering),
    its layout, the images it shows, the formats asked for, and reportgen itself."""
    digest = hashlib.sha256()
    digest.update(toolkit_hash().encode())
    digest.update(",".join(sorted(formats)).encode())
    digest.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    digest.update(edition_json(edition).encode())
    digest.update(repr(edition.layout).encode())
    images = set()
    for value in _paths(edition.document):
        images.add(value)
    for attr in ("logo", "docx_reference"):
        if getattr(edition.layout, attr, None):
            images.add(getattr(edition.layout, attr))
    for path in sorted(images):
        digest.update(path.encode())
        digest.update(sha256_file(Path(path)).encode() if Path(path).exists() else b"missing")
    return digest.hexdigest()


def _paths(doc: m.Document):
    """The image files a document shows."""
    if doc.meta.logo:
        yield doc.meta.logo
    yield from (block.path for block in doc.walk_blocks() if isinstance(block, m.Figure))


def output_path(out_dir: Path, report: str, locale: str, fmt: str) -> Path:
    return out_dir / locale / f"{report}.{fmt}"


def write_edition(job: dict) -> list[Result]:
    """Draw the charts of one resolved edition and write each format, atomically.

    Runs in a worker process when building in parallel, so it takes and returns plain data.
    """
    doc, layout, faces, root = job["document"], job["layout"], job["faces"], job["root"]
    results = []
    try:
        render_charts(doc, layout, faces, root)
    except ReportgenError as exc:
        message = "; ".join(str(d) for d in exc.diagnostics)
        return [Result(job["report"], job["locale"], fmt, job["shown"][fmt], "failed", message=message,
                       inputs=job["inputs"]) for fmt in job["formats"]]
    for fmt in job["formats"]:
        target = output_path(job["out_dir"], job["report"], job["locale"], fmt)
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
            results.append(Result(job["report"], job["locale"], fmt, job["shown"][fmt], "built", pages,
                                  sha256_file(target), inputs=job["inputs"], sources=job["sources"],
                                  locales=job["locales"]))
        except ReportgenError as exc:
            _discard(tmp, target)
            results.append(Result(job["report"], job["locale"], fmt, job["shown"][fmt], "failed",
                                  message="; ".join(str(d) for d in exc.diagnostics), inputs=job["inputs"]))
        except BaseException:
            _discard(tmp, target)
            raise
    return results


def fail_edition(edition: Edition, formats: list[str], out_dir: Path, root: Path) -> list[Result]:
    """Record an edition that could not be resolved, removing its stale outputs."""
    results = []
    message = "; ".join(str(d) for d in edition.diags.errors) or "see the errors above"
    for fmt in formats:
        target = output_path(out_dir, edition.spec.id, edition.locale, fmt)
        _discard(target.with_name(f".{target.name}.{os.getpid()}.tmp"), target)
        results.append(Result(edition.spec.id, edition.locale, fmt, display_path(target, root), "failed", message=message))
    return results


def read_manifest(path: Path) -> list[Result]:
    """The editions a manifest lists (none when it is missing or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Result(**entry) for entry in data.get("editions", [])]
    except (OSError, ValueError, TypeError):
        return []


def write_manifest(path: Path, results: list[Result]) -> None:
    """Write a manifest: every edition, its file, hash, pages, status and input hash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = [asdict(r) for r in sorted(results, key=lambda r: (r.report, r.locale, r.format))]
    data = json.dumps({"reportgen": __version__, "editions": entries}, ensure_ascii=False, indent=1) + "\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(data, encoding="utf-8")
    os.replace(tmp, path)


def merge_manifests(paths: list[Path]) -> list[Result]:
    """Join shard manifests; a later file's entry for the same edition and format wins."""
    merged: dict = {}
    for path in paths:
        for result in read_manifest(path):
            merged[(result.report, result.locale, result.format)] = result
    return list(merged.values())


def shard_of(keys: set[tuple[str, str]], shard: tuple[int, int] | None) -> set[tuple[str, str]]:
    """The (report, locale) editions of shard K of N: round-robin over them, sorted."""
    if not shard:
        return set(keys)
    k, n = shard
    return {key for i, key in enumerate(sorted(keys)) if i % n == k - 1}


@functools.lru_cache(maxsize=None)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(Path(path))


def file_digest(path: Path) -> str:
    """sha256 of a file ("absent" when there is none), cached for one build by size and time."""
    try:
        stat = path.stat()
    except OSError:
        return "absent"
    return _file_digest(str(path), stat.st_size, stat.st_mtime_ns)


def settings_digest(formats: list[str]) -> str:
    """What every edition depends on besides its files: reportgen itself and the build settings."""
    text = "\0".join([toolkit_hash(), ",".join(sorted(formats)), os.environ.get("SOURCE_DATE_EPOCH", "")])
    return hashlib.sha256(text.encode()).hexdigest()


def sources_of(edition: Edition, root: Path, formats: list[str]) -> dict[str, str]:
    """Every file the edition is made from, with its digest; a catalog not yet written counts
    as absent, so creating it rebuilds the edition."""
    spec = edition.spec
    files = {p for p in spec.files if p.suffix != ".po"}
    files.add(catalog_path(spec.folder, edition.locale))
    files.add(root / "layouts" / f"{spec.layout}.yaml")
    files.update(Path(p) for p in _paths(edition.document))
    for attr in ("logo", "docx_reference"):
        if getattr(edition.layout, attr, None):
            files.add(Path(getattr(edition.layout, attr)))
    out = {display_path(p, root): file_digest(p) for p in sorted(files)}
    out["(settings)"] = settings_digest(formats)
    return out


def unchanged(entries: list[Result], root: Path, formats: list[str]) -> bool:
    """True when an edition's last build is on disk and none of its sources changed since."""
    if not entries or any(r.status != "built" or not r.sources for r in entries):
        return False
    if not all((root / r.path).exists() or Path(r.path).exists() for r in entries):
        return False
    sources = entries[0].sources
    for name, digest in sources.items():
        if name == "(settings)":
            if digest != settings_digest(formats):
                return False
        elif file_digest(root / name if not Path(name).is_absolute() else Path(name)) != digest:
            return False
    return True


def up_to_date(previous: dict, edition: Edition, formats: list[str], inputs: str, out_dir: Path) -> bool:
    """True when every format of the edition was built from these inputs and is still on disk."""
    for fmt in formats:
        entry = previous.get((edition.spec.id, edition.locale, fmt))
        target = output_path(out_dir, edition.spec.id, edition.locale, fmt)
        if not entry or entry.status != "built" or entry.inputs != inputs or not target.exists():
            return False
        if target.stat().st_size == 0:
            return False
    return True


def build(root: Path, names: list[str], locales: list[str], formats: list[str], out_dir: Path,
          diags: Diagnostics, jobs: int | None = None, shard: tuple[int, int] | None = None,
          force: bool = False, progress=None, log=print) -> list[Result]:
    """Build the selected editions; return one result per edition and format written or checked."""
    from .fonts import faces_for_variants

    start = time.monotonic()
    paths = select_reports(root, names, diags)
    manifest_path = out_dir / "manifest.json"
    old = read_manifest(manifest_path)
    previous = {(r.report, r.locale, r.format): r for r in old}
    # Reports none of whose files changed since their last build are not even loaded.
    fresh_keys: set = set()
    stale_paths = []
    for path in paths:
        report = path.parent.name
        known = {r.locale: r.locales for r in old if r.report == report}
        report_locales = next(iter(known.values()), [])
        wanted = [loc for loc in report_locales if not locales or loc in locales]
        entries = [previous.get((report, loc, f)) for loc in wanted for f in formats]
        if not force and wanted and all(entries) and all(unchanged([e], root, formats) for e in entries):
            fresh_keys.update((report, loc) for loc in wanted)
        else:
            stale_paths.append(path)
    editions = prepare(root, stale_paths, locales, diags)
    chosen = shard_of(fresh_keys | {(e.spec.id, e.locale) for e in editions}, shard)
    editions = [e for e in editions if (e.spec.id, e.locale) in chosen]
    fresh: list[Result] = [previous[(r, loc, f)] for r, loc in sorted(fresh_keys & chosen) for f in formats]
    results: list[Result] = []
    todo: list[tuple[Edition, str]] = []
    for edition in editions:
        if edition.document is None or edition.diags.errors:
            results.extend(fail_edition(edition, formats, out_dir, root))
            continue
        inputs = input_hash(edition, formats)
        if not force and up_to_date(previous, edition, formats, inputs, out_dir):
            # Its files changed, but not what it prints (a comment, another locale's text).
            fresh.extend(previous[(edition.spec.id, edition.locale, f)] for f in formats)
            for f in formats:
                previous[(edition.spec.id, edition.locale, f)].sources = sources_of(edition, root, formats)
            continue
        todo.append((edition, inputs))
    # One face set per font family for what this run writes. Which superset a face holds
    # does not change the PDF: ReportLab embeds only the glyphs used, by a stable name.
    texts: dict[str, list[str]] = {}
    variants: dict[str, set] = {}
    for edition, _ in todo:
        family, latin = face_key(edition)
        texts.setdefault(family, []).append(edition_json(edition))
        variants.setdefault(family, set()).add(latin)
    faces = {}
    for family, parts in sorted(texts.items()):
        try:
            for latin, face in faces_for_variants(family, "".join(parts), root, variants[family]).items():
                faces[(family, latin)] = face
        except ReportgenError as exc:
            diags.items.extend(exc.diagnostics)
    work = []
    for edition, inputs in todo:
        if face_key(edition) not in faces:
            results.extend(fail_edition(edition, formats, out_dir, root))
            continue
        work.append({
            "document": edition.document, "layout": edition.layout, "faces": faces[face_key(edition)],
            "root": root, "out_dir": out_dir, "formats": formats, "report": edition.spec.id,
            "locale": edition.locale, "inputs": inputs, "sources": sources_of(edition, root, formats),
            "locales": list(edition.spec.locales),
            "shown": {f: display_path(output_path(out_dir, edition.spec.id, edition.locale, f), root) for f in formats},
        })
    # Charts first, all of them across the cores; then each edition's formats side by side.
    jobs = jobs or os.cpu_count() or 1
    prerender_charts(work, jobs, root)
    if jobs > 1 and len(work) < jobs:
        work = [{**job, "formats": [fmt]} for job in work for fmt in job["formats"]]
    progress = progress or Progress(len(work), log)
    for batch in _run(work, jobs):
        progress.done(batch)
        results.extend(batch)
        for r in batch:
            if r.status == "failed":
                diags.error(None, f"{r.path} not written: {r.message}", "write")
    manifest = {(r.report, r.locale, r.format): r for r in old}
    for r in fresh + results:
        manifest[(r.report, r.locale, r.format)] = r
    write_manifest(manifest_path, list(manifest.values()))
    progress.summary(results, fresh, time.monotonic() - start)
    return results + fresh


def _draw_chart(task: tuple) -> None:
    from .chartdraw import render_chart

    render_chart(*task)


def prerender_charts(work: list[dict], jobs: int, root: Path) -> None:
    """Draw every chart the editions need into the cache, in `jobs` processes when there are many."""
    from .fonts import cache_dir

    folder = cache_dir(root) / "charts"
    tasks = [(chart, job["layout"], job["faces"], folder)
             for job in work for chart in job["document"].walk_blocks() if isinstance(chart, m.Chart)]
    if jobs <= 1 or len(tasks) < 8:
        return  # drawn as each edition is written; a pool would cost more than it saves
    import concurrent.futures as futures
    import multiprocessing

    _preload(work)
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        list(pool.map(_draw_chart, tasks, chunksize=max(1, len(tasks) // (jobs * 4))))


def _preload(work: list[dict]) -> None:
    """Import the writers (and matplotlib, when charts are drawn) once, before the workers
    fork: each would otherwise spend the better part of a second importing them itself."""
    from .writers import docx, pdf  # noqa: F401

    if any(isinstance(b, m.Chart) for job in work for b in job["document"].walk_blocks()):
        import matplotlib.backends.backend_agg  # noqa: F401
        import matplotlib.figure  # noqa: F401


def _run(work: list[dict], jobs: int | None):
    """Write editions, in worker processes when there is more than one to do and jobs allow."""
    if jobs <= 1 or len(work) <= 1:
        for job in work:
            yield write_edition(job)
        return
    import concurrent.futures as futures
    import multiprocessing

    _preload(work)
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with futures.ProcessPoolExecutor(max_workers=min(jobs, len(work)), mp_context=context) as pool:
        pending = [pool.submit(write_edition, job) for job in work]
        try:
            for future in futures.as_completed(pending):
                yield future.result()
        except BaseException:
            for future in pending:
                future.cancel()
            raise


class Progress:
    """One line per finished edition (a bar on a terminal), and a summary table at the end."""

    def __init__(self, total: int, log=print, stream=None):
        self.total = total
        self.count = 0
        self.log = log
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty() and log is print

    def done(self, batch: list[Result]) -> None:
        self.count += 1
        for r in batch:
            pages = f"  {r.pages} pages" if r.pages else ""
            line = f"{r.status:>7}  {r.path}{pages}"
            if self.tty:
                self.stream.write("\r\033[K" + line + "\n")
            else:
                self.log(line)
        if self.tty and self.total:
            width = 30
            filled = width * self.count // self.total
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.count}/{self.total} editions")
            self.stream.flush()

    def summary(self, results: list[Result], fresh: list[Result], seconds: float) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
        built = sum(r.status == "built" for r in results)
        failed = sum(r.status == "failed" for r in results)
        if not results and fresh:
            self.log(f"nothing to do: {len(fresh)} file(s) up to date")
        self.log(f"{'built':>8} {'up to date':>11} {'failed':>7} {'time':>8}")
        self.log(f"{built:>8} {len(fresh):>11} {failed:>7} {seconds:>7.1f}s")
