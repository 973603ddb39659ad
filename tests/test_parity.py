"""One document written to PDF and to Word: what both must show alike, read back from each file.

Column widths (the PDF's table columns, Word's gridCol and tcW), list labels, caption /
source / note lines, heading numbers, the outline and contents nesting (chapters under
parts), and the size of every image and chart.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")

from reportgen import model as m  # noqa: E402
from reportgen.fonts import faces_for  # noqa: E402
from reportgen.layout import load_layout  # noqa: E402
from reportgen.writers import pdf as pdf_writer  # noqa: E402
from reportgen.writers.docx import write_docx  # noqa: E402
from reportgen.writers.pdf import write_pdf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
EMU = 12700
WORDS = {
    "zh_CN": {"contents": "目录", "figure": "图", "table": "表", "source": "数据来源：", "note": "注：",
              "page_of": "第 {page} 页，共 {pages} 页"},
    "en": {"contents": "Contents", "figure": "Figure", "table": "Table", "source": "Source: ", "note": "Note: ",
           "page_of": "Page {page} of {pages}"},
}


def S(text):
    return [m.Str(text)]


def png(path: Path, size=(900, 500)) -> str:
    from PIL import Image

    Image.new("RGB", size, (31, 78, 121)).save(path)
    return str(path)


def make_doc(tmp: Path, locale: str) -> m.Document:
    words = WORDS[locale]
    c = lambda t: m.Cell(S(t))  # noqa: E731
    table = m.Table(
        columns=[m.Column(0.5), m.Column(0.45), m.Column(None, "right"), m.Column(None, "right")],
        head=[[c("Segment"), c("Description"), c("2024"), c("2025")]],
        body=[[c("Imaging"), c("Reading of scans and slides"), c("12.5"), c("14.1")],
              [c("Drug discovery"), c("Target finding"), c("8.2"), c("9.6")]],
        caption=m.Caption(words["table"], 1, S("Market by segment")),
        source=S("Company filings"), note=S("Rounded"),
    )
    auto = m.Table(
        columns=[m.Column(0.2), m.Column(None), m.Column(None, "right")],
        head=[[c("No."), c("Brand"), c("Share")]],
        body=[[c("1"), c("A brand with a rather long descriptive name"), c("31.0%")],
              [c("2"), c("Short"), c("7.5%")]],
        caption=m.Caption(words["table"], 2, S("Brands")),
    )
    lists = m.ListBlock([
        [m.Paragraph(S("alpha")),
         m.ListBlock([[m.Paragraph(S("beta")),
                       m.ListBlock([[m.Paragraph(S("gamma"))], [m.Paragraph(S("delta"))]], ordered=True)],
                      [m.Paragraph(S("epsilon"))]], ordered=True)],
        [m.Paragraph(S("zeta"))],
    ], ordered=True, start=3)
    bullets = m.ListBlock([[m.Paragraph(S("eta")), m.ListBlock([[m.Paragraph(S("theta"))]])]])
    figure = m.Figure(png(tmp / "figure.png", (800, 600)), m.Caption(words["figure"], 1, S("Value chain")),
                      S("Desk research"), width=0.6)
    chart = m.Chart("bar", caption=m.Caption(words["figure"], 2, S("Market size")), source=S("Analysis"),
                    note=S("2025 forecast"), width=0.9, height=0.5)
    chapter = m.Section(S("Market"), 1, number="1. ", anchor="market", blocks=[m.Paragraph(S("Intro."))],
                        children=[m.Section(S("Size"), 2, number="1.1 ", blocks=[table, lists, bullets]),
                                  m.Section(S("Brands"), 2, number="1.2 ", blocks=[auto, figure, chart])])
    second = m.Section(S("Outlook"), 1, number="2. ", blocks=[m.Paragraph(S("Ahead."))],
                       children=[m.Section(S("Risks"), 2, number="2.1 ", blocks=[m.Paragraph(S("Some."))])])
    part = m.Section(S("Overview"), 1, kind="part", anchor="overview", children=[chapter, second],
                     blocks=[m.Paragraph(S("This part."))])
    credits = m.Section(S("Credits"), 1, numbered=False, blocks=[m.Paragraph(S("Thanks."))])
    logo = png(tmp / "logo.png", (600, 150))
    return m.Document(m.Meta("parity", "Parity report", logo=logo), locale, [part, credits], dict(words))


@pytest.fixture(scope="module", params=["zh_CN", "en"])
def both(request, tmp_path_factory):
    locale = request.param
    tmp = tmp_path_factory.mktemp(f"parity-{locale}")
    doc = make_doc(tmp, locale)
    charts = [png(tmp / "chart.png", (1100, 550))]
    layout = load_layout(ROOT, "market-report", locale)
    faces = faces_for("Noto Sans CJK SC", m.to_json(doc), tmp)
    pdf_widths = []
    original = pdf_writer.NotedTable.__init__

    def record(self, data, colWidths=None, *args, **kwargs):
        if len(colWidths or ()) > 1:  # data tables (boxes are one column)
            pdf_widths.append(list(colWidths))
        original(self, data, colWidths, *args, **kwargs)

    pdf_writer.NotedTable.__init__ = record
    try:
        write_pdf(doc, layout, faces, tmp / "r.pdf", chart_images=charts)
    finally:
        pdf_writer.NotedTable.__init__ = original
    write_docx(doc, layout, tmp / "r.docx", chart_images=charts)
    return doc, tmp / "r.pdf", tmp / "r.docx", pdf_widths


def docx_xml(path: Path, name: str):
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(name))


def paragraphs(root) -> list:
    return list(root.iter(f"{W}p"))


def ptext(p) -> str:
    return "".join(t.text or "" for t in p.iter(f"{W}t", f"{W}instrText") if t.tag == f"{W}t")


def style_of(p) -> str:
    node = p.find(f"{W}pPr/{W}pStyle")
    return node.get(f"{W}val") if node is not None else ""


def squeeze(s: str) -> str:
    return re.sub(r"\s+", "", s)


def pdf_text(path: Path) -> str:
    return "".join(squeeze(page.extract_text() or "") for page in pypdf.PdfReader(path).pages)


def test_column_widths_agree(both):
    _, _, docx_path, pdf_widths = both
    root = docx_xml(docx_path, "word/document.xml")
    data_tables = [t for t in root.iter(f"{W}tbl") if len(t.findall(f"{W}tblGrid/{W}gridCol")) > 1]
    assert len(pdf_widths) == len(data_tables) == 2
    for pdf_cols, tbl in zip(pdf_widths, data_tables):
        grid = [int(g.get(f"{W}w")) / 20 for g in tbl.findall(f"{W}tblGrid/{W}gridCol")]
        cells = [int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w")) / 20 for tc in tbl.find(f"{W}tr").findall(f"{W}tc")]
        assert grid == cells
        assert grid == pytest.approx(pdf_cols, abs=0.06)  # a twip of rounding
    # Given shares come first, automatic columns take the rest by content, none below a minimum.
    first = pdf_widths[0]
    assert first[0] / first[1] == pytest.approx(0.5 / 0.45)
    assert min(first[2:]) >= 2 * 9  # two characters of table text at least
    brands = pdf_widths[1]
    assert brands[1] > brands[2]  # the column with more text gets more room


def numbering_labels(docx_path: Path) -> list[str]:
    """The label Word shows for each numbered paragraph, computed from numbering.xml."""
    numbering = docx_xml(docx_path, "word/numbering.xml")
    abstract = {a.get(f"{W}abstractNumId"): a for a in numbering.iter(f"{W}abstractNum")}
    nums = {n.get(f"{W}numId"): abstract[n.find(f"{W}abstractNumId").get(f"{W}val")]
            for n in numbering.iter(f"{W}num")}
    counters: dict[tuple, int] = {}
    out = []
    for p in paragraphs(docx_xml(docx_path, "word/document.xml")):
        numpr = p.find(f"{W}pPr/{W}numPr")
        if numpr is None:
            continue
        num, ilvl = numpr.find(f"{W}numId").get(f"{W}val"), numpr.find(f"{W}ilvl").get(f"{W}val")
        lvl = next(x for x in nums[num].findall(f"{W}lvl") if x.get(f"{W}ilvl") == ilvl)
        fmt, text = lvl.find(f"{W}numFmt").get(f"{W}val"), lvl.find(f"{W}lvlText").get(f"{W}val")
        start = int(lvl.find(f"{W}start").get(f"{W}val"))
        n = counters[(num, ilvl)] = counters.get((num, ilvl), start - 1) + 1
        shown = {"decimal": str(n), "lowerLetter": "abcdefghijklmnopqrstuvwxyz"[n - 1],
                 "lowerRoman": ["i", "ii", "iii", "iv", "v"][n - 1]}.get(fmt, "")
        out.append((text if fmt == "bullet" else re.sub(r"%\d", shown, text)) + ptext(p))
    return out


def test_list_labels_agree(both):
    doc, pdf_path, docx_path, _ = both
    word = numbering_labels(docx_path)
    paren = ("（", "）") if str(doc.locale) == "zh_CN" else ("(", ")")
    assert word == ["3.alpha", f"{paren[0]}1{paren[1]}beta", "a)gamma", "b)delta", f"{paren[0]}2{paren[1]}epsilon",
                    "4.zeta", "●eta", "○theta"]
    text = pdf_text(pdf_path)
    pos = 0
    for label in word:  # the same labels, in the same order, in the PDF
        found = text.find(label, pos)
        assert found >= 0, label
        pos = found


def test_caption_source_and_note_lines_agree(both):
    doc, pdf_path, docx_path, _ = both
    zh = str(doc.locale) == "zh_CN"
    root = docx_xml(docx_path, "word/document.xml")
    captions = [ptext(p) for p in paragraphs(root) if style_of(p) == "Caption"]
    sources = [ptext(p) for p in paragraphs(root) if style_of(p) == "SourceNote"]
    if zh:
        assert captions == ["表 1：Market by segment", "表 2：Brands", "图 1：Value chain",
                            "图 2：Market size"]
        assert sources == ["数据来源：Company filings", "注：Rounded", "数据来源：Desk research",
                           "数据来源：Analysis", "注：2025 forecast"]
    else:
        assert captions == ["Table 1: Market by segment", "Table 2: Brands", "Figure 1: Value chain",
                            "Figure 2: Market size"]
        assert sources == ["Source: Company filings", "Note: Rounded", "Source: Desk research",
                           "Source: Analysis", "Note: 2025 forecast"]
    text = pdf_text(pdf_path)
    for line in captions + sources:
        assert squeeze(line) in text


def pdf_outline(reader) -> list[tuple[int, str]]:
    out = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title))

    walk(reader.outline, 0)
    return out


def test_outline_and_contents_nest_chapters_under_parts(both):
    _, pdf_path, docx_path, _ = both
    outline = [(d, t) for d, t in pdf_outline(pypdf.PdfReader(pdf_path)) if t not in ("Contents", "目录")]
    assert outline == [(0, "Overview"), (1, "1. Market"), (2, "1.1 Size"), (2, "1.2 Brands"), (1, "2. Outlook"),
                       (2, "2.1 Risks"), (0, "Credits")]
    styles = docx_xml(docx_path, "word/styles.xml")
    level_of = {}
    for st in styles.iter(f"{W}style"):
        lvl = st.find(f"{W}pPr/{W}outlineLvl")
        if lvl is not None:
            level_of[st.get(f"{W}styleId")] = int(lvl.get(f"{W}val"))
    root = docx_xml(docx_path, "word/document.xml")
    headings = [(level_of[style_of(p)], ptext(p)) for p in paragraphs(root)
                if style_of(p) in level_of and level_of[style_of(p)] < 9]
    assert headings == outline  # Word's navigation pane nests as the PDF outline does
    toc = [(int(style_of(p)[3:]) - 1, ptext(p)) for p in paragraphs(root) if re.fullmatch(r"TOC\d", style_of(p))]
    assert toc == outline  # toc_depth 2: chapters and their sections, under their part


def pdf_image_sizes(path: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every image drawn in the PDF, in page order."""
    from pypdf.generic import ContentStream

    reader = pypdf.PdfReader(path)
    sizes = []
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject", {})
        matrix = None
        for operands, op in ContentStream(page.get_contents(), reader).operations:
            if op == b"cm":
                matrix = [float(v) for v in operands]
            elif op == b"Do" and xobjects[operands[0]].get_object()["/Subtype"] == "/Image":
                sizes.append((matrix[0], matrix[3]))
    return sizes


