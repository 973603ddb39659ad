"""WordprocessingML helpers for the DOCX writer (`docx.py` decides what goes where).

python-docx covers paragraphs, runs and pictures but not fields, footnotes, bookmarks,
East Asian fonts or numbering definitions, and its table API is too slow for tables of
thousands of rows. These helpers build the raw elements (with python-docx's element
classes, so the results mix freely with its proxies) and keep children in schema order,
which Word insists on even where LibreOffice does not. Also here: the style sheet made
from a layout, table rows, and the zip rewrite that makes output byte-stable.
"""

from __future__ import annotations

import io
import re
import zipfile
from contextlib import contextmanager
from copy import deepcopy

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, nsmap, qn
from docx.oxml.parser import oxml_parser
from lxml import etree

# Characters whose script Word guesses (quotes, dashes, ellipsis): in a Chinese edition
# they belong to the Chinese font, which `w:hint="eastAsia"` on the run tells Word.
AMBIGUOUS = frozenset("“”‘’—–…·•×÷°±§※→←↑↓≤≥％")
_AMBIGUOUS = re.compile("[" + re.escape("".join(sorted(AMBIGUOUS))) + "]")


def ambiguous(text: str) -> bool:
    """True when `text` holds a character whose script Word guesses (see AMBIGUOUS)."""
    return _AMBIGUOUS.search(text) is not None

# ---------------------------------------------------------------- units and elements


def twips(pt: float) -> int:
    """Points to twentieths of a point (the unit of most Word lengths)."""
    return int(round(pt * 20))


def half_points(pt: float) -> int:
    return int(round(pt * 2))


def hexcolor(color: str) -> str:
    return color.lstrip("#").upper()


_MADE: dict[str, tuple] = {}
_NAMES: dict[str, str] = {}  # attribute names: `w:val` -> Clark notation


def _name(key: str) -> str:
    _NAMES[key] = qn(key)
    return _NAMES[key]


def el(tag: str, attrs: dict | None = None, *children):
    """A new element; attribute names are prefixed tags such as `w:val`."""
    # What OxmlElement does, with the tag parsing cached: tables make elements by the
    # hundred thousand.
    made = _MADE.get(tag)
    if made is None:
        prefix = tag.split(":")[0]
        made = _MADE[tag] = (qn(tag), {prefix: nsmap[prefix]})
    if attrs:
        names = _NAMES
        attrib = {(names.get(k) or _name(k)): (v if type(v) is str else str(v)) for k, v in attrs.items()}
        node = oxml_parser.makeelement(made[0], attrib=attrib, nsmap=made[1])
    else:
        node = oxml_parser.makeelement(made[0], nsmap=made[1])
    for child in children:
        if child is not None:
            node.append(child)
    return node


def sub(parent, tag: str, attrs: dict | None = None):
    node = el(tag, attrs)
    parent.append(node)
    return node


# Schema order of the children we set on existing property elements.
PPR_ORDER = [
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
    "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
    "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
    "sectPr", "pPrChange",
]
RPR_ORDER = [
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
    "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing",
    "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText",
    "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath",
]
STYLE_ORDER = [
    "name", "aliases", "basedOn", "next", "link", "autoRedefine", "hidden", "uiPriority",
    "semiHidden", "unhideWhenUsed", "qFormat", "locked", "personal", "personalCompose",
    "personalReply", "rsid", "pPr", "rPr", "tblPr", "trPr", "tcPr", "tblStylePr",
]
SETTINGS_AFTER_UPDATE_FIELDS = [
    "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
    "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown", "smartTagType",
    "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol", "listSeparator",
]


def put(parent, child, order: list[str]):
    """Insert `child` into `parent` in schema order, replacing an element of its kind."""
    local = child.tag.split("}")[1]
    for old in parent.findall(child.tag):
        parent.remove(old)
    rank = order.index(local)
    for sibling in parent:
        name = sibling.tag.split("}")[1] if "}" in str(sibling.tag) else ""
        if name in order and order.index(name) > rank:
            sibling.addprevious(child)
            return child
    parent.append(child)
    return child


# ---------------------------------------------------------------- fonts and runs


def fonts(latin: str, east_asia: str, hint: bool = False):
    """`w:rFonts` naming every script slot explicitly (no theme fonts for Word to swap in)."""
    attrs = {"w:ascii": latin, "w:hAnsi": latin, "w:eastAsia": east_asia, "w:cs": latin}
    if hint:
        attrs["w:hint"] = "eastAsia"
    return el("w:rFonts", attrs)


def strip_theme_fonts(root, latin: str, east_asia: str):
    """Replace theme font references (`w:asciiTheme` ...) anywhere under `root` by names."""
    for rfonts in root.iter(qn("w:rFonts")):
        themed = [k for k in rfonts.attrib if k.endswith("Theme") or k.endswith("theme")]
        if not themed:
            continue
        for key in themed:
            del rfonts.attrib[key]
        rfonts.set(qn("w:ascii"), latin)
        rfonts.set(qn("w:hAnsi"), latin)
        rfonts.set(qn("w:eastAsia"), east_asia)
        rfonts.set(qn("w:cs"), latin)


def color(value: str):
    # Set explicitly and without w:themeColor, which would override the value.
    return el("w:color", {"w:val": hexcolor(value)})


def text_el(text: str):
    node = el("w:t")
    node.text = text
    if text != text.strip() or "  " in text:
        node.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return node


def run(text: str | None = None, rpr=None, *extra):
    """A `w:r` with optional properties, text and further content (`w:br`, `w:tab` ...)."""
    node = el("w:r")
    if rpr is not None and len(rpr):
        node.append(rpr)
    if text:
        node.append(text_el(text))
    for item in extra:
        node.append(item)
    return node


def _props(tag: str, order, children):
    """A properties element from children given in any order (Word wants its schema order)."""
    node = el(tag)
    for item in children:
        if item is not None:
            put(node, item, order)
    return node


def rpr(*children):
    """A `w:rPr` from children given in any order."""
    return _props("w:rPr", RPR_ORDER, children)


