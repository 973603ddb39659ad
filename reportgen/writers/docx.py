"""Word writer: the resolved document model to a .docx a Word user can keep editing.

Everything a Word user relies on is real Word structure, not lookalike formatting:
built-in Heading 1-4 styles (navigation pane, cross-references), a TOC field, SEQ fields
in captions, footnotes in `word/footnotes.xml`, PAGE/NUMPAGES/STYLEREF fields in the
header and footer, numbering definitions for lists and repeating table header rows.

The pages follow the PDF's: paragraphs take the shared looks of `present` (exact line
heights in points, the same spacing and indents), the text is set in the PDF's own faces,
embedded (`docx_fonts.py`), and the contents field's cached result carries each heading's
page in the PDF with a dot leader, so it is complete before Word updates anything.

Styling comes from the layout (fonts, sizes, colours, spacing). With a reference .docx
(`layout.docx_reference`, like Pandoc's --reference-doc) its styles are kept as they are
and only the styles it lacks are added from the layout; direct formatting that carries the
design (table fills, the cover band) still uses the layout's colours.

The output is reproducible: fixed core-property dates (`SOURCE_DATE_EPOCH` or 2000-01-01)
and a zip rewritten with fixed entry times and order.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

import docx
from docx.image.exceptions import InvalidImageStreamError, UnexpectedEndOfFileError, UnrecognizedImageError
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.section import Section as DocxSection
from docx.shared import Emu, Pt
from docx.enum.section import WD_SECTION

from ..errors import Diagnostic, ReportgenError
from ..layout import Layout
from ..model import (
    Callout, Caption, Chart, Code, Document, Emph, Figure, LineBreak, Link, ListBlock, NoteRef,
    PageBreak, Paragraph, Quote, Section, Str, Strong, Table, plain,
)
from ..present import RUN_ON, Presentation, Visitor, present
from . import docx_xml as x
from .docx_fonts import document_text, embedded_faces, write_font_table
from .docx_kept import KeptBlocks, kept_path

SPACER_PT = 4  # size of the empty paragraph that keeps adjacent tables apart
# Bullet glyphs (chosen in `present`) are drawn smaller than the text, as in the PDF.
BULLET_SIZE = {"●": 0.6, "○": 0.7, "■": 0.55}


@dataclass(frozen=True)
class _Ctx:
    """Where blocks are being rendered: available width (pt), paragraph style, list nesting."""

    width: float
    para_style: str = "BodyText"
    depth: int = 0
    indent: float = 0.0  # points: where the text of the enclosing list item starts


def write_docx(doc: Document, layout: Layout, out: Path, chart_images=None, faces=None,
               heading_pages=None, cache: Path | None = None, blocks: Path | None = None,
               tree_json: str | None = None, known_json: dict | None = None) -> None:
    """Render `doc` to `out` (write there directly).

    `chart_images` are the drawn charts, one PNG per `Chart` of `doc.walk_blocks()`, in order.
    `faces` (`fonts.Faces`), when given, are the PDF's faces: the Word file is set in them and
    carries them embedded. `heading_pages` (bookmark key -> page, from the PDF of the same
    edition) fill the contents' page numbers; it may be a function giving them (or None),
    called once, after the body is made: the Word file is then made while the PDF is laid out. `cache`, when given, is a folder where parts
    made from the document (native charts) are kept for later builds. `blocks`, when given, is a
    folder where the edition's blocks are kept for the next build (`docx_kept.KeptBlocks`),
    written once the file is. `tree_json`, when given, is the document's `incremental.tree_json`
    (the characters the embedded faces need are read from it); `known_json`
    (`kept.ByObject`), the JSON of some of its nodes, which kept blocks' keys are
    made from."""
    pres = present(doc, layout, chart_images)
    kept = KeptBlocks(kept_path(blocks, doc) if blocks is not None else None, known_json)
    try:
        _Writer(doc, layout, pres, faces, heading_pages, cache, kept, tree_json).write(Path(out))
    except OSError as exc:
        # python-docx reads images and the reference document itself; a file gone or
        # unreadable meanwhile is the user's to fix, not a crash.
        raise ReportgenError(Diagnostic(None, f"the Word file could not be written: {exc}", "error", "docx")) from None


def _lang_tags(pres: Presentation) -> tuple[str, str, str]:
    """(w:val, w:eastAsia, document language) of an edition.

    `w:val` is the language of Latin-script text. A CJK edition keeps it English, as
    Word itself does: marked Chinese, English words in it are spell-checked as Chinese
    and LibreOffice breaks them between any two letters.
    """
    loc = pres.locale
    if loc.cjk:
        return "en-US", pres.lang_tag, pres.lang_tag
    latin = "en-US" if loc.name == "en" else pres.lang_tag
    return latin, "zh-CN", latin


def _fixed_time() -> dt.datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).replace(tzinfo=None)
    return dt.datetime(2000, 1, 1)


class _Writer(Visitor):
    """Visits the document (`visit_<Node>`); visits return WordprocessingML elements."""

    format_name = "DOCX"

    def __init__(self, doc: Document, layout: Layout, pres: Presentation, faces=None,
                 heading_pages=None, cache: Path | None = None, kept: KeptBlocks | None = None,
                 tree_json: str | None = None):
        super().__init__()
        self.doc, self.layout, self.pres, self.cache = doc, layout, pres, cache
        self.kept = kept if kept is not None else KeptBlocks(None)
        self._pages_given = heading_pages
        self.embedded = None
        if faces is not None and not layout.docx_reference:
            # Every character the file prints: the document, and the header and footer text.
            slots = [part.text for parts in (*pres.header().values(), *pres.footer().values()) for part in parts]
            self.embedded = embedded_faces(faces, document_text(doc, tree_json) + "".join(slots))
        # Set in the embedded faces when there are some, else in the layout's Word fonts.
        self.fonts = (self.embedded.family,) * 2 if self.embedded else (layout.word_latin, layout.word_east_asia)
        self.reference = bool(layout.docx_reference)
        self.word = docx.Document(layout.docx_reference) if self.reference else docx.Document()
        self.part = self.word.part
        self._template_rids = set(self.part.rels)  # relationships the template came with
        self._cell_templates: dict = {}  # table cells by look, shared by the document's tables
        self._table_frames: dict = {}  # table properties and grids by look and widths
        self.cjk = pres.locale.cjk
        self.lang, self.lang_ea, self.doc_lang = _lang_tags(pres)
        self.body_pt = layout.sizes["body"]
        self.sid: dict[str, str] = {}  # our style id -> the id in this document
        self.notes = None  # footnotes part, made on the first note
        self.note_id = 0
        self.shape_id = 0
        self.mark_id = 0
        self.headings = self._heading_styles()

    # ------------------------------------------------------------ the whole document

    def write(self, out: Path) -> None:
        body = self.word.element.body
        body.clear_content()
        self._styles()
        self.kept.set_look(self._look())
        numbering_part = self._numbering_part()
        self.numbering = x.Numbering(numbering_part.element, *self.fonts, self.layout.colors["primary"])
        ctx = _Ctx(width=self.layout.text_width)

        front = self._cover()
        if self.doc.front:
            front += self._break_before(self._blocks(self.doc.front, ctx))
        regions = self._regions(ctx)
        # Only now the PDF's pages: everything above is made without them.
        given = self._pages_given
        self.heading_pages = given() if callable(given) else given
        front += self._toc()
        # Chapters the PDF ran on below the text before them (`chapter_break: auto` or `none`)
        # continue on the same page here too, so both formats break pages alike.
        run_on = {k[len(RUN_ON):] for k in (self.heading_pages or {}) if k.startswith(RUN_ON)}
        run_on_regions = {i for i, key in enumerate(self.region_keys) if key in run_on}
        regions[-1][2].extend(self._closing(ctx))  # the closing page ends the last region

        # Word sections: cover + front matter + contents first (blank first page for the
        # cover), then one per chapter. Each chapter's header holds a STYLEREF field whose
        # cached result is that chapter's title, so the running head is right in Word
        # (which recomputes it) and in readers that show cached results (LibreOffice 7).
        sentinel = body.get_or_add_sectPr()
        for ref in sentinel.xpath("w:headerReference|w:footerReference|w:titlePg"):
            sentinel.remove(ref)
        sentinel.start_type = WD_SECTION.NEW_PAGE
        self._geometry(DocxSection(sentinel, self.part))
        nodes = list(front)
        front_sectPr = self._section_break(nodes, sentinel, reuse_last=False)
        front_section = DocxSection(front_sectPr, self.part)
        # The sections' header and footer parts, named from one walk of the package.
        with x.partnames_walked_once(self.part.package):
            front_section.different_first_page_header_footer = True
            self._headers(front_section, section_title=None, footer=True, cover=True)
            for i, (kind, title, elements) in enumerate(regions):
                nodes += elements
                last = i == len(regions) - 1
                sectPr = sentinel if last else self._section_break(nodes, sentinel)
                if i in run_on_regions:
                    DocxSection(sectPr, self.part).start_type = WD_SECTION.CONTINUOUS
                    # The heading style starts a page; this chapter's heading does not, and is set
                    # apart from the text before it as in the PDF.
                    heading = next((e for e in elements if e.tag == qn("w:p") and e.xpath("w:pPr/w:pStyle")), None)
                    if heading is not None:
                        ppr = heading.get_or_add_pPr()
                        x.put(ppr, x.el("w:pageBreakBefore", {"w:val": "0"}), x.PPR_ORDER)
                        look = self.pres.looks["h1-run-on"]
                        x.put(ppr, x.spacing(look.before, look.after), x.PPR_ORDER)
                # Footers are inherited from the first body section; headers differ.
                self._headers(DocxSection(sectPr, self.part), section_title=title if kind == "chapter" else None,
                              footer=i == 0)
        for node in self._separate_tables(nodes):
            sentinel.addprevious(node)

        self._drop_orphans()
        # Word asks on every open whether to update fields when `updateFields` is on; with the
        # contents' page numbers known from the PDF there is nothing to update (Word still
        # recomputes them on F9 / "Update table").
        x.settings_for_fields_and_notes(self.word.settings.element, self.notes is not None,
                                        update_fields=self.heading_pages is None)
        self._settings_language()
        self._core_properties()
        if not self.reference:  # a reference document's styles, lists and fonts are the user's
            x.prune_styles(self.word)
            x.prune_numbering(self.word)
            write_font_table(self.word, self.fonts, self.layout, self.cjk, self.embedded)
        Path(out).write_bytes(x.package_bytes(self.part.package))
        self.kept.save()

    def _look(self) -> str:
        """What the elements of every block follow from besides the block and its context
        (see `_blocks`): the layout (sizes, colours, spacing), this document's style ids, the
        fonts, the languages, the reference document and the edition's words."""
        from ..incremental import file_digest

        reference = file_digest(Path(self.layout.docx_reference)) if self.reference else None
        pres = self.pres
        return repr((self.layout, sorted(self.sid.items()), self.fonts, self.embedded is not None, self.cjk,
                     self.lang, self.lang_ea, reference, pres.has_parts, pres.lang_tag, pres.family,
                     sorted(pres.terms.items())))

    def _drop_orphans(self) -> None:
        """Forget a reference document's headers, footers, images and links its cleared body
        used, and the template's thumbnail (a picture of an empty page)."""
        package_rels = self.part.package.rels
        for rid, rel in list(package_rels.items()):
            if rel.reltype == RT.THUMBNAIL:
                del package_rels[rid]
        # Only relationships the template brought can be orphans (those made here are used):
        # without any, the whole body need not be searched for the ids it uses.
        kinds = (RT.HEADER, RT.FOOTER, RT.IMAGE, RT.HYPERLINK)
        candidates = [rid for rid in self._template_rids if rid in self.part.rels and self.part.rels[rid].reltype in kinds]
        if not candidates:
            return
        used = set(self.word.element.xpath("//@r:id | //@r:embed | //@r:link"))
        for rid in candidates:
            if rid not in used:
                del self.part.rels[rid]

    def _regions(self, ctx: _Ctx) -> list:
        """(kind, heading text, elements) per running-head region: each chapter, each part page."""
        regions = []
        self.region_keys: list[str | None] = []  # per region: its chapter's contents key

        def chapter(section):
            running = (section.heading_text, self._heading_style(section)[1].replace("heading", "Heading"))
            self.region_keys.append(self.pres.entry(section).key)
            return ("chapter", running, self.visit(section, ctx))

        for section in self.doc.sections:
            if section.kind == "part":
                self.region_keys.append(None)
                regions.append(("part", None, self.visit(section, ctx, children=False)))
                for child in section.children:
                    regions.append(chapter(child))
            else:
                regions.append(chapter(section))
        if not regions:
            self.region_keys.append(None)
            regions.append(("chapter", "", []))
        for _, _, elements in regions:
            if not elements or elements[-1].tag != qn("w:p"):
                elements.append(x.paragraph(None))
        return regions

    def _section_break(self, nodes: list, sentinel, reuse_last: bool = True):
        """End a Word section after `nodes` with a new sectPr (geometry of `sentinel`).

        It goes into the last paragraph, or into an extra tiny one when that paragraph
        closes a TOC field (LibreOffice then loses the fields of the section's footer)."""
        sectPr = sentinel.clone()
        for ref in sectPr.xpath("w:headerReference|w:footerReference|w:titlePg"):
            sectPr.remove(ref)
        last = nodes[-1] if nodes else None
        if reuse_last and last is not None and last.tag == qn("w:p") and not last.xpath("w:pPr/w:sectPr"):
            x.put(last.get_or_add_pPr(), sectPr, x.PPR_ORDER)
        else:
            mark = x.rpr(x.el("w:sz", {"w:val": 2}))
            nodes.append(x.paragraph(None, [], x.spacing(0, 0, 1.0), mark, sectPr))
        return sectPr

    def _numbering_part(self):
        try:
            return self.part.numbering_part
        except NotImplementedError:  # a reference document without numbering.xml
            part = x.new_numbering_part(self.part.package)
            self.part.relate_to(part, RT.NUMBERING)
            return part

    def _geometry(self, section: DocxSection) -> None:
        lay = self.layout
        section.page_width, section.page_height = Pt(lay.page_width), Pt(lay.page_height)
        section.top_margin, section.bottom_margin = Pt(lay.margin_top), Pt(lay.margin_bottom)
        section.left_margin, section.right_margin = Pt(lay.margin_left), Pt(lay.margin_right)
        section.header_distance = Pt(lay.margin_top * 0.45)
        section.footer_distance = Pt(lay.margin_bottom * 0.45)
        section.gutter = 0

    def _settings_language(self) -> None:
        settings = self.word.settings.element
        theme_lang = settings.find(qn("w:themeFontLang"))
        if theme_lang is not None:
            # Theme fonts resolve per this language; the template says Japanese.
            theme_lang.set(qn("w:eastAsia"), self.lang_ea)
        mode = settings.find(f"{qn('w:compat')}/{qn('w:compatSetting')}[@{qn('w:name')}='compatibilityMode']")
        if mode is not None and not self.reference:
            mode.set(qn("w:val"), "15")  # Word 2013+ layout, no "[Compatibility Mode]"
        spacing = settings.find(qn("w:characterSpacingControl"))
        if spacing is not None and self.cjk:
            spacing.set(qn("w:val"), "compressPunctuation")

    def _core_properties(self) -> None:
        meta, props = self.doc.meta, self.word.core_properties
        when = _fixed_time()
        # The same as the PDF's information: title, subject, author (empty when the spec
        # names none), language; no keywords in either.
        props.title = meta.title
        props.subject = meta.subtitle
        props.author = meta.author or ""
        props.last_modified_by = meta.author or ""
        props.comments = ""
        props.keywords = ""
        props.identifier = meta.id
        props.language = self.pres.lang_tag
        props.created = props.modified = when
        props.revision = 1

    # ------------------------------------------------------------ styles

    def _styles(self) -> None:
        unlisted = any(not section.toc for section in self.doc.walk_sections())
        self.sid = x.define_styles(self.word.styles.element, self.layout, self.pres.looks, self.pres.spacing,
                                   self.fonts, self.lang, self.lang_ea, self.reference, unlisted, self.headings)

    def _heading_styles(self) -> list:
        """(style id, name, look, outline level) of every heading style.

        Word nests headings by their style's outline level. With parts, parts take the first
        level and the chapters under them the second (as Pandoc does for parts), so the
        navigation pane and the contents nest chapters under parts as the PDF outline does;
        a chapter outside the parts keeps the first level in a style of its own."""
        if not self.pres.has_parts:
            return list(x.HEADINGS)
        styles = [("Heading1", "heading 1", "part", 0)]
        styles += [(f"Heading{n + 1}", f"heading {n + 1}", f"h{n}", n) for n in range(1, 5)]
        styles += [(f"TopHeading{n}", f"Chapter Heading {n}", f"h{n}", n - 1) for n in range(1, 5)]
        return styles

    def _heading_style(self, section: Section) -> tuple[str, str]:
        """(style id, style name) of a section's heading."""
        entry = self.pres.entry(section)
        if section.kind == "part":
            return "Heading1", "heading 1"
        if self.pres.has_parts and entry.depth == entry.level - 1:  # outside any part
            return f"TopHeading{entry.level}", f"Chapter Heading {entry.level}"
        n = entry.depth + 1
        return f"Heading{n}", f"heading {n}"

    def _style(self, sid: str) -> str:
        return self.sid.get(sid, sid)

    # ------------------------------------------------------------ header and footer

    def _headers(self, section: DocxSection, section_title: str | None, footer: bool,
                 cover: bool = False) -> None:
        """Header (and footer if `footer`) of one Word section; `section_title` fills {section}."""
        parts = [(self.pres.header(), section.header, "Header")]
        if footer:
            parts.append((self.pres.footer(), section.footer, "Footer"))
        for slots, part, style in parts:
            if slots:
                self._fill(part, [self._slots(slots, style, section_title)])
        if cover:
            # The cover (first page of the first section) has an empty header and footer.
            for part in (section.first_page_header, section.first_page_footer):
                self._fill(part, [x.paragraph(self._style("Normal"))])

    @staticmethod
    def _fill(part, paragraphs) -> None:
        """Give a header/footer its own definition holding exactly `paragraphs`."""
        part.is_linked_to_previous = False
        root = part._element  # the w:hdr/w:ftr; python-docx has no public way to clear it
        for node in list(root):
            root.remove(node)
        for p in paragraphs:
            root.append(p)

    def _slots(self, slots: dict, style: str, section_title: str | None):
        """One paragraph: left slot, tab, centre slot, tab, right slot."""
        keys = ("left", "center", "right")
        last = max(i for i, key in enumerate(keys) if key in slots)
        runs = []
        for i, key in enumerate(keys[: last + 1]):
            if i:
                runs.append(x.run(None, None, x.el("w:tab")))
            for part in slots.get(key, ()):
                runs += self._part(part, section_title)
        width = self.layout.text_width
        # Explicit stops too: a reference document's header style may put them elsewhere.
        return x.paragraph(self._style(style), runs, x.tabs(("center", width / 2), ("right", width)))

    def _part(self, part, running) -> list:
        if part.kind == "text":
            return [self._run(part.text)]
        if part.kind == "page":
            return x.field("PAGE", [x.run("1")])
        if part.kind == "pages":
            return x.field("NUMPAGES", [x.run("1")])
        if running is None:  # part pages and the front matter have no running chapter
            return []
        title, style_name = running
        # `\l`: the last chapter heading on the page, as the PDF's header names it (a page
        # where a chapter runs on below another's end names the new one). The cached result
        # is the section's own chapter.
        return x.field(f'STYLEREF "{style_name}" \\l', [self._run(title)])

    # ------------------------------------------------------------ inline runs
    #
    # Runs are written as WordprocessingML text and parsed once per paragraph (see
    # docx_xml's "as text" helpers): a report has tens of thousands of them.

    def _rpr(self, fmt: frozenset, text: str = "", extra=()) -> str:
        """The `w:rPr` of a run with formats `fmt` ("b", "i", "code", "link") and `extra`
        properties ((kind, text) pairs, see `_extra`), as text ('' when there are none)."""
        items = {}
        if "link" in fmt:
            items["rStyle"] = f'<w:rStyle w:val="{x.esc_attr(self._style("Hyperlink"))}"/>'
        if "code" in fmt:
            code = self.fonts[0] if self.embedded else "Consolas"  # the PDF sets code in its own face
            items["rFonts"] = x.fonts_xml(code, self.fonts[1], self.cjk and self._ambiguous(text))
            items["shd"] = '<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/>'
        elif self.cjk and self._ambiguous(text):
            items["rFonts"] = '<w:rFonts w:hint="eastAsia"/>'
        if "b" in fmt:
            items["b"], items["bCs"] = "<w:b/>", "<w:bCs/>"
        if "i" in fmt:
            items["i"], items["iCs"] = "<w:i/>", "<w:iCs/>"
        for kind, text_ in extra:
            items[kind] = text_
        return x.rpr_xml(items)

    @staticmethod
    def _extra(extra) -> tuple:
        """Run properties given as elements (a colour) as (kind, text) pairs for `_rpr`."""
        out = []
        for item in extra:
            text = x.empty_xml(item)
            if text is None:
                raise TypeError(f"a run property must be an empty element, not {item.tag}")
            out.append((item.tag.split("}")[1], text))
        return tuple(out)

    @staticmethod
    def _ambiguous(text: str) -> bool:
        return x.ambiguous(text)

    def _run(self, text: str, fmt=frozenset(), extra=()):
        return x.fragment(self._run_xml(text, fmt, self._extra(extra)))

    def _run_xml(self, text: str, fmt=frozenset(), extra=()) -> str:
        return x.run_xml(text, self._rpr(fmt, text, extra))

    def _inlines(self, inlines, part=None, fmt=frozenset(), extra=()) -> list:
        """Runs (and hyperlinks) for inline nodes, as elements; `part` owns hyperlink relationships."""
        text = self._runs_xml(inlines, part or self.part, fmt, self._extra(extra))
        return list(x.fragment(f"<w:p>{text}</w:p>")) if text else []

    def _runs_xml(self, inlines, part, fmt=frozenset(), extra=()) -> str:
        """Runs (and hyperlinks) for inline nodes, as text; `extra` as `_rpr` takes it."""
        out = []
        for node in inlines:
            kind = type(node)
            if kind is Str:
                if node.text:
                    out.append(self._run_xml(node.text, fmt, extra))
            elif kind is Strong:
                out.append(self._runs_xml(node.children, part, fmt | {"b"}, extra))
            elif kind is Emph:
                out.append(self._runs_xml(node.children, part, fmt | {"i"}, extra))
            elif kind is Code:
                out.append(self._run_xml(node.text, fmt | {"code"}, extra))
            elif kind is LineBreak:
                out.append(x.run_xml(None, self._rpr(fmt, "", extra), "<w:br/>"))
            elif kind is NoteRef:
                if part is self.part:  # a note inside a note has nowhere to go
                    out.append(self._footnote(node))
            elif kind is Link:
                runs = self._runs_xml(node.children, part, fmt | {"link"}, extra)
                if node.url.strip().startswith("#"):
                    name = self.pres.link_target(node.url)
                    if name is None:  # no such heading: keep the text, drop the link
                        out.append(runs)
                        continue
                    target = f'w:anchor="{x.esc_attr(name)}"'
                else:
                    target = f'r:id="{x.esc_attr(part.relate_to(node.url, RT.HYPERLINK, is_external=True))}"'
                out.append(f'<w:hyperlink {target} w:history="1">{runs}</w:hyperlink>')
            else:
                self.cannot_render(node)
        return "".join(out)

    def _footnote(self, node: NoteRef) -> str:
        """Add the note to the footnotes part; the run that refers to it, as text."""
        if self.notes is None:
            self.notes = x.footnotes_part(self.part)
        self.note_id += 1
        ref_style = f'<w:rPr><w:rStyle w:val="{x.esc_attr(self._style("FootnoteReference"))}"/></w:rPr>'
        note = x.sub(self.notes.element, "w:footnote", {"w:id": self.note_id})
        content = (f"<w:r>{ref_style}<w:footnoteRef/></w:r>" + x.run_xml(" ")
                   + self._runs_xml(node.children, self.notes))
        note.append(x.paragraph_xml(self._style("FootnoteText"), content))
        return f'<w:r>{ref_style}<w:footnoteReference w:id="{self.note_id}"/></w:r>'

    def _para(self, style: str, inlines, *props, part=None, extra=()):
        return x.paragraph_xml(self._style(style), self._runs_xml(inlines, part or self.part, frozenset(),
                                                                   self._extra(extra)), props)

    # ------------------------------------------------------------ cover and contents

    def _cover(self) -> list:
        meta, lay, c = self.doc.meta, self.layout, self.layout.colors
        out = []
        logo = self.pres.logo
        used = 0.0
        if logo:
            out.append(x.paragraph(None, [self._picture(logo.path, logo.width, logo.height, "logo")],
                                   x.spacing(0, 0, 1.0)))
            used = logo.height
        top = max(lay.text_height * 0.24 - used, 24)
        white = [x.color(c["table_header_text"])]
        title = [self._para("Title", [Str(meta.title)], extra=white if lay.cover_band else ())]
        if meta.subtitle:
            title.append(self._para("Subtitle", [Str(meta.subtitle)],
                                    extra=white if lay.cover_band else ()))
        if lay.cover_band:
            out.append(x.paragraph(None, [], x.spacing(top, 0, 1.0)))
            cell = x.box_cell(x.twips(lay.text_width), fill=c["primary"], margins=(22, 20), bottom_bar=c["accent"])
            for p in title:
                cell.append(p)
            out.append(x.box_table([cell], x.twips(lay.text_width)))
        else:
            first = title[0]
            x.put(first.get_or_add_pPr(), x.spacing(top, 10, 1.15), x.PPR_ORDER)
            x.put(first.get_or_add_pPr(), x.el("w:pBdr", None, x.border("bottom", c["accent"], 12, 8)),
                  x.PPR_ORDER)
            out += title
        lines, signature = self.pres.cover_lines()
        for i, line in enumerate([*lines, signature] if signature else lines):
            out.append(self._para("CoverMeta", [Str(line)], x.spacing(24 if i == 0 else 0, 4, 1.2)))
        if meta.draft:
            out += self._draft_notice()
        return out

    def _draft_notice(self) -> list:
        """A draft edition's mark and notice on the cover (the running head carries the mark too)."""
        mark, notice = self.pres.draft_words()
        accent = [x.color(self.layout.colors["accent"])]
        return [self._para("CoverMeta", [Strong((Str(mark),))], x.spacing(18, 2, 1.2), extra=accent),
                self._para("CoverMeta", [Str(notice)], extra=accent)]

    def _closing(self, ctx) -> list:
        """The closing page: disclaimer, copyright and contact, each under its title."""
        nodes = []
        for part in self.doc.closing:
            nodes.append(self._para("CoverMeta", [Strong((Str(part.title),))], x.el("w:keepNext"),
                                    extra=[x.color(self.layout.colors["primary"])]))
            nodes += self._blocks(part.blocks, ctx)
        return self._break_before(nodes) if nodes else []

    def _toc(self) -> list:
        """The contents: a TOC field whose cached result is the finished list.

        Each entry links to its heading's bookmark and, when the PDF's pages are known, ends
        with a dot leader and a PAGEREF field whose cached result is the heading's page in
        the PDF; readers that show cached results (LibreOffice, previewers, Word's protected
        view, converters) print a complete page, and Word recomputes it on update."""
        title = self._para("TOCHeading", [Str(self.pres.contents_title())], x.el("w:pageBreakBefore"))
        paras = []
        pages = self.heading_pages
        for entry in self.pres.entries:
            if not entry.listed:
                continue
            level = min(entry.depth + 1, 9)
            runs = x.run_xml(entry.text)
            page = pages.get(entry.key) if pages else None
            if page is not None:
                runs += x.run_xml(None, "", "<w:tab/>")
                runs += x.field_xml(f"PAGEREF {entry.key} \\h", x.run_xml(str(page)))
            # Without pages the entry is the linked text alone: a leader running to nothing
            # would look broken until Word updates the field (which it is then asked to do).
            link = f'<w:hyperlink w:anchor="{x.esc_attr(entry.key)}" w:history="1">{runs}</w:hyperlink>'
            paras.append(x.paragraph_xml(self._style(f"TOC{min(level, 5)}"), link))
        if not paras:
            paras.append(x.paragraph(self._style("TOC1")))
        depth = self.layout.toc_depth + (1 if self.pres.has_parts else 0)
        instr = f'TOC \\o "1-{depth}" \\h \\z \\u'
        first, last = paras[0], paras[-1]
        for i, item in enumerate(x.field_begin(instr)):
            first.insert(1 + i if first.pPr is not None else i, item)
        last.append(x.field_end())
        return [title, *paras]

    # ------------------------------------------------------------ sections and blocks

    def visit_Section(self, section: Section, ctx: _Ctx, children: bool = True) -> list:
        part = section.kind == "part"
        style = self._heading_style(section)[0]
        if not section.toc:
            # Word's TOC field collects built-in headings and outline levels; a heading
            # kept out of the contents needs a style with neither.
            style += "Unlisted"
        props = []
        if section.page_break and not part and section.level > 1:
            props.append(x.el("w:pageBreakBefore"))
        self.mark_id += 1
        start = f'<w:bookmarkStart w:id="{self.mark_id}" w:name="{x.esc_attr(self.pres.key(section))}"/>'
        runs = x.run_xml(section.number) if section.number else ""
        runs += self._runs_xml(section.title, self.part)
        end = f'<w:bookmarkEnd w:id="{self.mark_id}"/>'
        out = [x.paragraph_xml(self._style(style), start + runs + end, props)]
        out += self._blocks(section.blocks, ctx)
        for child in section.children if children else ():
            out += self.visit(child, ctx)
        return out

    def _blocks(self, blocks, ctx: _Ctx) -> list:
        """The elements of `blocks`, each made, or parsed back from the kept blocks when it
        touches nothing outside its elements (see docx_kept)."""
        out = []
        kept, where = self.kept, repr(ctx)
        for block in blocks:
            key = kept.key(block, where, self.pres)
            made = kept.take(key) if key is not None else None
            if made is None:
                made = self.visit(block, ctx)
                if key is not None:  # as made: whoever holds the block may change them next
                    kept.keep(key, made)
            out += made
        return out

    def visit_Paragraph(self, block: Paragraph, ctx: _Ctx) -> list:
        return [self._para(ctx.para_style, block.inlines)]

    def visit_Quote(self, block: Quote, ctx: _Ctx) -> list:
        out = self._blocks(block.blocks, replace(ctx, para_style="Quote"))
        # The PDF sets a quote in a box: its padding and the room around it go on the first
        # and last paragraphs.
        room, quote = self.pres.spacing, self.pres.looks["quote"]
        paras = [node for node in out if node.tag == qn("w:p")]
        if paras:
            first, last = paras[0], paras[-1]
            after = quote.after + room.box_pad_bottom + room.box_after
            if first is last:
                x.put(first.get_or_add_pPr(), x.spacing(room.box_before + room.box_pad_top, after), x.PPR_ORDER)
            else:
                x.put(first.get_or_add_pPr(), x.spacing(room.box_before + room.box_pad_top), x.PPR_ORDER)
                x.put(last.get_or_add_pPr(), x.spacing(after=after), x.PPR_ORDER)
        return out

    def visit_Callout(self, block: Callout, ctx: _Ctx) -> list:
        return self._callout(block, ctx)

    def visit_Table(self, block: Table, ctx: _Ctx) -> list:
        return self._table(block, ctx)

    def visit_Figure(self, block: Figure, ctx: _Ctx) -> list:
        return self._figure(block)

    def visit_Chart(self, block: Chart, ctx: _Ctx) -> list:
        # A native Word chart (a chart part and its workbook) where Word can draw the type,
        # else the drawn picture; either is placed as a figure is: caption, source and note.
        from ..chartdraw import alt_text
        from ..chartdraw import native_in_word
        from .docx_chart import add_chart

        if not native_in_word(block):
            return self._figure(block)
        box = self.pres.image_box(block)
        self.shape_id += 1
        inline = add_chart(self.part, block, self.layout, self.pres.lang_tag, box.width, box.height,
                           self.shape_id, alt_text(block), self.cache)
        return self._figure(block, f"<w:r><w:drawing>{inline}</w:drawing></w:r>")

    def visit_PageBreak(self, block: PageBreak, ctx: _Ctx) -> list:
        return [x.paragraph(None, [x.page_break_run()])]

    def visit_ListBlock(self, block: ListBlock, ctx: _Ctx) -> list:
        box = self.pres.list_box(block)
        left = ctx.indent if ctx.depth else 0.0  # points: where this list's block starts
        label_at, text_at = left + box.label_at, left + box.text_at
        hang = x.twips(text_at - label_at)
        size = self.body_pt * BULLET_SIZE.get(box.level.template, 1.0) if not block.ordered else None
        lift = (self.body_pt - size) * 0.38 if size else 0.0
        num = self.numbering.add(box.level, block.start, x.twips(text_at), hang, size, lift)
        inner = _Ctx(width=ctx.width - box.text_at, para_style="ListParagraph", depth=ctx.depth + 1,
                     indent=text_at)
        out = []
        for item in block.items:
            numbered = False
            for sub_block in list(item) or [Paragraph([])]:
                if isinstance(sub_block, Paragraph):
                    if not numbered:
                        numpr = x.el("w:numPr", None, x.el("w:ilvl", {"w:val": min(ctx.depth, 8)}),
                                     x.el("w:numId", {"w:val": num}))
                        out.append(self._para("ListParagraph", sub_block.inlines, numpr))
                        numbered = True
                    else:
                        ind = x.el("w:ind", {"w:left": x.twips(text_at), "w:firstLine": 0})
                        out.append(self._para("ListParagraph", sub_block.inlines, ind))
                else:
                    out += self.visit(sub_block, inner)
        if ctx.depth == 0 and out and out[-1].tag == qn("w:p"):
            # Items stand 2 pt apart; the list as a whole ends with a paragraph's space.
            x.put(out[-1].get_or_add_pPr(), x.spacing(after=self.layout.space_after), x.PPR_ORDER)
        return out

    def _callout(self, block: Callout, ctx: _Ctx) -> list:
        c = self.layout.colors
        room = self.pres.spacing
        pad = room.box_pad_x
        inner = _Ctx(width=ctx.width - 2 * pad, para_style="CalloutText")
        content = self._blocks(block.blocks, inner)
        width = x.twips(ctx.width)
        cells = []
        if block.kind == "case" and block.title:
            band = x.box_cell(width, fill=c["primary"], margins=(pad * 0.45, pad))
            band.append(self._para("CalloutTitle", block.title,
                                   x.spacing(0, 0, exact=self.pres.looks["block"].leading),
                                   extra=[x.color(c["table_header_text"])]))
            cells.append(band)
        elif block.title:
            content.insert(0, self._para("CalloutTitle", block.title))
        if content and content[-1].tag == qn("w:p"):  # the cell margin is the bottom padding
            x.put(content[-1].get_or_add_pPr(), x.spacing(after=0), x.PPR_ORDER)
        bar = {"note": c["primary"], "quote": c["accent"]}.get(block.kind)  # a case has its band
        cell = x.box_cell(width, fill=c["callout"], margins=(room.box_pad_top, pad, room.box_pad_bottom),
                          left_bar=bar)
        for node in self._separate_tables(content):
            cell.append(node)
        if not len(cell) or cell[-1].tag != qn("w:p"):
            cell.append(x.paragraph(self._style("CalloutText")))
        cells.append(cell)
        return [x.box_table(cells, width), self._spacer(self.pres.spacing.box_after)]

    def _spacer(self, after: float | None = None):
        """An empty paragraph of exactly the room the PDF leaves after a table or a box
        (`after` points in all), which also keeps two tables apart."""
        total = self.pres.spacing.table_after if after is None else after
        mark = x.rpr(x.el("w:sz", {"w:val": x.half_points(SPACER_PT)}))
        line = min(SPACER_PT, total) or 0.05
        return x.paragraph(None, [], x.spacing(0, max(total - line, 0), exact=line), mark)

    @staticmethod
    def _separate_tables(nodes: list) -> list:
        # Word fuses two adjacent tables into one; keep an empty paragraph between them.
        out = []
        for node in nodes:
            if out and node.tag == qn("w:tbl") and out[-1].tag == qn("w:tbl"):
                out.append(x.paragraph(None, [], x.spacing(0, 0, 1.0)))
            out.append(node)
        return out

    def _break_before(self, nodes: list) -> list:
        if nodes and nodes[0].tag == qn("w:p"):
            x.put(nodes[0].get_or_add_pPr(), x.el("w:pageBreakBefore"), x.PPR_ORDER)
            return nodes
        return [x.paragraph(None, [x.page_break_run()]), *nodes]

    # ------------------------------------------------------------ captions, figures

    def _caption(self, caption: Caption, keep_next: bool, space: dict | None = None):
        """The caption paragraph; `space` its spacing's attributes (`docx_xml.spacing_attrs`)."""
        flat = {"keepNext": {}} if keep_next else {}
        if space is not None:
            flat["spacing"] = space
        return x.paragraph_xml(self._style("Caption"), self._caption_runs(caption), flat=flat)

    def _caption_runs(self, caption: Caption) -> str:
        line = self.pres.caption(caption)
        seq = re.sub(r"\s+", "_", line.label) or "Figure"
        runs = x.run_xml(line.label + " ") if line.label else ""
        runs += x.field_xml(f"SEQ {seq} \\* ARABIC", x.run_xml(str(line.number)))
        runs += x.run_xml(line.separator)
        return runs + self._runs_xml(line.inlines, self.part)

    def _source(self, inlines, *props, center: bool = False, term_key: str = "source", flat=None):
        runs, more = self._source_parts(inlines, center, term_key)
        return x.paragraph_xml(self._style("SourceNote"), runs, props, flat={**more, **(flat or {})})

    def _source_parts(self, inlines, center: bool = False, term_key: str = "source") -> tuple[str, dict]:
        """A source or note line's runs (as text) and its paragraph's flat properties."""
        prefix = self.pres.source_prefix() if term_key == "source" else self.pres.note_prefix()
        runs = self._runs_xml([Str(prefix), *inlines], self.part)
        return runs, ({"jc": {"w:val": "center"}} if center else {})

    def _image_error(self, path: str, exc: Exception) -> ReportgenError:
        return ReportgenError(Diagnostic(self.where, f"image `{path}` cannot be put in the Word file "
                                         f"(write PNG, JPEG or GIF): {exc or type(exc).__name__}", "error", "docx"))

    def _picture(self, path: str, width: float, height: float, alt: str):
        try:
            inline = self.part.new_pic_inline(path, Emu(int(width * 12700)), Emu(int(height * 12700)))
        except (OSError, UnrecognizedImageError, InvalidImageStreamError, UnexpectedEndOfFileError) as exc:
            raise self._image_error(path, exc) from None
        # python-docx numbers shapes by scanning the body, which we fill only at the end.
        self.shape_id += 1
        inline.docPr.id = self.shape_id
        inline.docPr.name = f"Picture {self.shape_id}"
        if alt:
            inline.docPr.set("descr", alt)
        return x.run(None, None, x.el("w:drawing", None, inline))

    def _figure(self, fig, drawing=None) -> list:
        """A figure or a chart: the image in the box `present` gave it (or `drawing`, the run
        of a native chart, as text), caption, source, note; spaced as the PDF spaces them and
        kept on one page as the PDF keeps them."""
        room = self.pres.spacing
        picture = None
        if drawing is None:
            box = self.pres.image_box(fig)
            alt = getattr(fig, "alt", "") or getattr(fig, "title", "") or \
                (plain(fig.caption.inlines) if fig.caption else "")
            picture = self._picture(box.path, box.width, box.height, alt)
        # Each paragraph's style, runs (as text) and childless properties; the last one's
        # are settled before any is made.
        paras = [("Figure", drawing or "", {"spacing": x.spacing_attrs(room.figure_before, 0, at_least=1)})]
        if fig.caption:
            caption = self.pres.looks["figure-caption"]
            paras.append(("Caption", self._caption_runs(fig.caption),
                          {"keepNext": {}, "spacing": x.spacing_attrs(room.figure_gap + caption.before, 0)}))
        for inlines, key in ((fig.source, "source"), (fig.note, "note")):
            if inlines:
                runs, flat = self._source_parts(inlines, center=True, term_key=key)
                flat.update(keepNext={}, spacing=x.spacing_attrs(self.pres.looks["source"].before, 0))
                paras.append(("SourceNote", runs, flat))
        last = paras[-1][2]
        last["keepNext"] = {"w:val": "0"}
        last["spacing"] = {**last.get("spacing", {}), "w:after": x.twips(room.figure_after)}
        out = [x.paragraph_xml(self._style(style), runs, flat=flat) for style, runs, flat in paras]
        if picture is not None:
            out[0].append(picture)
        return out

    # ------------------------------------------------------------ tables

    def _table(self, table: Table, ctx: _Ctx) -> list:
        box = self.pres.table_box(table)
        if not box.widths:
            return []
        c = self.layout.colors
        widths = x.twips_widths(box.widths)
        # A table's frame (properties and grid) is made once per look and width and copied:
        # a report repeats its key-figure tables.
        key = (table.style == "stats", tuple(widths), bool(table.head))
        frame = self._table_frames.get(key)
        if frame is None:
            rule = c["rule"]
            if table.style == "stats":  # key figures: strong rules above and below, no verticals
                borders = [x.border("top", c["primary"], 12), x.el("w:left", {"w:val": "nil"}),
                           x.border("bottom", c["primary"], 12), x.el("w:right", {"w:val": "nil"}),
                           x.border("insideH", rule, 4), x.el("w:insideV", {"w:val": "nil"})]
            else:
                borders = [x.border(side, rule, 4) for side in ("top", "left", "bottom", "right", "insideH", "insideV")]
            room = self.pres.spacing
            frame = self._table_frames[key] = x.table_el(widths, borders, margins=(room.cell_pad_y, room.cell_pad_x),
                                                         header=bool(table.head))
        tbl = frame.__copy__()  # lxml's copy is deep
        rows = x.TableRows(widths, list(box.aligns), self._cell_runs,
                           {"head": self._style("TableHeading"), "body": self._style("TableText")},
                           c, stats=table.style == "stats", templates=self._cell_templates)
        for kind, group in (("head", table.head), ("body", table.body), ("foot", table.foot)):
            for tr in rows.rows(kind, list(group)):
                tbl.append(tr)
        out = []
        if table.caption:
            out.append(self._caption(table.caption, keep_next=True))
        out.append(tbl)
        if table.note:
            if table.source:  # only the last line keeps the space that ends the block
                out.append(self._source(table.source, flat={"spacing": x.spacing_attrs(after=0)}))
            out.append(self._source(table.note, term_key="note"))
        else:
            out.append(self._source(table.source) if table.source else self._spacer())
        return out

    def _cell_runs(self, inlines, bold: bool, extra) -> list:
        return self._inlines(inlines, fmt=frozenset({"b"}) if bold else frozenset(), extra=extra)
