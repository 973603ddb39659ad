"""ReportLab machinery for the PDF writer: frames, flowables and the document template.

Nothing here visits the report model; `pdf.py` does, and builds a story from these
parts. What each part is for:

- `NoteFrame` reserves room at the bottom of the page for the footnotes of whatever it
  places, so a note always prints on the page of its reference, above the footer.
- `Heading` drops the bookmark and outline entry where the heading is drawn; the
  document template feeds it to the table of contents.
- `KeepWithNext` keeps headings and captions with the start of what follows without
  pushing a whole long paragraph or table to the next page (ReportLab's KeepTogether would).
- `ReportDocTemplate.later` lets a page show what is known only after the last page (the
  page total, the contents' page numbers): a form is placed now and drawn at the end, so
  the document is laid out once.
- `ContentsEntry` is an entry of the table of contents, its page number filled in after the last page.
- `ImageStore` reads, decodes and hashes each image of a build once.
- `WindowedTable` keeps very long tables linear in time (see there).
- `ChapterBreak` starts a chapter on a new page only when little of the page is left
  (`chapter_break: auto`); `CheckedBreak` is a page break (chapters with `page`, parts,
  `page_break` sections). Both note a chapter tail of three lines or fewer before them;
  `TailMark` and `TailRecords` then push lines onto that page in the next pass.
- `FloatGroup` lets the text after a figure (or a short table) fill the page when the figure
  does not fit, and sets the figure at the top of the next page.
- `PagePainter` draws what lies outside the frame: cover, running header and footer, and a
  draft edition's watermark.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import math
import os
import re
import zlib

from . import rl_platypus  # noqa: F401 - before ReportLab's Platypus (see there)
from reportlab import rl_config
from reportlab.lib.colors import Color, white
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, Paragraph, Table
from reportlab.platypus.doctemplate import ActionFlowable, BaseDocTemplate, FrameBreak
from reportlab.platypus.flowables import KeepTogether, PageBreakIfNotEmpty

from .pdf_text import Recording, TextBlock, markup_escape

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # ReportLab's parser chokes on these
NOTE_ANCHOR = "fnref-"  # in Paragraph markup, footnote references are `<a name="fnref-N"/>` anchors
NOTE_RULE_SPACE = 10.0  # points above the first note of a page: the short rule and its gap


def text_markup(s: str) -> str:
    """Plain text made safe for Paragraph markup."""
    return markup_escape(CONTROL.sub("", s))


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
        if len(done) >= len(self.registry.paragraphs):
            # Every note is printed (a report without notes: from the start), so the
            # flowable holds none that is not: no need to look through it.
            return []
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


# ---------------------------------------------------------------- filled pages


class TailRecords(Flowable):
    """Which chapter tails came out at three lines or fewer, kept from one pass to the next.

    In one pass `ChapterBreak` finds the short tail and `TailMark`s say where each block
    started; the next pass makes the page before the tail end earlier (`pushes`), so that
    lines move onto the tail's page. Pushes are kept once made (the tail is then long enough
    and would not ask again), so the passes settle. An indexing flowable: `multiBuild` runs
    another pass while a pass added a push.
    """

    _ZEROSIZE = 1
    MAX_PASSES = 4  # passes that may add pushes (ReportLab gives up after ten)

    def __init__(self, min_lines: int, leading: float):
        super().__init__()
        self.width = self.height = 0
        self.min_lines, self.leading = min_lines, leading
        self.doc = None  # the document template being built (set as the story is laid out)
        self.marks: dict[int, tuple[int, float]] = {}  # mark id -> (page, room below it), this pass
        self.pushes: dict[int, float] = {}  # mark id -> points the page ends earlier from that mark on
        self.changed = False
        self.passes = 0

    def __deepcopy__(self, memo):
        return self  # shared by every flowable that reads it, as the note registry is

    def isIndexing(self):
        return 1

    def beforeBuild(self):
        self.marks.clear()
        self.changed = False
        self.passes += 1

    def afterBuild(self):
        pass

    def isSatisfied(self):
        return not self.changed

    def notify(self, kind, stuff):
        pass

    def wrap(self, aW, aH):
        self.doc = getattr(self.canv, "_doctemplate", None)
        return 0, 0

    def short_tail(self, page: int, used: float) -> None:
        """The page `page` holds only `used` points of a chapter's tail: push lines onto it
        from the last block that started on the page before."""
        if self.passes > self.MAX_PASSES:
            return  # what is pushed by now stays: the layout must settle
        # Enough for a few lines more than the minimum, paragraph spacing included.
        want = (self.min_lines + 2) * self.leading * 1.4 - used
        before = {mark: room for mark, (on, room) in self.marks.items() if on == page - 1}
        if not before:
            return
        # The last block with that much of the page below its start: ending the page `want`
        # points earlier from there moves about that much (a block that started lower would
        # move whole and no more).
        roomy = [mark for mark, room in before.items() if room >= want]
        mark = max(roomy) if roomy else min(before)
        # A push that fell short (its block moved less than asked) is made larger.
        self.pushes[mark] = self.pushes.get(mark, 0.0) + want
        self.changed = True

    def draw(self):
        pass


class TailMark(Flowable):
    """Where a block starts; where the last pass found a short tail after it, the page ends
    earlier from here on, and what no longer fits goes to the tail's page."""

    _ZEROSIZE = 1

    def __init__(self, records: TailRecords, mark: int):
        super().__init__()
        self.records, self.mark = records, mark
        self.width = self.height = 0

    def wrap(self, aW, aH):
        doc = getattr(self.canv, "_doctemplate", None)
        frame = getattr(doc, "frame", None)
        if doc is None or frame is None:
            return 0, 0
        self.records.doc = doc
        self.records.marks.setdefault(self.mark, (doc.page, aH))
        push = self.records.pushes.get(self.mark)
        if push and not frame._atTop and aH > push:
            frame._y1p += push  # the frame is made anew for the next page
        return 0, 0

    def draw(self):
        pass