def ppr(*children):
    """A `w:pPr` from children given in any order."""
    return _props("w:pPr", PPR_ORDER, children)


def paragraph(style: str | None, content=(), *props):
    """A `w:p` with style id `style`, extra `w:pPr` children and runs/hyperlinks."""
    node = el("w:p")
    pr = ppr(el("w:pStyle", {"w:val": style}) if style else None, *props)
    if len(pr):
        node.append(pr)
    for item in content:
        node.append(item)
    return node


def spacing(before: float | None = None, after: float | None = None, line: float | None = None,
            exact: float | None = None, at_least: float | None = None):
    """`w:spacing` in points; `line` is a multiple of single spacing, `exact` a line height in
    points (the PDF's leading), `at_least` a smallest line height that taller content exceeds."""
    return el("w:spacing", spacing_attrs(before, after, line, exact, at_least))


def spacing_attrs(before: float | None = None, after: float | None = None, line: float | None = None,
                  exact: float | None = None, at_least: float | None = None) -> dict:
    """The attributes of `spacing`, in its order."""
    attrs = {}
    if before is not None:
        attrs["w:before"] = twips(before)
    if after is not None:
        attrs["w:after"] = twips(after)
    if exact is not None:
        attrs["w:line"] = twips(exact)
        attrs["w:lineRule"] = "exact"
    elif at_least is not None:
        attrs["w:line"] = twips(at_least)
        attrs["w:lineRule"] = "atLeast"
    elif line is not None:
        attrs["w:line"] = int(round(line * 240))
        attrs["w:lineRule"] = "auto"
    return attrs


def border(side: str, color_hex: str, size_eighths: int = 4, space: int = 0):
    return el(f"w:{side}", {"w:val": "single", "w:sz": size_eighths, "w:space": space, "w:color": hexcolor(color_hex)})


def shading(fill: str):
    return el("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": hexcolor(fill)})


def tabs(*stops):
    """`w:tabs` from (kind, position in points[, leader]) tuples; kind `clear` removes one."""
    node = el("w:tabs")
    for stop in stops:
        attrs = {"w:val": stop[0], "w:pos": twips(stop[1])}
        if len(stop) > 2:
            attrs["w:leader"] = stop[2]
        sub(node, "w:tab", attrs)
    return node


def page_break_run():
    return run(None, None, el("w:br", {"w:type": "page"}))


def bookmark(bid: int, name: str):
    return el("w:bookmarkStart", {"w:id": bid, "w:name": name}), el("w:bookmarkEnd", {"w:id": bid})


# ---------------------------------------------------------------- the same, as text
#
# A paragraph made as WordprocessingML text and parsed once costs a fifth of the same
# paragraph made element by element (each lxml element is a Python object of python-docx's
# classes). The functions below write exactly the elements their counterparts above make, so
# the parsed tree, and the file, are the same whichever is used.

_DECL_W, _DECL_R, _DECL_WP = (f'xmlns:{p}="{nsmap[p]}"' for p in ("w", "r", "wp"))
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_XML_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;",
                           "\n": "&#10;", "\t": "&#9;"})
_ESCAPED = re.compile("[&<>\r]")
_ESCAPED_ATTR = re.compile('[&<>"\r\n\t]')
# What lxml refuses in text and attributes (it says so with a ValueError, and so do we).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _checked(text: str) -> str:
    if _NOT_XML.search(text):
        raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters")
    return text


def esc(text: str) -> str:
    _checked(text)
    # Most text has nothing to escape: a scan per character (str.translate with a table is
    # a dictionary look-up per character, 30 µs for a Chinese paragraph).
    if _ESCAPED.search(text) is None:
        return text
    return text.translate(_XML_TEXT)


def esc_attr(value) -> str:
    value = _checked(value if type(value) is str else str(value))
    return value if _ESCAPED_ATTR.search(value) is None else value.translate(_XML_ATTR)


_TAG_NAME = re.compile(r"<[\w:]+")


def fragment(xml: str):
    """The element written as `xml` (one element; `w:`, `r:` and `wp:` prefixes), of python-docx's
    classes. The prefixes are declared on it, and dropped as it joins the document (which
    declares them)."""
    name_end = _TAG_NAME.match(xml).end()
    # Only the prefixes it uses: a part whose root lacks one (footnotes have no `wp:`) would
    # keep an unused declaration.
    decls = _DECL_W
    if ' r:id="' in xml:
        decls += " " + _DECL_R
    if "<wp:" in xml:
        decls += " " + _DECL_WP
    return etree.fromstring(f"{xml[:name_end]} {decls}{xml[name_end:]}", oxml_parser)


def empty_xml(node) -> str | None:
    """`node` as text when it is an empty `w:` element with `w:` attributes (a colour, a
    flag), else None."""
    if len(node) or node.text:
        return None
    tag = node.tag
    if not tag.startswith(_W_NS):
        return None
    attrs = ""
    for key, value in node.attrib.items():
        if not key.startswith(_W_NS):
            return None
        attrs += f' w:{key[len(_W_NS):]}="{esc_attr(value)}"'
    return f"<w:{tag[len(_W_NS):]}{attrs}/>"


_W_NS = "{" + nsmap["w"] + "}"


def t_xml(text: str) -> str:
    if text != text.strip() or "  " in text:
        return f'<w:t xml:space="preserve">{esc(text)}</w:t>'
    return f"<w:t>{esc(text)}</w:t>"


def run_xml(text: str | None = None, rpr: str = "", extra: str = "") -> str:
    """`run` as text: `rpr` the properties (`rpr_xml`), `extra` further content."""
    return f"<w:r>{rpr}{t_xml(text) if text else ''}{extra}</w:r>"


_RPR_RANK = {name: i for i, name in enumerate(RPR_ORDER)}


def rpr_xml(items: dict) -> str:
    """`rpr` as text from {kind: element text}; '' when there is nothing (no empty `w:rPr`)."""
    if not items:
        return ""
    return "<w:rPr>" + "".join(items[k] for k in sorted(items, key=_RPR_RANK.__getitem__)) + "</w:rPr>"


