"""Nothing lost: links out of the project are refused, and a rebuild replaces a good report
only with a complete new one. Whatever stops it — a located error, a bug in a writer, a full
disk, a read-only folder, Ctrl-C, SIGTERM, kill -9, another build at the same time — the
earlier files stay byte for byte and manifest.json says exactly what is on disk."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_project

from reportgen.cli import main

SPEC = "title: 报告\nsections:\n  - title: 第一章\n    blocks:\n"


def test_symlink_pointing_out_of_the_project_is_refused(tmp_path, capsys):
    outside = tmp_path / "secret.yaml"
    outside.write_text("- 机密\n", encoding="utf-8")
    project = make_project(tmp_path, {"content/r/report.yaml": SPEC + "      - include: part.yaml\n"})
    os.symlink(outside, project / "content/r/part.yaml")
    assert main(["-C", str(project), "check"]) == 1
    assert "content/r/report.yaml:5:18: error: include `part.yaml` resolves outside the project" in capsys.readouterr().err


def test_percent_digits_come_from_the_spec(tmp_path):
    from reportgen.editions import prepare
    from reportgen.errors import Diagnostics
    from reportgen import model as m

    project = make_project(tmp_path, {
        "content/r/report.yaml": "title: t\nformats: {percent_digits: 1}\nsections:\n  - title: s\n    blocks:\n"
                                 "      - \"{{ percent(0.1522) }}\"\n"})
    [edition] = prepare(project, [project / "content/r/report.yaml"], [], Diagnostics())
    assert m.plain(edition.document.sections[0].blocks[0].inlines) == "15.2%"



# ---------------------------------------------------------------- helpers

TWO = {
    "content/r/report.yaml": "title: 甲报告\nlocales: [zh_CN, en]\nsections:\n  - title: 第一章\n    blocks:\n"
                             "      - 甲的正文。\n",
    "content/s/report.yaml": "title: 乙报告\nsections:\n  - title: 第一章\n    blocks:\n      - 乙的正文。\n",
}


def project_of_two(tmp_path):
    return make_project(tmp_path, TWO)


def build(project, *args) -> int:
    return main(["-C", str(project), "build", *args])


def entries(out: Path) -> dict:
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {(e["report"], e["locale"], e["format"]): e for e in data["editions"]}


def reports(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.suffix in (".pdf", ".docx")}


def assert_manifest_true(out: Path) -> None:
    """Every entry says what is on disk: a file with that hash for built and stale, none for failed."""
    for (report, locale, fmt), entry in entries(out).items():
        path = out / locale / f"{report}.{fmt}"
        if entry["status"] in ("built", "stale"):
            assert path.is_file(), f"{path} listed as {entry['status']} but missing"
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], f"{path}: wrong hash"
        else:
            assert entry["status"] == "failed" and not path.exists() and entry["sha256"] == ""


def temporaries(out: Path) -> list[Path]:
    return list(out.rglob("*.tmp"))


def touch_spec(project: Path) -> None:
    """Change what report r prints, so that the next build rewrites its files."""
    spec = project / "content/r/report.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("甲的正文。", "甲的新正文。"), encoding="utf-8")


# ---------------------------------------------------------------- failures inside one edition


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_writer_bug_fails_one_edition_and_the_others_are_built_and_recorded(tmp_path, monkeypatch, capsys, jobs):
    project = project_of_two(tmp_path)
    out = project / "output"
    assert build(project, "--jobs", jobs) == 0
    before = reports(out)
    from reportgen.writers import docx as docx_writer

    real = docx_writer.write_docx

    def broken(doc, layout, path, **kw):
        if doc.meta.id == "r" and doc.locale == "en":
            Path(path).write_bytes(b"PK half a file")
            raise RuntimeError("the writer fell over")
        return real(doc, layout, path, **kw)

    monkeypatch.setattr(docx_writer, "write_docx", broken)
    assert build(project, "--jobs", jobs, "--force") == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "reportgen: internal error" not in err
    found = entries(out)
    bad = found.pop(("r", "en", "docx"))
    assert bad["status"] == "stale", "the earlier good file is kept and called stale"
    assert "output/en/r.docx" in bad["message"] and "bug in reportgen" in bad["message"]
    assert "REPORTGEN_DEBUG=1" in bad["message"] and "RuntimeError: the writer fell over" in bad["message"]
    assert "output/en/r.docx" in err
    assert len(found) == 5 and all(e["status"] == "built" for e in found.values())
    assert reports(out) == before
    assert_manifest_true(out)
    assert not temporaries(out)


def test_a_writer_bug_on_a_first_build_records_a_failed_entry(tmp_path, monkeypatch):
    project = project_of_two(tmp_path)
    out = project / "output"
    from reportgen.writers import pdf as pdf_writer

    def broken(doc, *args, **kw):
        raise KeyError("missing")

    monkeypatch.setattr(pdf_writer, "write_pdf", broken)
    assert build(project, "--jobs", "1") == 1
    found = entries(out)
    assert {k for k, e in found.items() if e["status"] == "failed"} == {
        ("r", "zh_CN", "pdf"), ("r", "en", "pdf"), ("s", "zh_CN", "pdf")}
    assert all(e["status"] == "built" for k, e in found.items() if k[2] == "docx")
    assert_manifest_true(out)
    assert not temporaries(out)


DISK_ERRORS = [
    (errno.ENOSPC, "no space left on the disk"),
    (errno.EDQUOT, "the disk quota is used up"),
    (errno.EROFS, "the file system is read-only"),
    (errno.EACCES, "permission denied"),
]


@pytest.mark.parametrize("code,reason", DISK_ERRORS)
def test_a_refused_write_is_a_user_error_naming_the_folder_and_keeps_the_earlier_file(
        tmp_path, monkeypatch, capsys, code, reason):
    project = project_of_two(tmp_path)
    out = project / "output"
    assert build(project, "--jobs", "1") == 0
    before = reports(out)
    capsys.readouterr()
    from reportgen.writers import docx as docx_writer
    from reportgen.writers import pdf as pdf_writer

    def refused(*args, **kw):
        path = Path(args[-1])  # both writers take the file to write last
        with open(path, "wb") as fh:  # half written, as a full disk would leave it
            fh.write(b"%PDF-1.4 and then the disk")
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(pdf_writer, "write_pdf", refused)
    monkeypatch.setattr(docx_writer, "write_docx", refused)
    touch_spec(project)
    assert build(project, "--jobs", "1") == 1
    err = capsys.readouterr().err
    assert f"output/zh_CN/r.pdf: error: not rebuilt, the earlier file is kept: cannot write to output/zh_CN/: {reason}" in err
    assert "internal error" not in err and "Traceback" not in err
    assert reports(out) == before
    found = entries(out)
    assert found[("r", "zh_CN", "pdf")]["status"] == "stale" and reason in found[("r", "zh_CN", "pdf")]["message"]
    assert found[("s", "zh_CN", "pdf")]["status"] == "built"  # nothing to rebuild there
    assert_manifest_true(out)
    assert not temporaries(out)


def test_output_naming_a_file_is_a_located_error(tmp_path, capsys):
    project = project_of_two(tmp_path)
    (project / "out.txt").write_text("keep me", encoding="utf-8")
    for target in ("out.txt", "out.txt/reports"):
        assert build(project, "--output", target) == 1
        err = capsys.readouterr().err
        assert "out.txt: error: the output folder" in err and "`out.txt` is a file" in err, err
        assert "internal error" not in err
    assert (project / "out.txt").read_text(encoding="utf-8") == "keep me"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; the mounted test covers it")
def test_a_read_only_output_folder_is_a_user_error(tmp_path, capsys):
    project = project_of_two(tmp_path)
    out = project / "output"
    assert build(project, "--jobs", "1") == 0
    before = reports(out)
    manifest_before = (out / "manifest.json").read_bytes()
    touch_spec(project)
    for folder in [out, *out.iterdir()]:
        if folder.is_dir():
            folder.chmod(0o555)
    try:
        assert build(project, "--jobs", "1") == 1
    finally:
        for folder in [out, *out.iterdir()]:
            if folder.is_dir():
                folder.chmod(0o755)
    err = capsys.readouterr().err
    assert "cannot write to output/zh_CN/: permission denied" in err and "internal error" not in err
    assert reports(out) == before and (out / "manifest.json").read_bytes() == manifest_before
    assert_manifest_true(out)


# ---------------------------------------------------------------- a real small disk


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs, where the machine lets tests mount one (root on Linux)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    run = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if run.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: " + run.stderr.decode(errors="replace").strip())
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_a_full_disk_keeps_the_earlier_files_and_says_so(tmp_path, small_disk, capsys):
    project = project_of_two(tmp_path)
    out = small_disk / "output"
    assert build(project, "--jobs", "1", "--output", str(out)) == 0
    before = reports(out)
    capsys.readouterr()
    filler = fill(small_disk)
    touch_spec(project)
    assert build(project, "--jobs", "1", "--output", str(out)) == 1
    err = capsys.readouterr().err
    assert "no space left on the disk" in err and str(out) in err, err
    assert "internal error" not in err and "Traceback" not in err
    assert reports(out) == before
    assert_manifest_true(out)
    assert not temporaries(out)
    filler.unlink()
    assert build(project, "--jobs", "1", "--output", str(out)) == 0
    assert reports(out) != before
    assert_manifest_true(out)
    assert all(e["status"] == "built" for e in entries(out).values())


def test_a_read_only_file_system_keeps_the_earlier_files_and_says_so(tmp_path, small_disk, capsys):
    project = project_of_two(tmp_path)
    out = small_disk / "output"
    assert build(project, "--jobs", "1", "--output", str(out)) == 0
    before = reports(out)
    capsys.readouterr()
    assert subprocess.run(["mount", "-o", "remount,ro", str(small_disk)]).returncode == 0
    assert build(project, "--jobs", "1", "--output", str(out)) == 0, "a no-op build needs no write"
    touch_spec(project)
    assert build(project, "--jobs", "1", "--output", str(out)) == 1
    err = capsys.readouterr().err
    assert "the file system is read-only" in err and str(out) in err and "internal error" not in err, err
    assert reports(out) == before
    assert_manifest_true(out)


# ---------------------------------------------------------------- signals

WRAPPER = r"""
import os, signal, sys, time
from pathlib import Path

