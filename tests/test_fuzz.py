"""Mutation fuzzing of a real sample report: its spec, fragments, layout, data and catalog
get type swaps, out-of-range numbers, deleted and duplicated keys, control characters and
truncation. Whatever the damage, reportgen answers with a located error or a good build:
never a traceback, never "internal error", never a lost file, and a manifest that tells
the truth.

The default run tries a fixed set of mutations (the same ones every time, so CI is
repeatable); `REPORTGEN_FUZZ=500 pytest tests/test_fuzz.py` explores 500 random ones per test.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.cli import main

REPORT = "medical-llm-industry"
# Every kind of input file the report reads.
FILES = [
    f"content/{REPORT}/report.yaml",
    f"content/{REPORT}/status.yaml",
    "content/data/medical_llm.yaml",
    "layouts/market-report.yaml",
    f"content/{REPORT}/locales/en.po",
]
# What a scalar may be swapped for: other types, out-of-range numbers, odd text.
REPLACEMENTS = [
    "[]", "{}", "[1, 2]", "{a: 1}", "''", "~", "true", "0", "-1", "-0.5", "1e400", "-1e400", ".nan",
    "999999999999", "0x1F", "010", "1.10", "2025-02-30", "2025-13-01", "'\x07bell'", "'\x1b[31m'",
    "'tab\\there'", "'{{ 1/0 }}'", "'{{ nope.x }}'", "'{{'", "'}}'", "'[x](javascript:alert(1))'",
    "'😀'", "'\u202e'", "'a' ", "'" + "长" * 3000 + "'", "'100,000 mm'", "'-5mm'", "'#GGGGGG'",
]
CONTROL = ["\x00", "\x07", "\x1b", "\x7f", "\ufeff", "\u2028", "\ud800"]
LOCATED = re.compile(r"^\S[^:]*(:\d+:\d+)?: error: ")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A project holding the sample report, built once: each example starts from a copy."""
    base = tmp_path_factory.mktemp("fuzz-base") / "project"
    (base / "content").mkdir(parents=True)
    shutil.copytree(REPO / "content" / REPORT, base / "content" / REPORT)
    shutil.copytree(REPO / "content" / "data", base / "content" / "data")
    shutil.copytree(REPO / "layouts", base / "layouts")
    if (REPO / "assets").exists():
        shutil.copytree(REPO / "assets", base / "assets")
    status = main(["-C", str(base), "build", "--jobs", "1"])
    assert status == 0
    return base


def _copy(base: Path, tmp: Path) -> Path:
    project = tmp / "project"
    if project.exists():
        shutil.rmtree(project)
    shutil.copytree(base, project, symlinks=True)
    return project


def _scalar_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of every scalar value in a YAML text."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    spans, stack = [], [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            spans.append((node.start_mark.index, node.end_mark.index))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append(value)
    return sorted(spans)