def fonts_xml(latin: str, east_asia: str, hint: bool = False) -> str:
    latin, east_asia = esc_attr(latin), esc_attr(east_asia)
    extra = ' w:hint="eastAsia"' if hint else ""
    return f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asia}" w:cs="{latin}"{extra}/>'


_PPR_RANK = {name: i for i, name in enumerate(PPR_ORDER)}


def paragraph_xml(style: str | None, content: str, props=(), flat: dict | None = None):
    """`paragraph` from runs written as text; `props` are `w:pPr` children (elements), `flat`
    childless ones as {kind: {attribute: value}} (`{"keepNext": {}, "spacing": {...}}`)."""
    items = {"pStyle": f'<w:pStyle w:val="{esc_attr(style)}"/>'} if style else {}
    for kind, attrs in (flat or {}).items():
        items[kind] = f"<w:{kind}" + "".join(f' {k}="{esc_attr(v)}"' for k, v in attrs.items()) + "/>"
    ppr_text = "<w:pPr>" + "".join(items[k] for k in sorted(items, key=_PPR_RANK.__getitem__)) + "</w:pPr>" \
        if items else ""
    node = fragment(f"<w:p>{ppr_text}{content}</w:p>")
    props = [item for item in props if item is not None]
    if props:
        pr = node.get_or_add_pPr()
        for item in props:
            put(pr, item, PPR_ORDER)
    return node


def field_xml(instr: str, result: str, run_props: str = "") -> str:
    """`field` as text: `result` the cached result's runs, `run_props` each field run's `w:rPr`."""
    def char(kind):
        return f'<w:r>{run_props}<w:fldChar w:fldCharType="{kind}"/></w:r>'

    return (char("begin") + f'<w:r>{run_props}<w:instrText xml:space="preserve"> {esc(instr)} </w:instrText></w:r>'
            + char("separate") + result + char("end"))


# ---------------------------------------------------------------- fields


def field(instr: str, result: list, run_props=None) -> list:
    """Runs of a complex field: begin, instruction, separate, cached `result` runs, end.

    The cached result is what a reader shows until the field is updated, so it should be
    the right answer when it can be known (a caption number) and plausible otherwise.
    """

    def char(kind):
        return run(None, deepcopy(run_props), el("w:fldChar", {"w:fldCharType": kind}))

    instr_el = el("w:instrText")
    instr_el.text = f" {instr} "
    instr_el.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return [char("begin"), run(None, deepcopy(run_props), instr_el), char("separate"), *result, char("end")]


def field_begin(instr: str) -> list:
    """The opening half of a field whose result spans several paragraphs (a TOC)."""
    instr_el = el("w:instrText")
    instr_el.text = f" {instr} "
    instr_el.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return [
        run(None, None, el("w:fldChar", {"w:fldCharType": "begin"})),
        run(None, None, instr_el),
        run(None, None, el("w:fldChar", {"w:fldCharType": "separate"})),
    ]


def field_end():
    return run(None, None, el("w:fldChar", {"w:fldCharType": "end"}))


# ---------------------------------------------------------------- styles


class _StyleIndex:
    """A document's styles by id and by name (in any case), read once for all look-ups."""

    def __init__(self, styles_el):
        self.by_id: dict[str, tuple[int, object]] = {}
        self.by_name: dict[str, tuple[int, object]] = {}
        self.count = 0  # styles seen: a style's place in document order
        for style in styles_el.iterchildren(qn("w:style")):
            self.add(style)

    def add(self, style) -> None:
        at = self.count
        self.count += 1
        self.by_id.setdefault(style.get(qn("w:styleId")), (at, style))
        name_el = style.find(qn("w:name"))
        if name_el is not None:
            self.by_name.setdefault(name_el.get(qn("w:val")).lower(), (at, style))

    def find(self, style_id: str, name: str):
        """The first style, in document order, with this id or this name (in any case)."""
        found = [hit for hit in (self.by_id.get(style_id), self.by_name.get(name.lower())) if hit]
        return min(found, key=lambda hit: hit[0])[1] if found else None


def new_style(styles_el, kind: str, style_id: str, name: str, based_on: str | None, next_id: str | None,
              priority: int = 99):
    style = el("w:style", {"w:type": kind, "w:styleId": style_id})
    sub(style, "w:name", {"w:val": name})
    if based_on:
        sub(style, "w:basedOn", {"w:val": based_on})
    if next_id:
        sub(style, "w:next", {"w:val": next_id})
    sub(style, "w:uiPriority", {"w:val": priority})
    sub(style, "w:qFormat")
    styles_el.append(style)
    return style


def reset_props(style, ppr_children=(), rpr_children=()):
    """Replace a style's paragraph and run properties by the given children."""
    for tag in ("w:pPr", "w:rPr"):
        for old in style.findall(qn(tag)):
            style.remove(old)
    if ppr_children:
        put(style, ppr(*ppr_children), STYLE_ORDER)
    if rpr_children:
        put(style, rpr(*rpr_children), STYLE_ORDER)
    # A hidden style still works but Word lists it only under "all styles".
    for tag in ("w:semiHidden", "w:unhideWhenUsed"):
        for old in style.findall(qn(tag)):
            style.remove(old)


# ---------------------------------------------------------------- numbering


