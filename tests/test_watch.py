"""`reportgen build --watch`: a real file saved in a real project, a bounded number of rounds."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time

import docx
from conftest import make_project

DEADLINE = 120  # seconds for the whole run on a loaded 2-core machine; a round takes about one


class Watcher:
    """`reportgen build --watch` in a child process whose output is read line by line."""

    def __init__(self, project, rounds: int, *args: str):
        env = {**os.environ, "REPORTGEN_WATCH_BUILDS": str(rounds), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reportgen", "-C", str(project), "build", "--watch", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.deadline = time.monotonic() + DEADLINE

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def until(self, text: str) -> list[str]:
        """The lines printed up to and including the first one holding `text`."""
        got = []
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, self.deadline - time.monotonic()))
            except queue.Empty:
                self.process.kill()
                raise AssertionError(f"no `{text}` in time; output so far:\n" + "\n".join(self.seen)) from None
            if line is None:
                raise AssertionError(f"the watch ended before `{text}`:\n" + "\n".join(self.seen))
            got.append(line)
            self.seen.append(line)
            if text in line:
                return got

    def rest(self) -> list[str]:
        """Every line still to come, once the process has ended."""
        got = []
        while (line := self.lines.get(timeout=30)) is not None:
            got.append(line)
            self.seen.append(line)
        return got

    def finish(self) -> int:
        try:
            return self.process.wait(timeout=max(1, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError("the watch did not stop after its rounds:\n" + "\n".join(self.seen)) from None


def docx_text(path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def test_watch_rebuilds_what_a_save_changes_and_keeps_the_last_good_file_on_error(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    spec = project / "content/alpha/report.yaml"
    watcher = Watcher(project, 3, "--jobs", "1", "--format", "docx")
    first = watcher.until("watching")
    assert any("built  output/zh_CN/beta.docx" in line for line in first)

    # A one-paragraph change to one report: that report is rebuilt, the other is not.
    spec.write_text(spec.read_text(encoding="utf-8").replace("2024 年市场规模为", "2024 年全球市场规模为"),
                    encoding="utf-8")
    saved = time.monotonic()
    second = watcher.until("watching")
    took = time.monotonic() - saved
    assert any(line.startswith("changed: content/alpha/report.yaml") for line in second), second
    rebuilt = [line.split()[1] for line in second if line.split()[:1] == ["built"] and "/" in line]
    assert sorted(rebuilt) == ["output/en/alpha.docx", "output/zh_CN/alpha.docx"], second
    assert "全球市场规模" in docx_text(project / "output/zh_CN/alpha.docx")
    assert took < 30, f"a one-paragraph change took {took:.1f} s to rebuild"

    # A broken spec: a located error is shown, and the earlier file stays as it was.
    before = (project / "output/zh_CN/alpha.docx").read_bytes()
    spec.write_text(spec.read_text(encoding="utf-8").replace("    id: size", "    idd: size"), encoding="utf-8")
    third = watcher.until("error(s)")
    assert any("content/alpha/report.yaml:6:5: error: unknown key `idd` in a section; did you mean `id`?" in line
               for line in third), third
    assert watcher.finish() == 1  # the third round was the last, and it failed
    assert (project / "output/zh_CN/alpha.docx").read_bytes() == before
    assert not any("Traceback" in line or "internal error" in line for line in watcher.seen)


def test_watch_sees_data_and_translation_changes(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    watcher = Watcher(project, 3, "--jobs", "1", "--format", "docx", "alpha")
    watcher.until("watching")
    po = project / "content/alpha/locales/en.po"
    po.write_text(po.read_text(encoding="utf-8").replace('"Report A"', '"Report Alpha"'), encoding="utf-8")
    lines = watcher.until("watching")
    assert [line.split()[1] for line in lines if line.split()[:1] == ["built"] and "/" in line] == ["output/en/alpha.docx"]
    data = project / "content/data/figures.yaml"
    data.write_text(data.read_text(encoding="utf-8").replace("41.8", "42.5"), encoding="utf-8")
    assert watcher.finish() == 0
    lines = watcher.rest()
    assert "changed: content/data/figures.yaml" in "\n".join(lines)
    assert sorted(line.split()[1] for line in lines if line.split()[:1] == ["built"] and "/" in line) == \
        ["output/en/alpha.docx", "output/zh_CN/alpha.docx"]


def test_watch_ignores_its_own_output_and_editor_files(tmp_path):
    from reportgen.watch import _Filter

    project = make_project(tmp_path, root="test-two-reports")
    keep = _Filter(project, project / "output")
    assert keep(None, str(project / "content/alpha/report.yaml"))
    assert keep(None, str(project / "layouts/market-report.yaml"))
    assert not keep(None, str(project / "output/zh_CN/alpha.pdf"))
    assert not keep(None, str(project / "content/alpha/.report.yaml.swp"))
    assert not keep(None, str(project / "content/alpha/report.yaml~"))
    assert not keep(None, str(project / "content/alpha/4913"))
    assert not keep(None, str(project / "content/alpha/.#report.yaml"))
