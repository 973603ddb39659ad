"""reportgen's line engine: styled runs of text to justified lines of placed glyphs.

Pure Python, no ReportLab: a paragraph is a list of `Run`s (text in one face and size,
with an opaque tag for links, notes and colour), widths come from per-face advance tables,
and the result is `Line`s of `Piece`s, each glyph with its x position. The PDF writer
(`writers/pdf_text.py`) draws them.

The rules are those of clreq (W3C, Requirements for Chinese Text Layout) and JIS X 4051,
with Knuth and Plass's total-fit choice of breaks for the whole paragraph:

- a line may break between any two Han characters, never before a closing mark or after an
  opening one (`CANNOT_START`, `CANNOT_END`), never inside `……` or `——`;
- adjacent full-width punctuation is set half width (`）、` `。”` `“《`), and a line may start
  or end with its punctuation compressed the same way when that makes it fit;
- a quarter em separates Han from an adjacent Latin letter or digit, typed space or not;
- Latin words break only at spaces, at hyphenation points (pyphen) and after hyphens;
- every justified line but a paragraph's last ends exactly at the measure: the remaining
  space goes to word spaces (at most twice their width) and between Han characters;
- a Chinese paragraph's last line holds at least two characters besides punctuation.
"""

from __future__ import annotations

import functools
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import Callable, Mapping

# Never at the start of a line (clreq 3.1.7; ASCII closers too, which Chinese sources use).
CANNOT_START = frozenset(
    "、。，．：；？！）」』】〕〉》”’…‥—～·〗］｝〙〛〞％‰゠ー々〻ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
    ",.;:?!)]}%")
# Never at the end of a line.
CANNOT_END = frozenset("（「『【〔〈《“‘〖［｛〘〚〝([{")
# Full-width marks whose glyph sits in the left half of the em (Simplified Chinese forms):
# their right half may be taken away.
CLOSING = frozenset("）」』】〕〉》”’〗］｝〙〛、。，．：；？！")
# Full-width marks whose glyph sits in the right half of the em.
OPENING = frozenset("（「『【〔〈《“‘〖［｛〘〚")
# Marks that may hang into the right margin when a layout allows it.
HANGING = frozenset("。，、．")
NEVER_SPLIT = frozenset("…—")  # `……` and `——` are one mark in two halves
# Traditional Chinese faces centre these in the em: no half of theirs is blank to take away.
CENTRED_IN_TRADITIONAL = frozenset("、。，．：；？！")

JUSTIFY, LEFT, CENTER, RIGHT = "justify", "left", "center", "right"

CJK_STRETCH = 0.1  # em a gap between two CJK characters may grow at ratio 1
SPACE_STRETCH = 0.5  # share of its width a word space grows at ratio 1 (as TeX's fonts)
MAX_SPACE_GROW = 2.0  # ratio at which a word space is twice its width: never wider
TOLERANCES = (2.0, 6.0)  # passes: word spaces up to twice their width first, then looser
MAX_HYPHENS_IN_A_ROW = 2
LINE_PENALTY = 10  # each line costs this much, so fewer lines win among equals
SPACE_SHRINK = 0.2  # a word space may shrink to 80% of its width
ADJACENT_FIT = 10000  # a tight line next to a loose one (TeX's adjdemerits)
RAGGED = 2.0  # em of stretch a ragged (unjustified) line has, for choosing its breaks
HYPHEN_PENALTY = 100  # a hyphen costs about as much as word spaces at 1.5 times their width
EXPLICIT_PENALTY = 50  # after a hyphen the text already has
SPLIT_PENALTY = 900  # inside a word too wide for the measure
DOUBLE_HYPHEN = 10000
FINAL_HYPHEN = 5000  # the last line being the tail of a hyphenated word
SHORT_LAST = 1e6  # a Chinese paragraph's last line with one character
# When no break keeps every rule (a run of closing marks wider than the line), breaking one
# costs this much, and splitting a `……` or `——` in two as much again: such a run is broken
# between its pairs, as few times as the measure needs.
BROKEN_RULE = 1e8
HAN_LATIN_GAP = 0.25  # em


@dataclass(frozen=True)
class Run:
    """Text in one face and size; `rise` lifts it (superscripts); `tag` is the caller's."""

    text: str
    face: str
    size: float
    rise: float = 0.0
    tag: object = None


