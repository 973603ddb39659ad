"""The checks pass: everything a writer or the chart drawer relies on, checked once over a
resolved document, with a location for each problem.

`reportgen check` and `reportgen build` both run it (through `build.prepare`), so `check`
rejects every input `build` would reject, and a writer never meets a value it cannot print:
a character the font lacks, a chart its type cannot draw, a table whose spans do not fit its
grid, an image that is not what its name says, a paragraph too long to set, a link that
leaves the document for a scheme other than http, https or mailto, a control character
brought in by data. A node kind the pass does not know is itself an error: a new block type
must be taught here before a writer can receive it.
"""

from __future__ import annotations

import functools
import math
import os
import re
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

from . import model as m
from . import source as src
from .errors import Diagnostics, Loc, ReportgenError

# A paragraph longer than this is refused: the PDF line breaker's work grows with the length
# of a paragraph, and no report needs one this long. Raise it with the environment variable.
PARAGRAPH_LIMIT_ENV = "REPORTGEN_MAX_PARAGRAPH_CHARS"
DEFAULT_PARAGRAPH_LIMIT = 100_000

# Charts: values beyond this magnitude are almost always a unit mistake (write `scale:`), and
# matplotlib's tick arithmetic loses precision there; more categories or points than these
# cannot be read on a printed page and take minutes to lay out.
MAX_CHART_VALUE = 1e15
MAX_CATEGORIES = 500
# The smallest chart box, in points and in ems of the chart's text (`sizes.small`).
MIN_CHART_PT = 72
CHART_SIDE_EMS = 7
MAX_POINTS = 5_000
CHART_TYPES = ("bar", "barh", "grouped_bar", "stacked_bar", "line", "pie", "donut", "bar_line", "scatter", "bubble")

# What ReportLab and python-docx both embed (MPO is a JPEG with extra frames, as cameras write).
IMAGE_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "MPO": "JPEG", "GIF": "GIF"}
MAX_IMAGE_PIXELS = 40_000_000

LINK_SCHEMES = ("http", "https", "mailto")
ALIGNS = ("left", "center", "right")
CALLOUT_KINDS = ("note", "case", "quote")
TABLE_STYLES = ("grid", "stats")

# Widths the PDF writer takes from a line, in ems of the body (table) size: a quote or box's
# padding on both sides, a list label, a table column's padding plus one character. Nesting
# that leaves less than MIN_LINE_EMS of line is refused before ReportLab is given a negative width.
BOX_EMS = 2.2
LIST_LABEL_EMS = 2.0
TABLE_COLUMN_EMS = 2.4
MIN_LINE_EMS = 3

# Word keeps the report's title, subtitle and author in the document's properties, which hold
# at most 255 characters each (python-docx refuses more).
MAX_PROPERTY_CHARS = 255
# Texts the PDF sets in one piece: a heading (and its line in the contents), a footnote, the
# cover's title and subtitle. ReportLab cannot split them across pages and stops with a layout
# error when one is taller than the page, so each must fit in this share of the page's text
# height, estimated generously (a Chinese character an em wide, any other 0.6 em, one line
# more for wrapping).
FIT_SHARE = 0.9
FOOTNOTE_SHARE = 0.5
HEAD_SHARE = 0.5  # a table's header rows, repeated on every page


def paragraph_limit() -> int:
    """The longest paragraph accepted, in characters (REPORTGEN_MAX_PARAGRAPH_CHARS)."""
    return _paragraph_limit(os.environ.get(PARAGRAPH_LIMIT_ENV, ""))


@functools.lru_cache(maxsize=8)
def _paragraph_limit(text: str) -> int:
    # Asked for each text a spec holds: read once per value of the variable.
    text = text.strip()
    if not text:
        return DEFAULT_PARAGRAPH_LIMIT
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise ReportgenError(f"{PARAGRAPH_LIMIT_ENV}=`{text}` should be a whole number of characters, "
                             f"e.g. {DEFAULT_PARAGRAPH_LIMIT}")
    return value


def too_long(count: int, what: str = "this paragraph", limit: int | None = None) -> str:
    """The message refusing `count` characters in one paragraph, or '' within the limit.
    Also for the loader, which should refuse a long source before Markdown parses it."""
    limit = paragraph_limit() if limit is None else limit
    if count <= limit:
        return ""
    return (f"{what} has {count:,} characters, more than the limit of {limit:,}; split it into shorter "
            f"paragraphs (or raise the limit with {PARAGRAPH_LIMIT_ENV})")


# Every character `bad_character` refuses, for one search over a whole text.
_SUSPECT = re.compile("[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff\ufdd0-\ufdef]")


