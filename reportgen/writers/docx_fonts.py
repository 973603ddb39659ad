"""Fonts of the Word file: the PDF's faces embedded, and a font table naming only what is used.

Word and LibreOffice read TrueType fonts carried inside a .docx (ECMA-376 Part 1, §17.8.1):
each face is a part `word/fonts/fontN.odttf` related from `word/fontTable.xml`, whose first
32 bytes are XORed with a GUID key that the font table's `w:embedRegular`/`w:embedBold`
gives (`w:fontKey`). The faces are the ones the PDF embeds (`fonts.Faces`: regular and
bold, cut per build to the characters the edition prints), so the Word file is set in the
PDF's font, glyph for glyph and with the same metrics, whether or not the reader has it.

The key is derived from the face's bytes, not drawn at random: the same build gives the
same file.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn

from . import docx_xml as x

OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
# CT_Font children in schema order.
FONT_ORDER = ["altName", "panose1", "charset", "family", "notTrueType", "pitch", "sig",
              "embedRegular", "embedBold", "embedItalic", "embedBoldItalic"]
# The beginning of CT_Settings, in schema order: the font switches go among these.
SETTINGS_HEAD = ["writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
                 "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
                 "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts",
                 "embedSystemFonts", "saveSubsetFonts"]


@dataclass(frozen=True)
class EmbeddedFaces:
    """The family name a document uses for the faces, and the TrueType bytes of each weight."""

    family: str
    regular: bytes
    bold: bytes


def embedded_faces(faces, text: str) -> EmbeddedFaces:
    """The faces of `faces` (`fonts.Faces`) as the Word file carries them: cut down to the
    characters of `text` and the common ones (`fonts.BASE_CHARS`: Latin letters, digits,
    punctuation, so that a Word user can still type those in the font).

    A build's faces hold every character of all the editions it writes; the cut makes what an
    edition embeds depend on that edition alone (the same file whatever else is built), and
    is kept beside the faces in the font cache."""
    from ..fonts import BASE_CHARS, face_family_name

    chars = "".join(sorted({c for c in set(text) if not c.isspace()} | BASE_CHARS))
    regular = _cut(Path(faces.regular), chars)
    bold = _cut(Path(faces.bold), chars)
    return EmbeddedFaces(face_family_name(faces.family, faces.latin), regular, bold)


def document_text(doc, tree_json: str | None = None) -> str:
    """A text holding the characters of every string of `doc` (`model.strings`), as
    `embedded_faces` tells characters apart (it drops white space and adds BASE_CHARS).

    The tree's JSON (`incremental.tree_json`), when the caller has made it, serves as it is:
    it holds the same characters and printable ASCII besides (its syntax, names and numbers,
    all in BASE_CHARS), and scanning it costs a walk of the tree nothing. Only a control
    character is written otherwise, escaped (`\\b`, `\\u00XX`): a JSON with an escape of
    that form is not used."""
    if tree_json is not None and "\\u" not in tree_json and "\\b" not in tree_json:
        return tree_json
    from ..model import strings

    return "".join(strings(doc))


def _cut(face: Path, chars: str) -> bytes:
    from ..cachefiles import intact, save

    key = hashlib.sha256(f"{face.name}\0{chars}".encode("utf-8")).hexdigest()[:16]
    target = face.with_name(f"{face.stem}-docx-{key}.ttf")
    if intact(target):
        try:
            return target.read_bytes()
        except OSError:
            pass
    data = _subset(face, chars)
    try:
        save(target, lambda tmp: tmp.write_bytes(data))
    except OSError:  # a cache that cannot be written costs time, not correctness
        pass
    return data


def _subset(face: Path, chars: str) -> bytes:
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.notdef_outline = True
    options.name_IDs = ["*"]  # the family name is what Word matches runs against
    options.name_languages = ["*"]
    options.layout_features = ["*"]
    options.recalc_timestamp = False
    options.recalc_bounds = False
    # No new modification time in `head` on saving: the same bytes every build.
    font = TTFont(str(face), recalcTimestamp=False, recalcBBoxes=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def font_key(data: bytes) -> str:
    """A GUID in Word's `{XXXXXXXX-XXXX-...}` form, derived from the face itself."""
    return "{" + str(uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])).upper() + "}"


