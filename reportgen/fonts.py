"""Fonts for PDF and charts: TrueType faces cut from the Noto Sans CJK collection.

ReportLab embeds only TrueType outlines and Noto CJK ships CFF2 variable outlines, so a
face is made per weight: subset to the characters the build needs, draw each glyph at
the weight's design location, convert its curves to quadratics (cu2qu) and save a small
TrueType font. Faces are cached by family, weight and character set, each with its digest
(see cachefiles.py): a damaged or truncated face is cut again, never read.

Noto CJK has no italic. Emphasis in Latin text takes Source Sans 3 Italic (the family Noto
CJK's Latin letters come from; `fontpkg-source-sans-3` installs it), drawn at the regular
and bold weights, or DejaVu Sans Oblique (shipped with matplotlib) when it is absent. Each
italic face also carries the upright face's glyph for every character the italic lacks, so
a run of emphasis mixing Chinese and English draws its Han characters (and, in Chinese
editions, its full-width quotes) upright from Noto CJK and its Latin letters italic, from
one face.
"""

from __future__ import annotations

import functools
import hashlib
import os
import struct
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .cachefiles import intact, save
from .errors import ReportgenError

# family -> (package, file, face index in the collection)
FAMILIES = {
    "Noto Sans CJK SC": ("manimgx_fonts_cjk", "NotoSansCJK-VF.otf.ttc", 2),
    "Noto Sans CJK TC": ("manimgx_fonts_cjk", "NotoSansCJK-VF.otf.ttc", 3),
    "Noto Sans CJK HK": ("manimgx_fonts_cjk", "NotoSansCJK-VF.otf.ttc", 4),
    "Noto Sans CJK JP": ("manimgx_fonts_cjk", "NotoSansCJK-VF.otf.ttc", 0),
    "Noto Sans CJK KR": ("manimgx_fonts_cjk", "NotoSansCJK-VF.otf.ttc", 1),
}
WEIGHTS = {"regular": 400, "bold": 700}
FORMAT_VERSION = "6"  # bump when the way faces are made changes

# Always present, so a changed number or a new English word does not cut a new face.
BASE_CHARS = set(string.printable) | {chr(c) for c in range(0xA0, 0x180)} | set(
    "，。、；：？！“”‘’（）《》〈〉【】『』「」—…·～％￥×÷±≤≥→←↑↓°℃‰•●○■□▲△◆◇★☆"
    "０１２３４５６７８９一二三四五六七八九十百千万亿元年月日第页共图表目录数据来源注"
)


@dataclass(frozen=True)
class Faces:
    """The TrueType files of one family for one character set."""

    family: str
    regular: Path
    bold: Path
    chars: frozenset
    latin: bool = False  # proportional quotes for Latin-script text
    # Latin italic and bold italic, with the upright faces' glyphs for what they lack
    # (None: no italic source is installed, and emphasis stays upright).
    italic: Path | None = None
    bold_italic: Path | None = None
    # What every character's advance in these faces follows from (the sources, the variant,
    # how faces are made), not which characters they hold: a face cut for more characters
    # gives each of these the same advance. Empty when unknown.
    metrics: str = ""

    def missing(self, text: str) -> set[str]:
        """Characters of `text` this face set cannot draw."""
        return {c for c in text if c not in self.chars and not c.isspace()}


def cache_dir(root: Path) -> Path:
    """Where generated fonts and charts are kept between builds."""
    env = os.environ.get("REPORTGEN_CACHE")
    return Path(env) if env else root / ".reportgen-cache"


def source_path(family: str) -> tuple[Path, int]:
    """The collection file and face index that provide `family`."""
    if family not in FAMILIES:
        from .errors import did_you_mean

        raise ReportgenError(
            f"unknown font family `{family}`{did_you_mean(family, FAMILIES)}; "
            f"available: {', '.join(FAMILIES)}"
        )
    package, filename, index = FAMILIES[family]
    try:
        path = Path(str(resources.files(package) / filename))
    except ModuleNotFoundError:
        path = None
    if path is None or not path.exists():
        raise ReportgenError(
            f"font `{family}` needs the Python package `{package.replace('_', '-')}`; "
            "reinstall reportgen (`pip install -e .`)"
        )
    return path, index


