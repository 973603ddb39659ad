"""The Word file of an edition read back against its PDF: the contents' page numbers, line
spacing, tables that break well, a clean style sheet and font table, embedded faces and the
document properties. Written as a build writes them: the PDF first, its heading pages and
font faces handed to the Word writer."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from lxml import etree

pypdf = pytest.importorskip("pypdf")

from reportgen import model as m  # noqa: E402
from reportgen import workers  # noqa: E402
from reportgen.fonts import faces_for  # noqa: E402
from reportgen.layout import load_layout  # noqa: E402
from reportgen.present import present  # noqa: E402
from reportgen.writers import pdf as pdf_writer  # noqa: E402
from reportgen.writers.docx import write_docx  # noqa: E402
from reportgen.writers.docx_fonts import obfuscate  # noqa: E402
from reportgen.writers.pdf import write_pdf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
WORDS = {
    "zh_CN": {"contents": "目录", "figure": "图", "table": "表", "source": "数据来源：", "note": "注：",
              "page_of": "第 {page} 页，共 {pages} 页"},
    "en": {"contents": "Contents", "figure": "Figure", "table": "Table", "source": "Source: ", "note": "Note: ",
           "page_of": "Page {page} of {pages}"},
}
TEXT = {
    "zh_CN": "医疗大模型正在加速落地，多模态能力持续提升，头部企业占据六成份额，基层医疗机构的渗透率仍然较低。",
    "en": "Medical language models are moving into practice as multimodal abilities improve; leading firms "
          "hold most of the market while primary care adoption is still low.",
}


def S(text):
    return [m.Str(text)]


def make_doc(locale: str, author: str = "") -> m.Document:
    """Chapters of uneven length (headings land on many different pages), a table whose
    merged groups of three and two rows must not break, and a heading kept out of the contents."""
    words, text = WORDS[locale], TEXT[locale]
    c = lambda t, **kw: m.Cell(S(t), **kw)  # noqa: E731
    body = []
    for i, region in enumerate(["East", "South", "North"]):
        span = 3 if i != 1 else 2
        body.append([c(region, rowspan=span), c(f"{region} A"), c(f"{10 + i}.5")])
        body += [[None, c(f"{region} {chr(66 + k)}"), c(f"{k}.1")] for k in range(span - 1)]
    body += [[c(f"Other {k}"), c("-"), c(f"{k}.0")] for k in range(30)]
    table = m.Table(columns=[m.Column(0.3), m.Column(None), m.Column(None, "right")],
                    head=[[c("Region"), c("Segment"), c("Size")]], body=body,
                    caption=m.Caption(words["table"], 1, S("Market by region")), source=S("Filings"))
    chapters = []
    for n in range(1, 6):
        paras = [m.Paragraph(S(text * (2 + n % 3))) for _ in range(3 + 4 * (n % 2))]
        children = [m.Section(S(f"Part {n}.{k}"), 2, number=f"{n}.{k} ", blocks=paras[: 2 + k])
                    for k in range(1, 3)]
        if n == 2:
            children[0] = m.Section(S("Regions"), 2, number="2.1 ", blocks=[paras[0], table, *paras[1:]])
        if n == 3:
            children[0] = m.Section(S("Voices"), 2, number="3.1 ", blocks=[
                m.Paragraph([m.Str(text), m.NoteRef(1, S("Survey of 2025."))]),
                m.Quote([m.Paragraph(S(text))]), m.Callout([m.Paragraph(S(text))], title=S("Key point")),
                *paras[1:]])
        if n == 4:
            children.append(m.Section(S("Unlisted"), 2, number="4.3 ", toc=False, blocks=paras[:1]))
        chapters.append(m.Section(S(f"Chapter {n}"), 1, number=f"{n}. ", anchor=f"ch{n}",
                                  blocks=paras[:2], children=children))
    meta = m.Meta("word-pages", "Word pages report", subtitle="As the PDF", author=author)
    return m.Document(meta, locale, chapters, dict(words))


def build(tmp: Path, locale: str, author: str = ""):
    """PDF, then DOCX as `workers.write_edition` does: heading pages and faces from the PDF."""
    doc = make_doc(locale, author)
    layout = load_layout(ROOT, "market-report", locale)
    faces = faces_for(layout.pdf_font, m.to_json(doc), tmp, latin=locale == "en")
    pages: dict[str, int] = {}
    write_pdf(doc, layout, faces, tmp / "r.pdf", pages_out=pages)
    write_docx(doc, layout, tmp / "r.docx", faces=faces, heading_pages=pages)
    return doc, layout, faces, pages, tmp / "r.pdf", tmp / "r.docx"


@pytest.fixture(scope="module", params=["zh_CN", "en"])
def edition(request, tmp_path_factory):
    return build(tmp_path_factory.mktemp(f"word-{request.param}"), request.param)


def xml(path: Path, name: str):
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(name))


def style_of(p) -> str:
    node = p.find(f"{W}pPr/{W}pStyle")
    return node.get(f"{W}val") if node is not None else ""


def text_of(p) -> str:
    return "".join(t.text or "" for t in p.iter(f"{W}t"))


def pdf_heading_pages(path: Path) -> dict[str, int]:
    """Outline title -> page number (1-based) of the PDF."""
    reader = pypdf.PdfReader(path)
    out = {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out[item.title] = reader.get_destination_page_number(item) + 1

    walk(reader.outline)
    return out


def contents_entries(docx_path: Path) -> list[tuple[str, str, str | None]]:
    """(entry text, PAGEREF target, cached page) of each contents paragraph."""
    entries = []
    for p in xml(docx_path, "word/document.xml").iter(f"{W}p"):
        if not re.fullmatch(r"TOC\d", style_of(p)):
            continue
        runs = list(p.iter(f"{W}r"))
        instr = "".join(t.text for t in p.iter(f"{W}instrText"))
        target = re.search(r"PAGEREF (\S+) \\h", instr)
        # The entry text runs up to the tab; the page number is the PAGEREF's cached result.
        label, page, after_tab, in_result = "", "", False, False
        for r in runs:
            if r.find(f"{W}tab") is not None:
                after_tab = True
            char = r.find(f"{W}fldChar")
            if char is not None and after_tab:
                in_result = char.get(f"{W}fldCharType") == "separate"
            for t in r.iter(f"{W}t"):
                if not after_tab:
                    label += t.text
                elif in_result:
                    page += t.text
        entries.append((label, target.group(1) if target else None, page or None))
    return entries


# ---------------------------------------------------------------- contents


def test_contents_entries_carry_the_pdfs_page_numbers(edition):
    doc, _, _, pages, pdf, docx_path = edition
    entries = contents_entries(docx_path)
    by_title = pdf_heading_pages(pdf)
    listed = [e for e in present(doc, load_layout(ROOT, "market-report", str(doc.locale))).entries if e.listed]
    assert [label for label, _, _ in entries] == [e.text for e in listed]
    assert len(set(by_title[e.text] for e in listed)) > 3  # headings really are on different pages
    for (label, target, page), entry in zip(entries, listed):
        assert target == entry.key
        assert page is not None and int(page) == by_title[label] == pages[entry.key], label
    assert "Unlisted" not in " ".join(label for label, _, _ in entries)


def test_contents_entries_have_a_dot_leader_to_the_page_number(edition):
    *_, docx_path = edition
    styles = xml(docx_path, "word/styles.xml")
    for style in styles.iter(f"{W}style"):
        if re.fullmatch(r"TOC\d", style.get(f"{W}styleId") or ""):
            tab = style.find(f"{W}pPr/{W}tabs/{W}tab")
            assert tab.get(f"{W}val") == "right" and tab.get(f"{W}leader") == "dot"
            # A right indent would make LibreOffice drop the tab past it, number and all.
            ind = style.find(f"{W}pPr/{W}ind")
            assert ind is None or ind.get(f"{W}right") in (None, "0")


def test_word_is_not_asked_to_update_fields_when_the_contents_is_complete(edition, tmp_path):
    *_, docx_path = edition
    settings = etree.tostring(xml(docx_path, "word/settings.xml")).decode()
    assert "updateFields" not in settings
    # Without the PDF's pages the contents is incomplete, and Word is asked to fill it on open.
    doc = make_doc("en")
    layout = load_layout(ROOT, "market-report", "en")
    write_docx(doc, layout, tmp_path / "bare.docx")
    assert all(page is None for _, _, page in contents_entries(tmp_path / "bare.docx"))
    assert 'w:updateFields w:val="true"' in etree.tostring(xml(tmp_path / "bare.docx", "word/settings.xml")).decode()


def test_a_word_only_build_takes_the_pages_from_a_pdf_layout(tmp_path):
    doc = make_doc("zh_CN")
    layout = load_layout(ROOT, "market-report", "zh_CN")
    faces = faces_for(layout.pdf_font, m.to_json(doc), tmp_path)
    pages = workers.pdf_heading_pages(doc, layout, faces, [], tmp_path)
    written: dict[str, int] = {}
    write_pdf(doc, layout, faces, tmp_path / "r.pdf", pages_out=written)
    assert pages == written and len(pages) >= 15
    # Kept for the next Word-only build of the same inputs; another text is laid out anew.
    assert workers._layout_record(doc, layout, faces, [], tmp_path).exists()
    other = m.Document(doc.meta, doc.locale, doc.sections[:2], doc.terms)
    assert workers.pdf_heading_pages(other, layout, faces, [], tmp_path) != pages


# ---------------------------------------------------------------- spacing


def test_line_spacing_and_paragraph_spacing_equal_the_pdfs(edition):
    doc, layout, faces, *_, docx_path = edition
    pres = present(doc, layout)
    writer = pdf_writer._Writer(doc, layout, faces, "Helvetica", "Helvetica-Bold", pres)
    styles = {s.get(f"{W}styleId"): s for s in xml(docx_path, "word/styles.xml").iter(f"{W}style")}
    pairs = {"BodyText": "body", "Heading1": "h1", "Heading2": "h2", "Caption": "caption",
             "SourceNote": "source", "TableText": "cell", "TOCHeading": "toc-title", "Quote": "quote",
             "CalloutText": "block", "FootnoteText": "note"}
    for sid, name in pairs.items():
        rl = writer.style(name)
        spacing = styles[sid].find(f"{W}pPr/{W}spacing")
        assert spacing.get(f"{W}lineRule") == "exact", sid
        assert int(spacing.get(f"{W}line")) == round(rl.leading * 20), sid
        assert int(spacing.get(f"{W}before", 0)) == round(rl.spaceBefore * 20), sid
        assert int(spacing.get(f"{W}after", 0)) == round(rl.spaceAfter * 20), sid
        size = styles[sid].find(f"{W}rPr/{W}sz")
        assert int(size.get(f"{W}val")) == round(rl.fontSize * 2), sid
    body = styles["BodyText"].find(f"{W}pPr/{W}ind")
    indent = writer.style("body").firstLineIndent
    assert (body is None and indent == 0) or int(body.get(f"{W}firstLine")) == round(indent * 20)
    # Body text is line_spacing x body size in points (1.6 x 10.5 pt = 16.8 pt in Chinese),
    # not 1.6 "lines" of the font's own height.
    assert round(writer.style("body").leading, 2) == round(writer.layout.line_spacing * writer.layout.sizes["body"], 2)


def test_a_chapter_run_on_below_text_is_set_apart_as_in_the_pdf(edition):
    """`chapter_break: auto` runs short chapters on; the PDF sets such a heading apart from the
    text above it, and so must Word, or its pages drift from the PDF's."""
    from reportgen.present import RUN_ON

    doc, layout, faces, pages, _, docx_path = edition
    run_on = {k[len(RUN_ON):] for k in pages if k.startswith(RUN_ON)}
    assert run_on, "the test document should have a chapter run on"
    looks = present(doc, layout).looks
    seen = set()
    for p in xml(docx_path, "word/document.xml").iter(f"{W}p"):
        mark = p.find(f"{W}bookmarkStart")
        if style_of(p) != "Heading1" or mark is None:
            continue
        key = mark.get(f"{W}name")
        spacing, page_break = p.find(f"{W}pPr/{W}spacing"), p.find(f"{W}pPr/{W}pageBreakBefore")
        if key in run_on:
            seen.add(key)
            assert page_break is not None and page_break.get(f"{W}val") == "0", key
            assert int(spacing.get(f"{W}before")) == round(looks["h1-run-on"].before * 20) > 0, key
        else:  # it opens a page, as the style says
            assert page_break is None and spacing is None, key
    assert seen == run_on


