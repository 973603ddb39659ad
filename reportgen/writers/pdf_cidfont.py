"""A TrueType face embedded as one composite font: every glyph a two-byte code.

ReportLab embeds a TrueType face as simple-font subsets of 256 glyphs each. A Chinese report
draws from several such subsets in nearly every line (about ten changes a line in a 120-page
report): each change is a font switch and a new text position in the page's content, made in
Python. Here the face is one Type0 font with the Identity-H encoding:

- a glyph's code (its CID) is given on first use in a document, so it does not depend on
  which file the face was read from, only on the text drawn;
- the embedded font program holds the glyphs used, in code order, so its glyph ids are the
  codes (`CIDToGIDMap /Identity`); ReportLab's own subsetter makes it;
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
        self.codes: dict[str, bytes] = {}  # character -> its two-byte code
        self.cids: dict[int, int] = {}  # glyph id in the face -> code
        self.chars: list[int] = [0]  # code -> the first character drawn with it (0: .notdef)
        self.internal_name: str | None = None


class IdentityFont(TTFont):
    """A TrueType face drawn with two-byte codes and embedded as one Type0 font."""

    def _state(self, doc) -> _State:
        state = self.state.get(doc)
        if state is None:
            state = self.state[doc] = _State()
        return state

    def splitString(self, text, doc, encoding="utf-8"):
        """The text as one run of codes (ReportLab's interface: (subset, bytes) pairs)."""
        if isinstance(text, bytes):
            text = text.decode(encoding)
        codes = self._state(doc).codes
        try:
            data = b"".join([codes[c] for c in text])
        except KeyError:
            data = b"".join([codes[c] if c in codes else self._code(doc, c) for c in text])
        return [(0, data)] if data else []

    def _code(self, doc, char: str) -> bytes:
        state = self._state(doc)
        point = 0x20 if char == "\u00a0" else ord(char)  # as ReportLab: a no-break space prints as a space
        glyph = self.face.charToGlyph.get(point, 0)
        cid = 0 if glyph == 0 else state.cids.get(glyph)
        if cid is None:
            cid = state.cids[glyph] = len(state.chars)
            if cid > 0xFFFF:
                raise pdfdoc.PDFError(f"font {self.fontName}: more than 65,535 glyphs in one document")
            state.chars.append(point)
        code = state.codes[char] = cid.to_bytes(2, "big")
        return code

    def getSubsetInternalName(self, subset, doc):
        state = self._state(doc)
        if state.internal_name is None:
            state.internal_name = "F" + repr(len(doc.fontMapping) + 1)
            doc.fontMapping[self.fontName] = "/" + state.internal_name
            doc.delayedFonts.append(self)
        return f"/{state.internal_name}+0"

    def addObjects(self, doc):
        """The Type0 font, its CIDFontType2 descendant, descriptor, font program and ToUnicode CMap."""
        state = self._state(doc)
        face = self.face
        name = self.getSubsetInternalName(0, doc)[1:]
        # A subset's name starts with six capital letters naming the glyphs it holds.
        tag = hashlib.sha256(repr(state.chars).encode()).digest()
        base = "".join(chr(65 + b % 26) for b in tag[:6]) + "+" + (face.name + face.subfontNameX).decode("pdfdoc")

        program = pdfdoc.PDFStream()
        # One character per glyph, in code order: the subsetter numbers the glyphs as it
        # meets them (after .notdef), so glyph id = code; a composite's parts come after.
        program.content = face.makeSubset(state.chars[1:])
        program.dictionary["Length1"] = len(program.content)
        if doc.compression:
            program.filters = [pdfdoc.PDFZCompress]
        descriptor = pdfdoc.PDFDictionary({
            "Type": "/FontDescriptor", "Ascent": face.ascent, "CapHeight": face.capHeight,
            "Descent": face.descent, "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
            "FontBBox": pdfdoc.PDFArray(face.bbox), "FontName": pdfdoc.PDFName(base),
            "ItalicAngle": face.italicAngle, "StemV": face.stemV,
            "FontFile2": doc.Reference(program, f"fontFile:{face.filename}({base})"),
        })
        widths = [face.charWidths.get(point, face.defaultWidth) for point in state.chars[1:]]
        descendant = pdfdoc.PDFDictionary({
            "Type": "/Font", "Subtype": "/CIDFontType2", "BaseFont": pdfdoc.PDFName(base),
            "CIDSystemInfo": pdfdoc.PDFDictionary({"Registry": pdfdoc.PDFString("Adobe"),
                                                   "Ordering": pdfdoc.PDFString("Identity"),
                                                   "Supplement": 0}),
            "FontDescriptor": doc.Reference(descriptor, f"fontDescriptor:{base}"),
            "DW": fp_str(face.defaultWidth),
            "W": _W(widths),
            "CIDToGIDMap": "/Identity",
        })
        cmap = pdfdoc.PDFStream()
        cmap.content = to_unicode_cmap(state.chars)
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
    """The `W` array: code 1 onwards, one advance each (1/1000 of the size)."""

    def __init__(self, widths: list[float]) -> None:
        self.widths = widths

    def format(self, document) -> bytes:
        if not self.widths:
            return b"[]"
        return b"[1 [" + fp_str(*self.widths).encode("ascii") + b"]]"


def to_unicode_cmap(chars: list[int]) -> str:
    """A ToUnicode CMap mapping each code (its index in `chars`) to its character."""
    # Code 0 is the face's .notdef: a character it has no glyph for reads back as U+FFFD,
    # the replacement character (a build's check reports such characters before writing).
    entries = ["<0000> <FFFD>"] + [f"<{cid:04X}> <{_utf16(point)}>" for cid, point in enumerate(chars) if cid]
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
