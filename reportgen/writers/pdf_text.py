"""Text blocks of the PDF, set by reportgen's line engine and drawn on ReportLab's canvas.

`TextBlock` is the Platypus flowable for every paragraph, list item, table cell, caption,
quote, call-out, footnote and heading: `linebreak.Typesetter` breaks and justifies its lines,
and `draw_text` draws them, one text object per block, each run of a line placed with one
`TJ` array (each face is one font of two-byte codes, `pdf_cidfont.py`). Every block knows
its role (`ROLES`), and all body text goes through `draw_text` with that role, the one place
a tagged PDF would mark its content.

Widths come from each face's advance table (read once per face), the same numbers ReportLab
writes into the PDF's width arrays, so what is measured is what a viewer draws.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from . import rl_platypus  # noqa: F401 - before ReportLab's Platypus (see there)
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.fonts import ps2tt, tt2ps
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable

from .. import linebreak as lb
from .pdf_cidfont import IdentityFont

ROLES = ("body", "heading", "list-item", "cell", "caption", "quote", "callout", "note", "source", "toc")
ALIGN = {TA_JUSTIFY: lb.JUSTIFY, TA_CENTER: lb.CENTER, TA_RIGHT: lb.RIGHT}
SUPER_SIZE, SUPER_RISE = 0.8, 0.4  # a footnote number's size and lift, shares of the text size


def markup_escape(text: str) -> str:
    """Plain text made safe for markup (what `xml.sax.saxutils.escape` does; that module
    imports `urllib.request`, and with it http and email, for a build that needs neither)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markup_unescape(text: str) -> str:
    """`markup_escape` undone."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@dataclass(frozen=True)
class Span:
    """Inline text as the writer's visitors see it, before it meets a block's style."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str | None = None  # a URL, or `#name` for a place in the document
    note: int | None = None  # a footnote reference: its number, set as a superscript
    color: str | None = None  # #RRGGBB


@dataclass(frozen=True)
class Tag:
    """What a run carries besides its face: colour, link and footnote number."""

    color: str | None = None
    href: str | None = None
    note: int | None = None


def _face_metrics(name: str) -> lb.FaceMetrics:
    face = pdfmetrics.getFont(name).face
    return lb.FaceMetrics(face.charWidths, face.defaultWidth)