def _check_tail(records, doc) -> None:
    """Before a break: tell `records` if the page it ends holds a chapter tail of a few lines."""
    frame = getattr(doc, "frame", None)
    if records is None or frame is None or frame._atTop:
        return
    used = frame._y2 - frame._y  # from the top of the text block to the last line
    # Lines with the space between paragraphs: three one-line paragraphs are still three lines.
    if 0 < used <= (records.min_lines + 0.5) * records.leading * 1.4:
        records.short_tail(doc.page, used)


class ChapterBreak(Flowable):
    """The break before a chapter that need not start a page. `mode`: `auto` (a new page
    only when less than `share` of the frame's height is left), `none` (never). Never
    breaks at the top of a frame. Where it breaks, the page it leaves is the chapter's
    last: a short tail there is told to `records`. (`page` mode is a `CheckedBreak`.)"""

    _ZEROSIZE = 1

    def __init__(self, mode: str, share: float, records: TailRecords | None = None):
        super().__init__()
        self.mode, self.share, self.records = mode, share, records
        self.width = self.height = 0

    def wrap(self, aW, aH):
        doc = getattr(self.canv, "_doctemplate", None)
        frame = getattr(doc, "frame", None)
        if frame is None or frame._atTop or self.mode == "none":
            return 0, 0
        if aH < self.share * frame._height:
            _check_tail(self.records, doc)
            # Taller than what is left, and unsplittable: the frame ends here and the break is
            # placed (at no height) at the top of the next. Adding a page break as generated
            # content instead would also fire when this wrap is only a trial (the block before
            # overran the frame, say), and leave an empty page.
            return 0, max(aH, 0.0) + 1.0
        return 0, 0

    def split(self, aW, aH):
        return []

    def draw(self):
        pass


class CheckedBreak(PageBreakIfNotEmpty):
    """A page break that is dropped at the top of a page (ReportLab's PageBreakIfNotEmpty),
    and that first tells `records` whether the page it ends holds a short chapter tail.

    ReportLab handles page breaks without wrapping them; the one thing it reads from a break
    before it ends the page is `nextTemplate`, so the check runs there."""

    def __init__(self, records: TailRecords | None, nextTemplate=None):
        super().__init__()
        self.records, self._next = records, nextTemplate

    @property
    def nextTemplate(self):
        if self.records is not None:
            _check_tail(self.records, self.records.doc)
        return self._next

    @nextTemplate.setter
    def nextTemplate(self, value):
        self._next = value


class BottomAligned(Flowable):
    """Blocks set at the foot of the frame (a closing page's notices), or from the top of a
    page of their own when they are taller than what is left."""

    def __init__(self, content: list):
        super().__init__()
        self.content = list(content)

    def note_children(self):
        return self.content

    def wrap(self, aW, aH):
        self._sizes, total, after = [], 0.0, None
        for f in self.content:
            w, h = f.wrapOn(self.canv, aW, 0xFFFFFF)
            gap = 0.0 if after is None else max(after, f.getSpaceBefore())
            self._sizes.append((gap, h))
            total += gap + h
            after = f.getSpaceAfter()
        self.width, self._need = aW, total
        self.height = max(total, aH - 1)  # take the rest of the frame: the blocks sit at its foot
        return self.width, self.height

    def split(self, aW, aH):
        return self.content if self._need > aH else []

    def draw(self):
        y = self._need
        for f, (gap, h) in zip(self.content, self._sizes):
            y -= gap + h
            f.drawOn(self.canv, 0, y)


class _Reordered(ActionFlowable):
    """Stands first in a reordered group, so that the frame takes its blocks one by one."""

    def __init__(self):
        super().__init__(("reordered",))

    def apply(self, doc):
        pass