class Numbering:
    """Adds one numbering definition per list, so each ordered list restarts at its start."""

    def __init__(self, numbering_el, latin: str, east_asia: str, accent: str):
        self.root = numbering_el
        self.latin, self.east_asia, self.accent = latin, east_asia, accent
        abstract_ids = [int(a.get(qn("w:abstractNumId"))) for a in numbering_el.iterchildren(qn("w:abstractNum"))]
        num_ids = [int(n.get(qn("w:numId"))) for n in numbering_el.iterchildren(qn("w:num"))]
        self.next_abstract = max(abstract_ids, default=-1) + 1
        self.next_num = max(num_ids, default=0) + 1

    def add(self, level, start: int, left: int, hanging: int, bullet_size: float | None = None,
            lift: float = 0.0) -> int:
        """A new list labelled as `level` (a `present.ListLevel`) at every depth, its text at
        `left` twips and its label `hanging` twips before; bullets drawn at `bullet_size` pt,
        raised by `lift` pt so that a small mark stays centred on the line."""
        aid = self.next_abstract
        self.next_abstract += 1
        abstract = el("w:abstractNum", {"w:abstractNumId": aid})
        sub(abstract, "w:nsid", {"w:val": f"{0x52470000 + aid:08X}"})
        sub(abstract, "w:multiLevelType", {"w:val": "multilevel"})
        bullet = level.format == "bullet"
        for ilvl in range(9):
            lvl = sub(abstract, "w:lvl", {"w:ilvl": ilvl})
            sub(lvl, "w:start", {"w:val": start})
            sub(lvl, "w:numFmt", {"w:val": level.format})
            text = level.template if bullet else level.template.replace("%1", f"%{ilvl + 1}")
            sub(lvl, "w:lvlText", {"w:val": text})
            sub(lvl, "w:lvlJc", {"w:val": "left"})
            lvl.append(ppr(tabs(("num", left / 20)), el("w:ind", {"w:left": left, "w:hanging": hanging})))
            if bullet:
                size = [el("w:sz", {"w:val": half_points(bullet_size)}),
                        el("w:position", {"w:val": half_points(lift)})] if bullet_size else []
                lvl.append(rpr(fonts(self.latin, self.east_asia), color(self.accent), *size))
        # Every w:abstractNum must precede every w:num.
        nums = list(self.root.iterchildren(qn("w:num")))
        if nums:
            nums[0].addprevious(abstract)
        else:
            self.root.append(abstract)
        nid = self.next_num
        self.next_num += 1
        num = sub(self.root, "w:num", {"w:numId": nid})
        sub(num, "w:abstractNumId", {"w:val": aid})
        return nid


def new_numbering_part(package):
    """An empty numbering part (python-docx cannot create one) for reference docs without it."""
    from docx.parts.numbering import NumberingPart

    element = parse_xml(f"<w:numbering {nsdecls('w')}/>")
    return NumberingPart(PackURI("/word/numbering.xml"), CT.WML_NUMBERING, element, package)


# ---------------------------------------------------------------- footnotes


def footnotes_part(document_part):
    """A fresh `word/footnotes.xml` related from the document (replacing a template's)."""
    for rid, rel in list(document_part.rels.items()):
        if rel.reltype == RT.FOOTNOTES:
            del document_part.rels[rid]
    separator = (
        '<w:footnote w:type="{kind}" w:id="{id}"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
        'w:lineRule="auto"/></w:pPr><w:r><w:{tag}/></w:r></w:p></w:footnote>'
    )
    xml = (
        f"<w:footnotes {nsdecls('w', 'r')}>"
        + separator.format(kind="separator", id=-1, tag="separator")
        + separator.format(kind="continuationSeparator", id=0, tag="continuationSeparator")
        + "</w:footnotes>"
    )
    part = XmlPart(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, parse_xml(xml), document_part.package)
    document_part.relate_to(part, RT.FOOTNOTES)
    return part


def settings_for_fields_and_notes(settings_el, has_notes: bool, update_fields: bool = True):
    """Ask Word to refresh fields (TOC, page numbers) on open when `update_fields` (the cached
    results are incomplete); declare the note separators; keep lines ending in a manual line
    break from being justified."""

    def insert(node):
        local = node.tag.split("}")[1]
        for old in settings_el.findall(node.tag):
            settings_el.remove(old)
        later = SETTINGS_AFTER_UPDATE_FIELDS[SETTINGS_AFTER_UPDATE_FIELDS.index(local) + 1:] if local in \
            SETTINGS_AFTER_UPDATE_FIELDS else SETTINGS_AFTER_UPDATE_FIELDS
        for sibling in settings_el:
            if isinstance(sibling.tag, str) and sibling.tag.split("}")[1] in later:
                sibling.addprevious(node)
                return
        settings_el.append(node)

    compat = settings_el.find(qn("w:compat"))
    if compat is None:
        compat = el("w:compat")
        insert(compat)
    if compat.find(qn("w:doNotExpandShiftReturn")) is None:
        # A line ended by a manual line break is not stretched in a justified paragraph
        # (Word and LibreOffice both read this; without it "第 二 行" gets spaced out).
        compat.insert(0, el("w:doNotExpandShiftReturn"))
    if has_notes:
        note_pr = el("w:footnotePr")
        sub(note_pr, "w:footnote", {"w:id": -1})
        sub(note_pr, "w:footnote", {"w:id": 0})
        insert(note_pr)
    for old in settings_el.findall(qn("w:updateFields")):
        settings_el.remove(old)
    if update_fields:
        insert(el("w:updateFields", {"w:val": "true"}))


# ---------------------------------------------------------------- reproducible zip


# Members stored as they are: already compressed, deflating them again costs time and saves nothing.
_STORED = (".png", ".jpg", ".jpeg", ".gif", ".xlsx", ".emf")


def package_parts(package) -> list:
    """Every part the package's relationships reach, once each, in walk order.

    python-docx's own walk (`iter_parts`) tests each part against a list of those seen,
    quadratic in the parts: a report with a hundred native charts has over 300."""
    seen: set[int] = set()
    order = []

    def walk(source):
        for rel in source.rels.values():
            if rel.is_external:
                continue
            part = rel.target_part
            if id(part) not in seen:
                seen.add(id(part))
                order.append(part)
                walk(part)

    walk(package)
    return order


