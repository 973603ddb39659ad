"""A TrueType face embedded as one composite font: every glyph a two-byte code.

ReportLab embeds a TrueType face as simple-font subsets of 256 glyphs each. A Chinese report
draws from several such subsets in nearly every line (about ten changes a line in a 120-page
report): each change is a font switch and a new text position in the page's content, made in
Python. Here the face is one Type0 font with the Identity-H encoding:

- a character's code (its CID) is its Unicode code point (its UTF-16: encoding a line is
  one call), so the same text is the same bytes whatever the document and whichever file
  the face was read from; a character beyond the BMP takes a code of the surrogates' range;
- the embedded font program holds the glyphs used, made by ReportLab's own subsetter, and a
  `CIDToGIDMap` stream takes each code to its glyph there;
- the advances go in the `W` array, and a ToUnicode CMap maps each code back to its
  character, so text can be copied, searched and read by assistive software.

The class is a ReportLab `TTFont` with its encoding and its PDF objects replaced: the canvas,
Platypus and the chart renderer draw with it as with any registered face.
"""

from __future__ import annotations

import hashlib

from . import rl_platypus  # noqa: F401 - before ReportLab's Platypus (see there)
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, TTFont


class _State:
    """What one document drew with the face."""

    def __init__(self) -> None:
        self.used: set[str] = set()  # every character drawn
        self.astral: dict[str, int] = {}  # a character beyond the BMP -> its code (see `_code`)
        self.internal_name: str | None = None


# Codes for characters beyond the Basic Multilingual Plane: the surrogates' range, which no
# character of the BMP has, given on first use in a document.
_ASTRAL_FIRST, _ASTRAL_LAST = 0xD800, 0xDFFF


