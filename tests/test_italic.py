"""Real italics: Latin emphasis in an italic face, Han characters inside it upright from Noto CJK."""

from __future__ import annotations

import re

import pytest
from conftest import make_project
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from reportgen.cli import main
from reportgen.fonts import faces_for, italic_source

pytestmark = pytest.mark.skipif(italic_source() is None, reason="no italic font package installed")

TEXT = "Plain italic 中文 “quoted” 医疗 Hx"


def outline(font: TTFont, ch: str):
    glyph = font["glyf"][font.getBestCmap()[ord(ch)]]
    return glyph.getCoordinates(font["glyf"])[0].array.tolist() if glyph.numberOfContours else []


def cap_height(font: TTFont) -> float:
    pen = BoundsPen(font.getGlyphSet())
    font.getGlyphSet()[font.getBestCmap()[ord("H")]].draw(pen)
    return pen.bounds[3]


@pytest.mark.parametrize("latin", [True, False])
def test_italic_faces_slant_latin_and_keep_han_upright(tmp_path, latin):
    faces = faces_for("Noto Sans CJK SC", TEXT, tmp_path, latin=latin)
    assert faces.italic and faces.bold_italic and faces.italic.exists() and faces.bold_italic.exists()
    upright, italic, bold = TTFont(faces.regular), TTFont(faces.italic), TTFont(faces.bold_italic)
    assert italic["post"].italicAngle < 0 and italic["OS/2"].fsSelection & 1
    assert bold["OS/2"].usWeightClass == 700 and bold["OS/2"].fsSelection & 0x21 == 0x21
    # Latin letters are the italic's, at the upright's capital height (no smaller emphasis).
    assert outline(italic, "a") != outline(upright, "a")
    assert cap_height(italic) == pytest.approx(cap_height(upright), rel=0.01)
    # Han characters are drawn by the upright face's glyphs, point for point.
    for ch in "中文医疗":
        assert outline(italic, ch) == outline(upright, ch)
    # Chinese editions keep full-width quotes inside emphasis; Latin ones take the italic's.
    quote = italic["hmtx"][italic.getBestCmap()[ord("“")]][0]
    assert (quote < 600) if latin else quote == upright["hmtx"][upright.getBestCmap()[ord("“")]][0] == 1000
    assert set(italic.getBestCmap()) >= set(upright.getBestCmap())


def test_emphasis_prints_in_the_italic_faces_with_han_upright(tmp_path):
    import pdfplumber

    spec = """\
title: Emphasis
source_locale: en
locales: [en]
sections:
  - title: Overview
    blocks:
      - "Plain then *slanted words 中文* and ***strong slant*** end."
"""
    project = make_project(tmp_path, {"content/em/report.yaml": spec})
    assert main(["-C", str(project), "build", "--format", "pdf"]) == 0
    with pdfplumber.open(str(project / "output/en/em.pdf")) as pdf:
        chars = [c for page in pdf.pages for c in page.chars]
    text = "".join(c["text"] for c in chars)
    assert "slantedwords中文" in re.sub(r"\s+", "", text)

    def fonts(word):
        start = text.index(word)
        return {re.sub(r"^[A-Z]{6}\+", "", c["fontname"]) for c in chars[start:start + len(word)]}

    assert fonts("slanted") == {"ReportgenNotoSansCJKSCLatin-Italic"}
    assert fonts("中文") == {"ReportgenNotoSansCJKSCLatin-Italic"}  # upright glyphs of the same face
    assert fonts("strong") == {"ReportgenNotoSansCJKSCLatin-BoldItalic"}
    assert fonts("Plain") == {"ReportgenNotoSansCJKSCLatin-Regular"}


def test_italics_are_cut_for_the_emphasised_characters_only(tmp_path, monkeypatch):
    """A report's italic faces hold what it prints in emphasis (and the Latin basics), not its
    whole Chinese character set; a report without emphasis gets none at all."""
    from reportgen.fonts import faces_for_variants

    monkeypatch.setenv("REPORTGEN_CACHE", str(tmp_path / ".reportgen-cache"))

    body = "医疗大模型市场规模持续增长，行业集中度提高。"
    plain = faces_for_variants("Noto Sans CJK SC", body + "Plain", tmp_path, {False}, emphasis="")[False]
    assert plain.italic is None and plain.bold_italic is None
    made = list((tmp_path / ".reportgen-cache/fonts").glob("*.ttf"))
    assert made and not [f for f in made if "italic" in f.name]

    faces = faces_for_variants("Noto Sans CJK SC", body + "Plain 规模", tmp_path, {False}, emphasis="规模 slant")[False]
    italic = set(TTFont(faces.italic).getBestCmap())
    upright = set(TTFont(faces.regular).getBestCmap())
    assert {ord("规"), ord("模"), ord("s")} <= italic < upright
    assert ord("疗") in upright and ord("疗") not in italic


def test_a_report_without_emphasis_builds_without_italic_faces(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTGEN_CACHE", str(tmp_path / "cache"))
    spec = """\
title: Upright
source_locale: en
locales: [en]
sections:
  - title: Overview
    blocks:
      - "Nothing here is emphasised, **only strong**."
"""
    project = make_project(tmp_path, {"content/up/report.yaml": spec})
    assert main(["-C", str(project), "build", "--format", "pdf"]) == 0
    made = list((tmp_path / "cache/fonts").glob("*.ttf"))
    assert made and not [f for f in made if "italic" in f.name]
    assert (project / "output/en/up.pdf").stat().st_size > 0


def test_every_cut_face_has_dates_font_readers_accept(tmp_path, caplog):
    """A face dated zero (1904) makes fontTools, and so every build reading it, print
    "'created' timestamp seems very low" on the console."""
    faces = faces_for("Noto Sans CJK SC", TEXT, tmp_path)
    with caplog.at_level("WARNING"):
        for path in (faces.regular, faces.bold, faces.italic, faces.bold_italic):
            head = TTFont(path)["head"]
            assert head.created > 0x7C259DC0 and head.modified > 0x7C259DC0  # after 1970
    assert not caplog.records, [r.getMessage() for r in caplog.records]
