"""Presentation decided once: what the PDF and the Word file must show alike.

A resolved document says what a report holds; how some of it is presented is a decision
that both writers must make the same way, or the two files of one edition disagree. This
module makes those decisions in one format-neutral pass (`present`), in points and plain
strings, and the writers read them:

- table column widths (given shares first, the rest split among automatic columns by
  their content, never below a readable minimum) and column alignment;
- list labels per nesting depth, one scheme per locale family, and where labels and
  item text start;
- caption, source and note lines (the localised words and punctuation);
- header and footer slots as parts (text, page number, page count, running section);
- image boxes of figures and charts (a share of the width available where they stand);
- anchors (one bookmark name per heading, also the target of `#anchor` links) and the
  contents entries with their outline nesting (chapters under parts).

`Visitor` is the dispatch both writers use: `visit_<NodeClass>` methods, and one located
error for a node a writer has no method for.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from dataclasses import dataclass, replace

from . import model as m
from .errors import Diagnostic, Loc, ReportgenError
from .layout import CAPTION_SEPARATORS, Layout
from .locale import EditionLocale, edition_locale, roman

TOKEN = re.compile(r"\{(\w+)\}")
FIGURE_MAX_HEIGHT = 0.6  # share of the text height an image may take
MIN_IMAGE_SHARE = 0.05  # the narrowest image, as a share of the width it stands in
AUTO_MIN_EM = 2.0  # an automatic column is at least two characters of table text wide...
CELL_PAD_EM = 0.6  # ...plus the cell padding on each side (in the table font size)
# In a PDF layout's page record (heading key -> page), the prefix of the chapters that run on
# below other text instead of starting a page (heading keys never hold a colon).
RUN_ON = "run-on:"
STATS_SHARES = (0.62, 0.38)  # a key-statistics table without widths: label, figure
LOGO_BOX = (180.0, 56.0)  # the cover logo fits in this many points, width and height
META_TOKENS = ("title", "subtitle", "edition", "date")


# ---------------------------------------------------------------- what is decided


@dataclass(frozen=True)
class ListLevel:
    """How the items of a list at one depth are labelled.

    `format` names the counter as Word does (decimal, lowerLetter, lowerRoman, bullet) and
    `template` the label around it (`%1` stands for the counter), so the Word numbering
    definition and the PDF's printed label are the same thing written two ways.
    """

    format: str
    template: str

    def label(self, n: int) -> str:
        if self.format == "bullet":
            return self.template
        if self.format == "lowerLetter":
            counter = _letters(n)
        elif self.format == "lowerRoman":
            counter = roman(n).lower()
        else:
            counter = str(n)
        return self.template.replace("%1", counter)


# Ordered lists: 1. → (1) → a) → i., with full-width parentheses in Chinese. Bullets: ● ○ ■.
ORDERED = {
    "zh": (ListLevel("decimal", "%1."), ListLevel("decimal", "（%1）"), ListLevel("lowerLetter", "%1)"),
           ListLevel("lowerRoman", "%1.")),
    "en": (ListLevel("decimal", "%1."), ListLevel("decimal", "(%1)"), ListLevel("lowerLetter", "%1)"),
           ListLevel("lowerRoman", "%1.")),
}
BULLETS = (ListLevel("bullet", "●"), ListLevel("bullet", "○"), ListLevel("bullet", "■"))


@dataclass(frozen=True)
class ListBox:
    """One list: its labels, and where (points from the left of its block) labels and text start."""

    level: ListLevel
    depth: int
    labels: tuple[str, ...]
    label_at: float
    text_at: float


@dataclass(frozen=True)
class TableBox:
    """Column widths in points (they add up to the table's width) and alignments."""

    widths: tuple[float, ...]
    aligns: tuple[str, ...]


@dataclass(frozen=True)
class ImageBox:
    """An image file placed `width` x `height` points."""

    path: str
    width: float
    height: float
    px_width: int
    px_height: int


@dataclass(frozen=True)
class CaptionLine:
    """`Figure 1: Title` / `图 1：标题`: label word, number, the text between it and the title."""

    label: str
    number: int
    separator: str
    inlines: tuple

    @property
    def prefix(self) -> str:
        return f"{self.label} {self.number}{self.separator}" if self.label else f"{self.number}{self.separator}"


@dataclass(frozen=True)
class TextLook:
    """How a kind of paragraph is set, in points: size, line pitch (the PDF's leading, Word's
    exact line height), space before and after, indents."""

    size: float
    leading: float
    before: float = 0.0
    after: float = 0.0
    first_indent: float = 0.0
    left_indent: float = 0.0
    right_indent: float = 0.0
    bold: bool = False


@dataclass(frozen=True)
class Spacing:
    """Room around blocks and inside cells, in points, the same in both formats."""

    cell_pad_x: float  # table cell padding, left and right
    cell_pad_y: float  # top and bottom
    box_pad_x: float  # quotes and boxed notes
    box_pad_top: float
    box_pad_bottom: float
    box_before: float
    box_after: float
    figure_before: float
    figure_after: float
    figure_gap: float  # between an image and its caption
    table_before: float  # a table without a caption
    table_after: float  # a table without a source line
    item_after: float  # between the items of a list


@dataclass(frozen=True)
class Part:
    """A piece of a header or footer line: `text`, or `page`, `pages`, `section` (the running chapter)."""

    kind: str
    text: str = ""


@dataclass(frozen=True)
class Entry:
    """A heading as the outline and the contents list it."""

    section: m.Section
    key: str  # bookmark name, the same in both formats
    depth: int  # outline nesting: 0 for parts and chapters outside parts, +1 under a part
    level: int  # heading level 1-4, parts not counted (the look of the heading)
    text: str  # number and title, plain
    listed: bool  # in the table of contents


# ---------------------------------------------------------------- the pass


class Presentation:
    """Every shared decision for one edition, keyed by the node it concerns."""

    def __init__(self, doc: m.Document, layout: Layout, chart_images=None):
        self.doc, self.layout = doc, layout
        self.locale: EditionLocale = edition_locale(str(doc.locale))
        self.terms = dict(doc.terms or {})
        self.family = self.locale.numbering
        self.lang_tag = self.locale.tag  # zh-CN, zh-TW, en: what Word and PDF readers expect
        self.has_parts = any(s.kind == "part" for s in doc.walk_sections())
        self.box_padding = layout.sizes["body"]  # inside quotes and boxed notes, each side
        self._tables: dict[int, TableBox] = {}
        self._images: dict[int, ImageBox] = {}
        self._lists: dict[int, ListBox] = {}
        self._entries: dict[int, Entry] = {}
        self.entries: list[Entry] = []
        self.anchors: dict[str, str] = {}  # section anchor -> bookmark key
        self._charts = list(chart_images) if chart_images is not None else None
        self._chart_index = 0
        self.logo: ImageBox | None = self._logo()
        self.looks: dict[str, TextLook] = text_looks(layout, self.has_parts)
        self.spacing: Spacing = block_spacing(layout)
        self._outline()
        self._blocks(doc.front, layout.text_width)
        for section in doc.walk_sections():
            self._blocks(section.blocks, layout.text_width)
        if self._charts is not None and self._chart_index != len(self._charts):
            raise ReportgenError(Diagnostic(None, f"{len(self._charts)} chart image(s) given for "
                                            f"{self._chart_index} chart(s) in the document", "error", "build"))

    # ------------------------------------------------------------ lookups

    def table_box(self, node: m.Table) -> TableBox:
        return self._tables[id(node)]

    def image_box(self, node) -> ImageBox:
        return self._images[id(node)]

    def list_box(self, node: m.ListBlock) -> ListBox:
        return self._lists[id(node)]

    def entry(self, section: m.Section) -> Entry:
        return self._entries[id(section)]

    def key(self, section: m.Section) -> str:
        return self._entries[id(section)].key

    def link_target(self, url: str) -> str | None:
        """The bookmark an internal link (`#anchor`) points to, None if there is no such heading."""
        return self.anchors.get(url.strip()[1:]) if url.strip().startswith("#") else None

    # ------------------------------------------------------------ words

    def caption(self, caption: m.Caption) -> CaptionLine:
        # The layout's separator ("Figure 1: Title", "图 1：标题"), carried by the caption so
        # that the font cut for the document holds its characters.
        separator = caption.separator or self.layout.caption_separator or CAPTION_SEPARATORS[self.family]
        return CaptionLine(caption.label.strip(), caption.number, separator, tuple(caption.inlines))

    def continued(self, caption: m.Caption) -> str:
        """The line over a table's continuation on a later page: `续表 3`, `Table 3 (continued)`."""
        return self.terms.get("table_continued", "Table {number} (continued)").replace("{number}", str(caption.number))

    def draft_words(self) -> tuple[str, str]:
        """What marks a draft edition: the short mark (watermark, header) and the cover's notice."""
        return (self.terms.get("draft", "DRAFT"),
                self.terms.get("draft_notice", "Draft edition: translation in progress; not for distribution"))

    def report_code_line(self) -> str:
        code = self.doc.meta.report_code
        return f"{self.terms.get('report_code', 'Report code: ')}{code}" if code else ""

    def cover_lines(self) -> tuple[list[str], str]:
        """The cover's lines under the title (edition, date, report code, and the author when
        a publisher signs the foot), and the foot's signature (publisher, else author)."""
        meta = self.doc.meta
        foot = meta.publisher or meta.author
        lines = [meta.edition, meta.date, self.report_code_line(), meta.author if meta.publisher else ""]
        return [line for line in lines if line], foot

    def source_prefix(self) -> str:
        return self.terms.get("source", "Source: ")

    def note_prefix(self) -> str:
        return self.terms.get("note", "Note: ")

    def contents_title(self) -> str:
        return self.terms.get("contents", "Contents")

    def slots(self, slots: dict) -> dict[str, tuple[Part, ...]]:
        """A header or footer (`left`/`center`/`right` templates) as parts, empty slots left out."""
        out = {}
        for name in ("left", "center", "right"):
            parts = tuple(self._parts(str(slots.get(name) or ""), 0))
            if any(p.kind != "text" or p.text.strip() for p in parts):
                out[name] = parts
        return out

    def header(self) -> dict[str, tuple[Part, ...]]:
        slots = self.slots(self.layout.header)
        if self.doc.meta.draft:
            # A draft edition says so on every page: in the free centre, else before the left slot.
            mark = Part("text", self.draft_words()[0])
            if "center" not in slots:
                slots = {**slots, "center": (mark,)}
            else:
                slots = {**slots, "left": (mark, Part("text", " · "), *slots.get("left", ()))}
        return slots

    def footer(self) -> dict[str, tuple[Part, ...]]:
        return self.slots(self.layout.footer)

    def _parts(self, text: str, depth: int) -> list[Part]:
        meta, out, pos = self.doc.meta, [], 0
        for match in TOKEN.finditer(text):
            if match.start() > pos:
                out.append(Part("text", text[pos:match.start()]))
            pos = match.end()
            name = match.group(1)
            if name in META_TOKENS:
                if getattr(meta, name):
                    out.append(Part("text", getattr(meta, name)))
            elif name in ("page", "pages", "section"):
                out.append(Part(name))
            elif name == "page_of" and depth == 0:
                out += self._parts(self.terms.get("page_of", "Page {page} of {pages}"), 1)
            else:
                out.append(Part("text", match.group(0)))
        if pos < len(text):
            out.append(Part("text", text[pos:]))
        # Adjacent texts joined, outer spaces dropped: a slot reads the same in both formats.
        merged: list[Part] = []
        for part in out:
            if part.kind == "text" and merged and merged[-1].kind == "text":
                merged[-1] = Part("text", merged[-1].text + part.text)
            else:
                merged.append(part)
        if merged and merged[0].kind == "text":
            merged[0] = Part("text", merged[0].text.lstrip())
        if merged and merged[-1].kind == "text":
            merged[-1] = Part("text", merged[-1].text.rstrip())
        return [p for p in merged if p.kind != "text" or p.text]

    # ------------------------------------------------------------ outline

    def _outline(self) -> None:
        used: set[str] = set()
        index = 0

        def visit(sections, depth: int, level: int) -> None:
            nonlocal index
            for section in sections:
                index += 1
                if section.anchor:
                    key = bookmark_name(section.anchor, used)
                    self.anchors.setdefault(section.anchor, key)
                else:
                    key = f"_Toc{index:08d}"
                    used.add(key)
                part = section.kind == "part"
                heading_level = level if part else min(level + 1, 4)
                listed = bool(section.toc) and (part or heading_level <= self.layout.toc_depth)
                entry = Entry(section, key, depth, max(heading_level, 1), section.heading_text, listed)
                self._entries[id(section)] = entry
                self.entries.append(entry)
                visit(section.children, depth + 1, level if part else level + 1)

        visit(self.doc.sections, 0, 0)

    # ------------------------------------------------------------ blocks

    def _blocks(self, blocks, width: float, depth: int = 0) -> None:
        for block in blocks:
            if isinstance(block, m.Table):
                self._tables[id(block)] = self._table(block, width)
            elif isinstance(block, m.Figure):
                self._images[id(block)] = self._image(block, block.path, width)
            elif isinstance(block, m.Chart):
                self._images[id(block)] = self._image(block, self._chart_path(block), width)
            elif isinstance(block, (m.Quote, m.Callout)):
                self._blocks(block.blocks, width - 2 * self.box_padding, 0)
            elif isinstance(block, m.ListBlock):
                box = self._list(block, depth)
                self._lists[id(block)] = box
                for item in block.items:
                    # Blocks of an item stand where its text starts; a nested list's labels too.
                    for sub in item:
                        self._blocks([sub], width - box.text_at, depth + 1 if isinstance(sub, m.ListBlock) else 0)

    def _chart_path(self, chart: m.Chart) -> str:
        if self._charts is None:
            raise ReportgenError(Diagnostic(chart.loc, "this chart was not drawn: the writers need its image "
                                            "(chart_images)", "error", "build"))
        if self._chart_index >= len(self._charts):
            raise ReportgenError(Diagnostic(chart.loc, f"no chart image for this chart: {len(self._charts)} "
                                            "image(s) given for more charts", "error", "build"))
        path = str(self._charts[self._chart_index])
        self._chart_index += 1
        return path

    # ------------------------------------------------------------ lists

    def _list(self, block: m.ListBlock, depth: int) -> ListBox:
        if block.ordered:
            scheme = ORDERED[self.family]
            level = scheme[depth % len(scheme)]
            labels = tuple(level.label(block.start + i) for i in range(len(block.items)))
        else:
            level = BULLETS[depth % len(BULLETS)]
            labels = tuple(level.label(1) for _ in block.items)
        body = self.layout.sizes["body"]
        # A top-level label stands where a paragraph's first line starts; a nested list's
        # labels where its parent item's text starts.
        label_at = max(self.layout.first_line_indent, 0.5) * body if depth == 0 else 0.0
        widest = max((text_width_em(label) for label in labels), default=1.0) * body
        # The label's room: the widest label and a gap of more than the 0.6 em ReportLab keeps
        # (it pushes the text right otherwise; Word would move it to the next tab stop).
        hang = max(widest + 0.8 * body, (2.0 if block.ordered else 1.5) * body)
        return ListBox(level, depth, labels, label_at, label_at + hang)

    # ------------------------------------------------------------ tables

    def _table(self, table: m.Table, width: float) -> TableBox:
        rows = [*table.head, *table.body, *table.foot]
        ncols = len(table.columns) or max((len(r) for r in rows), default=1)
        columns = list(table.columns) or [m.Column() for _ in range(ncols)]
        aligns = [c.align or "left" for c in columns]
        shares: list[float | None] = [c.width if c.width and c.width > 0 else None for c in columns]
        if table.style == "stats" and ncols == 2 and not any(shares):
            shares = list(STATS_SHARES)
        if table.style == "stats" and ncols >= 2:
            aligns[1] = "right"  # the key figures line up on their last digit
        return TableBox(tuple(column_widths(shares, rows, width, self.layout.sizes["table"])), tuple(aligns))

    # ------------------------------------------------------------ images

    def _logo(self) -> ImageBox | None:
        path = self.doc.meta.logo or self.layout.logo
        if not path:
            return None
        px_w, px_h = image_pixels(str(path), "logo", None)
        scale = min(LOGO_BOX[0] / px_w, LOGO_BOX[1] / px_h)
        return ImageBox(str(path), px_w * scale, px_h * scale, px_w, px_h)

    def _image(self, node, path: str, width: float) -> ImageBox:
        if isinstance(node, m.Chart) and path.endswith(".svg"):  # a vector chart: its size in points
            from .chartdraw import svg_size

            px_w, px_h = svg_size(path)
        else:
            px_w, px_h = image_pixels(path, "chart image" if isinstance(node, m.Chart) else "figure", node.loc)
        share = min(max(node.width or 1.0, MIN_IMAGE_SHARE), 1.0)
        w = width * share
        h = w * px_h / px_w
        limit = self.layout.text_height * FIGURE_MAX_HEIGHT
        if h > limit:
            w, h = w * limit / h, limit
        return ImageBox(str(path), w, h, px_w, px_h)


def text_looks(layout: Layout, has_parts: bool = False) -> dict[str, TextLook]:
    """Every kind of paragraph both writers set, by name.

    `toc0`... are the contents levels by outline depth (parts first when there are parts)."""
    s, body = layout.sizes, layout.sizes["body"]
    pitch = body * layout.line_spacing
    looks = {
        "body": TextLook(body, pitch, after=layout.space_after, first_indent=layout.first_line_indent * body),
        "block": TextLook(body, pitch, after=layout.space_after * 0.6),  # in boxes and list items
        "quote": TextLook(body, pitch, after=layout.space_after * 0.6),
        "part": TextLook(s["title"], s["title"] * 1.3, bold=True),
        "caption": TextLook(s["caption"], s["caption"] * 1.5, 6, 4, bold=True),  # above a table
        "figure-caption": TextLook(s["caption"], s["caption"] * 1.5, 2, 0, bold=True),
        "source": TextLook(s["small"], s["small"] * 1.5, 3, layout.space_after + 4),
        "cell": TextLook(s["table"], s["table"] * 1.4),
        "note": TextLook(s["small"], s["small"] * 1.5, 1, 0, left_indent=s["small"] * 1.8),
    }
    for level, (before, after) in {1: (0, 16), 2: (16, 8), 3: (12, 6), 4: (10, 4)}.items():
        size = s[f"h{level}"]
        looks[f"h{level}"] = TextLook(size, size * 1.4, before, after, bold=True)
    # A chapter run on below the text before it (`chapter_break: auto` or `none`) is set apart
    # from it; at a page's top the space is dropped.
    looks["h1-run-on"] = replace(looks["h1"], before=s["h1"] * 1.8)
    looks["toc-title"] = replace(looks["h1"])
    toc = TextLook(body, body * 1.9, right_indent=body * 2.5)
    levels = [replace(toc, before=body * 0.6, bold=True)] + [replace(toc, left_indent=body * 2 * n)
                                                            for n in range(1, 5)]
    if has_parts:
        levels.insert(0, replace(toc, size=body * 1.15, before=body, bold=True))
    for depth, look in enumerate(levels):
        looks[f"toc{depth}"] = look
    return looks


def block_spacing(layout: Layout) -> Spacing:
    pad = layout.sizes["table"] * CELL_PAD_EM
    box = layout.sizes["body"]
    return Spacing(cell_pad_x=pad, cell_pad_y=pad * 0.75, box_pad_x=box, box_pad_top=box * 0.7,
                   box_pad_bottom=box * 0.5, box_before=4, box_after=layout.space_after + 4,
                   figure_before=6, figure_after=layout.space_after + 6, figure_gap=4,
                   table_before=6, table_after=layout.space_after + 4, item_after=2)


def image_pixels(path: str, what: str, loc: Loc | None) -> tuple[int, int]:
    """The pixel size of an image file both writers can place; a located error otherwise
    (the checks before a build can ask the same question)."""
    from PIL import UnidentifiedImageError

    try:
        stat = os.stat(path)
        kind, px_w, px_h = _read_image(str(path), stat.st_size, stat.st_mtime_ns)
    except (OSError, ValueError, UnidentifiedImageError) as exc:
        raise ReportgenError(Diagnostic(loc, f"{what} `{path}` is not an image reportgen can read "
                                        f"(PNG, JPEG or GIF): {exc}", "error", "image")) from None
    if kind not in ("PNG", "JPEG", "GIF") or px_w <= 0 or px_h <= 0:
        raise ReportgenError(Diagnostic(loc, f"{what} `{path}` is a {kind or 'unknown'} image; "
                                        "write PNG, JPEG or GIF", "error", "image"))
    return px_w, px_h


@functools.lru_cache(maxsize=256)
def _read_image(path: str, size: int, mtime_ns: int) -> tuple[str | None, int, int]:
    """Format and pixel size of an image file, decoded once per version of the file: a chart
    placed 100 times in a report is one file, and decoding it is what finds a damaged one."""
    from PIL import Image

    with Image.open(path) as im:
        im.load()  # a truncated or corrupt file fails here, with its location, not mid-write
        return im.format, im.size[0], im.size[1]


def present(doc: m.Document, layout: Layout, chart_images=None) -> Presentation:
    """Decide, once, what both writers show alike (see the module's docstring)."""
    return Presentation(doc, layout, chart_images)


# ---------------------------------------------------------------- rules


def text_width_em(text: str) -> float:
    """An estimate of a text's width in em, format- and font-neutral: wide (CJK) characters
    one em, others a little over half of one."""
    if text.isascii():  # the common case of numbers and Latin words, fast for 10,000-row tables
        return 0.55 * len(text)
    total = 0.0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        total += 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.55
    return total


def _longest_unbreakable_em(text: str) -> float:
    """The widest piece a line cannot be broken inside: a Latin word or number (a CJK
    character may end a line anywhere)."""
    if text.isascii():
        return 0.55 * max((len(word) for word in text.split()), default=0)
    longest = 0.0
    for word in re.split(r"\s+", text):
        run = 0.0
        for ch in word:
            if unicodedata.east_asian_width(ch) in ("W", "F"):
                longest, run = max(longest, run, 1.0), 0.0
            else:
                run += 0.55
        longest = max(longest, run)
    return longest


@functools.lru_cache(maxsize=8192)
def _measure(text: str) -> tuple[float, float]:
    """(widest line, widest unbreakable piece) of a cell's text, in em; tables repeat values."""
    return max(text_width_em(line) for line in text.split("\n")), _longest_unbreakable_em(text)


def column_widths(shares: list, rows: list, width: float, size: float) -> list[float]:
    """Column widths in points for a table `width` points wide.

    Given shares of the width come first; what is left goes to the automatic columns
    (`None`), each at least as wide as its longest word (two characters at least) and the
    rest in proportion to how much text each holds. When the shares leave less than the
    automatic columns' minimum, the given columns shrink in proportion. Shares adding up
    to more than 1 are proportions; a table of given shares only is as wide as they say.
    """
    n = len(shares)
    if n == 0:
        return []
    given = sum(s for s in shares if s is not None)
    if given > 1:
        shares = [s / given if s is not None else None for s in shares]
        given = 1.0
    auto = [i for i, s in enumerate(shares) if s is None]
    if not auto:
        return [width * s for s in shares]
    pad = 2 * CELL_PAD_EM * size
    cap = width / n  # a minimum never takes more than an equal split
    minimum = {i: min(AUTO_MIN_EM * size + pad, cap) for i in auto}
    natural = {i: minimum[i] for i in auto}
    for row in rows:
        for i, cell in enumerate(row):
            if i not in natural or cell is None or cell.colspan > 1:
                continue
            whole, unbreakable = _measure(m.plain(cell.inlines))
            natural[i] = max(natural[i], whole * size + pad)
            minimum[i] = max(minimum[i], min(unbreakable * size + pad, cap))
    rest = width * (1 - given)
    need = sum(minimum.values())
    widths = [width * s if s is not None else 0.0 for s in shares]
    if rest < need:
        scale = (width - need) / (width * given) if given else 0.0
        widths = [w * scale for w in widths]
        for i in auto:
            widths[i] = minimum[i]
        return widths
    want = sum(natural.values())
    if want <= rest:  # everything fits on one line: share out the room by content
        for i in auto:
            widths[i] = rest * natural[i] / want
    else:  # minimums first, then the rest by how much more each would like
        extra = rest - need
        more = sum(natural[i] - minimum[i] for i in auto) or 1.0
        for i in auto:
            widths[i] = minimum[i] + extra * (natural[i] - minimum[i]) / more
    return widths


def bookmark_name(anchor: str, used: set[str]) -> str:
    """A bookmark name valid in Word (a letter first, word characters, at most 40) and PDF."""
    name = re.sub(r"\W", "_", anchor)[:36] or "s"
    if not name[0].isalpha():
        name = "s" + name[:35]
    base, n = name, 1
    while name in used:
        n += 1
        name = f"{base[:33]}_{n}"
    used.add(name)
    return name


def _letters(n: int) -> str:
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(ord("a") + r) + out
    return out or "a"


# ---------------------------------------------------------------- dispatch


class Visitor:
    """Dispatch on the node's class: `visit_Paragraph`, `visit_Table`, `visit_Str`...

    A node a writer has no method for stops the writer with one located error (the
    node's own location, or that of the block it stands in), never a silent gap."""

    format_name = "this"

    def __init__(self):
        self.where: Loc | None = None  # the location of the block being visited

    def visit(self, node, *args, **kwargs):
        kind = type(node)
        # The method for a node class, looked up once per writer class (a document has
        # thousands of nodes of a dozen classes).
        methods = type(self).__dict__.get("_methods")
        if methods is None:
            methods = type(self)._methods = {}
        method = methods.get(kind)
        if method is None:
            method = methods[kind] = getattr(type(self), f"visit_{kind.__name__}", None)
        loc = getattr(node, "loc", None)
        if method is None:
            self.cannot_render(node)
        if loc is None:
            return method(self, node, *args, **kwargs)
        saved, self.where = self.where, loc
        try:
            return method(self, node, *args, **kwargs)
        finally:
            self.where = saved

    def cannot_render(self, node):
        """Raise the located error for a node this writer has no way to render."""
        raise ReportgenError(Diagnostic(
            getattr(node, "loc", None) or self.where, f"the {self.format_name} writer cannot render a "
            f"`{type(node).__name__}` (was the document resolved?)", "error", self.format_name.lower()))