class FloatGroup(Flowable):
    """A figure (or an unbreakable table) and the text paragraphs after it, up to the next
    heading. Where the figure fits, or at the top of a page, they stand in order; where it
    does not fit, the paragraphs fill the page and the figure opens the next one, then the
    rest of the text. The caption stays with its figure: they are one block."""

    def __init__(self, block, followers: list):
        super().__init__()
        self.block, self.followers = block, list(followers)

    def note_children(self):
        return [self.block, *self.followers]

    def getSpaceBefore(self):
        return self.block.getSpaceBefore()

    def wrap(self, aW, aH):
        # Never placed whole: the frame always asks `split`, which decides the order.
        return aW, 0xFFFFFF

    def split(self, aW, aH):
        in_order = [_Reordered(), self.block, *self.followers]
        frame = getattr(self, "_frame", None)
        if frame is None or frame._atTop:
            return in_order
        canv = self.canv
        if self.block.wrapOn(canv, aW, aH)[1] <= aH:
            return in_order
        # The figure waits for the next page; the text after it fills this one.
        room, after, out = aH, None, []
        for i, f in enumerate(self.followers):
            gap = 0.0 if after is None else max(after, f.getSpaceBefore())
            h = f.wrapOn(canv, aW, room - gap)[1]
            if h + gap <= room:
                out.append(f)
                room -= h + gap
                after = f.getSpaceAfter()
                continue
            parts = [] if room - gap <= 0 else f.splitOn(canv, aW, room - gap)
            if len(parts) > 1:
                out += [parts[0], self.block, *parts[1:]]
            else:
                out += [self.block, f]
            return [_Reordered(), *out, *self.followers[i + 1:]]
        return [_Reordered(), *out, self.block]  # all the text fit above the page's end


class NotedTable(Table):
    """A Table whose split parts remember whether any cell holds a footnote reference."""

    has_notes = True
    unsplittable = False
    continued = None  # makes the caption line over each continuation (`续表 3`), or None

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
                part.continued = self.continued
        if len(parts) == 2 and isinstance(parts[1], Table):
            self._carry_labels(parts[1])
        return with_continued_caption(parts, self.continued)

    def _carry_labels(self, rest: Table) -> None:
        """A merged cell whose rows go on in `rest` (the part on the next page) shows its
        label there again, as the Word file does: a continued group keeps its name.

        `rest` holds the repeated header rows, then the last rows of this table; when a row
        was split inside, its second half counts as that row, so the first body row of
        `rest` is row N - (rows of `rest` - header rows) here either way."""
        values = getattr(rest, "_cellvalues", None)
        if not values or len(values) <= self.repeatRows:
            return
        first = len(self._cellvalues) - (len(values) - self.repeatRows)
        for span in (getattr(self, "_spanRanges", None) or {}).values():
            if not span:
                continue
            col, top, _, bottom = span
            if not top < first <= bottom:
                continue
            label, here = self._cellvalues[top][col], values[self.repeatRows][col]
            if _empty_cell(here) and not _empty_cell(label):
                values[self.repeatRows][col] = [copy.copy(f) for f in label] if isinstance(label, (list, tuple)) \
                    else label

    def _row_too_tall(self, aH: float) -> bool:
        """Will the first row never fit? (At the top of a page; taller than the rest of this
        page while a good part of it is still free; or, with the rows merged with it, taller
        than what a page holds below the caption and heading that must stay with it: moving
        on would leave them alone on an empty page.)"""
        frame = getattr(self, "_frame", None)
        if frame is None:
            return False
        if frame._atTop:
            return True
        rows = getattr(self, "_rowHeights", None) or []
        heights = rows[:self.repeatRows + 1]
        if sum(h or 0 for h in heights) > frame._aH and aH > frame._aH / 4:
            return True
        # Near a page's top (a caption and a heading above at most), the first group of merged
        # rows that cannot fit in what is left here (`aH`; the frame's `_aH` is its whole
        # height) is split rather than carried to the next page alone.
        above = frame._y1 + frame._height - frame._y
        if above > frame._height * 0.12:
            return False
        spans = [span for span in (getattr(self, "_spanRanges", None) or {}).values() if span]
        last, grown = self.repeatRows, True
        while grown:  # the first body row and every row merged with it, transitively
            grown = False
            for span in spans:
                if span[1] <= last < span[3]:
                    last, grown = span[3], True
        return sum(h or 0 for h in rows[:last + 1]) > aH


def _empty_cell(value) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    return isinstance(value, (list, tuple)) and all(_empty_cell(v) for v in value)


def with_continued_caption(parts: list, continued) -> list:
    """A split table's parts, each continuation kept with a `Table 3 (continued)` line over it
    (the caption moves with the rows to the next page, never stays at the foot of this one)."""
    if continued is None or len(parts) < 2:
        return parts
    return [parts[0], KeepWithNext([continued(), parts[1]]), *parts[2:]]


