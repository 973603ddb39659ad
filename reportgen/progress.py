"""What a build tells its user while it runs: one line per file written or not (a bar on a
terminal), and a table at the end."""

from __future__ import annotations

import sys

from .manifest import Result


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
            pages = f"  {r.pages} pages" if r.pages and r.status == "built" else ""
            # A kept earlier file is a failure to rebuild: say so, and that the old file stays.
            status = "failed" if r.status == "stale" else r.status
            kept = "  (the earlier file is kept)" if r.status == "stale" else ""
            line = f"{status:>7}  {r.path}{pages}{kept}"
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
        failed = sum(r.status != "built" for r in results)
        if not results and fresh:
            self.log(f"nothing to do: {len(fresh)} file(s) up to date")
        self.log(f"{'built':>8} {'up to date':>11} {'failed':>7} {'time':>8}")
        self.log(f"{built:>8} {len(fresh):>11} {failed:>7} {seconds:>7.1f}s")