def bad_character(ch: str) -> str:
    """Why `ch` cannot reach a writer ('' when it can): XML (Word) and PDF text hold no
    control characters but tab and newline, no surrogates and no non-characters."""
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return f"unpaired surrogate U+{code:04X}"
    if (code < 0x20 and ch not in "\t\n") or 0x7F <= code < 0xA0:
        return f"control character U+{code:04X}"
    if code in (0xFFFE, 0xFFFF) or 0xFDD0 <= code <= 0xFDEF:
        return f"non-character U+{code:04X}"
    return ""


def check_document(doc: m.Document, layout, diags: Diagnostics, spec=None, root=None, kept=None) -> None:
    """Check a resolved edition for everything its writers and charts rely on; each problem
    becomes a located error in `diags`. `spec`, when given, locates the cover texts; `root`
    lets the font's character set be kept in the project's cache. `kept` (kept.EditionBlocks),
    when given, knows the blocks an earlier build resolved: one that checked clean then, in
    the same font, is not checked again."""
    _Checker(doc, layout, diags, root, kept).run(spec)


class _Checker:
    def __init__(self, doc: m.Document, layout, diags: Diagnostics, root=None, kept=None):
        self.doc = doc
        self.kept = kept
        self.links = 0  # links met so far: a block's check that met one leans on the other sections
        self.layout = layout
        self.diags = diags
        self.limit = paragraph_limit()
        self.layout_loc = Loc(getattr(layout, "path", "") or "layout") if layout is not None else None
        self.glyphs = self._glyphs(root)
        self.reported: set[str] = set()  # a character the font lacks is reported once, where first met
        self.anchors = {s.anchor for s in doc.walk_sections() if s.anchor}
        self.has_parts = any(s.kind == "part" for s in doc.walk_sections())
        sizes = getattr(layout, "sizes", None) or {}
        self.body = float(sizes.get("body", 10.5))
        self.table_size = float(sizes.get("table", 9))
        self.indent = max(float(getattr(layout, "first_line_indent", 0) or 0), 0.5)
        self.width = float(layout.text_width) if layout is not None else float("inf")
        self.height = float(layout.text_height) if layout is not None else float("inf")
        self.narrow_reported = False

    def _glyphs(self, root):
        if self.layout is None:
            return None
        from .fonts import family_chars

        try:
            return family_chars(self.layout.pdf_font, root)
        except ReportgenError as exc:
            self.diags.items.extend(exc.diagnostics)
            return None

    # ------------------------------------------------------------ text

    def text(self, text, loc: Loc | None, printed: bool = True, what: str = "the text") -> None:
        """A string a writer puts into the file: characters it can hold and the font can draw."""
        if not isinstance(text, str):
            self.error(loc, f"{what} should be text, not {type(text).__name__}")
            return
        chars = set(text)
        # Only the characters that may be a problem are looked at one by one, in the order
        # the text has them: almost always none.
        suspects = set(_SUSPECT.findall(text))
        if printed and self.glyphs is not None:
            suspects |= chars - self.glyphs - self.reported
        if not suspects:
            return
        for ch in dict.fromkeys(c for c in text if c in suspects):
            why = bad_character(ch)
            if why:
                self.error(loc, f"{why} in {what} (after data and expressions are put in); "
                           "remove it from the spec, data file or translation", "text")
                continue
            if (printed and self.glyphs is not None and ch not in self.glyphs and ch not in self.reported
                    and not ch.isspace() and unicodedata.category(ch)[0] != "C"):
                self.reported.add(ch)
                name = unicodedata.name(ch, "an unnamed character")
                self.error(loc, f"the font {self.layout.pdf_font} has no glyph for “{ch}” (U+{ord(ch):04X}, {name}); "
                           "remove it or write it another way", "font")

    def fits(self, text: str, size: float, leading: float, width: float, room: float, loc: Loc | None,
             what: str, size_name: str) -> bool:
        """Whether `text` set at `size` pt (lines `leading` times that) in `width` pt takes at
        most `room` pt of height; one error when it does not."""
        if not text or not math.isfinite(room) or size <= 0:
            return True
        per_line = max(width / size, 1.0)  # ems on a line
        lines = math.ceil(_ems(text) / per_line) + 1
        if lines * size * leading <= room:
            return True
        self.error(loc, f"{what} has {len(text):,} characters, about {lines:,} lines at {size:g} pt (the layout's "
                   f"`sizes.{size_name}`), taller than the {room:.0f} pt of page the PDF can give it in one piece; "
                   "shorten it", "limit")
        return False

    def length(self, inlines: list, loc: Loc | None, what: str) -> None:
        problem = too_long(sum(len(t) for t in _texts(inlines)), what, self.limit)
        if problem:
            self.error(loc, problem, "limit")

    def inlines(self, inlines, loc: Loc | None, what: str = "this paragraph") -> None:
        if not isinstance(inlines, (list, tuple)):
            self.unknown(inlines, loc)
            return
        self.length(inlines, loc, what)
        self._inlines(inlines, loc)

    def _inlines(self, inlines: list, loc: Loc | None) -> None:
        for node in inlines:
            if isinstance(node, (m.Str, m.Code)):
                self.text(node.text, loc)
            elif isinstance(node, (m.Strong, m.Emph)):
                self._inlines(node.children, loc)
            elif isinstance(node, m.Link):
                self.link(node.url, loc)
                self._inlines(node.children, loc)
            elif isinstance(node, m.NoteRef):
                if isinstance(node.number, bool) or not isinstance(node.number, int) or node.number < 1:
                    self.error(loc, f"footnote number `{node.number}` should be a whole number from 1")
                self.length(node.children, loc, "this footnote")
                self._inlines(node.children, loc)
                if self.layout is not None:
                    small = self.layout.sizes["small"]
                    self.fits("".join(_texts(node.children)), small, 1.5, self.width - 1.8 * small,
                              self.height * FOOTNOTE_SHARE, loc, "this footnote", "small")
            elif isinstance(node, m.LineBreak):
                pass
            else:
                self.unknown(node, loc)

    def link(self, url, loc: Loc | None) -> None:
        self.links += 1
        if not isinstance(url, str) or not url.strip():
            self.error(loc, "a link has no target; write [text](https://…) or [text](#section-id)", "link")
            return
        self.text(url, loc, printed=False, what="a link target")
        target = url.strip()
        if target.startswith("#"):
            if target[1:] not in self.anchors:
                from .errors import did_you_mean

                self.error(loc, f"link target `{target}`: no section has the id `{target[1:]}`"
                           f"{did_you_mean(target[1:], self.anchors)}", "link")
            return
        try:
            parts = urlsplit(target)
        except ValueError:
            parts = None
        scheme = parts.scheme.lower() if parts else ""
        if scheme not in LINK_SCHEMES or (scheme != "mailto" and not parts.netloc) or \
                (scheme == "mailto" and "@" not in parts.path):
            self.error(loc, f"link target `{_short(target)}` is not allowed: links go to http://, https:// or "
                       "mailto: addresses, or to `#id` of a section of this report", "link")

    # ------------------------------------------------------------ structure

    def run(self, spec=None) -> None:
        meta = self.doc.meta
        for field in ("title", "subtitle", "edition", "date", "author"):
            raw = getattr(spec, field, None) if spec is not None else None
            loc = getattr(raw, "loc", None)
            self.text(getattr(meta, field), loc, what=f"the report's {field}")
            value = getattr(meta, field)
            if field in ("title", "subtitle", "author") and isinstance(value, str) and len(value) > MAX_PROPERTY_CHARS:
                self.error(loc, f"the report's {field} has {len(value):,} characters; Word's document properties "
                           f"hold at most {MAX_PROPERTY_CHARS}: shorten it", "limit")
        if self.layout is not None and isinstance(meta.title, str) and isinstance(meta.subtitle or "", str):
            self.cover_fits(meta, getattr(spec, "title", None))
        if meta.logo:
            self.image(meta.logo, self.layout_loc, "the logo")
        font = self._font_identity() if self.kept is not None else None
        self.top_blocks(self.doc.front, None, font)
        for section in self.doc.sections:
            self.section(section, 1, font)
        if font is not None:
            self.kept.checked_clean(font)

    def _font_identity(self) -> str | None:
        from .fonts import source_identity

        try:
            return source_identity(self.layout.pdf_font) if self.layout is not None else ""
        except (ReportgenError, OSError):
            return None  # no font to name: every block is checked

    def top_blocks(self, blocks, loc: Loc | None, font: str | None) -> None:
        """A section's (or the front matter's) own blocks, at the full text width. With kept
        blocks, one taken as an earlier build resolved it and checked clean then in `font`
        is passed over; each block that checks clean here is marked so for the next build.
        Clean means no problem at all, no link (links lean on the other sections' ids), no
        figure (its file can change) and no character the font lacks reported before it
        (a block met after that report would seem clean while holding it)."""
        if font is None or not isinstance(blocks, (list, tuple)):
            self.blocks(blocks, loc, self.width)
            return
        for block in blocks:
            if self.kept.was_checked(block, font):
                continue
            reported, links = len(self.diags.items), self.links
            self.block(block, getattr(block, "loc", None) or loc, self.width, 0)
            self.kept.check_result(block, len(self.diags.items) == reported and self.links == links and
                                   not self.reported and not self.narrow_reported and not isinstance(block, m.Figure))

    def cover_fits(self, meta, raw) -> None:
        """The cover's title and subtitle fit on the cover: they stand centred in a band whose
        lower edge is at 42% of the page height, under an accent bar."""
        sizes = self.layout.sizes
        page = float(self.layout.page_height)
        room = page * 0.58 - 2.4 * sizes["title"] - 4
        subtitle = meta.subtitle or ""
        height = self._lines(meta.title, sizes["title"]) * sizes["title"] * 1.3
        if subtitle:
            height += self._lines(subtitle, sizes["subtitle"]) * sizes["subtitle"] * 1.5 + sizes["subtitle"]
        if height > room:
            self.error(getattr(raw, "loc", None), f"the report's title and subtitle take about {height:.0f} pt of the "
                       f"cover (at the layout's `sizes.title` {sizes['title']:g} pt and `sizes.subtitle` "
                       f"{sizes['subtitle']:g} pt), more than its {max(room, 0):.0f} pt; shorten them", "limit")

    def _lines(self, text: str, size: float, width: float | None = None) -> int:
        """Lines `text` takes at `size` pt in `width` pt (the text width), estimated generously."""
        width = self.width if width is None else width
        return math.ceil(_ems(text) / max(width / size, 1.0)) + 1 if text else 0

    def section(self, section, depth: int, font: str | None = None) -> None:
        if not isinstance(section, m.Section):
            self.unknown(section, None)
            return
        loc = section.loc
        if not 1 <= section.level <= 6:
            self.error(loc, f"heading level {section.level} is not one a writer can set (1 to 6)")
        self.text(section.number, loc, what="the heading number")
        self.inlines(section.title, loc, "this heading")
        self.heading_fits(section, loc)
        self.top_blocks(section.blocks, loc, font)
        for child in section.children:
            self.section(child, depth + 1, font)

    def heading_fits(self, section: m.Section, loc: Loc | None) -> None:
        """A heading, and its line in the contents, each fit on one page (see FIT_SHARE)."""
        if self.layout is None:
            return
        sizes = self.layout.sizes
        text = f"{section.number or ''}{''.join(_texts(section.title))}"
        level = min(max(section.level, 1), 4) if isinstance(section.level, int) else 1
        if section.kind == "part":  # centred below a third of the divider page
            if not self.fits(text, sizes["title"], 1.3, self.width, self.height * 0.5, loc, "this part title", "title"):
                return
        elif not self.fits(text, sizes[f"h{level}"], 1.4, self.width, self.height * FIT_SHARE, loc, "this heading",
                           f"h{level}"):
            return
        if section.toc and (section.kind == "part" or section.level <= self.layout.toc_depth):
            body = sizes["body"]  # a contents line: body size (a part's 1.15 times), indented by level
            # With parts, every other heading is listed one level further in.
            width = self.width - body * (2.5 + 2 * (level - 1 + (self.has_parts and section.kind != "part")))
            self.fits(text, body * (1.15 if section.kind == "part" else 1), 1.9, width, self.height * FIT_SHARE, loc,
                      "this heading's line in the contents", "body")

    def blocks(self, blocks, loc: Loc | None, width: float, depth: int = 0) -> None:
        """`width`: the line length left to these blocks (pt) after the boxes and list
        indents around them; `depth`: how deep in lists they are."""
        if not isinstance(blocks, (list, tuple)):
            self.unknown(blocks, loc)
            return
        for block in blocks:
            self.block(block, getattr(block, "loc", None) or loc, width, depth)

    def room(self, width: float, loc: Loc | None) -> bool:
        """Whether nesting leaves a line of at least a few characters (else one error)."""
        if width >= MIN_LINE_EMS * self.body:
            return True
        if not self.narrow_reported:
            self.narrow_reported = True
            self.error(loc, f"quotes, boxes and lists are nested so deep here that less than {MIN_LINE_EMS} "
                       f"characters of line are left ({max(width, 0):.0f} pt of {self.width:.0f}); nest less deep",
                       "limit")
        return False

    def block(self, node, loc: Loc | None, width: float = float("inf"), depth: int = 0) -> None:
        if isinstance(node, m.Paragraph):
            self.inlines(node.inlines, loc)
        elif isinstance(node, m.ListBlock):
            if isinstance(node.start, bool) or not isinstance(node.start, int) or not 0 <= node.start <= 1_000_000:
                self.error(loc, f"a numbered list cannot start at `{node.start}`")
            # Each level goes 2em in, and the item text a label's width further (as the PDF sets it).
            indent = (self.indent + 2 * depth + LIST_LABEL_EMS) * self.body
            if not self.room(width - indent, loc):
                return
            for item in node.items:
                for block in item if isinstance(item, (list, tuple)) else [item]:
                    if isinstance(block, (m.Paragraph, m.ListBlock)):
                        self.block(block, getattr(block, "loc", None) or loc, width, depth + 1)
                    else:
                        self.block(block, getattr(block, "loc", None) or loc, width - indent, 0)
        elif isinstance(node, m.Quote):
            if self.room(width - BOX_EMS * self.body, loc):
                self.blocks(node.blocks, loc, width - BOX_EMS * self.body)
        elif isinstance(node, m.Callout):
            if node.kind not in CALLOUT_KINDS:
                self.error(loc, f"callout kind `{node.kind}` should be one of {', '.join(CALLOUT_KINDS)}")
            self.inlines(node.title, loc, "this title")
            if self.room(width - BOX_EMS * self.body, loc):
                self.blocks(node.blocks, loc, width - BOX_EMS * self.body)
        elif isinstance(node, m.Table):
            self.table(node, loc)
            self.table_fits(node, loc, width)
            columns = len(node.columns)
            need = TABLE_COLUMN_EMS * self.table_size
            if columns and width < columns * need:
                self.error(loc, f"{columns} columns do not fit in {width:.0f} pt of line at the layout's table size "
                           f"({self.table_size:g} pt): each needs about {TABLE_COLUMN_EMS:g} characters with its "
                           "padding; use fewer columns, a smaller `sizes.table` or a wider page", "table")
            else:
                for i, column in enumerate(node.columns, 1):
                    if _share(column.width) and column.width * width < need:
                        self.error(loc, f"column {i} is {column.width * width:.0f} pt wide ({column.width:g} of "
                                   f"{width:.0f} pt), less than the {need:.0f} pt its padding and one character "
                                   "take; give it a larger `width`", "table")
        elif isinstance(node, m.Figure):
            self.figure(node, loc)
        elif isinstance(node, m.Chart):
            self.chart(node, loc)
        elif isinstance(node, m.PageBreak):
            pass
        else:
            self.unknown(node, loc)

    def lines_under_fit(self, node, loc: Loc | None) -> None:
        """A figure's or chart's caption, source and note fit under its picture on one page."""
        if self.layout is None:
            return
        sizes = self.layout.sizes
        height = 0.0
        if node.caption is not None:
            text = f"{node.caption.label}{node.caption.number or ''}{''.join(_texts(node.caption.inlines))}"
            height += self._lines(text, sizes["caption"]) * sizes["caption"] * 1.5
        for part in (node.source, node.note):
            if part is not None:
                height += self._lines("".join(_texts(part)) + "数据来源：", sizes["small"]) * sizes["small"] * 1.5 + 3
        room = self.height * FIT_SHARE - self._picture_height(node)
        if height > room:
            self.error(loc, f"the caption, source and note under this {'chart' if isinstance(node, m.Chart) else 'figure'} "
                       f"are about {height:.0f} pt tall (at the layout's `sizes.caption` {sizes['caption']:g} pt and "
                       f"`sizes.small` {sizes['small']:g} pt), more than the {max(room, 0):.0f} pt left under the "
                       "picture on a page; shorten them", "limit")

    def _picture_height(self, node) -> float:
        """The height `present` gives the picture of a figure or chart (at most
        FIGURE_MAX_HEIGHT of the page); the largest when it cannot be told."""
        from .present import FIGURE_MAX_HEIGHT, MIN_IMAGE_SHARE, image_pixels

        limit = self.height * FIGURE_MAX_HEIGHT
        share = node.width if _share(node.width) else 1.0
        width = self.width * min(max(share, MIN_IMAGE_SHARE), 1.0)
        if isinstance(node, m.Chart):
            ratio = node.height if isinstance(node.height, (int, float)) and not isinstance(node.height, bool) else 2
        else:
            try:
                px_w, px_h = image_pixels(str(node.path), "figure", None)
            except ReportgenError:
                return limit
            ratio = px_h / px_w
        return min(width * ratio, limit)

    def notes(self, node, loc: Loc | None) -> None:
        """Caption, source and note lines under a table, figure or chart."""
        if node.caption is not None:
            self.text(node.caption.label, loc)
            self.inlines(node.caption.inlines, loc, "this caption")
        for part in (node.source, node.note):
            if part is not None:
                self.inlines(part, loc, "this line")

    def unknown(self, node, loc: Loc | None) -> None:
        kind = type(node).__name__
        if isinstance(node, (src.Text, src.Raw)):
            self.error(loc, f"unresolved text reached the writers (`{_short(node.source)}`); "
                       "this block was not resolved for the edition", "model")
        else:
            self.error(loc, f"a `{kind}` cannot be printed: the writers know paragraphs, lists, quotes, callouts, "
                       "tables, figures, charts and page breaks", "model")

    def error(self, loc: Loc | None, message: str, code: str = "check") -> None:
        self.diags.error(loc, message, code)

    # ------------------------------------------------------------ tables

    def table(self, table: m.Table, loc: Loc | None) -> None:
        if table.style not in TABLE_STYLES:
            self.error(loc, f"table style `{table.style}` should be one of {', '.join(TABLE_STYLES)}", "table")
        columns = table.columns
        if not columns:
            self.error(loc, "a table needs at least one column", "table")
            return
        total = 0.0
        for i, column in enumerate(columns, 1):
            if column.align not in ALIGNS:
                self.error(loc, f"column {i}: alignment `{column.align}` should be left, center or right", "table")
            if column.width is not None:
                if isinstance(column.width, bool) or not isinstance(column.width, (int, float)) or \
                        not math.isfinite(column.width) or not 0 < column.width <= 1:
                    self.error(loc, f"column {i}: width `{column.width}` should be a share from 0 to 1", "table")
                else:
                    total += column.width
        if total > 1 + 1e-6:
            self.error(loc, f"column widths add up to {total:.2f}, more than the text width (1)", "table")
        for part, rows in (("head", table.head), ("body", table.body), ("foot", table.foot)):
            self.grid(rows, len(columns), part, loc)
        self.notes(table, loc)

    def table_fits(self, table: m.Table, loc: Loc | None, width: float) -> None:
        """The header rows (repeated on every page) and each merged cell fit a page: the PDF
        splits neither (see FIT_SHARE)."""
        if self.layout is None or not table.columns or not math.isfinite(width):
            return
        for row in (*table.head, *table.body, *table.foot):  # a broken grid is reported by `grid`
            if not isinstance(row, (list, tuple)) or len(row) != len(table.columns) or any(
                    isinstance(c, m.Cell) and not (type(c.rowspan) is type(c.colspan) is int
                                                   and c.rowspan >= 1 and c.colspan >= 1) for c in row):
                return
        from .present import STATS_SHARES, column_widths

        size, pad = self.table_size, self.table_size * 0.6
        shares = [c.width if _share(c.width) else None for c in table.columns]
        if table.style == "stats" and len(shares) == 2 and not any(shares):
            shares = list(STATS_SHARES)
        rows = [r for r in (*table.head, *table.body, *table.foot) if isinstance(r, (list, tuple))]
        widths = column_widths(shares, rows, width, size)

        def height(cell, col: int) -> float:
            room = sum(widths[col:col + max(cell.colspan, 1)]) - 2 * pad
            return self._lines("".join(_texts(cell.inlines)), size, room) * size * 1.4 + 1.5 * pad

        head = sum(max((height(c, i) for i, c in enumerate(row) if isinstance(c, m.Cell)), default=0)
                   for row in table.head)
        if head > self.height * HEAD_SHARE:
            self.error(loc, f"the table's header rows are about {head:.0f} pt tall; they repeat on every page and "
                       f"may take at most {self.height * HEAD_SHARE:.0f} pt: shorten them", "limit")
            return
        room = self.height * FIT_SHARE - head
        for row in (*table.body, *table.foot):
            for i, c in enumerate(row):
                if isinstance(c, m.Cell) and c.rowspan > 1 and height(c, i) > room:
                    self.error(loc, f"a merged cell (rowspan {c.rowspan}) is about {height(c, i):.0f} pt tall, more than "
                               f"the {room:.0f} pt of a page under the table's header; shorten its text", "limit")
                    return

    def grid(self, rows, ncols: int, part: str, loc: Loc | None) -> None:
        """Every row holds one place per column; each place is a cell or covered by exactly one span."""
        covered: set[tuple[int, int]] = set()
        for r, row in enumerate(rows):
            where = f"table {part} row {r + 1}"
            if not isinstance(row, (list, tuple)) or len(row) != ncols:
                self.error(loc, f"{where} has {len(row) if isinstance(row, (list, tuple)) else 0} places for {ncols} columns",
                           "table")
                continue
            for c, cell in enumerate(row):
                if cell is None:
                    if (r, c) not in covered:
                        self.error(loc, f"{where}, column {c + 1}: an empty place no span covers", "table")
                    continue
                if not isinstance(cell, m.Cell):
                    self.unknown(cell, loc)
                    continue
                if (r, c) in covered:
                    self.error(loc, f"{where}, column {c + 1}: a cell where a span from above or the left "
                               "already is", "table")
                spans = (cell.rowspan, cell.colspan)
                if any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in spans):
                    self.error(loc, f"{where}, column {c + 1}: rowspan and colspan should be whole numbers from 1",
                               "table")
                    spans = (1, 1)
                if c + spans[1] > ncols:
                    self.error(loc, f"{where}, column {c + 1}: colspan {spans[1]} runs past the last column", "table")
                if r + spans[0] > len(rows):
                    self.error(loc, f"{where}, column {c + 1}: rowspan {spans[0]} runs past the last row", "table")
                for i in range(spans[0]):
                    for j in range(spans[1]):
                        if i or j:
                            covered.add((r + i, c + j))
                if cell.align is not None and cell.align not in ALIGNS:
                    self.error(loc, f"{where}, column {c + 1}: alignment `{cell.align}` should be left, center "
                               "or right", "table")
                self.inlines(cell.inlines, loc, "this table cell")

    # ------------------------------------------------------------ figures

    def figure(self, figure: m.Figure, loc: Loc | None) -> None:
        if not _share(figure.width):
            self.error(loc, f"figure width `{figure.width}` should be a share of the text width, from 0 to 1", "image")
        self.text(figure.alt, loc, printed=False, what="the alt text")
        self.image(figure.path, loc, "this image")
        self.notes(figure, loc)
        self.lines_under_fit(figure, loc)

    def image(self, path, loc: Loc | None, what: str) -> None:
        problem = image_problem(str(path))
        if problem:
            self.error(loc, f"{what} `{Path(str(path)).name}` {problem}", "image")

    # ------------------------------------------------------------ charts

    def chart(self, chart: m.Chart, loc: Loc | None) -> None:
        self.notes(chart, loc)
        self.lines_under_fit(chart, loc)
        problem = chart_room(chart, self.layout)
        if problem:
            self.error(loc, problem, "chart")
        for part in (chart.title, chart.x_label, chart.y_label, chart.y2_label, chart.centre):
            self.text(part, loc)
        for growth in chart.cagr:
            self.text(growth.label, loc)
        self.text(chart.alt, loc, printed=False, what="the alt text")
        if not (chart.alt or "").strip():
            # Screen readers announce a picture without a description as "image": nothing to go on.
            self.diags.warning(loc, "this chart has no description for readers who cannot see it: give it a "
                               "`caption:` or an `alt:` text", "chart")
        for problem in chart_problems(chart):
            self.error(loc, problem, "chart")
        for name in chart.categories:
            self.text(str(name), loc)
        for series in chart.series:
            self.text(series.name, loc)
            for label in list(series.labels) + list(series.points):
                self.text(str(label), loc)
        for name in (chart.quadrants or {}).get("labels") or []:
            self.text(str(name), loc)