def test_table_cell_padding_equals_the_pdfs(edition):
    doc, layout, *_, docx_path = edition
    body = xml(docx_path, "word/document.xml")
    size = layout.sizes["table"]
    for tbl in body.iter(f"{W}tbl"):
        if tbl.find(f"{W}tblPr/{W}tblLook").get(f"{W}firstRow") != "1":
            continue  # boxes (callouts, the cover band) are not data tables
        margins = tbl.find(f"{W}tblPr/{W}tblCellMar")
        assert int(margins.find(f"{W}left").get(f"{W}w")) == round(size * 0.6 * 20)
        assert int(margins.find(f"{W}top").get(f"{W}w")) == round(size * 0.6 * 0.75 * 20)


# ---------------------------------------------------------------- tables


def keeps(tr) -> bool:
    paras = list(tr.iter(f"{W}p"))
    return bool(paras) and all(p.find(f"{W}pPr/{W}keepNext") is not None for p in paras)


def test_merged_groups_stay_on_one_page_and_the_caption_keeps_two_rows(edition):
    *_, docx_path = edition
    tbl = next(t for t in xml(docx_path, "word/document.xml").iter(f"{W}tbl")
               if t.find(f"{W}tblPr/{W}tblLook").get(f"{W}firstRow") == "1")
    rows = tbl.findall(f"{W}tr")
    assert all(tr.find(f"{W}trPr/{W}cantSplit") is not None for tr in rows)
    head, body = rows[0], rows[1:]
    assert head.find(f"{W}trPr/{W}tblHeader") is not None  # repeats on every page
    caption = tbl.getprevious()
    assert style_of(caption) == "Caption" and caption.find(f"{W}pPr/{W}keepNext") is not None
    # Groups of 3, 2 and 3 rows: each row but a group's last keeps with the next one; the
    # first body row keeps with the second, so caption and header stand with two rows.
    assert [keeps(tr) for tr in body[:9]] == [True, True, False, True, False, True, True, False, False]
    assert not any(keeps(tr) for tr in body[9:])
    restart = [tr for tr in body if tr.find(f".//{W}vMerge[@{W}val='restart']") is not None]
    assert len(restart) == 3


