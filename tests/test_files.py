"""Files a project names are read only inside the project, only when they are regular files,
and only up to a size limit; every refusal is a located message, never a hang."""

from __future__ import annotations

import os
import signal
import socket
from contextlib import contextmanager

import pytest
from conftest import make_project

from reportgen.cli import main
from reportgen.errors import Loc, ReportgenError
from reportgen.files import limit_bytes, read_project_file

SECRET = "root:x:0:0:do-not-print-me\n"


@contextmanager
def no_hang(seconds: int = 10):
    """Fail instead of hanging forever if something opens a FIFO for reading."""
    def alarm(signum, frame):
        raise TimeoutError("reading blocked")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    (root / "ok.txt").write_text("fine", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text(SECRET, encoding="utf-8")
    return root, outside


def _refusal(path, root, display="x", limit=1000, **kw) -> str:
    with no_hang(), pytest.raises(ReportgenError) as info:
        read_project_file(path, root, display, limit, **kw)
    message = str(info.value)
    assert "do-not-print-me" not in message and "Traceback" not in message
    return message


def test_a_regular_file_inside_is_read(tree):
    root, _ = tree
    assert read_project_file(root / "ok.txt", root, "ok.txt", 100) == b"fine"
    (root / "alias.txt").symlink_to(root / "ok.txt")
    assert read_project_file(root / "alias.txt", root, "alias.txt", 100) == b"fine"


def test_symlinks_and_dotdot_out_of_the_project_are_refused(tree):
    root, outside = tree
    (root / "link.txt").symlink_to(outside)
    (root / "sub").mkdir()
    (root / "sub" / "deep").symlink_to(outside.parent)
    for path in (root / "link.txt", root / ".." / "outside.txt", root / "sub" / "deep" / "outside.txt", outside):
        assert "resolves outside the project" in _refusal(path, root)


def test_a_fifo_is_refused_without_being_opened(tree):
    root, _ = tree
    os.mkfifo(root / "pipe")
    message = _refusal(root / "pipe", root, "content/data/pipe.csv", loc=Loc("r.yaml", 3, 5))
    assert message.startswith("r.yaml:3:5: error: `content/data/pipe.csv` is a named pipe (FIFO)")


def test_folders_sockets_and_devices_are_refused(tree):
    root, _ = tree
    (root / "folder").mkdir()
    assert "is a folder" in _refusal(root / "folder", root)
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(root / "sock"))
        assert "is a socket" in _refusal(root / "sock", root)
    finally:
        sock.close()
    try:
        os.mknod(root / "null", 0o600 | 0o020000, os.makedev(1, 3))
    except (PermissionError, OSError):
        return  # creating a device node needs privileges this machine may not grant
    assert "is a device" in _refusal(root / "null", root)


def test_a_missing_file_is_named(tree):
    root, _ = tree
    assert "file not found: x" in _refusal(root / "nope", root)


def test_size_limit_names_the_limit_and_how_to_raise_it(tree, monkeypatch):
    root, _ = tree
    (root / "big.csv").write_bytes(b"a\n" + b"1\n" * 1_000_000)
    monkeypatch.setenv("REPORTGEN_MAX_DATA_MB", "1")
    message = _refusal(root / "big.csv", root, "content/data/big.csv", limit_bytes("data"), kind="data")
    assert "is 2.0 MB, over the limit of 1.0 MB" in message and "REPORTGEN_MAX_DATA_MB" in message
    monkeypatch.setenv("REPORTGEN_MAX_DATA_MB", "3")
    assert len(read_project_file(root / "big.csv", root, "big", limit_bytes("data"), kind="data")) == 2_000_002


# ---------------------------------------------------------------- through the command line

REPORT = """\
title: 报告
data: [{data}]
sections:
  - title: 一
    blocks:
      - "{{{{ {expr} }}}}"
"""


def _check(project, capsys) -> tuple[int, str]:
    with no_hang(60):
        status = main(["-C", str(project), "check"])
    out = capsys.readouterr()
    text = out.out + out.err
    assert "do-not-print-me" not in text and "internal error" not in text and "Traceback" not in text
    return status, text


@pytest.mark.parametrize("name", ["secret.yaml", "secret.csv"])
def test_a_data_file_linked_out_of_the_project_is_refused(tmp_path, capsys, name):
    project = make_project(tmp_path, {"content/r/report.yaml": REPORT.format(data="secret", expr="secret|length")})
    outside = tmp_path / "passwd"
    outside.write_text("user,x\n" + SECRET if name.endswith(".csv") else "x: " + SECRET, encoding="utf-8")
    (project / "content/data").mkdir(parents=True, exist_ok=True)
    (project / "content/data" / name).symlink_to(outside)
    status, text = _check(project, capsys)
    assert status == 1
    assert f"content/data/{name}" in text and "resolves outside the project" in text


@pytest.mark.parametrize("name", ["pipe.yaml", "pipe.csv"])
def test_a_data_fifo_does_not_hang_the_build(tmp_path, capsys, name):
    project = make_project(tmp_path, {"content/r/report.yaml": REPORT.format(data="pipe", expr="pipe|length")})
    (project / "content/data").mkdir(parents=True, exist_ok=True)
    os.mkfifo(project / "content/data" / name)
    status, text = _check(project, capsys)
    assert status == 1 and f"content/data/{name}` is a named pipe" in text


def test_includes_and_images_that_are_not_files_are_located(tmp_path, capsys):
    project = make_project(tmp_path, {"content/r/report.yaml": """\
title: 报告
sections:
  - include: pipe.yaml
  - title: 二
    blocks:
      - include: folder
      - figure:
          image: assets/pipe.png
"""})
    os.mkfifo(project / "content/r/pipe.yaml")
    (project / "content/r/folder").mkdir()
    (project / "assets").mkdir()
    os.mkfifo(project / "assets/pipe.png")
    status, text = _check(project, capsys)
    assert status == 1
    assert "content/r/report.yaml:3:14: error: `pipe.yaml` is a named pipe (FIFO)" in text
    assert "content/r/report.yaml:6:18: error: `folder` is a folder" in text
    assert "content/r/report.yaml:8:18: error: `assets/pipe.png` is a named pipe (FIFO)" in text


def test_an_include_linked_out_of_the_project_is_refused(tmp_path, capsys):
    project = make_project(tmp_path, {"content/r/report.yaml": "title: t\nsections:\n  - include: part.yaml\n"})
    outside = tmp_path / "part.yaml"
    outside.write_text("title: " + SECRET, encoding="utf-8")
    (project / "content/r/part.yaml").symlink_to(outside)
    status, text = _check(project, capsys)
    assert status == 1 and "content/r/report.yaml:3:14" in text and "outside the project" in text


def test_a_huge_data_file_is_refused_with_its_limit(tmp_path, capsys, monkeypatch):
    project = make_project(tmp_path, {"content/r/report.yaml": REPORT.format(data="big", expr="big|length")})
    (project / "content/data").mkdir(parents=True, exist_ok=True)
    (project / "content/data/big.csv").write_bytes(b"year,value\n" + b"2024,1.5\n" * 250_000)
    monkeypatch.setenv("REPORTGEN_MAX_DATA_MB", "2")
    status, text = _check(project, capsys)
    assert status == 1
    assert "content/data/big.csv: error: `content/data/big.csv` is 2.3 MB, over the limit of 2.0 MB" in text
    assert "set REPORTGEN_MAX_DATA_MB" in text
