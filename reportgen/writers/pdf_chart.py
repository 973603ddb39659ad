"""Charts in the PDF as vector drawings, and the alternative text of every chart.

`chartdraw` writes a chart as SVG with its text kept as text (`svg.fonttype: none`), each
text naming the face family and weight it was measured with. svglib turns that SVG into a
ReportLab drawing; every text of it is mapped to the two faces the PDF writer registered
(never to a font svglib would look up or fall back to), so chart labels are real,
selectable text in the report's own embedded fonts, and a CJK label has the same glyphs
as the body text.

ReportLab writes no tagged PDF, so the alternative text goes where a reader can find it
without a structure tree: the chart's drawing operators are wrapped in a marked-content
sequence `/Figure <</Alt (…)>> BDC … EMC` (PDF 32000-1, 14.6 and 14.9.3).
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from dataclasses import dataclass
from pathlib import Path

from . import rl_platypus  # noqa: F401 - before ReportLab's Platypus (see there)
from reportlab.platypus import Flowable

from ..errors import Diagnostic, ReportgenError

BOLD_WEIGHTS = {"bold", "bolder", "600", "700", "800", "900"}


def _font_map(regular: str, bold: str):
    """A svglib font map that answers every SVG font with one of the writer's two faces."""
    from svglib.fonts import FontMap

    class ReportFaces(FontMap):
        # The SVGs are ours: every text names the report's face family, at weight 400 or 700.
        def find_font(self, font_name, weight="normal", style="normal"):
            return (bold if str(weight).strip().lower() in BOLD_WEIGHTS else regular), True

    return ReportFaces()


def load_drawing(path: str, regular: str, bold: str, loc=None):
    """The SVG at `path` as a ReportLab Drawing whose texts use the faces `regular` / `bold`.

    Parsing an SVG costs about 60 ms (svglib), loading the same drawing pickled about 1 ms,
    so every build after the first takes the drawing from beside the SVG in the chart cache
    (see `_parsed_path` for what it is keyed by)."""
    kept = _parsed_path(path, regular, bold)
    drawing = _cached_drawing(kept)
    if drawing is None:
        drawing = _parse(path, regular, bold, loc)
        _keep_drawing(kept, drawing)
    missing = missing_glyphs(drawing)
    if missing:
        raise ReportgenError(Diagnostic(loc, f"the chart's text has characters its font cannot draw: "
                                        f"{', '.join(f'“{c}” (U+{ord(c):04X})' for c in missing)}", "error", "pdf"))
    return drawing


def _parse(path: str, regular: str, bold: str, loc=None):
    from svglib.svglib import svg2rlg

    # svglib logs every SVG feature it approximates; a chart's SVG uses none it cannot draw.
    logging.getLogger("svglib.svglib").setLevel(logging.ERROR)
    try:
        drawing = svg2rlg(str(path), font_map=_font_map(regular, bold))
    except (OSError, ValueError) as exc:
        drawing, reason = None, str(exc)
    else:
        reason = "not an SVG drawing"
    if drawing is None:
        raise ReportgenError(Diagnostic(loc, f"the drawn chart `{path}` cannot be read ({reason}); "
                                        "delete the cache folder and build again", "error", "pdf"))
    # ReportLab starts every drawing in Helvetica, which would be declared (not embedded) in
    # the PDF even though no text uses it.
    drawing.initialFontName = regular
    _plain_paths(drawing)
    return drawing


def _plain_paths(node) -> None:
    """Make svglib's own path kinds plain ReportLab paths, drawn the same.

    svglib marks a fill-only path and a clipping path by subclasses whose `getProperties`
    blanks the stroke (and the fill). Kept as they are, every build that loads the drawing
    from the cache imports svglib (and through it ReportLab's bitmap renderer) just to
    unpickle them; with the blanked properties set on a plain `Path`, the PDF is the same."""
    from reportlab.graphics.shapes import Path

    for i, child in enumerate(getattr(node, "contents", None) or ()):
        kind = type(child)
        if kind is not Path and isinstance(child, Path) and kind.__module__.startswith("svglib"):
            props = child.getProperties()
            plain = Path.__new__(Path)
            plain.__dict__.update(child.__dict__)
            for name in ("strokeWidth", "strokeColor", "fillColor"):
                if name in props:
                    plain.__dict__[name] = props[name]
            node.contents[i] = plain
        else:
            _plain_paths(child)


