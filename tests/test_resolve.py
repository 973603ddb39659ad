"""The resolve stage: a new frozen Document per edition, data text printed as written, missing
values marked and left out of totals, and one number formatted alike in table and chart."""

from __future__ import annotations

import dataclasses
import re

import docx
import pytest
from conftest import make_project
from pypdf import PdfReader

from reportgen import model as m
from reportgen import source as src
from reportgen.editions import make_hooks, prepare
from reportgen.cli import main
from reportgen.data import load_data
from reportgen.errors import Diagnostics
from reportgen.layout import load_layout
from reportgen.locale import EditionLocale
from reportgen.resolve import resolve
from reportgen.spec import load_spec

# Text cells and inserted values that Markdown would read as a quote, a list, a heading,
# emphasis or a table rule if they were pasted into the author's Markdown.
CSV = """\
品牌,说明,份额
甲,> 3 年,0.5
乙,- 5%,0.3
丙,#1 品牌,
丁,a*b*c_d_e,0.2
"""

DATA = """\
note: "*星号* 与 _下划线_"
rank: "#1"
"""

SPEC = """\
title: 数据文本
data: [brands, table]
sections:
  - title: 品牌
    blocks:
      - "排名 *{{ brands.rank }}*，{{ brands.note }} 结束。"
      - table:
          data: table
          caption: 品牌表
          total: true
          columns:
            - {field: 品牌, header: 品牌}
            - {field: 说明, header: 说明}
            - {field: 份额, header: 份额, format: percent, digits: 0}
"""


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("resolve"), {
        "content/data/table.csv": CSV, "content/data/brands.yaml": DATA, "content/r/report.yaml": SPEC})


def edition(project, locale="zh_CN"):
    diags = Diagnostics()
    [one] = [e for e in prepare(project, [project / "content/r/report.yaml"], [locale], diags)]
    assert not diags.errors, [str(d) for d in diags]
    return one


def test_data_text_is_plain_text_in_the_resolved_tree(project):
    doc = edition(project).document
    para, table = doc.sections[0].blocks
    # The value keeps the author's emphasis around it, and its own `*`/`_` print as written.
    assert isinstance(para.inlines[1], m.Emph) and tuple(para.inlines[1].children) == (m.Str("#1"),)
    assert m.plain(para.inlines) == "排名 #1，*星号* 与 _下划线_ 结束。"
    assert [tuple(row[1].inlines) for row in table.body] == [
        (m.Str("> 3 年"),), (m.Str("- 5%"),), (m.Str("#1 品牌"),), (m.Str("a*b*c_d_e"),)]


def test_data_text_prints_as_written_in_pdf_and_docx(project):
    assert main(["-C", str(project), "build", "--jobs", "1"]) == 0
    pdf = squash("".join(p.extract_text() for p in PdfReader(str(project / "output/zh_CN/r.pdf")).pages))
    document = docx.Document(str(project / "output/zh_CN/r.docx"))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    word = squash("".join(p.text for p in document.paragraphs) + "".join(cells))
    for text in ("排名#1，*星号*与_下划线_结束。", ">3年", "-5%", "#1品牌", "a*b*c_d_e"):
        assert text in pdf, text
        assert text in word, text
    for cell in ("> 3 年", "- 5%", "#1 品牌", "a*b*c_d_e"):
        assert cell in cells


def test_markdown_column_is_parsed_when_the_spec_says_so(tmp_path):
    spec = SPEC.replace("{field: 说明, header: 说明}", "{field: 说明, header: 说明, format: markdown}")
    project = make_project(tmp_path, {"content/data/table.csv": CSV, "content/data/brands.yaml": DATA,
                                      "content/r/report.yaml": spec})
    table = edition(project).document.sections[0].blocks[1]
    assert isinstance(table.body[3][1].inlines[1], m.Emph)  # a*b*c: "b" in italics


def test_missing_values_show_the_mark_and_stay_out_of_totals(project):
    zh = edition(project).document.sections[0].blocks[1]
    assert m.plain(zh.body[2][2].inlines) == "—"
    assert m.plain(zh.foot[0][0].inlines) == "合计"
    assert m.plain(zh.note) == "—：无数据，不计入合计与占比"
    assert [m.plain(row[2].inlines) for row in zh.body] == ["50%", "30%", "—", "20%"]


def test_missing_share_left_out_of_the_total(tmp_path):
    data = "a: 30\nb: null\nc: n/a\nd: 10\n"
    spec = """\
title: t
source_locale: en
data: [types]
sections:
  - title: s
    blocks:
      - table:
          data: types
          total: true
          note: Counts from the survey.
          columns:
            - {field: key, header: Type}
            - {field: value, header: Count, format: number}
            - {field: value, header: Share, format: share, digits: 1}
"""
    project = make_project(tmp_path, {"content/data/types.yaml": data, "content/r/report.yaml": spec})
    table = edition(project, "en").document.sections[0].blocks[0]
    rows = [[m.plain(c.inlines) for c in row] for row in table.body + table.foot]
    assert rows == [["a", "30", "75.0%"], ["b", "—", "—"], ["c", "—", "—"], ["d", "10", "25.0%"],
                    ["Total", "40", "100.0%"]]
    assert m.plain(table.note) == "Counts from the survey. —: no data; left out of totals and shares"


def test_resolve_builds_a_new_frozen_tree_and_leaves_the_source_alone(project):
    spec, diags = load_spec(project / "content/r/report.yaml", project)
    namespaces, _ = load_data(project, spec.data, spec.data_loc, diags)
    before = repr(spec.sections)
    docs = []
    for locale in ("zh_CN", "en"):
        layout = load_layout(project, spec.layout, locale)
        docs.append(resolve(spec, locale, layout, make_hooks(spec, locale, namespaces, diags, project), diags))
    assert repr(spec.sections) == before  # one source, any number of editions
    assert isinstance(spec.sections[0], src.SourceSection) and isinstance(spec.sections[0].blocks[1], src.SourceTable)
    zh, en = docs
    assert isinstance(zh.locale, EditionLocale) and f"{zh.locale}" == "zh_CN" and zh.locale.numbering == "zh"
    assert f"{en.locale}" == "en"
    table = zh.sections[0].blocks[1]
    assert isinstance(table.body, tuple) and isinstance(table.body[0], tuple)
    assert not hasattr(table, "spec")
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.body = ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        zh.sections[0].blocks[0].inlines[0].text = "x"
    # The resolved tree holds no source node anywhere.
    for block in zh.walk_blocks():
        assert type(block).__module__ == "reportgen.model"


def test_an_expression_error_is_located_in_the_text(tmp_path):
    spec = "title: t\nsections:\n  - title: s\n    blocks:\n      - \"**粗体 {{ nothing.here }}** 与 {{ 1/0 }}\"\n"
    project = make_project(tmp_path, {"content/r/report.yaml": spec})
    diags = Diagnostics()
    prepare(project, [project / "content/r/report.yaml"], [], diags)
    found = [str(d) for d in diags.errors]
    assert any(s.startswith("content/r/report.yaml:5:18: error: expression `nothing.here`") for s in found), found
    assert any(s.startswith("content/r/report.yaml:5:41: error: expression `1/0`") for s in found), found
