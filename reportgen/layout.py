"""Layouts: page geometry, fonts, colours, header/footer and heading numbering, read from YAML.

A layout file is data. Its `locales:` mapping overrides keys per edition (fonts for
Traditional Chinese, numbering for English), merged over the base before validation.
"""

from __future__ import annotations

import copy
import functools
import math
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import Diagnostics, Loc, ReportgenError, did_you_mean
from .files import name_problem, show_name
from .locale import parse_locale

PAGE_SIZES = {"A4": (210, 297), "A5": (148, 210), "A3": (297, 420), "Letter": (215.9, 279.4)}
UNITS = {"mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0, "pt": 1.0}

DEFAULT_NUMBERING = {
    "zh": ["{1:zh}、", "{1}.{2} ", "{1}.{2}.{3} ", "{1}.{2}.{3}.{4} "],
    "en": ["{1}. ", "{1}.{2} ", "{1}.{2}.{3} ", "{1}.{2}.{3}.{4} "],
}

DEFAULT_COLORS = {
    "primary": "#1F4E79",
    "accent": "#2E75B6",
    "text": "#262626",
    "muted": "#6B6B6B",
    "rule": "#BFBFBF",
    "table_header": "#1F4E79",
    "table_header_text": "#FFFFFF",
    "table_stripe": "#F3F6FA",
    "callout": "#EEF3F8",
}

DEFAULT_PALETTE = ["#1F4E79", "#2E75B6", "#9DC3E6", "#C55A11", "#F4B183", "#548235", "#A9D18E", "#7F7F7F"]

DEFAULT_SIZES = {
    "body": 10.5, "h1": 18, "h2": 14, "h3": 12, "h4": 11,
    "caption": 9, "small": 8, "title": 28, "subtitle": 15, "table": 9,
}

TOKENS = {"title", "subtitle", "edition", "date", "section", "page", "pages", "page_of"}


@dataclass(frozen=True)
class Layout:
    """A resolved layout for one edition; lengths in points, colours as #RRGGBB."""

    name: str
    page_width: float
    page_height: float
    margin_top: float
    margin_bottom: float
    margin_left: float
    margin_right: float
    pdf_font: str
    word_latin: str
    word_east_asia: str
    sizes: dict
    line_spacing: float
    first_line_indent: float  # in em
    space_after: float
    colors: dict
    palette: list
    header: dict
    footer: dict
    numbering: list
    toc_depth: int
    cover_band: bool
    logo: str | None
    docx_reference: str | None = None
    path: str = ""
    # Pages and editions: chapter breaks, caption separator, cover publisher, closing page.
    chapter_break: str = "page"  # page | auto | none
    chapter_break_min_space: float = 0.4  # auto: a chapter starts a page when less than this share is left
    caption_separator: str = ""  # between a caption's number and its text; "" for the locale's (CAPTION_SEPARATORS)
    publisher: str = ""
    closing: tuple = ()  # (part, Markdown text) for the closing page, parts in CLOSING_PARTS order
    chart_format: str = "vector"  # how the PDF draws charts: vector (SVG, real text) or png
    hanging_punctuation: bool = False  # `。，、` may hang past a line's end (PDF)

    @property
    def text_width(self) -> float:
        return self.page_width - self.margin_left - self.margin_right

    @property
    def text_height(self) -> float:
        return self.page_height - self.margin_top - self.margin_bottom


KNOWN = {
    "name", "page", "fonts", "sizes", "line_spacing", "paragraph", "colors", "palette",
    "header", "footer", "numbering", "toc_depth", "cover", "docx_reference", "locales",
    "chapter_break", "chapter_break_min_space", "caption_separator", "publisher", "closing",
    "chart_format",
}
CHART_FORMATS = ("vector", "png")
PAGE_KEYS = {"size", "orientation", "margins"}
MARGIN_KEYS = ("top", "bottom", "left", "right")
FONT_KEYS = {"pdf", "word_latin", "word_east_asia"}
PARAGRAPH_KEYS = {"first_line_indent", "space_after", "hanging_punctuation"}
COVER_KEYS = {"band", "logo"}
SLOTS = ("left", "center", "right")
CHAPTER_BREAKS = ("page", "auto", "none")
CHAPTER_BREAK_SPACE_RANGE = (0.05, 0.95)  # share of the text height
# A caption's number and text set apart: research houses print "Figure 1: Title" and
# "图1：标题" (a full-width colon sets the number off as an em space would, and every CJK face has it).
CAPTION_SEPARATORS = {"zh": "：", "en": ": "}
MAX_CAPTION_SEPARATOR = 8
CLOSING_PARTS = ("disclaimer", "copyright", "contact")  # the closing page's parts, in print order
MAX_CLOSING_TEXT = 20_000

# Ranges a writer can honour. A page beyond these is a typo (100,000 mm) or a unit mistake,
# and would make ReportLab and Word allocate or lay out absurd amounts.
PAGE_MIN_MM, PAGE_MAX_MM = 50, 1200  # a postcard's edge to beyond A0's long side
MARGIN_MAX_MM = 200
MIN_TEXT_WIDTH, MIN_TEXT_HEIGHT = 72.0, 144.0  # pt: 1 inch of line, 2 inches of column
MIN_LINE_CHARS = 20  # characters of body text a line must hold
SIZE_RANGE = (4.0, 96.0)  # pt, every entry of `sizes`
LINE_SPACING_RANGE = (0.8, 3.0)  # multiple of the font size
INDENT_RANGE = (0.0, 10.0)  # em
SPACE_AFTER_RANGE = (0.0, 72.0)  # pt
MAX_PALETTE = 64
MAX_NUMBERING_LEVELS = 6
MAX_FONT_NAME = 31  # Word's limit for a font name

# A reference .docx is a zip archive: read its directory first, so a zip bomb or a huge file
# is refused before python-docx inflates anything.
REFERENCE_MAX_BYTES = 20_000_000
REFERENCE_MAX_ENTRIES = 2_000
REFERENCE_MAX_UNPACKED = 100_000_000
REFERENCE_MAX_RATIO = 100  # unpacked / packed, over the whole archive


def length(value, loc: Loc, diags: Diagnostics) -> float:
    """A length such as `25mm`, `2cm`, `1in`, `12pt` or a bare number of points."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            diags.error(loc, f"`{value}` is not a length; write e.g. `20mm`, `2cm`, `1in` or `12pt`", "layout")
            return 0.0
        return float(value)
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*(mm|cm|in|pt)\s*", str(value))
    if isinstance(value, (dict, list, bool)) or value is None or not match:
        diags.error(loc, f"`{_show(value)}` is not a length; write e.g. `20mm`, `2cm`, `1in` or `12pt`", "layout")
        return 0.0
    return float(match.group(1)) * UNITS[match.group(2)]


def _show(value) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _merge(base, over):
    if isinstance(base, dict) and isinstance(over, dict):
        out = copy.copy(base)
        for key, value in over.items():
            out[key] = _merge(base.get(key), value) if key in base else value
        return out
    return over


def load_layout(root: Path, name: str, locale: str, loc: Loc | None = None) -> Layout:
    """Read `layouts/<name>.yaml` under project `root`, applying the locale's overrides."""
    edition = parse_locale(str(locale), loc)
    problem = name_problem(f"{name}.yaml")
    if problem:
        raise ReportgenError(f"layout `{show_name(str(name))}` {problem}", loc)
    path = (root / "layouts" / f"{name}.yaml").resolve()
    layouts_dir = (root / "layouts").resolve()
    if not path.is_relative_to(layouts_dir):
        raise ReportgenError(f"layout `{name}` resolves outside layouts/", loc)
    if not path.exists():
        known = sorted(p.stem for p in layouts_dir.glob("*.yaml")) if layouts_dir.exists() else []
        raise ReportgenError(
            f"no layout `{name}` in layouts/ (have: {', '.join(known) or 'none'}){did_you_mean(name, known)}",
            loc,
        )
    if not path.is_file():
        raise ReportgenError(f"layout `{name}` is not a regular file", loc)
    display = f"layouts/{name}.yaml"
    from .yamlsrc import YMap, load

    raw = load(path, display, root)  # through the checked reader: no FIFO, no link out, size-limited
    diags = Diagnostics()
    if not isinstance(raw, YMap):
        raise ReportgenError("a layout file must be a mapping of keys", Loc(display, 1, 1))
    for key in raw:
        if key not in KNOWN:
            diags.error(raw.key_locs[key], f"unknown layout key `{key}`{did_you_mean(key, KNOWN)}", "layout")
    overrides = raw.get("locales")
    layers = [raw]  # the base, then the overrides that apply, least specific first
    if overrides is not None and not isinstance(overrides, YMap):
        diags.error(raw.loc_of("locales"), "`locales` should be a mapping of language or locale to overrides, "
                    f"e.g. `en: {{paragraph: {{first_line_indent: 0}}}}`, not {_kind(overrides)}", "layout")
        overrides = None
    data = {k: v for k, v in raw.items() if k != "locales"}
    for key, value in (overrides or {}).items():
        if not isinstance(value, YMap):
            diags.error(overrides.loc_of(key), f"the overrides for `{key}` should be a mapping of layout keys, "
                        f"not {_kind(value)}", "layout")
        else:
            for inner in value:
                if inner not in KNOWN or inner in ("locales", "name"):
                    diags.error(value.key_locs[inner], f"`{inner}` cannot be overridden per locale"
                                f"{did_you_mean(inner, KNOWN - {'locales', 'name'})}", "layout")
    # The language's overrides first ("zh"), then the script's ("zh_TW" for zh_HK), then the locale's.
    for key in reversed(edition.catalogs):
        value = (overrides or {}).get(key)
        if isinstance(value, YMap):
            data = _merge(data, dict(value))
            layers.append(value)
    layout = _build(data, layers, display, edition, root, diags)
    if diags.errors:
        raise ReportgenError(diags.errors)
    return layout


def _kind(value) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "empty"
    return "text"


def _build(data, layers: list, display: str, edition, root: Path, diags: Diagnostics) -> Layout:
    from .yamlsrc import YMap

    raw = layers[0]

    def where(*keys, key=False):
        """The place a value was written (with `key`, its key): in the most specific override
        that sets it, else the base."""
        best = raw.loc
        for layer in reversed(layers):
            node, loc, found = layer, layer.loc, 0
            for name in keys:
                if isinstance(node, YMap) and name in node:
                    last = found == len(keys) - 1
                    loc = node.key_locs.get(name, node.loc_of(name)) if key and last else node.loc_of(name)
                    node = node[name]
                    found += 1
                else:
                    break
            if found == len(keys):
                return loc
            if found and layer is raw:
                best = loc
        return best

    def error(keys, message, key=False):
        diags.error(where(*keys, key=key), message, "layout")

    def mapping(value, keys, known=None, example=""):
        """A mapping, or {} with an error naming what was written instead."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            error(keys, f"`{'.'.join(keys)}` should be a mapping{example}, not {_kind(value)}")
            return {}
        if known is not None:
            for key in value:
                if key not in known:
                    error(keys + (key,), f"unknown key `{key}` in `{'.'.join(keys)}`{did_you_mean(key, known)}",
                          key=True)
        return value

    def number(value, keys, default, lo, hi, unit=""):
        if value is None:
            return float(default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            error(keys, f"`{'.'.join(keys)}` should be a number from {lo:g} to {hi:g}{unit}, not `{_show(value)}`")
            return float(default)
        if not lo <= value <= hi:
            error(keys, f"`{'.'.join(keys)}` is {value:g}; it should be from {lo:g} to {hi:g}{unit}")
            return float(default)
        return float(value)

    def text(value, keys, default):
        if value is None:
            return default
        if isinstance(value, (dict, list, bool)):
            error(keys, f"`{'.'.join(keys)}` should be text, not {_kind(value)}")
            return default
        value = str(value)
        for ch in value:
            if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0:
                error(keys, f"control character U+{ord(ch):04X} in `{'.'.join(keys)}`; remove it")
                return default
        return value

    mm = UNITS["mm"]
    page = mapping(data.get("page"), ("page",), PAGE_KEYS, " such as {size: A4, margins: {...}}")
    size = page.get("size", "A4")
    width, height = (v * mm for v in PAGE_SIZES["A4"])
    if isinstance(size, list):
        if len(size) != 2:
            error(("page", "size"), f"`page.size` should be a name ({', '.join(PAGE_SIZES)}) or [width, height], "
                  f"not a list of {len(size)}")
        else:
            before = len(diags.errors)
            sides = [length(v, where("page", "size"), diags) for v in size]
            if len(diags.errors) > before:
                pass  # the length's own message says what is wrong
            elif all(PAGE_MIN_MM * mm <= v <= PAGE_MAX_MM * mm for v in sides):
                width, height = sides
            else:
                error(("page", "size"), f"a page side should be from {PAGE_MIN_MM}mm to {PAGE_MAX_MM}mm; "
                      f"this page is {sides[0] / mm:g}mm × {sides[1] / mm:g}mm")
    elif isinstance(size, str) and size in PAGE_SIZES:
        width, height = (v * mm for v in PAGE_SIZES[size])
    else:
        error(("page", "size"), f"unknown page size `{_show(size)}`{did_you_mean(size, PAGE_SIZES)}; "
              f"use one of {', '.join(PAGE_SIZES)} or [width, height]")
    orientation = text(page.get("orientation"), ("page", "orientation"), "portrait")
    if orientation not in ("portrait", "landscape"):
        error(("page", "orientation"), f"orientation `{orientation}` should be portrait or landscape"
              f"{did_you_mean(orientation, ('portrait', 'landscape'))}")
    elif orientation == "landscape":
        width, height = height, width
    margins = mapping(page.get("margins"), ("page", "margins"), MARGIN_KEYS, " such as {top: 20mm, left: 22mm}")
    m = {}
    for side in MARGIN_KEYS:
        before = len(diags.errors)
        value = length(margins.get(side, "20mm"), where("page", "margins", side), diags)
        if len(diags.errors) > before:
            value = 20 * mm
        elif not 0 <= value <= MARGIN_MAX_MM * mm:
            error(("page", "margins", side), f"the {side} margin is {value / mm:g}mm; "
                  f"it should be from 0 to {MARGIN_MAX_MM}mm")
            value = 20 * mm
        m[side] = value
    if m["left"] + m["right"] > width - MIN_TEXT_WIDTH:
        error(("page", "margins"), "left and right margins leave less than 1 inch of text width; "
              "make them smaller")
    if m["top"] + m["bottom"] > height - MIN_TEXT_HEIGHT:
        error(("page", "margins"), "top and bottom margins leave less than 2 inches of text height; "
              "make them smaller")

    from .fonts import FAMILIES

    fonts = mapping(data.get("fonts"), ("fonts",), FONT_KEYS, " such as {pdf: Noto Sans CJK SC}")
    pdf_font = text(fonts.get("pdf"), ("fonts", "pdf"), "Noto Sans CJK SC")
    if pdf_font not in FAMILIES:
        error(("fonts", "pdf"), f"unknown PDF font family `{pdf_font}`{did_you_mean(pdf_font, FAMILIES)}; "
              f"available: {', '.join(FAMILIES)}")
    word_fonts = {}
    for key, default in (("word_latin", "Arial"), ("word_east_asia", "Microsoft YaHei")):
        value = text(fonts.get(key), ("fonts", key), default).strip()
        if not value or len(value) > MAX_FONT_NAME:
            error(("fonts", key), f"`fonts.{key}` should be a font name of 1 to {MAX_FONT_NAME} characters")
            value = default
        word_fonts[key] = value
    sizes = dict(DEFAULT_SIZES)
    for key, value in mapping(data.get("sizes"), ("sizes",), None, " such as {body: 10.5, h1: 17}").items():
        if key not in DEFAULT_SIZES:
            error(("sizes", key), f"unknown size `{key}`{did_you_mean(key, DEFAULT_SIZES)}", key=True)
        else:
            sizes[key] = number(value, ("sizes", key), DEFAULT_SIZES[key], *SIZE_RANGE, " pt")
    line_spacing = number(data.get("line_spacing"), ("line_spacing",), 1.5, *LINE_SPACING_RANGE,
                          " (a multiple of the font size)")
    # The sizes against the page: a line of body text holds some characters, and the
    # tallest line (a title, at its line spacing) fits a page several times over.
    text_width, text_height = width - m["left"] - m["right"], height - m["top"] - m["bottom"]
    if text_width >= MIN_TEXT_WIDTH and text_width < MIN_LINE_CHARS * sizes["body"]:
        error(("sizes", "body"), f"at {sizes['body']:g} pt a line of body text holds fewer than {MIN_LINE_CHARS} "
              f"characters in this page's {text_width / mm:.0f}mm of text width; use a smaller size, smaller "
              "margins or a larger page")
    tallest = max(sizes.values()) * line_spacing
    if text_height >= MIN_TEXT_HEIGHT and text_height < 3 * tallest:
        error(("sizes",), f"the largest size at this line spacing makes {tallest:.0f} pt lines, more than a third "
              f"of this page's {text_height / mm:.0f}mm of text height; use smaller sizes or a larger page")
    colors = dict(DEFAULT_COLORS)
    for key, value in mapping(data.get("colors"), ("colors",), None, " of name to `#RRGGBB`").items():
        if key not in DEFAULT_COLORS:
            hint = did_you_mean(key, DEFAULT_COLORS) or f"; the layout's colours are {', '.join(DEFAULT_COLORS)}"
            error(("colors", key), f"unknown colour `{key}`{hint}", key=True)
        elif not isinstance(value, str) or not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
            error(("colors", key), f"colour `{_show(value)}` should be written `#RRGGBB` (in quotes: YAML "
                  "reads an unquoted # as a comment)")
        else:
            colors[key] = value
    palette_value = data.get("palette")
    palette = list(DEFAULT_PALETTE)
    if palette_value is not None:
        if not isinstance(palette_value, list) or not 1 <= len(palette_value) <= MAX_PALETTE:
            given = f"{len(palette_value)} of them" if isinstance(palette_value, list) else _kind(palette_value)
            error(("palette",), f"`palette` should be a list of 1 to {MAX_PALETTE} colours `#RRGGBB`, not {given}")
        else:
            bad = [i for i, c in enumerate(palette_value)
                   if not isinstance(c, str) or not re.fullmatch(r"#[0-9A-Fa-f]{6}", c)]
            for i in bad:
                error(("palette",), f"palette colour {i + 1} `{_show(palette_value[i])}` should be written `#RRGGBB`")
            if not bad:
                palette = [str(c) for c in palette_value]
    family = edition.numbering
    numbering = mapping(data.get("numbering"), ("numbering",), set(DEFAULT_NUMBERING),
                        " of numbering family (zh, en) to a list of formats, one per heading level")
    formats = numbering.get(family)
    if formats is None:
        formats = DEFAULT_NUMBERING[family]
    elif not isinstance(formats, list) or not 1 <= len(formats) <= MAX_NUMBERING_LEVELS or \
            any(isinstance(f, (dict, list, bool)) or f is None for f in formats):
        error(("numbering", family), f"`numbering.{family}` should be a list of 1 to {MAX_NUMBERING_LEVELS} "
              "formats such as \"{1}.{2} \"")
        formats = DEFAULT_NUMBERING[family]
    for fmt in formats:
        for token in re.findall(r"\{([^}]*)\}", str(fmt)):
            if not re.fullmatch(r"[1-6](:(zh|decimal|alpha|roman))?", token):
                error(("numbering",), f"numbering token `{{{token}}}` is not known; "
                      "use {1}..{6}, optionally with :zh, :alpha or :roman")
    parts = {}
    for key, default in (("header", {}), ("footer", {"center": "{page_of}"})):
        value = data.get(key)
        slots = dict(default) if value is None else {}
        for slot, content in mapping(value, (key,), SLOTS, " of slot (left, center, right) to text").items():
            if slot in SLOTS:
                content = text(content, (key, slot), "")
                missing = _missing_glyphs(content, pdf_font, root)
                if missing:
                    ch = missing[0]
                    error((key, slot), f"the font {pdf_font} has no glyph for “{ch}” (U+{ord(ch):04X}, "
                          f"{unicodedata.name(ch, 'an unnamed character')}); remove it or write it another way")
                for token in re.findall(r"\{([^}]*)\}", content):
                    if token not in TOKENS:
                        error((key, slot), f"unknown token `{{{token}}}` in {key}{did_you_mean(token, TOKENS)}")
                slots[slot] = content
        parts[key] = slots
    paragraph = mapping(data.get("paragraph"), ("paragraph",), PARAGRAPH_KEYS, " such as {first_line_indent: 2}")
    indent = number(paragraph.get("first_line_indent"), ("paragraph", "first_line_indent"), 0, *INDENT_RANGE, " em")
    space_after = number(paragraph.get("space_after"), ("paragraph", "space_after"), 6, *SPACE_AFTER_RANGE, " pt")
    # `。，、` at a line's end may hang into the right margin (PDF); off, the line ends at it.
    hanging = paragraph.get("hanging_punctuation", False)
    if not isinstance(hanging, bool):
        error(("paragraph", "hanging_punctuation"), "`paragraph.hanging_punctuation` should be true or false")
        hanging = False
    cover = mapping(data.get("cover"), ("cover",), COVER_KEYS, " such as {band: true, logo: assets/logo.png}")
    band = cover.get("band", True)
    if not isinstance(band, bool):
        error(("cover", "band"), "`cover.band` should be true or false")
        band = True
    logo = text(cover.get("logo"), ("cover", "logo"), "")
    logo_path = None
    if logo and name_problem(logo):
        error(("cover", "logo"), f"logo `{show_name(logo)}` {name_problem(logo)}")
    elif logo:
        candidate = (root / logo).resolve()
        if not candidate.is_relative_to(root.resolve()) or not candidate.is_file():
            error(("cover", "logo"), f"logo `{logo}` not found inside the project")
        else:
            logo_path = str(candidate)
    reference = text(data.get("docx_reference"), ("docx_reference",), "")
    reference_path = None
    if reference and name_problem(reference):
        error(("docx_reference",), f"reference document `{show_name(reference)}` {name_problem(reference)}")
    elif reference:
        candidate = (root / "layouts" / reference).resolve()
        if not candidate.is_relative_to((root / "layouts").resolve()) or not candidate.is_file():
            error(("docx_reference",), f"reference document `{reference}` not found in layouts/")
        else:
            problem = reference_problem(str(candidate))
            if problem:
                error(("docx_reference",), f"reference document `{reference}` {problem}")
            else:
                reference_path = str(candidate)
    toc_depth = data.get("toc_depth", 2)
    if isinstance(toc_depth, bool) or not isinstance(toc_depth, int) or not 1 <= toc_depth <= 4:
        error(("toc_depth",), "toc_depth must be a whole number from 1 to 4")
        toc_depth = 2
    chapter_break = text(data.get("chapter_break"), ("chapter_break",), "page")
    if chapter_break not in CHAPTER_BREAKS:
        error(("chapter_break",), f"`chapter_break: {chapter_break}` should be one of {', '.join(CHAPTER_BREAKS)}"
              f"{did_you_mean(chapter_break, CHAPTER_BREAKS)} (page: every chapter starts a page; auto: only "
              "when little of the page is left; none: chapters run on)")
        chapter_break = "page"
    break_space = number(data.get("chapter_break_min_space"), ("chapter_break_min_space",), 0.4,
                         *CHAPTER_BREAK_SPACE_RANGE, " (a share of the text height)")
    separator = text(data.get("caption_separator"), ("caption_separator",), CAPTION_SEPARATORS[edition.numbering])
    if not separator:
        error(("caption_separator",), "`caption_separator` is empty: the number would run into the caption's text; "
              "write e.g. \": \", \"：\" or two spaces")
        separator = CAPTION_SEPARATORS[edition.numbering]
    odd_space = next((ch for ch in separator if ch.isspace() and ch not in " \u00a0"), None)
    if len(separator) > MAX_CAPTION_SEPARATOR:
        error(("caption_separator",), f"`caption_separator` is {len(separator)} characters; write at most "
              f"{MAX_CAPTION_SEPARATOR}, such as \": \" or \"：\"")
        separator = CAPTION_SEPARATORS[edition.numbering]
    elif odd_space:
        # Fonts are cut to the characters a document prints, and wide spaces are not among them.
        error(("caption_separator",), f"`caption_separator` holds U+{ord(odd_space):04X} "
              f"({unicodedata.name(odd_space, 'a space')}); use ordinary spaces or a mark such as \"：\"")
        separator = CAPTION_SEPARATORS[edition.numbering]
    elif _missing_glyphs(separator, pdf_font, root):
        ch = _missing_glyphs(separator, pdf_font, root)[0]
        error(("caption_separator",), f"the font {pdf_font} has no glyph for “{ch}” (U+{ord(ch):04X}) of "
              "`caption_separator`; write it another way")
        separator = CAPTION_SEPARATORS[edition.numbering]
    publisher = text(data.get("publisher"), ("publisher",), "").strip()
    closing_map = mapping(data.get("closing"), ("closing",), set(CLOSING_PARTS),
                          " such as {disclaimer: ..., copyright: ..., contact: ...}")
    closing = []
    for part in CLOSING_PARTS:
        value = closing_map.get(part)
        if value is None:
            continue
        if isinstance(value, (dict, list, bool)):
            error(("closing", part), f"`closing.{part}` should be Markdown text, not {_kind(value)}")
        elif len(str(value)) > MAX_CLOSING_TEXT:
            error(("closing", part), f"`closing.{part}` is {len(str(value)):,} characters; write at most "
                  f"{MAX_CLOSING_TEXT:,}")
        elif str(value).strip():
            closing.append((part, str(value).strip()))
    # Charts in the PDF: vector (text kept as text, in the report's fonts) unless the layout asks for pictures.
    chart_format = data.get("chart_format", "vector")
    if chart_format not in CHART_FORMATS:
        error(("chart_format",), f"`chart_format` should be {' or '.join(CHART_FORMATS)}, not `{_show(chart_format)}`")
        chart_format = "vector"
    return Layout(
        name=text(data.get("name"), ("name",), Path(display).stem),
        page_width=width, page_height=height,
        margin_top=m["top"], margin_bottom=m["bottom"], margin_left=m["left"], margin_right=m["right"],
        pdf_font=pdf_font,
        word_latin=word_fonts["word_latin"],
        word_east_asia=word_fonts["word_east_asia"],
        sizes=sizes,
        line_spacing=line_spacing,
        first_line_indent=indent,
        space_after=space_after,
        colors=colors, palette=palette,
        header=parts["header"], footer=parts["footer"],
        numbering=[str(f) for f in formats], toc_depth=toc_depth,
        cover_band=band, logo=logo_path,
        docx_reference=reference_path, path=display, chart_format=str(chart_format), hanging_punctuation=hanging,
        chapter_break=chapter_break, chapter_break_min_space=break_space, caption_separator=separator,
        publisher=publisher, closing=tuple(closing),
    )


def _missing_glyphs(text: str, family: str, root: Path) -> list[str]:
    """Characters of a header or footer the PDF font cannot draw (checked here, where the
    layout's locations are known)."""
    from .fonts import FAMILIES, family_chars

    if family not in FAMILIES or not text.strip():
        return []
    chars = family_chars(family, root)
    return sorted({ch for ch in text if ch not in chars and not ch.isspace() and unicodedata.category(ch)[0] != "C"})


def reference_problem(path: str) -> str:
    """Why a reference .docx cannot be used ('' when it can), read with limits."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    return _reference_problem(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _reference_problem(path: str, size: int, mtime_ns: int) -> str:
    import zipfile

    if size > REFERENCE_MAX_BYTES:
        return f"is {size / 1e6:.0f} MB, more than {REFERENCE_MAX_BYTES / 1e6:.0f} MB: save a smaller one"
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > REFERENCE_MAX_ENTRIES:
                return f"holds {len(entries):,} files, more than {REFERENCE_MAX_ENTRIES:,}: it is not a Word document"
            unpacked = sum(e.file_size for e in entries)
            packed = sum(e.compress_size for e in entries) or 1
            if unpacked > REFERENCE_MAX_UNPACKED or unpacked > REFERENCE_MAX_RATIO * max(packed, size // 2):
                return (f"unpacks to {unpacked / 1e6:,.0f} MB from {size / 1e3:,.0f} kB (limits: "
                        f"{REFERENCE_MAX_UNPACKED / 1e6:.0f} MB, {REFERENCE_MAX_RATIO}× its size): refused")
            names = {e.filename for e in entries}
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                return "is not a Word document (.docx): save it from Word as a .docx file"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return f"is not a Word document (.docx) ({type(exc).__name__}): save it from Word as a .docx file"
    try:
        import docx

        docx.Document(path)
    except Exception as exc:  # python-docx and lxml raise many kinds for a damaged package
        return f"cannot be opened as a Word document ({type(exc).__name__}): save it again from Word"
    return ""