def faces_for(family: str, text: str, root: Path, latin: bool = False) -> Faces:
    """Regular and bold TrueType faces of `family` covering `text`, made or taken from cache,
    with italics for all of it.

    `latin=True` gives the variant for Latin-script editions: quotes and ellipses take the
    font's proportional forms (its `pwid` glyphs) instead of the full-width Chinese ones.
    """
    return faces_for_variants(family, text, root, {latin})[latin]


def faces_for_variants(family: str, text: str, root: Path, variants: set[bool],
                       emphasis: str | None = None, jobs: int = 1) -> dict[bool, Faces]:
    """Faces of `family` for each variant (False: Chinese, True: Latin) covering `text`;
    the variants still to be made are cut together, sharing the subset and the glyphs.

    The italics hold the characters of `emphasis` (None: all of `text`; "": no italics at
    all, the text has no emphasis). An italic face copies the upright glyph of every Han
    character it holds, so cutting it for a whole report's characters costs seconds that
    a report with a few emphasised English words need not pay."""
    path, index = source_path(family)
    stat = path.stat()
    source = hashlib.sha256(f"{path.name}|{index}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:8]
    wanted = frozenset(c for c in set(text) | BASE_CHARS if not c.isspace() or c == " ")
    folder = cache_dir(root) / "fonts"
    chosen, missing, donors = {}, {}, {}
    for latin in sorted(variants):
        variant = "latin" if latin else "cjk"
        key = hashlib.sha256(
            "\0".join([FORMAT_VERSION, family, variant, "".join(sorted(wanted))]).encode("utf-8")
        ).hexdigest()[:16]
        # The source file's identity in the name: faces cut from another version of the font
        # are neither reused nor taken glyphs from.
        slug = family.replace(" ", "") + ("Latin" if latin else "") + f"-v{FORMAT_VERSION}-{source}"
        files = {w: folder / f"{slug}-{w}-{key}.ttf" for w in WEIGHTS}
        if not all(intact(p) for p in files.values()):
            # A face cut earlier for more characters draws these identically: reuse it.
            files = _covering(folder, slug, wanted) or files
        chosen[latin] = files
        if not all(intact(p) for p in files.values()):
            missing[latin] = files
            # An edit that brings a few new characters: the glyphs an earlier face holds
            # are taken from it, only the new ones drawn (the face is the same either way).
            donor = _nearest(folder, slug, wanted)
            if donor is not None:
                donors[latin] = donor
    if missing:
        _make_faces(path, index, family, wanted, missing, jobs, donors)
    out = {}
    if emphasis is None:
        italics = wanted
    else:
        italics = frozenset(c for c in set(emphasis) | BASE_CHARS if not c.isspace() or c == " ") if emphasis else None
    # What a face cut for `wanted` holds: the wanted characters its source has (read from the
    # source's cached character ranges, not from the face: parsing it needs fontTools, whose
    # import alone costs a warm Word build more than its fonts do). A face reused for more
    # characters holds these too.
    held = family_holds(family, wanted, root)
    for latin, files in chosen.items():
        italic, bold_italic = _italics(family, latin, files, italics) if italics else (None, None)
        italic_key = italic_source()[2] if italic is not None else ""
        metrics = hashlib.sha256("|".join([FORMAT_VERSION, family, str(latin), source, italic_key]).encode()).hexdigest()
        out[latin] = Faces(family, files["regular"], files["bold"], held, latin, italic, bold_italic, metrics)
    return out


# Italic sources, best first: (package, file per weight, variable).
ITALIC_SOURCES = (
    ("fontpkg_source_sans_3", {"regular": "files/SourceSans3-Italic[wght].ttf",
                               "bold": "files/SourceSans3-Italic[wght].ttf"}, True),
    ("matplotlib", {"regular": "mpl-data/fonts/ttf/DejaVuSans-Oblique.ttf",
                    "bold": "mpl-data/fonts/ttf/DejaVuSans-BoldOblique.ttf"}, False),
)
ITALIC_WEIGHTS = {"regular": "italic", "bold": "bolditalic"}


@functools.lru_cache(maxsize=1)
def italic_source() -> tuple[dict, bool, str] | None:
    """The installed italic source: {weight: path}, whether it is variable, and a key that
    changes with its files (a newer package cuts new faces)."""
    for package, files, variable in ITALIC_SOURCES:
        try:
            root = resources.files(package)
        except ModuleNotFoundError:
            continue
        paths = {w: Path(str(root / f)) for w, f in files.items()}
        if all(p.is_file() for p in paths.values()):
            ident = "|".join(f"{p.name}:{p.stat().st_size}" for p in paths.values())
            return paths, variable, hashlib.sha256(f"{FORMAT_VERSION}|{ident}".encode()).hexdigest()[:8]
    return None


def _italics(family: str, latin: bool, files: dict, chars: frozenset) -> tuple[Path | None, Path | None]:
    """Italic and bold italic faces matching the upright `files` for `chars` (cached beside them)."""
    source = italic_source()
    if source is None:
        return None, None
    paths, variable, source_key = source
    chars_key = hashlib.sha256("".join(sorted(chars)).encode("utf-8")).hexdigest()[:8]
    targets = {}
    for weight, style in ITALIC_WEIGHTS.items():
        upright = files[weight]
        name = upright.name.replace(f"-{weight}-", f"-{style}-").removesuffix(".ttf") + f"-{source_key}{chars_key}.ttf"
        targets[weight] = upright.with_name(name)
    for weight, target in targets.items():
        if not intact(target):
            _make_italic(family, latin, weight, paths[weight], variable, files[weight], target, chars)
    return targets["regular"], targets["bold"]


_ITALIC_OUTLINES: dict = {}  # (source, weight, scale, glyph) -> (recorded outline, advance)


def _cap_height(glyph_set, cmap) -> float:
    from fontTools.pens.boundsPen import BoundsPen

    pen = BoundsPen(glyph_set)
    glyph_set[cmap[ord("H")]].draw(pen)
    return pen.bounds[3] - max(pen.bounds[1], 0)


def _make_italic(family: str, latin: bool, weight_name: str, source: Path, variable: bool, upright: Path,
                 target: Path, chars: frozenset) -> None:
    """One italic face for the `chars` the upright face has: the source's glyphs for those
    the source draws, the upright face's glyphs for the rest."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.recordingPen import DecomposingRecordingPen, RecordingPen
    from fontTools.pens.transformPen import TransformPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont

    up = TTFont(upright)
    up_cmap = up.getBestCmap()
    italic = TTFont(source)
    italic_cmap = italic.getBestCmap()
    location = {"wght": WEIGHTS[weight_name]} if variable else None
    glyph_set = italic.getGlyphSet(location=location, normalized=False) if variable else italic.getGlyphSet()
    # Noto CJK draws its Latin letters larger than the family they come from (a capital is
    # 733 units high, Source Sans 3's 656): the italic is scaled to the upright's capitals.
    scale = _cap_height(up.getGlyphSet(), up_cmap) / _cap_height(glyph_set, italic_cmap)
    # Chinese sets quotes and ellipses full width: in a Chinese edition they stay upright Noto.
    # Word spaces are the upright face's in every edition: a space inside emphasis is as wide
    # as one outside, so justification stretches both alike.
    keep_upright = {0x20, 0xA0} | (set() if latin else set(PROPORTIONAL))
    order, glyphs, metrics, cmap = [".notdef"], {}, {}, {}
    glyphs[".notdef"], metrics[".notdef"] = up["glyf"][".notdef"], up["hmtx"][".notdef"][0]

    def draw(name):
        # Both sources are TrueType: their curves are quadratic already, only scaled.
        # Composite glyphs are drawn out: their components are not copied. The Chinese and
        # Latin variants draw the same glyphs: each is drawn once per build.
        key = (str(source), weight_name, scale, name)
        if key not in _ITALIC_OUTLINES:
            recording = DecomposingRecordingPen(glyph_set)
            glyph = glyph_set[name]
            glyph.draw(recording)
            scaled = RecordingPen()
            recording.replay(TransformPen(scaled, (scale, 0, 0, scale, 0, 0)) if scale != 1 else scaled)
            _ITALIC_OUTLINES[key] = (scaled, round(glyph.width * scale))
        scaled, width = _ITALIC_OUTLINES[key]
        pen = TTGlyphPen(None)
        scaled.replay(pen)
        return pen.glyph(), width

    drawn: dict = {}
    codes = {ord(c) for c in chars}
    for code in sorted(c for c in up_cmap if c in codes):
        name = italic_cmap.get(code) if code not in keep_upright else None
        if name is not None:
            if name not in drawn:
                glyph, width = draw(name)
                new = f"i.{name}"
                drawn[name] = new
                order.append(new)
                glyphs[new] = glyph
                metrics[new] = width
            cmap[code] = drawn[name]
        else:
            up_name = up_cmap[code]
            new = f"u.{up_name}"
            if new not in glyphs:
                order.append(new)
                glyphs[new] = up["glyf"][up_name]
                metrics[new] = up["hmtx"][up_name][0]
            cmap[code] = new
    builder = FontBuilder(up["head"].unitsPerEm, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(cmap)
    builder.setupGlyf(glyphs)
    glyf = builder.font["glyf"]
    hmtx = {}
    for name in order:
        glyph = glyf[name]
        glyph.recalcBounds(glyf)
        hmtx[name] = (metrics[name], getattr(glyph, "xMin", 0))
    builder.setupHorizontalMetrics(hmtx)
    bold = weight_name == "bold"
    # The upright face's vertical metrics: a line with emphasis is as tall as one without.
    _setup_face(builder, up, family, latin, "Bold Italic" if bold else "Italic", WEIGHTS[weight_name],
                0x01 | (0x20 if bold else 0),
                "Derived from Source Sans 3 (or DejaVu Sans) and Noto Sans CJK, SIL Open Font License 1.1")
    builder.setupPost(italicAngle=italic["post"].italicAngle)
    builder.setupHead(unitsPerEm=up["head"].unitsPerEm, macStyle=0x02 | (0x01 if bold else 0),
                      created=up["head"].created, modified=up["head"].modified)
    # Font-wide values fixed (not computed from the glyphs present): the same face, whatever
    # else its character set holds, as for the upright faces.
    face = builder.font
    face.recalcTimestamp = False
    _fix_globals(face, up)
    target.parent.mkdir(parents=True, exist_ok=True)
    save(target, lambda tmp: face.save(str(tmp)))


def _nearest(folder: Path, slug: str, wanted) -> dict | None:
    """The cached regular and bold faces of this family and variant that hold the most of the
    wanted characters (at least half of them), to take glyphs from."""
    if not folder.exists():
        return None
    best, most = None, len(wanted) // 2
    for regular in sorted(folder.glob(f"{slug}-regular-*.ttf")):
        bold = regular.with_name(regular.name.replace("-regular-", "-bold-"))
        if intact(regular) and intact(bold):
            held = len(wanted & _cmap_chars(regular))
            if held > most:
                best, most = {"regular": regular, "bold": bold}, held
    return best


def _covering(folder: Path, slug: str, wanted) -> dict | None:
    """Cached regular and bold faces of this family and variant that hold every wanted character."""
    if not folder.exists():
        return None
    for regular in sorted(folder.glob(f"{slug}-regular-*.ttf")):
        bold = regular.with_name(regular.name.replace("-regular-", "-bold-"))
        if intact(regular) and intact(bold) and set(wanted) <= _cmap_chars(regular):
            return {"regular": regular, "bold": bold}
    return None


@functools.lru_cache(maxsize=64)
def _cmap_chars(path: Path) -> set[str]:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return {chr(c) for c in font.getBestCmap()}


def _fix_globals(face, source) -> None:
    """Give font-wide values fixed numbers instead of ones computed from the glyphs present.

    A face cut for a larger character set then embeds, glyph for glyph, exactly like one cut
    for fewer: a PDF or chart does not change with what else the same build printed.
    """
    face.recalcBBoxes = False
    face.recalcTimestamp = False
    head, src = face["head"], source["head"]
    head.xMin, head.yMin, head.xMax, head.yMax = src.xMin, src.yMin, src.xMax, src.yMax
    hhea = face["hhea"]
    hhea.advanceWidthMax = source["hhea"].advanceWidthMax
    hhea.minLeftSideBearing, hhea.minRightSideBearing = -1000, -1000
    hhea.xMaxExtent = src.xMax
    maxp = face["maxp"]
    # Upper bounds for any CJK glyph after curve conversion; rasterisers only size buffers by them.
    maxp.maxPoints, maxp.maxContours = 4096, 512
    maxp.maxCompositePoints = maxp.maxCompositeContours = maxp.maxComponentElements = maxp.maxComponentDepth = 0
    face["OS/2"].xAvgCharWidth = source["OS/2"].xAvgCharWidth


def _proportional(font, cmap: dict) -> dict:
    """code point → glyph name of the font's proportional (`pwid`) form, where it has one."""
    if "GSUB" not in font:
        return {}
    table = font["GSUB"].table
    lookups = set()
    for record in table.FeatureList.FeatureRecord:
        if record.FeatureTag == "pwid":
            lookups.update(record.Feature.LookupListIndex)
    out = {}
    for i in sorted(lookups):
        lookup = table.LookupList.Lookup[i]
        for sub in lookup.SubTable:
            sub = getattr(sub, "ExtSubTable", sub)
            mapping = getattr(sub, "mapping", None) or {}
            for code in PROPORTIONAL:
                glyph = cmap.get(code)
                if glyph in mapping:
                    out[code] = mapping[glyph]
    return out


# Punctuation that Chinese sets full-width and English proportional.
PROPORTIONAL = [0x2018, 0x2019, 0x201C, 0x201D, 0x2026]


def _make_faces(path: Path, index: int, family: str, wanted, targets: dict, jobs: int = 1,
                donors: dict | None = None) -> None:
    """Cut the faces for each variant in `targets` ({latin: {weight: path}}), drawing each
    glyph once per weight; a glyph that a face in `donors` ({latin: {weight: path}}, cut
    earlier from the same source) holds is taken from there, as it was drawn.

    The source is read as it is, lazily, not subset first: its glyphs are drawn again as
    TrueType outlines anyway, so a subset's work (and CFF subroutine pruning) is wasted.
    With `jobs` > 1 the bold weight is drawn in a forked process beside the regular."""
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, lazy=True)
    source_cmap = font.getBestCmap()
    base = {ord(c): source_cmap[ord(c)] for c in wanted if ord(c) in source_cmap}
    cmaps = {}
    for latin in targets:
        cmaps[latin] = dict(base)
        if latin:
            # `pwid`: Latin editions take the proportional quotes and ellipsis.
            cmaps[latin].update({code: name for code, name in _proportional(font, source_cmap).items()
                                 if code in base})
    names = {".notdef"} | {name for cmap in cmaps.values() for name in cmap.values()}
    order = sorted(names, key=font.getGlyphID)
    for files in targets.values():
        files["regular"].parent.mkdir(parents=True, exist_ok=True)

    def cut(weight_name: str, source=None) -> None:
        # A forked helper opens the source itself: a lazily read font seeks in its file,
        # and two processes must not share one file position.
        source = source or TTFont(path, fontNumber=index, lazy=True)
        glyphs, widths = _donated(donors, weight_name, order)
        drawn = [name for name in order if name not in glyphs]
        if drawn:
            more, more_widths = _draw_glyphs(source, drawn, WEIGHTS[weight_name])
            glyphs.update(more)
            widths.update(more_widths)
        for latin, files in targets.items():
            _save_face(source, family, latin, weight_name, WEIGHTS[weight_name], order, cmaps[latin], glyphs,
                       widths, files[weight_name])

    helper = None
    if jobs > 1 and hasattr(os, "fork"):
        import multiprocessing

        helper = multiprocessing.get_context("fork").Process(target=cut, args=("bold",), daemon=True)
        helper.start()
    try:
        for weight_name in WEIGHTS:
            if helper is None or weight_name != "bold":
                cut(weight_name, font)
    finally:
        if helper is not None:
            helper.join()
    if helper is not None and helper.exitcode != 0:
        cut("bold", font)  # the helper failed (out of memory, killed): the faces are still made