def test_image_sizes_agree(both):
    doc, pdf_path, docx_path, _ = both
    root = docx_xml(docx_path, "word/document.xml")
    wp = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
    word = [(int(e.get("cx")) / EMU, int(e.get("cy")) / EMU) for e in root.iter(f"{wp}extent")]
    pdf = pdf_image_sizes(pdf_path)
    assert len(word) == len(pdf) == 3  # the cover logo, the figure and the chart
    for (ww, wh), (pw, ph) in zip(word, pdf):
        assert ww == pytest.approx(pw, abs=0.05) and wh == pytest.approx(ph, abs=0.05)
    assert pdf[0] == pytest.approx((180, 45), abs=0.05)  # the logo fits 180 x 56 pt
    pdf = pdf[1:]
    layout = load_layout(ROOT, "market-report", str(doc.locale))  # English sets a narrower block
    assert pdf[0][0] == pytest.approx(layout.text_width * 0.6, abs=0.05)
    assert pdf[1][0] == pytest.approx(layout.text_width * 0.9, abs=0.05)
    assert pdf[1][1] == pytest.approx(pdf[1][0] * 550 / 1100, abs=0.05)  # the chart keeps its proportions


def pdf_fragments(path: Path) -> list[tuple[float, str]]:
    """(x from the page's left edge, text) of every piece of text the PDF draws, in order."""
    out = []
    for page in pypdf.PdfReader(path).pages:
        def visit(text, cm, tm, font, size):
            if text.strip():
                out.append((tm[4] * cm[0] + cm[4], text.strip()))

        page.extract_text(visitor_text=visit)
    return out