def _parsed_path(path: str, regular: str, bold: str) -> Path | None:
    """Where the drawing parsed from the SVG at `path` is kept: beside it, named by what it
    follows from (`_kept_key`)."""
    key = _kept_key(path, regular, bold)
    return Path(path).with_name(f"{Path(path).name}.{key[:16]}.drawing") if key is not None else None


def _kept_key(path: str, regular: str, bold: str) -> str | None:
    """What a chart's parsed drawing and its form follow from: the SVG's bytes, the face names
    its texts use and what their advances follow from (svglib measures text with the
    registered faces while parsing), and the versions of reportgen, svglib and ReportLab.

    The SVG's bytes count by their digest, which the build checked against the one beside
    the SVG when it looked for undrawn charts (`cachefiles.checked_digest` remembers it);
    an SVG without one is hashed here."""
    import reportlab
    from reportlab.pdfbase import pdfmetrics

    from ..cachefiles import checked_digest, sha256_file
    from ..fonts import FORMAT_VERSION
    from ..incremental import toolkit_hash

    try:
        svg = checked_digest(Path(path)) or sha256_file(Path(path))
    except OSError:
        return None
    metrics = [getattr(pdfmetrics._fonts.get(name), "reportgen_metrics", "") for name in (regular, bold)]
    key = "\0".join([svg, regular, bold, *metrics, FORMAT_VERSION, toolkit_hash(), _svglib_version(),
                     reportlab.Version])
    return hashlib.sha256(key.encode()).hexdigest()


def _svglib_version() -> str:
    from ..cachefiles import installed_version

    return installed_version("svglib")


def _cached_drawing(target: Path | None):
    """The drawing kept at `target`, if it is intact."""
    from ..cachefiles import intact

    if target is None or not intact(target):
        return None
    try:
        return pickle.loads(target.read_bytes())
    except Exception:  # noqa: BLE001 - an unreadable cache entry costs a parse, never the build
        return None


def _keep_drawing(target: Path | None, drawing) -> None:
    from ..cachefiles import save

    if target is None:
        return
    try:
        data = pickle.dumps(drawing, protocol=pickle.HIGHEST_PROTOCOL)
        save(target, lambda tmp: tmp.write_bytes(data))
    except (OSError, pickle.PicklingError):  # a cache that cannot be written costs time, not correctness
        pass


def missing_glyphs(drawing) -> list[str]:
    """Characters of the drawing's texts that their faces have no glyph for (they would print
    as empty boxes: text in a PDF falls back to no other font)."""
    from reportlab.graphics.shapes import Group, String
    from reportlab.pdfbase import pdfmetrics

    missing: dict[str, None] = {}
    stack = list(drawing.contents)
    while stack:
        node = stack.pop()
        if isinstance(node, Group):
            stack.extend(node.contents)
        elif isinstance(node, String):
            face = getattr(pdfmetrics.getFont(node.fontName), "face", None)
            cmap = getattr(face, "charToGlyph", None)
            if cmap is not None:
                missing.update((c, None) for c in node.text if not c.isspace() and ord(c) not in cmap)
    return sorted(missing)


class VectorChart(Flowable):
    """A chart's SVG drawn as vector graphics into a `width` x `height` box.

    Each distinct SVG becomes one PDF form (XObject) per document, drawn the first time it is
    placed and referenced after: a chart used twice (a summary repeated, a report bound from
    repeated parts) is parsed and written once. The SVG is parsed when first drawn and dropped
    after, as ReportLab's lazy images are: a long report with many charts does not keep them
    all in memory.

    The form's content is kept for later builds with the document's other kept drawings
    (the document template's `kept` store, `pdf_text.TextEngine`), keyed by what it follows
    from (`_form_key`): its operators, the characters it draws with each face and its
    graphics states. Glyph codes are code points and font resources are named by face
    (`pdf_cidfont.py`), so the kept content is the content this document would draw; a
    later build puts it in as it is, with neither the drawing loaded nor ReportLab's
    renderer run.
    """

    def __init__(self, path: str, width: float, height: float, regular: str, bold: str, loc=None):
        super().__init__()
        self.path, self.regular, self.bold, self.loc = path, regular, bold, loc
        self.drawWidth, self.drawHeight = width, height

    def wrap(self, aW, aH):
        return self.drawWidth, self.drawHeight

    def draw(self):
        from reportlab.graphics import renderPDF

        canv = self.canv
        forms = canv.__dict__.setdefault("_reportgen_charts", {})  # (path, faces) -> (form, width, height)
        key = (str(self.path), self.regular, self.bold)
        if key not in forms:
            name = f"RGChart{len(forms)}"
            store = getattr(getattr(canv, "_doctemplate", None), "kept", None)
            form_key = _form_key(self.path, self.regular, self.bold) if store is not None else None
            kept = store.drawn(form_key) if form_key is not None else None
            if not isinstance(kept, _Form):
                drawing = load_drawing(self.path, self.regular, self.bold, self.loc)
                kept = _record_form(canv, name, drawing, lambda: renderPDF.draw(drawing, canv, 0, 0))
                if form_key is not None:
                    store.keep_drawn(form_key, kept)
            else:
                _replay_form(canv, name, kept, self.loc)
            forms[key] = (name, kept.width, kept.height)
        name, width, height = forms[key]
        canv.saveState()
        # The SVG's size is the chart's size at full width; the box may be narrower.
        canv.scale(self.drawWidth / width, self.drawHeight / height)
        canv.doForm(name)
        canv.restoreState()


