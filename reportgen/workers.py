"""Writing editions, in worker processes when there are several to write.

A job is one edition (or one format of it) as plain data; `write_edition` turns it into one
manifest entry per format, whatever happens: a located error, a full disk or a bug in a writer
becomes that format's `failed` (or `stale`) entry and the other editions go on. Only an
interrupt (Ctrl-C, SIGTERM) stops the run; the temporary file being written is removed.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from pathlib import Path

from . import model as m
from .cachefiles import sha256_file
from .errors import ReportgenError
from .manifest import Result
from .outputs import bug_message, disk_message, is_disk_error, not_rebuilt, output_path, write_atomically


def draw_charts(doc: m.Document, layout, faces, root: Path, for_word: bool = False) -> list[Path]:
    """The drawing of every chart of `doc`, in `walk_blocks()` order (drawn, or taken from the cache).

    For the PDF: an SVG (vector, text kept as text) unless the layout's `chart_format` is png.
    For Word (`for_word`): charts Word draws natively need no picture, only their size, so they
    share the PDF's drawing; the others are placed as PNG pictures.
    """
    from .chartdraw import render_chart
    from .fonts import cache_dir

    folder = cache_dir(root) / "charts"
    return [render_chart(block, layout, faces, folder, _file_format(block, layout, for_word))
            for block in doc.walk_blocks() if isinstance(block, m.Chart)]


def _file_format(chart: m.Chart, layout, for_word: bool) -> str:
    if for_word:
        from .chartdraw import native_in_word

        if not native_in_word(chart):
            return "png"
    return "png" if getattr(layout, "chart_format", "vector") == "png" else "svg"


def write_edition(job: dict) -> list[Result]:
    """Draw the charts of one resolved edition and write each format, atomically.

    Runs in a worker process when building in parallel, so it takes and returns plain data.
    """
    doc, layout, faces, root = job["document"], job["layout"], job["faces"], job["root"]
    try:
        # The PDF's charts are drawn for a Word-only build too: its contents takes each
        # heading's page from the PDF layout, which the charts' sizes are part of.
        images = draw_charts(doc, layout, faces, root)
        word_images = draw_charts(doc, layout, faces, root, for_word=True) if "docx" in job["formats"] else []
    except Exception as exc:  # noqa: BLE001 - every failure becomes this edition's entries
        from .fonts import cache_dir

        return [failure(job, fmt, exc, cache_dir(root) / "charts") for fmt in job["formats"]]
    results = {}
    heading_pages: dict[str, int] = {}
    beside = None
    if job.get("side_by_side") and set(job["formats"]) == {"pdf", "docx"} and hasattr(os, "fork"):
        # The Word file in a process of its own while the PDF is laid out here: it takes the
        # PDF's pages only for its contents, made last (see write_docx).
        beside = _WordBeside(job, word_images)
    try:
        # The PDF first: the Word file's contents prints the page of each heading as the PDF
        # laid it out.
        for fmt in sorted(job["formats"], key=lambda f: f != "pdf"):
            if fmt == "pdf":
                results[fmt] = _write_pdf(job, images, heading_pages, beside.send if beside is not None else None)
            elif beside is not None:
                results[fmt] = beside.finish(heading_pages)
            else:
                if "pdf" not in job["formats"]:
                    heading_pages = pdf_heading_pages(doc, layout, faces, images, root, job.get("tree"))
                results[fmt] = _write_word(job, word_images, heading_pages or None)
    except BaseException:
        if beside is not None:
            beside.stop()
        raise
    return [results[fmt] for fmt in job["formats"]]


def _write_pdf(job: dict, images: list, heading_pages: dict, on_pages=None) -> Result:
    """Write the PDF (filling `heading_pages`, and giving them to `on_pages` once laid out,
    before the file is written); its entry, or the failure's."""
    from .fonts import cache_dir
    from .writers.pdf import write_pdf

    doc, layout, faces = job["document"], job["layout"], job["faces"]
    target = output_path(job["out_dir"], job["report"], job["locale"], "pdf")
    try:
        lines = cache_dir(job["root"]) / "lines"
        pages = write_atomically(target, lambda tmp: write_pdf(doc, layout, faces, tmp, chart_images=images,
                                                               pages_out=heading_pages, cache=lines,
                                                               on_pages=on_pages, known_json=job.get("node_json")))
        remember_heading_pages(doc, layout, faces, images, job["root"], heading_pages, job.get("tree"))
        return _built(job, "pdf", target, pages)
    except Exception as exc:  # noqa: BLE001 - every failure becomes this format's entry
        return failure(job, "pdf", exc, target.parent)


