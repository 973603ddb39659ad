"""PDF writer: the resolved document model to a typeset PDF, with ReportLab.

The page sequence is cover, front matter (if any), table of contents, the sections, then
the closing page (if any): a chapter (level 1) starts a page as the layout's `chapter_break`
says, a part gets a divider page. Body pages carry the
layout's header and footer; footnotes print at the bottom of the page of their reference.

Fonts are the two TrueType faces the caller made for this document (`fonts.faces_for`);
every piece of text, including ReportLab's own defaults, uses them, so the PDF embeds
exactly those two subsets. Output is byte-reproducible (`invariant=1`: no dates or ids).

The parts ReportLab lacks (footnote frames, headings that feed outline and TOC, keeping a
heading with the start of the next block) are in `pdf_flowables.py`.
"""

from __future__ import annotations

import functools
import hashlib
import re
from contextlib import contextmanager
from pathlib import Path

from . import rl_platypus  # noqa: F401 - before ReportLab's Platypus (see there)
from reportlab import rl_config
from reportlab.lib import textsplit as rl_textsplit
from reportlab.lib.colors import HexColor, white
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.fonts import ps2tt, tt2ps
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.platypus import Indenter, KeepTogether, LayoutError, PageBreak, PageTemplate
from reportlab.platypus import Spacer
from reportlab.platypus import paragraph as rl_paragraph
from reportlab.platypus.tables import TableStyle

from .. import linebreak
from .. import model as m
from ..errors import Diagnostic, ReportgenError
from ..fonts import Faces
from ..layout import Layout
from ..present import RUN_ON, Presentation, Visitor, present
from .pdf_cidfont import IdentityFont
from .pdf_flowables import (
    CONTROL, BottomAligned, ChapterBreak, CheckedBreak, ContentsEntry, FigureBlock, FloatGroup, Heading,
    ImageStore, KeptTable, NotedTable, NoteFrame, NoteRegistry, PagePainter, PartTitle, ReportDocTemplate, StoredImage,
    TailMark, TailRecords, WindowedTable, note_numbers, text_markup,
)
from .pdf_text import Span, TextBlock, TextEngine, hyphenation_language, with_flags

SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # a link target ReportLab can resolve
ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}
# Bullet glyphs (chosen in `present`, all in fonts.BASE_CHARS) are full-width in CJK faces:
# drawn at this share of the text size they make a mark of a bullet's size.
BULLET_SCALE = {"●": 0.42, "○": 0.5, "■": 0.36}
TAIL_LINES = 3  # a chapter's last page holds more lines than this (lines are pushed onto it)
FLOAT_FOLLOWERS = 12  # paragraphs that may pass a figure waiting for the next page
# Punctuation that never starts a line, for the one Paragraph left (the cover's title).
CANNOT_START = "".join(sorted(linebreak.CANNOT_START))
# Which role a block's text has, by the name of its style (see pdf_text.ROLES).
ROLE = {"body": "body", "block": "body", "quote": "quote", "caption": "caption", "figure-caption": "caption",
        "source": "source", "figure-source": "source", "cell": "cell", "note": "note", "part": "heading",
        "h1": "heading", "h2": "heading", "h3": "heading", "h4": "heading", "toc-title": "heading", "toc": "toc"}


def write_pdf(doc: m.Document, layout: Layout, faces: Faces, out: Path, chart_images=None,
              pages_out: dict | None = None, cache: Path | None = None, on_pages=None,
              known_json: dict | None = None) -> int:
    """Render `doc` to `out` (a path the caller chose; write there directly); return the page count.

    `chart_images` are the drawn charts, one PNG per `Chart` of `doc.walk_blocks()`, in order.
    `pages_out`, when given, receives the shown page of every heading by its bookmark key
    (the Word file's contents prints them), and `RUN_ON + key` for each chapter that runs on
    below the text before it rather than starting a page (the Word file breaks the same way).
    `cache`, when given, is a folder where the edition's set paragraphs are kept for the next
    build (`pdf_text.TextEngine`). `on_pages`, when given, is called with the same pages as
    soon as the last layout pass is done, before the file is written (the Word file waits for
    them). `known_json` (`kept.ByObject`), when given, holds the JSON of some of the
    document's nodes, which a kept table's key is made from."""
    pres = present(doc, layout, chart_images)
    regular, bold = _register_fonts(faces)
    kept = cache / f"lines-{doc.meta.id}-{doc.locale}.pickle" if cache is not None else None
    with _reportlab_settings(regular):
        writer = _Writer(doc, layout, faces, regular, bold, pres, kept)
        writer.on_pages = on_pages
        writer.known_json = known_json
        pages = writer.write(Path(out))
    if pages_out is not None:
        pages_out.update(writer.shown_pages())
    return pages