# ---------------------------------------------------------------- styles, fonts, properties


def test_only_used_styles_are_defined(edition):
    *_, docx_path = edition
    with zipfile.ZipFile(docx_path) as z:
        names = z.namelist()
        parts = [etree.fromstring(z.read(n)) for n in names
                 if re.fullmatch(r"word/(document|header\d+|footer\d+|footnotes|numbering)\.xml", n)]
    assert "word/stylesWithEffects.xml" not in names
    styles = xml(docx_path, "word/styles.xml")
    assert styles.find(f"{W}latentStyles") is None
    used = {ref.get(f"{W}val") for part in parts for ref in part.iter(f"{W}pStyle", f"{W}rStyle", f"{W}tblStyle")}
    defined = {s.get(f"{W}styleId"): s for s in styles.iter(f"{W}style")}
    needed = set(used)
    for sid in list(used):
        while sid in defined and defined[sid].find(f"{W}basedOn") is not None:
            sid = defined[sid].find(f"{W}basedOn").get(f"{W}val")
            needed.add(sid)
    defaults = {sid for sid, s in defined.items() if s.get(f"{W}default") == "1"}
    assert set(defined) - needed - defaults == set()
    assert used <= set(defined)
    names = {s.find(f"{W}name").get(f"{W}val") for s in defined.values()}
    assert {"heading 1", "heading 2", "toc 1", "caption", "Body Text"} <= names
    assert len(defined) < 30


