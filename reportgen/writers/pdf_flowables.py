"""ReportLab machinery for the PDF writer: frames, flowables and the document template.

Nothing here visits the report model; `pdf.py` does, and builds a story from these
parts. What each part is for:

- `NoteFrame` reserves room at the bottom of the page for the footnotes of whatever it
  places, so a note always prints on the page of its reference, above the footer.
- `Heading` drops the bookmark and outline entry where the heading is drawn; the
  document template feeds it to the table of contents.
- `KeepWithNext` keeps headings and captions with the start of what follows without
  pushing a whole long paragraph or table to the next page (ReportLab's KeepTogether would).
- `PageCounter` makes `multiBuild` run until the total page count is stable, so the
  footer can print "page 3 of 12" without a second canvas pass.
- `WindowedTable` keeps very long tables linear in time (see there).
- `PagePainter` draws what lies outside the frame: cover, running header and footer.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from reportlab.lib.colors import Color, white
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, Frame, Paragraph, Table
from reportlab.platypus.doctemplate import BaseDocTemplate, FrameBreak
from reportlab.platypus.flowables import KeepTogether

from .pdf_text import TextBlock

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # ReportLab's parser chokes on these
NOTE_ANCHOR = "fnref-"  # in Paragraph markup, footnote references are `<a name="fnref-N"/>` anchors
NOTE_RULE_SPACE = 10.0  # points above the first note of a page: the short rule and its gap


def text_markup(s: str) -> str:
    """Plain text made safe for Paragraph markup."""
    return escape(CONTROL.sub("", s))


# ---------------------------------------------------------------- footnotes


class NoteRegistry:
    """The footnotes of one document: their paragraphs, and which are already printed."""

    def __init__(self, rule_color: Color):
        self.paragraphs: dict[int, Paragraph] = {}
        self.printed: set[int] = set()
        self.rule_color = rule_color

    def __deepcopy__(self, memo):
        # ReportLab deep-copies the frame to measure KeepTogether content; share, don't copy.
        return self

    def height(self, numbers, width: float, first_on_page: bool) -> float:
        total = NOTE_RULE_SPACE if first_on_page else 0.0
        for n in numbers:
            para = self.paragraphs[n]
            total += para.wrap(width, 1e6)[1] + para.style.spaceBefore
        return total


def note_numbers(flowable) -> list[int]:
    """Footnote numbers referenced by a flowable (and what it contains), in order."""
    found: list[int] = []
    _collect_notes(flowable, found)
    return list(dict.fromkeys(found))


def _collect_notes(item, found: list[int]) -> None:
    if item is None or isinstance(item, (str, bytes, int, float)):
        return
    if isinstance(item, (list, tuple)):
        for sub in item:
            _collect_notes(sub, found)
        return
    if isinstance(item, TextBlock):
        # A split part knows the notes of its own lines.
        found.extend(item.note_refs())
        return
    if isinstance(item, Paragraph):
        # Split parts of a paragraph are new objects; the anchors travel in their frags
        # (which, once a paragraph is wrapped without CJK rules, are nested word lists).
        _scan_frags(getattr(item, "frags", ()) or (), found)
        return
    if isinstance(item, Table):
        # Scanning 10,000 rows on every page would be quadratic: tables know if they have notes.
        if getattr(item, "has_notes", True):
            for row in item._cellvalues:
                _collect_notes(row, found)
        return
    children = getattr(item, "note_children", None)
    if children is not None:
        _collect_notes(children(), found)
        return
    _collect_notes(getattr(item, "_content", None), found)


def _scan_frags(items, found: list[int]) -> None:
    for x in items:
        cb = getattr(x, "cbDefn", None)
        if cb is not None:
            name = getattr(cb, "name", None)
            if getattr(cb, "kind", None) == "anchor" and name and name.startswith(NOTE_ANCHOR):
                found.append(int(name[len(NOTE_ANCHOR):]))
        elif isinstance(x, (list, tuple)):
            _scan_frags(x, found)


class NoteFrame(Frame):
    """A frame that shrinks from the bottom by the height of the footnotes it has accepted."""

    def __init__(self, *args, registry: NoteRegistry, **kwargs):
        self.registry = registry
        super().__init__(*args, **kwargs)

    def _reset(self):
        super()._reset()
        self._y1p = self._y1 + self._bottomPadding
        self.notes: list[int] = []

    def _fresh(self, flowable) -> list[int]:
        done = self.registry.printed
        return [n for n in note_numbers(flowable)
                if n not in done and n not in self.notes and n in self.registry.paragraphs]

    def _room(self, numbers) -> float:
        return self.registry.height(numbers, self._aW, first_on_page=not self.notes)

    def add(self, flowable, canv, trySplit=0):
        fresh = self._fresh(flowable)
        if not fresh:
            return super().add(flowable, canv, trySplit)
        saved = self._y1p
        self._y1p = saved + self._room(fresh)
        placed = super().add(flowable, canv, trySplit)
        if placed:
            self.notes.extend(fresh)
            self.registry.printed.update(fresh)
        else:
            self._y1p = saved
        return placed

    def split(self, flowable, canv):
        fresh = self._fresh(flowable)
        if not fresh:
            return super().split(flowable, canv)
        saved = self._y1p
        try:
            # First leave room for every note of the flowable; if the part that fits holds
            # fewer notes, try again leaving room for those only, and keep that if it agrees.
            self._y1p = saved + self._room(fresh)
            parts = super().split(flowable, canv)
            if parts:
                first = self._fresh(parts[0])
                if len(first) < len(fresh):
                    self._y1p = saved + self._room(first)
                    retry = super().split(flowable, canv)
                    if retry and set(self._fresh(retry[0])) <= set(first):
                        parts = retry
            return parts
        finally:
            self._y1p = saved

    def draw_notes(self, canv) -> None:
        """Draw this page's footnotes in the room reserved at the bottom of the frame."""
        if not self.notes:
            return
        x = self._x1 + self._leftPadding
        top = self._y1 + self._bottomPadding + self._room_total()
        canv.saveState()
        canv.setStrokeColor(self.registry.rule_color)
        canv.setLineWidth(0.5)
        canv.line(x, top - 3, x + min(120.0, self._aW * 0.3), top - 3)
        canv.restoreState()
        y = top - NOTE_RULE_SPACE
        for n in self.notes:
            para = self.registry.paragraphs[n]
            _, h = para.wrap(self._aW, 1e6)
            y -= para.style.spaceBefore + h
            para.drawOn(canv, x, y)

    def _room_total(self) -> float:
        return self.registry.height(self.notes, self._aW, first_on_page=True)