@contextmanager
def _reportlab_settings(font: str):
    """ReportLab globals this writer needs, set for one build and then restored."""
    saved = (rl_config.canvas_basefontname, rl_paragraph.ALL_CANNOT_START, rl_config.useA85, pdfdoc.pdfdocEnc,
             pdfdoc.PDFName)
    # Without this ReportLab starts every page with a non-embedded Helvetica.
    rl_config.canvas_basefontname = font
    # Streams stay binary (Flate only): ASCII85 on top makes files a quarter larger and,
    # measured on a 250-page report, cost a fifth of the build time.
    rl_config.useA85 = 0
    # Its CJK line breaking keeps a character off the start of a line (letting it hang in
    # the margin instead) only if it is on this list, which lacks the full-width comma,
    # semicolon, colon, question and exclamation marks, closing quotes and title marks.
    rl_paragraph.ALL_CANNOT_START = rl_textsplit.ALL_CANNOT_START = saved[1] + "".join(
        ch for ch in CANNOT_START if ch not in saved[1])
    # Every string of the file's objects (names, numbers, a form's whole content) is encoded
    # on its way out: ASCII text as ASCII (see `_pdfdoc_encoded`).
    pdfdoc.pdfdocEnc = functools.partial(_pdfdoc_encoded, saved[3])
    # ... and every key of their dictionaries is made a PDF name, a character at a time: the
    # same few names each time.
    pdfdoc.PDFName = _remembered_names(saved[4])
    try:
        yield
    finally:
        rl_config.canvas_basefontname = saved[0]
        rl_paragraph.ALL_CANNOT_START = rl_textsplit.ALL_CANNOT_START = saved[1]
        rl_config.useA85 = saved[2]
        pdfdoc.pdfdocEnc = saved[3]
        pdfdoc.PDFName = saved[4]


# The ASCII characters PDFDocEncoding has no code for (ReportLab's codec refuses them).
_NOT_PDFDOC = re.compile("[\x18-\x1f]")


def _pdfdoc_encoded(encode, text):
    """`pdfdoc.pdfdocEnc` (`encode`), with ASCII text encoded by Python's ASCII codec: in
    PDFDocEncoding every ASCII character but those of `_NOT_PDFDOC` has its own code, and
    ReportLab's codec, a character map run per character, took most of the time of
    writing a chart's form."""
    if isinstance(text, str) and text.isascii() and not _NOT_PDFDOC.search(text):
        return text.encode("ascii")
    return encode(text)


def _remembered_names(name):
    """`pdfdoc.PDFName` (`name`), made once for each string."""
    known: dict[str, str] = {}

    def pdf_name(data, *args):
        if args or not isinstance(data, str):
            return name(data, *args)
        found = known.get(data)
        if found is None:
            found = known[data] = name(data)
        return found

    return pdf_name


def _error(message: str, loc=None) -> ReportgenError:
    return ReportgenError(Diagnostic(loc, message, "error", "pdf"))


def _register_fonts(faces: Faces) -> tuple[str, str]:
    """Register the faces as one family (<b> bold, <i> italic, both bold italic) under names
    that depend on what they draw, not on their files: a face cut for more characters embeds
    the same glyphs, so a PDF does not change with what else its build printed."""
    stem = f"RG-{faces.family.replace(' ', '')}{'-Latin' if faces.latin else ''}"
    regular, bold = f"{stem}-Regular", f"{stem}-Bold"
    # The italic faces draw Latin italic and everything else (Han, full-width marks) upright
    # from the CJK face; without them emphasis keeps the upright face of its weight.
    italic = f"{stem}-Italic" if faces.italic else regular
    bold_italic = f"{stem}-BoldItalic" if faces.bold_italic else bold
    for name, path in ((regular, faces.regular), (bold, faces.bold), (italic, faces.italic),
                       (bold_italic, faces.bold_italic)):
        if path is None:  # no italic source installed: the name is the upright face's
            continue
        current = pdfmetrics._fonts.get(name)
        if current is not None and getattr(current, "reportgen_path", None) == str(path):
            current.reportgen_metrics = faces.metrics
            continue
        font = IdentityFont(name, str(path))
        font.reportgen_path = str(path)
        # What its advances follow from (`Faces.metrics`): kept chart drawings and forms,
        # whose texts were measured with them, are keyed by it.
        font.reportgen_metrics = faces.metrics
        # ReportLab hands out the first font registered under a PostScript name for any later
        # one with that name; a face cut for another character set must replace it.
        pdfmetrics._fonts.pop(name, None)
        pdfmetrics._dynFaceNames.pop(font.face.name, None)
        pdfmetrics.registerFont(font)
    pdfmetrics.registerFontFamily(stem, normal=regular, bold=bold, italic=italic, boldItalic=bold_italic)
    return regular, bold