def _write_word(job: dict, word_images: list, heading_pages) -> Result:
    """Write the Word file; its entry, or the failure's. `heading_pages` as write_docx takes them."""
    from .fonts import cache_dir
    from .writers.docx import write_docx

    doc, layout, faces = job["document"], job["layout"], job["faces"]
    target = output_path(job["out_dir"], job["report"], job["locale"], "docx")
    try:
        write_atomically(target, lambda tmp: write_docx(doc, layout, tmp, chart_images=word_images, faces=faces,
                                                        heading_pages=heading_pages,
                                                        cache=cache_dir(job["root"]) / "charts",
                                                        blocks=cache_dir(job["root"]) / "blocks",
                                                        tree_json=job.get("json"),
                                                        known_json=job.get("node_json")))
        return _built(job, "docx", target, 0)
    except Exception as exc:  # noqa: BLE001 - every failure becomes this format's entry
        return failure(job, "docx", exc, target.parent)


def _built(job: dict, fmt: str, target: Path, pages: int) -> Result:
    return Result(job["report"], job["locale"], fmt, job["shown"][fmt], "built", pages, sha256_file(target),
                  inputs=job["inputs"], sources=job["sources"], locales=job["locales"],
                  draft=job["document"].meta.draft)


class _WordBeside:
    """An edition's Word file written in a forked process while this one writes its PDF.

    The child makes the whole file but its contents, then waits for the PDF's heading pages
    (sent by `send` once the PDF is laid out, or by `finish`), and sends back its entry. An
    interrupt here stops it (`stop`): it unwinds as a pool worker does, removing its
    temporary file, and the earlier file stays."""

    def __init__(self, job: dict, word_images: list):
        import multiprocessing

        context = multiprocessing.get_context("fork")
        pages_in, self.pages_out = context.Pipe(duplex=False)
        self.result_in, result_out = context.Pipe(duplex=False)
        self.job = job
        self.process = context.Process(target=_word_child, args=(job, word_images, pages_in, result_out),
                                       daemon=True)
        self.process.start()
        # Only the child keeps its ends: a child that dies unblocks `finish` (EOF).
        pages_in.close()
        result_out.close()

    def send(self, heading_pages: dict) -> None:
        """Give the child the PDF's pages (once): it finishes the file while the PDF is written."""
        if self.pages_out.closed:
            return
        try:
            self.pages_out.send(dict(heading_pages))
        except OSError:
            pass  # the child is gone: its end of the story is read by `finish`
        self.pages_out.close()

    def finish(self, heading_pages: dict) -> Result:
        self.send(heading_pages)  # when the PDF did not give them as it was laid out
        try:
            result = self.result_in.recv()
        except (EOFError, OSError):
            result = None
        self.process.join()
        if isinstance(result, Result):
            return result
        target = output_path(self.job["out_dir"], self.job["report"], self.job["locale"], "docx")
        return failure(self.job, "docx", RuntimeError(f"the Word writer's process ended with status "
                                                      f"{self.process.exitcode}"), target.parent)

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _word_child(job: dict, word_images: list, pages_in, result_out) -> None:
    global _busy
    _in_worker()
    _busy = True

    def pages():
        try:
            return pages_in.recv() or None
        except (EOFError, OSError):
            return None

    try:
        result_out.send(_write_word(job, word_images, pages))
    except SystemExit:
        os._exit(130)


def tree_digest(doc: m.Document) -> str:
    """sha256 of the resolved tree without locations (`incremental.tree_json`)."""
    import hashlib

    from .incremental import tree_json

    return hashlib.sha256(tree_json(doc).encode("utf-8")).hexdigest()


def _layout_record(doc: m.Document, layout, faces, images, root: Path, tree: str | None = None) -> Path:
    """Where the heading pages of this edition's PDF layout are kept: named by everything the
    layout depends on (the resolved tree, the layout, the font faces, the images, reportgen).
    `tree` is the tree's `tree_digest` when the caller has it."""
    import hashlib

    from .fonts import cache_dir
    from .incremental import file_digest, image_paths, toolkit_hash

    digest = hashlib.sha256()
    for part in (toolkit_hash(), tree or tree_digest(doc), repr(layout), str(faces.regular), str(faces.bold),
                 *map(str, images)):
        digest.update(part.encode("utf-8") + b"\0")
    for path in sorted(set(image_paths(doc))):
        digest.update(file_digest(Path(path)).encode() + b"\0")
    return cache_dir(root) / "layout" / f"pages-{digest.hexdigest()[:32]}.json"


