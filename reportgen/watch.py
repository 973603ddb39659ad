"""`reportgen build --watch`: build, then rebuild whenever a file the reports are made of is saved.

Each round is an ordinary incremental build, so a change rebuilds only what it affects: a
spec or fragment its report, a data file the reports that read it, a `.po` file its
edition, a layout or an image what uses it. A round that fails prints its errors and keeps
the earlier files (as every build does); the next save tries again. File events come from
watchfiles (inotify, FSEvents or ReadDirectoryChangesW; polling where none works).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from .errors import Diagnostics, ReportgenError
from .progress import NORMAL

# Folders of a project whose files reports are made of: specs, fragments, catalogs and data
# under content/, layouts and reference documents under layouts/, images under assets/.
# Any other folder a report reads from is added from the manifest's record of its sources.
SOURCE_FOLDERS = ("content", "layouts", "assets")
# How long a burst of events (an editor writes a temporary file, renames it, touches the
# folder) may last before the round starts, and how much quiet ends one.
DEBOUNCE_MS, STEP_MS = 400, 50
# A wait for events returns this often, so Ctrl-C is seen promptly on every platform.
TIMEOUT_MS = 500


def watch(root: Path, build_once, out_dir: Path, finish, verbosity: int = NORMAL) -> int:
    """Run `build_once(diags)` now and after each change; `finish(diags, status)` reports a round.

    Returns when interrupted (Ctrl-C), or after $REPORTGEN_WATCH_BUILDS rounds (for tests
    and scripts that need a bounded run)."""
    import watchfiles

    limit = _round_limit()
    rounds = 0
    status = 0
    folders = _folders(root, out_dir)
    try:
        while True:
            restart = False
            watcher = watchfiles.watch(*folders, watch_filter=_Filter(root, out_dir), debounce=DEBOUNCE_MS,
                                       step=STEP_MS, rust_timeout=TIMEOUT_MS, yield_on_timeout=True,
                                       raise_interrupt=True)
            # The first answer (a timeout, with no changes) comes once the watcher is running: a
            # file saved during a round is then seen by the next one, never lost.
            for changes in watcher:
                if rounds and not changes:
                    continue
                if changes:
                    # An editor's or sed's temporary file, made and renamed away within the
                    # burst, is not named: the files there now are, else those removed.
                    paths = {Path(path) for _, path in changes}
                    names = sorted({_shown(p, root) for p in ({p for p in paths if p.exists()} or paths)})
                    if verbosity >= NORMAL:
                        print(f"\nchanged: {', '.join(names[:5])}{' …' if len(names) > 5 else ''}", flush=True)
                status = _round(build_once, finish)
                rounds += 1
                if limit and rounds >= limit:
                    return status
                wanted = _folders(root, out_dir)
                if set(wanted) - set(folders):
                    folders, restart = wanted, True  # a report now reads a folder not watched yet
                    break
                if verbosity >= NORMAL:
                    print(f"watching {', '.join(_shown(f, root) + '/' for f in folders)} for changes "
                          "(Ctrl-C stops)", flush=True)
            if not restart:
                return status
    except KeyboardInterrupt:
        if verbosity >= NORMAL:
            print("\nstopped watching", file=sys.stderr)
        return status


def _round(build_once, finish) -> int:
    """One build; its problems are reported and the watch goes on whatever they are."""
    started = time.monotonic()
    diags = Diagnostics()
    try:
        status = build_once(diags)
    except ReportgenError as exc:
        diags.items.extend(exc.diagnostics)
        status = 1
    except OSError as exc:
        from .outputs import disk_message, is_disk_error

        if not is_disk_error(exc):
            raise
        print(f"reportgen: error: {disk_message(exc, str(Path(exc.filename or '.').parent))}", file=sys.stderr)
        status = 1
    status = finish(diags, status)
    if os.environ.get("REPORTGEN_DEBUG"):
        print(f"round took {time.monotonic() - started:.2f} s", file=sys.stderr)
    return status


def _round_limit() -> int:
    try:
        return max(0, int(os.environ.get("REPORTGEN_WATCH_BUILDS", "0")))
    except ValueError:
        return 0


def _folders(root: Path, out_dir: Path) -> list[Path]:
    """The folders to watch: the project's source folders, and the top folder of every other
    file the last build recorded as a source (an image kept elsewhere in the project)."""
    from .manifest import read_manifest

    found = {root / name for name in SOURCE_FOLDERS if (root / name).is_dir()}
    for entry in read_manifest(out_dir / "manifest.json"):
        for name in entry.sources:
            path = Path(name)
            if name.startswith("(") or path.is_absolute() or len(path.parts) < 2:
                continue
            top = root / path.parts[0]
            if top.is_dir():
                found.add(top)
    found.discard(out_dir)
    return sorted(found) or [root]


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


class _Filter:
    """Changes that can matter to a report: not the build's own output or cache, not an
    editor's swap or backup file, not a temporary file being written."""

    IGNORED_SUFFIXES = (".swp", ".swx", ".swo", "~", ".tmp", ".bak", ".pyc")

    def __init__(self, root: Path, out_dir: Path):
        from .fonts import cache_dir

        self.skip = [out_dir.resolve(), cache_dir(root).resolve()]

    def __call__(self, change, path: str) -> bool:
        name = os.path.basename(path)
        if name.startswith((".#", "#")) or name.endswith(self.IGNORED_SUFFIXES) or name == "4913":
            return False  # Emacs lock files, Vim swap files and its write test `4913`, temporaries
        if any(part in ("__pycache__", ".git") for part in Path(path).parts):
            return False
        resolved = Path(path).resolve()
        return not any(resolved == folder or folder in resolved.parents for folder in self.skip)