def chart_room(chart: m.Chart, layout) -> str:
    """Why the chart's box is too small for its axes and labels ('' when it is not): each side
    at least an inch and seven times the layout's `sizes.small`, in which charts write.
    Smaller, matplotlib squashes the plot to nothing."""
    if layout is None or not _share(chart.width) or isinstance(chart.height, bool) or \
            not isinstance(chart.height, (int, float)) or not math.isfinite(chart.height):
        return ""
    small = float(layout.sizes.get("small", 8))
    need = max(MIN_CHART_PT, CHART_SIDE_EMS * small)
    width = float(layout.text_width) * chart.width
    height = width * chart.height
    if min(width, height) >= need:
        return ""
    return (f"this chart would be {width:.0f} × {height:.0f} pt, too small for its axes and labels at "
            f"{small:g} pt (the layout's `sizes.small`): each side needs {need:.0f} pt; make `width:` "
            "or `height:` larger")


def chart_problems(chart: m.Chart) -> list[str]:
    """What keeps `chart` from being drawn, one message per problem ([] when it can be)."""
    out: list[str] = []
    kind = chart.type
    if kind not in CHART_TYPES:
        return [f"chart type `{kind}` is not known (types: {', '.join(CHART_TYPES)})"]
    if not _share(chart.width):
        out.append(f"chart width `{chart.width}` should be a share of the text width, from 0 to 1")
    if isinstance(chart.height, bool) or not isinstance(chart.height, (int, float)) or not 0.2 <= chart.height <= 2:
        out.append(f"chart height `{chart.height}` should be a share of its width, from 0.2 to 2")
    if not chart.series:
        return out + ["the chart has no series to draw"]
    points = kind in ("scatter", "bubble")
    if not points:
        n = len(chart.categories)
        if n == 0:
            out.append("the chart has no categories: its data is empty")
        elif n > MAX_CATEGORIES:
            out.append(f"the chart has {n:,} categories, more than {MAX_CATEGORIES} can be read on a page; "
                       "show a selection or a table")
    for series in chart.series:
        name = f"series `{series.name}`" if series.name else "the series"
        values = list(series.values)
        if not points and len(values) != len(chart.categories):
            out.append(f"{name} has {len(values)} values for {len(chart.categories)} categories: "
                       "`categories:` should list the same keys as the data")
        if series.labels and len(series.labels) != len(values):
            out.append(f"{name} has {len(series.labels)} labels for {len(values)} values")
        numbers = _numbers(values, name, "value", out, keys=[] if points else chart.categories)
        if points:
            if not values:
                out.append(f"{name} has no points: a {kind} chart needs records with x and y")
            if len(values) > MAX_POINTS:
                out.append(f"{name} has {len(values):,} points, more than {MAX_POINTS:,}")
            if len(series.x) != len(values):
                out.append(f"{name} has {len(series.x)} x values and {len(values)} y values")
            _numbers(series.x, name, "x value", out, gaps=False)
            if any(v is None for v in values):
                out.append(f"{name} has a point without a y value")
            if kind == "bubble":
                sizes = _numbers(series.sizes, name, "size", out, gaps=False)
                if len(series.sizes) != len(values):
                    out.append(f"{name} has {len(series.sizes)} sizes for {len(values)} points")
                if any(s <= 0 for s in sizes):
                    out.append(f"{name}: bubble sizes should be greater than 0 (a bubble's area shows its size)")
        elif values and not numbers:
            out.append(f"{name} has no values to draw (every value is missing)")
        if kind in ("pie", "donut") and series is chart.series[0]:
            if any(v < 0 for v in numbers):
                out.append(f"a {kind} chart shows shares of a whole: {name} has a negative value")
            elif numbers and sum(numbers) <= 0:
                out.append(f"a {kind} chart shows shares of a whole: the values of {name} add up to 0")
    if kind in ("pie", "donut") and len(chart.series) > 1:
        out.append(f"a {kind} chart draws one series; this one has {len(chart.series)} (use a bar chart)")
    if chart.marks and len(chart.marks) != len(chart.categories):
        out.append(f"the chart has {len(chart.marks)} estimate/forecast marks for {len(chart.categories)} categories")
    if any(mark not in ("", "E", "F") for mark in chart.marks):
        out.append("estimate/forecast marks should be E, F or empty")
    for growth in chart.cagr:
        if kind not in ("bar", "grouped_bar", "stacked_bar", "line", "bar_line"):
            out.append(f"a growth annotation (`cagr`) cannot be drawn on a {kind} chart")
        elif not 0 <= growth.start < growth.end < len(chart.categories):
            out.append(f"a growth annotation runs from category {growth.start + 1} to {growth.end + 1}, "
                       f"outside the chart's {len(chart.categories)} categories or backwards")
        if not isinstance(growth.value, (int, float)) or not math.isfinite(growth.value):
            out.append(f"a growth annotation's rate `{growth.value}` is not a number")
    if chart.centre and kind != "donut":
        out.append(f"a centre text belongs to donut charts, not to a {kind} chart")
    quadrants = chart.quadrants
    if quadrants:
        if not points:
            out.append("`quadrants` belong to scatter and bubble charts")
        for axis in ("x", "y"):
            value = quadrants.get(axis)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or abs(value) > MAX_CHART_VALUE:
                out.append(f"quadrant `{axis}` should be a number, not `{value}`")
        labels = quadrants.get("labels") or []
        if labels and len(labels) != 4:
            out.append("quadrant `labels` should list 4 names")
    return out