def remember_heading_pages(doc: m.Document, layout, faces, images, root: Path, pages: dict[str, int],
                           tree: str | None = None) -> None:
    """Keep the heading pages of a PDF just written, for a later Word-only build of the same edition."""
    import json

    from .cachefiles import save

    try:
        record = _layout_record(doc, layout, faces, images, root, tree)
        save(record, lambda tmp: tmp.write_text(json.dumps(pages, sort_keys=True), encoding="utf-8"))
    except OSError:  # a cache that cannot be written costs time, not correctness
        pass


def pdf_heading_pages(doc: m.Document, layout, faces, images, root: Path, tree: str | None = None) -> dict[str, int]:
    """The page of each heading in the PDF of this edition, when only the Word file is asked
    for: kept from an earlier PDF build of exactly these inputs, or laid out now into a
    scratch file. Empty when the PDF cannot be laid out (the Word file is still written,
    its contents then filled by Word on open)."""
    import json
    import tempfile

    from .cachefiles import intact
    from .fonts import cache_dir

    tree = tree or tree_digest(doc)
    record = _layout_record(doc, layout, faces, images, root, tree)
    if intact(record):
        try:
            pages = json.loads(record.read_text(encoding="utf-8"))
            if isinstance(pages, dict) and all(isinstance(v, int) for v in pages.values()):
                return pages
        except (OSError, ValueError):
            pass
    from .writers.pdf import write_pdf  # only now: a Word-only build with a kept layout needs no PDF writer

    pages: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="reportgen-") as folder:
        try:
            write_pdf(doc, layout, faces, Path(folder) / "layout.pdf", chart_images=images, pages_out=pages,
                      cache=cache_dir(root) / "lines")
        except ReportgenError:
            return {}
    remember_heading_pages(doc, layout, faces, images, root, pages, tree)
    return pages


def failure(job: dict, fmt: str, exc: BaseException, folder: Path) -> Result:
    """The entry of a format that could not be written because of `exc`: the earlier file, if
    any, stays (`stale`); the message is the user's to act on, or says that it is a bug."""
    shown = job["shown"][fmt]
    if isinstance(exc, ReportgenError):
        message = "; ".join(str(d) for d in exc.diagnostics)
    elif is_disk_error(exc):
        from .files import display_path

        message = disk_message(exc, display_path(Path(exc.filename).parent if exc.filename else folder, job["root"]))
    else:
        message = bug_message(shown, exc)
        if os.environ.get("REPORTGEN_DEBUG"):
            traceback.print_exception(exc, file=sys.stderr)
    target = output_path(job["out_dir"], job["report"], job["locale"], fmt)
    return not_rebuilt(target, shown, (job["report"], job["locale"], fmt), message, job["previous"].get(fmt))


_busy = False  # in a worker: whether a job is running