# ---------------------------------------------------------------- flowables


class Heading(TextBlock):
    """A section heading: bookmark, outline entry and table-of-contents entry in one.

    `text` is a list of spans, or plain text escaped as `text_markup` does."""

    def __init__(self, text, style, *, key: str, title: str, outline_level: int,
                 toc_level: int | None, toc_text: str, chapter: bool, rule: Color | None = None):
        super().__init__(text, style, role="heading")
        self.key = key
        self.title = title  # plain text for the outline and the running header
        self.outline_level = outline_level
        self.toc_level = toc_level  # None: not listed in the table of contents
        self.toc_text = toc_text  # escaped markup
        self.chapter = chapter  # its title becomes the header's {section}
        self.rule = rule

    def split(self, aW, aH):
        return []  # a heading moves whole to the next page, never in pieces

    def draw(self):
        super().draw()
        canv = self.canv
        if self.rule is not None:
            canv.saveState()
            canv.setStrokeColor(self.rule)
            canv.setLineWidth(0.8)
            canv.line(0, -5, self.width, -5)
            canv.restoreState()
        canv.bookmarkHorizontal(self.key, 0, self.height + self.style.fontSize * 0.5)
        canv.addOutlineEntry(self.title, self.key, level=self.outline_level,
                             closed=self.outline_level >= 1)