@contextmanager
def partnames_walked_once(package):
    """Within the block, new parts (the sections' headers and footers) are named from one walk
    of the package: python-docx's `next_partname` walks every part for the names taken each
    time it is asked, forty times for a report of twenty chapters, over hundreds of chart
    parts. Only parts named through it may be added within the block."""
    taken: set[str] | None = None

    def next_partname(template: str) -> PackURI:
        nonlocal taken
        if taken is None:
            taken = {str(part.partname) for part in package_parts(package)}
        n = 1
        while template % n in taken:
            n += 1
        taken.add(template % n)
        return PackURI(template % n)

    package.next_partname = next_partname
    try:
        yield
    finally:
        del package.next_partname


def rels_xml(rels) -> bytes:
    """A part's relationships as python-docx's `Relationships.xml` writes them, byte for byte,
    without a tree of elements per relationship (a report has hundreds)."""
    out = ["<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
           '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">']
    for rel in rels.values():
        mode = ' TargetMode="External"' if rel.is_external else ""
        out.append(f'<Relationship Id="{esc_attr(rel.rId)}" Type="{esc_attr(rel.reltype)}" '
                   f'Target="{esc_attr(rel.target_ref)}"{mode}/>')
    out.append("</Relationships>")
    return "".join(out).encode("utf-8")


