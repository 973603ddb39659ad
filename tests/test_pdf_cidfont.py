"""Faces embedded as one composite font (Identity-H): text reads back as written, at the
advances the writer measured, from one font per face however many glyphs a page uses."""

from __future__ import annotations

import pytest

from reportgen.fonts import faces_for

pdfplumber = pytest.importorskip("pdfplumber")

# More than 256 distinct characters: ReportLab's simple-font subsets would need two.
HAN = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 600) if chr(c) not in "丟丠")[:300]
LATIN = "Report 2025: “quotes”, ellipsis… and a\u00a0no-break space"


@pytest.fixture(scope="module")
def faces(tmp_path_factory):
    return faces_for("Noto Sans CJK SC", HAN + LATIN, tmp_path_factory.mktemp("root"))


def draw(path, faces, lines):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen.canvas import Canvas

    from reportgen.writers.pdf import _register_fonts

    regular, _ = _register_fonts(faces)
    canvas = Canvas(str(path), pagesize=(600, 800))
    canvas.setFont(regular, 10)
    for i, text in enumerate(lines):
        canvas.drawString(20, 760 - 14 * i, text)
    canvas.showPage()
    canvas.save()
    return pdfmetrics.getFont(regular)


def test_text_reads_back_as_written_at_the_measured_advances(tmp_path, faces):
    lines = [HAN[i:i + 40] for i in range(0, len(HAN), 40)] + [LATIN]
    font = draw(tmp_path / "t.pdf", faces, lines)
    with pdfplumber.open(tmp_path / "t.pdf") as pdf:
        page = pdf.pages[0]
        fonts = {c["fontname"] for c in page.chars}
        rows: dict = {}
        for c in page.chars:
            rows.setdefault(round(c["top"]), []).append(c)
    assert len(fonts) == 1  # one font for all of them, not one per 256 glyphs
    got = ["".join(c["text"] for c in sorted(row, key=lambda c: c["x0"])) for _, row in sorted(rows.items())]
    assert got == [line.replace("\u00a0", " ") for line in lines]
    for _, row in rows.items():
        row = sorted(row, key=lambda c: c["x0"])
        for c in row:
            # Each glyph as wide as the writer measured it (the font's W array agrees).
            assert c["x1"] - c["x0"] == pytest.approx(font.stringWidth(c["text"], 10), abs=0.01)


def test_the_pdf_declares_a_type0_font_with_its_unicode_map(tmp_path, faces):
    from pypdf import PdfReader

    draw(tmp_path / "t.pdf", faces, [HAN[:50], LATIN])
    reader = PdfReader(tmp_path / "t.pdf")
    # (the canvas also declares its initial Helvetica, which the writer replaces)
    [font] = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()
              if "Reportgen" in f.get_object()["/BaseFont"]]
    assert font["/Subtype"] == "/Type0" and font["/Encoding"] == "/Identity-H"
    cid = font["/DescendantFonts"][0].get_object()
    assert cid["/Subtype"] == "/CIDFontType2"
    assert str(font["/BaseFont"]).split("+")[1] == "ReportgenNotoSansCJKSC-Regular"
    import re

    cmap = font["/ToUnicode"].get_object().get_data().decode()
    mapped = "".join(re.findall(r"beginbfchar\n(.*?)endbfchar", cmap, re.S))
    pairs = [(int(c, 16), chr(int(u, 16))) for c, u in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]{4,8})>", mapped)]
    # Every character drawn, once (the no-break space reads as the space), and the
    # replacement character for code 0.
    assert len(pairs) == len(set(HAN[:50] + LATIN)) + 1
    assert {char for _, char in pairs} == set(HAN[:50] + LATIN.replace("\u00a0", " ")) | {"\ufffd"}
    # A character's code is its code point.
    assert all(code == ord(char) for code, char in pairs if code and code != 0xA0)
    # The glyph map takes each code to a glyph of the font program: one each, .notdef for none.
    glyph_map = cid["/CIDToGIDMap"].get_object().get_data()
    glyph = {code: int.from_bytes(glyph_map[2 * code:2 * code + 2], "big") for code, _ in pairs}
    assert glyph[0] == 0 and all(glyph[code] for code, _ in pairs if code)
    assert len({glyph[code] for code, char in pairs if code and char != " "}) == len(pairs) - 3  # .notdef, two spaces


def test_a_character_the_face_lacks_reads_back_as_the_replacement_character(tmp_path, faces):
    draw(tmp_path / "t.pdf", faces, ["丟" + HAN[:3]])  # cut without 丟
    with pdfplumber.open(tmp_path / "t.pdf") as pdf:
        text = "".join(c["text"] for c in pdf.pages[0].chars)
    assert text == "\ufffd" + HAN[:3]


def test_the_same_text_gives_the_same_bytes(tmp_path, faces, monkeypatch):
    """A code is the character's code point, not a glyph of the face: a face that holds more
    gives the same file."""
    from reportlab import rl_config

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")

    saved = rl_config.invariant
    rl_config.invariant = 1
    try:
        draw(tmp_path / "a.pdf", faces, [HAN[:80], LATIN])
        bigger = faces_for("Noto Sans CJK SC", HAN + LATIN + "增加的字", tmp_path / "other")
        draw(tmp_path / "b.pdf", bigger, [HAN[:80], LATIN])
    finally:
        rl_config.invariant = saved
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