def _entries(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of every `key: value` pair of a YAML text."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                out.append((key.start_mark.index, value.end_mark.index))
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(out)


@st.composite
def mutations(draw):
    """(file, new text, description) for one random damage to one input file."""
    name = draw(st.sampled_from(FILES))
    text = (REPO / name).read_text(encoding="utf-8") if not name.startswith(f"content/{REPORT}/status") else None
    if text is None:
        text = (REPO / "content" / REPORT / "status.yaml").read_text(encoding="utf-8")
    kind = draw(st.sampled_from(["swap", "delete", "duplicate", "control", "truncate"] if name.endswith(".yaml")
                                else ["control", "truncate", "line"]))
    if kind == "swap":
        spans = _scalar_spans(text)
        start, end = spans[draw(st.integers(0, len(spans) - 1))]
        new = draw(st.sampled_from(REPLACEMENTS))
        return name, text[:start] + new + text[end:], f"{name}: {text[start:end][:40]!r} -> {new[:40]!r}"
    if kind in ("delete", "duplicate"):
        spans = _entries(text)
        start, end = spans[draw(st.integers(0, len(spans) - 1))]
        if kind == "delete":
            return name, text[:start] + text[end:], f"{name}: deleted {text[start:end][:40]!r}"
        line_start = text.rfind("\n", 0, start) + 1
        indent = text[line_start:start]
        copy = text[start:end] if not indent.strip() else text[start:end]
        return name, text[:end] + "\n" + indent + copy + text[end:], f"{name}: duplicated {text[start:end][:40]!r}"
    if kind == "control":
        at = draw(st.integers(0, len(text)))
        ch = draw(st.sampled_from(CONTROL))
        return name, text[:at] + ch + text[at:], f"{name}: {ch!r} at {at}"
    if kind == "line":
        lines = text.split("\n")
        at = draw(st.integers(0, len(lines) - 1))
        new = draw(st.sampled_from(['msgstr "unterminated', "stray words", 'msgid ""', "#~ msgid \"x\"", '"\\q"']))
        lines[at] = new
        return name, "\n".join(lines), f"{name}: line {at + 1} -> {new!r}"
    at = draw(st.integers(0, len(text)))
    return name, text[:at], f"{name}: truncated at {at}"


def _apply(project: Path, name: str, new: str) -> None:
    path = project / name
    path.write_bytes(new.encode("utf-8", "surrogatepass"))


def _assert_answered(status: int, err: str, what: str) -> None:
    assert "Traceback" not in err, f"{what}\n{err}"
    assert "internal error" not in err, f"{what}\n{err}"
    assert status in (0, 1), f"{what}: exit {status}\n{err}"
    errors = [line for line in err.splitlines() if ": error: " in line or line.startswith("error:")]
    if status == 1:
        assert errors, f"{what}: exit 1 with no error\n{err}"
    for line in errors:
        assert LOCATED.match(line), f"{what}: error without a location: {line}"


def _assert_manifest_true(project: Path, before: dict[str, str], what: str) -> None:
    manifest = json.loads((project / "output" / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["editions"]:
        path = project / entry["path"]
        if entry["status"] == "failed":
            # A failed rebuild keeps the last good file, and then the entry says so.
            assert not path.exists() or entry["path"] not in before, f"{what}: {entry}"
        else:
            assert path.exists(), f"{what}: manifest lists missing {entry['path']}"
            assert _sha(path) == entry["sha256"], f"{what}: manifest hash of {entry['path']} is not the file's"
    for shown, digest in before.items():
        path = project / shown
        assert path.exists(), f"{what}: the good {shown} was removed"


def _outputs(project: Path) -> dict[str, str]:
    return {p.relative_to(project).as_posix(): _sha(p) for p in (project / "output").rglob("*")
            if p.suffix in (".pdf", ".docx")}


RANDOM = int(os.environ.get("REPORTGEN_FUZZ", "0"))
EXAMPLES = settings(max_examples=RANDOM or 30, derandomize=not RANDOM, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


@EXAMPLES
@given(mutations())
def test_check_answers_every_damaged_input(built, tmp_path_factory, mutation):
    name, new, what = mutation
    project = _copy(built, tmp_path_factory.mktemp("check"))
    _apply(project, name, new)
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(["-C", str(project), "check"])
    _assert_answered(status, err.getvalue(), what)


@settings(EXAMPLES, max_examples=RANDOM // 5 or 6)
@given(mutations())
def test_rebuild_of_a_damaged_input_loses_nothing(built, tmp_path_factory, mutation):
    name, new, what = mutation
    project = _copy(built, tmp_path_factory.mktemp("build"))
    before = _outputs(project)
    _apply(project, name, new)
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(["-C", str(project), "build", "--jobs", "1", "--locale", "zh_CN"])
    _assert_answered(status, err.getvalue(), what)
    _assert_manifest_true(project, {k: v for k, v in before.items() if "/zh_CN/" in k}, what)