class PartTitle(Heading):
    """A part's title on its divider page: centred in a colour band as wide as the page."""

    def __init__(self, text, style, *, band: Color, band_x: float, band_width: float, **kwargs):
        super().__init__(text, style, **kwargs)
        self.band, self.band_x, self.band_width = band, band_x, band_width

    def draw(self):
        canv = self.canv
        canv.saveState()
        canv.setFillColor(self.band)
        pad = self.style.fontSize * 1.2
        canv.rect(self.band_x, -pad, self.band_width, self.height + 2 * pad, stroke=0, fill=1)
        canv.restoreState()
        super().draw()


class KeepWithNext(KeepTogether):
    """Headings/captions and the block after them: break the page only if that block
    cannot start on this one (a few lines of a paragraph, the header and a row of a table)."""

    def wrap(self, aW, aH):
        # KeepTogether measures all its content at unlimited height: for a caption and a
        # 10,000-row table that is the whole table, again on every try. Force a split instead.
        self._wrapInfo = aW, aH
        return aW, 0xFFFFFF

    def split(self, aW, aH):
        content = self._content[:]
        frame = getattr(self, "_frame", None)
        if frame is None or getattr(frame, "_atTop", True):
            return content
        canv = self.canv
        leads = content[:-1] if len(content) > 1 else content
        follower = content[-1] if len(content) > 1 else None
        need, after = 0.0, None
        for f in leads:
            h = f.wrapOn(canv, aW, 0xFFFFFF)[1]
            need += h + (0 if after is None else max(after, f.getSpaceBefore()))
            after = f.getSpaceAfter()
        room = aH - need
        if follower is None:
            # Nothing may join the group (a page break follows): ask for a few lines of room.
            style = getattr(leads[-1], "style", None)
            fits = room >= (3 * style.leading if style is not None else 0)
        else:
            fits = self._can_start(follower, canv, aW, room - max(after, follower.getSpaceBefore()))
        return content if fits else [FrameBreak()] + content

    @staticmethod
    def _can_start(f, canv, aW, room) -> bool:
        if room <= 0:
            return False
        if f.wrapOn(canv, aW, room)[1] <= room:
            return True
        if getattr(f, "unsplittable", False):
            return False
        parts = f.splitOn(canv, aW, room)
        return len(parts) > 1


class PageCounter(Flowable):
    """An invisible indexing flowable: unsatisfied until two passes agree on the page count."""

    _ZEROSIZE = 1

    def __init__(self):
        super().__init__()
        self.width = self.height = 0
        self.doc = None
        self.pages = None  # total pages of the last finished pass
        self.previous = None

    def isIndexing(self):
        return 1

    def beforeBuild(self):
        self.previous = self.pages

    def afterBuild(self):
        self.pages = self.doc.page

    def isSatisfied(self):
        return self.pages is not None and self.pages == self.previous

    def notify(self, kind, stuff):
        pass  # listens to nothing; it only counts pages

    def wrap(self, aW, aH):
        return 0, 0

    def draw(self):
        pass


class NotedTable(Table):
    """A Table whose split parts remember whether any cell holds a footnote reference."""

    has_notes = True
    unsplittable = False

    def split(self, aW, aH):
        parts = super().split(aW, aH)
        if not parts and not self.splitInRow and self._row_too_tall(aH):
            # A row taller than a whole page: split inside it rather than fail. Only this
            # once: the rest must again move to a new page before it splits in a row.
            self.splitInRow = 1
            # ReportLab (5.1) cannot split a vertically centred cell spanning rows (its code
            # reads an unset variable): a span taller than a page is read from its top anyway.
            for span in (getattr(self, "_spanRanges", None) or {}).values():
                if span and span[3] > span[1]:
                    self._cellStyles[span[1]][span[0]].valign = "TOP"
            try:
                parts = super().split(aW, aH)
            finally:
                self.splitInRow = 0
        for part in parts:
            if isinstance(part, Table):
                part.has_notes, part.splitInRow = self.has_notes, self.splitInRow
        return parts

    def _row_too_tall(self, aH: float) -> bool:
        """Will the first row never fit? (At the top of a page, or taller than one while
        a good part of this page is still free.)"""
        frame = getattr(self, "_frame", None)
        if frame is None:
            return False
        if frame._atTop:
            return True
        heights = (getattr(self, "_rowHeights", None) or [])[:self.repeatRows + 1]
        return sum(h or 0 for h in heights) > frame._aH and aH > frame._aH / 4


