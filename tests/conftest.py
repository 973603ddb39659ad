"""Shared test helpers: tiny projects built from tests/roots/ plus the repository's layouts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOTS = Path(__file__).resolve().parent / "roots"


def make_project(tmp_path: Path, files: dict[str, str] | None = None, root: str | None = None) -> Path:
    """A project in tmp_path: the repo's layouts, an optional tests/roots/<root>, extra files."""
    project = tmp_path / "project"
    project.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "layouts", project / "layouts", dirs_exist_ok=True)
    if root:
        shutil.copytree(ROOTS / root, project, dirs_exist_ok=True)
    for name, text in (files or {}).items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return project


@pytest.fixture(scope="session")
def font_cache(tmp_path_factory):
    """One font cache for the whole session: cutting faces is the slow part of a build."""
    return tmp_path_factory.mktemp("font-cache")


@pytest.fixture(autouse=True)
def _shared_cache(monkeypatch, font_cache):
    monkeypatch.setenv("REPORTGEN_CACHE", str(font_cache))


def contents_lines(lines) -> dict[str, int]:
    """Contents entries and their page numbers from a contents page's text lines, as pypdf reads
    them: "title . . . 3" on one line, or the title with the dot leader and number on the next."""
    import re

    entries, title = {}, None
    for line in (x.strip() for x in lines):
        if not line:
            continue
        if leader := re.fullmatch(r"[.\s]*(\d+)", line):
            if title is not None:
                entries[title], title = int(leader[1]), None
        elif found := re.fullmatch(r"(.+?)\s*(?:\.\s*){3,}(\d+)", line):
            entries[re.sub(r"\s+", "", found[1])], title = int(found[2]), None
        else:
            title = re.sub(r"\s+", "", line)
    return entries


def kept_lines_file(project: Path, locale: str = "zh_CN") -> Path:
    """The file where a one-report project's PDF keeps its set lines and drawings."""
    from reportgen.fonts import cache_dir

    return cache_dir(project) / "lines" / f"lines-{project.parent.name}-{locale}.pickle"


def build_pdf(project: Path, output: str) -> bytes:
    """Build the one report's zh_CN PDF into `output` (a folder of the project); its bytes."""
    from reportgen.cli import main

    assert main(["-C", str(project), "build", "--format", "pdf", "--force", "--jobs", "1", "--output", output]) == 0
    return (project / output / "zh_CN" / f"{project.parent.name}.pdf").read_bytes()


def build_pdf_with_nothing_kept(project: Path, output: str) -> bytes:
    """`build_pdf` with the kept lines and drawings out of the way (put back after)."""
    from reportgen.cachefiles import digest_path

    files = [kept_lines_file(project), digest_path(kept_lines_file(project))]
    kept = [path.read_bytes() for path in files]
    files[0].unlink()
    try:
        return build_pdf(project, output)
    finally:
        for path, data in zip(files, kept):
            path.write_bytes(data)