def package_bytes(package) -> bytes:
    """The package as a zip with fixed entry times, attributes and order, so builds compare equal.

    Written once, member by member, what python-docx's `save` followed by a rewrite of its
    zip used to make."""
    from docx.opc.pkgwriter import _ContentTypesItem

    parts = package_parts(package)
    for part in parts:
        part.before_marshal()
    members = {"[Content_Types].xml": _ContentTypesItem.from_parts(parts).blob,
               "_rels/.rels": rels_xml(package.rels)}
    for part in parts:
        members[part.partname.membername] = part.blob
        if len(part.rels):
            members[part.partname.rels_uri.membername] = rels_xml(part.rels)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in sorted(members, key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name.lower().endswith(_STORED) else zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            dst.writestr(info, members[name])
    return out.getvalue()


# ---------------------------------------------------------------- tables


def twips_widths(widths) -> list[int]:
    """Column widths in points to twips that add up to the rounded total (no gap or overhang
    from rounding each column)."""
    out, done, edge = [], 0.0, 0
    for w in widths:
        done += w
        right = twips(done)
        out.append(right - edge)
        edge = right
    return out


def _dxa(tag: str, value: int):
    return el(tag, {"w:w": value, "w:type": "dxa"})


def table_el(widths: list[int], borders: list, margins: tuple[float, float] = (0, 0), header: bool = False):
    """A fixed-layout `w:tbl` as wide as its columns, centred, with the given border elements."""
    v, h = twips(margins[0]), twips(margins[1])
    look = {"w:val": "04A0" if header else "0000", "w:firstRow": int(header), "w:lastRow": 0,
            "w:firstColumn": 0, "w:lastColumn": 0, "w:noHBand": 0, "w:noVBand": 1}
    tblpr = el("w:tblPr", None, _dxa("w:tblW", sum(widths)), el("w:jc", {"w:val": "center"}),
               el("w:tblBorders", None, *borders), el("w:tblLayout", {"w:type": "fixed"}),
               el("w:tblCellMar", None, _dxa("w:top", v), _dxa("w:left", h), _dxa("w:bottom", v),
                  _dxa("w:right", h)),
               el("w:tblLook", look))
    return el("w:tbl", None, tblpr, el("w:tblGrid", None, *[el("w:gridCol", {"w:w": w}) for w in widths]))


def no_borders() -> list:
    return [el(f"w:{side}", {"w:val": "nil"}) for side in ("top", "left", "bottom", "right", "insideH", "insideV")]


def box_cell(width: int, fill: str | None = None, margins=(0, 0), left_bar: str | None = None,
             bottom_bar: str | None = None):
    """A table cell with a fill, padding (points: vertical and horizontal, or top, horizontal,
    bottom) and optional 3-4.5 pt bars on the left or at the bottom."""
    tcpr = el("w:tcPr", None, _dxa("w:tcW", width))
    if left_bar or bottom_bar:
        bars = el("w:tcBorders")
        if left_bar:
            bars.append(border("left", left_bar, 24, 0))
        if bottom_bar:
            bars.append(border("bottom", bottom_bar, 36, 0))
        tcpr.append(bars)
    if fill:
        tcpr.append(shading(fill))
    top, h, bottom = (margins[0], margins[1], margins[0]) if len(margins) == 2 else margins
    tcpr.append(el("w:tcMar", None, _dxa("w:top", twips(top)), _dxa("w:left", twips(h)),
                   _dxa("w:bottom", twips(bottom)), _dxa("w:right", twips(h))))
    return el("w:tc", None, tcpr)


def box_table(cells: list, width: int):
    """A borderless one-column table, one row per cell (the cover band, callouts).

    Rows may break across pages: a callout can be longer than the space left on one."""
    tbl = table_el([width], no_borders())
    for cell in cells:
        tbl.append(el("w:tr", None, cell))
    return tbl


class TableRows:
    """Table rows built straight in XML, by copying prepared cell templates.

    python-docx's cell access is linear in the table size, so filling a 10,000-row table
    through its API takes minutes; copying templates takes a second or two. Spans are
    written as Word does and as python-docx's `cell.merge` would: `w:gridSpan` across,
    `w:vMerge` restart/continue down, a `None` entry being a covered position.
    """

    def __init__(self, widths: list[int], aligns: list[str], render, style_ids: dict, colors: dict,
                 stats: bool = False, templates: dict | None = None):
        """`render(inlines, bold, extra_rpr)` gives the runs of a cell; `style_ids` maps
        "head"/"body" to paragraph style ids. `templates` keeps the cell templates for the
        next table of the same document (same styles and colours)."""
        self.widths, self.aligns, self.render, self.style_ids = widths, aligns, render, style_ids
        self.colors, self.stats = colors, stats
        self._templates: dict = {} if templates is None else templates
        self._run = el("w:r", None, el("w:t"))
        self._keep = False

    def rows(self, kind: str, rows: list) -> list:
        """`w:tr` elements for the head, body or foot rows of the model."""
        ncols = len(self.widths)
        below: dict[tuple[int, int], int] = {}  # positions a rowspan from above covers -> colspan
        tr_template = el("w:tr", None, el("w:trPr", None, el("w:cantSplit"),
                                           el("w:tblHeader") if kind == "head" else None))
        # Rows kept with the next one (`w:keepNext` on their paragraphs): every row of a
        # merged group but its last, so a merged cell never breaks across pages and its label
        # is never left behind (Word prints a `vMerge` cell's text on the first page only);
        # and the first body row, so that a caption and header stand with two rows at least.
        keep = set()
        for r, row in enumerate(rows):
            for entry in row:
                if entry is not None and entry.rowspan > 1:
                    keep.update(range(r, min(r + entry.rowspan, len(rows)) - 1))
        if kind == "body" and len(rows) > 1:
            keep.add(0)
        out = []
        for r, row in enumerate(rows):
            self._keep = r in keep
            tr = tr_template.__copy__()  # lxml's copy is deep
            fill = None
            if kind == "head":
                fill = self.colors["table_header"]
            elif kind == "body" and r % 2 == 1 and not self.stats:
                fill = self.colors["table_stripe"]
            col = 0
            while col < ncols:
                entry = row[col] if col < len(row) else None
                if entry is not None:
                    span = max(1, min(entry.colspan, ncols - col))
                    vmerge = None
                    if entry.rowspan > 1:
                        vmerge = "restart"
                        for rr in range(r + 1, min(r + entry.rowspan, len(rows))):
                            below[(rr, col)] = span
                    tr.append(self._cell(kind, entry, col, span, vmerge, fill))
                elif (r, col) in below:
                    span = below[(r, col)]
                    tr.append(self._cell(kind, None, col, span, "continue", fill))
                else:  # a hole the spec left: keep the grid rectangular
                    span = 1
                    tr.append(self._cell(kind, None, col, 1, None, fill))
                col += span
            out.append(tr)
        return out

    def _template(self, key):
        width, span, vmerge, fill, top_rule, style, align, keep = key
        tcpr = el("w:tcPr", None, _dxa("w:tcW", width))
        if span > 1:
            tcpr.append(el("w:gridSpan", {"w:val": span}))
        if vmerge:
            tcpr.append(el("w:vMerge", {"w:val": "restart"} if vmerge == "restart" else None))
        if top_rule:
            tcpr.append(el("w:tcBorders", None, border("top", self.colors["primary"], 8, 0)))
        if fill:
            tcpr.append(shading(fill))
        tcpr.append(el("w:vAlign", {"w:val": "center"}))
        p = el("w:p", None, ppr(el("w:pStyle", {"w:val": style}), el("w:keepNext") if keep else None,
                                el("w:jc", {"w:val": align})))
        return el("w:tc", None, tcpr, p)

    def _cell(self, kind, entry, col, span, vmerge, fill):
        align = (entry.align if entry is not None and entry.align else self.aligns[col]) or "left"
        align = align if align in ("left", "right", "center") else "left"
        bold = kind == "foot"
        extra = ()
        if self.stats and kind == "body":
            if col == 0:
                fill = self.colors["callout"]
            else:  # the key figure itself
                bold, extra = True, (color(self.colors["primary"]),)
        style = self.style_ids["head" if kind == "head" else "body"]
        key = (sum(self.widths[col:col + span]), span, vmerge, fill, kind == "foot", style, align, self._keep)
        if key not in self._templates:
            self._templates[key] = self._template(key)
        tc = self._templates[key].__copy__()
        if entry is not None:
            p = tc[-1]
            inlines = entry.inlines
            if len(inlines) == 1 and type(inlines[0]).__name__ == "Str" and not bold and not extra \
                    and not ambiguous(inlines[0].text):
                # The common case, a plain number or word: copy a bare run.
                r = self._run.__copy__()
                r[0].text = inlines[0].text
                if inlines[0].text != inlines[0].text.strip():
                    r[0].set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                p.append(r)
            else:
                for item in self.render(inlines, bold, extra):
                    p.append(item)
        return tc


# ---------------------------------------------------------------- the style sheet


HEADINGS = [("Heading1", "heading 1", "h1", 0), ("Heading2", "heading 2", "h2", 1),
            ("Heading3", "heading 3", "h3", 2), ("Heading4", "heading 4", "h4", 3)]


def define_styles(root, layout, looks: dict, room, font_names: tuple[str, str], lang_val: str, lang_ea: str,
                  reference: bool, unlisted: bool, headings=HEADINGS) -> dict[str, str]:
    """Define every style the writer uses in `styles.xml` (`root`) from the layout and the
    paragraph looks and block spacing (`room`) both writers share (`present.text_looks`,
    `present.block_spacing`): sizes, exact line heights in points (the PDF's leading), space
    before and after, indents.

    `font_names` are the (Latin, East Asian) fonts every style names. `headings` are the
    heading styles: (style id, name, look, outline level), the look being `part` or `h1`-`h4`.

    Without a reference document the template's styles are rewritten; with one, its
    styles are kept and only missing ones are added. Returns our style ids mapped to the
    document's (a Chinese Word document calls Heading 1 "1").
    """
    lay, s, c = layout, layout.sizes, layout.colors
    latin, east_asia = font_names
    ids: dict[str, str] = {}  # our style id -> the id in this document
    E = el

    def f():  # every style names its fonts: no theme fonts, no inheritance surprises
        return fonts(latin, east_asia)

    def size(pt):
        return E("w:sz", {"w:val": half_points(pt)}), E("w:szCs", {"w:val": half_points(pt)})

    def lang():
        return E("w:lang", {"w:val": lang_val, "w:eastAsia": lang_ea, "w:bidi": "ar-SA"})

    def bold():
        return E("w:b"), E("w:bCs")

    def set_as(name, before=None, after=None, right_indent=True):
        """Spacing and indents of the shared look `name` (`before`/`after` override)."""
        look = looks[name]
        out = [spacing(look.before if before is None else before, look.after if after is None else after,
                       exact=look.leading)]
        ind = {}
        if look.left_indent:
            ind["w:left"] = twips(look.left_indent)
        if look.right_indent and right_indent:
            ind["w:right"] = twips(look.right_indent)
        if look.first_indent:
            # firstLineChars keeps the indent at the same number of characters if the size changes.
            ind["w:firstLineChars"] = int(round(look.first_indent / look.size * 100))
            ind["w:firstLine"] = twips(look.first_indent)
        if ind:
            out.append(E("w:ind", ind))
        return out

    index = _StyleIndex(root)

    def style(kind, sid, name, based=None, nxt=None, ppr=(), rpr=()):
        found = index.find(sid, name)
        if found is not None and reference:
            ids[sid] = found.get(qn("w:styleId"))
            return
        if found is None:
            found = new_style(root, kind, sid, name, based and ids.get(based, based),
                              nxt and ids.get(nxt, nxt))
            index.add(found)
        else:
            if based:
                put(found, E("w:basedOn", {"w:val": ids.get(based, based)}), STYLE_ORDER)
            if nxt:
                put(found, E("w:next", {"w:val": ids.get(nxt, nxt)}), STYLE_ORDER)
        ids[sid] = found.get(qn("w:styleId"))
        reset_props(found, ppr, rpr)

    if not reference:
        defaults = root.find(qn("w:docDefaults"))
        if defaults is not None:
            rpr_default = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
            if rpr_default is not None:
                for item in (f(), lang(), *size(s["body"])):
                    put(rpr_default, item, RPR_ORDER)
            ppr_default = defaults.find(qn("w:pPrDefault") + "/" + qn("w:pPr"))
            if ppr_default is not None:
                put(ppr_default, spacing(after=0, line=1.0), PPR_ORDER)

    body = looks["body"]
    style("paragraph", "Normal", "Normal", ppr=[E("w:widowControl"), spacing(0, 0, 1.0)],
          rpr=[f(), color(c["text"]), *size(body.size), lang()])
    style("paragraph", "BodyText", "Body Text", "Normal", "BodyText",
          ppr=[E("w:widowControl"), *set_as("body"), E("w:jc", {"w:val": "both"})],
          rpr=[f(), *size(body.size)])
    for sid, name, look, outline in headings:
        if look == "part":
            part = looks["part"]
            style("paragraph", sid, name, "Normal", "BodyText",
                  [E("w:keepNext"), E("w:pageBreakBefore"),
                   *set_as("part", before=lay.text_height * 0.3, after=part.size * 2),
                   E("w:jc", {"w:val": "center"}), E("w:outlineLvl", {"w:val": outline})],
                  [f(), *bold(), color(c["primary"]), *size(part.size)])
            continue
        n = int(look[1])
        ppr = [E("w:keepNext"), E("w:keepLines"), *set_as(look),
               E("w:ind", {"w:left": 0, "w:firstLine": 0}), E("w:jc", {"w:val": "left"}),
               E("w:outlineLvl", {"w:val": outline})]
        if n == 1:
            # The rule under a chapter title, drawn in the space below it as in the PDF.
            pbdr = E("w:pBdr", None, border("bottom", c["primary"], 8, 1))
            ppr += [E("w:pageBreakBefore"), pbdr]
        style("paragraph", sid, name, "Normal", "BodyText", ppr,
              [f(), *bold(), color(c["primary"] if n <= 2 else c["text"]), *size(looks[look].size)])
    style("paragraph", "Title", "Title", "Normal", "Normal",
          [spacing(0, 10, 1.15), E("w:jc", {"w:val": "left"})],
          [f(), *bold(), color(c["primary"]), *size(s["title"])])
    style("paragraph", "Subtitle", "Subtitle", "Normal", "Normal",
          [spacing(0, 6, 1.3), E("w:jc", {"w:val": "left"})],
          [f(), color(c["muted"]), *size(s["subtitle"])])
    style("paragraph", "CoverMeta", "Cover Meta", "Normal", "CoverMeta",
          [spacing(0, 4, 1.2)], [f(), color(c["muted"]), *size(body.size)])
    if unlisted:  # headings kept out of the contents
        for sid, name, _, _ in headings:
            style("paragraph", f"{sid}Unlisted", f"{name[0].upper()}{name[1:]} Unlisted", sid, "BodyText",
                  [E("w:outlineLvl", {"w:val": 9})])
    style("paragraph", "Caption", "caption", "Normal", "BodyText",
          [*set_as("caption"), E("w:jc", {"w:val": "center"})],
          [f(), *bold(), color(c["text"]), *size(looks["caption"].size)])
    style("paragraph", "SourceNote", "Source Note", "Normal", "BodyText",
          set_as("source"), [f(), color(c["muted"]), *size(looks["source"].size)])
    # A picture's line grows to the picture (at least); its mark is tiny so that nothing
    # but the picture adds height.
    style("paragraph", "Figure", "Figure", "Normal", "Caption",
          [E("w:keepNext"), spacing(0, 0, at_least=1), E("w:jc", {"w:val": "center"})], [f(), *size(1)])
    style("paragraph", "TOCHeading", "TOC Heading", "Normal", "Normal",
          [E("w:keepNext"), *set_as("toc-title")],
          [f(), *bold(), color(c["primary"]), *size(looks["toc-title"].size)])
    for n in range(1, 6):
        name = f"toc{n - 1}" if f"toc{n - 1}" in looks else max(k for k in looks if k.startswith("toc") and k[3:].isdigit())
        look = looks[name]
        # Coloured as the PDF's contents: parts in the primary colour, levels below chapters muted.
        tone = color(c["primary"]) if look.size != body.size else color(c["muted"]) \
            if look.left_indent >= 4 * body.size else None
        style("paragraph", f"TOC{n}", f"toc {n}", "Normal", "Normal",
              # No right indent: LibreOffice drops a right tab past it, and the page number with it.
              [tabs(("right", lay.text_width, "dot")), *set_as(name, right_indent=False)],
              [f(), *(bold() if look.bold else ()), tone, *size(look.size)])
    note = looks["note"]
    style("paragraph", "FootnoteText", "footnote text", "Normal", "FootnoteText",
          [spacing(note.before, note.after, exact=note.leading),
           E("w:ind", {"w:left": twips(note.left_indent), "w:hanging": twips(note.left_indent)}),
           tabs(("left", note.left_indent)), E("w:jc", {"w:val": "both"})],
          [f(), *size(note.size)])
    style("character", "FootnoteReference", "footnote reference", None, None,
          rpr=[E("w:vertAlign", {"w:val": "superscript"})])
    style("character", "Hyperlink", "Hyperlink", None, None,
          rpr=[color(c["accent"]), E("w:u", {"w:val": "single"})])
    quote = looks["quote"]
    style("paragraph", "Quote", "Quote", "Normal", "BodyText",
          # The PDF's bar at the box's left edge: the border's gap (whole points) is the padding.
          [E("w:pBdr", None, border("left", c["rule"], 20, int(round(room.box_pad_x)))),
           spacing(0, quote.after, exact=quote.leading),
           E("w:ind", {"w:left": twips(room.box_pad_x), "w:right": twips(room.box_pad_x)}),
           E("w:jc", {"w:val": "both"})],
          [f(), color(c["muted"]), *size(quote.size)])
    block = looks["block"]
    style("paragraph", "ListParagraph", "List Paragraph", "Normal", "ListParagraph",
          [spacing(0, room.item_after, exact=block.leading), E("w:jc", {"w:val": "both"})],
          [f(), *size(block.size)])
    style("paragraph", "CalloutTitle", "Callout Title", "Normal", "CalloutText",
          [E("w:keepNext"), spacing(0, 3, exact=block.leading)], [f(), *bold(), color(c["primary"]), *size(block.size)])
    style("paragraph", "CalloutText", "Callout Text", "Normal", "CalloutText",
          [*set_as("block"), E("w:jc", {"w:val": "both"})], [f(), *size(block.size)])
    cell = looks["cell"]
    style("paragraph", "TableText", "Table Text", "Normal", "TableText",
          [spacing(0, 0, exact=cell.leading)], [f(), *size(cell.size)])
    style("paragraph", "TableHeading", "Table Heading", "TableText", "TableText",
          [E("w:keepNext"), spacing(0, 0, exact=cell.leading)],
          [f(), *bold(), color(c["table_header_text"]), *size(cell.size)])
    style("paragraph", "Header", "header", "Normal", "Header",
          [E("w:pBdr", None, border("bottom", c["rule"], 4, 4)),
           tabs(("center", lay.text_width / 2), ("right", lay.text_width)), spacing(0, 0, 1.0)],
          [f(), color(c["muted"]), *size(s["small"])])
    style("paragraph", "Footer", "footer", "Normal", "Footer",
          [tabs(("center", lay.text_width / 2), ("right", lay.text_width)), spacing(0, 0, 1.0)],
          [f(), color(c["muted"]), *size(s["small"])])
    if not reference:
        # Linked character styles (Heading 1 Char ...) still name theme fonts.
        strip_theme_fonts(root, latin, east_asia)
    return ids


def prune_styles(word) -> None:
    """Keep only the styles the document uses, what they are based on and the defaults.

    python-docx's template defines about 160 styles (and Word 2010's copy of them in
    `stylesWithEffects.xml`) and a latent-style list; a Word user's style pane should show
    the report's styles, not those. Built-in styles Word needs later (a deeper contents level
    after an update) Word makes itself from its own definitions."""
    root = word.styles.element
    roots = [word.element]
    for rel in word.part.rels.values():
        # Numbering is pruned after the styles, by what they and the body use: the template's
        # list styles and its list definitions name each other and would keep each other.
        if not rel.is_external and hasattr(rel.target_part, "element") and rel.reltype != RT.NUMBERING:
            roots.append(rel.target_part.element)
    used = set()
    tags = [qn(tag) for tag in ("w:pStyle", "w:rStyle", "w:tblStyle", "w:numStyleLink", "w:styleLink")]
    val = qn("w:val")
    for node in roots:
        for ref in node.iter(*tags):  # one walk of the body for all of them
            used.add(ref.get(val))
    by_id = {}
    for style in root.iterchildren(qn("w:style")):
        sid = style.get(qn("w:styleId"))
        by_id[sid] = style
        if style.get(qn("w:default")) in ("1", "true", "on"):
            used.add(sid)
    stack = list(used)
    while stack:
        style = by_id.get(stack.pop())
        based = style.find(qn("w:basedOn")) if style is not None else None
        if based is not None and based.get(qn("w:val")) not in used:
            used.add(based.get(qn("w:val")))
            stack.append(based.get(qn("w:val")))
    for sid, style in by_id.items():
        if sid not in used:
            root.remove(style)
            continue
        for tag in ("w:next", "w:link"):
            ref = style.find(qn(tag))
            if ref is not None and ref.get(qn("w:val")) not in used:
                style.remove(ref)
    for latent in root.findall(qn("w:latentStyles")):
        root.remove(latent)
    for rid, rel in list(word.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del word.part.rels[rid]


def prune_numbering(word) -> None:
    """Drop the numbering definitions nothing uses (the template's list styles and their
    Symbol bullets), so that neither those styles nor their font stay behind."""
    try:
        root = word.part.numbering_part.element
    except NotImplementedError:
        return
    used = {n.get(qn("w:val")) for n in word.element.iter(qn("w:numId"))}
    styles = word.styles.element
    for ref in styles.iter(qn("w:numId")):
        used.add(ref.get(qn("w:val")))
    kept_abstract = set()
    for num in list(root.iterchildren(qn("w:num"))):
        if num.get(qn("w:numId")) in used:
            kept_abstract.add(num.find(qn("w:abstractNumId")).get(qn("w:val")))
        else:
            root.remove(num)
    for abstract in list(root.iterchildren(qn("w:abstractNum"))):
        if abstract.get(qn("w:abstractNumId")) not in kept_abstract:
            root.remove(abstract)