class WindowedTable(Flowable):
    """A long table handed to ReportLab a window of rows at a time.

    At every page break ReportLab builds a new Table of all the remaining rows, which makes
    a 10,000-row table quadratic. This flowable makes a Table of the next WINDOW rows only
    (`make(first, stop)`, header included), lets it split, and keeps the rest for later.
    A window never ends inside a row span (`blocked` holds the row numbers it may not end at).
    """

    WINDOW = 120  # rows: more than a page holds; a window that fits a whole page is doubled

    def __init__(self, make, rows: int, blocked: set, has_notes: bool, first: int = 0, window: int = WINDOW):
        super().__init__()
        self.make, self.rows, self.blocked, self.has_notes = make, rows, blocked, has_notes
        self.first, self.window = first, window
        self._table = None

    def _window(self):
        stop = min(self.first + self.window, self.rows)
        while stop < self.rows and stop in self.blocked:
            stop += 1
        if self._table is None or self._table[0] != stop:
            self._table = (stop, self.make(self.first, stop))
        return self._table

    def note_children(self):
        return self._window()[1]._cellvalues if self.has_notes else []

    def wrap(self, aW, aH):
        stop, table = self._window()
        self.width, self.height = table.wrapOn(self.canv, aW, aH)
        if stop < self.rows:
            self.height = max(self.height, aH + 1)  # more rows follow: it can only be split
        return self.width, self.height

    def split(self, aW, aH):
        while True:
            stop, table = self._window()
            table._frame = getattr(self, "_frame", None)
            parts = table.splitOn(self.canv, aW, aH)
            if stop == self.rows or not parts:
                return parts
            if len(parts) > 1:
                break
            self.window *= 2  # the whole window fit: the page holds more rows than that
        # The first part holds the header and some body rows; the rest starts after them.
        head = table.repeatRows
        taken = parts[0]._nrows - head
        rest = WindowedTable(self.make, self.rows, self.blocked, self.has_notes, self.first + taken, self.window)
        if taken + sum(p._nrows - head for p in parts[1:]) > stop - self.first:
            # A row too tall for a page was split inside: keep the window's own remainder.
            rest.first = stop
            return [*parts, rest]
        return [parts[0], rest] if taken > 0 else []

    def drawOn(self, canvas, x, y, _sW=0):
        # Only reached when the remaining rows fit: the window is then the whole rest.
        self._window()[1].drawOn(canvas, x, y, _sW)


class FigureBlock(Flowable):
    """Image, caption and source note as one unbreakable block, centred."""

    unsplittable = True

    def __init__(self, image, below: list, gap: float):
        super().__init__()
        self.image, self.below, self.gap = image, below, gap
        self.hAlign = "CENTER"

    def note_children(self):
        return self.below

    def wrap(self, aW, aH):
        self._heights = [p.wrap(aW, 1e6)[1] for p in self.below]
        self.width = aW
        self.height = self.image.drawHeight + self.gap + sum(
            h + p.style.spaceBefore for h, p in zip(self._heights, self.below))
        return self.width, self.height

    def split(self, aW, aH):
        return []

    def draw(self):
        y = self.height - self.image.drawHeight
        if not getattr(self.canv._doctemplate, "draft", False):
            self.image.drawOn(self.canv, (self.width - self.image.drawWidth) / 2, y)
        y -= self.gap
        for h, p in zip(self._heights, self.below):
            y -= p.style.spaceBefore + h
            p.drawOn(self.canv, 0, y)


# ---------------------------------------------------------------- document template