class KeptTable(Flowable):
    """A table whose size and drawing an earlier build kept, keyed by all it follows from
    (`_Writer._table_key`): put in as drawn. Its cells are made and ReportLab lays out its
    grid (`make()`, the NotedTable) only when what it is asked was not kept.

    A table that breaks across pages is kept too: where it was split (in the same room on a
    page alike), its parts come back as kept tables themselves, each with its own size and
    drawing, so a rebuild makes none of its cells."""

    has_notes = False  # a table holding a footnote is never kept

    def __init__(self, make, key: bytes, store, continued=None):
        super().__init__()
        self.make, self.key, self.store, self.continued = make, key, store, continued
        self.hAlign = "CENTER"
        self._table = None
        self._wrapped = None  # (aW, aH) the real table was last wrapped to
        self._avail = None  # (aW, aH) this flowable was last wrapped to

    def _real(self, aW: float, aH: float) -> Table:
        """The table itself, wrapped to (aW, aH) as the frame wraps a table before it splits
        or draws it."""
        if self._table is None:
            self._table = self.make()
            self._table.continued = self.continued
            # Its split parts take their space before and after from it.
            for name in ("spaceBefore", "spaceAfter"):
                if name in self.__dict__:
                    setattr(self._table, name, self.__dict__[name])
        if self._wrapped != (aW, aH):
            canv = getattr(self, "canv", None)
            if canv is not None:
                self._size = tuple(self._table.wrapOn(canv, aW, aH))
            else:
                self._size = tuple(self._table.wrap(aW, aH))
            self._wrapped = (aW, aH)
        return self._table

    def _key(self, what: str, aW: float) -> bytes:
        return hashlib.blake2b(self.key + f"\0{what}\0{aW:.3f}".encode(), digest_size=20).digest()

    def wrap(self, aW, aH):
        self._avail = (aW, aH)
        whole = self._key("size", aW)
        size = self.store.drawn(whole)
        if size is None:
            # ReportLab measures a table's rows only as far as `aH` reaches (its long-table
            # optimisation): a size is whole only when the table fit; one that did not is
            # kept for that room alone (the frame then splits the table).
            part = self._key(f"size in {aH:.3f}", aW)
            size = self.store.drawn(part)
            if size is None:
                self._real(aW, aH)
                size = self._size
                self.store.keep_drawn(whole if size[1] <= aH else part, size)
        self.width, self.height = size
        return size

    def split(self, aW, aH):
        frame, canv = getattr(self, "_frame", None), self.canv
        room = _room(frame)
        key = self._key(f"split in {aH:.3f} {room!r}", aW)
        shape = self.store.drawn(key)
        real = None
        if shape is None:
            real = self._split_real(canv, aW, aH, frame)
            shape = _split_shape(real)
            if shape is None:
                return real  # not a split this class knows how to keep
            self.store.keep_drawn(key, shape)

        def real_part(i: int) -> Table:
            nonlocal real
            if real is None:  # a part's size or drawing was not kept: the split is made again
                real = self._split_real(canv, aW, aH, _Room(room) if room is not None else None)
            part = real[i]
            return part._content[-1] if isinstance(part, KeepWithNext) else part

        parts = []
        for i, (settings, captioned) in enumerate(shape):
            part = KeptTable(functools.partial(real_part, i), self._key(f"part {i} of {key.hex()}", aW),
                             self.store, self.continued)
            part.__dict__.update(settings)
            parts.append(KeepWithNext([self.continued(), part]) if captioned else part)
        return parts

    def _split_real(self, canv, aW: float, aH: float, frame) -> list:
        had = "canv" in self.__dict__  # set while Platypus splits this; not when a part asks later
        self.canv = canv  # the real table is wrapped on it
        try:
            table = self._real(aW, aH)
        finally:
            if not had:
                del self.canv
        table._frame = frame
        return table.splitOn(canv, aW, aH)

    def draw(self):
        aW, aH = self._avail
        key = self._key("drawn", aW)
        drawn = self.store.drawn(key)
        if drawn is not None:
            drawn.replay(self.canv)
            return
        table = self._real(aW, aH)
        table.canv = self.canv
        try:
            with Recording(self.canv) as recording:
                table.draw()
        finally:
            del table.canv
        if recording.drawn is not None:
            self.store.keep_drawn(key, recording.drawn)


# What of the frame a table's split reads (NotedTable._row_too_tall, ReportLab's split inside
# a row): a kept split is taken only where all of it is as it was.
_ROOM = ("_atTop", "_aH", "_height", "_y", "_y1", "_topPadding", "_bottomPadding")


def _room(frame) -> tuple | None:
    if frame is None:
        return None
    return tuple(round(float(getattr(frame, name, 0) or 0), 3) for name in _ROOM)


class _Room:
    """A frame as a kept split found it, for making that split again later."""

    def __init__(self, room: tuple):
        for name, value in zip(_ROOM, room):
            setattr(self, name, value)


def _split_shape(parts: list) -> tuple | None:
    """What to keep of a table's split: for each part, its space before and after, its
    alignments, and whether a `continued` caption line stands over it; None for a split of
    another make (nothing kept)."""
    shape = []
    for part in parts:
        captioned = isinstance(part, KeepWithNext) and len(part._content) == 2
        table = part._content[-1] if captioned else part
        if not isinstance(table, Table):
            return None
        settings = tuple((name, table.__dict__[name]) for name in _PART_SETTINGS if name in table.__dict__)
        shape.append((settings, captioned))
    return tuple(shape)


