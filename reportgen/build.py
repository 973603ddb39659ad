"""The build: for each report and locale, load → resolve → check → draw charts → write.

This module only runs the stages, in order. Each stage's work lives in a module named for
it: `editions.py` loads and resolves, `incremental.py` decides what is up to date,
`workers.py` draws and writes (in processes), `outputs.py` keeps output/ whole and tells
what is on disk, `manifest.py` records it, `progress.py` reports it.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from .cachefiles import sha256_file
from .editions import Edition, edition_json, emphasised_text, face_key, prepare, select_reports, shard_of
from .errors import Diagnostics, Loc, ReportgenError
from .incremental import input_hash, sources_of, unchanged, up_to_date
from .manifest import Result, read_manifest, signals_held, update_manifest
from .outputs import (as_on_disk, check_output_folder, disk_error, is_disk_error, make_output_folder, not_rebuilt,
                      output_path, remove_leftovers)
from .progress import Progress
from .files import display_path
from .workers import prerender_charts, run

FORMATS = ("pdf", "docx")
INTERRUPTED = "the build stopped before this file was rebuilt"


def build(root: Path, names: list[str], locales: list[str], formats: list[str], out_dir: Path,
          diags: Diagnostics, jobs: int | None = None, shard: tuple[int, int] | None = None,
          force: bool = False, progress=None, log=print) -> list[Result]:
    """Build the selected editions; return one entry per edition and format written or checked.

    Whatever happens — a located error, a writer's bug, a full disk, Ctrl-C or SIGTERM — the
    manifest is left saying what is on disk before the error or interrupt goes on."""
    from .fonts import cache_dir

    start = time.monotonic()
    check_output_folder(out_dir, root)
    paths = select_reports(root, names, diags)
    manifest_path = out_dir / "manifest.json"
    old = read_manifest(manifest_path)
    previous = {r.key: r for r in old}
    remove_leftovers([out_dir, *(cache_dir(root) / name
                                 for name in ("charts", "fonts", "lines", "editions", "blocks", "yaml", "layout"))])
    # Reports none of whose files changed since their last build, whose files are intact, are not even loaded.
    fresh_keys: set = set()
    stale_paths = []
    for path in paths:
        report = path.parent.name
        report_locales = next((r.locales for r in old if r.report == report and r.locales), [])
        wanted = [loc for loc in report_locales if not locales or loc in locales]
        entries = [previous.get((report, loc, f)) for loc in wanted for f in formats]
        if not force and wanted and unchanged(entries, root, formats, out_dir):
            fresh_keys.update((report, loc) for loc in wanted)
        else:
            stale_paths.append(path)
    later: list = []  # the resolved editions to keep for the next build (kept.py)
    with _collector_held() as writing:
        editions = prepare(root, stale_paths, locales, diags, kept=cache_dir(root) / "editions", later=later)
        if later:
            # Made here, where the input hash needs it anyway, so the keeping process need not make it again.
            for edition in editions:
                if edition.document is not None and not edition.diags.errors:
                    edition_json(edition)
        writing()
        keeper = _keep_beside(later)
        try:
            return _build_editions(root, editions, fresh_keys, previous, formats, out_dir, manifest_path, diags,
                                   jobs, shard, force, progress, log, start)
        finally:
            _reap(keeper)


@contextmanager
def _collector_held():
    """Python's cyclic garbage collector for one build: held while the editions are loaded
    and resolved, and started again, with everything made so far frozen (`gc.freeze`), by
    the function this gives, before the writers and the processes forked for them run.

    What loading and resolving make lives to the end of the build; each collection walked
    it again, about a tenth of a one-paragraph rebuild. Frozen, it is left out of the
    writers' collections, in this process and in the forked ones, which also keeps its
    pages shared (Python's advice for a process that forks). It is frozen without a
    collection first: one walk of that heap costs about a twentieth of the rebuild and
    finds a few thousand objects in cycles, which are collected after the build, once
    unfrozen. Afterwards the collector is as it was, with nothing frozen (a watch loop, a
    test, a program using reportgen)."""
    enabled = gc.isenabled()
    frozen = []

    def writing() -> None:
        if enabled and not frozen:
            gc.freeze()
            frozen.append(True)
            gc.enable()

    gc.disable()
    try:
        yield writing
    finally:
        if frozen:
            gc.unfreeze()
        if enabled:
            gc.enable()


def _build_editions(root, editions, fresh_keys, previous, formats, out_dir, manifest_path, diags, jobs, shard,
                    force, progress, log, start) -> list[Result]:
    """`build` once its editions are prepared: write what is stale, record the manifest."""
    chosen = shard_of(fresh_keys | {(e.spec.id, e.locale) for e in editions}, shard)
    editions = [e for e in editions if (e.spec.id, e.locale) in chosen]
    fresh: list[Result] = [previous[(r, loc, f)] for r, loc in sorted(fresh_keys & chosen) for f in formats]
    results: list[Result] = []
    todo: list[tuple[Edition, str, dict, list[str]]] = []
    for edition in editions:
        if edition.document is None or edition.diags.errors:
            results.extend(_not_built(edition, formats, out_dir, root, previous))
            continue
        inputs = input_hash(edition_json(edition), edition.layout, edition.document, formats)
        sources = sources_of(edition.spec, edition.locale, edition.layout, edition.document, root, formats)
        entries = {f: previous.get((edition.spec.id, edition.locale, f)) for f in formats}
        # Its files changed, but not what it prints (a comment, another locale's text): each
        # format whose file is intact is up to date; the others are written again.
        current = [] if force else [f for f in formats if up_to_date([entries[f]], inputs, out_dir)]
        fresh.extend(dataclasses.replace(entries[f], sources=sources) for f in current)
        if len(current) < len(formats):
            todo.append((edition, inputs, sources, [f for f in formats if f not in current]))
    work: list[dict] = []
    batches = None
    recorded = False
    try:
        faces, unmade = _faces(todo, root, diags, jobs or os.cpu_count() or 1)
        for edition, inputs, sources, stale in todo:
            if face_key(edition) not in faces or edition.diags.errors:
                results.extend(_not_built(edition, stale, out_dir, root, previous, unmade.get(face_key(edition)[0])))
                continue
            key = (edition.spec.id, edition.locale)
            work.append({
                "document": edition.document, "layout": edition.layout, "faces": faces[face_key(edition)],
                "root": root, "out_dir": out_dir, "formats": stale, "report": edition.spec.id,
                "locale": edition.locale, "inputs": inputs, "sources": sources,
                # The tree's digest, from the JSON made once above (the Word file's contents
                # looks up the PDF layout kept for it), and the JSON itself (the Word file's
                # embedded faces hold its characters).
                "tree": hashlib.sha256(edition_json(edition).encode("utf-8")).hexdigest(),
                "json": edition_json(edition),
                # Its blocks' JSON by node id, for the writers' keys (empty in a pool worker).
                "node_json": edition.block_json,
                "locales": list(edition.spec.locales),
                "shown": {f: display_path(output_path(out_dir, *key, f), root) for f in stale},
                "previous": {f: previous.get((*key, f)) for f in stale},
            })
        jobs = jobs or os.cpu_count() or 1
        if jobs > 1 and 1 < len(work) < jobs:
            # Each edition's formats side by side.
            work = [{**job, "formats": [fmt]} for job in work for fmt in job["formats"]]
        elif jobs > 1 and len(work) == 1:
            # A single edition is written here, with no pool (its start, and the charts each
            # worker would draw again, cost more than they save), its Word file in a forked
            # process beside the PDF (see workers.write_edition).
            work = [{**work[0], "side_by_side": True}]
        progress = progress or Progress(0, log)
        progress.start(len(work))
        if work:
            make_output_folder(out_dir, root)
        # Charts first, all of them across the cores; then the editions.
        prerender_charts(work, jobs, root)
        batches = run(work, jobs)
        for _, batch in batches:
            progress.done(batch)
            results.extend(batch)
            for r in batch:
                if r.status == "failed":
                    diags.error(Loc(r.path), f"not written: {r.message}", "write")
                elif r.status == "stale":
                    diags.error(Loc(r.path), f"not rebuilt, the earlier file is kept: {r.message}", "write")
        recorded = True  # a manifest that cannot be written is reported once, not retried
        _record(manifest_path, results + fresh, out_dir, root)
    except BaseException:
        if recorded:
            raise
        if batches is not None:
            batches.close()  # the workers stop before the disk is read
        # Record what is true of every file this run meant to write, then let the interrupt
        # (or the error) go on: their earlier files are still there, or the new complete ones.
        reported = {r.key for r in results}
        for job in work:
            for fmt in job["formats"]:
                key = (job["report"], job["locale"], fmt)
                if key not in reported:
                    results.append(as_on_disk(output_path(out_dir, *key), job["shown"][fmt], key, INTERRUPTED,
                                              previous.get(key)))
        try:
            _record(manifest_path, results + fresh, out_dir, root)
        except ReportgenError as exc:
            print("\n".join(str(d) for d in exc.diagnostics), file=sys.stderr)
        raise
    progress.summary(results, fresh, time.monotonic() - start)
    return results + fresh


def _keep_beside(later: list) -> int | None:
    """Keep the editions just resolved (`later`, see editions.prepare) in a forked process,
    while this one writes: pickling a long report's trees is a tenth of a rebuild. Its pid,
    or None when they were kept here (no fork on this platform)."""
    if not later:
        return None
    if hasattr(os, "fork"):
        try:
            pid = os.fork()
        except OSError:
            pid = None
        if pid == 0:
            try:
                for call in later:
                    call()
            finally:
                os._exit(0)  # a cache not written costs the next build time, never this one
        if pid:
            return pid
    for call in later:
        call()
    return None


def _reap(pid: int | None) -> None:
    """Wait for the process keeping the editions (it never takes long after the writing)."""
    if pid is None:
        return
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _faces(todo: list, root: Path, diags: Diagnostics, jobs: int = 1) -> tuple[dict, dict]:
    """One face set per font family for what this run writes, and why a family has none.

    Which superset a face holds does not change the PDF: ReportLab embeds only the glyphs
    used, by a stable name."""
    texts: dict[str, list[str]] = {}
    variants: dict[str, set] = {}
    emphasis: dict[str, list[str]] = {}
    for edition, *_ in todo:
        family, latin = face_key(edition)
        texts.setdefault(family, []).append(edition_json(edition))
        variants.setdefault(family, set()).add(latin)
        emphasis.setdefault(family, []).append(emphasised_text(edition))
    faces, unmade = {}, {}
    tasks = [(family, "".join(parts), root, variants[family], "".join(emphasis[family]))
             for family, parts in sorted(texts.items())]
    if jobs > 1 and len(tasks) > 1 and hasattr(os, "fork"):
        import concurrent.futures as futures
        import multiprocessing

        # Each family's faces in its own process (cutting is pure Python, one core each).
        share = max(1, jobs // len(tasks))
        with futures.ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=multiprocessing.get_context("fork")) as pool:
            outcomes = list(pool.map(_cut_family, [(*task, share) for task in tasks]))
    else:
        outcomes = [_cut_family((*task, jobs)) for task in tasks]
    for (family, *_), (made, problems) in zip(tasks, outcomes):
        for latin, face in made.items():
            faces[(family, latin)] = face
        if problems:
            diags.items.extend(problems)
            unmade[family] = "; ".join(str(d) for d in problems)
    return faces, unmade


def _cut_family(task: tuple) -> tuple[dict, list]:
    """The faces of one family ({latin: Faces}), or the located problems that kept them from being made."""
    from .fonts import cache_dir, faces_for_variants

    family, text, root, variants, emphasis, jobs = task
    try:
        return faces_for_variants(family, text, root, variants, emphasis, jobs), []
    except ReportgenError as exc:
        return {}, list(exc.diagnostics)
    except OSError as exc:
        if not is_disk_error(exc):
            raise
        # The font cache is on a full or read-only disk.
        error = disk_error(exc, Path(exc.filename).parent if exc.filename else cache_dir(root) / "fonts", root)
        return {}, list(error.diagnostics)


def _not_built(edition: Edition, formats: list[str], out_dir: Path, root: Path, previous: dict,
               reason: str | None = None) -> list[Result]:
    """The entries of an edition that could not be resolved or checked: its earlier files stay."""
    message = "; ".join(str(d) for d in edition.diags.errors) or reason or "see the errors above"
    out = []
    for fmt in formats:
        key = (edition.spec.id, edition.locale, fmt)
        target = output_path(out_dir, *key)
        out.append(not_rebuilt(target, display_path(target, root), key, message, previous.get(key)))
    return out


def _record(manifest_path: Path, entries: list[Result], out_dir: Path, root: Path) -> None:
    """Merge this run's entries into the manifest (nothing is written when nothing changed).

    Under the lock every entry is checked against the disk once more: another build of the
    same project may have replaced a file since (and recorded it, or will), or someone may
    have removed or changed one by hand."""

    def verify(mine: Result, current: Result | None) -> Result:
        target = output_path(out_dir, *mine.key)
        try:
            disk = sha256_file(target) if target.is_file() else ""
        except OSError:
            disk = ""
        if disk == mine.sha256:
            return mine
        if current is not None and current is not mine and current.sha256 == disk:
            return current  # another build of this project replaced the file, and recorded it
        if mine.status == "failed" and not disk:
            return mine
        return not_rebuilt(target, mine.path, mine.key, "the file was replaced or removed after it was recorded "
                           "(by another build, or by hand)", mine)

    try:
        # Ctrl-C and SIGTERM wait until the manifest agrees with the files this run replaced.
        with signals_held():
            update_manifest(manifest_path, entries, verify)
    except OSError as exc:
        if not is_disk_error(exc):
            raise
        raise disk_error(exc, manifest_path.parent, root) from None
