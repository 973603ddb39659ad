"""Load a content spec: `content/<id>/report.yaml` and its fragments into a located tree.

The result is a `Spec`: report settings plus a tree of source nodes (`source.py`) whose
text is still raw Markdown (`Text` blocks, `Raw` strings) and whose data expressions are
unevaluated, so that translation and data can be applied per edition by `resolve`. Every problem found is collected
as a located diagnostic; loading never stops at the first one it can step past.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import model as m
from . import source as src
from .check import paragraph_limit, too_long
from .errors import Diagnostics, Loc, ReportgenError, did_you_mean
from .files import display_path, inside
from .files import check_project_file, limit_bytes, limit_hint, name_problem, open_project_file, show_name
from .kept import ByObject
from .layout import CLOSING_PARTS
from .locale import parse_locale
from .yamlsrc import YList, YMap, loads, read_text

TOP_KEYS = {
    "id", "title", "subtitle", "edition", "date", "author", "logo", "layout",
    "source_locale", "locales", "draft_locales", "data", "sections", "front", "formats",
    "publisher", "report_code", "closing",
}
MAX_REPORT_CODE = 64
# Characters no document can hold: unpaired surrogates and control characters but tab and
# newline (found with one search; a text is almost always clean).
_UNWRITABLE = re.compile("[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f]")
FORMAT_KEYS = {"percent_digits", "currency", "currency_names"}
SECTION_KEYS = {"title", "id", "blocks", "sections", "numbered", "toc", "child_numbering", "page_break", "part"}
BLOCK_KINDS = {"text", "quote", "callout", "table", "stats", "figure", "chart", "page_break", "include"}
CALLOUT_KEYS = {"title", "text", "kind"}
TABLE_KEYS = {"caption", "source", "columns", "rows", "head", "foot", "style", "data", "sort", "total", "note"}
COLUMN_KEYS = {"header", "width", "align", "field", "format", "digits", "merge"}
# `markdown`: the data's text is Markdown the data's author wrote; any other text is printed as written.
COLUMN_FORMATS = ("text", "markdown", "number", "percent", "money", "share")
CELL_KEYS = {"text", "rowspan", "colspan", "align"}
STATS_KEYS = {"title", "rows", "source"}
FIGURE_KEYS = {"image", "caption", "source", "width", "alt", "note"}
MAX_INCLUDE_DEPTH = 32
MAX_IMAGE_BYTES = 50_000_000
MAX_IMAGE_PIXELS = 40_000_000


@dataclass
class Spec:
    """One report as written: settings, and a tree of raw (unresolved) content."""

    id: str
    path: Path  # the report.yaml
    root: Path  # the project
    title: src.Raw
    subtitle: src.Raw | None
    edition: src.Raw | None
    date: src.Raw | None
    author: src.Raw | None
    logo: str | None
    layout: str
    layout_loc: Loc
    source_locale: str
    locales: list[str]
    draft_locales: list[str]
    data: list[str]
    data_loc: Loc
    sections: list[src.SourceSection]
    front: list = field(default_factory=list)  # source blocks before the first heading
    formats: dict = field(default_factory=dict)  # number formatting defaults for expressions
    publisher: src.Raw | None = None  # over the layout's
    report_code: str = ""  # printed as written (a catalogue number is not translated)
    closing: dict = field(default_factory=dict)  # part -> src.Text, over the layout's parts
    files: list[Path] = field(default_factory=list)  # every file read, for rebuild checks
    # Each top-level block's key among the kept resolved blocks (kept.EditionBlocks): made
    # once per build for all editions, and carried with a kept spec (kept_spec.py), so that a
    # rebuild makes keys only for the blocks that changed.
    block_keys: ByObject = field(default_factory=ByObject, compare=False, repr=False)

    @property
    def folder(self) -> Path:
        return self.path.parent

    def block_lists(self):
        """Each list of top-level blocks: the front matter's, then each section's, depth first."""
        yield self.front
        stack = list(reversed(self.sections))
        while stack:
            section = stack.pop()
            yield section.blocks
            stack.extend(reversed(section.children))

    # Pickled, the keys go by each block's place in its list (an id means nothing in another
    # process), and come back by the ids the blocks have there.
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        keys = self.block_keys
        state["block_keys"] = [[keys.of(b) for b in blocks] for blocks in self.block_lists()] if keys else []
        return state

    def __setstate__(self, state: dict) -> None:
        places = state.get("block_keys") or []
        self.__dict__.update(state)
        self.block_keys = ByObject()
        for blocks, keys in zip(self.block_lists(), places):
            if len(keys) == len(blocks):
                for block, key in zip(blocks, keys):
                    if key is not None:
                        self.block_keys.put(block, key)


@dataclass
class BlockSpan:
    """One item of a `blocks` list as the loader met it: the file (as messages name it), its
    lines [start, end) (1-based; `end` is the next item's first line, or the line after the
    list), the list's column, the blocks it gave (`blocks[first:stop]`, `blocks` being the
    list that became a section's or the front matter's blocks), and how they were read."""

    path: str
    start: int
    end: int
    col: int
    blocks: list
    first: int
    stop: int
    base: Path
    ctx: str


class _Loader:
    def __init__(self, root: Path, report_dir: Path, diags: Diagnostics):
        self.root = root
        self.report_dir = report_dir
        self.diags = diags
        self.files: list[Path] = []
        self.include_stack: list[Path] = []
        self.anchors: dict[str, Loc] = {}
        self.figure_count = 0
        self.checked: list[Path] = []  # files named by the spec and found (images, logo, includes)
        # When a list: for each item of a `blocks` list, where it was written and which
        # blocks it gave (see kept_spec.py).
        self.spans: list | None = None
        # Each file read (the spec first, then its fragments): its text and how many values it holds.
        self.texts: dict[Path, tuple[str, int]] = {}

    # -------------------------------------------------------------- helpers

    def keys(self, node: YMap, known: set, what: str, required: tuple = ()) -> None:
        for key in node:
            if key not in known:
                self.diags.error(
                    node.key_locs[key],
                    f"unknown key `{key}` in {what}{did_you_mean(key, known)}"
                    f" (known: {', '.join(sorted(known))})",
                )
        for key in required:
            if key not in node:
                self.diags.error(node.loc, f"{what} needs a `{key}`")

    def string(self, node: YMap, key: str, what: str, required: bool = False) -> str | None:
        """The text at `key` exactly as written: `010`, `1.10`, `true` or `~` print as typed."""
        value = node.get(key)
        if isinstance(value, (YMap, YList)):
            self.diags.error(node.loc_of(key), f"`{key}` in {what} should be text, not {_kind(value)}")
            return None
        text = node.text_of(key) if key in node else None
        if text is None:
            if required:
                self.diags.error(node.loc, f"{what} needs a `{key}`")
            return None
        return text

    def raw(self, node: YMap, key: str, context: str, what: str, required=False) -> src.Raw | None:
        text = self.string(node, key, what, required)
        if text is None:
            return None
        return src.Raw(self.clean(text, node.loc_of(key)), node.loc_of(key), context)

    def clean(self, text: str, loc: Loc) -> str:
        """Text as NFC, or a located error for characters no document can hold, or for a
        paragraph too long to set (refused here, before Markdown, whose parsing of one long
        paragraph takes time that grows with the square of its length)."""
        if len(text) > paragraph_limit():  # no paragraph of a shorter text can be too long
            longest = max((len(p) for p in re.split(r"\n[ \t]*\n", text)), default=0)
            problem = too_long(longest)
            if problem:
                self.diags.error(loc, problem, "limit")
                return ""
        found = _UNWRITABLE.search(text)
        if found:
            i, code = found.start(), ord(found.group())
            if 0xD800 <= code <= 0xDFFF:
                self.diags.error(loc.at(text, i), f"unpaired surrogate U+{code:04X} in the text; "
                                 "write the character itself, not a `\\u` escape of half of it")
            else:
                self.diags.error(loc.at(text, i), f"control character U+{code:04X} in the text; remove it")
            return ""
        return unicodedata.normalize("NFC", text)

    def flag(self, node: YMap, key: str, default: bool) -> bool:
        if key not in node:
            return default
        value = node[key]
        if not isinstance(value, bool):
            self.diags.error(node.loc_of(key), f"`{key}` should be true or false, not `{value}`")
            return default
        return value

    def project_file(self, name, loc: Loc, base: Path, what: str) -> Path | None:
        """A file named in the spec, which must exist inside the project."""
        text = str(name)
        problem = name_problem(text)
        if problem:
            self.diags.error(loc, f"{what} `{show_name(text)}` {problem}")
            return None
        path = Path(text)
        if path.is_absolute():
            where = "the project folder" if base.resolve() == self.root.resolve() else f"{display_path(base, self.root)}/"
            self.diags.error(loc, f"{what} `{text}` is an absolute path; name it relative to {where}")
            return None
        full = base / path
        if not inside(full, self.root):
            self.diags.error(loc, f"{what} `{text}` resolves outside the project; keep files inside it")
            return None
        if not full.exists():
            siblings = [p.name for p in full.parent.glob("*")] if full.parent.exists() else []
            self.diags.error(loc, f"{what} `{text}` not found{did_you_mean(path.name, siblings)}")
            return None
        try:
            # A folder, FIFO or device named here is refused before anything opens it.
            check_project_file(full, self.root, text, None, loc=loc)
        except ReportgenError as exc:
            self.diags.items.extend(exc.diagnostics)
            return None
        resolved = full.resolve()
        self.checked.append(resolved)
        return resolved

    def read(self, path: Path):
        self.files.append(path)
        display = display_path(path, self.root)
        text = read_text(path, display, self.root)
        data = loads(text, display)
        self.texts.setdefault(path, (text, getattr(data, "values", 0)))
        return data

    # -------------------------------------------------------------- sections

    def sections(self, node, base: Path, level: int, prefix: str, loc: Loc) -> list[src.SourceSection]:
        """`loc` is where the value was written (a scalar carries no location of its own)."""
        if node is None:
            return []
        if not isinstance(node, YList):
            self.diags.error(getattr(node, "loc", None) or loc, f"`sections` should be a list, not {_kind(node)}")
            return []
        out = []
        for i, item in enumerate(node):
            loc = node.loc_of(i)
            if isinstance(item, YMap) and "include" in item:
                out.extend(self.include_sections(item, base, level, prefix))
                continue
            if not isinstance(item, YMap):
                self.diags.error(loc, f"a section should be a mapping with `title:`, not {_kind(item)}")
                continue
            section = self.section(item, base, level, f"{prefix}{len(out) + 1}")
            if section:
                out.append(section)
        return out

    def include_sections(self, item: YMap, base: Path, level: int, prefix: str) -> list[src.SourceSection]:
        self.keys(item, {"include"}, "a section include")
        loaded = self.include(item, base)
        if loaded is None:
            return []
        data, path = loaded
        where = Loc(display_path(path, self.root), 1, 1)
        try:
            if not isinstance(data, (YMap, YList)):
                self.diags.error(where, f"an included sections file should hold a section (a mapping with `title:`) "
                                 f"or a list of them, not {_kind(data)}")
                return []
            if isinstance(data, YMap) and "sections" in data and "title" not in data:
                self.keys(data, {"sections"}, "an included sections file")
                where = data.loc_of("sections")
                data = data["sections"]
            if isinstance(data, YMap):
                wrapped = YList([data])
                wrapped.loc, wrapped.locs = data.loc, [data.loc]
                data = wrapped
            return self.sections(data, path.parent, level, prefix, where)
        finally:
            self.include_stack.pop()

    def include(self, item: YMap, base: Path):
        """Read an included fragment; the caller pops the include stack when done."""
        loc = item.loc_of("include")
        path = self.project_file(item["include"], loc, base, "include")
        if path is None:
            return None
        if path in self.include_stack or path == self.report_path:
            chain = " → ".join(display_path(p, self.root) for p in [*self.include_stack, path])
            self.diags.error(loc, f"circular include: {chain}; remove one of the includes")
            return None
        if len(self.include_stack) >= MAX_INCLUDE_DEPTH:
            self.diags.error(loc, f"includes nested deeper than {MAX_INCLUDE_DEPTH} levels; flatten them")
            return None
        try:
            data = self.read(path)
        except ReportgenError as exc:
            self.diags.items.extend(exc.diagnostics)
            return None
        self.include_stack.append(path)
        return data, path

    def section(self, node: YMap, base: Path, level: int, auto_id: str) -> src.SourceSection | None:
        self.keys(node, SECTION_KEYS, "a section", required=("title",))
        if level > 4:
            self.diags.error(node.loc, "sections nest at most 4 levels deep; move this one up a level")
            return None
        anchor = self.string(node, "id", "a section") or f"s{auto_id}"
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", anchor):
            self.diags.error(node.loc_of("id"), f"section id `{anchor}` should use letters, digits, `-`, `_` or `.`")
        elif anchor in self.anchors:
            first = self.anchors[anchor]
            self.diags.error(node.loc_of("id"), f"section id `{anchor}` is already used at line {first.line}; ids must be unique")
        self.anchors[anchor] = node.loc_of("id")
        title = self.raw(node, "title", f"{anchor}|title", "a section") or src.Raw("", node.loc)
        child_numbering = self.string(node, "child_numbering", "a section")
        if child_numbering is not None:
            for token in re.findall(r"\{([^}]*)\}", child_numbering):
                if not re.fullmatch(r"[1-6](:(zh|decimal|alpha|roman))?", token):
                    self.diags.error(node.loc_of("child_numbering"), f"numbering token `{{{token}}}` is not known; "
                                     "use {1}..{6}, optionally with :zh, :alpha or :roman")
        section = src.SourceSection(
            title=title, level=level, anchor=anchor, loc=node.loc,
            numbered=self.flag(node, "numbered", True), toc=self.flag(node, "toc", True),
            page_break=self.flag(node, "page_break", False), child_numbering=child_numbering,
            kind="part" if self.flag(node, "part", False) else "section",
        )
        section.blocks = self.blocks(node.get("blocks"), base, anchor, node.loc_of("blocks"))
        child_level = level if section.kind == "part" else level + 1
        section.children = self.sections(node.get("sections"), base, child_level, f"{auto_id}.",
                                         node.loc_of("sections"))
        return section

    # -------------------------------------------------------------- blocks

    def blocks(self, node, base: Path, ctx: str, loc: Loc) -> list:
        if node is None:
            return []
        if not isinstance(node, YList):
            self.diags.error(loc, f"`blocks` should be a list, not {_kind(node)}")
            return []
        out = []
        for i, item in enumerate(node):
            first = len(out)
            out.extend(self.block(item, node.loc_of(i), base, ctx))
            if self.spans is not None and hasattr(node, "starts"):
                end = node.starts[i + 1] if i + 1 < len(node) else node.after
                self.spans.append(BlockSpan(node.loc.path, node.starts[i], end, node.loc.col, out, first,
                                            len(out), base, ctx))
        return out

    def block(self, item, loc: Loc, base: Path, ctx: str) -> list:
        if isinstance(item, str):
            return [src.Text(self.clean(item, loc), loc, f"{ctx}|text")]
        if not isinstance(item, YMap):
            self.diags.error(loc, f"a block should be text or a mapping such as `text:` or `table:`, not {_kind(item)}")
            return []
        kinds = [k for k in item if k in BLOCK_KINDS]
        if len(kinds) != 1:
            if not kinds:
                key = next(iter(item), "")
                self.diags.error(item.key_locs.get(key, loc), f"unknown block `{key}`{did_you_mean(key, BLOCK_KINDS)}"
                                 f" (blocks: {', '.join(sorted(BLOCK_KINDS))})")
            else:
                self.diags.error(loc, f"a block has one kind, this one has {', '.join(kinds)}; split it")
            return []
        kind = kinds[0]
        extra = [k for k in item if k != kind]
        if extra and kind != "chart":
            key = extra[0]
            self.diags.error(item.key_locs[key], f"unknown key `{key}` beside `{kind}`; "
                             f"put it inside `{kind}:` or in a block of its own")
        value = item[kind]
        vloc = item.loc_of(kind)
        if kind == "text":
            if not isinstance(value, (str, int, float)):
                self.diags.error(vloc, f"`text` should be Markdown text, not {_kind(value)}")
                return []
            return [src.Text(self.clean(item.text_of(kind) or "", vloc), vloc, f"{ctx}|text")]
        if kind == "quote":
            return [src.SourceQuote((src.Text(self.clean(item.text_of(kind) or "", vloc), vloc, f"{ctx}|quote"),), vloc)]
        if kind == "page_break":
            return [src.SourcePageBreak(vloc)]
        if kind == "include":
            loaded = self.include(item, base)
            if loaded is None:
                return []
            data, path = loaded
            try:
                if not isinstance(data, YList):
                    data_list = YList([data])
                    data_list.loc, data_list.locs = data.loc if isinstance(data, YMap) else vloc, [getattr(data, "loc", vloc)]
                    data = data_list
                return self.blocks(data, path.parent, ctx, vloc)
            finally:
                self.include_stack.pop()
        if not isinstance(value, YMap):
            self.diags.error(vloc, f"`{kind}` should be a mapping of its settings, not {_kind(value)}")
            return []
        if kind == "callout":
            return [self.callout(value, ctx)]
        if kind == "figure":
            return [b for b in [self.figure(value, base, ctx)] if b]
        if kind == "stats":
            return [b for b in [self.stats(value, ctx)] if b]
        if kind == "table":
            return [b for b in [self.table(value, ctx)] if b]
        if kind == "chart":
            return self.chart(item, value, ctx)
        return []

    def callout(self, node: YMap, ctx: str) -> src.SourceCallout:
        self.keys(node, CALLOUT_KEYS, "a callout", required=("text",))
        kind = self.string(node, "kind", "a callout") or "note"
        if kind not in ("note", "case", "quote"):
            self.diags.error(node.loc_of("kind"), f"callout kind `{kind}` should be note, case or quote{did_you_mean(kind, ['note', 'case', 'quote'])}")
        title = self.raw(node, "title", f"{ctx}|callout.title", "a callout")
        text = self.clean(self.string(node, "text", "a callout") or "", node.loc_of("text"))
        return src.SourceCallout((src.Text(text, node.loc_of("text"), f"{ctx}|callout"),), title, kind, node.loc)

    def figure(self, node: YMap, base: Path, ctx: str) -> src.SourceFigure | None:
        self.keys(node, FIGURE_KEYS, "a figure", required=("image",))
        if "image" not in node:
            return None
        path = self.project_file(node["image"], node.loc_of("image"), self.root, "image")
        width = self.share(node, "width", 1.0)
        caption = self.raw(node, "caption", f"{ctx}|figure.caption", "a figure")
        source = self.raw(node, "source", f"{ctx}|figure.source", "a figure")
        if path is None:
            return None
        if path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".gif"):
            self.diags.error(node.loc_of("image"), f"image `{node['image']}` should be PNG, JPEG or GIF")
            return None
        if not self.image_ok(path, node.loc_of("image"), node["image"]):
            return None
        note = self.raw(node, "note", f"{ctx}|figure.note", "a figure")
        return src.SourceFigure(str(path), caption, source, note, width, str(node.get("alt") or ""), node.loc)

    def image_ok(self, path: Path, loc: Loc, name) -> bool:
        """Refuse images that would exhaust memory, reading only their header."""
        limit = limit_bytes("image")
        try:
            size = check_project_file(path, self.root, str(name), None, loc=loc).st_size
        except ReportgenError as exc:
            self.diags.items.extend(exc.diagnostics)
            return False
        if size > limit:
            self.diags.error(loc, f"image `{name}` is {size / 1e6:.0f} MB; save it smaller than "
                             f"{limit / 1e6:.0f} MB (e.g. as JPEG, at 300 dpi for its printed size){limit_hint('image')}")
            return False
        try:
            from PIL import Image

            Image.MAX_IMAGE_PIXELS = None  # we check the size ourselves, with a clearer message
            with open_project_file(path, self.root, str(name), limit, loc=loc, kind="image") as fh, \
                    Image.open(fh) as image:
                width, height = image.size
        except ReportgenError as exc:
            self.diags.items.extend(exc.diagnostics)
            return False
        except Exception as exc:  # Pillow raises many kinds for broken files
            self.diags.error(loc, f"image `{name}` cannot be read ({type(exc).__name__}); save it again as PNG or JPEG")
            return False
        if width * height > MAX_IMAGE_PIXELS:
            self.diags.error(loc, f"image `{name}` is {width:,}×{height:,} pixels; scale it down to at most "
                             f"{MAX_IMAGE_PIXELS / 1e6:.0f} megapixels (300 dpi across an A4 page is about 9)")
            return False
        return True

    def share(self, node: YMap, key: str, default):
        if key not in node:
            return default
        value = node[key]
        if isinstance(value, str) and value.endswith("%"):
            try:
                value = float(value[:-1]) / 100
            except ValueError:
                pass
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= 1:
            self.diags.error(node.loc_of(key), f"`{key}` should be a share of the text width, from 0 to 1 or a percentage such as `50%`")
            return default
        return float(value)

    def stats(self, node: YMap, ctx: str) -> src.SourceTable | None:
        self.keys(node, STATS_KEYS, "a stats table", required=("rows",))
        rows = node.get("rows")
        if not isinstance(rows, YList):
            self.diags.error(node.loc_of("rows"), "`rows` should be a list of [label, value] pairs")
            return None
        body = []
        for i, row in enumerate(rows):
            if not isinstance(row, YList) or len(row) != 2:
                self.diags.error(rows.loc_of(i), "a stats row should be a pair: [label, value]")
                continue
            body.append(tuple(src.SourceCell(src.Raw(self.clean(_typed(row, j), row.loc_of(j)), row.loc_of(j), f"{ctx}|stats"))
                              for j in range(2)))
        title = self.raw(node, "title", f"{ctx}|stats.title", "a stats table")
        source = self.raw(node, "source", f"{ctx}|table.source", "a stats table")
        return src.SourceTable((m.Column(0.55, "left"), m.Column(0.45, "right")), (), tuple(body),
                               caption=title, source=source, style="stats", loc=node.loc)

    def table(self, node: YMap, ctx: str) -> src.SourceTable | None:
        self.keys(node, TABLE_KEYS, "a table", required=("columns",))
        if "data" in node and "rows" in node:
            self.diags.error(node.loc_of("rows"), "a table takes its rows from `data:` or from `rows:`, not both")
        style = self.string(node, "style", "a table") or "grid"
        if style not in ("grid", "stats"):
            self.diags.error(node.loc_of("style"), f"table style `{style}` should be grid or stats")
        columns_node = node.get("columns")
        if not isinstance(columns_node, YList) or not columns_node:
            if "columns" in node:
                self.diags.error(node.loc_of("columns"), "`columns` should be a list of column headers or settings")
            return None
        columns, headers, fields = [], [], []
        for i, col in enumerate(columns_node):
            cloc = columns_node.loc_of(i)
            if isinstance(col, YMap):
                self.keys(col, COLUMN_KEYS, "a table column")
                width = self.share(col, "width", None)
                align = self.string(col, "align", "a table column") or "left"
                if align not in ("left", "center", "right"):
                    self.diags.error(col.loc_of("align"), f"align `{align}` should be left, center or right{did_you_mean(align, ['left', 'center', 'right'])}")
                    align = "left"
                header = _typed(col, "header") if "header" in col else _typed(col, "field") if "field" in col else ""
                headers.append(src.SourceCell(src.Raw(header, col.loc_of("header"), f"{ctx}|table.header")))
                columns.append(m.Column(width, align))
                fmt = self.string(col, "format", "a table column") or "text"
                if fmt not in COLUMN_FORMATS:
                    self.diags.error(col.loc_of("format"), f"column format `{fmt}` should be one of "
                                     f"{', '.join(COLUMN_FORMATS)}{did_you_mean(fmt, COLUMN_FORMATS)}")
                if "data" in node and "field" not in col:
                    self.diags.error(col.loc, "a column of a table from `data:` needs a `field:` (the record key it shows)")
                name = col.get("field")
                fields.append(src.SourceField(None if name is None else str(name), fmt, self.digits(col),
                                              self.flag(col, "merge", False), col.loc))
            else:
                headers.append(src.SourceCell(src.Raw(_typed(columns_node, i), cloc, f"{ctx}|table.header")))
                columns.append(m.Column())
                fields.append(src.SourceField(_typed(columns_node, i), "text", None, False, cloc))
        total = sum(c.width or 0 for c in columns)
        if total > 1.001:
            self.diags.error(columns_node.loc, f"column widths add up to {total:.2f} of the text width; keep the sum at most 1")
        ncols = len(columns)
        head = [tuple(headers)]
        if "head" in node:
            head = self.rows(node["head"], node.loc_of("head"), ncols, ctx, "table.header")
        body = self.rows(node.get("rows"), node.loc_of("rows"), ncols, ctx, "table.cell") if "rows" in node else []
        foot = self.rows(node["foot"], node.loc_of("foot"), ncols, ctx, "table.cell") if "foot" in node else []
        caption = self.raw(node, "caption", f"{ctx}|table.caption", "a table")
        source = self.raw(node, "source", f"{ctx}|table.source", "a table")
        note = self.raw(node, "note", f"{ctx}|table.note", "a table")
        rows = self.data_table(node, fields) if "data" in node else None
        return src.SourceTable(tuple(columns), tuple(head), tuple(body), tuple(foot), caption, source, note,
                               style, rows, node.loc)

    def digits(self, node: YMap) -> int | None:
        """`digits:` of a column or chart: decimals shown, overriding the data's and the spec's."""
        if "digits" not in node:
            return None
        value = node["digits"]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
            self.diags.error(node.loc_of("digits"), "`digits` should be a whole number from 0 to 6 (decimals shown)")
            return None
        return value

    def data_table(self, node: YMap, fields: list) -> src.SourceRows:
        """Where the rows of a table from data come from, and how they are ordered."""
        sort = node.get("sort")
        sort_spec = None
        if sort is not None:
            text = str(sort).strip()
            descending = text.startswith("-")
            key = text.lstrip("-")
            known = [f.field for f in fields]
            if key not in known:
                self.diags.error(node.loc_of("sort"), f"sort by `{key}`: not one of the table's fields"
                                 f"{did_you_mean(key, known)}; write `field` or `-field` for descending")
            sort_spec = (key, descending)
        total = self.flag(node, "total", False)
        return src.SourceRows(str(node["data"]), node.loc_of("data"), tuple(fields), sort_spec, total)

    def rows(self, node, loc: Loc, ncols: int, ctx: str, kind: str) -> list:
        """Rows as written (covered places skipped, as in HTML) to a full grid with None."""
        if not isinstance(node, YList):
            self.diags.error(loc, f"table rows should be a list of rows, not {_kind(node)}")
            return []
        grid: list[list] = []
        pending: dict[tuple[int, int], bool] = {}
        for r, row in enumerate(node):
            rloc = node.loc_of(r)
            if not isinstance(row, YList):
                self.diags.error(rloc, f"a table row should be a list of cells, not {_kind(row)}")
                continue
            line = [None] * ncols
            col = 0
            rownum = len(grid)
            for c, value in enumerate(row):
                while col < ncols and (rownum, col) in pending:
                    col += 1
                cloc = row.loc_of(c)
                if col >= ncols:
                    self.diags.error(cloc, f"this row has more cells than the table's {ncols} columns")
                    break
                rowspan = colspan = 1
                align = None
                if isinstance(value, YMap):
                    self.keys(value, CELL_KEYS, "a table cell", required=("text",))
                    rowspan = _count(value, "rowspan", self.diags)
                    colspan = _count(value, "colspan", self.diags)
                    align = self.string(value, "align", "a table cell")
                    text = _typed(value, "text") if "text" in value else ""
                    cloc = value.loc_of("text")
                elif isinstance(value, YList):
                    self.diags.error(cloc, "a table cell should be text or a mapping with `text:`")
                    text = ""
                else:
                    text = _typed(row, c)
                if col + colspan > ncols:
                    self.diags.error(cloc, f"colspan {colspan} runs past the table's {ncols} columns")
                    colspan = ncols - col
                line[col] = src.SourceCell(src.Raw(self.clean(text, cloc), cloc, f"{ctx}|{kind}"), rowspan, colspan, align)
                for dr in range(rowspan):
                    for dc in range(colspan):
                        if dr or dc:
                            pending[(rownum + dr, col + dc)] = True
                col += colspan
            while col < ncols and (rownum, col) in pending:
                col += 1
            if col < ncols:
                self.diags.error(rloc, f"this row has {col} of the table's {ncols} columns; add the missing cells (empty ones as \"\")")
            grid.append(tuple(line))
        overhang = [key for key in pending if key[0] >= len(grid)]
        if overhang:
            self.diags.error(loc, "a rowspan runs past the last row of the table; shorten it")
        return grid

    def chart(self, item: YMap, value: YMap, ctx: str) -> list:
        from .charts import load_chart  # the chart schema lives with the charts

        block = load_chart(value, ctx, self)
        return [block] if block else []


def _typed(container, key) -> str:
    """A scalar of a table (a cell, a header) as the author typed it: YAML reads `010`, `1.10`
    or `0x1F` as numbers, a table prints them as written. Nothing (`~`, `null`) is an empty cell."""
    value = container[key]
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    texts = getattr(container, "texts", None)
    try:
        text = texts[key] if texts is not None else None
    except (IndexError, KeyError):
        text = None
    return text if text else str(value)


def _count(node: YMap, key: str, diags: Diagnostics) -> int:
    value = node.get(key, 1)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1 or value > 10_000:
        diags.error(node.loc_of(key), f"`{key}` should be a whole number of at least 1")
        return 1
    return value


def _kind(value) -> str:
    if isinstance(value, YMap):
        return "a mapping"
    if isinstance(value, YList):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"`{value}`"


def load_spec(path: Path, root: Path, watch=None) -> tuple[Spec | None, Diagnostics]:
    """Read and validate one report spec; diagnostics hold every problem found.

    `watch`, when given, is told how the spec was read: its `spans` list gets a `BlockSpan`
    per item of every `blocks` list, its `checked` list the files the spec names, and its
    `texts` the text and number of values of each file read (see kept_spec.py)."""
    diags = Diagnostics()
    loader = _Loader(root, path.parent, diags)
    loader.report_path = path.resolve()
    if watch is not None:
        loader.spans, loader.checked, loader.texts = watch.spans, watch.checked, watch.texts
    return _load_spec(loader, path, root, diags)


def _load_spec(loader: _Loader, path: Path, root: Path, diags: Diagnostics) -> tuple[Spec | None, Diagnostics]:
    try:
        data = loader.read(path)
    except ReportgenError as exc:
        diags.items.extend(exc.diagnostics)
        return None, diags
    display = display_path(path, root)
    if not isinstance(data, YMap):
        diags.error(Loc(display, 1, 1), "a report spec should be a mapping with `title:` and `sections:`")
        return None, diags
    loader.keys(data, TOP_KEYS, "the report", required=("title", "sections"))
    report_id = loader.string(data, "id", "the report") or path.parent.name
    if report_id != path.parent.name:
        diags.error(data.loc_of("id"), f"`id: {report_id}` differs from the folder name `{path.parent.name}`; "
                    "make them the same (the folder names the output files)")
    source_locale = loader.string(data, "source_locale", "the report") or "zh_CN"
    locales_node = data.get("locales")
    locales = [source_locale]
    if locales_node is not None:
        if not isinstance(locales_node, YList) or not locales_node:
            diags.error(data.loc_of("locales"), "`locales` should be a list such as [zh_CN, en]")
        else:
            locales = [str(x) for x in locales_node]
    for i, loc_name in enumerate(dict.fromkeys([source_locale, *locales])):
        where = data.loc_of("source_locale") if i == 0 and "source_locale" in data else data.loc_of("locales")
        try:
            parse_locale(loc_name, where)
        except ReportgenError as exc:
            diags.items.extend(exc.diagnostics)
    draft_node = data.get("draft_locales") or []
    if not isinstance(draft_node, list) or any(str(x) not in locales for x in draft_node):
        diags.error(data.loc_of("draft_locales"), "`draft_locales` should list some of the report's `locales` "
                    "(editions whose translation is still in progress)")
        draft_node = []
    if source_locale not in locales:
        diags.error(data.loc_of("locales"), f"`locales` should include the source locale `{source_locale}`")
    data_node = data.get("data") or []
    if isinstance(data_node, str):
        data_node = [data_node]
    if not isinstance(data_node, list):
        diags.error(data.loc_of("data"), "`data` should be a list of data file names from content/data/")
        data_node = []
    formats = {}
    if "formats" in data:
        node = data["formats"]
        if not isinstance(node, YMap):
            diags.error(data.loc_of("formats"), "`formats` should be a mapping such as {percent_digits: 1}")
        else:
            loader.keys(node, FORMAT_KEYS, "`formats`")
            digits = node.get("percent_digits", 2)
            if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 6:
                diags.error(node.loc_of("percent_digits"), "`percent_digits` should be a whole number from 0 to 6")
            else:
                formats["percent_digits"] = digits
            if "currency" in node:
                if not re.fullmatch(r"[A-Z]{3}", str(node["currency"])):
                    diags.error(node.loc_of("currency"), "`currency` should be an ISO code such as CNY or USD")
                else:
                    formats["currency"] = str(node["currency"])
            names = node.get("currency_names")
            if names is not None:
                if not isinstance(names, YMap):
                    diags.error(node.loc_of("currency_names"), "`currency_names` should map codes to names, e.g. {CNY: 人民币}")
                else:
                    formats["currency_names"] = {str(k): str(v) for k, v in names.items()}
    logo = None
    if data.get("logo"):
        found = loader.project_file(data["logo"], data.loc_of("logo"), root, "logo")
        logo = str(found) if found else None
    report_code = loader.string(data, "report_code", "the report") or ""
    if len(report_code) > MAX_REPORT_CODE or "\n" in report_code:
        diags.error(data.loc_of("report_code"), f"`report_code` should be one line of at most {MAX_REPORT_CODE} "
                    "characters, such as 1984023 or RG-2025-014")
    closing = {}
    if "closing" in data:
        node = data["closing"]
        if not isinstance(node, YMap):
            diags.error(data.loc_of("closing"), "`closing` should be a mapping such as "
                        "{disclaimer: ..., copyright: ..., contact: ...} (Markdown text)")
        else:
            loader.keys(node, set(CLOSING_PARTS), "`closing`")
            for part in CLOSING_PARTS:
                if part in node:
                    text = loader.string(node, part, f"`closing.{part}`")
                    if text and text.strip():
                        closing[part] = src.Text(loader.clean(text, node.loc_of(part)), node.loc_of(part),
                                                 f"report|closing|{part}")
    sections = loader.sections(data.get("sections"), path.parent, 1, "", data.loc_of("sections"))
    front = loader.blocks(data.get("front"), path.parent, "front", data.loc_of("front"))
    if "sections" in data and not sections and not diags.errors:
        diags.error(data.loc_of("sections"), "the report has no sections; add at least one with a `title:`")
    if diags.errors:
        return None, diags
    spec = Spec(
        id=report_id, path=path.resolve(), root=root.resolve(),
        title=loader.raw(data, "title", "report|title", "the report") or src.Raw(report_id),
        subtitle=loader.raw(data, "subtitle", "report|subtitle", "the report"),
        edition=loader.raw(data, "edition", "report|edition", "the report"),
        date=loader.raw(data, "date", "report|date", "the report"),
        author=loader.raw(data, "author", "report|author", "the report"),
        logo=logo, layout=str(data.get("layout") or "market-report"),
        layout_loc=data.loc_of("layout") if "layout" in data else data.loc,
        source_locale=source_locale, locales=locales, draft_locales=[str(x) for x in draft_node],
        data=[str(d) for d in data_node], data_loc=data.loc_of("data") if "data" in data else data.loc,
        sections=sections, front=front, files=list(dict.fromkeys(loader.files)), formats=formats,
        publisher=loader.raw(data, "publisher", "report|publisher", "the report"),
        report_code=report_code.strip(), closing=closing,
    )
    return spec, diags