# What a split part has of its own that the frame reads, as set on it (a part made without
# a space after has none: the frame then counts none).
_PART_SETTINGS = ("spaceBefore", "spaceAfter", "hAlign", "vAlign")


class WindowedTable(Flowable):
    """A long table handed to ReportLab a window of rows at a time.

    At every page break ReportLab builds a new Table of all the remaining rows, which makes
    a 10,000-row table quadratic. This flowable makes a Table of the next WINDOW rows only
    (`make(first, stop)`, header included), lets it split, and keeps the rest for later.
    A window never ends inside a row span (`blocked` holds the row numbers it may not end at).
    """

    WINDOW = 120  # rows: more than a page holds; a window that fits a whole page is doubled

    def __init__(self, make, rows: int, blocked: set, has_notes: bool, first: int = 0, window: int = WINDOW,
                 continued=None):
        super().__init__()
        self.make, self.rows, self.blocked, self.has_notes = make, rows, blocked, has_notes
        self.first, self.window = first, window
        self.continued = continued
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
            # The last window splits as a table does (its continuations get the caption line);
            # an earlier one's rest is this flowable's, which gets it below.
            table.continued = self.continued if stop == self.rows else None
            parts = table.splitOn(self.canv, aW, aH)
            if stop == self.rows or not parts:
                return parts
            if len(parts) > 1:
                break
            self.window *= 2  # the whole window fit: the page holds more rows than that
        # The first part holds the header and some body rows; the rest starts after them.
        head = table.repeatRows
        taken = parts[0]._nrows - head
        rest = WindowedTable(self.make, self.rows, self.blocked, self.has_notes, self.first + taken, self.window,
                             self.continued)
        if taken + sum(p._nrows - head for p in parts[1:]) > stop - self.first:
            # A row too tall for a page was split inside: keep the window's own remainder.
            rest.first = stop
            return with_continued_caption([*parts, rest], self.continued)
        return with_continued_caption([parts[0], rest], self.continued) if taken > 0 else []

    def drawOn(self, canvas, x, y, _sW=0):
        # Only reached when the remaining rows fit: the window is then the whole rest.
        self._window()[1].drawOn(canvas, x, y, _sW)


class ImageStore:
    """The images of one build, each read, decoded and hashed once, and embedded once.

    Given an `ImageReader`, ReportLab's `drawImage` digests the decoded pixels on every call to
    name the XObject (a platypus `Image` also decodes the file again for every draw): a
    300-page report with 100 chart placements spent a third of its time there. Given a file
    name, it names the XObject after the path, which would put the cache folder's location
    into the PDF. Here an image is keyed by its path and file digest: the first draw of a
    content registers one XObject (named from the pixels, so the PDF does not depend on where
    the file is), and every later draw of the same content, from any path, places that XObject.
    """

    def __init__(self):
        self._digests: dict[tuple, str] = {}  # (path, size, mtime) -> sha256 of the file

    def digest(self, path: str) -> str:
        stat = os.stat(path)
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        if key not in self._digests:
            with open(path, "rb") as fh:
                self._digests[key] = hashlib.file_digest(fh, "sha256").hexdigest()
        return self._digests[key]

    def draw(self, canv, path: str, x: float, y: float, width: float, height: float, mask="auto") -> None:
        digest = self.digest(path)
        placed = canv.__dict__.setdefault("_reportgen_images", {})  # (digest, mask) -> XObject name
        name = placed.get((digest, repr(mask)))
        if name is None:
            # Decoded for this one draw and dropped: the XObject keeps the compressed pixels, and
            # a report with a hundred charts must not hold a hundred decoded pictures.
            found = {"name": None}
            canv.drawImage(ImageReader(path), x, y, width, height, mask=mask, extraReturn=found)
            placed[(digest, repr(mask))] = found["name"]
            return
        canv.saveState()
        canv.translate(x, y)
        canv.scale(width, height)
        canv.doForm(name)  # the image XObject registered above: `doForm` places any XObject
        canv.restoreState()


class StoredImage(Flowable):
    """An image file drawn `width` x `height` points through the build's `ImageStore`."""

    def __init__(self, path: str, width: float, height: float, store: ImageStore):
        super().__init__()
        self.path, self.store = str(path), store
        self.drawWidth = self.width = width
        self.drawHeight = self.height = height

    def wrap(self, aW, aH):
        return self.drawWidth, self.drawHeight

    def draw(self):
        self.store.draw(self.canv, self.path, 0, 0, self.drawWidth, self.drawHeight)


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
        self.image.drawOn(self.canv, (self.width - self.image.drawWidth) / 2, y)
        y -= self.gap
        for h, p in zip(self._heights, self.below):
            y -= p.style.spaceBefore + h
            p.drawOn(self.canv, 0, y)


