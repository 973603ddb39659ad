"""Layouts: page geometry, fonts, colours, header/footer and heading numbering, read from YAML.

A layout file is data. Its `locales:` mapping overrides keys per edition (fonts for
Traditional Chinese, numbering for English), merged over the base before validation.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import Diagnostics, Loc, ReportgenError, did_you_mean
from .yamlsrc import YMap, load

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

    @property
    def text_width(self) -> float:
        return self.page_width - self.margin_left - self.margin_right

    @property
    def text_height(self) -> float:
        return self.page_height - self.margin_top - self.margin_bottom


KNOWN = {
    "name", "page", "fonts", "sizes", "line_spacing", "paragraph", "colors", "palette",
    "header", "footer", "numbering", "toc_depth", "cover", "docx_reference", "locales",
}


def length(value, loc: Loc, diags: Diagnostics) -> float:
    """A length such as `25mm`, `2cm`, `1in`, `12pt` or a bare number of points."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*(mm|cm|in|pt)\s*", str(value))
    if not match:
        diags.error(loc, f"`{value}` is not a length; write e.g. `20mm`, `2cm`, `1in` or `12pt`", "layout")
        return 0.0
    return float(match.group(1)) * UNITS[match.group(2)]


def _merge(base, over):
    if isinstance(base, dict) and isinstance(over, dict):
        out = copy.copy(base)
        for key, value in over.items():
            out[key] = _merge(base.get(key), value) if key in base else value
        return out
    return over


def load_layout(root: Path, name: str, locale: str, loc: Loc | None = None) -> Layout:
    """Read `layouts/<name>.yaml` under project `root`, applying the locale's overrides."""
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
    display = f"layouts/{name}.yaml"
    raw = load(path, display)
    diags = Diagnostics()
    if not isinstance(raw, YMap):
        raise ReportgenError("a layout file must be a mapping of keys", Loc(display, 1, 1))
    for key in raw:
        if key not in KNOWN:
            diags.error(raw.key_locs[key], f"unknown layout key `{key}`{did_you_mean(key, KNOWN)}", "layout")
    overrides = raw.get("locales") or {}
    data = dict(raw)
    lang = locale.split("_")[0]
    # The language's overrides first ("zh"), then the locale's own ("zh_TW").
    for key in dict.fromkeys((lang, locale)):
        if key in overrides:
            data = _merge(data, overrides[key])
    layout = _build(data, raw, display, locale, root, diags)
    if diags.errors:
        raise ReportgenError(diags.errors)
    return layout