def _donated(donors: dict | None, weight_name: str, order: list[str]) -> tuple[dict, dict]:
    """The glyphs of `order` (and their advances) that the donor faces of `weight_name` hold."""
    from fontTools.ttLib import TTFont

    glyphs, widths = {}, {}
    for files in (donors or {}).values():
        try:
            donor = TTFont(files[weight_name])
            table, metrics = donor["glyf"], donor["hmtx"]
            for name in order:
                if name not in glyphs and name in table.glyphs:
                    # As stored: not unpacked, so saving writes its bytes back unchanged
                    # (compiling every outline again cost most of a growing face's time).
                    glyphs[name], widths[name] = table.glyphs[name], metrics[name][0]
        except Exception:  # noqa: BLE001 - an unreadable donor only means drawing more glyphs
            continue
    return glyphs, widths


def _draw_glyphs(font, order: list[str], weight: int) -> tuple[dict, dict]:
    """TrueType outlines and advance widths of `order`'s glyphs at design weight `weight`."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    # Drawing at a design location applies the variations without the (slow) instancer.
    glyph_set = font.getGlyphSet(location={"wght": weight}, normalized=False)
    glyphs, widths = {}, {}
    for name in order:
        pen = TTGlyphPen(None)
        glyph = glyph_set[name]
        glyph.draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
        widths[name] = round(glyph.width)
    return glyphs, widths


def face_family_name(family: str, latin: bool) -> str:
    """The family name (name ID 1) a cut face carries: what a Word file's runs name."""
    return f"Reportgen {family}{' Latin' if latin else ''}"