def _numbers(values, name: str, what: str, out: list[str], gaps: bool = True, keys=()) -> list[float]:
    """The finite numbers of `values`; NaN, infinity, text and absurd magnitudes are reported."""
    numbers = []
    for i, v in enumerate(values):
        if i < len(keys):
            what_i = f"{what} for `{keys[i]}`"
        else:
            what_i = f"{what} {i + 1}"
        if v is None and gaps:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            out.append(f"{name}: {what_i} is `{v}`, not a number")
        elif not math.isfinite(v):
            out.append(f"{name}: {what_i} is {v}; a chart draws finite numbers only")
        elif abs(v) > MAX_CHART_VALUE:
            out.append(f"{name}: {what_i} is {v:.3g}, beyond ±{MAX_CHART_VALUE:.0e}; "
                       "divide it with `scale:` (e.g. 1e8 for 亿)")
        else:
            numbers.append(float(v))
    return numbers


def _share(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value) and 0 < value <= 1


def _texts(inlines):
    for node in inlines:
        if isinstance(node, (m.Str, m.Code)):
            yield node.text
        elif isinstance(node, (m.Strong, m.Emph, m.Link)):
            yield from _texts(node.children)


def _ems(text: str) -> float:
    """The width of `text` in ems, generously: East Asian wide characters 1, others 0.6."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text)


def _short(text: str, most: int = 60) -> str:
    text = str(text)
    return text if len(text) <= most else text[:most] + "…"


def image_problem(path: str) -> str:
    """Why the writers cannot embed the image at `path` ('' when they can), checked by its
    content, not its name, with the readers ReportLab (Pillow) and python-docx use."""
    try:
        stat = os.stat(path)
    except OSError:
        return "is not there any more"
    return _image_problem(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _image_problem(path: str, size: int, mtime_ns: int) -> str:
    import stat as stat_module

    if not stat_module.S_ISREG(os.stat(path).st_mode):
        return "is not a regular file"
    try:
        from PIL import Image

        with Image.open(path) as image:  # reads the header only
            fmt, (width, height) = image.format, image.size
    except Image.DecompressionBombError:
        return f"has more than {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels; scale it down"
    except Exception as exc:  # Pillow raises many kinds for files it cannot read
        return f"cannot be read as an image ({type(exc).__name__}); save it again as PNG or JPEG"
    if fmt not in IMAGE_FORMATS:
        return f"is a {fmt} image, whatever its name says; save it as PNG, JPEG or GIF"
    if width < 1 or height < 1:
        return "has no pixels"
    if width * height > MAX_IMAGE_PIXELS:
        return (f"is {width:,}×{height:,} pixels; scale it down to at most {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels "
                "(300 dpi across an A4 page is about 9)")
    try:
        from docx.image.image import Image as WordImage

        WordImage.from_file(path)
    except Exception as exc:  # python-docx's header parsers raise several kinds
        return (f"has a header Word cannot read ({type(exc).__name__}); save it again as PNG, "
                "or as an RGB JPEG")
    return ""

