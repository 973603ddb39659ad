"""A Word rebuild after an edit makes only the blocks that changed, or that reach outside
themselves (notes, links, lists); the others' XML comes from the project's cache, and the
file is the one a build from scratch makes."""

from __future__ import annotations

import dataclasses
import hashlib
import zipfile

import docx
import pytest
from conftest import make_project
from test_writer_docx import make_layout

from reportgen.cli import main
from reportgen.model import (
    Callout, Caption, Cell, Column, Document, Link, ListBlock, Meta, NoteRef, Paragraph, Quote, Section, Str,
    Table,
)
from reportgen.writers import docx as docx_writer
from reportgen.writers.docx import write_docx

s = Str


def table(n: int, title: str) -> Table:
    return Table(columns=[Column(0.3), Column(None, "right")],
                 head=[[Cell([s("地区")]), Cell([s("规模")])]],
                 body=[[Cell([s(f"地区{i}")]), Cell([s(f"{i * 1.5:.1f}")])] for i in range(1, 8)],
                 caption=Caption("表", n, [s(title)]), source=[s("公司调研")])


def document(first: str = "医疗大模型正在加速落地。", inserted: list | None = None) -> Document:
    """A report of kept blocks (paragraphs, tables, a quote, a call-out) and blocks that are
    made every time (a footnote, a link, a list)."""
    blocks = [
        *(inserted or []),
        Paragraph([s(first)]),
        table(1, "各地区市场规模"),
        Quote([Paragraph([s("算力筑基，模型攻坚，应用引领。")])]),
        Paragraph([s("数据来源见脚注"), NoteRef(1, [s("数据截至 2025 年 6 月。")]), s("。")]),
        Callout([Paragraph([s("头部企业占据六成份额。")]), table(2, "头部企业")], title=[s("要点")]),
        Paragraph([s("详见"), Link("https://example.com/report", [s("完整报告")]), s("。")]),
        ListBlock(items=[[Paragraph([s("通用医疗大模型")])], [Paragraph([s("专科诊疗模型")])]]),
        Paragraph([s("市场集中度继续提高。")]),
    ]
    return Document(
        meta=Meta(id="kept-blocks", title="医疗大模型报告", author="研究部"), locale="zh_CN",
        sections=[Section(title=[s("市场背景")], level=1, number="一、", anchor="background", blocks=blocks)],
        terms={"contents": "目录", "source": "数据来源："},
    )


@pytest.fixture
def made(monkeypatch):
    """The blocks the Word writer makes (rather than takes from the kept XML), by type and
    first text."""
    calls = []
    # The visitor looks its methods up once per class: this test's own are looked up afresh.
    monkeypatch.setattr(docx_writer._Writer, "_methods", {}, raising=False)
    for name in ("visit_Paragraph", "visit_Table", "visit_Quote", "visit_Callout", "visit_ListBlock"):
        real = getattr(docx_writer._Writer, name)

        def visit(self, block, ctx, real=real):
            text = next((i.text for i in getattr(block, "inlines", ()) if isinstance(i, Str)), "")
            calls.append((type(block).__name__, text))
            return real(self, block, ctx)

        monkeypatch.setattr(docx_writer._Writer, name, visit)
    return calls


def write(tmp_path, doc, name: str, kept: bool = True, layout=None) -> bytes:
    out = tmp_path / name
    write_docx(doc, layout or make_layout(), out, blocks=tmp_path / "kept" if kept else None)
    return out.read_bytes()


def test_an_edited_paragraph_is_made_again_and_the_file_equals_one_made_from_scratch(tmp_path, made):
    write(tmp_path, document(), "first.docx")
    made.clear()
    edited = document(first="医疗大模型正在加速落地，应用场景持续拓展。")
    rebuilt = write(tmp_path, edited, "rebuilt.docx")
    remade = list(made)
    assert rebuilt == write(tmp_path, edited, "scratch.docx", kept=False)
    assert ("Paragraph", "医疗大模型正在加速落地，应用场景持续拓展。") in remade
    # The unchanged paragraphs, tables, quote and call-out came from the kept XML.
    assert ("Paragraph", "市场集中度继续提高。") not in remade
    assert not any(kind in ("Table", "Quote", "Callout") for kind, _ in remade)
    paragraphs = [p.text for p in docx.Document(tmp_path / "rebuilt.docx").paragraphs]
    assert "医疗大模型正在加速落地，应用场景持续拓展。" in paragraphs
    assert "市场集中度继续提高。" in paragraphs


