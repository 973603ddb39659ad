"""Reading files of a project safely: inside the project, regular files only, bounded size.

Every file reportgen reads because a project names it (spec, fragment, data, layout, image,
catalog, reference document) goes through `read_project_file` or `open_project_file`, so
that a symlink cannot lead a build to `/etc/passwd`, a FIFO or device cannot hang it, and
a huge file is refused with a message naming the limit instead of exhausting memory.
Also here: where a project's files are (its reports, their catalogs) and how a path is shown.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from .errors import Diagnostic, Loc, ReportgenError

MB = 1_000_000

# Default size limits per kind of file, in MB, each raised by its environment variable.
# They are far above any real report's files and far below what would exhaust a CI machine.
LIMITS = {
    "spec": ("REPORTGEN_MAX_SPEC_MB", 20),
    "data": ("REPORTGEN_MAX_DATA_MB", 100),
    "image": ("REPORTGEN_MAX_IMAGE_MB", 50),
}


def limit_bytes(kind: str) -> int:
    """The size limit in bytes for a kind of file (`spec`, `data`, `image`), from the
    environment variable that raises it or its default."""
    env, default = LIMITS[kind]
    value = os.environ.get(env, "").strip()
    try:
        megabytes = float(value) if value else default
    except ValueError:
        megabytes = default
    if megabytes <= 0:
        megabytes = default
    return int(megabytes * MB)


def limit_hint(kind: str) -> str:
    """`; set REPORTGEN_MAX_DATA_MB to raise it` for messages about a limit."""
    return f"; to raise the limit set {LIMITS[kind][0]} (in MB)" if kind in LIMITS else ""


# What the file system accepts in a name (Linux's NAME_MAX and PATH_MAX, macOS's are smaller).
MAX_NAME_BYTES = 255
MAX_PATH_CHARS = 1024


def name_problem(text: str) -> str | None:
    """Why `text`, a file name an input wrote, cannot name a file, or None.

    Checked before the name reaches the file system, which would refuse it with an
    exception (a NUL byte, a part longer than 255 bytes) instead of a located message.
    """
    if not text:
        return "is empty; name a file"
    for ch in text:
        if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or 0xD800 <= ord(ch) < 0xE000:
            return f"holds the control character U+{ord(ch):04X}; remove it"
    if len(text) > MAX_PATH_CHARS:
        return f"is {len(text):,} characters long; a file name should be at most {MAX_PATH_CHARS:,}"
    for part in text.replace("\\", "/").split("/"):
        if len(part.encode("utf-8")) > MAX_NAME_BYTES:
            return f"has a part of {len(part.encode('utf-8'))} bytes; a file system allows {MAX_NAME_BYTES}"
    return None


def show_name(text: str) -> str:
    """A file name for a message: control characters as `\\uXXXX`, at most 60 characters."""
    shown = "".join(f"\\u{ord(ch):04X}" if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or 0xD800 <= ord(ch) < 0xE000
                    else ch for ch in text[:60])
    return shown + ("…" if len(text) > 60 else "")


def _kind_of(mode: int) -> str | None:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    return None


def _error(message: str, where: Loc, kind: str) -> ReportgenError:
    return ReportgenError(Diagnostic(where, message, code="data" if kind == "data" else "spec"))


def _size_text(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size >= MB else f"{size:,} bytes"


def check_project_file(path: Path, root: Path | None, display: str, limit: int | None,
                       *, loc: Loc | None = None, kind: str = "") -> os.stat_result:
    """Check, without opening it, that a file may be read; its `os.stat`, or a located error.

    The path, with symlinks followed, must lie inside `root` (None: anywhere) and be a
    regular file of at most `limit` bytes. `loc` is where the file was named (default: the
    file itself); `kind` names the limit's environment variable in the message (`LIMITS`).
    """
    where = loc or Loc(display)
    resolved = Path(os.path.realpath(path))
    if root is not None:
        real_root = Path(os.path.realpath(root))
        if resolved != real_root and real_root not in resolved.parents:
            raise _error(f"`{display}` resolves outside the project (through a symlink or `..`); "
                                 "reportgen reads only files inside the project folder", where, kind)
    try:
        info = os.stat(resolved)
    except FileNotFoundError:
        raise _error(f"file not found: {display}", where, kind) from None
    except OSError as exc:
        raise _error(f"cannot read {display}: {exc.strerror or 'unreadable'}", where, kind) from None
    what = _kind_of(info.st_mode)
    if what:
        raise _error(f"`{display}` is {what}, not a file reportgen can read; name a regular file", where, kind)
    _check_size(info.st_size, limit, display, where, kind)
    return info


def open_project_file(path: Path, root: Path | None, display: str, limit: int | None,
                      *, loc: Loc | None = None, kind: str = "") -> BinaryIO:
    """Open a project file for binary reading after `check_project_file`, or raise.

    A FIFO is never opened (opening one blocks until a writer appears): the type is checked
    with `os.stat` first, and the file is opened non-blocking and without following a
    symlink, then re-checked on the open descriptor, so a file swapped in between is
    caught too.
    """
    where = loc or Loc(display)
    info = check_project_file(path, root, display, limit, loc=loc, kind=kind)
    resolved = Path(os.path.realpath(path))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(resolved, flags)
    except OSError as exc:
        raise _error(f"cannot read {display}: {exc.strerror or 'unreadable'}", where, kind) from None
    try:
        opened = os.fstat(fd)
        if _kind_of(opened.st_mode) or (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            raise _error(f"`{display}` changed while it was being read; run the command again", where, kind)
        _check_size(opened.st_size, limit, display, where, kind)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _check_size(size: int, limit: int | None, display: str, where: Loc, kind: str) -> None:
    if limit is not None and size > limit:
        raise _error(f"`{display}` is {_size_text(size)}, over the limit of {_size_text(limit)} "
                             f"for this kind of file{limit_hint(kind)}", where, kind)


def read_project_file(path: Path, root: Path | None, display: str, limit: int | None,
                      *, loc: Loc | None = None, kind: str = "") -> bytes:
    """The bytes of a project file, checked as `open_project_file` describes.

    Reads at most `limit` + 1 bytes, so a file that grows after the check is refused as
    well, never read whole into memory.
    """
    where = loc or Loc(display)
    with open_project_file(path, root, display, limit, loc=loc, kind=kind) as fh:
        try:
            data = fh.read() if limit is None else fh.read(limit + 1)
        except OSError as exc:
            raise _error(f"cannot read {display}: {exc.strerror or 'unreadable'}", where, kind) from None
    if limit is not None and len(data) > limit:
        raise _error(f"`{display}` is over the limit of {_size_text(limit)} for this kind of file"
                             f"{limit_hint(kind)}", where, kind)
    return data


# ---------------------------------------------------------------- where a project's files are


def display_path(path: Path, root: Path) -> str:
    """A path as the user knows it: relative to the project root, as written (a symlink is
    named by where it lies, not by where it points)."""
    for here, base in ((Path(os.path.abspath(path)), Path(os.path.abspath(root))), (path.resolve(), root.resolve())):
        try:
            return here.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


def inside(path: Path, root: Path) -> bool:
    """True when `path`, with symlinks followed, lies inside `root`."""
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def find_reports(root: Path) -> list[Path]:
    """Every `content/<id>/report.yaml` in the project, sorted by id."""
    content = root / "content"
    return sorted(p for p in content.glob("*/report.yaml")) if content.exists() else []


def catalog_path(report_dir: Path, locale: str) -> Path:
    """Where a report's translations for `locale` live."""
    return report_dir / "locales" / f"{locale}.po"