class IdentityFont(TTFont):
    """A TrueType face drawn with two-byte codes and embedded as one Type0 font."""

    def _state(self, doc) -> _State:
        state = self.state.get(doc)
        if state is None:
            state = self.state[doc] = _State()
        return state

    def splitString(self, text, doc, encoding="utf-8"):
        """The text as one run of codes (ReportLab's interface: (subset, bytes) pairs).

        A character's code is its code point: the text's UTF-16 (a character beyond the BMP
        excepted), so the same text is the same bytes in any document."""
        if isinstance(text, bytes):
            text = text.decode(encoding)
        if not text:
            return []
        state = self._state(doc)
        state.used.update(text)
        drawn = getattr(doc, "reportgen_drawn", None)
        if drawn is not None:  # a chart's form being recorded (pdf_chart.py)
            drawn.setdefault(self.fontName, {}).update(dict.fromkeys(text))
        try:
            data = text.encode("utf-16-be")
        except UnicodeEncodeError:  # a lone surrogate: no character, drawn as .notdef
            data = None
        if data is None or len(data) != 2 * len(text):
            data = b"".join(self._code(state, c).to_bytes(2, "big") for c in text)
        return [(0, data)]

    @staticmethod
    def _code(state: _State, char: str) -> int:
        point = ord(char)
        if point < 0x10000:
            return 0 if _ASTRAL_FIRST <= point <= _ASTRAL_LAST else point
        code = state.astral.get(char)
        if code is None:
            code = _ASTRAL_FIRST + len(state.astral)
            if code > _ASTRAL_LAST:
                raise pdfdoc.PDFError("more than 2,048 characters beyond the Basic Multilingual Plane in one document")
            state.astral[char] = code
        return code

    def getSubsetInternalName(self, subset, doc):
        state = self._state(doc)
        if state.internal_name is None:
            # Named by the face, not by the order faces are first used: a chart's form kept
            # from an earlier build names its fonts as this document does.
            state.internal_name = "F" + hashlib.sha256(self.fontName.encode()).hexdigest()[:8]
            doc.fontMapping[self.fontName] = "/" + state.internal_name
            doc.delayedFonts.append(self)
        return f"/{state.internal_name}+0"

    def addObjects(self, doc):
        """The Type0 font, its CIDFontType2 descendant, descriptor, font program, glyph map
        and ToUnicode CMap."""
        state = self._state(doc)
        face = self.face
        name = self.getSubsetInternalName(0, doc)[1:]
        # (code, point of the glyph, character it reads as) for every character drawn; a
        # no-break space prints as a space (as in ReportLab), a character the face lacks as
        # .notdef, read back as U+FFFD (a build's check reports such characters before writing).
        drawn = []
        for char in state.used:
            code = self._code(state, char)
            if code == 0:
                continue
            point = 0x20 if char == "\u00a0" else ord(char)
            held = point in face.charToGlyph
            drawn.append((code, point if held else None, point if held else 0xFFFD))
        drawn.sort()
        # The font program holds the glyphs drawn, numbered (after .notdef) as ReportLab's
        # subsetter meets them; the glyph map takes each code to its glyph there.
        glyphs = {0: 0}
        for _, point, _ in drawn:
            if point is not None:
                glyphs.setdefault(face.charToGlyph[point], len(glyphs))
        cid_to_gid = bytearray(2 * (drawn[-1][0] + 1 if drawn else 1))
        for code, point, _ in drawn:
            if point is not None:
                cid_to_gid[2 * code:2 * code + 2] = glyphs[face.charToGlyph[point]].to_bytes(2, "big")
        # A subset's name starts with six capital letters naming the glyphs it holds.
        tag = hashlib.sha256(repr(drawn).encode()).digest()
        base = "".join(chr(65 + b % 26) for b in tag[:6]) + "+" + (face.name + face.subfontNameX).decode("pdfdoc")

        program = pdfdoc.PDFStream()
        program.content = face.makeSubset([point for _, point, _ in drawn if point is not None])
        program.dictionary["Length1"] = len(program.content)
        glyph_map = pdfdoc.PDFStream()
        glyph_map.content = bytes(cid_to_gid)
        if doc.compression:
            program.filters = [pdfdoc.PDFZCompress]
            glyph_map.filters = [pdfdoc.PDFZCompress]
        descriptor = pdfdoc.PDFDictionary({
            "Type": "/FontDescriptor", "Ascent": face.ascent, "CapHeight": face.capHeight,
            "Descent": face.descent, "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
            "FontBBox": pdfdoc.PDFArray(face.bbox), "FontName": pdfdoc.PDFName(base),
            "ItalicAngle": face.italicAngle, "StemV": face.stemV,
            "FontFile2": doc.Reference(program, f"fontFile:{face.filename}({base})"),
        })
        widths = [(code, face.charWidths.get(point, face.defaultWidth) if point is not None else face.defaultWidth)
                  for code, point, _ in drawn]
        descendant = pdfdoc.PDFDictionary({
            "Type": "/Font", "Subtype": "/CIDFontType2", "BaseFont": pdfdoc.PDFName(base),
            "CIDSystemInfo": pdfdoc.PDFDictionary({"Registry": pdfdoc.PDFString("Adobe"),
                                                   "Ordering": pdfdoc.PDFString("Identity"),
                                                   "Supplement": 0}),
            "FontDescriptor": doc.Reference(descriptor, f"fontDescriptor:{base}"),
            "DW": fp_str(face.defaultWidth),
            "W": _W(widths),
            "CIDToGIDMap": doc.Reference(glyph_map, f"cidToGidMap:{base}"),
        })
        cmap = pdfdoc.PDFStream()
        cmap.content = to_unicode_cmap([(code, reads) for code, _, reads in drawn])
        if doc.compression:
            cmap.filters = [pdfdoc.PDFZCompress]
        font = pdfdoc.PDFDictionary({
            "Type": "/Font", "Subtype": "/Type0", "BaseFont": pdfdoc.PDFName(base), "Encoding": "/Identity-H",
            "DescendantFonts": pdfdoc.PDFArray([doc.Reference(descendant, f"cidFont:{base}")]),
            "ToUnicode": doc.Reference(cmap, f"toUnicodeCMap:{base}"),
        })
        doc.idToObject["BasicFonts"].dict[name] = doc.Reference(font, name)
        del self.state[doc]


class _W(pdfdoc.PDFObject):
    """The `W` array: (code, advance in 1/1000 of the size) in code order, as runs of
    consecutive codes."""

    def __init__(self, widths: list[tuple[int, float]]) -> None:
        self.widths = widths

    def format(self, document) -> bytes:
        runs, last = [], None
        for code, width in self.widths:
            if last is None or code != last + 1:
                runs.append((code, []))
            runs[-1][1].append(width)
            last = code
        return ("[" + " ".join(f"{first} [{fp_str(*ws)}]" for first, ws in runs) + "]").encode("ascii")


def to_unicode_cmap(codes: list[tuple[int, int]]) -> str:
    """A ToUnicode CMap mapping each (code, character) pair; code 0, the face's .notdef, reads
    as U+FFFD, the replacement character."""
    entries = ["<0000> <FFFD>"] + [f"<{code:04X}> <{_utf16(point)}>" for code, point in codes]
    blocks = []
    for start in range(0, len(entries), 100):  # at most 100 entries a block
        chunk = entries[start:start + 100]
        blocks += [f"{len(chunk)} beginbfchar", *chunk, "endbfchar"]
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
        "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange",
        *blocks,
        "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
    ])


def _utf16(point: int) -> str:
    return chr(point).encode("utf-16-be").hex().upper()
