"""The Word writer: structure read back with python-docx and from the raw package XML."""

from __future__ import annotations

import dataclasses
import re
import zipfile
from pathlib import Path

import docx
import pytest

from reportgen.layout import DEFAULT_COLORS, DEFAULT_SIZES, Layout
from reportgen.model import (
    Callout, Caption, Cell, Column, Document, Emph, Figure, LineBreak, Link, ListBlock, Meta, NoteRef,
    Paragraph, Quote, Section, Str, Strong, Table,
)
from reportgen.writers.docx import write_docx

MM = 72 / 25.4


def make_layout(**changes) -> Layout:
    values = dict(
        name="test", page_width=210 * MM, page_height=297 * MM,
        margin_top=24 * MM, margin_bottom=22 * MM, margin_left=22 * MM, margin_right=22 * MM,
        pdf_font="Noto Sans CJK SC", word_latin="Arial", word_east_asia="Microsoft YaHei",
        sizes=dict(DEFAULT_SIZES), line_spacing=1.6, first_line_indent=2, space_after=6,
        colors=dict(DEFAULT_COLORS), palette=[], header={"left": "{title}", "right": "{section}"},
        footer={"center": "{page_of}"}, numbering=[], toc_depth=2, cover_band=True, logo=None,
    )
    values.update(changes)
    return Layout(**values)


def png(path: Path, width: int = 640, height: int = 360) -> str:
    """A small chart-like PNG, written with matplotlib's Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(width / 100, height / 100), dpi=100)
    ax = fig.add_subplot()
    ax.bar(["2023", "2024", "2025"], [28.1, 32.6, 37.1], color="#1F4E79")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return str(path)


def chinese_doc(tmp_path: Path) -> Document:
    s = Str
    merged = Table(
        columns=[Column(0.3), Column(None, "right"), Column(None, "right"), Column(None, "right")],
        head=[
            [Cell([s("地区")], rowspan=2), Cell([s("市场规模（亿元）")], colspan=2, align="center"), None,
             Cell([s("增速")], rowspan=2)],
            [None, Cell([s("2024")]), Cell([s("2025")]), None],
        ],
        body=[
            [Cell([s("华东")]), Cell([s("12.5")]), Cell([s("14.1")]), Cell([s("12.8%")])],
            [Cell([s("华南")]), Cell([s("8.2")]), Cell([s("9.6")]), Cell([s("17.1%")])],
        ],
        caption=Caption("表", 1, [s("各地区市场规模")]),
        source=[s("公司调研")],
    )
    long_table = Table(
        columns=[Column(0.2), Column(None), Column(None, "right")],
        head=[[Cell([s("序号")]), Cell([s("品牌")]), Cell([s("份额")])]],
        body=[[Cell([s(str(i))]), Cell([s(f"品牌{i}")]), Cell([s(f"{i / 10:.1f}%")])] for i in range(1, 301)],
        caption=Caption("表", 2, [s("品牌份额明细")]),
    )
    figure = Figure(path=png(tmp_path / "chart.png"), caption=Caption("图", 1, [s("市场规模，2023-2025")]),
                    source=[s("国家统计局")], width=0.8)
    intro = Paragraph([
        s("医疗大模型正在"), Strong([s("加速落地")]), s("，"), Emph([s("多模态")]), s("能力持续提升，详见"),
        Link("https://example.com/report", [s("完整报告")]), s("。"),
        NoteRef(1, [s("数据截至 2025 年 6 月。")]), LineBreak(), s("第二行。"),
    ])
    nested = ListBlock(items=[
        [Paragraph([s("通用医疗大模型")])],
        [Paragraph([s("专科诊疗模型")]), ListBlock(items=[[Paragraph([s("影像")])], [Paragraph([s("病理")])]],
                                                   ordered=True)],
    ])
    chapter1 = Section(
        title=[s("市场背景")], level=1, number="一、", anchor="background",
        blocks=[intro],
        children=[
            Section(title=[s("摘要")], level=2, number="1.1 ", anchor="summary",
                    blocks=[nested, Quote([Paragraph([s("算力筑基，模型攻坚，应用引领。")])]),
                            Callout([Paragraph([s("头部企业占据六成份额。")])], title=[s("要点")])]),
            Section(title=[s("市场规模")], level=2, number="1.2 ", anchor="size", blocks=[merged, figure]),
        ],
    )
    chapter2 = Section(
        title=[s("市场竞争")], level=1, number="二、", anchor="competition",
        children=[Section(title=[s("品牌份额")], level=2, number="2.1 ", anchor="brands", blocks=[long_table])],
    )
    return Document(
        meta=Meta(id="medical-llm", title="2025 年医疗大模型品牌推荐", subtitle="海量知识深度整合",
                  edition="2025 版", date="2025 年 6 月", author="研究部"),
        locale="zh_CN",
        sections=[chapter1, chapter2],
        terms={"contents": "目录", "figure": "图", "table": "表", "source": "数据来源：",
               "page_of": "第 {page} 页，共 {pages} 页", "notes": "注释"},
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The fixture document, written once for the read-only checks."""
    tmp_path = tmp_path_factory.mktemp("docx")
    out = tmp_path / "report.docx"
    write_docx(chinese_doc(tmp_path), make_layout(), out)
    return out


