"""Property tests: whatever text and nesting an editor writes, reportgen answers with a
valid PDF and DOCX (read back by pypdf and python-docx) or with located errors: never an
exception escaping to the user."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import docx
import pytest
import yaml
from conftest import make_project
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from reportgen.cli import main
from reportgen.fonts import faces_for

# Chinese and Latin text, markup characters of YAML, Markdown and ReportLab, and a few
# characters the font lacks (emoji, Arabic), which must come back as located errors.
ALPHABET = ("市场规模医疗大模型，。、；：“”（）《》 abcXYZ 0123456789 .,;:!?-_*#`[]()<>&\"'\\/|{}%$ "
            "é\u0301\u200b😀مر\n")
text = st.text(alphabet=ALPHABET, min_size=0, max_size=60)


def section(depth: int):
    leaf = st.fixed_dictionaries({"title": text.filter(str.strip), "blocks": st.lists(block, max_size=3)})
    if depth == 0:
        return leaf
    return st.fixed_dictionaries({
        "title": text.filter(str.strip),
        "blocks": st.lists(block, max_size=3),
        "sections": st.lists(section(depth - 1), max_size=2),
    })


markdown_list = st.lists(text, min_size=1, max_size=4).map(lambda items: "\n".join(f"- {i}" for i in items))
nested_list = st.tuples(text, text).map(lambda p: f"- {p[0]}\n  - {p[1]}\n    1. {p[0]}")
block = st.one_of(
    text, markdown_list, nested_list,
    st.fixed_dictionaries({"quote": text}),
    st.fixed_dictionaries({"callout": st.fixed_dictionaries({"title": text, "text": text})}),
    st.fixed_dictionaries({"table": st.fixed_dictionaries({
        "columns": st.just(["a", "b"]),
        "rows": st.lists(st.lists(text, min_size=2, max_size=2), min_size=1, max_size=4)})}),
)


@pytest.fixture(scope="module")
def warm_fonts(tmp_path_factory, font_cache):
    """Cut one face for the whole alphabet, so each example reuses it instead of cutting its own."""
    project = tmp_path_factory.mktemp("fonts")
    import os

    os.environ["REPORTGEN_CACHE"] = str(font_cache)
    faces_for("Noto Sans CJK SC", ALPHABET + "目录第页共数据来源图表注释", project)
    return font_cache


# No shrinking: a build per example is too slow to shrink within the suite's budget; a
# failure still prints the example that failed.
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck),
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(title=text, sections=st.lists(section(2), min_size=1, max_size=3))
def test_any_document_builds_or_is_located(tmp_path_factory, warm_fonts, title, sections):
    source = yaml.safe_dump({"title": title or "x", "sections": sections}, allow_unicode=True)
    project = make_project(tmp_path_factory.mktemp("prop"), {"content/r/report.yaml": source})
    err, out = io.StringIO(), io.StringIO()
    with redirect_stderr(err), redirect_stdout(out):
        status = main(["-C", str(project), "build", "--jobs", "1"])
    messages = err.getvalue()
    assert "internal error" not in messages and "Traceback" not in messages, messages
    manifest = json.loads((project / "output" / "manifest.json").read_text(encoding="utf-8"))
    if status == 0:
        assert all(e["status"] == "built" for e in manifest["editions"])
        reader = PdfReader(str(project / "output/zh_CN/r.pdf"))
        assert len(reader.pages) >= 2
        docx.Document(str(project / "output/zh_CN/r.docx"))
    else:
        errors = [line for line in messages.splitlines() if ": error: " in line]
        assert errors and all(line.startswith("content/r/report.yaml:") for line in errors), messages
        assert not (project / "output/zh_CN/r.pdf").exists()
