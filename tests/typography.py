"""Typography measured on a finished PDF: per-rule counts of what a reader would see.

A PDF is read back with character positions (pdfplumber), characters are grouped into lines
per page, lines are told apart (body text, header and footer, contents, other text such as
tables and captions) and each rule counts its violations with the file, page, line number
and an excerpt, so a failure says what is wrong and where.

The text block comes from the layout (`TextBlock.from_layout`) or is passed in. Rules:

- ragged-right: a justified body line, not a paragraph's last, ending more than 0.5 pt short
  of the paragraph's right edge (the text block's, for full-width paragraphs);
- outside-block: a glyph outside the text block (header and footer aside);
- prohibited-start / prohibited-end: a mark that cannot start a line starts one, or an opening
  mark ends one (clreq's lists; closing Latin punctuation and opening brackets in Latin lines);
- punct-run-wide: two adjacent full-width punctuation marks taking more than 1.5 em;
- han-latin-gap: the gap between a Han character and an adjacent Latin letter or digit not a
  quarter em (±0.05 em);
- short-last-line: a Chinese paragraph whose last line carries fewer than two characters
  besides punctuation;
- loose-word-space: an English line of more than one word with a word space wider than twice
  the natural one;
- measure: English full body lines averaging outside 60–85 characters;
- page-fill: a page less than 55% full that no forced break explains (cover, contents, part
  divider, the page before a part divider or before the contents, a chapter's last page
  when chapters start new pages, the last page).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

RULES = (
    "ragged-right", "outside-block", "prohibited-start", "prohibited-end", "punct-run-wide",
    "han-latin-gap", "short-last-line", "loose-word-space", "measure", "page-fill",
)

# clreq / JIS X 4051: marks that never start a line, and openers that never end one.
CANNOT_START = set("、。，．：；？！）」』】〕〉》”’…‥—～·〗］｝〙〛%％‰°℃")
CANNOT_END = set("（「『【〔〈《“‘〖［｛〘〚")
# In a line without Han characters: Latin closing punctuation and opening brackets.
LATIN_CANNOT_START = set(",.;:?!)]}”’") | set("、。，：；？！）》")
LATIN_CANNOT_END = set("([{“‘（《")
RIGHT_INK = set("（「『【〔〈《“‘〖［｛")  # opening marks: ink in the em's right half
LEFT_INK = set("、。，．：；？！）」』】〕〉》”’〗］｝")  # closing marks: ink in the em's left half
# Traditional Chinese faces (Noto Sans CJK TC) centre these marks in their em, as Taiwan's
# and Hong Kong's standards ask (kept apart from reportgen's own list: the measure does not
# take its rules from what it measures).
CENTRED_IN_TRADITIONAL = frozenset("、。，．：；？！")
FULL_WIDTH_PUNCT = set("、。，．：；？！（）「」『』【】〔〕〈〉《》“”‘’〖〗［］｛｝")
# Two-em marks: a pair of the same is one mark and takes two ems.
TWO_EM = set("…—")
PUNCT = FULL_WIDTH_PUNCT | TWO_EM | set(",.;:?!()[]{}\"'“”‘’·～-–")

RAGGED_TOLERANCE = 0.5  # pt
OUTSIDE_TOLERANCE = 0.5  # pt
GAP_EM, GAP_TOLERANCE_EM = 0.25, 0.05
LOOSE_FACTOR = 2.0
MEASURE_RANGE = (60, 85)
FILL_MIN = 0.55


def is_han(ch: str) -> bool:
    code = ord(ch)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FFFF


def is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


@dataclass(frozen=True)
class TextBlock:
    """Where body text may go on a page (points, measured from the page's top-left)."""

    page_width: float
    page_height: float
    left: float
    top: float
    right: float
    bottom: float
    body_size: float = 10.5
    leading: float = 16.8
    h1_size: float = 17.0
    # Marks the faces centre in their em (Traditional Chinese): at a line's end their ink is
    # not in the em's left half, and they are not set half width.
    centred: frozenset = frozenset()

    @classmethod
    def from_layout(cls, layout) -> "TextBlock":
        """The block of a `reportgen.layout.Layout`."""
        return cls(
            page_width=layout.page_width, page_height=layout.page_height,
            left=layout.margin_left, top=layout.margin_top,
            right=layout.page_width - layout.margin_right, bottom=layout.page_height - layout.margin_bottom,
            body_size=layout.sizes["body"], leading=layout.sizes["body"] * layout.line_spacing,
            h1_size=layout.sizes["h1"],
            centred=CENTRED_IN_TRADITIONAL if layout.pdf_font.endswith(("TC", "HK")) else frozenset(),
        )

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass
class Line:
    """One line (or one cell's line: a row split at wide gaps) of text on a page."""

    page: int  # 1-based
    number: int  # 1-based among the page's lines, top to bottom, header included
    chars: list  # pdfplumber chars, spaces included, left to right
    kind: str = "other"  # body, header, footer, contents, other

    @property
    def glyphs(self) -> list:
        return [c for c in self.chars if c["text"].strip()]

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def x0(self) -> float:
        return min(c["x0"] for c in self.glyphs)

    @property
    def x1(self) -> float:
        return max(c["x1"] for c in self.glyphs)

    @property
    def ink_x1(self) -> float:
        """Where the line's ink ends. A closing full-width mark has its ink in the left half
        of its em; set at half width at a line's end it keeps its full-em box in the PDF's
        text (the advance is what was compressed), so its box's right half is not ink."""
        return self.ink_end()

    def ink_end(self, centred: frozenset = frozenset()) -> float:
        """`ink_x1`, with the marks in `centred` taken as drawn in the middle of their em
        (Traditional Chinese faces): such a mark ends the line at its box's edge."""
        glyphs = self.glyphs
        last = glyphs[-1]
        if last["text"] in LEFT_INK and last["text"] not in centred and last["x1"] - last["x0"] >= 0.9 * last["size"]:
            rest = max((c["x1"] for c in glyphs[:-1]), default=last["x0"])
            return max(rest, last["x0"] + last["size"] / 2)
        return self.x1

    @property
    def ink_x0(self) -> float:
        """Where the line's ink starts: an opening full-width mark has its ink in the right
        half of its em, so one set at half width at a line's start begins half an em in."""
        glyphs = self.glyphs
        first = glyphs[0]
        if first["text"] in RIGHT_INK and first["x1"] - first["x0"] >= 0.9 * first["size"]:
            rest = min((c["x0"] for c in glyphs[1:]), default=first["x1"])
            return min(rest, first["x0"] + first["size"] / 2)
        return self.x0

    @property
    def spread(self) -> float:
        """The space justification added between characters (the median gap between two Han
        characters), 0 on a line set solid."""
        gaps = [b["x0"] - a["x1"] for a, b in zip(self.glyphs, self.glyphs[1:])
                if is_han(a["text"]) and is_han(b["text"])]
        return max(0.0, statistics.median(gaps)) if gaps else 0.0

    @property
    def top(self) -> float:
        return min(c["top"] for c in self.glyphs)

    @property
    def bottom(self) -> float:
        return max(c["bottom"] for c in self.glyphs)

    @property
    def baseline(self) -> float:
        return statistics.median(c["bottom"] for c in self.glyphs)

    @property
    def size(self) -> float:
        return Counter(round(c["size"], 2) for c in self.glyphs).most_common(1)[0][0]

    @property
    def bold(self) -> bool:
        names = Counter(c["fontname"] for c in self.glyphs).most_common(1)[0][0]
        return "bold" in names.lower()

    @property
    def han(self) -> bool:
        return any(is_han(c["text"]) for c in self.glyphs)


@dataclass(frozen=True)
class Violation:
    rule: str
    file: str
    page: int
    line: int
    excerpt: str
    detail: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:p{self.page}" + (f":l{self.line}" if self.line else "")
        return f"{where}: {self.rule}: {self.detail + ': ' if self.detail else ''}{self.excerpt}"


@dataclass
class Report:
    """What one or more PDFs measured: violations by rule, page fill, characters per line."""

    violations: list = field(default_factory=list)
    fills: dict = field(default_factory=dict)  # (file, page) -> share of the text block used
    measures: dict = field(default_factory=dict)  # file -> average characters per full English line
    pages: int = 0

    def counts(self) -> dict:
        found = Counter(v.rule for v in self.violations)
        return {rule: found.get(rule, 0) for rule in RULES}

    def of(self, rule: str) -> list:
        return [v for v in self.violations if v.rule == rule]

    def extend(self, other: "Report") -> None:
        self.violations += other.violations
        self.fills.update(other.fills)
        self.measures.update(other.measures)
        self.pages += other.pages

    def summary(self, places: int = 3) -> str:
        out = []
        for rule, count in self.counts().items():
            out.append(f"{rule:18} {count:5}")
            for v in self.of(rule)[:places]:
                out.append(f"    {v}")
        return "\n".join(out)


def _excerpt(line: "Line", limit: int = 40) -> str:
    text = re.sub(r"\s+", " ", line.text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------ reading lines


def read_lines(page, number: int, block: TextBlock) -> list[Line]:
    """The page's characters as lines: clustered by baseline, small raised marks (note
    references) joined to the line they sit on, a row split where a gap is wider than 2 em
    (table cells, a right-aligned page number), then classified."""
    chars = [c for c in page.chars if c.get("upright", True)]
    # A draft edition's watermark is text too: huge letters drawn across the page (rotated by
    # the canvas, which pdfplumber does not call "not upright"). It is not part of any line.
    if chars:
        usual = statistics.median(c["size"] for c in chars)
        chars = [c for c in chars if c["size"] <= max(3 * usual, 60.0)]  # titles stay (≤ 60 pt)
    chars.sort(key=lambda c: (round(c["bottom"], 1), c["x0"]))
    clusters: list[list] = []
    for ch in chars:
        if clusters and abs(ch["bottom"] - clusters[-1][0]["bottom"]) <= max(1.0, 0.15 * ch["size"]):
            clusters[-1].append(ch)
        else:
            clusters.append([ch])
    # A note reference is smaller and raised: it belongs to the line whose height it lies
    # within, just below it in this order (or just above, for a lowered mark).
    def span(cluster):
        return (max(c["size"] for c in cluster), min(c["top"] for c in cluster), max(c["bottom"] for c in cluster))

    hosts: dict[int, int] = {}
    for i, cluster in enumerate(clusters):
        size, top, bottom = span(cluster)
        for j in (i + 1, i - 1):
            if 0 <= j < len(clusters) and j not in hosts:
                big, host_top, host_bottom = span(clusters[j])
                if size < 0.8 * big and top >= host_top - 0.5 and bottom <= host_bottom + 0.5:
                    hosts[i] = j
                    break
    merged = [list(cluster) for cluster in clusters]
    for i, j in hosts.items():
        merged[j].extend(clusters[i])
    merged = [cluster for i, cluster in enumerate(merged) if i not in hosts]
    lines: list[Line] = []
    for cluster in merged:
        cluster.sort(key=lambda c: c["x0"])
        row: list = []
        for ch in cluster:
            if row:
                last = next((c for c in reversed(row) if c["text"].strip()), row[-1])
                if ch["text"].strip() and ch["x0"] - last["x1"] > 2 * max(ch["size"], last["size"]):
                    lines.append(Line(number, 0, row))
                    row = []
            row.append(ch)
        if any(c["text"].strip() for c in row):
            lines.append(Line(number, 0, row))
    lines = [line for line in lines if line.glyphs]
    lines.sort(key=lambda line: (round(line.baseline, 1), line.x0))
    for i, line in enumerate(lines, 1):
        line.number = i
        line.kind = _kind(line, block)
    return lines


_LEADERS = re.compile(r"(?:\.\s*){4,}")


def _kind(line: Line, block: TextBlock) -> str:
    if line.bottom <= block.top + 0.5:
        return "header"
    if line.top >= block.bottom - 0.5:
        return "footer"
    if _LEADERS.search(line.text):
        return "contents"
    if abs(line.size - block.body_size) < 0.05 and not line.bold:
        return "body"
    return "other"


def _paragraphs(lines: list[Line], block: TextBlock) -> list[list[Line]]:
    """Body lines grouped into paragraphs: one paragraph's baselines are a leading apart;
    paragraph spacing, anything between, or a page break ends it."""
    groups: list[list[Line]] = []
    previous = None
    for line in lines:
        if line.kind != "body":
            previous = None
            continue
        if previous is not None and line.baseline - previous.baseline <= block.leading + 1.5 \
                and line.baseline > previous.baseline + 0.5:
            groups[-1].append(line)
        elif previous is not None and abs(line.baseline - previous.baseline) <= 0.5:
            continue  # a second cell on the same row: not part of a paragraph
        else:
            groups.append([line])
        previous = line
    return groups


# ------------------------------------------------------------------ the rules


def check_pdf(path, block: TextBlock, chapter_break: str = "page", name: str | None = None,
              forced: frozenset = frozenset()) -> Report:
    """Every rule on one PDF. `chapter_break` is the layout's: with `page` a chapter's last
    page is explained by the break; with `auto` or `none` it must be filled like any other.
    `forced` holds the headings (spaces removed) the spec itself starts on a new page
    (`page_break: true`): the page before one is explained by that break."""
    import pdfplumber

    name = name or Path(path).name
    report = Report()
    with pdfplumber.open(str(path)) as pdf:
        pages = []
        for index, page in enumerate(pdf.pages, 1):
            lines = read_lines(page, index, block)
            pages.append((page, lines))
        report.pages = len(pages)
        natural = _natural_spaces(pages, block)
        full_latin: list[int] = []
        for index, (page, lines) in enumerate(pages, 1):
            if index == 1:
                continue  # the cover is composed, not set in the text block
            _check_lines(report, name, index, lines, block, natural)
            content = [line for line in lines if line.kind not in ("header", "footer")]
            top_line = content[0] if content else None
            for group in _paragraphs(lines, block):
                _check_paragraph(report, name, index, group, block, full_latin, top_line)
        if full_latin:
            average = sum(full_latin) / len(full_latin)
            report.measures[name] = average
            if not MEASURE_RANGE[0] <= average <= MEASURE_RANGE[1]:
                report.violations.append(Violation(
                    "measure", name, 0, 0, f"average {average:.1f} characters over {len(full_latin)} full lines",
                    f"outside {MEASURE_RANGE[0]}–{MEASURE_RANGE[1]}"))
        _check_fill(report, name, pages, block, chapter_break, forced)
    return report


def _check_lines(report: Report, name: str, page: int, lines: list[Line], block: TextBlock, natural: dict) -> None:
    add = report.violations.append
    for line in lines:
        if line.kind in ("header", "footer"):
            continue
        glyphs = line.glyphs
        if line.ink_x0 < block.left - OUTSIDE_TOLERANCE or line.ink_x1 > block.right + OUTSIDE_TOLERANCE:
            over = max(block.left - line.ink_x0, line.ink_x1 - block.right)
            add(Violation("outside-block", name, page, line.number, _excerpt(line), f"{over:.1f} pt outside"))
        first, last = glyphs[0]["text"], glyphs[-1]["text"]
        han = line.han
        starts = CANNOT_START if han else LATIN_CANNOT_START
        ends = CANNOT_END if han else LATIN_CANNOT_END
        apostrophe = first == "’" and len(glyphs) > 1 and glyphs[1]["text"].isalnum()
        if first in starts and not apostrophe and not (not han and first in ".…" and line.kind == "contents"):
            add(Violation("prohibited-start", name, page, line.number, _excerpt(line), f"starts with “{first}”"))
        if last in ends:
            add(Violation("prohibited-end", name, page, line.number, _excerpt(line), f"ends with “{last}”"))
        # A list label or a note number before its text ("1  数据来源…") stands apart by
        # an indent of an em or more: it is no neighbour of the text's first character.
        label = next((k for k in range(len(glyphs) - 1) if not glyphs[k]["text"].isdigit()), None)
        label = label if label and glyphs[label]["x0"] - glyphs[label - 1]["x1"] >= glyphs[label]["size"] else None
        for k, (a, b) in enumerate(zip(glyphs, glyphs[1:])):
            ta, tb = a["text"], b["text"]
            if k + 1 == label:
                continue
            if ta in FULL_WIDTH_PUNCT | TWO_EM and tb in FULL_WIDTH_PUNCT | TWO_EM and not (ta == tb and ta in TWO_EM):
                em = max(a["size"], b["size"])
                # Justification's added space between the two is not the marks' own width.
                width = b["x1"] - a["x0"] - line.spread
                if width > 1.5 * em + 0.01:
                    add(Violation("punct-run-wide", name, page, line.number, _excerpt(line),
                                  f"“{ta}{tb}” takes {width / em:.2f} em"))
            if (is_han(ta) and is_latin(tb)) or (is_latin(ta) and is_han(tb)):
                em = a["size"] if is_han(ta) else b["size"]
                gap = (b["x0"] - a["x1"]) / em
                if abs(gap - GAP_EM) > GAP_TOLERANCE_EM + 1e-6:
                    add(Violation("han-latin-gap", name, page, line.number, _excerpt(line),
                                  f"“{ta}{tb}” {gap:.2f} em apart"))
        if line.kind == "body" and not han:
            words = _words(line)
            key = (Counter(c["fontname"] for c in glyphs).most_common(1)[0][0], line.size)
            space = natural.get(key)
            if len(words) > 1 and space:
                # Each gap against its own space character's natural width where the text has
                # one (a bold label's space is wider than the body's), else the line's.
                blanks = [c for c in line.chars if c["text"] == " " and c["x1"] - c["x0"] > 0.05 * c["size"]]
                ratios = []
                for a, b in zip(words, words[1:]):
                    left, right = a[-1]["x1"], b[0]["x0"]
                    own = [c["x1"] - c["x0"] for c in blanks if left - 0.5 <= c["x0"] <= right]
                    ratios.append(((right - left), own[0] if own else space))
                gap, base = max(ratios, key=lambda r: r[0] - LOOSE_FACTOR * r[1])
                if gap > LOOSE_FACTOR * base + 0.05:
                    add(Violation("loose-word-space", name, page, line.number, _excerpt(line),
                                  f"word space {gap / base:.1f}× natural"))


def _words(line: Line) -> list[list]:
    words, word = [], []
    for c in line.chars:
        if c["text"].strip():
            word.append(c)
        elif word:
            words.append(word)
            word = []
    if word:
        words.append(word)
    return words


def _natural_spaces(pages, block: TextBlock) -> dict:
    """The natural word space per font and size: the median gap between words on body lines
    that end well short of the block's right edge (a paragraph's last line is set with
    natural spaces; justified lines may have shrunk theirs, so their narrowest gap is not the
    natural one). Without three such gaps, the narrowest gap on any body line."""
    loose: dict = {}
    every: dict = {}
    for _page, lines in pages:
        for line in lines:
            if line.kind != "body" or line.han:
                continue
            words = _words(line)
            if len(words) < 2:
                continue
            key = (Counter(c["fontname"] for c in line.glyphs).most_common(1)[0][0], line.size)
            short = line.x1 < block.right - 2 * line.size
            for a, b in zip(words, words[1:]):
                gap = b[0]["x0"] - a[-1]["x1"]
                if gap > 0.05 * line.size:  # kerned or touching glyphs are no word space
                    every.setdefault(key, []).append(gap)
                    if short:
                        loose.setdefault(key, []).append(gap)
    natural = {key: min(values) for key, values in every.items() if len(values) >= 3}
    natural.update({key: statistics.median(values) for key, values in loose.items() if len(values) >= 3})
    # Where the PDF's text has the space characters themselves, their advance is the natural
    # space, measured rather than guessed (a face seen on few lines, say emphasis, has too few
    # short lines to estimate it from, and the narrowest gap is a shrunk one).
    spaces: dict = {}
    for _page, lines in pages:
        for line in lines:
            for c in line.chars:
                if c["text"] == " " and c["x1"] - c["x0"] > 0.05 * c["size"]:
                    spaces.setdefault((c["fontname"], round(c["size"], 2)), []).append(c["x1"] - c["x0"])
    for key in list(natural):
        found = spaces.get((key[0], round(key[1], 2)))
        if found and len(found) >= 3:
            natural[key] = statistics.median(found)
    return natural


def _check_paragraph(report: Report, name: str, page: int, group: list[Line], block: TextBlock,
                     full_latin: list, top_line: Line | None) -> None:
    add = report.violations.append
    han = any(line.han for line in group)
    last = group[-1]
    # A paragraph whose lines start at the block's left edge is set to the block's width and
    # ends at its right edge; an indented one (list item, quote, call-out box) at its widest line.
    full = min(line.x0 for line in group) <= block.left + OUTSIDE_TOLERANCE
    # Lines end where their ink does: a closing mark set at half width at a line's end keeps
    # its full em box in the PDF's text.
    edge = block.right if full else max(line.ink_end(block.centred) for line in group)
    for line in group[:-1]:
        short = edge - line.ink_end(block.centred)
        if short > RAGGED_TOLERANCE:
            add(Violation("ragged-right", name, page, line.number, _excerpt(line), f"{short:.1f} pt short"))
        if not han and edge == block.right:
            full_latin.append(len(line.text.strip()))
    if han:
        body = [c for c in last.glyphs if c["text"] not in PUNCT]
        # A paragraph of one line is a last line too when it continues one from the page before
        # (it then starts at the block's edge, with no first-line indent).
        continued = len(group) == 1 and last is top_line and abs(last.x0 - block.left) < 0.5
        if len(body) < 2 and (len(group) > 1 or continued):
            add(Violation("short-last-line", name, page, last.number, _excerpt(last),
                          f"last line holds {len(body)} character{'s' if len(body) != 1 else ''}"))


def _check_fill(report: Report, name: str, pages, block: TextBlock, chapter_break: str,
                forced: frozenset = frozenset()) -> None:
    kinds = [_page_kind(lines, block, forced) for _page, lines in pages]
    for index, ((page, lines), kind) in enumerate(zip(pages, kinds), 1):
        fill = _fill(page, lines, block)
        report.fills[(name, index)] = fill
        if fill >= FILL_MIN or index == 1 or index == len(pages) or kind in ("divider", "contents"):
            continue
        following = kinds[index] if index < len(kinds) else None
        if following in ("divider", "contents", "cover", "closing", "forced"):
            continue
        if following == "chapter" and chapter_break == "page":
            continue
        body = [line for line in lines if line.kind not in ("header", "footer")]
        excerpt = _excerpt(body[-1]) if body else "(empty page)"
        report.violations.append(Violation("page-fill", name, index, 0, excerpt, f"{fill:.0%} of the text block used"))


def _page_kind(lines: list[Line], block: TextBlock, forced: frozenset = frozenset()) -> str:
    """divider (only display-size text), contents, closing (end matter low on a page without
    running head), forced (opens with a heading the spec starts on a new page), chapter
    (opens with a chapter heading) or page."""
    content = [line for line in lines if line.kind not in ("header", "footer")]
    if not content:
        return "page"
    if any(line.kind == "contents" for line in content):
        return "contents"
    if all(line.size >= block.h1_size + 1 for line in content):
        return "divider"
    if not any(line.kind == "header" for line in lines) and content[0].top > block.top + block.height * 0.4:
        return "closing"  # the end matter (disclaimer, copyright) at the foot of a page of its own
    first = content[0]
    if forced and re.sub(r"\s+", "", first.text) in forced:
        return "forced"
    if abs(first.size - block.h1_size) < 0.6 and first.bold:
        return "chapter"
    return "page"


def _fill(page, lines: list[Line], block: TextBlock) -> float:
    """The share of the text block's height that content covers: text lines, pictures, rules
    and table backgrounds, gaps of up to 1.5 leadings counted as used (line and paragraph
    spacing), wider gaps (the space left at a chapter's end, above a footnote) not."""
    spans = [(line.top, line.bottom) for line in lines if line.kind not in ("header", "footer")]
    for item in list(page.images) + list(page.rects) + list(page.lines):
        top, bottom = item["top"], item["bottom"]
        if bottom <= block.top + 0.5 or top >= block.bottom - 0.5:
            continue
        spans.append((top, bottom))
    if not spans:
        return 0.0
    spans.sort()
    used, (start, end) = 0.0, spans[0]
    for top, bottom in spans[1:]:
        if top - end <= 1.5 * block.leading:
            end = max(end, bottom)
        else:
            used += end - start
            start, end = top, bottom
    used += end - start
    return max(0.0, min(1.0, used / block.height))


def check_report(pdf, root: Path, layout_name: str, locale: str) -> Report:
    """`check_pdf` with the text block of a project's layout for one edition."""
    from reportgen.layout import load_layout

    layout = load_layout(Path(root), layout_name, locale)
    mode = getattr(layout, "chapter_break", "page")
    return check_pdf(pdf, TextBlock.from_layout(layout), mode, name=f"{locale}/{Path(pdf).name}")