def part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def test_headings_use_builtin_styles_in_order(written):
    d = docx.Document(written)
    headings = [(p.style.name, p.text) for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [
        ("Heading 1", "一、市场背景"), ("Heading 2", "1.1 摘要"), ("Heading 2", "1.2 市场规模"),
        ("Heading 1", "二、市场竞争"), ("Heading 2", "2.1 品牌份额"),
    ]


def test_toc_field_with_cached_entries(written):
    xml = part(written, "word/document.xml")
    assert 'TOC \\o "1-2" \\h \\z \\u' in xml
    d = docx.Document(written)
    toc = [p.text.split("\t")[0] for p in d.paragraphs if re.fullmatch(r"toc \d", p.style.name.lower())]
    assert toc == ["一、市场背景", "1.1 摘要", "1.2 市场规模", "二、市场竞争", "2.1 品牌份额"]
    assert '<w:updateFields w:val="true"/>' in part(written, "word/settings.xml")


def test_fonts_and_language_on_normal_style(written):
    styles = part(written, "word/styles.xml")
    normal = re.search(r'<w:style w:type="paragraph"[^>]*w:styleId="Normal".*?</w:style>', styles).group(0)
    assert 'w:eastAsia="Microsoft YaHei"' in normal and 'w:ascii="Arial"' in normal
    assert re.search(r'<w:lang w:val="en-US" w:eastAsia="zh-CN"', normal)  # Latin text stays English
    heading = re.search(r'w:styleId="Heading1".*?</w:style>', styles).group(0)
    assert "Theme" not in heading and 'w:eastAsia="Microsoft YaHei"' in heading


def test_tables_header_rows_and_merges(written):
    xml = part(written, "word/document.xml")
    assert "<w:tblHeader/>" in xml
    assert '<w:gridSpan w:val="2"/>' in xml
    assert '<w:vMerge w:val="restart"/>' in xml and "<w:vMerge/>" in xml
    d = docx.Document(written)
    merged = next(t for t in d.tables if "地区" in t.cell(0, 0).text)
    assert merged.cell(0, 1).text == merged.cell(0, 2).text == "市场规模（亿元）"
    assert merged.cell(1, 0).text == "地区"  # covered by the rowspan
    assert len(merged.rows) == 4
    big = next(t for t in d.tables if t.cell(0, 0).text == "序号")
    assert len(big.rows) == 301


def test_captions_use_seq_fields(written):
    xml = part(written, "word/document.xml")
    assert "SEQ 表 \\* ARABIC" in xml and "SEQ 图 \\* ARABIC" in xml
    d = docx.Document(written)
    captions = [p.text for p in d.paragraphs if p.style.name == "Caption"]
    # Chinese captions set the title apart from the number by the layout's full-width colon.
    assert captions == ["表 1：各地区市场规模", "图 1：市场规模，2023-2025", "表 2：品牌份额明细"]
    assert any(p.text == "数据来源：公司调研" for p in d.paragraphs)


def test_real_footnotes(written):
    notes = part(written, "word/footnotes.xml")
    assert "数据截至 2025 年 6 月。" in notes and 'w:type="separator"' in notes
    assert '<w:footnoteReference w:id="1"/>' in part(written, "word/document.xml")
    assert "footnotes+xml" in part(written, "[Content_Types].xml")
    assert "relationships/footnotes" in part(written, "word/_rels/document.xml.rels")


def test_hyperlink_and_picture(written):
    rels = part(written, "word/_rels/document.xml.rels")
    assert 'Target="https://example.com/report" TargetMode="External"' in rels
    xml = part(written, "word/document.xml")
    assert "<w:hyperlink r:id=" in xml and "<w:drawing>" in xml
    with zipfile.ZipFile(written) as z:
        assert any(n.startswith("word/media/") for n in z.namelist())


def test_header_footer_fields_and_cover(written):
    with zipfile.ZipFile(written) as z:
        headers = "".join(z.read(n).decode() for n in z.namelist() if re.match(r"word/(header|footer)\d+", n))
    # The running head names the last chapter heading on its page (`\\l`), as the PDF's does.
    for instr in ("PAGE", "NUMPAGES", 'STYLEREF "Heading 1" \\l'):
        assert f" {instr} " in headers
    assert "第 " in headers and "2025 年医疗大模型品牌推荐" in headers
    assert "<w:titlePg/>" in part(written, "word/document.xml")


def test_page_geometry(written):
    section = docx.Document(written).sections[-1]
    assert abs(section.page_width.mm - 210) < 0.2 and abs(section.left_margin.mm - 22) < 0.2


def test_lists_are_numbered(written):
    numbering = part(written, "word/numbering.xml")
    assert 'w:lvlText w:val="●"' in numbering and 'w:lvlText w:val="（%2）"' in numbering
    assert part(written, "word/document.xml").count("<w:numPr>") == 4


def test_reproducible(tmp_path):
    doc = chinese_doc(tmp_path)
    first, second = tmp_path / "a.docx", tmp_path / "b.docx"
    write_docx(doc, make_layout(), first)
    write_docx(doc, make_layout(), second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as z:
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in z.infolist())
    props = docx.Document(first).core_properties
    assert props.title == "2025 年医疗大模型品牌推荐" and props.created.year == 2000
    assert props.language == "zh-CN" and props.author == "研究部"


def test_english_edition_without_band(tmp_path):
    doc = dataclasses.replace(chinese_doc(tmp_path), locale="en")
    out = tmp_path / "en.docx"
    write_docx(doc, make_layout(first_line_indent=0, cover_band=False), out)
    styles = part(out, "word/styles.xml")
    assert re.search(r'<w:lang w:val="en-US" w:eastAsia="zh-CN"', styles)
    assert "firstLineChars" not in styles


def test_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1750000000")
    out = tmp_path / "dated.docx"
    write_docx(chinese_doc(tmp_path), make_layout(), out)
    assert docx.Document(out).core_properties.modified.year == 2025


def test_heading_left_out_of_contents(tmp_path):
    doc = chinese_doc(tmp_path)
    chapter = doc.sections[1]
    unlisted = dataclasses.replace(chapter.children[0], toc=False)
    doc = dataclasses.replace(doc, sections=[doc.sections[0], dataclasses.replace(chapter, children=[unlisted])])
    out = tmp_path / "unlisted.docx"
    write_docx(doc, make_layout(), out)
    d = docx.Document(out)
    toc = [p.text for p in d.paragraphs if re.fullmatch(r"toc \d", p.style.name.lower())]
    assert "2.1 品牌份额" not in toc
    unlisted = next(p for p in d.paragraphs if p.text == "2.1 品牌份额")
    assert unlisted.style.name == "Heading 2 Unlisted"  # no outline level: Word's TOC skips it too


def test_reference_document_keeps_its_styles(tmp_path):
    from docx.shared import RGBColor

    ref = docx.Document()
    ref.add_paragraph("old body text")
    ref.styles["Heading 1"].font.color.rgb = RGBColor(0xC0, 0, 0)
    ref.save(tmp_path / "ref.docx")
    out = tmp_path / "styled.docx"
    write_docx(chinese_doc(tmp_path), make_layout(docx_reference=str(tmp_path / "ref.docx")), out)
    d = docx.Document(out)
    assert d.styles["Heading 1"].font.color.rgb == RGBColor(0xC0, 0, 0)
    assert "old body text" not in [p.text for p in d.paragraphs]
    assert d.styles["Table Text"] is not None  # what the reference lacks comes from the layout


def test_chapters_nest_under_parts(tmp_path):
    """Parts take the first heading level, their chapters the second, as in the PDF outline;
    a chapter outside the parts stays on the first level, and the running head follows chapters."""
    chapter = Section(title=[Str("市场")], level=1, number="一、", children=[
        Section(title=[Str("规模")], level=2, number="1.1 ", blocks=[Paragraph([Str("正文。")])])])
    overview = Section(title=[Str("总体篇")], level=1, kind="part", children=[chapter])
    credits = Section(title=[Str("出品团队")], level=1, numbered=False, blocks=[Paragraph([Str("感谢。")])])
    doc = Document(meta=Meta(id="p", title="白皮书"), locale="zh_CN", sections=[overview, credits],
                   terms={"contents": "目录"})
    out = tmp_path / "parts.docx"
    write_docx(doc, make_layout(), out)
    d = docx.Document(out)
    headings = [(p.style.name, p.text) for p in d.paragraphs if "eading" in p.style.name and "TOC" not in p.style.name]
    assert headings == [("Heading 1", "总体篇"), ("Heading 2", "一、市场"), ("Heading 3", "1.1 规模"),
                        ("Chapter Heading 1", "出品团队")]
    toc = [(p.style.name, p.text) for p in d.paragraphs if re.fullmatch(r"toc \d", p.style.name.lower())]
    assert [(s.lower(), t) for s, t in toc] == [("toc 1", "总体篇"), ("toc 2", "一、市场"), ("toc 3", "1.1 规模"),
                                                ("toc 1", "出品团队")]
    assert 'TOC \\o "1-3" \\h \\z \\u' in part(out, "word/document.xml")
    styles = part(out, "word/styles.xml")
    chapter_style = re.search(r'w:styleId="TopHeading1".*?</w:style>', styles).group(0)
    assert '<w:outlineLvl w:val="0"/>' in chapter_style  # collected by the TOC field's \u
    with zipfile.ZipFile(out) as z:
        headers = "".join(z.read(n).decode() for n in z.namelist() if re.match(r"word/header\d+", n))
    assert ' STYLEREF "Heading 2" \\l ' in headers and ' STYLEREF "Chapter Heading 1" \\l ' in headers


def test_unknown_nodes_are_reported_where_they_were_written(tmp_path):
    from reportgen.errors import Loc, ReportgenError
    from reportgen.source import Raw, Text

    where = Loc("content/r/report.yaml", 4, 3)
    for block, words in ((Text("*raw*", loc=where), "the DOCX writer cannot render a `Text`"),
                         (Paragraph([Raw("*raw*")], loc=where), "the DOCX writer cannot render a `Raw`")):
        doc = Document(meta=Meta(id="r", title="R"), locale="en",
                       sections=[Section(title=[Str("One")], level=1, blocks=[block])])
        with pytest.raises(ReportgenError) as info:
            write_docx(doc, make_layout(), tmp_path / "x.docx")
        assert str(info.value).startswith("content/r/report.yaml:4:3: error: ") and words in str(info.value)


def test_charts_are_placed_from_the_images_given(tmp_path):
    from reportgen.model import Chart

    chart = Chart("bar", caption=Caption("Figure", 1, [Str("Market size")]), source=[Str("Analysis")],
                  note=[Str("Forecast")], width=0.5, title="Market size by year")
    doc = Document(meta=Meta(id="r", title="R"), locale="en",
                   sections=[Section(title=[Str("One")], level=1, number="1. ", blocks=[chart])],
                   terms={"figure": "Figure"})
    out = tmp_path / "chart.docx"
    write_docx(doc, make_layout(), out, chart_images=[png(tmp_path / "c.png", 800, 400)])
    d = docx.Document(out)
    texts = [p.text for p in d.paragraphs]
    assert "Figure 1: Market size" in texts and "Source: Analysis" in texts and "Note: Forecast" in texts
    xml = part(out, "word/document.xml")
    assert 'descr="Market size"' in xml  # the caption's text describes the chart
    extent = re.search(r'<wp:extent cx="(\d+)" cy="(\d+)"/>', xml)
    width = make_layout().text_width * 0.5
    assert abs(int(extent[1]) / 12700 - width) < 0.05 and abs(int(extent[2]) / 12700 - width / 2) < 0.05


def test_writing_leaves_the_document_as_it_was(tmp_path):
    from reportgen.model import to_json

    doc = chinese_doc(tmp_path)
    before = to_json(doc)
    write_docx(_tuples(doc), make_layout(), tmp_path / "t.docx")
    write_docx(doc, make_layout(), tmp_path / "again.docx")
    assert to_json(doc) == before


def _tuples(node):
    """A copy of a model tree with every list a tuple, as the frozen model holds them."""
    if isinstance(node, list):
        return tuple(_tuples(x) for x in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        changes = {f.name: _tuples(getattr(node, f.name)) for f in dataclasses.fields(node)
                   if f.name not in ("loc", "meta", "terms")}
        return dataclasses.replace(node, **changes)
    return node


def test_an_unreadable_logo_is_a_reportgen_error(tmp_path):
    from reportgen.errors import ReportgenError

    bad = tmp_path / "logo.png"
    bad.write_text("not an image")
    doc = Document(meta=Meta(id="r", title="R", logo=str(bad)), locale="en",
                   sections=[Section(title=[Str("One")], level=1)])
    with pytest.raises(ReportgenError, match="logo .* is not an image reportgen can read"):
        write_docx(doc, make_layout(), tmp_path / "x.docx")


@pytest.mark.parametrize("text", ["plain", " leading", "trailing ", "two  spaces", "a & b < c > d \"e\" 'f'",
                                  "line\rreturn", "tab\there", "new\nline", "中文“引号”——", "😀 emoji", "\u3000全角空格"])
def test_runs_written_as_text_are_the_elements_the_element_builders_make(text):
    """The writer makes paragraphs as WordprocessingML text and parses them: whatever a run
    holds, the element it parses to serialises as the element builders' own."""
    from lxml import etree

    from reportgen.writers import docx_xml as x

    bold = x.rpr_xml({"bCs": "<w:bCs/>", "b": "<w:b/>", "color": '<w:color w:val="FF0000"/>'})
    built = x.run(text, x.rpr(x.el("w:color", {"w:val": "FF0000"}), x.el("w:b"), x.el("w:bCs")))
    assert etree.tostring(x.fragment(x.run_xml(text, bold))) == etree.tostring(built)
    para = x.paragraph_xml("Body Text", x.run_xml(text), [x.el("w:keepNext")])
    assert etree.tostring(para) == etree.tostring(x.paragraph("Body Text", [x.run(text)], x.el("w:keepNext")))
    field = x.fragment("<w:p>" + x.field_xml(f"PAGEREF {text}", x.run_xml("3")) + "</w:p>")
    assert [etree.tostring(r) for r in field] == [etree.tostring(r) for r in x.field(f"PAGEREF {text}", [x.run("3")])]


@pytest.mark.parametrize("text", ["nul\x00", "bell\x07", "\ud800 lone surrogate", "\ufffe"])
def test_text_no_xml_can_hold_is_refused_as_the_element_builders_refuse_it(text):
    from reportgen.writers import docx_xml as x

    with pytest.raises(ValueError):
        x.run(text)
    with pytest.raises(ValueError):
        x.run_xml(text)
