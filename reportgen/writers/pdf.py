"""PDF writer: the resolved document model to a typeset PDF, with ReportLab.

The page sequence is cover, front matter (if any), table of contents, then the sections:
a chapter (level 1) starts a page, a part gets a divider page. Body pages carry the
layout's header and footer; footnotes print at the bottom of the page of their reference.

Fonts are the two TrueType faces the caller made for this document (`fonts.faces_for`);
every piece of text, including ReportLab's own defaults, uses them, so the PDF embeds
exactly those two subsets. Output is byte-reproducible (`invariant=1`: no dates or ids).

The parts ReportLab lacks (footnote frames, headings that feed outline and TOC, keeping a
heading with the start of the next block) are in `pdf_flowables.py`.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import textsplit as rl_textsplit
from reportlab.lib.colors import HexColor, white
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Indenter, KeepTogether, LayoutError, PageBreak, PageBreakIfNotEmpty, PageTemplate
from reportlab.platypus import Paragraph as P
from reportlab.platypus import Spacer
from reportlab.platypus import paragraph as rl_paragraph
from reportlab.platypus.tableofcontents import TableOfContents
from reportlab.platypus.tables import TableStyle

from .. import model as m
from ..errors import Diagnostic, ReportgenError
from ..fonts import Faces
from ..layout import Layout
from .pdf_flowables import (
    CONTROL, NOTE_ANCHOR, FigureBlock, Heading, NotedTable, NoteFrame, NoteRegistry, PageCounter,
    PagePainter, PartTitle, ReportDocTemplate, WindowedTable, note_numbers, text_markup,
)

SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # a link target ReportLab can resolve
ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}
# Bullet glyph and its size relative to the text, by nesting depth (all in fonts.BASE_CHARS).
BULLETS = [("●", 0.42), ("○", 0.5), ("■", 0.36)]
FIGURE_MAX_HEIGHT = 0.6  # share of the text height an image may take
CANNOT_START = "，。、；：？！”’》〉」』】〗）］｝〕…‰％"  # Chinese punctuation that never starts a line


def write_pdf(doc: m.Document, layout: Layout, faces: Faces, out: Path, chart_images=None) -> int:
    """Render `doc` to `out` (a path the caller chose; write there directly); return the page count.
    `chart_images`: the drawing of each Chart block, in `doc.walk_blocks()` order."""
    regular, bold = _register_fonts(faces)
    with _reportlab_settings(regular):
        writer = _Writer(doc, layout, faces, regular, bold)
        writer.chart_figures = _chart_figures(doc, chart_images or [])
        return writer.write(Path(out))


def _chart_figures(doc: m.Document, images: list) -> dict:
    """id(chart) -> a Figure showing its drawing."""
    charts = [b for b in doc.walk_blocks() if isinstance(b, m.Chart)]
    return {id(c): m.Figure(str(p), c.caption, c.source, c.width, c.title, c.loc, note=c.note)
            for c, p in zip(charts, images)}


@contextmanager
def _reportlab_settings(font: str):
    """ReportLab globals this writer needs, set for one build and then restored."""
    saved = rl_config.canvas_basefontname, rl_paragraph.ALL_CANNOT_START, rl_config.useA85
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
    try:
        yield
    finally:
        rl_config.canvas_basefontname = saved[0]
        rl_paragraph.ALL_CANNOT_START = rl_textsplit.ALL_CANNOT_START = saved[1]
        rl_config.useA85 = saved[2]


def _error(message: str, loc=None) -> ReportgenError:
    return ReportgenError(Diagnostic(loc, message, "error", "pdf"))


def _register_fonts(faces: Faces) -> tuple[str, str]:
    """Register both faces as one family (<b> = bold) under names that depend on what they
    draw, not on their files: a face cut for more characters embeds the same glyphs, so a PDF
    does not change with what else its build printed."""
    stem = f"RG-{faces.family.replace(' ', '')}{'-Latin' if faces.latin else ''}"
    regular, bold = f"{stem}-Regular", f"{stem}-Bold"
    for name, path in ((regular, faces.regular), (bold, faces.bold)):
        current = pdfmetrics._fonts.get(name)
        if current is not None and getattr(current, "reportgen_path", None) == str(path):
            continue
        font = TTFont(name, str(path))
        font.reportgen_path = str(path)
        # ReportLab hands out the first font registered under a PostScript name for any later
        # one with that name; a face cut for another character set must replace it.
        pdfmetrics._fonts.pop(name, None)
        pdfmetrics._dynFaceNames.pop(font.face.name, None)
        pdfmetrics.registerFont(font)
    # CJK faces have no italic: emphasis keeps the upright face of its weight.
    pdfmetrics.registerFontFamily(stem, normal=regular, bold=bold, italic=regular, boldItalic=bold)
    return regular, bold


class _Writer:
    def __init__(self, doc: m.Document, layout: Layout, faces: Faces, regular: str, bold: str):
        self.doc, self.layout, self.faces = doc, layout, faces
        self.regular, self.bold = regular, bold
        self.color = {k: HexColor(v) for k, v in layout.colors.items()}
        self.terms = doc.terms
        self.cjk = doc.locale.split("_")[0].lower() in ("zh", "ja", "ko")
        self.has_parts = any(s.kind == "part" for s in doc.walk_sections())
        self.registry = NoteRegistry(self.color["rule"])
        self.toc_entries: list = []  # what the contents will list, page numbers still unknown
        self._styles: dict = {}
        self.keys: dict[int, str] = {}  # id(section) -> bookmark key
        self.anchors: dict[str, str] = {}  # section anchor -> bookmark key (for "#anchor" links)
        for i, section in enumerate(doc.walk_sections()):
            self.keys[id(section)] = key = f"sec{i}"
            if section.anchor:
                self.anchors.setdefault(section.anchor, key)

    # ------------------------------------------------------------ document

    def write(self, out: Path) -> int:
        lay, meta = self.layout, self.doc.meta
        counter = PageCounter()
        template = ReportDocTemplate(
            str(out), registry=self.registry, counter=counter,
            # The cover counts as page 1 (unprinted), as in the Word file, so "page 3 of 12"
            # means the same page in both formats and matches the file's page count.
            front_pages=0,
            pagesize=(lay.page_width, lay.page_height),
            leftMargin=lay.margin_left, rightMargin=lay.margin_right,
            topMargin=lay.margin_top, bottomMargin=lay.margin_bottom,
            title=meta.title, author=meta.author, subject=meta.subtitle, creator="reportgen",
            lang=self.doc.locale.replace("_", "-"), invariant=1, initialFontName=self.regular,
        )
        paint = PagePainter(lay, meta, self.terms, self.regular, self.bold, self.color, self.cjk)
        template.addPageTemplates([
            PageTemplate("cover", [self._frame("cover")], onPage=paint.cover),
            PageTemplate("body", [self._frame("body")], onPageEnd=paint.body),
            PageTemplate("divider", [self._frame("divider")], onPageEnd=paint.divider),
        ])
        story = [counter, PageBreak(nextTemplate="body")]
        if self.doc.front:
            story += self._blocks(self.doc.front, lay.text_width, self.style("body"))
            story.append(PageBreak())
        toc = self._toc()
        if toc:
            story += toc
        for section in self.doc.sections:
            story += self._section(section, ())
        if toc:
            # The contents has its final size from the first pass (page numbers 0 for now),
            # so the pages do not move between passes: two passes instead of three, and the
            # first may skip drawing images (their size is known without decoding them).
            toc[1]._entries = list(self.toc_entries)
            template.draft_first_pass = True
        try:
            template.multiBuild(story)
        except LayoutError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise _error("the PDF could not be laid out: a block (a figure, a table cell, a box) is "
                         f"too large for the page; make it smaller ({first[:160]})") from None
        return template.page

    def _frame(self, name: str) -> NoteFrame:
        lay = self.layout
        return NoteFrame(lay.margin_left, lay.margin_bottom, lay.text_width, lay.text_height,
                         leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
                         id=name, registry=self.registry)

    # ------------------------------------------------------------ styles

    def style(self, name: str, **changes) -> ParagraphStyle:
        """A named paragraph style, or a cached variant of it with some attributes changed."""
        key = (name, tuple(sorted((k, repr(v)) for k, v in changes.items())))
        if key not in self._styles:
            base = self._base_style(name) if not changes else self.style(name)
            self._styles[key] = ParagraphStyle(f"{name}-{len(self._styles)}", parent=base, **changes) \
                if changes else base
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

    def markup(self, inlines: list, in_link: bool = False) -> str:
        """Paragraph markup for inline runs; every text is escaped on its way in."""
        out = []
        for node in inlines:
            if isinstance(node, m.Str):
                out.append(text_markup(node.text))
            elif isinstance(node, m.Code):
                out.append(f'<font name="{self.regular}">{text_markup(node.text)}</font>')
            elif isinstance(node, m.Strong):
                out.append(f"<b>{self.markup(node.children, in_link)}</b>")
            elif isinstance(node, m.Emph):
                out.append(f"<i>{self.markup(node.children, in_link)}</i>")
            elif isinstance(node, m.LineBreak):
                out.append("<br/>")
            elif isinstance(node, m.Link):
                out.append(self._link(node, in_link))
            elif isinstance(node, m.NoteRef):
                out.append(self._note_ref(node))
            else:
                raise _error(f"the PDF writer cannot render inline `{type(node).__name__}` "
                             "(was the document resolved?)")
        return "".join(out)

    def _link(self, node: m.Link, in_link: bool) -> str:
        inner = self.markup(node.children, True)
        url = node.url.strip()
        if url.startswith("#"):
            target = self.anchors.get(url[1:])
            href = f"#{target}" if target else None
        else:
            # ReportLab takes a target without a scheme for a named destination and fails
            # the whole build when it is missing: such links print as text.
            href = url if SCHEME.match(url) else None
        if href is None or in_link:
            return inner
        href = escape(CONTROL.sub("", href), {'"': "&quot;"})
        return f'<a href="{href}" color="{self.layout.colors["accent"]}">{inner}</a>'

    def _note_ref(self, node: m.NoteRef) -> str:
        n = node.number
        if n not in self.registry.paragraphs:
            # Notes inside notes print their text only (a note has no notes of its own).
            text = self.markup([c for c in node.children if not isinstance(c, m.NoteRef)])
            self.registry.paragraphs[n] = P(text, self.style("note"), bulletText=f"{n}")
        # The anchor lets the frame find which notes a (split) paragraph carries.
        return f'<a name="{NOTE_ANCHOR}{n}"/><super>{n}</super>'

    def para(self, inlines: list, style: ParagraphStyle, **kwargs) -> P:
        return P(self.markup(inlines), style, **kwargs)

    # ------------------------------------------------------------ blocks

    def _blocks(self, blocks: list, width: float, style: ParagraphStyle) -> list:
        out = []
        for block in blocks:
            out += self._block(block, width, style)
        return out

    def _block(self, node, width: float, style: ParagraphStyle) -> list:
        node = getattr(self, "chart_figures", {}).get(id(node), node)
        if isinstance(node, m.Paragraph):
            return [self.para(node.inlines, style)] if node.inlines else []
        if isinstance(node, m.ListBlock):
            return self._list(node, width, 0)
        if isinstance(node, m.Quote):
            return self._quote(node, width)
        if isinstance(node, m.Callout):
            return self._callout(node, width)
        if isinstance(node, m.Table):
            return self._table(node, width)
        if isinstance(node, m.Figure):
            return self._figure(node, width)
        if isinstance(node, m.PageBreak):
            return [PageBreak()]
        raise _error(f"the PDF writer cannot render a `{type(node).__name__}` block "
                     "(was the document resolved and its charts drawn?)", getattr(node, "loc", None))

    def _list(self, node: m.ListBlock, width: float, depth: int) -> list:
        body = self.layout.sizes["body"]
        # Top-level bullets sit where a paragraph's first line starts; each level goes 2em in.
        start = max(self.layout.first_line_indent, 0.5) * body + depth * 2 * body
        if node.ordered:
            labels = [f"{node.start + i}." for i in range(len(node.items))]
            size, lift = body, 0.0
        else:
            glyph, scale = BULLETS[min(depth, len(BULLETS) - 1)]
            if glyph not in self.faces.chars:
                glyph, scale = "-", 1.0
            labels = [glyph] * len(node.items)
            # CJK bullets are full-width glyphs centred on the em box: a smaller size gives a
            # smaller mark, lifted so that it stays centred on the line.
            size, lift = body * scale, body * (1 - scale) * 0.38
        widest = max((pdfmetrics.stringWidth(s, self.regular, size) for s in labels), default=0)
        # ReportLab pushes the first line right if the bullet + 0.6 of its size passes the indent.
        text_indent = start + max(widest + size * 0.6 + body * 0.3, body * 1.5)
        out = []
        for i, (label, item) in enumerate(zip(labels, node.items)):
            first = True
            for block in item:
                last = i == len(node.items) - 1 and block is item[-1]
                st = self.style("block", leftIndent=text_indent, bulletIndent=start,
                                spaceAfter=self.layout.space_after if last and depth == 0 else 2,
                                bulletFontSize=size, bulletOffsetY=lift,
                                bulletColor=self.color["primary"] if not node.ordered else self.color["text"])
                if isinstance(block, m.Paragraph):
                    out.append(self.para(block.inlines, st, bulletText=label if first else None))
                elif isinstance(block, m.ListBlock):
                    if first:
                        out.append(P("", st, bulletText=label))
                    out += self._list(block, width, depth + 1)
                else:
                    if first:
                        out.append(P("", st, bulletText=label))
                    out += [Indenter(left=text_indent),
                            *self._block(block, width - text_indent, self.style("block")),
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
        body_style = self.style("quote" if node.kind == "quote" else "block")
        inner = self._blocks(node.blocks, inner_width, body_style)
        if node.kind == "case" and node.title:
            title = self.para(node.title, self.style("block", fontName=self.bold, textColor=white, spaceAfter=0))
            return [self._box([[title], [inner]], width, [
                ("BACKGROUND", (0, 0), (0, 0), c["primary"]), ("BACKGROUND", (0, 1), (0, -1), c["callout"]),
                ("TOPPADDING", (0, 0), (0, 0), pad * 0.45), ("BOTTOMPADDING", (0, 0), (0, 0), pad * 0.45),
            ], pad, repeat=1)]
        if node.title:
            inner.insert(0, self.para(node.title, self.style(
                "block", fontName=self.bold, textColor=c["primary"], spaceAfter=3)))
        return [self._box([[inner]], width, [
            ("BACKGROUND", (0, 0), (-1, -1), c["callout"]),
            ("LINEBEFORE", (0, 0), (0, -1), 3, c["accent"] if node.kind != "quote" else c["rule"]),
        ], pad)]

    def _caption(self, caption: m.Caption | None, style: ParagraphStyle) -> list:
        if caption is None:
            return []
        label = " ".join(x for x in (caption.label, str(caption.number)) if x)
        text = self.markup(caption.inlines)
        return [P(f"{text_markup(label)} {text}" if text else text_markup(label), style)]

    def _source(self, source: list | None, note: list | None, style: str, **changes) -> list:
        """The source line under a table or figure, then its note on a line of its own."""
        lines = [(inlines, term, fallback) for inlines, term, fallback in
                 ((source, "source", "Source: "), (note, "note", "Note: ")) if inlines]
        out = []
        for i, (inlines, term, fallback) in enumerate(lines):
            # Only the last line keeps the space that ends the block.
            last = i == len(lines) - 1
            st = self.style(style, **changes) if last else self.style(style, **{**changes, "spaceAfter": 0})
            out.append(P(text_markup(self.terms.get(term, fallback)) + self.markup(inlines), st))
        return out

    def _widths(self, columns: list[m.Column], width: float) -> list[float]:
        """Column widths from width shares; columns without a share split what is left."""
        shares = [c.width if c.width and c.width > 0 else None for c in columns]
        given = sum(s for s in shares if s is not None)
        if given > 1:
            shares = [s / given if s is not None else None for s in shares]
            given = 1.0
        free = [i for i, s in enumerate(shares) if s is None]
        rest = max(1.0 - given, 0.0) / len(free) if free else 0.0
        if free and rest * width < 24:  # shares used it all up: give automatic columns a fair part
            shares = [s if s is not None else 1.0 / len(columns) for s in shares]
            total = sum(shares)
            return [width * s / total for s in shares]
        return [width * (s if s is not None else rest) for s in shares]

    def _table(self, node: m.Table, width: float) -> list:
        c = self.color
        ncols = len(node.columns) or max((len(r) for r in node.head + node.body + node.foot), default=1)
        columns = node.columns or [m.Column() for _ in range(ncols)]
        stats = node.style == "stats"
        if stats and not any(col.width for col in columns) and ncols == 2:
            columns = [m.Column(0.62, columns[0].align), m.Column(0.38, "right")]
        widths = self._widths(columns, width)
        nh, nb, nf = len(node.head), len(node.body), len(node.foot)
        size = self.layout.sizes["table"]
        pad = size * 0.6
        # Per-cell commands in whole-table row numbers: (command, col0, row0, col1, row1, *args).
        data, cell_cmds, blocked = [], [], set()
        for r, row in enumerate(node.head + node.body + node.foot):
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
                align = cell.align or ("right" if stats and col == 1 and part == "body" else columns[col].align)
                span_width = sum(widths[col:col + max(cell.colspan, 1)])
                line.append(self._cell(cell, part, align, stats and col == 1, span_width - 2 * pad))
                if cell.align and cell.align != columns[col].align:
                    cell_cmds.append(("ALIGN", col, r, col, r, cell.align.upper()))
            data.append(line)
        if not data:
            return []
        has_notes = any(isinstance(x, P) and note_numbers(x) for row in data for x in row)

        def make(first: int, stop: int) -> NotedTable:
            """The table with body rows first..stop-1 (the foot only with the last row)."""
            rows = list(range(nh)) + list(range(nh + first, nh + stop))
            if stop == nb:
                rows += range(nh + nb, nh + nb + nf)
            where = {g: i for i, g in enumerate(rows)}
            cmds = self._table_commands(columns, stats, nh, stop - first, nf if stop == nb else 0, first % 2)
            for name, c0, r0, c1, r1, *args in cell_cmds:
                if r0 in where and r1 in where:
                    cmds.append((name, (c0, where[r0]), (c1, where[r1]), *args))
            table = NotedTable([data[g] for g in rows], colWidths=widths, repeatRows=nh, splitByRow=1,
                               hAlign="CENTER", style=TableStyle(cmds))
            table.has_notes = has_notes
            return table

        if nb > WindowedTable.WINDOW:
            table = WindowedTable(make, nb, blocked, has_notes)
        else:
            table = make(0, nb)
        table.spaceAfter = 0 if node.source or node.note else self.layout.space_after + 4
        table.spaceBefore = 0 if node.caption else 6
        notes = self._source(node.source, node.note, "source")
        if notes and nb <= WindowedTable.WINDOW:
            # A short table keeps its source line: a page must not open with a stray source note.
            _, height = table.wrap(width, self.layout.text_height)
            if height < self.layout.text_height * 0.4:
                return [KeepTogether([*self._caption(node.caption, self.style("caption")), table, *notes])]
        return [*self._caption(node.caption, self.style("caption")), table, *notes]

    def _table_commands(self, columns, stats: bool, nh: int, nb: int, nf: int, parity: int) -> list:
        """Table style for `nh` head, `nb` body and `nf` foot rows; `parity` flips the zebra."""
        c, size = self.color, self.layout.sizes["table"]
        pad = size * 0.6
        body_end = nh + nb - 1
        # Fonts, colours and alignment also serve the cells drawn as plain strings (see `_cell`).
        cmds = [
            ("FONTNAME", (0, 0), (-1, -1), self.regular),
            ("FONTSIZE", (0, 0), (-1, -1), size), ("LEADING", (0, 0), (-1, -1), size * 1.4),
            ("TEXTCOLOR", (0, 0), (-1, -1), c["text"]),
            *[("ALIGN", (i, 0), (i, -1), col.align.upper()) for i, col in enumerate(columns)],
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("TOPPADDING", (0, 0), (-1, -1), pad * 0.75), ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.75),
        ]
        if stats and nb:
            cmds += [("ALIGN", (1, nh), (1, body_end), "RIGHT"),
                     ("FONTNAME", (1, nh), (1, body_end), self.bold),
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
        (ReportLab draws those ~20x faster than Paragraphs, which counts in 10,000-row tables),
        else a wrapping Paragraph."""
        if not cell.inlines:
            return ""
        if all(isinstance(x, m.Str) for x in cell.inlines):
            text = CONTROL.sub("", "".join(x.text for x in cell.inlines)).replace("\n", " ").strip()
            font = self.bold if part != "body" or value else self.regular
            if pdfmetrics.stringWidth(text, font, self.layout.sizes["table"]) <= room - 0.5:
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

    def _figure(self, node: m.Figure, width: float) -> list:
        from PIL import Image as PILImage

        try:
            with PILImage.open(node.path) as im:
                px_w, px_h = im.size
        except (OSError, ValueError) as exc:
            raise _error(f"figure `{node.path}` is not an image the PDF writer can read "
                         f"(PNG or JPEG): {exc}", node.loc) from None
        w = width * min(max(node.width or 1.0, 0.05), 1.0)
        h = w * px_h / px_w
        limit = self.layout.text_height * FIGURE_MAX_HEIGHT
        if h > limit:
            w, h = w * limit / h, limit
        # lazy=2: the image is read when drawn and dropped after, not kept for the whole build.
        image = Image(node.path, width=w, height=h, lazy=2)
        below = self._caption(node.caption, self.style("figure-caption")) + \
            self._source(node.source, node.note, "figure-source", spaceAfter=0)
        block = FigureBlock(image, below, gap=4)
        block.spaceBefore, block.spaceAfter = 6, self.layout.space_after + 6
        return [block]

    # ------------------------------------------------------------ sections and contents

    def _section(self, sec: m.Section, parents: tuple) -> list:
        depth = len(parents)  # outline and TOC level
        level = min(1 + sum(1 for p in parents if p.kind != "part"), 4)  # parts do not count
        key = self.keys[id(sec)]
        text = text_markup(sec.number) + self.markup(sec.title)
        toc_text = text_markup(sec.heading_text)
        listed = sec.toc and (sec.kind == "part" or level <= self.layout.toc_depth)
        common = dict(key=key, title=sec.heading_text, outline_level=depth,
                      toc_level=depth if listed else None, toc_text=toc_text)
        if listed:
            self.toc_entries.append((depth, toc_text, 0, key))
        out: list = []
        width = self.layout.text_width
        if sec.kind == "part":
            lay = self.layout
            out += [PageBreakIfNotEmpty(nextTemplate="divider"), Spacer(0, lay.text_height * 0.3),
                    PartTitle(text, self.style("part"), band=self.color["primary"], band_x=-lay.margin_left,
                              band_width=lay.page_width, chapter=True, **common),
                    Spacer(0, lay.sizes["title"] * 2),
                    *self._blocks(sec.blocks, width, self.style("body")),
                    PageBreak(nextTemplate="body")]
        else:
            if level == 1 or sec.page_break:
                out.append(PageBreakIfNotEmpty())
            out.append(Heading(text, self.style(f"h{level}"), chapter=level == 1,
                               rule=self.color["primary"] if level == 1 else None, **common))
            out += self._blocks(sec.blocks, width, self.style("body"))
        for child in sec.children:
            out += self._section(child, parents + (sec,))
        return out

    def _toc(self) -> list:
        if not any(s.toc for s in self.doc.walk_sections()):
            return []
        title = self.terms.get("contents", "Contents")
        body = self.layout.sizes["body"]
        toc_style = self.style("toc")
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
        toc = TableOfContents(levelStyles=levels, dotsMinLevel=0, tableStyle=TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), toc_style.fontName),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]))
        heading = Heading(text_markup(title), self.style("toc-title"), key="contents", title=title, outline_level=0,
                          toc_level=None, toc_text="", chapter=True, rule=self.color["primary"])
        return [heading, toc, PageBreak()]