def _setup_face(builder, source, family: str, latin: bool, style: str, weight: int, selection: int,
                copyright: str) -> None:
    """The vertical metrics, names and OS/2 table of a face cut from `source`: its metrics
    and ranges, reportgen's family name (with " Latin" for the Latin variant) and `style`.
    Each face gets its own PostScript name: two faces sharing one embed as one."""
    hhea, os2 = source["hhea"], source["OS/2"]
    builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap)
    family_name = face_family_name(family, latin)
    ps_name = f"Reportgen{family.replace(' ', '')}{'Latin' if latin else ''}-{style.replace(' ', '')}"
    builder.setupNameTable({
        "familyName": family_name, "styleName": style, "psName": ps_name,
        "fullName": f"{family_name} {style}", "uniqueFontIdentifier": ps_name, "copyright": copyright,
    })
    builder.setupOS2(
        sTypoAscender=os2.sTypoAscender, sTypoDescender=os2.sTypoDescender,
        sTypoLineGap=os2.sTypoLineGap, usWinAscent=os2.usWinAscent, usWinDescent=os2.usWinDescent,
        usWeightClass=weight, fsType=0, fsSelection=selection,
        ulUnicodeRange1=os2.ulUnicodeRange1, ulUnicodeRange2=os2.ulUnicodeRange2,
        ulCodePageRange1=os2.ulCodePageRange1, ulCodePageRange2=os2.ulCodePageRange2,
        sxHeight=getattr(os2, "sxHeight", 0), sCapHeight=getattr(os2, "sCapHeight", 0),
    )