@dataclass(frozen=True)
class FaceMetrics:
    """Advance widths of one face in 1/1000 em, by code point; `default` for the rest."""

    widths: Mapping[int, float]
    default: float


@dataclass
class Piece:
    """Glyphs of one run on one line: `xs[i]` is where glyph `text[i]` starts."""

    run: int
    text: str
    xs: list
    end: float  # x after the last glyph


@dataclass
class Line:
    pieces: list
    width: float  # the measure it was set to
    end: float  # x where its content ends
    justified: bool


@dataclass(slots=True)
class _Unit:
    text: str
    run: int
    kind: str  # "han", "punct" or "latin"
    w: float  # advance as set, compressions taken off
    adv: list  # each glyph's advance
    em: float
    space_before: bool = False
    lt: float = 0.0  # taken off the left (opening mark after another mark)
    rt: float = 0.0  # taken off the right (closing mark before another)
    ts: float = 0.0  # may be taken off the left at a line start
    te: float = 0.0  # may be taken off the right at a line end
    hang: float = 0.0  # may hang into the margin at a line end
    joins: str = ""  # how it joins the unit before: "", "hyphen", "explicit", "split", "glued"
    np: int = 0  # characters that are not punctuation


@dataclass(slots=True)
class _Gap:
    w: float = 0.0
    st: float = 0.0
    sh: float = 0.0
    kind: str = "none"  # "space", "cjk", "han-latin", "none"
    breakable: bool = False
    penalty: float = 0.0
    hyphen: float = 0.0  # width of the hyphen added when breaking here


def _splits_pair(units, e: int) -> bool:
    """Whether a break before unit `e` falls inside a `……` or `——`: after an odd number of
    the same mark, counted from the start of its run."""
    mark = units[e].text
    if mark not in NEVER_SPLIT or units[e - 1].text != mark:
        return False
    k = e
    while k > 0 and units[k - 1].text == mark:
        k -= 1
    return (e - k) % 2 == 1


def _cjk_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