class _Writer(Visitor):
    """Visits the document (`visit_<Node>`); block visits return flowables, inline visits markup."""

    format_name = "PDF"
    on_pages = None  # see write_pdf

    def __init__(self, doc: m.Document, layout: Layout, faces: Faces, regular: str, bold: str,
                 pres: Presentation, kept_lines: Path | None = None):
        super().__init__()
        self.doc, self.layout, self.faces, self.pres = doc, layout, faces, pres
        self.regular, self.bold = regular, bold
        self.color = {k: HexColor(v) for k, v in layout.colors.items()}
        self.cjk = pres.locale.cjk
        self.has_parts = pres.has_parts
        self.registry = NoteRegistry(self.color["rule"])
        self.toc_entries: list = []  # what the contents will list, page numbers still unknown
        self.known_json: dict | None = None  # node JSON made earlier (see write_pdf)
        self.images = ImageStore()  # every image read and decoded once per build
        self._styles: dict = {}
        family = ps2tt(regular)[0]
        self.text = TextEngine(hyphenation_language(pres.lang_tag), getattr(layout, "hanging_punctuation", False),
                               traditional=faces.family.endswith(("TC", "HK")), kept=kept_lines,
                               face_names=tuple(dict.fromkeys(tt2ps(family, b, i) for b in (0, 1) for i in (0, 1))),
                               metrics=getattr(faces, "metrics", ""))
        # CJK faces have no italic: emphasis stays upright unless the faces bring one.
        self.italic_faces = getattr(faces, "italic", None) is not None

    # ------------------------------------------------------------ document

    def write(self, out: Path) -> int:
        lay, meta = self.layout, self.doc.meta
        template = ReportDocTemplate(
            str(out), registry=self.registry, images=self.images, kept=self.text if self.text.keeps else None,
            # The cover counts as page 1 (unprinted), as in the Word file, so "page 3 of 12"
            # means the same page in both formats and matches the file's page count.
            front_pages=0,
            pagesize=(lay.page_width, lay.page_height),
            leftMargin=lay.margin_left, rightMargin=lay.margin_right,
            topMargin=lay.margin_top, bottomMargin=lay.margin_bottom,
            title=meta.title, author=meta.author, subject=meta.subtitle, creator="reportgen",
            lang=self.pres.lang_tag, invariant=1, initialFontName=self.regular,
        )
        paint = PagePainter(lay, meta, self.pres.header(), self.pres.footer(), self.pres.logo, self.regular,
                            self.bold, self.color, self.cjk, draft=self.pres.draft_words() if meta.draft else None,
                            cover_lines=self.pres.cover_lines())
        self.heading_pages = template.heading_pages
        self.run_on = template.run_on
        template.laid_out = self._laid_out
        template.addPageTemplates([
            PageTemplate("cover", [self._frame("cover")], onPage=paint.cover),
            PageTemplate("body", [self._frame("body")], onPageEnd=paint.body),
            PageTemplate("divider", [self._frame("divider")], onPageEnd=paint.divider),
        ])
        try:
            while True:
                story = self._story()
                records = getattr(self, "_records", None)
                if records is not None:
                    records.beforeBuild()
                # One pass: the page total and the contents' page numbers are forms drawn after
                # the last page (see ReportDocTemplate.later), not a second layout of every page.
                template.build(story)
                # A chapter's tail came out at three lines or fewer: lay out once more with lines
                # pushed onto it (the pushes are kept, so this settles; see TailRecords).
                if records is None or records.isSatisfied() or records.passes > TailRecords.MAX_PASSES:
                    break
        except LayoutError as exc:
            # ReportLab's message names the flowable by its repr (`<Table@0x7F…>`), which means
            # nothing to a reader and differs from run to run: keep only the page it was on.
            page = re.search(r"on page (\d+)", str(exc))
            where = f" (on page {page.group(1)})" if page else ""
            raise _error("the PDF could not be laid out: a block (a figure, a table cell, a box) is "
                         f"too large for the page{where}; make it smaller") from None
        except OSError as exc:  # the output folder or an image went away meanwhile
            raise _error(f"the PDF could not be written: {exc}") from None
        self.text.keep()
        return template.page

    def shown_pages(self) -> dict[str, int]:
        """The page of each heading by its bookmark key, and `RUN_ON + key` for each chapter
        run on below the text before it (see `write_pdf`)."""
        pages = dict(self.heading_pages)
        pages.update({RUN_ON + key: self.heading_pages.get(key, 0) for key in self.run_on})
        return pages

    def _laid_out(self) -> None:
        """A layout pass is done: when it is the last, its pages go to `on_pages` now."""
        records = getattr(self, "_records", None)
        last = records is None or records.isSatisfied() or records.passes > TailRecords.MAX_PASSES
        if last and self.on_pages is not None:
            on_pages, self.on_pages = self.on_pages, None
            on_pages(self.shown_pages())

    def _story(self) -> list:
        """The flowables of the whole document, made afresh for each layout pass (ReportLab
        consumes a story as it lays it out)."""
        lay = self.layout
        self.toc_entries.clear()
        self._records_placed, self._marks = False, 0
        story = [PageBreak(nextTemplate="body")]
        if self.doc.front:
            story += self._blocks(self.doc.front, lay.text_width, self.style("body"))
            story.append(PageBreak())
        contents_at = len(story)
        for section in self.doc.sections:
            story += self.visit(section)
        story += self._closing()
        # The contents lists the headings the sections just made.
        story[contents_at:contents_at] = self._toc()
        return story

    def _frame(self, name: str) -> NoteFrame:
        lay = self.layout
        return NoteFrame(lay.margin_left, lay.margin_bottom, lay.text_width, lay.text_height,
                         leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
                         id=name, registry=self.registry)

    # ------------------------------------------------------------ styles

    def style(self, name: str, role: str | None = None, **changes) -> ParagraphStyle:
        """A named paragraph style, or a cached variant of it with some attributes changed.

        `role` overrides what the text set in it is (`pdf_text.ROLES`), else the name says."""
        if not changes:  # the usual call, once per paragraph: no key to build
            found = self._styles.get((name, role, ()))
            if found is not None:
                return found
        key = (name, role, tuple(sorted((k, repr(v)) for k, v in changes.items())))
        if key not in self._styles:
            variant = bool(changes) or role is not None
            base = self.style(name) if variant else self._base_style(name)
            st = ParagraphStyle(f"{name}-{len(self._styles)}", parent=base, **changes) if variant else base
            # The text engine and role travel with the style to every TextBlock set in it.
            st.engine, st.role, st.italic_faces = self.text, role or ROLE.get(name, "body"), self.italic_faces
            self._styles[key] = st
        return self._styles[key]

    def _base_style(self, name: str) -> ParagraphStyle:
        lay, c, size = self.layout, self.color, self.layout.sizes
        body = size["body"]
        common = dict(fontName=self.regular, bulletFontName=self.regular, textColor=c["text"],
                      wordWrap="CJK" if self.cjk else None, allowOrphans=0, allowWidows=0)

        def make(fs, leading, **kw):
            return ParagraphStyle(name, **{**common, "fontSize": fs, "leading": leading, **kw})

        if name == "body":
            return make(body, body * lay.line_spacing, firstLineIndent=lay.first_line_indent * body,
                        spaceAfter=lay.space_after, alignment=TA_JUSTIFY)
        if name == "block":  # body text inside boxes and list items: no first-line indent
            return make(body, body * lay.line_spacing, spaceAfter=lay.space_after * 0.6, alignment=TA_JUSTIFY)
        if name == "quote":
            return make(body, body * lay.line_spacing, spaceAfter=lay.space_after * 0.6,
                        textColor=c["muted"], alignment=TA_JUSTIFY)
        if name in ("h1", "h2", "h3", "h4", "toc-title"):
            level = 1 if name == "toc-title" else int(name[1])
            fs = size["h1" if level == 1 else name]
            before, after = {1: (0, 16), 2: (16, 8), 3: (12, 6), 4: (10, 4)}[level]
            return make(fs, fs * 1.4, fontName=self.bold, spaceBefore=before, spaceAfter=after,
                        textColor=c["primary"] if level <= 2 else c["text"], keepWithNext=1)
        if name == "part":
            return make(size["title"], size["title"] * 1.3, fontName=self.bold, textColor=white,
                        alignment=TA_CENTER)
        if name == "caption":  # table captions stay with their table
            return make(size["caption"], size["caption"] * 1.5, fontName=self.bold, alignment=TA_CENTER,
                        spaceBefore=6, spaceAfter=4, keepWithNext=1)
        if name == "figure-caption":
            return make(size["caption"], size["caption"] * 1.5, fontName=self.bold, alignment=TA_CENTER,
                        spaceBefore=2)
        if name in ("source", "figure-source"):
            return make(size["small"], size["small"] * 1.5, textColor=c["muted"], spaceBefore=3,
                        spaceAfter=lay.space_after + 4, alignment=TA_CENTER if name == "figure-source" else TA_LEFT)
        if name == "cell":
            return make(size["table"], size["table"] * 1.4)
        if name == "note":
            fs = size["small"]
            return make(fs, fs * 1.5, leftIndent=fs * 1.8, bulletIndent=0, spaceBefore=1)
        if name == "toc":
            return make(body, body * 1.9, rightIndent=body * 2.5)
        raise KeyError(name)

    # ------------------------------------------------------------ inline markup

    def markup(self, inlines, in_link: bool = False) -> list[Span]:
        """Inline runs as spans (text with bold, italic, code, link, note and colour)."""
        out: list[Span] = []
        for node in inlines:
            out += self.visit(node, in_link)
        return out

    def visit_Str(self, node: m.Str, in_link: bool) -> list[Span]:
        return [Span(CONTROL.sub("", node.text))]

    def visit_Code(self, node: m.Code, in_link: bool) -> list[Span]:
        return [Span(CONTROL.sub("", node.text), code=True)]

    def visit_Strong(self, node: m.Strong, in_link: bool) -> list[Span]:
        return with_flags(self.markup(node.children, in_link), bold=True)

    def visit_Emph(self, node: m.Emph, in_link: bool) -> list[Span]:
        return with_flags(self.markup(node.children, in_link), italic=True)

    def visit_LineBreak(self, node: m.LineBreak, in_link: bool) -> list[Span]:
        return [Span("\n")]

    def visit_Link(self, node: m.Link, in_link: bool) -> list[Span]:
        return self._link(node, in_link)

    def visit_NoteRef(self, node: m.NoteRef, in_link: bool) -> list[Span]:
        return self._note_ref(node)

    def _link(self, node: m.Link, in_link: bool) -> list[Span]:
        inner = self.markup(node.children, True)
        url = node.url.strip()
        if url.startswith("#"):
            target = self.pres.link_target(url)
            href = f"#{target}" if target else None
        else:
            # A target without a scheme would be taken for a named destination, and a
            # missing one fails the whole build: such links print as text.
            href = url if SCHEME.match(url) else None
        if href is None or in_link:
            return inner
        return with_flags(inner, href=CONTROL.sub("", href), color=self.layout.colors["accent"])

    def _note_ref(self, node: m.NoteRef) -> list[Span]:
        n = node.number
        if n not in self.registry.paragraphs:
            # Notes inside notes print their text only (a note has no notes of its own).
            text = self.markup([c for c in node.children if not isinstance(c, m.NoteRef)])
            self.registry.paragraphs[n] = TextBlock(text, self.style("note"), bullet=f"{n}")
        # The number, a superscript, tells the frame which notes a (split) block carries.
        return [Span(f"{n}", note=n)]

    def para(self, inlines: list, style: ParagraphStyle, bulletText: str | None = None) -> TextBlock:
        return TextBlock(self.markup(inlines), style, bullet=bulletText)

    # ------------------------------------------------------------ blocks

    def _blocks(self, blocks, width: float, style: ParagraphStyle) -> list:
        out = []
        for block in blocks:
            out += self.visit(block, width, style)
        return out

    def visit_Paragraph(self, node: m.Paragraph, width: float, style: ParagraphStyle) -> list:
        return [self.para(node.inlines, style)] if node.inlines else []

    def visit_ListBlock(self, node: m.ListBlock, width: float, style: ParagraphStyle, indent: float = 0.0) -> list:
        return self._list(node, width, indent)

    def visit_Quote(self, node: m.Quote, width: float, style: ParagraphStyle) -> list:
        return self._quote(node, width)

    def visit_Callout(self, node: m.Callout, width: float, style: ParagraphStyle) -> list:
        return self._callout(node, width)

    def visit_Table(self, node: m.Table, width: float, style: ParagraphStyle) -> list:
        return self._table(node, width)

    def visit_Figure(self, node: m.Figure, width: float, style: ParagraphStyle) -> list:
        return self._figure(node)

    def visit_Chart(self, node: m.Chart, width: float, style: ParagraphStyle) -> list:
        # A drawn chart is placed as a figure is (drawing, caption, source, note); an SVG is
        # drawn as vectors with real text, and either kind carries its alternative text.
        from ..chartdraw import alt_text
        from .pdf_chart import Described, VectorChart

        box = self.pres.image_box(node)
        if box.path.endswith(".svg"):
            drawing = VectorChart(box.path, box.width, box.height, self.regular, self.bold, node.loc)
        else:
            drawing = StoredImage(box.path, box.width, box.height, self.images)
        below = self._caption(node.caption, self.style("figure-caption")) + \
            self._source(node.source, node.note, "figure-source", spaceAfter=0)
        block = FigureBlock(Described(drawing, alt_text(node)), below, gap=4)
        block.spaceBefore, block.spaceAfter = 6, self.layout.space_after + 6
        return [block]

    def visit_PageBreak(self, node: m.PageBreak, width: float, style: ParagraphStyle) -> list:
        return [PageBreak()]

    def _list(self, node: m.ListBlock, width: float, indent: float) -> list:
        """A list whose block starts `indent` points from the left of the text (labels and
        their places decided in `present`)."""
        body = self.layout.sizes["body"]
        box = self.pres.list_box(node)
        start, text_indent = indent + box.label_at, indent + box.text_at
        labels = list(box.labels)
        if node.ordered:
            size, lift = body, 0.0
        else:
            scale = BULLET_SCALE.get(box.level.template, 1.0)
            # CJK bullets are full-width glyphs centred on the em box: a smaller size gives a
            # smaller mark, lifted so that it stays centred on the line.
            size, lift = body * scale, body * (1 - scale) * 0.38
        out = []
        items = list(node.items)
        for i, (label, item) in enumerate(zip(labels, items)):
            first = True
            item = list(item)
            for block in item:
                last = i == len(items) - 1 and block is item[-1]
                st = self.style("block", role="list-item", leftIndent=text_indent, bulletIndent=start,
                                spaceAfter=self.layout.space_after if last and box.depth == 0 else 2,
                                bulletFontSize=size, bulletOffsetY=lift,
                                bulletColor=self.color["primary"] if not node.ordered else self.color["text"])
                if isinstance(block, m.Paragraph):
                    out.append(self.para(block.inlines, st, bulletText=label if first else None))
                elif isinstance(block, m.ListBlock):
                    if first:
                        out.append(TextBlock([], st, bullet=label))
                    out += self.visit(block, width, st, text_indent)
                else:
                    if first:
                        out.append(TextBlock([], st, bullet=label))
                    out += [Indenter(left=text_indent),
                            *self.visit(block, width - text_indent, self.style("block")),
                            Indenter(left=-text_indent)]
                first = False
        return out

    def _box(self, rows: list, width: float, commands: list, pad: float, repeat: int = 0) -> NotedTable:
        """A one-column table holding flowables: quotes and callouts, split across pages by row content."""
        table = NotedTable(rows, colWidths=[width], repeatRows=repeat, splitInRow=1, style=TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), self.regular),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("TOPPADDING", (0, 0), (-1, -1), pad * 0.7), ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.5),
            *commands,
        ]))
        table.has_notes = bool(note_numbers(rows))
        table.spaceBefore, table.spaceAfter = 4, self.layout.space_after + 4
        return table

    def _quote(self, node: m.Quote, width: float) -> list:
        pad = self.layout.sizes["body"]
        inner = self._blocks(node.blocks, width - 2 * pad, self.style("quote"))
        return [self._box([[inner]], width, [("LINEBEFORE", (0, 0), (0, -1), 2.5, self.color["rule"])], pad)]

    def _callout(self, node: m.Callout, width: float) -> list:
        c, pad = self.color, self.layout.sizes["body"]
        inner_width = width - 2 * pad
        body_style = self.style("quote" if node.kind == "quote" else "block", role="callout")
        inner = self._blocks(node.blocks, inner_width, body_style)
        if node.kind == "case" and node.title:
            title = self.para(node.title, self.style("block", role="callout", fontName=self.bold, textColor=white,
                                                     spaceAfter=0))
            return [self._box([[title], [inner]], width, [
                ("BACKGROUND", (0, 0), (0, 0), c["primary"]), ("BACKGROUND", (0, 1), (0, -1), c["callout"]),
                ("TOPPADDING", (0, 0), (0, 0), pad * 0.45), ("BOTTOMPADDING", (0, 0), (0, 0), pad * 0.45),
            ], pad, repeat=1)]
        if node.title:
            inner.insert(0, self.para(node.title, self.style(
                "block", role="callout", fontName=self.bold, textColor=c["primary"], spaceAfter=3)))
        return [self._box([[inner]], width, [
            ("BACKGROUND", (0, 0), (-1, -1), c["callout"]),
            ("LINEBEFORE", (0, 0), (0, -1), 3, c["accent"] if node.kind != "quote" else c["rule"]),
        ], pad)]

    def _caption(self, caption: m.Caption | None, style: ParagraphStyle) -> list:
        if caption is None:
            return []
        line = self.pres.caption(caption)
        return [TextBlock([Span(line.prefix)] + self.markup(line.inlines), style)]

    def _source(self, source, note, style: str, **changes) -> list:
        """The source line under a table or figure, then its note on a line of its own."""
        lines = [(inlines, prefix) for inlines, prefix in
                 ((source, self.pres.source_prefix()), (note, self.pres.note_prefix())) if inlines]
        out = []
        for i, (inlines, prefix) in enumerate(lines):
            # Only the last line keeps the space that ends the block.
            last = i == len(lines) - 1
            st = self.style(style, **changes) if last else self.style(style, **{**changes, "spaceAfter": 0})
            out.append(TextBlock([Span(prefix)] + self.markup(inlines), st))
        return out

    def _table(self, node: m.Table, width: float) -> list:
        box = self.pres.table_box(node)
        nb = len(node.body)
        continued = None
        if node.caption is not None:
            line = self.pres.continued(node.caption)
            continued = lambda: TextBlock([Span(line)], self.style("caption"))  # noqa: E731 - one per continuation
        if not (node.head or node.body or node.foot):
            return []
        key = self._table_key(node, width, box) if nb <= WindowedTable.WINDOW else None
        if key is not None:
            # Drawn by an earlier build, the table is put in as drawn: its cells are made only
            # if it must split (KeptTable).
            table = KeptTable(lambda: self._table_flowable(node, box), key, self.text, continued)
        else:
            table = self._table_flowable(node, box)
            table.continued = continued
        table.spaceAfter = 0 if node.source or node.note else self.layout.space_after + 4
        table.spaceBefore = 0 if node.caption else 6
        notes = self._source(node.source, node.note, "source")
        if notes and nb <= WindowedTable.WINDOW:
            # A short table keeps its source line: a page must not open with a stray source note.
            _, height = table.wrap(width, self.layout.text_height)
            if height < self.layout.text_height * 0.4:
                return [KeepTogether([*self._caption(node.caption, self.style("caption")), table, *notes])]
        return [*self._caption(node.caption, self.style("caption")), table, *notes]

    def _table_key(self, node: m.Table, width: float, box) -> bytes | None:
        """What a table's drawing follows from: its content, its widths and the look (the
        layout, the faces, the language). None when drawings are not kept, and for a table
        holding a footnote (the page that shows it must know its notes) or a link."""
        if not self.text.keeps:
            return None
        from ..incremental import node_json

        content = node_json(node, self.known_json)
        if '"type":"NoteRef"' in content or '"type":"Link"' in content:
            return None  # its notes are placed, and its links made, by its cells
        look = getattr(self, "_look", None)
        if look is None:
            import pickle

            look = self._look = pickle.dumps((self.layout, self.regular, self.bold, self.pres.lang_tag, self.cjk),
                                             protocol=pickle.HIGHEST_PROTOCOL)
        return hashlib.blake2b(b"table\0" + look + repr((round(width, 3), box.widths, box.aligns)).encode()
                               + content.encode("utf-8", "surrogatepass"), digest_size=20).digest()

    def _table_flowable(self, node: m.Table, box):
        """The ReportLab table of `node`: a NotedTable, or a WindowedTable for a long one."""
        c = self.color
        widths, aligns = list(box.widths), box.aligns
        ncols = len(widths)
        stats = node.style == "stats"
        head, body, foot = list(node.head), list(node.body), list(node.foot)
        nh, nb, nf = len(head), len(body), len(foot)
        size = self.layout.sizes["table"]
        pad = size * 0.6
        # Per-cell commands in whole-table row numbers: (command, col0, row0, col1, row1, *args).
        data, cell_cmds, blocked = [], [], set()
        for r, row in enumerate(head + body + foot):
            part = "head" if r < nh else "foot" if r >= nh + nb else "body"
            cells = list(row[:ncols]) + [None] * (ncols - len(row))
            line = []
            for col, cell in enumerate(cells):
                if cell is None:
                    line.append("")
                    continue
                if cell.rowspan > 1 or cell.colspan > 1:
                    last_col = min(col + cell.colspan, ncols) - 1
                    last_row = min(r + cell.rowspan, nh + nb + nf) - 1
                    cell_cmds.append(("SPAN", col, r, last_col, last_row))
                    if part == "body" and last_row > r:
                        # Zebra stripes would cut a tall merged cell in two: fill it with its first row's.
                        cell_cmds.append(("BACKGROUND", col, r, last_col, last_row,
                                          c["table_stripe"] if (r - nh) % 2 else white))
                        blocked.update(range(r - nh + 1, last_row - nh + 1))  # no page break inside
                align = cell.align or aligns[col]
                span_width = sum(widths[col:col + max(cell.colspan, 1)])
                line.append(self._cell(cell, part, align, stats and col == 1, span_width - 2 * pad))
                if cell.align and cell.align != aligns[col]:
                    cell_cmds.append(("ALIGN", col, r, col, r, cell.align.upper()))
            data.append(line)
        has_notes = any(isinstance(x, TextBlock) and note_numbers(x) for row in data for x in row)

        def make(first: int, stop: int) -> NotedTable:
            """The table with body rows first..stop-1 (the foot only with the last row)."""
            rows = list(range(nh)) + list(range(nh + first, nh + stop))
            if stop == nb:
                rows += range(nh + nb, nh + nb + nf)
            where = {g: i for i, g in enumerate(rows)}
            cmds = self._table_commands(aligns, stats, nh, stop - first, nf if stop == nb else 0, first % 2)
            for name, c0, r0, c1, r1, *args in cell_cmds:
                if r0 in where and r1 in where:
                    cmds.append((name, (c0, where[r0]), (c1, where[r1]), *args))
            table = NotedTable([data[g] for g in rows], colWidths=widths, repeatRows=nh, splitByRow=1,
                               hAlign="CENTER", style=TableStyle(cmds))
            table.has_notes = has_notes
            return table

        if nb > WindowedTable.WINDOW:
            return WindowedTable(make, nb, blocked, has_notes)
        return make(0, nb)

    def _table_commands(self, aligns, stats: bool, nh: int, nb: int, nf: int, parity: int) -> list:
        """Table style for `nh` head, `nb` body and `nf` foot rows; `parity` flips the zebra."""
        c, size = self.color, self.layout.sizes["table"]
        pad = size * 0.6
        body_end = nh + nb - 1
        # Fonts, colours and alignment also serve the cells drawn as plain strings (see `_cell`).
        cmds = [
            ("FONTNAME", (0, 0), (-1, -1), self.regular),
            ("FONTSIZE", (0, 0), (-1, -1), size), ("LEADING", (0, 0), (-1, -1), size * 1.4),
            ("TEXTCOLOR", (0, 0), (-1, -1), c["text"]),
            *[("ALIGN", (i, 0), (i, -1), align.upper()) for i, align in enumerate(aligns)],
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("TOPPADDING", (0, 0), (-1, -1), pad * 0.75), ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.75),
        ]
        if stats and nb:
            cmds += [("FONTNAME", (1, nh), (1, body_end), self.bold),
                     ("TEXTCOLOR", (1, nh), (1, body_end), c["primary"])]
        if nh:
            cmds += [("FONTNAME", (0, 0), (-1, nh - 1), self.bold),
                     ("TEXTCOLOR", (0, 0), (-1, nh - 1), c["table_header_text"]),
                     ("BACKGROUND", (0, 0), (-1, nh - 1), c["table_header"]),
                     ("LINEAFTER", (0, 0), (-2, nh - 1), 0.5, white)]
            if nh > 1:
                cmds.append(("LINEBELOW", (0, 0), (-1, nh - 2), 0.5, white))
        if stats:
            cmds += [("BACKGROUND", (0, nh), (0, -1), c["callout"]),
                     ("LINEBELOW", (0, nh), (-1, -2), 0.6, c["rule"]),
                     ("LINEABOVE", (0, nh), (-1, nh), 1.2, c["primary"]),
                     ("LINEBELOW", (0, -1), (-1, -1), 1.2, c["primary"])]
        else:
            if nb:
                stripes = [white, c["table_stripe"]]
                cmds.append(("ROWBACKGROUNDS", (0, nh), (-1, body_end), stripes[parity:] + stripes[:parity]))
            cmds += [("LINEBELOW", (0, nh), (-1, -1), 0.4, c["rule"]),
                     ("LINEAFTER", (0, nh), (-2, -1), 0.4, c["rule"]),
                     ("LINEBELOW", (0, -1), (-1, -1), 1.0, c["primary"])]
            if nh == 0:
                cmds.append(("LINEABOVE", (0, 0), (-1, 0), 1.0, c["primary"]))
        if nf:
            cmds += [("FONTNAME", (0, nh + nb), (-1, -1), self.bold),
                     ("LINEABOVE", (0, nh + nb), (-1, nh + nb), 0.8, c["text"]),
                     ("BACKGROUND", (0, nh + nb), (-1, -1), c["callout"])]
        return cmds

    def _cell(self, cell: m.Cell, part: str, align: str, value: bool, room: float):
        """A cell's content: a plain string when it is unformatted text that fits on one line
        (ReportLab draws those ~20x faster than text blocks, which counts in 10,000-row tables),
        else a TextBlock."""
        if not cell.inlines:
            return ""
        if all(isinstance(x, m.Str) for x in cell.inlines):
            text = CONTROL.sub("", "".join(x.text for x in cell.inlines)).replace("\n", " ").strip()
            font = self.bold if part != "body" or value else self.regular
            # Han next to a Latin letter or digit needs the engine's quarter-em gap (`2024年`).
            if self.text.width(text, font, self.layout.sizes["table"]) <= room - 0.5 and \
                    not linebreak.has_han_latin_boundary(text):
                return text
        return self.para(cell.inlines, self._cell_style(part, align, value))

    def _cell_style(self, part: str, align: str, value: bool) -> ParagraphStyle:
        changes = {"alignment": ALIGN.get(align, TA_LEFT)}
        if part == "head":
            changes.update(fontName=self.bold, textColor=self.color["table_header_text"])
        elif part == "foot":
            changes.update(fontName=self.bold)
        elif value:  # the figure column of a key-statistics table
            changes.update(fontName=self.bold, textColor=self.color["primary"])
        return self.style("cell", **changes)

    def _figure(self, node) -> list:
        """A figure or a drawn chart: the image in the box `present` gave it, caption, source, note."""
        box = self.pres.image_box(node)
        # Read, decoded and embedded once per build however often it is placed (see ImageStore).
        image = StoredImage(box.path, box.width, box.height, self.images)
        below = self._caption(node.caption, self.style("figure-caption")) + \
            self._source(node.source, node.note, "figure-source", spaceAfter=0)
        block = FigureBlock(image, below, gap=4)
        block.spaceBefore, block.spaceAfter = 6, self.layout.space_after + 6
        return [block]

    # ------------------------------------------------------------ sections and contents

    def visit_Section(self, sec: m.Section) -> list:
        entry = self.pres.entry(sec)
        level = entry.level
        text = [Span(sec.number)] + self.markup(sec.title)
        toc_text = text_markup(entry.text)
        common = dict(key=entry.key, title=entry.text, outline_level=entry.depth,
                      toc_level=entry.depth if entry.listed else None, toc_text=toc_text)
        if entry.listed:
            self.toc_entries.append((entry.depth, toc_text, 0, entry.key))
        out: list = []
        width = self.layout.text_width
        records = self._tail_records()
        if sec.kind == "part":
            lay = self.layout
            out += [CheckedBreak(records, nextTemplate="divider"), Spacer(0, lay.text_height * 0.3),
                    PartTitle(text, self.style("part"), band=self.color["primary"], band_x=-lay.margin_left,
                              band_width=lay.page_width, chapter=True, **common),
                    Spacer(0, lay.sizes["title"] * 2),
                    *self._blocks(sec.blocks, width, self.style("body")),
                    PageBreak(nextTemplate="body")]
        else:
            style = self.style(f"h{level}")
            if sec.page_break:
                out.append(CheckedBreak(records))
            elif level == 1:
                out.append(self._chapter_break(records))
            if level == 1 and self.layout.chapter_break != "page":
                # A chapter that runs on after another is set apart from it (at a page's top
                # ReportLab drops the space).
                style = self.style("h1", spaceBefore=self.pres.looks["h1-run-on"].before)
            out.append(Heading(text, style, chapter=level == 1,
                               rule=self.color["primary"] if level == 1 else None, **common))
            out += self._floats(self._blocks(sec.blocks, width, self.style("body")))
        for child in sec.children:
            out += self.visit(child)
        if sec.kind != "part" and level == 1:
            out = self._marked(out, records)
        if not self._records_placed:
            # The records must stand in the story itself for every pass to consult them;
            # after the first break, so that nothing but a break opens a page.
            out.insert(1, records)
            self._records_placed = True
        return out

    def _closing(self) -> list:
        """The closing page: disclaimer, copyright and contact, each under its title, at the
        foot of a page of their own (a page with the footer, without the running head)."""
        if not self.doc.closing:
            return []
        lay, size = self.layout, self.layout.sizes
        text = self.style("block", fontSize=size["small"] + 0.5, leading=(size["small"] + 0.5) * 1.6,
                          textColor=self.color["muted"], spaceAfter=4)
        title = self.style("block", fontName=self.bold, textColor=self.color["primary"], spaceBefore=10,
                           spaceAfter=4, keepWithNext=1)
        inner: list = []
        for part in self.doc.closing:
            inner.append(TextBlock([Span(part.title)], title))
            inner += self._blocks(part.blocks, lay.text_width, text)
        return [CheckedBreak(self._records, nextTemplate="divider") if getattr(self, "_records", None) else
                PageBreak(nextTemplate="divider"), BottomAligned(inner)]

    # ------------------------------------------------------------ filled pages

    def _tail_records(self) -> TailRecords:
        if getattr(self, "_records", None) is None:
            body = self.layout.sizes["body"]
            self._records = TailRecords(TAIL_LINES, body * self.layout.line_spacing)
            self._records_placed = False
            self._marks = 0
        return self._records

    def _chapter_break(self, records: TailRecords):
        """The break before a chapter, as the layout's `chapter_break` says."""
        lay = self.layout
        if lay.chapter_break == "page":
            return CheckedBreak(records)
        return ChapterBreak(lay.chapter_break, lay.chapter_break_min_space, records)

    def _marked(self, flowables: list, records: TailRecords) -> list:
        """A chapter's flowables with a `TailMark` before each block that may start a page:
        not after a heading or caption (that keeps with what follows), not before a break
        (a mark at a page's top would leave that page empty)."""
        out = []
        for i, f in enumerate(flowables):
            before = flowables[i - 1] if i else None
            if before is not None and not before.getKeepWithNext() and \
                    not isinstance(f, (PageBreak, ChapterBreak, TailRecords, Indenter)):
                self._marks += 1
                out.append(TailMark(records, self._marks))
            out.append(f)
        return out

    def _floats(self, flowables: list) -> list:
        """A figure, or a short table kept whole, groups with the text paragraphs after it, so
        that they can fill the page when it does not fit (see `FloatGroup`)."""
        out, i = [], 0
        while i < len(flowables):
            f = flowables[i]
            j = i + 1
            if isinstance(f, (FigureBlock, KeepTogether)):
                # Text paragraphs only (list items too): not headings, tables, boxes or figures.
                while j < len(flowables) and j - i <= FLOAT_FOLLOWERS and isinstance(flowables[j], TextBlock) \
                        and not isinstance(flowables[j], Heading) and not flowables[j].getKeepWithNext():
                    j += 1
            if j > i + 1:
                out.append(FloatGroup(f, flowables[i + 1:j]))
            else:
                out.append(f)
            i = j
        return out

    def _toc(self) -> list:
        if not any(s.toc for s in self.doc.walk_sections()):
            return []
        title = self.pres.contents_title()
        body = self.layout.sizes["body"]
        levels = [
            self.style("toc", fontName=self.bold, spaceBefore=body * 0.6),
            self.style("toc", leftIndent=body * 2),
            self.style("toc", leftIndent=body * 4, textColor=self.color["muted"]),
            self.style("toc", leftIndent=body * 6, textColor=self.color["muted"]),
        ]
        if self.has_parts:
            levels.insert(0, self.style("toc", fontName=self.bold, textColor=self.color["primary"],
                                        fontSize=body * 1.15, spaceBefore=body))
        levels.append(self.style("toc", leftIndent=body * 8, textColor=self.color["muted"]))
        entries = [ContentsEntry(text, levels[min(level, len(levels) - 1)], key)
                   for level, text, _, key in self.toc_entries]
        heading = Heading(text_markup(title), self.style("toc-title"), key="contents", title=title, outline_level=0,
                          toc_level=None, toc_text="", chapter=True, rule=self.color["primary"])
        return [heading, *entries, PageBreak()]