class ContentsEntry(TextBlock):
    """One entry of the table of contents, set by the line engine like any text (clreq
    breaks, the Han–Latin quarter em): its text, then a dot leader and the heading's page
    number, which are a form placed after the text's last glyph and painted after the last
    page (`ReportDocTemplate.later`): one layout pass. The style keeps a right indent for
    the number; the whole entry links to its heading. An entry is never divided between pages."""

    def __init__(self, text: str, style, key: str | None, dots: bool = True):
        super().__init__(text, style, role="toc")
        self.key, self.dots = key, dots

    def split(self, aW, aH):
        return []

    def draw(self):
        super().draw()
        lines = self.lines_for(self.width)
        if not lines:
            return
        st, canv = self.style, self.canv
        x = st.leftIndent + lines[-1].end
        y = self.height - st.fontSize - (len(lines) - 1) * st.leading
        avail = self.width
        doc = canv._doctemplate
        doc.later(canv, functools.partial(_leader, st, x, y, avail, self.dots, doc, self.key))
        if self.key:
            canv.linkRect("", self.key, (0, 0, avail, self.height), relative=1)


def _leader(style, x: float, y: float, avail: float, dots: bool, doc, key, canv) -> None:
    """A contents entry's dot leader and page number, from `x` to the right edge `avail`
    (as ReportLab's `drawPageNumbers` sets them: a number too wide shrinks by tenths)."""
    number = str(doc.heading_pages.get(key, ""))
    font, size = style.fontName, style.fontSize
    width = pdfmetrics.stringWidth(number, font, size)
    while width > avail - x and size >= 1.0:
        size *= 0.9
        width = pdfmetrics.stringWidth(number, font, size)
    dot = " . " if dots else ""
    dot_w = pdfmetrics.stringWidth(dot, font, size) if dot else 0
    count = int((avail - x - width) / dot_w) if dot else 0
    text = canv.beginText(avail - count * dot_w - width, y)
    text.setFont(font, size)
    text.setFillColor(style.textColor)
    text.textLine(count * dot + number)
    canv.drawText(text)


# ---------------------------------------------------------------- document template


class _StatefulForm(pdfdoc.PDFFormXObject):
    """ReportLab's form XObject whose resources also list the graphics states (opacity) and
    colour spaces its content uses: ReportLab's own gives only fonts and images, so a chart
    with translucent parts drawn as a form would name states its form does not define."""

    def format(self, document):
        deflate = getattr(document, "reportgen_deflate", None)
        if deflate is not None and self.compression and not self.Contents and self.stream:
            # Compressed through the kept streams, as a page's content is (ReportDocTemplate._finish).
            stream = pdfdoc.PDFStream()
            stream.content = self.stream
            stream.filters = [pdfdoc.PDFBase85Encode, deflate] if rl_config.useA85 else [deflate]
            stream.__Comment__ = "xobject form stream"
            self.Contents, self.compression = stream, 0
        if not self.Resources:
            resources = pdfdoc.PDFResourceDictionary()
            resources.basicFonts()
            if self.hasImages:
                resources.allProcs()
            else:
                resources.basicProcs()
            if self.XObjects:
                resources.XObject = self.XObjects
            if getattr(self, "ExtGState", None):
                resources.ExtGState = self.ExtGState
            if getattr(self, "ColorSpace", None):
                resources.ColorSpace = self.ColorSpace
            self.Resources = resources
        return super().format(document)


class _FinishingCanvas(Canvas):
    """A canvas that lets its document draw the deferred forms just before the file is
    written, and whose forms carry every resource they use (`_StatefulForm`)."""

    def __init__(self, *args, finish, **kwargs):
        super().__init__(*args, **kwargs)
        self._finish = finish

    def endForm(self, **extra_attributes):
        name = self._formData[0]
        super().endForm(**extra_attributes)
        form = self._doc.idToObject.get(pdfdoc.xObjectName(name))
        if type(form) is pdfdoc.PDFFormXObject:
            form.__class__ = _StatefulForm

    def save(self):
        self._finish(self)
        super().save()


class _KeptDeflate(pdfdoc.PDFStreamFilterZCompress):
    """ReportLab's Flate filter, taking a content compressed before from `kept` (its digest
    and zlib's version are the key): compressing is most of the time spent writing a file."""

    _version = zlib.ZLIB_RUNTIME_VERSION.encode()

    def __init__(self, kept):
        self.kept = kept

    def encode(self, text):
        data = text.encode("utf8") if isinstance(text, str) else text
        key = hashlib.blake2b(b"deflate\0" + self._version + b"\0" + data, digest_size=20).digest()
        found = self.kept.drawn(key)
        if found is None:
            found = super().encode(data)
            self.kept.keep_drawn(key, found)
        return found


