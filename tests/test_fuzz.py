"""Mutation fuzzing of a real sample report: its spec, fragments (one included from
another), layout, YAML and CSV data, CSV options, catalog and an image get type swaps,
out-of-range numbers, deleted and duplicated keys, ambiguous or missing CSV cells, changed
placeholders and added links in translations, control characters, truncation and garbage
bytes. Whatever the damage, reportgen answers with a located error or a good build:
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
SPEC = f"content/{REPORT}/report.yaml"
# Added to the sample in the base project, so that every kind of input file is damaged: a
# fragment included from another fragment, a CSV data file with its options file, an image.
EXTRA = {
    f"content/{REPORT}/survey.yaml": (
        "title: 区域调查\n"
        "id: survey\n"
        "blocks:\n"
        "  - 各区域的评分与份额如下。\n"
        "  - include: survey-blocks.yaml\n"
    ),
    f"content/{REPORT}/survey-blocks.yaml": (
        "- table:\n"
        "    caption: 区域评分\n"
        "    data: survey\n"
        "    sort: -score\n"
        "    total: true\n"
        "    columns:\n"
        "      - {field: region, header: 区域, width: 30%}\n"
        "      - {field: score, header: 评分, format: number, digits: 1, align: right}\n"
        "      - {field: share, header: 份额, format: percent, align: right}\n"
        "      - {field: size, header: 规模, format: number}\n"
        "- chart:\n"
        "    type: bubble\n"
        "    caption: 区域评分与份额\n"
        "    width: 70%\n"
        "    height: 0.6\n"
        "    quadrants: {x: 7, y: 0.25, labels: [甲, 乙, 丙, 丁]}\n"
        "    series:\n"
        "      - {data: survey, x: score, y: share, size: size, label: region}\n"
        "- figure:\n"
        "    image: assets/map.png\n"
        "    caption: 区域分布\n"
        "    width: 40%\n"
    ),
    "content/data/survey.csv": (
        "region,score,share,size,note\n"
        "华东,8.5,0.35,120,领先\n"
        "华北,7.2,0.25,80,\n"
        '华南,"6.9",0.2,"1,060",n/a\n'
        "西部,5.1,0.2,40,追赶\n"
    ),
    "content/data/survey.csv.yaml": 'decimal: "."\nmissing: [n/a, "?"]\n',
}
IMAGE = "assets/map.png"
# Every kind of input file the report reads.
FILES = [
    SPEC,
    f"content/{REPORT}/status.yaml",
    f"content/{REPORT}/survey.yaml",
    f"content/{REPORT}/survey-blocks.yaml",
    "content/data/medical_llm.yaml",
    "content/data/survey.csv",
    "content/data/survey.csv.yaml",
    "layouts/market-report.yaml",
    f"content/{REPORT}/locales/en.po",
    IMAGE,
]
# What a scalar may be swapped for: other types, out-of-range numbers, odd text.
REPLACEMENTS = [
    "[]", "{}", "[1, 2]", "{a: 1}", "''", "~", "true", "0", "-1", "-0.5", "1e400", "-1e400", ".nan",
    "999999999999", "0x1F", "010", "1.10", "2025-02-30", "2025-13-01", "'\x07bell'", "'\x1b[31m'",
    "'tab\\there'", "'{{ 1/0 }}'", "'{{ nope.x }}'", "'{{'", "'}}'", "'[x](javascript:alert(1))'",
    "'😀'", "'\u202e'", "'a' ", "'" + "长" * 3000 + "'", "'100,000 mm'", "'-5mm'", "'#GGGGGG'",
    # values at the edge of what is allowed: the largest sizes, the narrowest widths
    "96", "4", "0.05", "'5%'", "2", "0.2", "6", "'200mm'", "A5", "'" + "长" * 300 + "'",
]
CONTROL = ["\x00", "\x07", "\x1b", "\x7f", "\ufeff", "\u2028", "\ud800"]
# What a CSV cell may become: ambiguous and foreign number forms, gaps, odd text.
CELLS = ["12,5", "1.234,5", "1,23", "", "n/a", "?", "1e400", "nan", "inf", "-inf", "0x1F", "1_000", "-",
         "999999999999999999999", "-0", '"a,b"', '"x\ny"', "\x07", "😀", "=1+1", "2025-02-30", "-5"]
# What a translation may become: changed placeholders, links its source lacks, other damage.
PO_EDITS = [
    lambda s: s.replace("2024", "2030", 1), lambda s: re.sub(r"\{\{[^}]*\}\}", "", s, count=1),
    lambda s: s + " {{ 1/0 }}", lambda s: s + " {{ nope.x }}", lambda s: s + " {{ medical_llm }}",
    lambda s: s.replace("{{", "{", 1), lambda s: s + " [x](javascript:alert(1))",
    lambda s: s + " [x](https://example.com)", lambda s: s + " [x](#nowhere)", lambda s: s + " [x](#summary)",
    lambda s: s + " 15.3", lambda s: "**" + s, lambda s: "# " + s, lambda s: s + " <b>x</b>",
    lambda s: s + "\\a", lambda s: s + "\\n\\n- x", lambda s: "", lambda s: s * 40, lambda s: s + " 😀",
]
LOCATED = re.compile(r"^\S[^:]*(:\d+:\d+)?: error: ")


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 40), "#2E75B6").save(out, format="PNG")
    return out.getvalue()


def _image(fmt: str) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format=fmt)
    return out.getvalue()


def _base_text(name: str) -> str:
    """A text file of the base project as the fuzzed examples start from it."""
    if name in EXTRA:
        return EXTRA[name]
    text = (REPO / name).read_text(encoding="utf-8")
    if name == SPEC:
        text = text.replace("data: [medical_llm]", "data: [medical_llm, survey]", 1)
        text = text.rstrip("\n") + "\n\n  - include: survey.yaml\n"
    return text


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_base(base: Path) -> Path:
    """A project holding the sample report and the files EXTRA adds, built once."""
    (base / "content").mkdir(parents=True)
    shutil.copytree(REPO / "content" / REPORT, base / "content" / REPORT)
    shutil.copytree(REPO / "content" / "data", base / "content" / "data")
    shutil.copytree(REPO / "layouts", base / "layouts")
    if (REPO / "assets").exists():
        shutil.copytree(REPO / "assets", base / "assets")
    for name in [SPEC, *EXTRA]:
        (base / name).write_text(_base_text(name), encoding="utf-8")
    (base / IMAGE).parent.mkdir(parents=True, exist_ok=True)
    (base / IMAGE).write_bytes(_png())
    status = main(["-C", str(base), "build", "--jobs", "1"])
    assert status == 0
    return base


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The base project: each example starts from a copy of it."""
    return make_base(tmp_path_factory.mktemp("fuzz-base") / "project")


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
    """(file, new content, description) for one random damage to one input file."""
    name = draw(st.sampled_from(FILES))
    if name == IMAGE:
        data = _png()
        kind = draw(st.sampled_from(["truncate", "garbage", "format", "flip"]))
        if kind == "truncate":
            at = draw(st.integers(0, len(data) - 1))
            return name, data[:at], f"{name}: truncated at {at}"
        if kind == "garbage":
            junk = draw(st.binary(min_size=0, max_size=64))
            return name, junk, f"{name}: replaced by {junk[:20]!r}"
        if kind == "format":
            fmt = draw(st.sampled_from(["WEBP", "BMP", "GIF", "JPEG", "TIFF", "ICO"]))
            return name, _image(fmt), f"{name}: a {fmt} image"
        at = draw(st.integers(0, len(data) - 1))
        return name, data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:], f"{name}: byte {at} flipped"
    text = _base_text(name)
    kinds = (["swap", "delete", "duplicate", "control", "truncate"] if name.endswith(".yaml")
             else ["cell", "control", "truncate", "line"] if name.endswith(".csv")
             else ["entry", "control", "truncate", "line"])
    kind = draw(st.sampled_from(kinds))
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
        return name, text[:end] + "\n" + indent + text[start:end] + text[end:], f"{name}: duplicated {text[start:end][:40]!r}"
    if kind == "cell":
        lines = text.rstrip("\n").split("\n")
        row = draw(st.integers(0, len(lines) - 1))
        cells = lines[row].split(",")
        col = draw(st.integers(0, len(cells)))  # one past the end: a ragged row
        new = draw(st.sampled_from(CELLS))
        cells[col:col + 1] = [new]
        lines[row] = ",".join(cells)
        return name, "\n".join(lines) + "\n", f"{name}: row {row + 1} cell {col + 1} -> {new!r}"
    if kind == "entry":
        lines = text.split("\n")
        targets = [i for i, line in enumerate(lines) if line.startswith('msgstr "') and line != 'msgstr ""']
        at = targets[draw(st.integers(0, len(targets) - 1))]
        edit = draw(st.integers(0, len(PO_EDITS) - 1))
        body = lines[at][len('msgstr "'):-1]
        lines[at] = 'msgstr "' + PO_EDITS[edit](body) + '"'
        return name, "\n".join(lines), f"{name}: line {at + 1} -> {lines[at][:80]!r}"
    if kind == "control":
        at = draw(st.integers(0, len(text)))
        ch = draw(st.sampled_from(CONTROL))
        return name, text[:at] + ch + text[at:], f"{name}: {ch!r} at {at}"
    if kind == "line":
        lines = text.split("\n")
        at = draw(st.integers(0, len(lines) - 1))
        choices = (["region,region,score", "", "a,b", ",,,,,,,,", '"unclosed,1', "\ufeffregion,score"]
                   if name.endswith(".csv") else
                   ['msgstr "unterminated', "stray words", 'msgid ""', "#~ msgid \"x\"", '"\\q"'])
        new = draw(st.sampled_from(choices))
        lines[at] = new
        return name, "\n".join(lines), f"{name}: line {at + 1} -> {new!r}"
    at = draw(st.integers(0, len(text)))
    return name, text[:at], f"{name}: truncated at {at}"