@dataclass
class _Form:
    """A chart's form as drawn: its operators (one string: kept as thousands of short ones,
    they took longer to load than a chart takes to draw), the characters it draws with each
    face (in the order first drawn), its graphics states by name, and its size."""

    ops: str
    chars: dict  # face name -> characters
    states: dict  # ExtGState (key, value) -> name
    width: float
    height: float


def _form_key(path: str, regular: str, bold: str) -> bytes | None:
    """The key of a chart's kept form: what its parsed drawing follows from (`_kept_key`;
    the form follows from the drawing, ReportLab's renderer and reportgen's fonts)."""
    key = _kept_key(path, regular, bold)
    return hashlib.blake2b(b"chart form\0" + key.encode(), digest_size=20).digest() if key is not None else None


def _record_form(canv, name: str, drawing, draw) -> _Form:
    """Draw `drawing` (by `draw()`) into form `name`, and what it drew."""
    doc = canv._doc
    canv.beginForm(name, 0, 0, drawing.width, drawing.height)
    outer = getattr(doc, "reportgen_drawn", None)
    doc.reportgen_drawn = drawn = {}
    try:
        draw()
    finally:
        doc.reportgen_drawn = outer
    kept = _Form("\n".join(canv._code), {face: "".join(chars) for face, chars in drawn.items()},
                 dict(canv._extgstate._c), drawing.width, drawing.height)
    canv.endForm()
    return kept


def _replay_form(canv, name: str, kept: _Form, loc=None) -> None:
    """Put a kept form into this document as drawing it would: its faces take its characters
    (and declare themselves) in the order it first drew them."""
    from reportlab.pdfbase import pdfmetrics

    doc = canv._doc
    missing = {}
    for face_name, chars in kept.chars.items():
        font = pdfmetrics.getFont(face_name)
        held = font.face.charToGlyph
        missing.update((c, None) for c in chars if not c.isspace() and ord(c) not in held)
    if missing:
        raise ReportgenError(Diagnostic(loc, f"the chart's text has characters its font cannot draw: "
                                        f"{', '.join(f'“{c}” (U+{ord(c):04X})' for c in sorted(missing))}",
                                        "error", "pdf"))
    canv.beginForm(name, 0, 0, kept.width, kept.height)
    for face_name, chars in kept.chars.items():
        font = pdfmetrics.getFont(face_name)
        font.splitString(chars, doc)
        font.getSubsetInternalName(0, doc)
    if kept.ops:  # the form's stream is its lines joined, as ReportLab joins them
        canv._code.append(kept.ops)
    canv._extgstate._c.update(kept.states)
    canv.endForm()


class Described(Flowable):
    """A flowable (a chart, vector or picture) inside a marked-content sequence carrying its
    alternative text, so that PDF readers and text extractors can find the description."""

    def __init__(self, inner, alt: str):
        super().__init__()
        self.inner, self.alt = inner, alt
        self.drawWidth, self.drawHeight = inner.drawWidth, inner.drawHeight

    def wrap(self, aW, aH):
        return self.drawWidth, self.drawHeight

    def drawOn(self, canvas, x, y, _sW=0):
        code = getattr(canvas, "_code", None)
        if code is not None and self.alt:
            code.append(f"/Figure <</Alt {pdf_text(self.alt)}>> BDC")
        self.inner.drawOn(canvas, x, y, _sW)
        if code is not None and self.alt:
            code.append("EMC")


def pdf_text(text: str) -> str:
    """A PDF text string: UTF-16BE with its byte-order mark, as hex (any character, no escaping)."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"