def _build(data, raw: YMap, display: str, locale: str, root: Path, diags: Diagnostics) -> Layout:
    here = raw.loc

    def where(*keys):
        node, loc = raw, here
        for key in keys:
            if isinstance(node, YMap) and key in node:
                loc = node.loc_of(key)
                node = node[key]
            else:
                break
        return loc

    page = data.get("page") or {}
    size = page.get("size", "A4")
    if isinstance(size, list) and len(size) == 2:
        width, height = (length(v, where("page", "size"), diags) for v in size)
    elif str(size) in PAGE_SIZES:
        width, height = (v * UNITS["mm"] for v in PAGE_SIZES[str(size)])
    else:
        diags.error(where("page", "size"), f"unknown page size `{size}`{did_you_mean(size, PAGE_SIZES)}; "
                    f"use one of {', '.join(PAGE_SIZES)} or [width, height]", "layout")
        width, height = (v * UNITS["mm"] for v in PAGE_SIZES["A4"])
    if str(page.get("orientation", "portrait")) == "landscape":
        width, height = height, width
    margins = page.get("margins") or {}
    m = {side: length(margins.get(side, "20mm"), where("page", "margins", side), diags)
         for side in ("top", "bottom", "left", "right")}
    if m["left"] + m["right"] >= width - 72:
        diags.error(where("page", "margins"), "left and right margins leave less than 1 inch of text width; "
                    "make them smaller", "layout")
    if m["top"] + m["bottom"] >= height - 144:
        diags.error(where("page", "margins"), "top and bottom margins leave less than 2 inches of text height; "
                    "make them smaller", "layout")

    fonts = data.get("fonts") or {}
    from .fonts import FAMILIES

    if str(fonts.get("pdf", "Noto Sans CJK SC")) not in FAMILIES:
        family = fonts.get("pdf")
        diags.error(where("fonts", "pdf"), f"unknown PDF font family `{family}`{did_you_mean(family, FAMILIES)}; "
                    f"available: {', '.join(FAMILIES)}", "layout")
    sizes = dict(DEFAULT_SIZES)
    for key, value in (data.get("sizes") or {}).items():
        if key not in DEFAULT_SIZES:
            diags.error(where("sizes"), f"unknown size `{key}`{did_you_mean(key, DEFAULT_SIZES)}", "layout")
        elif not isinstance(value, (int, float)) or value <= 0:
            diags.error(where("sizes", key), f"size `{key}` must be a positive number of points", "layout")
        else:
            sizes[key] = float(value)
    colors = dict(DEFAULT_COLORS)
    for key, value in (data.get("colors") or {}).items():
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", str(value)):
            diags.error(where("colors", key), f"colour `{value}` should be written `#RRGGBB`", "layout")
        else:
            colors[key] = str(value)
    palette = [str(c) for c in (data.get("palette") or DEFAULT_PALETTE)]
    for i, value in enumerate(palette):
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
            diags.error(where("palette"), f"palette colour {i + 1} `{value}` should be written `#RRGGBB`", "layout")
    lang = "zh" if locale.startswith("zh") else "en"
    numbering = data.get("numbering") or {}
    formats = numbering.get(lang) if isinstance(numbering, dict) else None
    formats = list(formats or DEFAULT_NUMBERING.get(lang, DEFAULT_NUMBERING["en"]))
    for fmt in formats:
        for token in re.findall(r"\{([^}]*)\}", str(fmt)):
            if not re.fullmatch(r"[1-6](:(zh|decimal|alpha|roman))?", token):
                diags.error(where("numbering"), f"numbering token `{{{token}}}` is not known; "
                            "use {1}..{6}, optionally with :zh, :alpha or :roman", "layout")
    for key in ("header", "footer"):
        for slot, text in (data.get(key) or {}).items():
            if slot not in ("left", "center", "right"):
                diags.error(where(key), f"{key} slot `{slot}` should be left, center or right", "layout")
            for token in re.findall(r"\{([^}]*)\}", str(text)):
                if token not in TOKENS:
                    diags.error(where(key, slot), f"unknown token `{{{token}}}` in {key}"
                                f"{did_you_mean(token, TOKENS)}", "layout")
    paragraph = data.get("paragraph") or {}
    cover = data.get("cover") or {}
    logo = cover.get("logo")
    logo_path = None
    if logo:
        candidate = (root / str(logo)).resolve()
        if not candidate.is_relative_to(root.resolve()) or not candidate.exists():
            diags.error(where("cover", "logo"), f"logo `{logo}` not found inside the project", "layout")
        else:
            logo_path = str(candidate)
    reference = data.get("docx_reference")
    reference_path = None
    if reference:
        candidate = (root / "layouts" / str(reference)).resolve()
        if not candidate.is_relative_to((root / "layouts").resolve()) or not candidate.exists():
            diags.error(where("docx_reference"), f"reference document `{reference}` not found in layouts/", "layout")
        else:
            reference_path = str(candidate)
    toc_depth = data.get("toc_depth", 2)
    if not isinstance(toc_depth, int) or not 1 <= toc_depth <= 4:
        diags.error(where("toc_depth"), "toc_depth must be a whole number from 1 to 4", "layout")
        toc_depth = 2
    return Layout(
        name=str(data.get("name") or Path(display).stem),
        page_width=width, page_height=height,
        margin_top=m["top"], margin_bottom=m["bottom"], margin_left=m["left"], margin_right=m["right"],
        pdf_font=str(fonts.get("pdf", "Noto Sans CJK SC")),
        word_latin=str(fonts.get("word_latin", "Arial")),
        word_east_asia=str(fonts.get("word_east_asia", "Microsoft YaHei")),
        sizes=sizes,
        line_spacing=float(data.get("line_spacing", 1.5)),
        first_line_indent=float(paragraph.get("first_line_indent", 0)),
        space_after=float(paragraph.get("space_after", 6)),
        colors=colors, palette=palette,
        header=dict(data.get("header") or {}), footer=dict(data.get("footer") or {"center": "{page_of}"}),
        numbering=[str(f) for f in formats], toc_depth=toc_depth,
        cover_band=bool(cover.get("band", True)), logo=logo_path,
        docx_reference=reference_path, path=display,
    )