def test_list_labels_and_item_text_start_at_the_same_places(both):
    doc, pdf_path, docx_path, _ = both
    layout = load_layout(ROOT, "market-report", str(doc.locale))
    numbering = docx_xml(docx_path, "word/numbering.xml")
    abstract = {a.get(f"{W}abstractNumId"): a for a in numbering.iter(f"{W}abstractNum")}
    nums = {n.get(f"{W}numId"): abstract[n.find(f"{W}abstractNumId").get(f"{W}val")]
            for n in numbering.iter(f"{W}num")}
    word = {}
    for p in paragraphs(docx_xml(docx_path, "word/document.xml")):
        numpr = p.find(f"{W}pPr/{W}numPr")
        if numpr is not None:
            lvl = nums[numpr.find(f"{W}numId").get(f"{W}val")].find(f"{W}lvl/{W}pPr/{W}ind")
            left, hanging = int(lvl.get(f"{W}left")) / 20, int(lvl.get(f"{W}hanging")) / 20
            word[ptext(p)] = (left - hanging, left)
    fragments = pdf_fragments(pdf_path)
    for i, (x, text) in enumerate(fragments):
        if text in word:
            label_x = fragments[i - 1][0] - layout.margin_left  # the label is drawn just before
            assert (label_x, x - layout.margin_left) == pytest.approx(word[text], abs=0.1), text
            del word[text]
    assert not word  # every item was found in the PDF