def _apply(project: Path, name: str, new: str | bytes) -> None:
    path = project / name
    path.write_bytes(new if isinstance(new, bytes) else new.encode("utf-8", "surrogatepass"))


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


def _check_one(built, tmp_path_factory, mutation):
    name, new, what = mutation
    project = _copy(built, tmp_path_factory.mktemp("check"))
    _apply(project, name, new)
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(["-C", str(project), "check"])
    _assert_answered(status, err.getvalue(), what)


def _rebuild_one(built, tmp_path_factory, mutation):
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


@EXAMPLES
@given(mutations())
def test_check_answers_every_damaged_input(built, tmp_path_factory, mutation):
    _check_one(built, tmp_path_factory, mutation)


@settings(EXAMPLES, max_examples=RANDOM // 5 or 6)
@given(mutations())
def test_rebuild_of_a_damaged_input_loses_nothing(built, tmp_path_factory, mutation):
    _rebuild_one(built, tmp_path_factory, mutation)


# The slow marker (`pytest -m slow`, which CI runs too): new random damage on every run.
SLOW = settings(max_examples=200, derandomize=False, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


def _slow_only(request):
    if "slow" not in (request.config.option.markexpr or ""):
        pytest.skip("a longer random run: pytest -m slow")


@pytest.mark.slow
@SLOW
@given(mutations())
def test_check_answers_random_damage(request, built, tmp_path_factory, mutation):
    _slow_only(request)
    _check_one(built, tmp_path_factory, mutation)


@pytest.mark.slow
@settings(SLOW, max_examples=25)
@given(mutations())
def test_rebuild_after_random_damage_loses_nothing(request, built, tmp_path_factory, mutation):
    _slow_only(request)
    _rebuild_one(built, tmp_path_factory, mutation)