from reportgen.writers import pdf

# As on a terminal, even when the tests run where Ctrl-C is ignored (a background job).
signal.signal(signal.SIGINT, signal.default_int_handler)

marker, mode = sys.argv[1], sys.argv[2]
real = pdf.write_pdf


def slow(doc, layout, faces, out, **kw):
    # Report s: write the file, cut it in half (a write in progress), say so, then wait.
    if mode == "hang" and doc.meta.id == "s":
        pages = real(doc, layout, faces, out, **kw)
        data = Path(out).read_bytes()
        Path(out).write_bytes(data[: len(data) // 2])
        Path(marker).write_text(str(os.getpid()))
        time.sleep(120)
        return pages
    time.sleep(0 if mode == "hang" else float(mode))
    return real(doc, layout, faces, out, **kw)


pdf.write_pdf = slow
from reportgen.cli import main

sys.exit(main(sys.argv[3:]))
"""


def start(project: Path, mode: str, *args: str) -> tuple[subprocess.Popen, Path]:
    marker = project / f"writing-{time.monotonic_ns()}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    # A session of its own: a terminal's Ctrl-C reaches the whole process group.
    process = subprocess.Popen([sys.executable, "-c", WRAPPER, str(marker), mode, "-C", str(project), "build", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    return process, marker


def wait_for(marker: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert process.poll() is None, process.communicate()[1].decode()
        assert time.monotonic() < deadline, "the build never started writing"
        time.sleep(0.05)


@pytest.mark.parametrize("jobs,to", [("1", "process"), ("2", "process"), ("2", "group")])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_rebuild_keeps_the_earlier_files_and_a_true_manifest(tmp_path, sig, jobs, to):
    project = project_of_two(tmp_path)
    out = project / "output"
    assert build(project, "--jobs", "1") == 0
    before = reports(out)
    touch_spec(project)  # r is rebuilt (new files); s is interrupted half way (see WRAPPER)
    process, marker = start(project, "hang", "--jobs", jobs, "--force")
    wait_for(marker, process)
    assert temporaries(out), "the test writer should be half way through a file"
    if to == "group":  # as Ctrl-C on a terminal, or `docker stop`: the workers get it too
        os.killpg(process.pid, sig)
    else:
        process.send_signal(sig)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err.decode()
    assert b"Traceback" not in err and b"interrupted" in err
    after = reports(out)
    assert after["zh_CN/s.pdf"] == before["zh_CN/s.pdf"], "the interrupted file keeps its earlier version"
    assert after["zh_CN/r.pdf"] != before["zh_CN/r.pdf"], "r was rebuilt before the interrupt"
    found = entries(out)
    # With workers, r's last result may still be on its way when the build stops: its new
    # file is then listed with its true hash as `stale`, to be rebuilt, never as the old one.
    done = ("built",) if jobs == "1" else ("built", "stale")
    assert found[("r", "zh_CN", "pdf")]["status"] in done and found[("r", "en", "docx")]["status"] in done
    assert_manifest_true(out)  # the new files of r with their new hashes, the earlier s.pdf with its own
    assert not temporaries(out), "the interrupted build left a partial file"


def test_kill_9_may_leave_a_temporary_file_and_the_next_build_removes_it(tmp_path):
    project = project_of_two(tmp_path)
    out = project / "output"
    assert build(project, "--jobs", "1") == 0
    before = reports(out)
    process, marker = start(project, "hang", "--jobs", "1", "--force")
    wait_for(marker, process)
    process.kill()
    process.communicate(timeout=60)
    assert temporaries(out)
    assert reports(out) == before
    assert_manifest_true(out)
    assert build(project, "--jobs", "1") == 0
    assert not temporaries(out)
    assert_manifest_true(out)


def test_two_builds_at_once_keep_each_others_manifest_entries(tmp_path):
    project = project_of_two(tmp_path)
    out = project / "output"
    # Both read the (missing) manifest, then both take seconds to write: each must merge.
    one, _ = start(project, "2", "r", "--jobs", "1")
    two, _ = start(project, "2", "s", "--jobs", "1")
    for process in (one, two):
        _, err = process.communicate(timeout=180)
        assert process.returncode == 0, err.decode()
    assert set(entries(out)) == {(r, loc, f) for r, loc in (("r", "zh_CN"), ("r", "en"), ("s", "zh_CN"))
                                 for f in ("pdf", "docx")}
    assert all(e["status"] == "built" for e in entries(out).values())
    assert_manifest_true(out)
    assert not temporaries(out)


def test_two_builds_of_the_same_files_leave_a_true_manifest(tmp_path):
    project = project_of_two(tmp_path)
    out = project / "output"
    runs = [start(project, "1", "r", "--jobs", "1", "--force")[0] for _ in range(2)]
    for process in runs:
        _, err = process.communicate(timeout=180)
        assert process.returncode == 0, err.decode()
    assert_manifest_true(out)
    assert not temporaries(out)


# ---------------------------------------------------------------- no-op builds and caches


def test_a_no_op_build_writes_nothing(tmp_path, capsys):
    project = project_of_two(tmp_path)
    out = project / "output"
    assert build(project, "--jobs", "1") == 0
    state = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in out.rglob("*")}
    capsys.readouterr()
    assert build(project, "--jobs", "1") == 0
    assert "nothing to do: 6 file(s) up to date" in capsys.readouterr().out
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in out.rglob("*")} == state


@pytest.mark.parametrize("kind,pattern", [("fonts", "*.ttf"), ("charts", "*.svg")])
def test_a_damaged_cache_file_is_made_again(tmp_path, monkeypatch, kind, pattern):
    cache = tmp_path / "cache"  # its own: every file in it is one this build uses
    monkeypatch.setenv("REPORTGEN_CACHE", str(cache))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    project = make_project(tmp_path, root="test-two-reports")
    out = project / "output"
    assert build(project, "alpha", "--locale", "zh_CN", "--jobs", "1") == 0
    good = reports(out)
    damaged = sorted((cache / kind).glob(pattern))
    assert damaged
    for i, path in enumerate(damaged):
        data = path.read_bytes()
        path.write_bytes(b"" if i % 2 else data[: len(data) // 3])
    # A new process: nothing it reads is remembered from the first build.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run([sys.executable, "-m", "reportgen", "-C", str(project), "build", "alpha", "--locale", "zh_CN",
                          "--jobs", "1", "--force"], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert "error" not in run.stderr, run.stderr
    assert reports(out) == good
    assert_manifest_true(out)
    from reportgen.cachefiles import intact

    assert all(intact(path) for path in damaged), "the damaged files were made again"


def test_a_cache_on_a_full_disk_is_a_user_error_and_the_manifest_is_written(tmp_path, small_disk, monkeypatch, capsys):
    monkeypatch.setenv("REPORTGEN_CACHE", str(small_disk / "cache"))
    fill(small_disk)
    project = project_of_two(tmp_path)
    out = project / "output"
    assert build(project, "--jobs", "1") == 1
    err = capsys.readouterr().err
    assert "no space left on the disk" in err and str(small_disk / "cache") in err, err
    assert "internal error" not in err and "Traceback" not in err
    assert {e["status"] for e in entries(out).values()} == {"failed"}
    assert "no space left on the disk" in entries(out)[("r", "zh_CN", "pdf")]["message"]
    assert_manifest_true(out)


def test_a_file_removed_or_changed_by_hand_is_not_listed_as_built(tmp_path):
    project = project_of_two(tmp_path)
    out = project / "output"
    assert build(project, "--jobs", "1") == 0
    (out / "zh_CN/s.pdf").unlink()
    (out / "zh_CN/s.docx").write_bytes(b"edited by hand")
    touch_spec(project)
    assert build(project, "r", "--jobs", "1") == 0  # builds r only, and records what it finds of s
    found = entries(out)
    assert found[("s", "zh_CN", "pdf")]["status"] == "failed"
    assert found[("s", "zh_CN", "docx")]["status"] == "stale"
    assert_manifest_true(out)
    assert build(project, "--jobs", "1") == 0  # and the next build of s puts both back
    assert all(e["status"] == "built" for e in entries(out).values())
    assert_manifest_true(out)


def test_a_writer_that_leaves_half_a_file_without_an_error_does_not_replace_the_earlier_one(tmp_path, monkeypatch):
    project = project_of_two(tmp_path)
    out = project / "output"
    assert build(project, "--jobs", "1") == 0
    before = reports(out)
    from reportgen.writers import pdf as pdf_writer

    real = pdf_writer.write_pdf

    def short(doc, layout, faces, path, **kw):
        pages = real(doc, layout, faces, path, **kw)
        data = Path(path).read_bytes()
        Path(path).write_bytes(data[: len(data) // 2])
        return pages

    monkeypatch.setattr(pdf_writer, "write_pdf", short)
    touch_spec(project)
    assert build(project, "--jobs", "1") == 1
    assert reports(out)["zh_CN/r.pdf"] == before["zh_CN/r.pdf"]
    assert entries(out)[("r", "zh_CN", "pdf")]["status"] == "stale"
    assert "incomplete .pdf file" in entries(out)[("r", "zh_CN", "pdf")]["message"]
    assert entries(out)[("r", "zh_CN", "docx")]["status"] == "built"
    assert_manifest_true(out)
    assert not temporaries(out)


@pytest.mark.parametrize("folder", ["charts", "lines", "editions", "blocks", "yaml", "layout"])
def test_cache_files_another_build_is_writing_are_kept(tmp_path, monkeypatch, capsys, folder):
    # Builds sharing a cache: a cache file is written as `.NAME.PID.THREAD.tmp`, and a build
    # that cleans up leftovers took the thread id for the process id: it crashed
    # ("internal error: OverflowError") or deleted the file another build was writing.
    # A build killed outright leaves its own in any of the cache's folders.
    project = project_of_two(tmp_path)
    cache = tmp_path / "cache"
    monkeypatch.setenv("REPORTGEN_CACHE", str(cache))
    (cache / folder).mkdir(parents=True)
    writing = cache / folder / f".chart-abc.png.{os.getppid()}.140234567891234.tmp"  # a live process
    left = cache / folder / ".chart-def.png.999999999.140234567891234.tmp"  # no such process
    writing.write_bytes(b"half a chart")
    left.write_bytes(b"half a chart")
    status = build(project, "--jobs", "1", "--format", "docx")
    err = capsys.readouterr().err
    assert status == 0 and "internal error" not in err, err
    assert writing.exists() and not left.exists()


# ---------------------------------------------------------------- one edition, its Word file beside its PDF


def test_one_editions_word_file_is_written_beside_its_pdf_with_the_same_bytes(tmp_path, monkeypatch):
    """With more than one job, a single edition's Word file is written in a forked process
    while the PDF is laid out; the files are those of `--jobs 1`."""
    from reportgen.writers import docx as docx_writer

    project = project_of_two(tmp_path)
    out = project / "output"
    assert build(project, "s", "--jobs", "1") == 0
    alone = reports(out)
    real, pids = docx_writer.write_docx, tmp_path / "pids"

    def traced(*a, **kw):
        with pids.open("a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(*a, **kw)

    monkeypatch.setattr(docx_writer, "write_docx", traced)
    assert build(project, "s", "--jobs", "2", "--force") == 0
    assert reports(out) == alone
    assert pids.read_text().split() != [str(os.getpid())], "the Word file was written in this process"
    assert all(e["status"] == "built" for e in entries(out).values())
    assert_manifest_true(out)


def test_a_word_writer_bug_beside_the_pdf_keeps_the_earlier_file(tmp_path, monkeypatch, capsys):
    from reportgen.writers import docx as docx_writer

    project = project_of_two(tmp_path)
    out = project / "output"
    assert build(project, "s", "--jobs", "2") == 0
    before = reports(out)

    def broken(doc, layout, path, **kw):
        Path(path).write_bytes(b"PK half a file")
        raise RuntimeError("the writer fell over")

    monkeypatch.setattr(docx_writer, "write_docx", broken)
    assert build(project, "s", "--jobs", "2", "--force") == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "RuntimeError: the writer fell over" in err
    found = entries(out)
    assert found[("s", "zh_CN", "docx")]["status"] == "stale" and found[("s", "zh_CN", "pdf")]["status"] == "built"
    assert reports(out) == before
    assert_manifest_true(out)
    assert not temporaries(out)


@pytest.mark.parametrize("to", ["process", "group"])
def test_an_interrupt_stops_the_word_file_written_beside_the_pdf(tmp_path, to):
    project = project_of_two(tmp_path)
    out = project / "output"
    assert build(project, "s", "--jobs", "1") == 0
    before = reports(out)
    process, marker = start(project, "hang", "s", "--jobs", "2", "--force")
    wait_for(marker, process)
    if to == "group":
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err.decode()
    assert b"Traceback" not in err and b"interrupted" in err
    assert reports(out) == before
    assert_manifest_true(out)
    assert not temporaries(out), "the Word process left a partial file"
    # No Word writer is left running (a forked child shows its parent's command line).
    time.sleep(0.5)
    ps = subprocess.run(["ps", "-eo", "args="], capture_output=True, text=True).stdout
    assert str(marker) not in ps