@functools.lru_cache(maxsize=4096)
def _letter_or_digit(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LN"


@functools.lru_cache(maxsize=4)
def has_han_latin_boundary(text: str) -> bool:
    """Whether a Han (or other wide CJK) character meets a Latin letter or digit, spaces
    between them or not: where the engine sets a quarter-em gap."""
    kinds = [("han" if _cjk_wide(ch) else "latin") if _letter_or_digit(ch) else "" for ch in text if not ch.isspace()]
    return any({a, b} == {"han", "latin"} for a, b in zip(kinds, kinds[1:]))


def han_latin_spaced(text: str) -> str:
    """`text` with a space wherever Han meets a Latin letter or digit with none between, for
    text set by others than the line engine (chart labels): Noto CJK's space is 0.224 em,
    about the quarter em the engine puts there."""
    out: list[str] = []
    for ch in text:
        if out and not out[-1].isspace() and has_han_latin_boundary(out[-1] + ch):
            out.append(" ")
        out.append(ch)
    return "".join(out)


def _hyphenator(lang: str):
    import pyphen

    return pyphen.Pyphen(lang=lang, left=2, right=3)


@functools.lru_cache(maxsize=50_000)
def _syllables(word: str, lang: str) -> tuple:
    """Where a word may be hyphenated, as offsets (never near its ends)."""
    return tuple(_hyphenator(lang).positions(word))


class Typesetter:
    """Sets paragraphs for one document: faces' advance tables, hyphenation language and
    whether punctuation may hang into the margin."""

    def __init__(self, metrics: Callable[[str], FaceMetrics], hyphenate: str | None = None,
                 hanging: bool = False, centred: frozenset = frozenset()):
        self._metrics = metrics
        self.centred = centred  # marks whose glyph is centred (`CENTRED_IN_TRADITIONAL`)
        self._faces: dict[str, FaceMetrics] = {}
        self._kinds: dict = {}
        self.hyphenate = hyphenate
        self.hanging = hanging

    def face(self, name: str) -> FaceMetrics:
        f = self._faces.get(name)
        if f is None:
            f = self._faces[name] = self._metrics(name)
        return f

    def advance(self, run: Run, text: str) -> float:
        f = self.face(run.face)
        widths, default = f.widths, f.default
        return sum(widths.get(ord(c), default) for c in text) * run.size / 1000

    # ------------------------------------------------------------ units

    def _classify(self, ch: str, run: Run) -> str:
        if _cjk_wide(ch):
            return "punct" if unicodedata.category(ch)[0] in "PS" or ch in CANNOT_START or ch in CANNOT_END \
                else "han"
        if (ch in CLOSING or ch in OPENING or ch in NEVER_SPLIT or ch == "·") and self.hyphenate is None:
            # Quotes, dashes, ellipses are full-width in CJK faces and narrow in Latin ones; in
            # a Latin-script edition (one with a hyphenation language) they are always Latin
            # marks, whose spaces are kept (an em dash is an em wide in Latin faces too).
            f = self.face(run.face)
            if f.widths.get(ord(ch), f.default) >= 800:
                return "punct"
        return "latin"

    def _units(self, runs: list[Run]) -> list[list[_Unit]]:
        """Units of the text, one list per segment between forced line breaks."""
        segments: list[list[_Unit]] = [[]]
        word: list = []  # [chars, run index, space before] of the Latin word being read
        pending_space = False

        def flush():
            if word:
                self._add_word("".join(word[0]), word[1], segments[-1], word[2])
                word.clear()

        for ri, run in enumerate(runs):
            f = self.face(run.face)
            widths, default, scale, size = f.widths, f.default, run.size / 1000, run.size
            kinds = self._kinds.setdefault(run.face, {})
            out = segments[-1]
            for ch in run.text:
                kind = kinds.get(ch)
                if kind is None:
                    kind = kinds[ch] = "space" if ch.isspace() and ch != "\u00a0" else self._classify(ch, run)
                if kind == "han":  # the common case first
                    if word:
                        flush()
                    a = widths.get(ord(ch), default) * scale
                    out.append(_Unit(ch, ri, kind, a, [a], size, pending_space, np=1))
                    pending_space = False
                    continue
                if kind == "space":
                    flush()
                    if ch == "\n":
                        segments.append([])
                        out = segments[-1]
                        pending_space = False
                    else:
                        pending_space = bool(out)
                    continue
                if kind == "latin":
                    if word and word[1] == ri and not pending_space:
                        word[0].append(ch)
                        continue
                    flush()
                    word.extend(([ch], ri, pending_space))
                    pending_space = False
                    continue
                flush()
                a = widths.get(ord(ch), default) * scale
                out.append(_Unit(ch, ri, kind, a, [a], size, pending_space, np=0))
                pending_space = False
        flush()
        return segments

    def _add_word(self, text: str, ri: int, out: list, space_before: bool) -> None:
        """A Latin word (in one run) as units: its hyphenation fragments."""
        run = self._runs[ri]
        pieces = [(text, "")]
        if self._hyphenate:
            pieces = []
            for part, joins in _explicit_parts(text):
                lead = len(part) - len(part.lstrip("\"'“‘(["))
                core = part[lead:].rstrip("\"'”’)],.;:!?")
                cuts = _syllables(core, self._hyphenate) if len(core) >= 6 and core.isalpha() else ()
                start = 0
                for cut in cuts:
                    pieces.append((part[start:lead + cut], joins if start == 0 else "hyphen"))
                    start = lead + cut
                pieces.append((part[start:], joins if start == 0 else "hyphen"))
        else:
            pieces = list(_explicit_parts(text))
        first = True
        f = self.face(run.face)
        widths, default, scale = f.widths, f.default, run.size / 1000
        for piece, joins in pieces:
            adv = [widths.get(ord(c), default) * scale for c in piece]
            if (self._split_all or sum(adv) > self._measure) and len(piece) > 1:
                # Wider than the line: it may break between any two of its characters.
                for k, (c, a) in enumerate(zip(piece, adv)):
                    out.append(_Unit(c, ri, "latin", a, [a], run.size, space_before=space_before and first,
                                     joins=("split" if k else joins) if not first else "", np=1))
                    first = False
                continue
            out.append(_Unit(piece, ri, "latin", sum(adv), adv, run.size, space_before=space_before and first,
                             joins="" if first else joins, np=len(piece) - (piece[-1] in ",.;:!?)]%")))
            first = False

    def _gaps(self, units: list[_Unit], runs: list[Run]) -> list[_Gap]:
        gaps = []
        space = [self.advance(r, " ") for r in runs]
        raised = [r.rise > 0 for r in runs]
        shared: dict = {}  # the gaps between two CJK characters, alike but for size and breaking
        append = gaps.append
        for a, b in zip(units, units[1:]):
            if a.kind != "latin" and b.kind != "latin" and not (b.space_before and a.kind == b.kind == "han") \
                    and not raised[a.run] and not raised[b.run]:
                ok = not (b.text in CANNOT_START or a.text in CANNOT_END or (a.text == b.text and a.text in NEVER_SPLIT))
                key = (a.em, ok)
                g = shared.get(key)
                if g is None:
                    g = shared[key] = _Gap(0.0, a.em * CJK_STRETCH, 0.0, "cjk", ok)
                append(g)
                continue
            g = _Gap()
            ra = runs[a.run]
            if raised[b.run] and not b.space_before:
                pass  # a superscript (a note number) stays with what it follows
            elif raised[a.run] and not (b.space_before and b.kind == "latin"):
                g = _Gap(0.0, b.em * CJK_STRETCH, 0.0, "cjk", True)
            elif a.kind == "latin" and b.kind == "latin":
                if b.space_before:
                    sp = space[a.run]
                    g = _Gap(sp, sp * SPACE_STRETCH, sp * SPACE_SHRINK, "space", True)
                elif b.joins == "hyphen":
                    g = _Gap(breakable=True, penalty=HYPHEN_PENALTY, hyphen=self.advance(ra, "-"))
                elif b.joins == "explicit":
                    g = _Gap(breakable=True, penalty=EXPLICIT_PENALTY)
                elif b.joins == "split":
                    g = _Gap(breakable=True, penalty=SPLIT_PENALTY)
                # else: one word across two runs, no break
            elif a.kind == "latin" or b.kind == "latin":
                han, latin, edge = (b, a, a.text[-1]) if a.kind == "latin" else (a, b, b.text[0])
                if han.kind == "han" and _letter_or_digit(edge):
                    g = _Gap(han.em * HAN_LATIN_GAP, 0.0, 0.0, "han-latin", True)
                elif han.kind == "han" and b.space_before:
                    sp = space[a.run]
                    g = _Gap(sp, sp * SPACE_STRETCH, sp * SPACE_SHRINK, "space", True)
                else:  # a full-width mark has its own space: a typed one is dropped
                    g = _Gap(0.0, (a.em + b.em) / 2 * CJK_STRETCH * 0.5, 0.0, "cjk", True)
            else:
                if a.kind == "han" and b.kind == "han" and b.space_before:
                    sp = space[a.run]
                    g = _Gap(sp, sp * SPACE_STRETCH, sp * SPACE_SHRINK, "space", True)
                else:
                    g = _Gap(0.0, a.em * CJK_STRETCH, 0.0, "cjk", True)
                if a.text == b.text and a.text in NEVER_SPLIT:
                    g.breakable = False
            if g.breakable and (b.text[0] in CANNOT_START or a.text[-1] in CANNOT_END):
                g.breakable = False
            gaps.append(g)
        return gaps

    def _compress(self, units: list[_Unit]) -> None:
        """Adjacent full-width marks take half an em less; line-edge marks may too."""
        half = [u.w / 2 for u in units]
        centred = self.centred
        for i, (a, b) in enumerate(zip(units, units[1:])):
            if a.kind != "punct" or b.kind != "punct" or b.space_before:
                continue
            if a.text in CLOSING and not a.rt and a.text not in centred:
                a.rt = half[i]
            elif b.text in OPENING and not b.lt:
                b.lt = half[i + 1]
        for i, u in enumerate(units):
            if u.kind != "punct":
                continue
            if u.text in OPENING and not u.lt:
                u.ts = half[i]
            if u.text in CLOSING and not u.rt and u.text not in centred:
                u.te = half[i]
                if self.hanging and u.text in HANGING:
                    u.hang = u.w
            u.w -= u.lt + u.rt

    # ------------------------------------------------------------ breaking

    def set(self, runs: list[Run], width: float, first_indent: float = 0.0, align: str = JUSTIFY,
            hyphenate: bool = True) -> list[Line]:
        """Lines of `runs` set `width` points wide (the first line `first_indent` less);
        `hyphenate=False` keeps words whole (headings)."""
        # A word wider than the narrowest line is broken between its letters.
        self._runs, self._measure = runs, max(width - max(first_indent, 0.0), 1.0)
        self._hyphenate = self.hyphenate if hyphenate else None
        self._split_all = False
        lines: list[Line] = []
        for k, units in enumerate(self._units(runs)):
            if not units:
                if k:  # a forced break on an empty line still takes a line
                    lines.append(Line([], width, 0.0, False))
                continue
            self._compress(units)
            gaps = self._gaps(units, runs)
            indent = first_indent if k == 0 else 0.0
            breaks = self._breaks(units, gaps, width, indent, align, False)
            if breaks is None:
                # No way within the rules: break words between letters before breaking a rule.
                self._split_all = True
                units = self._units(runs)[k]
                self._split_all = False
                self._compress(units)
                gaps = self._gaps(units, runs)
                breaks = self._breaks(units, gaps, width, indent, align, False) or \
                    self._breaks(units, gaps, width, indent, align, True)
            for i, (s, e) in enumerate(zip(breaks, breaks[1:])):
                lines.append(self._place(units, gaps, s, e, width, indent if s == 0 else 0.0, align))
        return lines

    def _fit(self, units, pre, s: int, e: int, width: float, align: str, last: bool, hyphen: float):
        """How the line of units s..e-1 fits: (ratio, natural width, start trim, end trim, hang)."""
        cu, cw, cst, csh = pre
        nat = cu[e] - cu[s] + cw[e - 1] - cw[s] + hyphen
        ragged = align != JUSTIFY
        st = units[0].em * RAGGED if ragged else cst[e - 1] - cst[s]
        sh = 0.0 if ragged else csh[e - 1] - csh[s]
        ts, te, hang = 0.0, 0.0, 0.0
        u0, u1 = units[s], units[e - 1]
        if not ragged and not last and u1.te:
            # A closing mark ending a justified line is always set half width: its ink, not
            # its blank half, meets the right edge.
            nat -= u1.te
            te = u1.te
        if nat > width + 1e-6:
            # Compress a mark at the line's start or end before squeezing word spaces.
            for take in ("ts", "te"):
                if take == "te" and te:
                    continue
                if nat <= width + 1e-6:
                    break
                amount = u0.ts if take == "ts" else u1.te
                if amount:
                    nat -= amount
                    if take == "ts":
                        ts = amount
                    else:
                        te = amount
            if nat - sh > width + 1e-6 and u1.hang:
                nat = nat + te - u1.hang
                te, hang = 0.0, u1.hang
        if last:
            return (0.0 if nat <= width + 1e-6 else (-(nat - width) / sh if sh else -1e9)), nat, ts, te, hang
        if nat <= width + 1e-6:
            short = width - nat
            r = short / st if st > 0 else (0.0 if short < 1e-6 else 1e9)
        else:
            r = -(nat - width) / sh if sh > 0 else -1e9
        return r, nat, ts, te, hang

    def _breaks(self, units, gaps, width, indent, align, everywhere: bool) -> list[int] | None:
        n = len(units)
        cu = list(accumulate([u.w for u in units], initial=0.0))
        cnp = list(accumulate([u.np for u in units], initial=0))
        cw = list(accumulate([g.w for g in gaps], initial=0.0))
        cst = list(accumulate([g.st for g in gaps], initial=0.0))
        csh = list(accumulate([g.sh for g in gaps], initial=0.0))
        cw.append(cw[-1])
        cst.append(cst[-1])
        csh.append(csh[-1])
        pre = (cu, cw, cst, csh)
        han = any(u.kind == "han" for u in units)
        for tolerance in ((float("inf"),) if everywhere else (*TOLERANCES, float("inf"))):
            found = self._total_fit(units, gaps, pre, cnp, n, width, indent, align, tolerance, everywhere, han)
            if found is not None:
                return found
        return None

    def _total_fit(self, units, gaps, pre, cnp, n, width, indent, align, tolerance, everywhere, han):
        cu, cw, cst, csh = pre
        starts = [0] + [i + 1 for i, g in enumerate(gaps) if g.breakable or everywhere] + [n]
        em = max(u.em for u in units)
        # Only starts within reach of a line's end are tried: not so far back that the line
        # is overfull even with its edge marks compressed (or hung), not so near that it is
        # looser than the tolerance (a hyphen may still add its width).
        slack_over = em * (1.5 if self.hanging else 1.0) + 1e-6
        slack_loose = em * 0.5
        ragged = align != JUSTIFY
        rag = units[0].em * RAGGED
        low = [cu[s] + cw[s] - csh[s] for s in starts]
        big = min(tolerance, 1e6)
        loose = [cu[s] + cw[s] + (0.0 if ragged else big * cst[s]) for s in starts]
        best: list = [None] * len(starts)
        # (demerits, previous index, hyphenated lines ending there in a row, fitness of that line)
        best[0] = (0.0, -1, 0, 2)
        eps = 1e-6
        for j in range(1, len(starts)):
            e = starts[j]
            last = e == n
            top = cu[e] + cw[e - 1] - csh[e - 1]
            lo = bisect_left(low, top - slack_over - width)
            if last or tolerance == float("inf"):
                hi = j - 1
            else:
                reach = cu[e] + cw[e - 1] + (big * rag if ragged else big * cst[e - 1])
                hi = min(j - 1, bisect_right(loose, reach + slack_loose - width) - 1)
                if indent and lo == 0 and hi < 0 and loose[0] <= reach + slack_loose - (width - indent):
                    hi = 0  # the first line is shorter by its indent
            gap_before = gaps[e - 1] if e < n else None
            hyphenated = bool(gap_before and gap_before.hyphen)
            hyphen_w = gap_before.hyphen if gap_before else 0.0
            cu_e, cw_e, cst_e, csh_e = cu[e], cw[e - 1], cst[e - 1], csh[e - 1]
            end_trim = max(units[e - 1].te, units[e - 1].hang)
            for i in range(lo, hi + 1):
                prev = best[i]
                if prev is None:
                    continue
                s = starts[i]
                w_line = width - indent if s == 0 else width
                nat = cu_e - cu[s] + cw_e - cw[s] + hyphen_w
                if nat <= w_line + eps:
                    if last:
                        r = 0.0
                    else:  # the common case, without a call
                        stretch = rag if ragged else cst_e - cst[s]
                        short = w_line - nat
                        r = short / stretch if stretch > 0 else (0.0 if short < eps else 1e9)
                elif nat - (csh_e - csh[s]) - units[s].ts - end_trim > w_line + eps:
                    continue  # overfull even squeezed
                else:
                    r = self._fit(units, pre, s, e, w_line, align, last, hyphen_w)[0]
                single = e - s == 1
                if r < -1 and not single:
                    continue
                if r > tolerance and not single:
                    continue
                bad = 100 * min(abs(r), 1e3) ** 3 if r != 1e9 else 1e6
                if ragged and last:
                    bad = 0.0
                d = (LINE_PENALTY + bad) ** 2
                if gap_before is not None and gap_before.penalty:
                    d += gap_before.penalty ** 2
                if everywhere and gap_before is not None and not gap_before.breakable:
                    d += BROKEN_RULE * (2 if _splits_pair(units, e) else 1)
                if hyphenated and prev[2]:
                    d += DOUBLE_HYPHEN if prev[2] < MAX_HYPHENS_IN_A_ROW else SHORT_LAST
                if last:
                    if han and cnp[n] - cnp[s] < 2 and cnp[n] >= 3 and s > 0:
                        if tolerance != float("inf"):
                            continue  # a looser pass pulls a character down instead
                        d += SHORT_LAST
                    if prev[2]:
                        d += FINAL_HYPHEN
                # Fitness: 0 very loose, 1 loose, 2 decent, 3 tight; neighbours should not differ by two.
                fit = 2 if last or ragged else (3 if r < -0.5 else 2 if r <= 0.5 else 1 if r <= 1 else 0)
                if abs(fit - prev[3]) > 1:
                    d += ADJACENT_FIT
                total = prev[0] + d
                if best[j] is None or total < best[j][0]:
                    best[j] = (total, i, prev[2] + 1 if hyphenated else 0, fit)
        if best[-1] is None:
            return None
        out, j = [], len(starts) - 1
        while j >= 0:
            out.append(starts[j])
            j = best[j][1]
        return out[::-1]

    # ------------------------------------------------------------ placing

    def _place(self, units, gaps, s, e, width, indent, align) -> Line:
        n = len(units)
        cu, cw, cst, csh = [0.0], [0.0], [0.0], [0.0]
        for u in units[s:e]:
            cu.append(cu[-1] + u.w)
        for g in gaps[s:e - 1]:
            cw.append(cw[-1] + g.w)
            cst.append(cst[-1] + g.st)
            csh.append(csh[-1] + g.sh)
        cw.append(cw[-1])
        cst.append(cst[-1])
        csh.append(csh[-1])
        line_units, line_gaps = units[s:e], gaps[s:e - 1]
        hyphen_gap = gaps[e - 1] if e < n and gaps[e - 1].hyphen else None
        last = e == n
        w_line = width - indent
        r, nat, ts, te, hang = self._fit(line_units, (cu, cw, cst, csh), 0, e - s, w_line, align, last,
                                         hyphen_gap.hyphen if hyphen_gap else 0.0)
        space_st = sum(g.st for g in line_gaps if g.kind == "space")
        cjk_st = sum(g.st for g in line_gaps if g.kind == "cjk")
        justify = align == JUSTIFY and not last and 0 < r < 1e9 and space_st + cjk_st > 0
        # Spread the room left over between word spaces and CJK characters alike; a word
        # space grows to at most twice its width, the rest goes between CJK characters or,
        # on a line with none, between letters.
        extra = w_line - nat if justify else 0.0
        grow = {"space": 0.0, "cjk": 0.0}
        letter = 0.0
        if justify:
            share = extra / (space_st + cjk_st)
            if share <= MAX_SPACE_GROW or not space_st:
                grow["space"] = grow["cjk"] = share
            else:
                grow["space"] = MAX_SPACE_GROW
                rest = extra - space_st * MAX_SPACE_GROW
                slots = sum(len(u.text) - 1 for u in line_units if u.kind == "latin") + \
                    sum(1 for g in line_gaps if g.kind == "none")
                if cjk_st:
                    grow["cjk"] = rest / cjk_st
                elif slots:
                    letter = rest / slots
                else:
                    grow["space"] = share
        squeeze = -r if (r < 0 and r > -1e8) else 0.0
        x = indent - ts
        pieces: list[Piece] = []
        run_of, texts, xs, unit_end = None, [], [], x
        last_k = len(line_units) - 1
        for k, u in enumerate(line_units):
            if u.run != run_of:
                if run_of is not None:
                    pieces.append(Piece(run_of, "".join(texts), xs, unit_end))
                run_of, texts, xs = u.run, [], []
            texts.append(u.text)
            gx = x - u.lt
            adv = u.adv
            if len(adv) == 1:
                xs.append(gx)
            else:
                for a in adv:
                    xs.append(gx)
                    gx += a + letter
            x += u.w + letter * (len(adv) - 1)
            if k == last_k:
                x -= te
                if hyphen_gap is not None:
                    texts.append("-")
                    xs.append(x)
                    x += hyphen_gap.hyphen
                unit_end = x
                break
            unit_end = x
            g = line_gaps[k]
            kind = g.kind
            gw = g.w
            if kind == "space":
                gw += g.st * grow["space"] - g.sh * squeeze
                texts.append(" ")
                xs.append(x)
            elif kind == "cjk":
                gw += g.st * grow["cjk"]
            elif kind == "none":
                gw += letter
            x += gw
        if run_of is not None:
            pieces.append(Piece(run_of, "".join(texts), xs, unit_end))
        end = x - hang
        shift = 0.0
        if align == CENTER:
            shift = (w_line - end + indent) / 2
        elif align == RIGHT:
            shift = w_line + indent - end
        if shift:
            for p in pieces:
                p.xs = [v + shift for v in p.xs]
                p.end += shift
        return Line(pieces, width, end + shift, align == JUSTIFY and not last)


def _explicit_parts(text: str):
    """A word split after its own hyphens and slashes (letters on both sides): (part, joins)."""
    if not any(c in text for c in "-/‐–—"):
        return [(text, "")]
    parts, start = [], 0
    for i in range(1, len(text) - 1):
        if text[i] in "-/‐–—" and text[i - 1].isalpha() and text[i + 1].isalpha():
            parts.append((text[start:i + 1], "explicit" if start else ""))
            start = i + 1
    parts.append((text[start:], "explicit" if start else ""))
    return parts
