"""The files in output/: written whole or not at all, and described truthfully.

A report is written under a private temporary name (`.NAME.PID.tmp`, beside its target) and
renamed over the target only once complete, so a reader — or CI publishing the folder —
sees the earlier file or the new one, never half of one. A failed or interrupted rebuild
leaves the earlier file where it was; the manifest then calls it `stale` and gives its hash.
A build killed outright (`kill -9`) may leave a temporary file; the next build removes it.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path
from typing import Callable, TypeVar

from .cachefiles import sha256_file
from .errors import Loc, ReportgenError
from .manifest import Result
from .files import display_path

T = TypeVar("T")

# What a full disk, a read-only or foreign folder looks like; anything else is a bug.
DISK_REASONS = {
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file would be larger than the file system allows",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOTDIR: "a file is in the way of a folder",
    errno.EEXIST: "a file is in the way of a folder",
    errno.EISDIR: "a folder is in the way of the file",
    errno.EIO: "the disk reported an input/output error",
}
# `.NAME.PID.tmp` (outputs, the manifest) or `.NAME.PID.THREAD.tmp` (cache files): the first
# number is the process that writes it; a thread id is no process id.
TEMPORARY = re.compile(r"^\..+?\.(\d+)(?:\.\d+)?\.tmp$")


def output_path(out_dir: Path, report: str, locale: str, fmt: str) -> Path:
    return out_dir / locale / f"{report}.{fmt}"


def temp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def write_atomically(target: Path, write: Callable[[Path], T]) -> T:
    """Call `write(temporary)`; when it returns, put the complete file in place of `target`.
    On any exception or interrupt the temporary file is removed and `target` is untouched."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(target)
    try:
        value = write(tmp)
        if not looks_complete(tmp, target.suffix):
            raise RuntimeError(f"the writer left an incomplete {target.suffix} file")
        # On disk before the rename, so a crash cannot put an empty file in place of a good one.
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return value


def looks_complete(path: Path, suffix: str) -> bool:
    """A cheap check that a written report is whole: not empty; a PDF ends with its `%%EOF`
    marker, a DOCX (a zip archive) with its central directory."""
    size = path.stat().st_size
    if size == 0:
        return False
    if suffix == ".pdf":
        with open(path, "rb") as fh:
            fh.seek(max(0, size - 1024))
            return b"%%EOF" in fh.read()
    if suffix == ".docx":
        import zipfile

        return zipfile.is_zipfile(path)
    return True


def is_disk_error(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in DISK_REASONS


def disk_message(exc: OSError, folder: str) -> str:
    """A user's message for a write the disk or the folder refused."""
    reason = DISK_REASONS.get(exc.errno, exc.strerror or str(exc))
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        hint = "free some space, or build into another folder with --output"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        hint = "make the folder writable, or build into another folder with --output"
    else:
        hint = "choose another folder with --output"
    return f"cannot write to {folder.rstrip('/')}/: {reason}; {hint}"


def disk_error(exc: OSError, path: Path, root: Path) -> ReportgenError:
    shown = display_path(path, root)
    return ReportgenError(disk_message(exc, shown), Loc(shown))


def check_output_folder(out_dir: Path, root: Path) -> None:
    """Refuse an output "folder" that is a file, or lies under one, before any work is done."""
    for path in (out_dir, *out_dir.parents):
        if path.exists():
            if not path.is_dir():
                shown = display_path(path, root)
                raise ReportgenError(f"the output folder `{display_path(out_dir, root)}` cannot be made: "
                                     f"`{shown}` is a file; choose a folder with --output", Loc(shown))
            return


def make_output_folder(out_dir: Path, root: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if not is_disk_error(exc):
            raise
        raise disk_error(exc, out_dir, root) from None


def bug_message(shown: str, exc: BaseException) -> str:
    return (f"internal error while writing {shown}: {type(exc).__name__}: {exc}; this is a bug in reportgen; "
            "run again with REPORTGEN_DEBUG=1 for details and report it")


def not_rebuilt(target: Path, shown: str, key: tuple, message: str, previous: Result | None) -> Result:
    """The entry for a format that was not rebuilt: `stale` with the true hash of the earlier
    file when one is there, `failed` when there is none."""
    report, locale, fmt = key
    try:
        sha = sha256_file(target) if target.is_file() else ""
    except OSError:
        sha = ""
    if not sha:
        return Result(report, locale, fmt, shown, "failed", message=message)
    same = previous is not None and previous.sha256 == sha
    pages = previous.pages if same else 0
    return Result(report, locale, fmt, shown, "stale", pages, sha, message, draft=same and previous.draft)


def as_on_disk(target: Path, shown: str, key: tuple, message: str, previous: Result | None) -> Result:
    """The entry for a format whose rebuild did not report back (interrupted): the earlier
    entry when the file on disk is still the one it describes, else the truth about the disk."""
    if previous is not None and previous.status in ("built", "stale"):
        try:
            if target.is_file() and sha256_file(target) == previous.sha256:
                return previous
        except OSError:
            pass
    elif previous is not None and previous.status == "failed" and not target.exists():
        return previous
    return not_rebuilt(target, shown, key, message, previous)


def remove_leftovers(folders: list[Path]) -> None:
    """Remove temporary files that builds killed outright left in `folders` (and one level
    down). A file whose process still runs belongs to a build in progress and is kept."""
    for folder in folders:
        for path in _temporary_files(folder, depth=1):
            match = TEMPORARY.match(path.name)
            if match and not _running(int(match.group(1))):
                try:
                    path.unlink()
                except OSError:
                    pass  # a read-only folder: nothing can be left there by this build either


def _temporary_files(folder: Path, depth: int):
    """The hidden `.tmp` files in `folder` and `depth` levels of folders below it. One listing
    per folder: a chart cache holds thousands of files, which pathlib's patterns look at one
    by one in Python."""
    try:
        entries = list(os.scandir(folder))
    except OSError:  # not there, or not a folder
        return
    for entry in entries:
        if entry.name.startswith(".") and entry.name.endswith(".tmp"):
            yield Path(entry.path)
        elif depth and entry.is_dir(follow_symlinks=False):
            yield from _temporary_files(Path(entry.path), depth - 1)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # no such process (or no possible one)
        return False
    except OSError:
        return True  # it exists, under another user
    return True