def test_font_table_lists_the_embedded_faces_only(edition):
    doc, layout, faces, *_, docx_path = edition
    table = xml(docx_path, "word/fontTable.xml")
    fonts = {f.get(f"{W}name"): f for f in table.iter(f"{W}font")}
    family = "Reportgen Noto Sans CJK SC" + (" Latin" if str(doc.locale) == "en" else "")
    assert set(fonts) == {family}  # no ＭＳ 明朝, Calibri or Cambria from the template
    font = fonts[family]
    alt = font.find(f"{W}altName").get(f"{W}val")
    assert alt == (layout.word_latin if str(doc.locale) == "en" else layout.word_east_asia)
    rels = xml(docx_path, "word/_rels/fontTable.xml.rels")
    targets = {r.get("Id"): r.get("Target") for r in rels}
    printed = {ch for ch in m.to_json(doc) if not ch.isspace()}
    with zipfile.ZipFile(docx_path) as z:
        for tag, face, weight in (("embedRegular", faces.regular, 400), ("embedBold", faces.bold, 700)):
            embed = font.find(f"{W}{tag}")
            data = z.read("word/" + targets[embed.get(f"{R}id")])
            assert data[:4] != b"\0\1\0\0"  # obfuscated: not readable as a font as it is
            # XOR with the key is its own inverse: undoing it gives the PDF's face, cut to
            # the characters the document prints.
            embedded = TTFont(io.BytesIO(obfuscate(data, embed.get(f"{W}fontKey"))))
            source = TTFont(str(face))
            assert embedded["name"].getDebugName(1) == family and embedded["OS/2"].usWeightClass == weight
            cmap = embedded.getBestCmap()
            assert printed <= {chr(c) for c in cmap}
            for ch in "报告Word":
                if ord(ch) in cmap:
                    mine, theirs = embedded["glyf"][cmap[ord(ch)]], source["glyf"][source.getBestCmap()[ord(ch)]]
                    assert mine.getCoordinates(embedded["glyf"])[0] == theirs.getCoordinates(source["glyf"])[0]
        types = z.read("[Content_Types].xml").decode()
    assert "application/vnd.openxmlformats-officedocument.obfuscatedFont" in types
    settings = xml(docx_path, "word/settings.xml")
    assert settings.find(f"{W}embedTrueTypeFonts") is not None and settings.find(f"{W}saveSubsetFonts") is not None
    styles = etree.tostring(xml(docx_path, "word/styles.xml")).decode()
    assert f'w:eastAsia="{family}"' in styles and "Arial" not in styles