class ReportDocTemplate(BaseDocTemplate):
    """Tracks the running section, numbers pages after the cover and feeds the TOC."""

    def __init__(self, filename, *, registry: NoteRegistry, counter: PageCounter,
                 front_pages: int, **kwargs):
        self.registry = registry
        self.counter = counter
        self.front_pages = front_pages  # unnumbered pages before page 1 (the cover)
        self.section = ""
        counter.doc = self
        self.passes = 0
        self.draft = False
        self.draft_first_pass = False  # set when a later pass is certain (see the writer)
        super().__init__(filename, **kwargs)
        self.keepTogetherClass = KeepWithNext

    def beforeDocument(self):
        # multiBuild lays the story out several times; each pass starts clean.
        self.section = ""
        self.registry.printed.clear()
        self.passes += 1
        # A pass that is certain not to be the last need not decode and compress images.
        self.draft = self.draft_first_pass and self.passes == 1

    def shown_page(self, page: int | None = None) -> int:
        """The number printed on a page: physical number minus the cover."""
        return (self.page if page is None else page) - self.front_pages

    def shown_pages(self) -> int | None:
        total = self.counter.pages
        return None if total is None else total - self.front_pages

    def afterFlowable(self, flowable):
        if isinstance(flowable, Heading):
            if flowable.chapter:
                self.section = flowable.title
            if flowable.toc_level is not None:
                self.notify("TOCEntry", (flowable.toc_level, flowable.toc_text,
                                         self.shown_page(), flowable.key))


# ---------------------------------------------------------------- page painting


def _mix(a: Color, b: Color, share_b: float) -> Color:
    return Color(*(x + (y - x) * share_b for x, y in zip(a.rgb(), b.rgb())))