def _save_face(font, family, latin, weight_name, weight, order, cmap, glyphs, widths, target) -> None:
    """Write one TrueType face: the glyphs drawn at `weight`, with the variant's cmap."""
    from fontTools.fontBuilder import FontBuilder

    builder = FontBuilder(font["head"].unitsPerEm, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(cmap)
    # Glyphs taken from an earlier face as stored (see `_donated`) join after the drawn ones
    # are set up (which unpacks every glyph it is given, to check and bound it).
    stored = {name: glyph for name, glyph in glyphs.items() if hasattr(glyph, "data")}
    builder.setupGlyf({name: glyph for name, glyph in glyphs.items() if name not in stored})
    glyf = builder.font["glyf"]
    glyf.glyphs.update(stored)
    builder.setupHorizontalMetrics({n: (widths[n], _x_min(glyf.glyphs[n])) for n in order})
    style = "Bold" if weight_name == "bold" else "Regular"
    _setup_face(builder, font, family, latin, style, weight, 0x20 if style == "Bold" else 0x40,
                "Derived from Noto Sans CJK, SIL Open Font License 1.1")
    builder.setupPost()
    # The source's dates, not the time of the cut: the same bytes every build, and a date
    # every font reader accepts (zero is 1904, which fontTools and others warn about).
    builder.setupHead(unitsPerEm=font["head"].unitsPerEm, macStyle=1 if style == "Bold" else 0,
                      created=font["head"].created, modified=font["head"].modified)
    _fix_globals(builder.font, font)
    save(target, lambda tmp: builder.font.save(str(tmp)))


def _x_min(glyph) -> int:
    """A glyph's left edge (its side bearing): from the header of one still packed."""
    data = getattr(glyph, "data", None)
    if data is not None:
        return struct.unpack_from(">h", data, 2)[0] if len(data) >= 10 else 0
    return getattr(glyph, "xMin", 0)


_FAMILY_CHARS: dict[str, "_CharRanges"] = {}


def source_identity(family: str) -> str:
    """The source face of `family` as a cache key: its file (name, size, time) and index."""
    path, index = source_path(family)
    stat = path.stat()
    return f"{FORMAT_VERSION}|{path.name}|{index}|{stat.st_size}|{stat.st_mtime_ns}"


class _CharRanges:
    """The characters of a source face as sorted code-point ranges."""

    def __init__(self, ranges: list[tuple[int, int]]):
        self.starts = [first for first, _ in ranges]
        self.ends = [last for _, last in ranges]
        self._chars: frozenset | None = None

    @property
    def chars(self) -> frozenset:
        if self._chars is None:
            self._chars = frozenset(chr(c) for first, last in zip(self.starts, self.ends)
                                    for c in range(first, last + 1))
        return self._chars

    def holding(self, wanted) -> frozenset:
        """The characters of `wanted` in these ranges (without making the set of all of them)."""
        from bisect import bisect_right

        starts, ends = self.starts, self.ends
        out = []
        for ch in wanted:
            code = ord(ch)
            i = bisect_right(starts, code) - 1
            if i >= 0 and code <= ends[i]:
                out.append(ch)
        return frozenset(out)


def family_chars(family: str, root: Path | None = None) -> frozenset:
    """Every character `family` can draw, read from the cmap of its source face (no face is
    cut): what a check needs to know before anything is written. Kept in the project's
    cache as code-point ranges when `root` is given (reading the cmap takes a third of a
    second); a damaged cache file is read again from the font."""
    return _family_ranges(family, root).chars


def family_holds(family: str, wanted, root: Path | None = None) -> frozenset:
    """The characters of `wanted` that `family` can draw (as `family_chars`, for a few)."""
    return _family_ranges(family, root).holding(wanted)


def _family_ranges(family: str, root: Path | None) -> _CharRanges:
    if family in _FAMILY_CHARS:
        return _FAMILY_CHARS[family]
    path, index = source_path(family)
    key = hashlib.sha256(source_identity(family).encode()).hexdigest()
    cached = cache_dir(root) / "fonts" / f"chars-{family.replace(' ', '')}-{key[:16]}.txt" if root else None
    ranges = _read_ranges(cached) if cached else None
    if ranges is None:
        from fontTools.ttLib import TTFont

        with TTFont(path, fontNumber=index, lazy=True) as font:
            codes = sorted(font.getBestCmap())
        ranges = _ranges_of(codes)
        if cached:
            _write_ranges(cached, ranges, len(codes))
    found = _FAMILY_CHARS[family] = _CharRanges(ranges)
    return found


def _ranges_of(codes: list[int]) -> list[tuple[int, int]]:
    """Sorted code points as (first, last) runs."""
    ranges, start = [], None
    for i, code in enumerate(codes):
        if start is None:
            start = code
        if i + 1 == len(codes) or codes[i + 1] != code + 1:
            ranges.append((start, code))
            start = None
    return ranges


def _read_ranges(path: Path) -> list[tuple[int, int]] | None:
    """Ranges from lines `first-last` (hex, ascending, apart) under a `count N` line; None if
    absent or damaged."""
    try:
        lines = path.read_text(encoding="ascii").split()
        count = int(lines[0].removeprefix("count="))
        ranges, total, last = [], 0, -2
        for line in lines[1:]:
            first_text, last_text = line.split("-")
            first, end = int(first_text, 16), int(last_text, 16)
            if first <= last + 1 or end < first or end > 0x10FFFF:
                return None
            ranges.append((first, end))
            total += end - first + 1
            last = end
    except (OSError, ValueError, IndexError, UnicodeError, OverflowError):
        return None
    return ranges if ranges and total == count else None


def _write_ranges(path: Path, ranges: list[tuple[int, int]], count: int) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text("\n".join([f"count={count}", *(f"{a:x}-{b:x}" for a, b in ranges)]) + "\n",
                       encoding="ascii")
        os.replace(tmp, path)
    except OSError:  # a cache that cannot be written costs time, not correctness
        tmp.unlink(missing_ok=True)