def test_the_word_file_does_not_depend_on_what_else_the_build_printed(tmp_path):
    """A build cuts its faces for every edition it writes; the Word file embeds only what its
    own edition prints, so it is the same file whatever else was built with it."""
    doc = make_doc("zh_CN")
    layout = load_layout(ROOT, "market-report", "zh_CN")
    alone = faces_for(layout.pdf_font, m.to_json(doc), tmp_path / "alone")
    crowded = faces_for(layout.pdf_font, m.to_json(doc) + "另一份报告的文字：鹦鹉螺、饕餮、麒麟", tmp_path / "crowded")
    assert alone.regular.read_bytes() != crowded.regular.read_bytes()
    write_docx(doc, layout, tmp_path / "a.docx", faces=alone, heading_pages={})
    write_docx(doc, layout, tmp_path / "b.docx", faces=crowded, heading_pages={})
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()


@pytest.mark.parametrize("author", ["", "研究部"])
def test_core_properties_are_the_pdfs(tmp_path, author):
    *_, pdf, docx_path = build(tmp_path, "zh_CN", author)
    import docx

    props = docx.Document(docx_path).core_properties
    reader = pypdf.PdfReader(pdf)
    info = reader.metadata
    assert props.title == info.title == "Word pages report"
    assert props.subject == info.subject == "As the PDF"
    assert props.author == (info.author or "") == author
    assert props.last_modified_by == author
    assert props.keywords == (info.get("/Keywords") or "")
    assert props.language == str(reader.trailer["/Root"]["/Lang"]) == "zh-CN"


# ---------------------------------------------------------------- LibreOffice


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_shows_the_contents_numbers_the_pages_and_the_embedded_font(edition, tmp_path):
    doc, _, _, pages, pdf, docx_path = edition
    home = tmp_path / "home"  # a private profile: a running LibreOffice elsewhere does not interfere
    subprocess.run(["soffice", f"-env:UserInstallation=file://{home}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(docx_path)], check=True, capture_output=True, timeout=300)
    converted = pypdf.PdfReader(tmp_path / "r.pdf")
    expected = len(pypdf.PdfReader(pdf).pages)
    assert abs(len(converted.pages) - expected) <= max(1, expected // 10)
    contents = re.sub(r"\s+", " ", converted.pages[1].extract_text())
    listed = [e for e in present(doc, load_layout(ROOT, "market-report", str(doc.locale))).entries if e.listed]
    for entry in listed:
        # "1.1 Part 1.1 ....... 3": the entry, the leader and the PDF's page number.
        title = re.escape(entry.text.strip()).replace("\\ ", r"\s*")
        assert re.search(title + r"\s*\.{3,}\s*" + str(pages[entry.key]), contents), entry.text
    fonts = set()
    for page in converted.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    # The faces came from the file: "Reportgen ..." is installed nowhere.
    assert any("ReportgenNotoSansCJKSC" in f for f in fonts), fonts