class PagePainter:
    """What a page shows outside its frame: the cover, running header and footer, footnotes.

    `meta` is the document's (title, subtitle, edition, date, author); `header` and
    `footer` are the slots as `present` decided them (parts: text, page, pages, section),
    `logo` the cover logo's box;
    `layout` gives geometry, sizes and colours.
    """

    def __init__(self, layout, meta, header: dict, footer: dict, logo, regular: str, bold: str, colors: dict,
                 cjk: bool):
        self.layout, self.meta, self.header, self.footer = layout, meta, header, footer
        self.regular, self.bold, self.color, self.cjk = regular, bold, colors, cjk
        self.logo = logo  # its box (`present`), or None

    @staticmethod
    def values(doc: "ReportDocTemplate") -> dict:
        pages = doc.shown_pages()
        return {"page": str(doc.shown_page()), "pages": str(pages) if pages is not None else "?",
                "section": doc.section}

    def _slots(self, canv, slots: dict, values: dict, y: float) -> bool:
        """Draw a header or footer line (left/center/right); True if anything was drawn."""
        lay = self.layout
        size = lay.sizes["small"]
        texts = {k: "".join(p.text if p.kind == "text" else values.get(p.kind, "") for p in parts).strip()
                 for k, parts in slots.items()}
        texts = {k: v for k, v in texts.items() if v}
        if not texts:
            return False
        # A side slot may run up to the centre text, or to the middle if the other side is used.
        if "center" in texts:
            center_w = min(pdfmetrics.stringWidth(texts["center"], self.regular, size), lay.text_width)
            side = (lay.text_width - center_w) / 2 - size * 2
        else:
            side = lay.text_width / 2 - size if {"left", "right"} <= texts.keys() else lay.text_width
        canv.saveState()
        canv.setFont(self.regular, size)
        canv.setFillColor(self.color["muted"])
        x0, x1 = lay.margin_left, lay.margin_left + lay.text_width
        if "left" in texts:
            canv.drawString(x0, y, self._fit(texts["left"], size, side))
        if "center" in texts:
            canv.drawCentredString((x0 + x1) / 2, y, self._fit(texts["center"], size, lay.text_width))
        if "right" in texts:
            canv.drawRightString(x1, y, self._fit(texts["right"], size, side))
        canv.restoreState()
        return True

    def _fit(self, text: str, size: float, width: float, font: str | None = None) -> str:
        """Shorten a line of running text to `width`, ending it with an ellipsis."""
        font = font or self.regular
        if pdfmetrics.stringWidth(text, font, size) <= width:
            return text
        while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def body(self, canv, doc: "ReportDocTemplate") -> None:
        lay = self.layout
        values = self.values(doc)
        top = lay.page_height - lay.margin_top
        if self._slots(canv, self.header, values, top + 14):
            canv.saveState()
            canv.setStrokeColor(self.color["rule"])
            canv.setLineWidth(0.5)
            canv.line(lay.margin_left, top + 8, lay.margin_left + lay.text_width, top + 8)
            canv.restoreState()
        self._slots(canv, self.footer, values, lay.margin_bottom - 24)
        doc.frame.draw_notes(canv)

    def divider(self, canv, doc: "ReportDocTemplate") -> None:
        self._slots(canv, self.footer, self.values(doc), self.layout.margin_bottom - 24)
        doc.frame.draw_notes(canv)

    def cover(self, canv, doc: "ReportDocTemplate") -> None:
        lay, c, meta, size = self.layout, self.color, self.meta, self.layout.sizes
        W, H, x, tw = lay.page_width, lay.page_height, lay.margin_left, lay.text_width
        canv.showOutline()
        canv.setViewerPreference("DisplayDocTitle", "true")
        # Viewers show the printed folios: unnumbered front pages as "i", "ii", then 1, 2, ...
        if doc.front_pages:
            canv.addPageLabel(0, "ROMAN_LOWER")
        canv.addPageLabel(doc.front_pages, "ARABIC", 1)
        canv.saveState()
        title_color = white if lay.cover_band else c["primary"]
        title = Paragraph(text_markup(meta.title), ParagraphStyle(
            "cover-title", fontName=self.bold, fontSize=size["title"], leading=size["title"] * 1.3,
            textColor=title_color, wordWrap="CJK" if self.cjk else None))
        sub = Paragraph(text_markup(meta.subtitle), ParagraphStyle(
            "cover-subtitle", fontName=self.regular, fontSize=size["subtitle"], leading=size["subtitle"] * 1.5,
            textColor=_mix(c["primary"], white, 0.82) if lay.cover_band else c["muted"],
            wordWrap="CJK" if self.cjk else None))
        th = title.wrap(tw, H)[1]
        sh = sub.wrap(tw, H)[1] if meta.subtitle else 0
        gap = size["subtitle"] * 0.9 if meta.subtitle else 0
        block = th + gap + sh
        band_bottom = H * 0.42
        band_h = max(H * 0.30, block + 2 * size["title"] * 1.6)
        if lay.cover_band:
            canv.setFillColor(c["primary"])
            canv.rect(0, band_bottom, W, band_h, stroke=0, fill=1)
            canv.setFillColor(c["accent"])
            canv.rect(0, band_bottom - 6, W, 6, stroke=0, fill=1)
            text_top = band_bottom + (band_h + block) / 2
        else:
            text_top = band_bottom + block + size["title"] * 2
            canv.setStrokeColor(c["accent"])
            canv.setLineWidth(2)
            canv.line(x, band_bottom + size["title"], x + tw * 0.25, band_bottom + size["title"])
        # A short accent bar over the title, as report covers often have.
        canv.setFillColor(c["accent"] if not lay.cover_band else white)
        canv.rect(x, text_top + size["title"] * 0.8, 48, 4, stroke=0, fill=1)
        title.drawOn(canv, x, text_top - th)
        if meta.subtitle:
            sub.drawOn(canv, x, text_top - th - gap - sh)
        y = band_bottom - 6 - size["subtitle"] * 3
        for text, font, fs, color in ((meta.edition, self.bold, size["subtitle"] * 0.9, c["text"]),
                                      (meta.date, self.regular, size["body"], c["muted"])):
            if text:
                canv.setFont(font, fs)
                canv.setFillColor(color)
                canv.drawString(x, y, self._fit(text, fs, tw, font))
                y -= fs * 1.9
        # The publisher signs the foot of the cover, over a hairline.
        canv.setStrokeColor(c["rule"])
        canv.setLineWidth(0.5)
        canv.line(x, lay.margin_bottom + size["body"] * 2.2, x + tw, lay.margin_bottom + size["body"] * 2.2)
        if meta.author:
            canv.setFont(self.bold, size["body"])
            canv.setFillColor(c["primary"])
            canv.drawString(x, lay.margin_bottom, self._fit(meta.author, size["body"], tw, self.bold))
        if self.logo:
            box = self.logo
            canv.drawImage(box.path, x, H - lay.margin_top - box.height, box.width, box.height, mask="auto")
        canv.restoreState()