class ReportDocTemplate(BaseDocTemplate):
    """Tracks the running section, numbers pages after the cover, records each heading's page,
    and draws what is known only after the last page (`later`): one layout pass."""

    def __init__(self, filename, *, registry: NoteRegistry, front_pages: int, images: ImageStore | None = None,
                 kept=None, **kwargs):
        self.registry = registry
        self.kept = kept  # where compressed page contents are kept between builds (a TextEngine), or None
        self.images = images or ImageStore()
        self.front_pages = front_pages  # unnumbered pages before page 1 (the cover)
        self.section = ""
        self.total_pages: int | None = None  # known once the last page is done
        self.heading_pages: dict[str, int] = {}  # heading key -> its printed page number, in page order
        self._later: list = []
        self.run_on: set[str] = set()  # chapter headings set below other text, not at a page's top
        super().__init__(filename, **kwargs)
        self.keepTogetherClass = KeepWithNext

    def build(self, flowables, filename=None, canvasmaker=Canvas):
        # The deferred forms are drawn by the canvas just before it writes the file.
        maker = functools.partial(_FinishingCanvas, finish=self._finish) if canvasmaker is Canvas else canvasmaker
        super().build(flowables, filename, maker)

    def beforeDocument(self):
        self.section = ""
        self.total_pages = None
        self.heading_pages.clear()
        self.run_on.clear()
        self.registry.printed.clear()
        self._later.clear()

    def later(self, canv, paint) -> None:
        """Place here, on the current page, what `paint(canv)` draws once every page is laid out
        (the page total, a heading's page number).

        A marker holds the place in the page's content; when the last page is done, the
        drawing replaces it, in the coordinates in force here. (A form XObject per number
        would do the same at the cost of an object, a resource dictionary and a compressed
        stream each: a contents page and a page-total footer make hundreds.)"""
        marker = f"%RGLater{len(self._later)}"
        canv._code.append(marker)
        self._later.append((self.page, marker, paint))

    laid_out = None  # called when a layout pass is done, before its file is written

    def _finish(self, canv) -> None:
        self.total_pages = self.page  # the last page; the count `write` returns
        if self.laid_out is not None:
            self.laid_out()
        pages = canv._doc.Pages.pages
        saved = canv._code
        try:
            for page, marker, paint in self._later:
                canv._code = []
                canv.saveState()
                paint(canv)
                canv.restoreState()
                target = pages[page - 1]
                if marker + "\n" not in target.stream:
                    # `later` was called where the page's own content is not being written
                    # (inside a form): a number would silently go missing.
                    raise RuntimeError(f"{marker} is not in the content of page {page}")
                target.stream = target.stream.replace(marker + "\n", "\n".join(canv._code) + "\n", 1)
        finally:
            canv._code = saved
        if self.kept is not None:
            # A page's content made as ReportLab makes it (PDFPage.check_format), compressed
            # through the kept streams: most pages of a rebuild are the pages of the last one.
            deflate = canv._doc.reportgen_deflate = _KeptDeflate(self.kept)
            for page in pages:
                if isinstance(page, pdfdoc.PDFPage) and page.compression and page.stream and not page.Contents:
                    stream = pdfdoc.PDFStream()
                    stream.filters = [pdfdoc.PDFBase85Encode, deflate] if rl_config.useA85 else [deflate]
                    stream.content = page.stream
                    stream.__Comment__ = "page stream"
                    page.Contents = stream

    def shown_page(self, page: int | None = None) -> int:
        """The number printed on a page: physical number minus the cover."""
        return (self.page if page is None else page) - self.front_pages

    def shown_pages(self) -> int | None:
        total = self.total_pages
        return None if total is None else total - self.front_pages

    def _at_frame_top(self, flowable) -> bool:
        """Whether `flowable`, just placed, is the first thing in its frame (ReportLab drops
        the space before a flowable at a frame's top, and moves the frame's bottom-up `_y`
        down by the height and the space after)."""
        frame = getattr(self, "frame", None)
        if frame is None:
            return True
        top = frame._y2 - frame._topPadding
        return abs(top - frame._y - flowable.height - flowable.getSpaceAfter()) < 1.0

    def afterFlowable(self, flowable):
        if isinstance(flowable, Heading):
            self.heading_pages[flowable.key] = self.shown_page()
            if flowable.chapter:
                self.section = flowable.title
                if not self._at_frame_top(flowable):
                    self.run_on.add(flowable.key)


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
                 cjk: bool, draft: tuple[str, str] | None = None, cover_lines: tuple[list, str] | None = None):
        self.layout, self.meta, self.header, self.footer = layout, meta, header, footer
        self.regular, self.bold, self.color, self.cjk = regular, bold, colors, cjk
        self.logo = logo  # its box (`present`), or None
        self.draft = draft  # a draft edition's (mark, cover notice), or None
        # The lines under the cover's title and the foot's signature (`present.cover_lines`).
        self.cover_lines = cover_lines or ([t for t in (meta.edition, meta.date) if t], meta.author)

    @staticmethod
    def values(doc: "ReportDocTemplate") -> dict:
        pages = doc.shown_pages()
        return {"page": str(doc.shown_page()), "pages": str(pages) if pages is not None else "?",
                "section": doc.section}

    def _line(self, canv, doc: "ReportDocTemplate", slots: dict, y: float) -> bool:
        """A header or footer line; one that shows the page total is drawn after the last page
        (`doc.later`), so the pages are laid out once."""
        values = self.values(doc)
        if not any(p.kind == "pages" for parts in slots.values() for p in parts):
            return self._slots(canv, slots, values, y, doc.kept)
        doc.later(canv, lambda c: self._slots(c, slots, {**values, "pages": str(doc.shown_pages())}, y, doc.kept))
        return True  # the total is never empty

    def _slots(self, canv, slots: dict, values: dict, y: float, store=None) -> bool:
        """Draw a header or footer line (left/center/right); True if anything was drawn.

        The same line is drawn the same on every page and in every build (a chapter's header,
        page 7's footer): with `store` (the document's kept drawings, `ReportDocTemplate.kept`)
        its drawing is kept there."""
        lay = self.layout
        size = lay.sizes["small"]
        texts = {k: "".join(p.text if p.kind == "text" else values.get(p.kind, "") for p in parts).strip()
                 for k, parts in slots.items()}
        texts = {k: v for k, v in texts.items() if v}
        if not texts:
            return False
        if store is None:
            self._draw_slots(canv, texts, y)
            return True
        key = hashlib.blake2b(repr(("running line", texts, y, size, self.regular, self.color["muted"],
                                    lay.margin_left, lay.text_width)).encode("utf-8"), digest_size=20).digest()
        drawn = store.drawn(key)
        if drawn is not None:
            drawn.replay(canv)
            return True
        with Recording(canv) as recording:
            self._draw_slots(canv, texts, y)
        # A line drawn in a transparency state (`/GSn gs`) names a state of this document: not kept.
        if recording.drawn is not None and " gs" not in recording.drawn.ops:
            store.keep_drawn(key, recording.drawn)
        return True

    def _draw_slots(self, canv, texts: dict, y: float) -> None:
        lay = self.layout
        size = lay.sizes["small"]
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
        top = lay.page_height - lay.margin_top
        if self._line(canv, doc, self.header, top + 14):
            canv.saveState()
            canv.setStrokeColor(self.color["rule"])
            canv.setLineWidth(0.5)
            canv.line(lay.margin_left, top + 8, lay.margin_left + lay.text_width, top + 8)
            canv.restoreState()
        self._line(canv, doc, self.footer, lay.margin_bottom - 24)
        doc.frame.draw_notes(canv)
        self.watermark(canv)

    def divider(self, canv, doc: "ReportDocTemplate") -> None:
        self._line(canv, doc, self.footer, self.layout.margin_bottom - 24)
        doc.frame.draw_notes(canv)
        self.watermark(canv)

    def watermark(self, canv) -> None:
        """A draft edition's mark across the page: light, diagonal, see-through (it is drawn
        over the text, which stays readable under it)."""
        if not self.draft:
            return
        lay = self.layout
        mark = self.draft[0]
        diagonal = (lay.page_width ** 2 + lay.page_height ** 2) ** 0.5
        width = pdfmetrics.stringWidth(mark, self.bold, 100) or 100
        size = min(diagonal * 0.5 / width * 100, lay.page_width * 0.22)
        canv.saveState()
        canv.setFillColor(self.color["muted"])
        canv.setFillAlpha(0.13)
        canv.translate(lay.page_width / 2, lay.page_height / 2)
        canv.rotate(math.degrees(math.atan2(lay.page_height, lay.page_width)))
        canv.setFont(self.bold, size)
        canv.drawCentredString(0, -size * 0.35, mark)
        canv.restoreState()

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
        lines, signature = self.cover_lines
        for i, text in enumerate(lines):
            # The edition's name stands out; date, report code and author follow in grey.
            first = i == 0 and bool(meta.edition)
            font, fs = (self.bold, size["subtitle"] * 0.9) if first else (self.regular, size["body"])
            canv.setFont(font, fs)
            canv.setFillColor(c["text"] if first else c["muted"])
            canv.drawString(x, y, self._fit(text, fs, tw, font))
            y -= fs * 1.9
        if self.draft:
            y -= size["body"]
            canv.setFont(self.bold, size["subtitle"])
            canv.setFillColor(c["accent"])
            canv.drawString(x, y, self._fit(self.draft[0], size["subtitle"], tw, self.bold))
            y -= size["subtitle"] * 1.5
            canv.setFont(self.regular, size["body"])
            canv.drawString(x, y, self._fit(self.draft[1], size["body"], tw))
        # The publisher (else the author) signs the foot of the cover, over a hairline.
        canv.setStrokeColor(c["rule"])
        canv.setLineWidth(0.5)
        canv.line(x, lay.margin_bottom + size["body"] * 2.2, x + tw, lay.margin_bottom + size["body"] * 2.2)
        if signature:
            canv.setFont(self.bold, size["body"])
            canv.setFillColor(c["primary"])
            canv.drawString(x, lay.margin_bottom, self._fit(signature, size["body"], tw, self.bold))
        if self.logo:
            box = self.logo
            doc.images.draw(canv, box.path, x, H - lay.margin_top - box.height, box.width, box.height)
        canv.restoreState()
        self.watermark(canv)