def test_an_inserted_footnote_renumbers_the_later_notes_as_a_build_from_scratch_does(tmp_path, made):
    write(tmp_path, document(), "first.docx")
    made.clear()
    inserted = [Paragraph([s("新插入的段落"), NoteRef(1, [s("新的脚注。")]), s("。")])]
    edited = document(inserted=inserted)
    rebuilt = write(tmp_path, edited, "rebuilt.docx")
    assert ("Paragraph", "市场集中度继续提高。") not in made  # the kept blocks were used
    assert rebuilt == write(tmp_path, edited, "scratch.docx", kept=False)
    with zipfile.ZipFile(tmp_path / "rebuilt.docx") as package:
        notes = package.read("word/footnotes.xml").decode("utf-8")
        body = package.read("word/document.xml").decode("utf-8")
    assert notes.index("新的脚注。") < notes.index("数据截至 2025 年 6 月。")
    assert body.count("<w:footnoteReference ") == 2


def test_blocks_with_a_footnote_a_link_or_a_list_are_made_every_time(tmp_path, made):
    write(tmp_path, document(), "first.docx")
    made.clear()
    again = write(tmp_path, document(), "again.docx")
    assert again == (tmp_path / "first.docx").read_bytes()
    assert sorted(made) == sorted([
        ("Paragraph", "数据来源见脚注"), ("Paragraph", "详见"), ("ListBlock", ""),
    ])


def test_a_changed_layout_does_not_reuse_the_kept_xml(tmp_path, made):
    first = write(tmp_path, document(), "first.docx")
    colors = {**make_layout().colors, "table_header": "#AA2200"}
    recoloured = make_layout(colors=colors)
    made.clear()
    rebuilt = write(tmp_path, document(), "rebuilt.docx", layout=recoloured)
    assert [kind for kind, _ in made].count("Table") == 2
    assert rebuilt != first
    assert rebuilt == write(tmp_path, document(), "scratch.docx", kept=False, layout=recoloured)
    tables = docx.Document(tmp_path / "rebuilt.docx").tables
    header = next(t for t in tables if t.rows[0].cells[0].text == "地区").rows[0].cells[0]
    assert 'w:fill="AA2200"' in header._tc.xml


def test_a_damaged_kept_file_is_ignored(tmp_path, made):
    write(tmp_path, document(), "first.docx")
    (kept,) = (tmp_path / "kept").glob("*.pickle")
    kept.write_bytes(b"not a pickle")
    (kept.parent / (kept.name + ".sha256")).write_text(hashlib.sha256(b"not a pickle").hexdigest() + "\n")
    made.clear()
    assert write(tmp_path, document(), "again.docx") == (tmp_path / "first.docx").read_bytes()
    assert ("Paragraph", "市场集中度继续提高。") in made


SPEC = """title: 缓存测试
locales: [zh_CN]
sections:
  - title: 第一章
    blocks:
      - {first}
      - "第二段：监管框架逐步完善[^1]。\n\n[^1]: 数据合规与算法备案。"
      - 第三段：数据合规与算法备案成为企业进入市场的前提条件。
"""


def test_a_rebuilt_report_keeps_its_blocks_and_equals_a_build_from_scratch(tmp_path, made):
    project = make_project(tmp_path, {f"content/{tmp_path.name}/report.yaml": SPEC.format(first="第一段。")})

    def build(output, first):
        (project / "content" / tmp_path.name / "report.yaml").write_text(SPEC.format(first=first), encoding="utf-8")
        assert main(["-C", str(project), "build", "--format", "docx", "--force", "--jobs", "1",
                     "--output", output]) == 0
        return (project / output / "zh_CN" / f"{tmp_path.name}.docx").read_bytes()

    build("out", "第一段。")
    from reportgen.fonts import cache_dir

    assert (cache_dir(project) / "blocks" / f"docx-{tmp_path.name}-zh_CN.pickle").exists()
    made.clear()
    rebuilt = build("out", "第一段，改过。")
    assert ("Paragraph", "第三段：数据合规与算法备案成为企业进入市场的前提条件。") not in made
    # From scratch: the kept blocks set aside.
    for path in (cache_dir(project) / "blocks").iterdir():
        path.unlink()
    assert rebuilt == build("scratch", "第一段，改过。")
    assert ("Paragraph", "第三段：数据合规与算法备案成为企业进入市场的前提条件。") in made


def test_the_embedded_faces_hold_the_same_characters_from_the_json_as_from_the_tree():
    from reportgen.incremental import tree_json
    from reportgen.model import strings
    from reportgen.writers.docx_fonts import document_text

    doc = document(first="引号“测试”与反斜杠 \\ 和制表\t符。")
    assert set(document_text(doc, tree_json(doc))) - set("".join(strings(doc))) <= set(
        chr(c) for c in range(32, 127))
    assert set("".join(strings(doc))) <= set(document_text(doc, tree_json(doc))) | set(" \t\n")
    # A control character JSON escapes: the tree is walked instead.
    odd = dataclasses.replace(doc, meta=dataclasses.replace(doc.meta, author="研究部\x07"))
    assert "\x07" in document_text(odd, tree_json(odd))
