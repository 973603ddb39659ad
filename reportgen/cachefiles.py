"""Files kept in the cache (.reportgen-cache/ or $REPORTGEN_CACHE) between builds.

Each file has its sha256 beside it (`NAME.sha256`), written before the file itself is
renamed into place. A file whose digest is missing or does not match (a build killed
mid-write on an old version, a full disk, a damaged copy) is not used: it is made again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
from pathlib import Path
from typing import Callable


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def installed_version(distribution: str, package: str | None = None) -> str:
    """The installed version of a library a cached file depends on.

    Read from the name of its `.dist-info` folder beside the package, found without importing
    it; `importlib.metadata` (which imports the `email` package and scans every path entry)
    only when that folder is not there."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(package or distribution)
    except (ImportError, ValueError):
        spec = None
    folder = None
    if spec is not None and spec.submodule_search_locations:
        folder = Path(next(iter(spec.submodule_search_locations))).parent
    elif spec is not None and spec.origin and spec.has_location:  # a single-module library
        folder = Path(spec.origin).parent
    if folder is not None:
        # Installers name the folder by the normalised name (PyYAML -> pyyaml-6.0.dist-info).
        wanted = re.sub(r"[-_.]+", "_", distribution).lower()
        found = [p.name[:-len(".dist-info")].rpartition("-") for p in folder.glob("*-*.dist-info")]
        versions = [version for name, _, version in found if re.sub(r"[-_.]+", "_", name).lower() == wanted]
        if len(versions) == 1:
            return versions[0]
    from importlib.metadata import version

    return version(distribution)


def digest_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def temp_path(target: Path) -> Path:
    """A name only this process (and thread) writes; leftovers are recognised by it."""
    return target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def intact(path: Path) -> bool:
    """True when `path` exists and matches the digest stored beside it."""
    return checked_digest(path) is not None


def checked_digest(path: Path) -> str | None:
    """The sha256 of `path` when it matches the digest stored beside it, else None.

    Checked once per process for each state of the two files, so a later asker reads it
    without hashing the file again (a chart's SVG is checked when the build looks for
    undrawn charts, then named by its digest when the PDF draws it)."""
    try:
        stat, side = path.stat(), digest_path(path).stat()
    except OSError:
        return None
    return _checked(str(path), stat.st_size, stat.st_mtime_ns, side.st_mtime_ns)


@functools.lru_cache(maxsize=1024)
def _checked(path: str, size: int, mtime_ns: int, side_mtime_ns: int) -> str | None:
    try:
        expected = digest_path(Path(path)).read_text(encoding="ascii").strip()
        return expected if size > 0 and expected == sha256_file(Path(path)) else None
    except (OSError, UnicodeDecodeError):
        return None


def save(target: Path, write: Callable[[Path], None]) -> None:
    """Make `target` with `write(temporary_path)`, then put its digest and it in place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp, side_tmp = temp_path(target), temp_path(digest_path(target))
    try:
        write(tmp)
        side_tmp.write_text(sha256_file(tmp) + "\n", encoding="ascii")
        # The digest first: a reader that sees the new file also sees its digest.
        os.replace(side_tmp, digest_path(target))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        side_tmp.unlink(missing_ok=True)