def _in_worker() -> None:
    """Worker processes leave Ctrl-C to the build, which stops them with SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stopped)


def _stopped(*_) -> None:
    # A running job unwinds (removing its temporary file); an idle worker just ends.
    if _busy:
        raise SystemExit(130)
    os._exit(130)


def _guarded(function, argument):
    """Run one job in a worker; once stopped, the worker takes no other job from the queue."""
    global _busy
    _busy = True
    try:
        return function(argument)
    except SystemExit:
        os._exit(130)
    finally:
        _busy = False


def _write_job(job: dict) -> list[Result]:
    return _guarded(write_edition, job)


def _chart_job(task: tuple) -> None:
    return _guarded(_draw_chart, task)


def _preload(work: list[dict]) -> None:
    """Import the writers (and matplotlib, when a chart is still to be drawn) once, before the
    workers fork: each would otherwise spend the better part of a second importing them itself.
    Charts all in the cache need no matplotlib, here or in the workers."""
    from .writers import docx, pdf  # noqa: F401

    if _undrawn(work):
        import matplotlib.backends.backend_agg  # noqa: F401
        import matplotlib.backends.backend_svg  # noqa: F401
        import matplotlib.figure  # noqa: F401
        import svglib.svglib  # noqa: F401


def _undrawn(work: list[dict], drawn=None) -> list[tuple]:
    """The charts of `work` not in the cache (or damaged there), each picture once, as
    `render_chart` arguments. `drawn(path)` tells a drawn one (by default: there, and
    matching its digest)."""
    from .cachefiles import intact
    from .chartdraw import chart_key
    from .fonts import cache_dir

    drawn = drawn or intact

    tasks: dict[Path, tuple] = {}
    for job in work:
        folder = cache_dir(job["root"]) / "charts"
        for chart in job["document"].walk_blocks():
            if isinstance(chart, m.Chart):
                # Every drawing an edition will ask for (see write_edition): the PDF's, which a
                # Word-only build lays out too, and the Word file's fallback picture.
                wanted = {_file_format(chart, job["layout"], False)}
                if "docx" in job.get("formats", ()):
                    wanted.add(_file_format(chart, job["layout"], True))
                for fmt in sorted(wanted):
                    try:
                        # The name render_chart gives the file (tests/test_workers.py holds them together).
                        key = chart_key(chart, job["layout"], job["faces"], fmt)
                    except Exception:  # noqa: BLE001 - drawn, and any error reported, per edition
                        continue
                    target = folder / f"chart-{key[:32]}.{fmt}"
                    if target not in tasks and not drawn(target):
                        tasks[target] = (chart, job["layout"], job["faces"], folder, fmt)
    return list(tasks.values())


def _pool(jobs: int):
    import concurrent.futures as futures
    import multiprocessing

    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    return futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_in_worker)


def _stop(pool) -> None:
    """Stop a pool now: queued jobs are dropped and running ones unwind (see `_in_worker`)."""
    # concurrent.futures has no public way to stop running workers before Python 3.14
    # (and shutdown() forgets them, so they are taken first).
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
            process.join()
    pool.shutdown(wait=True)


def _draw_chart(task: tuple) -> None:
    from .chartdraw import render_chart

    try:
        render_chart(*task)
    except Exception:  # noqa: BLE001 - drawn again, and reported, when its edition is written
        pass


def prerender_charts(work: list[dict], jobs: int, root: Path) -> None:
    """Draw the charts the editions need and the cache lacks, in `jobs` processes when there are many."""
    if jobs <= 1:
        return  # drawn as each edition is written
    # Only files that are not there first (a stat each): a rebuild finds them all, and then
    # hashes none here, before the writers fork; each writer checks the ones it uses (a
    # damaged one is drawn again there).
    if len(_undrawn(work, Path.exists)) < 8:
        return  # drawn as each edition is written; a pool would cost more than it saves
    tasks = _undrawn(work)
    if len(tasks) < 8:
        return
    _preload(work)
    pool = _pool(jobs)
    try:
        list(pool.map(_chart_job, tasks, chunksize=max(1, len(tasks) // (jobs * 4))))
    except Exception:  # noqa: BLE001 - a worker that died: what it did not draw is drawn, and any error reported, per edition
        _stop(pool)
        return
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)


def run(work: list[dict], jobs: int):
    """Write editions, in worker processes when there is more than one to do and jobs allow;
    yield (job, entries) as each finishes."""
    if jobs <= 1 or len(work) <= 1:
        for job in work:
            yield job, write_edition(job)
        return
    import concurrent.futures as futures

    _preload(work)
    pool = _pool(min(jobs, len(work)))
    pending = {pool.submit(_write_job, job): job for job in work}
    try:
        for future in futures.as_completed(pending):
            job = pending.pop(future)
            yield job, _batch(future, job)
    except GeneratorExit:
        _stop(pool)
        raise
    except BaseException:
        # Interrupted: editions that finished meanwhile are still reported, then the rest stop.
        finished = [(future, job) for future, job in pending.items()
                    if future.done() and not future.cancelled() and future.exception() is None]
        _stop(pool)
        for future, job in finished:
            yield job, future.result()
        raise
    pool.shutdown(wait=True)


def _batch(future, job: dict) -> list[Result]:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a worker that died: its edition failed, not the build
        return [failure(job, fmt, exc, output_path(job["out_dir"], job["report"], job["locale"], fmt).parent)
                for fmt in job["formats"]]
