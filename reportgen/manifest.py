"""output/manifest.json: what each build left on disk, one entry per edition and format.

An entry's status is the truth about its file:

- `built`: the file was written from the entry's inputs; `sha256` and `pages` are its own;
- `stale`: a rebuild failed (or was interrupted) and an earlier file was kept; `sha256` and
  `pages` describe that earlier file, `message` says why it was not replaced;
- `failed`: there is no file; `message` says why.

`draft: true` marks a file of a draft edition (the report's `draft_locales`): its
translation is unfinished, and the file says DRAFT on every page.

Two builds of one project may run at once: each takes an exclusive lock on
`.manifest.lock` beside the manifest, re-reads it, and merges in only the entries it wrote.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import __version__

STATUSES = ("built", "stale", "failed")
LOCK_NAME = ".manifest.lock"


@dataclass
class Result:
    report: str
    locale: str
    format: str
    path: str
    status: str  # built | stale | failed
    pages: int = 0
    sha256: str = ""
    message: str = ""
    inputs: str = ""  # hash of everything the edition is made from
    sources: dict = field(default_factory=dict)  # file -> sha256 of each file it was made from
    locales: list = field(default_factory=list)  # every locale of the report (to tell what is missing)
    draft: bool = False  # the file is of a draft edition (marked DRAFT on every page)

    @property
    def key(self) -> tuple[str, str, str]:
        return self.report, self.locale, self.format


_FIELDS = {f.name for f in dataclasses.fields(Result)}


def read_manifest(path: Path) -> list[Result]:
    """The entries a manifest lists (none when it is missing or unreadable); entries that
    are not well formed are left out, so a damaged manifest only costs rebuilds."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    entries = data.get("editions", []) if isinstance(data, dict) else []
    out = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        try:
            result = Result(**{k: v for k, v in entry.items() if k in _FIELDS})
        except TypeError:
            continue
        if not isinstance(result.draft, bool):
            result.draft = False
        if result.status in STATUSES and all(isinstance(v, str) for v in result.key):
            out.append(result)
    return out


def manifest_text(results) -> str:
    entries = [asdict(r) for r in sorted(results, key=lambda r: r.key)]
    return json.dumps({"reportgen": __version__, "editions": entries}, ensure_ascii=False, indent=1) + "\n"


def write_manifest(path: Path, results) -> None:
    """Write a manifest atomically: a reader sees the old one or the new one, never half.
    Ctrl-C and SIGTERM wait until the file is in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = manifest_text(results).encode("utf-8")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with signals_held():
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def signals_held():
    """Hold Ctrl-C and SIGTERM back (they are delivered on exit) in the main thread."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError, OSError):  # not on this platform or thread
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def manifest_lock(folder: Path):
    """An exclusive lock on the manifest of `folder`, held by one build at a time."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def update_manifest(path: Path, mine: list[Result], verify=None) -> bool:
    """Merge this run's entries into the manifest at `path`, under the lock: entries other
    builds wrote meanwhile are kept. `verify(result, current)` may correct an entry against
    the disk just before it is written (`current`: the manifest's entry for it now); every
    entry is verified, not only this run's. Returns False (and writes nothing) when nothing changes."""
    before = {r.key: r for r in read_manifest(path)}
    if all(before.get(r.key) == r for r in mine):
        return False
    with manifest_lock(path.parent):
        merged = {r.key: r for r in read_manifest(path)}
        if verify:
            # Entries of other runs are checked too: a file removed or changed by hand since.
            merged = {key: verify(entry, entry) for key, entry in merged.items()}
        for result in mine:
            merged[result.key] = verify(result, merged.get(result.key)) if verify else result
        write_manifest(path, merged.values())
    return True


def merge_manifests(paths: list[Path]) -> list[Result]:
    """Join shard manifests; a later file's entry for the same edition and format wins."""
    merged: dict = {}
    for path in paths:
        for result in read_manifest(path):
            merged[result.key] = result
    return list(merged.values())
