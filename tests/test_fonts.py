"""Cut faces: an edit that brings new characters draws only those; the face is the one a cold
cache would cut, byte for byte."""

from __future__ import annotations

import pytest

from reportgen import fonts

TEXT = "中国医疗大模型行业已从单模态文本处理迈向多模态临床智能协同阶段，“引号”…" * 3 + "Model 2025"
EDITED = TEXT.replace("协同", "") + "修订歧义"


@pytest.mark.parametrize("latin", [False, True])
def test_a_face_for_a_few_new_characters_draws_only_those_and_is_the_fresh_cut(tmp_path, monkeypatch, latin):
    fonts.faces_for("Noto Sans CJK SC", TEXT, tmp_path / "warm", latin=latin)
    drawn = []
    real = fonts._draw_glyphs
    monkeypatch.setattr(fonts, "_draw_glyphs", lambda font, order, weight: drawn.extend(order) or real(font, order, weight))
    grown = fonts.faces_for("Noto Sans CJK SC", EDITED, tmp_path / "warm", latin=latin)
    new = set(EDITED) - set(TEXT)
    from fontTools.ttLib import TTFont

    cmap = TTFont(grown.regular).getBestCmap()
    # Each new character's glyph, once per weight; nothing else.
    assert sorted(drawn) == sorted([cmap[ord(c)] for c in new] * 2)
    monkeypatch.setattr(fonts, "_draw_glyphs", real)
    fresh = fonts.faces_for("Noto Sans CJK SC", EDITED, tmp_path / "cold", latin=latin)
    assert grown.regular.read_bytes() == fresh.regular.read_bytes()
    assert grown.bold.read_bytes() == fresh.bold.read_bytes()


def test_faces_cut_from_another_version_of_the_font_are_not_used(tmp_path, monkeypatch):
    """An upgraded font package gives new faces: none is reused or taken glyphs from."""
    first = fonts.faces_for("Noto Sans CJK SC", TEXT, tmp_path)
    path, index = fonts.source_path("Noto Sans CJK SC")
    upgraded = tmp_path / ("upgraded-" + path.name)
    upgraded.symlink_to(path)  # another file as far as the cache can tell
    monkeypatch.setattr(fonts, "source_path", lambda family: (upgraded, index))
    drawn = []
    real = fonts._draw_glyphs
    monkeypatch.setattr(fonts, "_draw_glyphs", lambda font, order, weight: drawn.extend(order) or real(font, order, weight))
    again = fonts.faces_for("Noto Sans CJK SC", TEXT, tmp_path)
    from fontTools.ttLib import TTFont

    assert again.regular != first.regular
    # Every glyph drawn again, once per weight.
    assert sorted(drawn) == sorted(TTFont(first.regular).getGlyphOrder() * 2)


@pytest.mark.parametrize("latin", [False, True])
def test_a_face_says_it_holds_exactly_the_characters_its_cmap_maps(tmp_path, latin):
    """`Faces.chars` is what the cut face's cmap maps (found without reading the face):
    a character the font lacks is reported missing, none it has is."""
    from fontTools.ttLib import TTFont

    text = TEXT + "鿿\U000e0100\u2e80ﬀ"  # unassigned, a variation selector, and marks the font may lack
    faces = fonts.faces_for("Noto Sans CJK SC", text, tmp_path, latin=latin)
    for face in (faces.regular, faces.bold):
        assert faces.chars == {chr(c) for c in TTFont(face).getBestCmap()}
