"""What a build tells its user while it runs: one line per file written or not, a progress
bar on a terminal, and a table at the end.

The lines and the table go to standard output (`log`); the bar goes to standard error, and
only when standard error is a terminal that can redraw a line (not `TERM=dumb`), so a log
file or a pipe never holds bar characters. Verbosity: 0 (`-q`) prints nothing here (errors
are reported elsewhere), 1 the lines and the table, 2 (`-v`) also each file up to date.
"""

from __future__ import annotations

import os
import sys

from .manifest import Result

QUIET, NORMAL, VERBOSE = 0, 1, 2


def bar_wanted(stream) -> bool:
    """True when `stream` is a terminal that can redraw a line in place."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and os.environ.get("TERM", "") != "dumb"


class Progress:
    """One line per finished edition and format, a bar while it runs, a summary table at the end."""

    def __init__(self, total: int = 0, log=print, stream=None, verbosity: int = NORMAL):
        self.total = total
        self.count = 0
        self.log = log
        self.verbosity = verbosity
        self.stream = stream or sys.stderr
        self.bar = verbosity >= NORMAL and bar_wanted(self.stream)
        self.shown = False  # whether a bar is on the screen now

    def start(self, total: int) -> None:
        """The number of editions this run writes, known once the build has planned its work."""
        self.total, self.count = total, 0

    def _clear(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False

    def done(self, batch: list[Result]) -> None:
        self.count += 1
        if self.verbosity < NORMAL:
            return
        self._clear()
        for r in batch:
            pages = f"  {r.pages} pages" if r.pages and r.status == "built" else ""
            # A kept earlier file is a failure to rebuild: say so, and that the old file stays.
            status = "failed" if r.status == "stale" else r.status
            kept = "  (the earlier file is kept)" if r.status == "stale" else ""
            self.log(f"{status:>7}  {r.path}{pages}{kept}")
        if self.bar and self.total:
            if self.log is print:
                sys.stdout.flush()  # the lines above reach the terminal before the bar is drawn under them
            width = 30
            filled = width * self.count // self.total
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.count}/{self.total} editions")
            self.stream.flush()
            self.shown = True

    def summary(self, results: list[Result], fresh: list[Result], seconds: float) -> None:
        self._clear()
        if self.verbosity < NORMAL:
            return
        if self.verbosity >= VERBOSE:
            for r in sorted(fresh, key=lambda r: r.key):
                self.log(f"{'fresh':>7}  {r.path}  (up to date)")
        built = sum(r.status == "built" for r in results)
        failed = sum(r.status != "built" for r in results)
        if not results and fresh:
            self.log(f"nothing to do: {len(fresh)} file(s) up to date")
        self.log(f"{'built':>8} {'up to date':>11} {'failed':>7} {'time':>8}")
        self.log(f"{built:>8} {len(fresh):>11} {failed:>7} {seconds:>7.1f}s")