def field_text(root, values: dict) -> str:
    """The text of a header or footer with each field shown as `values` give it (PAGE, NUMPAGES...)."""
    out, in_field, instr = [], False, ""
    for node in root.iter(f"{W}t", f"{W}instrText", f"{W}fldChar", f"{W}tab"):
        if node.tag == f"{W}fldChar":
            kind = node.get(f"{W}fldCharType")
            if kind == "begin":
                in_field, instr = True, ""
            elif kind == "end":
                in_field = False
                out.append(values.get(instr.split()[0], ""))
        elif node.tag == f"{W}instrText":
            instr += node.text or ""
        elif node.tag == f"{W}tab":
            out.append(" ")
        elif not in_field:
            out.append(node.text or "")
    return "".join(out)


def test_footer_reads_the_same(both):
    _, pdf_path, docx_path, _ = both
    reader = pypdf.PdfReader(pdf_path)
    pages = len(reader.pages)
    with zipfile.ZipFile(docx_path) as z:
        footers = [n for n in z.namelist() if re.fullmatch(r"word/footer\d+\.xml", n)]
    texts = {squeeze(field_text(docx_xml(docx_path, n), {"PAGE": "2", "NUMPAGES": str(pages)})) for n in footers}
    texts.discard("")  # the cover's empty footer
    assert len(texts) == 1
    footer = texts.pop()
    assert footer in ("第2页，共{}页".format(pages), "Page2of{}".format(pages))
    assert footer in squeeze(reader.pages[1].extract_text())