def obfuscate(data: bytes, key: str) -> bytes:
    """ECMA-376 §17.8.1: the first 32 bytes XORed with the key's 16 bytes, in reverse order."""
    guid = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    head = bytes(b ^ guid[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


def _used_fonts(word) -> list[str]:
    """Every font name a run, style or numbering level of the package names, in order of use."""
    names: dict[str, None] = {}
    roots = [word.styles.element, word.element]
    part = word.part
    for rel in part.rels.values():
        if not rel.is_external and hasattr(rel.target_part, "element"):
            roots.append(rel.target_part.element)
    keys = [qn("w:ascii"), qn("w:hAnsi"), qn("w:eastAsia"), qn("w:cs")]
    for root in roots:
        for rfonts in root.iter(qn("w:rFonts")):
            for key in keys:
                value = rfonts.get(key)
                if value:
                    names[value] = None
    return list(names)


def write_font_table(word, fonts: tuple[str, str], layout, cjk: bool, embedded: EmbeddedFaces | None) -> None:
    """Rewrite `word/fontTable.xml` to list the fonts the document names and nothing else
    (the template lists Calibri, Cambria and ＭＳ 明朝), with the embedded faces where there are.

    An embedded family names the layout's Word font as its alternative (`w:altName`), the
    one a reader that ignores embedded fonts may substitute."""
    table_part = None
    for rel in word.part.rels.values():
        if rel.reltype == RT.FONT_TABLE:
            table_part = rel.target_part
    if table_part is None:
        return
    # python-docx keeps the font table as bytes: parse, rewrite, store back.
    root = x.parse_xml(table_part.blob)
    for node in list(root):
        root.remove(node)
    for rid, rel in list(table_part.rels.items()):
        if rel.reltype == RT.FONT:
            del table_part.rels[rid]
    for name in _used_fonts(word):
        font = x.sub(root, "w:font", {"w:name": name})
        if embedded is not None and name == embedded.family:
            alt = layout.word_east_asia if cjk else layout.word_latin
            _put(font, x.el("w:altName", {"w:val": alt}))
            _put(font, x.el("w:charset", {"w:val": "86" if cjk else "00"}))
            _put(font, x.el("w:family", {"w:val": "swiss"}))
            _put(font, x.el("w:pitch", {"w:val": "variable"}))
            for n, (tag, data) in enumerate((("w:embedRegular", embedded.regular), ("w:embedBold", embedded.bold))):
                key = font_key(data)
                partname = PackURI(f"/word/fonts/font{n + 1}.odttf")
                font_part = Part(partname, OBFUSCATED_FONT, obfuscate(data, key), word.part.package)
                rid = table_part.relate_to(font_part, RT.FONT)
                _put(font, x.el(tag, {"r:id": rid, "w:fontKey": key}))
        else:
            _put(font, x.el("w:family", {"w:val": "swiss" if name != "Consolas" else "modern"}))
            _put(font, x.el("w:pitch", {"w:val": "variable" if name != "Consolas" else "fixed"}))
    table_part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    if embedded is not None:
        _embed_settings(word.settings.element)


def _put(font, child) -> None:
    x.put(font, child, FONT_ORDER)


def _embed_settings(settings) -> None:
    """`w:embedTrueTypeFonts` (Word keeps the fonts when it saves) and `w:saveSubsetFonts`
    (they are subsets: Word must not take them for the whole font)."""
    for name in ("embedTrueTypeFonts", "saveSubsetFonts"):
        node = x.el(f"w:{name}")
        for old in settings.findall(node.tag):
            settings.remove(old)
        rank = SETTINGS_HEAD.index(name)
        for sibling in settings:
            local = sibling.tag.split("}")[1] if isinstance(sibling.tag, str) and "}" in sibling.tag else ""
            if local not in SETTINGS_HEAD[:rank + 1] or SETTINGS_HEAD.index(local) > rank:
                sibling.addprevious(node)
                break
        else:
            settings.append(node)
