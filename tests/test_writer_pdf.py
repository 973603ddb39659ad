"""The PDF writer, read back with pypdf: text, outline, fonts, tables, notes, reproducibility."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")

from conftest import contents_lines  # noqa: E402
from reportgen import model as m  # noqa: E402
from reportgen.fonts import faces_for  # noqa: E402
from reportgen.layout import load_layout  # noqa: E402
from reportgen.writers.pdf import write_pdf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ESCAPED = "a < b & <font color=red>x</font>"
LONG_HEAD = ["序号", "地区", "销售额（亿元）", "同比增速"]
TERMS = {
    "contents": "目录", "figure": "图", "table": "表", "source": "数据来源：",
    "page_of": "第 {page} 页，共 {pages} 页", "notes": "注释", "note": "注：", "table_continued": "续表 {number}",
}


def S(text):
    return [m.Str(text)]


def cell(text, **kw):
    return m.Cell(S(text), **kw)


def make_png(path: Path) -> Path:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (800, 450), "white")
    draw = ImageDraw.Draw(img)
    for i, h in enumerate([120, 180, 240, 300, 360]):
        draw.rectangle([80 + i * 140, 420 - h, 160 + i * 140, 420], fill=(31, 78, 121))
    img.save(path)
    return path


def make_doc(tmp: Path, long_rows: int = 300) -> m.Document:
    """A small Chinese market report with every node kind the writer meets."""
    body = ("中国医疗大模型是以海量医学数据预训练、多模态融合与专业任务微调为核心技术路径，"
            "适配诊疗、研发、管理等医疗场景需求的人工智能系统。") * 3
    spans = m.Table(
        columns=[m.Column(0.3), m.Column(None, "center"), m.Column(None, "right"), m.Column(None, "right")],
        head=[[cell("类别", rowspan=2), cell("2024 年", colspan=2), None, cell("增速", rowspan=2)],
              [None, cell("规模"), cell("占比"), None]],
        body=[[cell("通用医疗大模型"), cell("4.2 亿元"), cell("38.9%"), cell("81.6%")],
              [cell("专科诊疗模型", rowspan=2), cell("3.1 亿元"), cell("28.7%"), cell("46.8%")],
              [None, cell("1.5 亿元"), cell("13.9%"), cell("35.2%")],
              [cell("医学影像模型"), cell("2.0 亿元"), cell("18.5%"),
               cell("https://www.example.com/a/very/long/unbroken/url/that/must/wrap/in/a/narrow/cell")]],
        foot=[[cell("合计"), cell("10.8 亿元"), cell("100%"), cell("—")]],
        caption=m.Caption("表", 1, S("主要市场统计数据")),
        source=S("头豹研究院"), note=S("占比按四舍五入计算。"),
    )
    long = m.Table(
        columns=[m.Column(0.12, "center"), m.Column(), m.Column(None, "right"), m.Column(None, "right")],
        head=[[cell(h) for h in LONG_HEAD]],
        body=[[cell(str(i + 1)), cell(f"地区{i + 1}"), cell(f"{(i * 37) % 1000 / 10:.1f}"), cell(f"{i % 30}%")]
              for i in range(long_rows)],
        caption=m.Caption("表", 2, S("各地区销售额明细")),
        source=S("公司年报"),
    )
    stats = m.Table(
        columns=[m.Column(), m.Column()], head=[],
        body=[[cell("2024 年市场规模"), cell("10.8 亿元")], [cell("2029 年预测规模"), cell("75.8 亿元")],
              [cell("年复合增长率"), cell("46.8%")]],
        caption=m.Caption("表", 3, S("关键市场统计")), style="stats",
    )
    para = m.Paragraph([
        m.Str("根据"), m.Strong(S("头豹研究院")), m.Str("的数据"),
        m.NoteRef(1, S("头豹研究院，《2025 年中国医疗大模型行业研究报告》。")),
        m.Str("，市场规模从 1.0 亿元增长至 10.8 亿元，详见"),
        m.Link("https://www.leadleo.com", S("官方网站")), m.Str("。"), m.LineBreak(), m.Str(body),
    ])
    nested = m.ListBlock([
        [m.Paragraph(S("算力筑基：基础设施建设")),
         m.ListBlock([[m.Paragraph(S("云端训练集群"))], [m.Paragraph(S("院内推理节点"))]])],
        [m.Paragraph(S("模型攻坚：核心技术突破"))],
        [m.Paragraph(S("应用引领：场景价值创造")), m.Paragraph(S("覆盖诊疗、管理与科研。"))],
    ])
    ordered = m.ListBlock([[m.Paragraph(S("核心算法与知识质量"))], [m.Paragraph(S("临床场景与合规"))]],
                          ordered=True)
    figure = m.Figure(str(make_png(tmp / "chart.png")), m.Caption("图", 1, S("中国医疗大模型市场规模")),
                      S("头豹研究院"), width=0.8)
    ch1 = m.Section(S("市场背景"), 1, number="一、", anchor="background", blocks=[para], children=[
        m.Section(S("摘要"), 2, number="1.1 ", anchor="summary", blocks=[
            m.Paragraph(S(body)), nested, m.Quote([m.Paragraph(S("医疗 AI 正从单点工具向全周期智能伙伴演进。"))]),
            m.Paragraph(S(ESCAPED)),
            # A comma right where a naive line break would put it at the start of a line.
            *[m.Paragraph(S("测" * k + "，" + "试" * 50 + "。")) for k in range(38, 44)],
        ], children=[
            m.Section(S("定义与分类"), 3, number="1.1.1 ", blocks=[m.Paragraph(S(body)), ordered]),
        ]),
        m.Section(S("市场规模"), 2, number="1.2 ", blocks=[m.Paragraph(S(body)), spans, figure, stats]),
    ])
    ch2 = m.Section(S("市场竞争"), 1, number="二、", anchor="competition", children=[
        m.Section(S("十大品牌推荐"), 2, number="2.1 ", blocks=[
            m.Callout([m.Paragraph(S(body))], S("案例：腾讯觅影"), kind="case"),
            m.Callout([m.Paragraph(S("评选遵循多维度量化评估模型。"))], S("说明"), kind="note"),
            m.Paragraph([m.Str("返回"), m.Link("#background", S("市场背景")), m.Str("一章；"),
                         m.Link("附件.pdf", S("相对链接")), m.Str("与"), m.Link("#nowhere", S("失效锚点")),
                         m.Str("按文字输出。")]),
            long,
        ]),
    ])
    meta = m.Meta("test-report", "2025 年医疗大模型品牌推荐", "海量知识深度整合，智能生成革新医疗范式",
                  "2025 年版", "2025 年 10 月", "头豹研究院", logo=str(make_png(tmp / "logo.png")))
    return m.Document(meta, "zh_CN", [ch1, ch2], dict(TERMS),
                      front=[m.Paragraph(S("本报告为示例文档。"))])


def headings(doc: m.Document) -> list[str]:
    return [s.heading_text for s in doc.walk_sections()]


def all_text(doc: m.Document) -> str:
    return m.to_json(doc)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pdf")
    doc = make_doc(tmp)
    layout = load_layout(ROOT, "market-report", str(doc.locale))
    faces = faces_for("Noto Sans CJK SC", all_text(doc), tmp)
    out = tmp / "report.pdf"
    pages = write_pdf(doc, layout, faces, out)
    return doc, layout, faces, out, pages, pypdf.PdfReader(out)


def page_texts(reader) -> list[str]:
    return [re.sub(r"\s+", "", p.extract_text() or "") for p in reader.pages]


def test_page_count_is_returned(built):
    *_, out, pages, reader = built
    assert pages == len(reader.pages)
    assert pages > 8  # cover, front, contents, two chapters, a 300-row table


def test_headings_appear_in_order_after_the_contents(built):
    doc, *_, reader = built
    texts = page_texts(reader)
    first_chapter = next(i for i, t in enumerate(texts) if i > 2 and "一、市场背景" in t)
    body = "".join(texts[first_chapter:])
    positions = [body.find(re.sub(r"\s+", "", h)) for h in headings(doc)]
    assert -1 not in positions, positions
    assert positions == sorted(positions)


def test_contents_lists_headings_with_their_page_numbers(built):
    doc, layout, *_, reader = built
    toc_page = next(p for p in reader.pages if (p.extract_text() or "").lstrip().startswith("目录"))
    entries = contents_lines(toc_page.extract_text().splitlines()[1:])
    texts = page_texts(reader)
    listed = [s.heading_text for s in doc.walk_sections() if s.level <= layout.toc_depth]
    assert sorted(entries) == sorted(re.sub(r"\s+", "", h) for h in listed)  # 1.1.1 is below toc_depth
    for title, shown in entries.items():
        # Page numbers are physical (the unprinted cover is page 1): page n is reader.pages[n - 1].
        assert title in texts[shown - 1] and f"第{shown}页" in texts[shown - 1], (title, shown)


def test_outline_mirrors_every_heading(built):
    doc, *_, reader = built

    def flatten(items, depth=0):
        for item in items:
            if isinstance(item, list):
                yield from flatten(item, depth + 1)
            else:
                yield depth, item.title

    entries = list(flatten(reader.outline))
    titles = [t for _, t in entries]
    for h in headings(doc):
        assert h in titles
    depth_of = dict((t, d) for d, t in entries)
    assert (depth_of["一、市场背景"], depth_of["1.1 摘要"], depth_of["1.1.1 定义与分类"]) == (0, 1, 2)
    assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"


def test_every_font_is_embedded_truetype(built):
    *_, reader = built
    seen = set()
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            seen.add(font["/BaseFont"])
            assert "Helvetica" not in font["/BaseFont"]
            # One composite font per face (Identity-H), its glyphs a TrueType program.
            assert font["/Subtype"] == "/Type0" and font["/Encoding"] == "/Identity-H", font["/BaseFont"]
            assert "/ToUnicode" in font, font["/BaseFont"]
            cid = font["/DescendantFonts"][0].get_object()
            assert cid["/Subtype"] == "/CIDFontType2" and cid["/CIDToGIDMap"].get_object().get_data()
            desc = cid.get("/FontDescriptor")
            assert desc is not None and "/FontFile2" in desc.get_object(), font["/BaseFont"]
    assert any("Bold" in name for name in seen) and any("Regular" in name for name in seen)


def test_markup_in_text_prints_literally(built):
    *_, reader = built
    text = "".join(p.extract_text() for p in reader.pages)
    assert ESCAPED in text


def test_no_line_starts_with_closing_punctuation(built):
    *_, reader = built
    closing = set("，。、；：？！）》」』】”")
    lines = [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]
    assert len(lines) > 200
    assert [line for line in lines if line and line[0] in closing] == []


def test_long_table_repeats_its_header(built):
    *_, reader = built
    header = "".join(LONG_HEAD)
    with_header = [t for t in page_texts(reader) if header in t]
    assert len(with_header) >= 2
    assert any("地区300" in t for t in with_header)


def test_footnote_prints_on_the_page_of_its_reference(built):
    *_, reader = built
    texts = page_texts(reader)
    note = "头豹研究院，《2025年中国医疗大模型行业研究报告》。"
    pages = [i for i, t in enumerate(texts) if note in t]
    assert len(pages) == 1
    assert "头豹研究院的数据" in texts[pages[0]]


def test_header_footer_and_metadata(built):
    doc, *_, pages, reader = built
    texts = page_texts(reader)
    assert not re.search(r"第\d+页", texts[0])  # the cover has no folio
    total = pages  # the cover counts, as in the Word file
    assert f"第2页，共{total}页" in texts[1]
    assert f"第{total}页，共{total}页" in texts[-1]
    chapter2 = next(t for t in texts if "二、市场竞争" in t and "2.1十大品牌推荐" in t)
    assert doc.meta.title.replace(" ", "") in chapter2
    assert reader.metadata.title == doc.meta.title
    assert reader.metadata.author == doc.meta.author
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    assert reader.page_labels[:3] == ["1", "2", "3"]  # viewers show the printed folios


def images_on(page) -> int:
    xobjects = page["/Resources"].get("/XObject", {})
    return sum(1 for ref in xobjects.values() if ref.get_object()["/Subtype"] == "/Image")


def test_table_source_and_note_follow_the_table(built):
    *_, reader = built
    text = "".join(page_texts(reader))
    assert "合计10.8亿元100%—数据来源：头豹研究院注：占比按四舍五入计算。" in text


def test_figure_and_logo_are_placed(built):
    *_, reader = built
    texts = page_texts(reader)
    assert images_on(reader.pages[0]) == 1  # the logo on the cover
    figure_page = next(i for i, t in enumerate(texts) if "图1：中国医疗大模型市场规模" in t)
    assert images_on(reader.pages[figure_page]) == 1
    assert "数据来源：头豹研究院" in texts[figure_page]


def test_links_external_and_internal(built):
    *_, reader = built
    uris, internal = [], 0
    for page in reader.pages:
        for annot in page.get("/Annots", []) or []:
            a = annot.get_object()
            action = a.get("/A")
            if action is not None and "/URI" in action:
                uris.append(action["/URI"])
            elif "/Dest" in a or (action is not None and "/D" in action):
                internal += 1
    assert uris == ["https://www.leadleo.com"]  # targets without a scheme print as text
    assert "相对链接与失效锚点按文字输出" in "".join(page_texts(reader))
    assert internal >= 6  # contents entries and their page numbers, the "#background" link


def test_output_is_reproducible(built, tmp_path):
    doc, layout, faces, out, *_ = built
    again = tmp_path / "again.pdf"
    write_pdf(doc, layout, faces, again)
    assert again.read_bytes() == out.read_bytes()


def test_parts_get_divider_pages_and_chapters_under_them(tmp_path):
    layout = load_layout(ROOT, "market-report", "en")
    noted = m.Paragraph([m.Str("Text " * 40), m.NoteRef(1, S("An English footnote.")), m.Str(" more.")])
    chapter = m.Section(S("Market size"), 1, number="1. ", blocks=[noted],
                        children=[m.Section(S("Growth"), 2, number="1.1 ", blocks=[m.Paragraph(S("More."))])])
    part = m.Section(S("Overview"), 1, kind="part", children=[chapter],
                     blocks=[m.Paragraph(S("What this part covers."))])
    doc = m.Document(m.Meta("r", "Report"), "en", [part], {})
    faces = faces_for("Noto Sans CJK SC", all_text(doc), tmp_path)
    out = tmp_path / "parts.pdf"
    pages = write_pdf(doc, layout, faces, out)
    reader = pypdf.PdfReader(out)
    texts = [p.extract_text() for p in reader.pages]
    assert pages == len(texts) == 4  # cover, contents, divider, chapter
    assert "Overview" in texts[2] and "What this part covers." in texts[2]
    assert "1. Market size" in texts[3] and "1. Market size" not in texts[2]
    assert [o.title for o in reader.outline if not isinstance(o, list)] == ["Contents", "Overview"]
    assert "Page 2 of 4" in texts[1]  # English fallbacks for missing terms
    assert "1 An English footnote." in texts[3]


def test_unknown_blocks_and_unreadable_figures_are_reported_where_they_were_written(tmp_path):
    from reportgen.errors import Loc, ReportgenError
    from reportgen.source import Raw, Text

    layout = load_layout(ROOT, "market-report", "en")
    svg = tmp_path / "chart.svg"
    svg.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    where = Loc("content/r/report.yaml", 7, 9)
    for block, words in ((Text("*raw* markdown", loc=where), "the PDF writer cannot render a `Text`"),
                         (m.Paragraph([Raw("*raw*")], loc=where), "the PDF writer cannot render a `Raw`"),
                         (m.Figure(str(svg), loc=where), "is not an image reportgen can read")):
        doc = m.Document(m.Meta("r", "Report"), "en", [m.Section(S("One"), 1, blocks=[block])], {})
        faces = faces_for("Noto Sans CJK SC", all_text(doc), tmp_path)
        with pytest.raises(ReportgenError) as info:
            write_pdf(doc, layout, faces, tmp_path / "x.pdf")
        assert str(info.value).startswith("content/r/report.yaml:7:9: error: ") and words in str(info.value)


def test_charts_are_drawn_from_the_images_given(tmp_path):
    layout = load_layout(ROOT, "market-report", "en")
    chart = m.Chart("bar", caption=m.Caption("Figure", 1, S("Market size")), source=S("Analysis"),
                    note=S("Forecast"), width=0.5)
    doc = m.Document(m.Meta("r", "Report"), "en", [m.Section(S("One"), 1, number="1. ", blocks=[chart])], {})
    faces = faces_for("Noto Sans CJK SC", all_text(doc), tmp_path)
    out = tmp_path / "chart.pdf"
    write_pdf(doc, layout, faces, out, chart_images=[make_png(tmp_path / "c.png")])
    reader = pypdf.PdfReader(out)
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Figure 1: Market size" in text and "Source: Analysis" in text and "Note: Forecast" in text
    assert sum(len(p.images) for p in reader.pages) == 1


def test_writing_leaves_the_document_as_it_was(built, tmp_path):
    """Writers read the model (its sequences may be tuples) and never change it."""
    doc, layout, faces, *_ = built
    before = m.to_json(doc)
    write_pdf(_tuples(doc), layout, faces, tmp_path / "t.pdf")
    write_pdf(doc, layout, faces, tmp_path / "again.pdf")
    assert m.to_json(doc) == before


def _tuples(node):
    """A copy of a model tree with every list a tuple, as the frozen model holds them."""
    import dataclasses

    if isinstance(node, list):
        return tuple(_tuples(x) for x in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        changes = {f.name: _tuples(getattr(node, f.name)) for f in dataclasses.fields(node)
                   if f.name not in ("loc", "meta", "terms")}
        return dataclasses.replace(node, **changes)
    return node


def test_faces_cut_for_other_text_are_not_mixed_up(built, tmp_path):
    """Faces of one family share their PostScript names; each PDF must still use its own files."""
    *_, reader = built  # the fixture's faces are registered first
    layout = load_layout(ROOT, "market-report", "zh_CN")
    rare = "鑫犇龘"  # characters the fixture's faces do not have
    doc = m.Document(m.Meta("r", "报告"), "zh_CN", [m.Section(S(f"{rare}章"), 1, blocks=[m.Paragraph(S(rare))])],
                     dict(TERMS))
    faces = faces_for("Noto Sans CJK SC", all_text(doc), tmp_path)
    out = tmp_path / "rare.pdf"
    write_pdf(doc, layout, faces, out)
    assert rare in "".join(page_texts(pypdf.PdfReader(out)))


def test_an_unreadable_logo_is_a_reportgen_error(tmp_path):
    from reportgen.errors import ReportgenError

    bad = tmp_path / "logo.png"
    bad.write_text("not an image")
    layout = load_layout(ROOT, "market-report", "en")
    doc = m.Document(m.Meta("r", "Report", logo=str(bad)), "en", [m.Section(S("One"), 1)], {})
    faces = faces_for("Noto Sans CJK SC", all_text(doc), tmp_path)
    with pytest.raises(ReportgenError, match="logo .* is not an image reportgen can read"):
        write_pdf(doc, layout, faces, tmp_path / "x.pdf")


def test_a_merged_cell_taller_than_a_page_is_split_across_pages(tmp_path):
    # A rowspan over 80 rows (as `merge: true` makes of a long run of equal values) cannot
    # stand on one page; ReportLab's splitter failed on such a vertically centred span.
    layout = load_layout(ROOT, "market-report", "zh_CN")
    body = [[cell("华东", rowspan=80), cell("0")]] + [[None, cell(str(i))] for i in range(1, 80)]
    table = m.Table(columns=[m.Column(0.3), m.Column()], head=[[cell("地区"), cell("序号")]], body=body)
    doc = m.Document(m.Meta("r", "报告"), "zh_CN", [m.Section(S("一"), 1, blocks=[table])], TERMS)
    faces = faces_for("Noto Sans CJK SC", all_text(doc), tmp_path)
    out = tmp_path / "spans.pdf"
    pages = write_pdf(doc, layout, faces, out)
    texts = [p.extract_text() for p in pypdf.PdfReader(out).pages]
    assert pages >= 5 and "华东" in "".join(texts) and "79" in texts[-1]


def test_a_table_caption_never_stands_alone_above_a_tall_merged_group(tmp_path):
    """A table right under a chapter heading, whose first merged group is a little too tall
    for the rest of the page but not for a page of its own: its rows start under the
    caption (the group split, its label shown again where it goes on), not on the next page
    with the caption left alone on an empty one. Tried at several group heights around a page."""
    layout = load_layout(ROOT, "market-report", "zh_CN")
    for rows in range(30, 46, 3):
        body = [[cell("智慧医疗", rowspan=rows), cell("首行应用场景")]] + \
            [[None, cell(f"应用场景 {i}")] for i in range(1, rows)] + [[cell("其他"), cell("末行")]]
        table = m.Table(columns=[m.Column(0.3), m.Column()], head=[[cell("领域"), cell("场景")]], body=body,
                        caption=m.Caption("表", 1, tuple(S("应用场景一览"))))
        doc = m.Document(m.Meta("r", "报告"), "zh_CN", [m.Section(S("一、场景"), 1, blocks=[table], toc=False)], TERMS)
        faces = faces_for("Noto Sans CJK SC", all_text(doc), tmp_path)
        out = tmp_path / f"caption-{rows}.pdf"
        write_pdf(doc, layout, faces, out)
        texts = [p.extract_text() or "" for p in pypdf.PdfReader(out).pages]
        for text in texts:
            if "应用场景一览" in text:
                assert "首行应用场景" in text, (rows, text[:200])
        # A group continued on the next page shows its label there again.
        continued = [t for t in texts if "续表 1" in t and "应用场景" in t.replace("续表", "")]
        for text in continued:
            if re.search(r"应用场景 \d", text) and "其他" not in text.split("应用场景", 1)[0]:
                assert "智慧医疗" in text, (rows, text[:200])


# ------------------------------------------------------------ filled pages


def write_with(tmp_path: Path, doc: m.Document, name: str = "x", **layout_changes):
    layout = dataclasses.replace(load_layout(ROOT, "market-report", str(doc.locale)), **layout_changes)
    faces = faces_for("Noto Sans CJK SC", all_text(doc), tmp_path)
    out = tmp_path / f"{name}.pdf"
    write_pdf(doc, layout, faces, out)
    return pypdf.PdfReader(out)


def lines_chapter(n: int, title: str, count: int, word: str, **kw) -> m.Section:
    """A chapter of `count` one-line paragraphs `<word> i.` (no contents page: it would list the titles)."""
    return m.Section(S(title), 1, number=f"{n}. ", blocks=[m.Paragraph(S(f"{word} {i}.")) for i in range(count)],
                     toc=False, **kw)


def page_of(texts: list[str], needle: str) -> int:
    return next(i for i, t in enumerate(texts) if needle in t)


def test_chapter_break_page_auto_none(tmp_path):
    doc = m.Document(m.Meta("r", "Report"), "en", [lines_chapter(1, "Alpha", 3, "Apple"),
                                                   lines_chapter(2, "Beta", 3, "Berry"),
                                                   lines_chapter(3, "Gamma", 3, "Grape", page_break=True)], {})
    for mode, same in (("page", False), ("auto", True), ("none", True)):
        texts = [p.extract_text() for p in write_with(tmp_path, doc, mode, chapter_break=mode).pages]
        # Short chapters run on under `auto` and `none`...
        assert (page_of(texts, "1. Alpha") == page_of(texts, "2. Beta")) is same, mode
        # ...and a section asking for a page break still gets one.
        assert page_of(texts, "3. Gamma") == page_of(texts, "2. Beta") + 1, mode
        assert "Grape 0." in texts[page_of(texts, "3. Gamma")]


def test_auto_starts_a_chapter_on_a_new_page_only_when_little_is_left(tmp_path):
    # About 70% of the page used by the first chapter: 30% is left.
    doc = m.Document(m.Meta("r", "Report"), "en", [lines_chapter(1, "Alpha", 20, "Apple"),
                                                   lines_chapter(2, "Beta", 3, "Berry")], {})
    texts = [p.extract_text() for p in write_with(tmp_path, doc, "a", chapter_break="auto").pages]
    assert page_of(texts, "2. Beta") == page_of(texts, "1. Alpha") + 1
    texts = [p.extract_text() for p in write_with(tmp_path, doc, "b", chapter_break="auto",
                                                  chapter_break_min_space=0.2).pages]
    assert page_of(texts, "2. Beta") == page_of(texts, "1. Alpha")


@pytest.mark.parametrize("count", [29, 30, 31, 32, 33])
def test_no_page_carries_three_lines_or_fewer_of_a_chapter_tail(tmp_path, count):
    # One-line paragraphs: somewhere in this range a page holds 29 or 30 of them and the
    # rest would have been a tail of one, two or three lines before the next chapter.
    doc = m.Document(m.Meta("r", "Report"), "en", [lines_chapter(1, "Alpha", count, "Apple"),
                                                   lines_chapter(2, "Beta", 3, "Berry")], {})
    texts = [p.extract_text() for p in write_with(tmp_path, doc, chapter_break="page").pages]
    first, beta = page_of(texts, "1. Alpha"), page_of(texts, "2. Beta")
    tail = texts[beta - 1].count("Apple")
    assert beta == first + 1 or tail > 3, (count, [t.count("Apple") for t in texts])
    assert texts[first].count("Apple") >= 20  # the page lines came from stays well filled
    assert sum(t.count("Apple") for t in texts) == count  # nothing lost or doubled


def test_text_fills_the_page_before_a_figure_that_does_not_fit(tmp_path):
    png = str(make_png(tmp_path / "f.png"))
    blocks = [m.Paragraph(S(f"Apple {i}.")) for i in range(22)]
    blocks.append(m.Figure(png, m.Caption("Figure", 1, S("Market size"))))
    blocks += [m.Paragraph(S(f"Follower {i}.")) for i in range(4)]
    chapter = m.Section(S("Alpha"), 1, number="1. ", blocks=blocks, toc=False,
                        children=[m.Section(S("Next"), 2, number="1.1 ", blocks=[m.Paragraph(S("After."))],
                                            toc=False)])
    doc = m.Document(m.Meta("r", "Report"), "en", [chapter], {})
    reader = write_with(tmp_path, doc)
    texts = [p.extract_text() for p in reader.pages]
    figure = page_of(texts, "Figure 1: Market size")
    # The paragraphs after the figure fill the page it could not fit on...
    assert "Follower 0." in texts[figure - 1] and "Apple 21." in texts[figure - 1]
    assert len(reader.pages[figure - 1].images) == 0 and len(reader.pages[figure].images) == 1
    # ...the figure opens the next page with its caption, and the text keeps its order.
    order = "".join(texts)
    assert [order.index(f"Follower {i}.") for i in range(4)] == sorted(order.index(f"Follower {i}.") for i in range(4))
    assert order.index("1.1 Next") > max(order.index(f"Follower {i}.") for i in range(4))
    assert order.index("1.1 Next") > order.index("Figure 1: Market size")


def test_a_table_continued_on_the_next_page_repeats_its_header_under_a_continued_caption(built):
    *_, reader = built
    texts = page_texts(reader)
    header = "".join(LONG_HEAD)
    first = page_of(texts, "表2：各地区销售额明细")
    later = [i for i, t in enumerate(texts) if header in t and i > first]
    assert later and all(texts[i].index("续表2") < texts[i].index(header) for i in later)
    assert "续表2" not in texts[first]


def test_a_short_table_split_by_rows_gets_a_continued_caption(tmp_path):
    rows = [[cell(f"Row {i}"), cell(f"{i}")] for i in range(60)]
    table = m.Table([m.Column(), m.Column()], head=[[cell("Name"), cell("Value")]], body=rows,
                    caption=m.Caption("Table", 4, S("Sales")))
    chapter = m.Section(S("Alpha"), 1, number="1. ", blocks=[m.Paragraph(S("Intro."))] * 8 + [table], toc=False)
    texts = [p.extract_text() for p in write_with(tmp_path, m.Document(m.Meta("r", "R"), "en", [chapter], {})).pages]
    start = page_of(texts, "Table 4: Sales")
    assert "Row 59" not in texts[start] and "Table 4 (continued)" not in texts[start]
    rest = page_of(texts, "Row 59")
    assert "Table 4 (continued)" in texts[rest] and "Name" in texts[rest]


def test_a_draft_edition_is_marked_on_every_page(tmp_path):
    chapter = lines_chapter(1, "Alpha", 40, "Apple")
    terms = {"draft": "DRAFT", "draft_notice": "Draft edition: not for distribution"}
    draft = m.Document(m.Meta("r", "Report", draft=True), "en", [chapter], terms)
    texts = [p.extract_text() for p in write_with(tmp_path, draft, "draft").pages]
    assert all("DRAFT" in t for t in texts)
    assert "Draft edition: not for distribution" in texts[0]
    final = m.Document(m.Meta("r", "Report"), "en", [chapter], terms)
    assert not any("DRAFT" in p.extract_text() for p in write_with(tmp_path, final, "final").pages)


def test_cover_publisher_report_code_and_closing_page(tmp_path):
    meta = m.Meta("r", "Report", date="2025", publisher="Pub House", report_code="1984023")
    closing = (m.ClosingPart("disclaimer", "Disclaimer", (m.Paragraph(S("May differ from the latest version.")),)),
               m.ClosingPart("contact", "Contact", (m.Paragraph(S("Write to us.")),)))
    doc = m.Document(meta, "en", [lines_chapter(1, "Alpha", 3, "Apple")], {}, closing=closing)
    texts = [p.extract_text() for p in write_with(tmp_path, doc).pages]
    assert "Pub House" in texts[0] and "Report code: 1984023" in texts[0] and "2025" in texts[0]
    last = texts[-1]
    assert "Disclaimer" in last and "May differ from the latest version." in last and "Write to us." in last
    assert "Apple 2." in texts[-2] and "Apple" not in last  # a page of its own
# ---------------------------------------------------------------- the line engine, read back


def _small_pdf(tmp: Path, blocks: list, locale: str = "zh_CN", terms=None):
    """A one-chapter document of `blocks`: (path, layout)."""
    chapter = m.Section(S("正文" if locale.startswith("zh") else "Text"), 1, number="1 ", blocks=blocks)
    meta = m.Meta("t", "标题" if locale.startswith("zh") else "Title", "", "", "", "")
    doc = m.Document(meta, locale, [chapter], dict(terms or TERMS))
    layout = load_layout(ROOT, "market-report", locale)
    faces = faces_for("Noto Sans CJK SC", all_text(doc), tmp, latin=not locale.startswith("zh"))
    out = tmp / f"{locale}.pdf"
    write_pdf(doc, layout, faces, out)
    return out, layout


def _lines(path: Path, size: float):
    """Body lines (glyphs of `size` points) as lists of pdfplumber chars, page by page."""
    pdfplumber = pytest.importorskip("pdfplumber")
    out = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            rows: dict = {}
            for ch in page.chars:
                if abs(ch["size"] - size) < 0.01 and ch["text"].strip():
                    rows.setdefault(round(ch["top"]), []).append(ch)
            out += [sorted(r, key=lambda c: c["x0"]) for _, r in sorted(rows.items())]
    return out


ZH_BODY = ("生物医学领域的人工智慧格局正在经历数次变革性转变（详见附录）、这些转变正在重新调整整个价值链上各组织的策略重点。"
           "首先，模型的可解释性和可说明性已从学术目标提升到实际操作层面，“《白皮书》”指出，这主要源于监管机构和临床医生"
           "对透明决策支持的需求，以增强对AI算法输出的信任。总体拥有成本 (TCO) 与 2025 年的采购蓝图随之改变。")


def test_chinese_lines_end_at_the_right_edge_with_compressed_punctuation(tmp_path):
    # Over 256 different characters, so that lines switch between font subsets as real reports do.
    many = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 3 * 400, 3))
    blocks = [m.Paragraph(S(ZH_BODY * 2)) for _ in range(4)] + [m.Paragraph(S(many + ZH_BODY))]
    out, lay = _small_pdf(tmp_path, blocks)
    right = lay.margin_left + lay.text_width
    body = lay.sizes["body"]
    lines = _lines(out, body)
    assert len(lines) > 20
    ragged = [ln for ln in lines if right - 1.5 * body < ln[-1]["x1"] < right - 0.5]
    exact = [ln for ln in lines if abs(ln[-1]["x1"] - right) <= 0.5 or
             # a line-end mark compressed to half width ends its glyph box past the edge
             (ln[-1]["text"] in "。，、）”" and abs(ln[-1]["x0"] + body / 2 - right) <= 0.5)]
    assert not ragged, ["".join(c["text"] for c in ln) for ln in ragged]
    assert len(exact) >= 20
    # Nothing is set past the right edge (no mark hangs into the margin by default).
    assert all(c["x0"] < right - 0.1 for ln in lines for c in ln)
    # Adjacent full-width marks take one and a half em, not two.
    for ln in lines:
        for a, b, c in zip(ln, ln[1:], ln[2:]):
            if a["text"] + b["text"] in ("）、", "”指", "“《", "》”"):
                assert c["x0"] - a["x0"] <= 2.5 * body + 0.5


def test_a_quarter_em_separates_han_and_latin_in_the_pdf(tmp_path):
    out, lay = _small_pdf(tmp_path, [m.Paragraph(S("采用AI技术与采用 AI 技术"))])
    body = lay.sizes["body"]
    (line,) = [ln for ln in _lines(out, body) if ln[0]["text"] == "采"]
    xs = {}
    for c in line:
        xs.setdefault(c["text"], []).append(c)
    for k in range(2):
        yong, a, i, ji = xs["用"][k], xs["A"][k], xs["I"][k], xs["技"][k]
        assert a["x0"] - yong["x1"] == pytest.approx(body / 4, abs=0.05 * body)
        assert ji["x0"] - i["x1"] == pytest.approx(body / 4, abs=0.05 * body)


EN_BODY = ("Artificial intelligence is transforming biomedical research and clinical practice at an "
           "astonishing pace, so a clear strategic direction is essential for leaders of healthcare "
           "organisations. Advances in algorithmic capability, computing architecture and data integration "
           "have brought technologies once confined to experimental settings into regulated clinical "
           "environments, changing how diagnoses are established and treatments discovered. ")


def test_english_is_hyphenated_and_justified_without_wide_spaces(tmp_path):
    out, lay = _small_pdf(tmp_path, [m.Paragraph(S(EN_BODY * 3)) for _ in range(3)], locale="en",
                          terms={**TERMS, "contents": "Contents", "page_of": "Page {page} of {pages}"})
    body = lay.sizes["body"]
    right = lay.margin_left + lay.text_width
    lines = [ln for ln in _lines(out, body) if "...." not in "".join(c["text"] for c in ln)]  # not contents
    text = ["".join(c["text"] for c in ln) for ln in lines]
    assert any(t.endswith("-") for t in text)  # hyphenation is used
    full = [ln for ln in lines if abs(ln[-1]["x1"] - right) <= 0.5]
    assert len(full) >= 0.7 * len(lines)
    for ln in full:
        words = [b["x0"] - a["x1"] for a, b in zip(ln, ln[1:]) if b["x0"] - a["x1"] > 0.12 * body]
        # A word space is about a quarter em: none more than twice that.
        assert max(words) <= 2 * 0.26 * body + 0.2, "".join(c["text"] for c in ln)


def test_every_kind_of_text_is_drawn_through_one_function_that_knows_its_role(tmp_path, monkeypatch):
    from reportgen.writers import pdf_text

    roles = []
    real = pdf_text.draw_text

    def spy(canv, role, *args, **kwargs):
        roles.append(role)
        return real(canv, role, *args, **kwargs)

    monkeypatch.setattr(pdf_text, "draw_text", spy)
    doc = make_doc(tmp_path, long_rows=5)
    layout = load_layout(ROOT, "market-report", str(doc.locale))
    write_pdf(doc, layout, faces_for("Noto Sans CJK SC", all_text(doc), tmp_path), tmp_path / "r.pdf")
    assert set(pdf_text.ROLES) <= set(roles)


def test_reportlabs_url_pattern_is_compiled_only_when_used():
    """The PDF writer imports ReportLab without compiling its (unused) URI pattern; the
    pattern still works the first time ReportLab asks for it."""
    import subprocess
    import sys

    script = ("import reportgen.writers.pdf\n"
              "from reportlab.platypus import paragraph\n"
              "print(type(paragraph.uri_pat).__name__)\n"
              "print(paragraph._uri_split_pairs('https://example.com/a/b') is not None)\n"
              "print(paragraph._uri_split_pairs('not a url') is None)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["_CompiledOnFirstUse", "True", "True"]


@pytest.mark.parametrize("count", [29, 31])
def test_the_heading_pages_are_given_once_laid_out_before_the_file_is_written(tmp_path, monkeypatch, count):
    """The Word file beside waits for the PDF's heading pages: they come as soon as the last
    layout pass is done, before that pass writes the file, once, and are the pages of the
    finished file (a chapter tail pushes one more pass at one of these counts)."""
    from reportlab.pdfgen.canvas import Canvas

    events = []
    real = Canvas.save
    monkeypatch.setattr(Canvas, "save", lambda self: (real(self), events.append("written")))
    doc = m.Document(m.Meta("r", "Report"), "en", [lines_chapter(1, "Alpha", count, "Apple"),
                                                   lines_chapter(2, "Beta", 3, "Berry")], {})
    layout = dataclasses.replace(load_layout(ROOT, "market-report", "en"), chapter_break="page")
    faces = faces_for("Noto Sans CJK SC", all_text(doc), tmp_path)
    out = tmp_path / "x.pdf"
    given, written = [], {}
    write_pdf(doc, layout, faces, out, pages_out=written, on_pages=lambda pages: (given.append(dict(pages)),
                                                                                   events.append("pages")))
    assert given == [written] and events[-2:] == ["pages", "written"]
    texts = [p.extract_text() for p in pypdf.PdfReader(out).pages]
    assert sorted(written.values()) == [page_of(texts, "1. Alpha") + 1, page_of(texts, "2. Beta") + 1]