class TextEngine:
    """One document's typesetter and its cache of set paragraphs.

    A multi-pass build meets the same paragraph at the same width in every pass (and a
    table row or a note more often still): it is set once. With `kept` (a file in the
    project's cache) the paragraphs set for one build are kept for the next: a rebuild
    after an edit sets only the paragraphs that changed. What a paragraph's lines depend on
    besides itself (reportgen's code, the hyphenation dictionaries, the engine's settings,
    the faces' advances: `metrics` names them, else every advance of the faces `face_names`
    name is read) keys the whole file."""

    def __init__(self, hyphenate: str | None = None, hanging: bool = False, traditional: bool = False,
                 kept: Path | None = None, face_names: tuple = (), metrics: str = ""):
        self.typesetter = lb.Typesetter(_face_metrics, hyphenate=hyphenate, hanging=hanging,
                                        centred=lb.CENTRED_IN_TRADITIONAL if traditional else frozenset())
        self._cache: dict = {}
        self.laid = self.reused = 0
        self._kept_path = kept
        self._settings = _settings_key(hyphenate, hanging, traditional, face_names, metrics) if kept is not None else ""
        self._kept, self._kept_drawn = _read_kept(kept, self._settings) if kept is not None else ({}, {})
        self._used: dict = {}  # digest -> lines, for every paragraph this build set or took
        self._drawn: dict = {}  # key -> _Drawn, for every block this build drew or took
        self._digests: dict[int, bytes] = {}  # id(lines) -> its paragraph's digest
        self._looks: dict[tuple, bytes] = {}  # drawing settings -> their text (see drawing_key)

    def lines(self, runs: tuple, width: float, first_indent: float, align: str, hyphenate: bool = True) -> list:
        key = (runs, round(width, 3), round(first_indent, 3), align, hyphenate)
        found = self._cache.get(key)
        if found is not None:
            self.reused += 1
            return found
        digest = None
        if self._kept_path is not None:
            digest = hashlib.blake2b(repr(key).encode("utf-8"), digest_size=16).digest()
            found = self._kept.get(digest)
        if found is None:
            self.laid += 1
            found = self.typesetter.set(list(runs), width, first_indent, align, hyphenate)
        else:
            self.reused += 1
        self._cache[key] = found
        if digest is not None:
            self._used[digest] = found
            self._digests[id(found)] = digest  # `found` is kept in _cache: its id stays its own
        return found

    def drawing_key(self, lines: list, *more) -> bytes | None:
        """A key for drawing `lines` (a paragraph this engine set) with `more` settings, when
        its drawing can be kept (the engine keeps paragraphs)."""
        digest = self._digests.get(id(lines))
        if digest is None:
            return None
        # The settings as text, made once per distinct settings: a paragraph's line count and
        # style repeat across a long report, and ReportLab's colours are slow to print.
        look = self._looks.get(more)
        if look is None:
            look = self._looks[more] = repr(more).encode("utf-8")
        return hashlib.blake2b(digest + look, digest_size=16).digest()

    def drawn(self, key: bytes) -> "_Drawn | None":
        found = self._drawn.get(key) or self._kept_drawn.get(key)
        if found is not None:
            self._drawn[key] = found
        return found

    def keep_drawn(self, key: bytes, drawn: "_Drawn") -> None:
        self._drawn[key] = drawn

    @property
    def keeps(self) -> bool:
        """True when this engine keeps what it sets and draws for later builds."""
        return self._kept_path is not None

    def keep(self) -> None:
        """Keep this build's paragraphs and drawings for the next. Those this build did not
        use stay as long as they are fewer than those it did: a kept table's cells, set and
        drawn only when the table must split again, are among them."""
        if self._kept_path is None:
            return
        lines, lines_pruned = _kept_union(self._kept, self._used)
        drawn, drawn_pruned = _kept_union(self._kept_drawn, self._drawn)
        if not (lines_pruned or drawn_pruned or self._used.keys() - self._kept.keys()
                or self._drawn.keys() - self._kept_drawn.keys()):
            return
        from ..cachefiles import save

        data = pickle.dumps((self._settings, lines, drawn), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self._kept_path.parent.mkdir(parents=True, exist_ok=True)
            save(self._kept_path, lambda tmp: tmp.write_bytes(data))
        except OSError:  # a cache that cannot be written costs time, not correctness
            pass

    def width(self, text: str, face: str, size: float) -> float:
        return self.typesetter.advance(lb.Run(text, face, size), text)


def _kept_union(old: dict, used: dict) -> tuple[dict, bool]:
    """The entries to keep: `used`, and those of `old` besides unless they outnumber it
    (then they are dropped: True)."""
    union = {**old, **used}
    if len(union) > 2 * len(used) + 64:
        return dict(used), True
    return union, False


def _settings_key(hyphenate, hanging, traditional, face_names, metrics: str = "") -> str:
    """What every kept paragraph's lines depend on besides the paragraph: reportgen's code,
    pyphen's dictionaries, the engine's settings and each face's advances.

    The advances are named by `metrics` (`fonts.Faces.metrics`) when given: faces cut again
    for an edit that brings a new character keep every other character's advance, and so the
    kept paragraphs. Without it, every advance of the registered faces is read."""
    from ..cachefiles import installed_version
    from ..incremental import toolkit_hash

    digest = hashlib.sha256("\0".join([toolkit_hash(), installed_version("pyphen"), str(hyphenate), str(hanging),
                                       str(traditional), metrics]).encode())
    if metrics:
        return digest.hexdigest()
    for name in face_names:
        face = pdfmetrics.getFont(name).face
        digest.update(f"\0{name}\0{face.defaultWidth!r}".encode())
        digest.update(repr(sorted(face.charWidths.items())).encode())
    return digest.hexdigest()


def _read_kept(path: Path, settings: str) -> tuple[dict, dict]:
    """The paragraphs and drawn blocks an earlier build kept in `path`, if they were set under
    `settings`."""
    from ..cachefiles import intact

    if not intact(path):
        return {}, {}
    try:
        kept_settings, lines, drawn = pickle.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - an unreadable cache entry costs a layout, never the build
        return {}, {}
    if kept_settings != settings or not isinstance(lines, dict) or not isinstance(drawn, dict):
        return {}, {}
    return lines, drawn


def hyphenation_language(lang_tag: str) -> str | None:
    """The hyphenation dictionary for a language tag (`en` -> `en_US`), if pyphen has one."""
    import pyphen

    if lang_tag.lower().startswith(("zh", "ja", "ko")):
        return None  # Han text breaks between characters; its Latin words stay whole
    tag = lang_tag.replace("-", "_")
    return pyphen.language_fallback(tag) or (pyphen.language_fallback("en_US") if tag == "en" else None)


def _variant(face: str, bold: bool, italic: bool, plain: bool = False) -> str:
    """The registered face of `face`'s family with bold / italic added (`plain`: the
    family's regular face, for code)."""
    if not (bold or italic or plain):
        return face
    try:
        family, b, i = ps2tt(face)
        return tt2ps(family, 0, 0) if plain else tt2ps(family, b or bold, i or italic)
    except ValueError:  # not a registered family: the face itself
        return face


class TextBlock(Flowable):
    """A paragraph of `Span`s in a ParagraphStyle (font, size, leading, indents, alignment,
    colour, space before/after, bullet settings), set by reportgen's line engine.

    `content` is a list of spans, or a string of plain text as `text_markup` escapes it."""

    def __init__(self, content, style, role: str | None = None, bullet: str | None = None,
                 engine: TextEngine | None = None, italic_faces: bool = True):
        super().__init__()
        self.style = style
        self.engine = engine or style.engine
        self.role = role or getattr(style, "role", "body")
        self.bullet = bullet
        if isinstance(content, str):
            content = [Span(markup_unescape(content))] if content else []
        self.runs = tuple(self._runs(content, italic_faces and getattr(style, "italic_faces", True)))
        self._fixed = None  # (lines) of a part made by split: never set again
        self._whole: tuple | None = None  # a part's: (the whole block's lines, first, last line)
        self._lines, self._laid_at = None, None

    def _runs(self, spans, italics: bool):
        st = self.style
        for span in spans:
            if not span.text:
                continue
            face = st.fontName
            if span.code:
                face = _variant(face, False, False, plain=True)
            else:
                face = _variant(face, span.bold, span.italic and italics)
            size, rise = st.fontSize, 0.0
            if span.note is not None:
                size, rise = st.fontSize * SUPER_SIZE, st.fontSize * SUPER_RISE
            tag = Tag(span.color, span.href, span.note) if (span.color or span.href or span.note) else None
            yield lb.Run(span.text, face, size, rise, tag)

    # ------------------------------------------------------------ Platypus

    def _measure(self, aW: float) -> float:
        return aW - self.style.leftIndent - self.style.rightIndent

    def lines_for(self, aW: float) -> list:
        if self._fixed is not None:
            return self._fixed
        if self._laid_at != aW:
            st = self.style
            # Headings, captions and contents entries keep their words whole.
            self._lines = self.engine.lines(self.runs, self._measure(aW), st.firstLineIndent,
                                            ALIGN.get(st.alignment, lb.LEFT),
                                            hyphenate=self.role not in ("heading", "caption", "toc"))
            self._laid_at = aW
        return self._lines

    def _count(self, lines) -> int:
        return max(len(lines), 1 if self.bullet else 0)

    def wrap(self, aW, aH):
        lines = self.lines_for(aW)
        self.width, self.height = aW, self._count(lines) * self.style.leading
        return self.width, self.height

    def split(self, aW, aH):
        # Split at the width the block was last laid out at: Platypus wraps before it splits,
        # but a table splitting a row passes its cells' flowables the column's full width,
        # not the width inside the padding they were wrapped in (a boxed paragraph continued
        # on the next page would be set wider than its box).
        lines = self.lines_for(self._laid_at if self._laid_at is not None else aW)
        n, leading = len(lines), self.style.leading
        fit = int((aH + 1e-6) // leading)
        if fit >= n:
            return []  # nothing to split: the caller asked for less room than the block takes
        # Neither part may be a single line alone at a page's foot or head.
        fit = min(fit, n - 2)
        if fit < 2:
            return []
        whole, start = (self._whole[0], self._whole[1]) if self._whole else (lines, 0)
        return [self._part(lines[:fit], first=True, whole=(whole, start, start + fit)),
                self._part(lines[fit:], first=False, whole=(whole, start + fit, start + n))]

    def _part(self, lines, first: bool, whole: tuple) -> "TextBlock":
        part = TextBlock.__new__(TextBlock)
        Flowable.__init__(part)
        part.style, part.engine, part.role, part.runs = self.style, self.engine, self.role, self.runs
        part.bullet = self.bullet if first else None
        part._fixed, part._lines, part._laid_at = lines, None, None
        part._whole = whole
        if first:
            part.spaceAfter = 0
        else:
            part.spaceBefore = 0
        return part

    def note_refs(self) -> list[int]:
        """Footnote numbers referenced in this block (in a split part: in its lines)."""
        if self._fixed is None:
            return [r.tag.note for r in self.runs if r.tag is not None and r.tag.note is not None]
        found = []
        for line in self._fixed:
            for piece in line.pieces:
                tag = self.runs[piece.run].tag
                if tag is not None and tag.note is not None:
                    found.append(tag.note)
        return found

    def plain_text(self) -> str:
        return "".join(r.text for r in self.runs)

    def _drawing(self) -> tuple:
        """What `draw` draws: (lines, bullet, x0, y0, the key of its kept drawing or None)."""
        st = self.style
        lines = self.lines_for(self.width)
        bullet = None
        if self.bullet:
            bullet = (self.bullet, st.bulletFontName, st.bulletFontSize, st.bulletIndent,
                      getattr(st, "bulletOffsetY", 0) or 0, getattr(st, "bulletColor", None) or st.textColor)
        x0, y0 = st.leftIndent, self.height - st.fontSize
        # The drawing is kept with the paragraph's lines (see TextEngine): it is the same
        # wherever the block stands (Platypus draws a flowable at its own origin).
        whole, first, last = self._whole or (lines, 0, len(lines))
        key = self.engine.drawing_key(whole, first, last, self.role, x0, y0, st.leading, st.textColor, bullet)
        return lines, bullet, x0, y0, key

    def drawOn(self, canvas, x, y, _sW=0):
        # A kept drawing changes no state of the canvas: what Platypus writes around a
        # flowable's drawing (save the graphics state, move to the flowable's origin, restore
        # the state) goes straight into the page's content, without ReportLab's keeping of
        # the state, which took longer than putting in the drawing. (Not for a subclass that
        # draws more, nor for a drawing with links, which are placed through the canvas.)
        if type(self).draw is TextBlock.draw and not getattr(self, "_showBoundary", False):
            key = self._drawing()[4]
            drawn = self.engine.drawn(key) if key is not None else None
            if drawn is not None and not drawn.links:
                canvas._code.append(f"q\n{fp_str(1, 0, 0, 1, self._hAlignAdjust(x, _sW), y)} cm")
                drawn.replay(canvas)
                canvas._code.append("Q")
                return
        super().drawOn(canvas, x, y, _sW)

    def draw(self):
        st = self.style
        lines, bullet, x0, y0, key = self._drawing()
        drawn = self.engine.drawn(key) if key is not None else None
        if drawn is not None:
            drawn.replay(self.canv)
            return
        drawn = draw_text(self.canv, self.role, lines, self.runs, x0, y0, st.leading, st.textColor, bullet,
                          record=key is not None)
        if drawn is not None:
            self.engine.keep_drawn(key, drawn)


def draw_text(canv, role: str, lines, runs, x0: float, y0: float, leading: float, color, bullet=None,
              record: bool = False) -> "_Drawn | None":
    """Draw set lines with the first baseline at (x0, y0): the one place body text is drawn.

    `role` says what the text is (one of `ROLES`); a tagged PDF would mark the content here.
    `bullet` is (text, face, size, x, lift, colour) for a list label or a note number. With
    `record`, what was drawn is returned, to be put in again by `_Drawn.replay` (None when
    a face it used is not one of reportgen's composite fonts, which alone record)."""
    doc = canv._doc
    if record:
        outer = getattr(doc, "reportgen_drawn", None)
        doc.reportgen_drawn = recorded = {}
        faces_used = set()
    out = ["q", "BT"]
    state = {"font": None, "color": None, "tc": 0.0}
    names: dict = {}  # (face, subset) -> the subset's font resource name

    def set_color(c):
        rgb = c.rgb() if c is not None else (0, 0, 0)
        if rgb != state["color"]:
            out.append(f"{fp_str(*rgb)} rg")
            state["color"] = rgb

    # (face, size) -> (font, each character's advance at that size): kept with the document,
    # so each character's advance is looked up once per document, not once per paragraph.
    fonts = getattr(doc, "_reportgen_advances", None)
    if fonts is None:
        fonts = doc._reportgen_advances = {}

    def emit(text: str, xs, face: str, size: float, x: float, y: float):
        found = fonts.get((face, size))
        if found is None:
            font = pdfmetrics.getFont(face)
            found = fonts[(face, size)] = (font, _Advances(font.face.charWidths, font.face.defaultWidth, size))
        font, advances = found
        if record:
            faces_used.add(face)
        out.append(f"1 0 0 1 {fp_str(x + xs[0])} {fp_str(y)} Tm")
        scale = size / 1000
        # Where each glyph is meant to start, against where the one before leaves the pen.
        # The commonest difference (a justified CJK line's spread) becomes the character
        # spacing (Tc); the others are TJ numbers (in 1/1000 of the size, negated).
        gaps = [b - a - w for a, b, w in zip(xs, xs[1:], map(advances.__getitem__, text))]
        limit = 0.01 * scale
        tc = 0.0
        jumps = None
        if len(gaps) > 3:
            # The usual line has one spacing throughout (a justified CJK line's spread, or
            # none): the first gap's, when more than half the gaps share it.
            first = round(gaps[0], 4)
            if max(gaps) - first <= limit and first - min(gaps) <= limit:
                jumps = []  # every gap is the first's (the test below, glyph by glyph, made at C speed)
            else:
                jumps = [(k + 1, (first - g) / scale) for k, g in enumerate(gaps)
                         if g - first > limit or first - g > limit]
            if len(jumps) * 2 >= len(gaps):
                # Else the commonest spacing: the fewest glyphs then need a number of their own
                # (a mixed line's Latin letters, set close, or its Han characters, spread).
                rounded = [round(g, 4) for g in gaps]
                first = Counter(rounded).most_common(1)[0][0]
                jumps = None
            tc = first
        if tc != state["tc"]:
            out.append(f"{fp_str(tc)} Tc")
            state["tc"] = tc
        # The glyphs that do not start where the spacing leaves the pen, and by how much.
        if jumps is None:
            jumps = [] if not gaps or (max(gaps) - tc <= limit and tc - min(gaps) <= limit) else \
                [(k + 1, (tc - g) / scale) for k, g in enumerate(gaps) if g - tc > limit or tc - g > limit]
        j = 0
        k = 0
        step = 2 if isinstance(font, IdentityFont) else 1  # bytes a glyph's code takes
        for subset, data in _split(font, text, doc):
            key = (face, subset)
            name = names.get(key)
            if name is None:
                name = names[key] = font.getSubsetInternalName(subset, doc)
            if state["font"] != (name, size):
                out.append(f"{name} {fp_str(size)} Tf")
                state["font"] = (name, size)
            end = k + len(data) // step
            if k and tc:
                # Each font subset's run starts where it should, not where the character
                # spacing after the last glyph of the one before leaves the pen (PDF readers
                # disagree about that last spacing).
                out.append(f"1 0 0 1 {fp_str(x + xs[k])} {fp_str(y)} Tm")
                while j < len(jumps) and jumps[j][0] <= k:
                    j += 1
            parts, start = [], 0
            while j < len(jumps) and jumps[j][0] < end:
                at, move = jumps[j]
                i = at - k
                if i > start:
                    parts.append(f"<{data[start * step:i * step].hex()}>")
                parts.append(fp_str(move))
                start = i
                j += 1
            k = end
            # A hex string: two characters a byte, made in one call (a literal string escapes
            # most bytes of two-byte codes as three octal digits).
            parts.append(f"<{data[start * step:].hex()}>")
            out.append(f"[{' '.join(parts)}] TJ" if len(parts) > 1 else f"{parts[0]} Tj")

    if bullet is not None:
        text, face, size, bx, lift, bcolor = bullet
        set_color(bcolor)
        emit(text, _advance_xs(text, face, size), face, size, bx, y0 + lift)
        # The label is a text object of its own, read apart from the item's text.
        out += ["ET", "BT"]
        state["font"], state["tc"] = None, 0.0
    links = []
    for li, line in enumerate(lines):
        y = y0 - li * leading
        for piece in line.pieces:
            run = runs[piece.run]
            tag = run.tag
            set_color(HexColor(tag.color) if tag is not None and tag.color else color)
            emit(piece.text, piece.xs, run.face, run.size, x0, y + run.rise)
            if tag is not None and tag.href:
                links.append((tag.href, (x0 + piece.xs[0], y - run.size * 0.25, x0 + piece.end, y + run.size * 0.9)))
    out += ["ET", "Q"]
    ops = "\n".join(out)
    canv._code.append(ops)
    _links(canv, links)
    if not record:
        return None
    doc.reportgen_drawn = outer
    if outer is not None:  # drawn inside a drawing being recorded (a table's, see Recording)
        for face, chars in recorded.items():
            outer.setdefault(face, {}).update(chars)
    if not faces_used <= recorded.keys():
        return None
    return _Drawn(ops, {face: "".join(chars) for face, chars in recorded.items()}, tuple(links))


def _links(canv, links) -> None:
    recording = getattr(canv._doc, "reportgen_links", None)
    if recording is not None:
        recording.extend(links)
    for href, rect in links:
        if href.startswith("#"):
            canv.linkRect("", href[1:], rect, relative=1, thickness=0)
        else:
            canv.linkURL(href, rect, relative=1, thickness=0)


@dataclass(frozen=True)
class _Drawn:
    """A block's text as drawn: its operators, the characters it drew with each face (in the
    order first drawn) and its links. Codes are code points and fonts are named by face
    (`pdf_cidfont.py`), so the operators are those any document would draw."""

    ops: str
    chars: dict
    links: tuple

    def replay(self, canv) -> None:
        """Put the drawing in again as drawing it would: each face takes its characters (and
        declares itself) in the order it first drew them; the links are made again."""
        doc = canv._doc
        for face, chars in self.chars.items():
            font = pdfmetrics.getFont(face)
            font.splitString(chars, doc)
            font.getSubsetInternalName(0, doc)
        canv._code.append(self.ops)
        _links(canv, self.links)


class Recording:
    """What is drawn on `canv` inside `with Recording(canv) as r:`, as a `_Drawn` in `r.drawn`:
    a flowable drawn at its own origin, as Platypus draws them, is the same drawing wherever
    it lands. A drawing recorded inside another (a cell's text in a table's) is recorded in
    both. None when the drawing failed, left the page or made a link: a link's place is
    kept relative to the text block that made it, which a whole table's drawing does not
    replay."""

    def __init__(self, canv):
        self.canv = canv
        self.drawn = None

    def __enter__(self) -> "Recording":
        doc = self.canv._doc
        self.outer = getattr(doc, "reportgen_drawn", None), getattr(doc, "reportgen_links", None)
        self.chars, self.links = {}, []
        doc.reportgen_drawn, doc.reportgen_links = self.chars, self.links
        self.start, self.page = len(self.canv._code), self.canv.getPageNumber()
        return self

    def __exit__(self, kind, value, traceback) -> bool:
        doc = self.canv._doc
        chars, links = self.outer
        doc.reportgen_drawn, doc.reportgen_links = chars, links
        if chars is not None:
            for face, drawn in self.chars.items():
                chars.setdefault(face, {}).update(drawn)
        if links is not None:
            links.extend(self.links)
        if kind is None and self.canv.getPageNumber() == self.page and not self.links:
            self.drawn = _Drawn("\n".join(self.canv._code[self.start:]),
                                {face: "".join(drawn) for face, drawn in self.chars.items()}, ())
        return False


class _Advances(dict):
    """A face's advance of each character at one size, in points, filled as characters come."""

    def __init__(self, widths: dict, default: float, size: float):
        super().__init__()
        self.widths, self.default, self.scale = widths, default, size / 1000

    def __missing__(self, ch: str) -> float:
        value = self[ch] = self.widths.get(ord(ch), self.default) * self.scale
        return value


def _split(font, text: str, doc) -> list:
    """`font.splitString(text, doc)`: the text as (subset, bytes) runs, each byte a glyph's
    code in its subset. Once every character of `text` has its code in this document (the
    common case after the first pages), they are read from ReportLab's own assignments
    without its per-character loop; otherwise ReportLab assigns them."""
    if isinstance(font, IdentityFont):  # one font, two-byte codes: its own encoding is the fast one
        return font.splitString(text, doc)
    state = font.state.get(doc)
    if state is None:
        return font.splitString(text, doc)
    assignments = state.assignments
    try:
        codes = [assignments[c] for c in map(ord, text)]
    except KeyError:  # a character new to this document (or a no-break space, which ReportLab maps)
        return font.splitString(text, doc)
    if not codes:
        return []
    subset = codes[0] >> 8
    if min(codes) >> 8 == subset == max(codes) >> 8:  # one subset: the usual line
        return [(subset, bytes([n & 0xFF for n in codes]))]
    out, start = [], 0
    for i in range(1, len(codes) + 1):
        if i == len(codes) or codes[i] >> 8 != codes[start] >> 8:
            out.append((codes[start] >> 8, bytes([n & 0xFF for n in codes[start:i]])))
            start = i
    return out


def _advance_xs(text: str, face: str, size: float) -> list:
    face_obj = pdfmetrics.getFont(face).face
    xs, x = [], 0.0
    for ch in text:
        xs.append(x)
        x += face_obj.charWidths.get(ord(ch), face_obj.defaultWidth) * size / 1000
    return xs


def with_flags(spans, **flags) -> list:
    """Spans with some attributes set (bold, italic, a link), keeping ones already set inside."""
    return [replace(s, **{k: v for k, v in flags.items() if getattr(s, k) in (None, False)}) for s in spans]
