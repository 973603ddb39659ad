"""Layouts: every value checked by type and range with its location; overrides chosen by
the edition's locale object; reference documents read with limits."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from conftest import make_project

from reportgen.errors import ReportgenError
from reportgen.layout import UNITS, load_layout

REPO = Path(__file__).resolve().parents[1]
MM = UNITS["mm"]


def layout_of(tmp_path, text: str, locale: str = "zh_CN", files: dict | None = None):
    project = make_project(tmp_path, {"layouts/t.yaml": text, **(files or {})})
    return load_layout(project, "t", locale)


def messages(tmp_path, text: str, locale: str = "zh_CN", files: dict | None = None) -> list[str]:
    with pytest.raises(ReportgenError) as caught:
        layout_of(tmp_path, text, locale, files)
    return [f"{d.loc}: {d.message}" for d in caught.value.diagnostics]


def test_the_sample_layout_reads_as_before():
    layout = load_layout(REPO, "market-report", "zh_CN")
    assert round(layout.page_width / MM) == 210 and round(layout.margin_top / MM) == 24
    assert layout.numbering[0] == "{1:zh}、" and layout.first_line_indent == 2.0 and layout.line_spacing == 1.6
    en = load_layout(REPO, "market-report", "en")
    assert en.numbering[0] == "{1}. " and en.first_line_indent == 0.0 and en.pdf_font == "Noto Sans CJK SC"


def test_overrides_follow_language_then_script_then_locale(tmp_path):
    text = ("locales:\n  zh: {line_spacing: 1.7}\n  zh_TW: {fonts: {pdf: Noto Sans CJK TC}}\n"
            "  zh_HK: {fonts: {pdf: Noto Sans CJK HK}}\n")
    assert layout_of(tmp_path, text, "zh_CN").pdf_font == "Noto Sans CJK SC"
    tw = layout_of(tmp_path, text, "zh_TW")
    assert tw.pdf_font == "Noto Sans CJK TC" and tw.line_spacing == 1.7
    # Macau writes Traditional characters: it takes the zh_TW overrides, not the Simplified default.
    assert layout_of(tmp_path, text, "zh_MO").pdf_font == "Noto Sans CJK TC"
    assert layout_of(tmp_path, text, "zh_HK").pdf_font == "Noto Sans CJK HK"
    assert layout_of(tmp_path, text, "en_GB").line_spacing == 1.5


def test_heading_numbers_by_the_locale_language(tmp_path):
    text = "numbering:\n  zh: ['第{1:zh}章 ']\n  en: ['Chapter {1}. ']\n"
    assert layout_of(tmp_path, text, "zh_TW").numbering == ["第{1:zh}章 "]
    assert layout_of(tmp_path, text, "en_US").numbering == ["Chapter {1}. "]


def test_an_override_error_points_into_the_override(tmp_path):
    text = "line_spacing: 1.5\nlocales:\n  en:\n    line_spacing: 9\n"
    assert messages(tmp_path, text, "en") == ["layouts/t.yaml:4:19: `line_spacing` is 9; it should be from 0.8 to 3 "
                                              "(a multiple of the font size)"]
    assert layout_of(tmp_path, text, "zh_CN").line_spacing == 1.5  # not this edition's override


def test_a_locale_reportgen_cannot_build_is_refused(tmp_path):
    assert "did you mean `zh_CN`?" in messages(tmp_path, "name: x\n", "zh-CN")[0]


@pytest.mark.parametrize("text, where, message", [
    ("page: A4\n", "1:7", "`page` should be a mapping"),
    ("page: {size: [210mm]}\n", "1:14", "not a list of 1"),
    ("page: {size: [0.5mm, 297mm]}\n", "1:14", "a page side should be from 50mm to 1200mm"),
    ("page: {size: [210mm, 10m]}\n", "1:14", "`10m` is not a length"),
    ("page: {size: {w: 1}}\n", "1:14", "unknown page size `a mapping`"),
    ("page: {margins: {top: -1cm}}\n", "1:23", "the top margin is -10mm"),
    ("page: {margins: {top: 250mm}}\n", "1:23", "it should be from 0 to 200mm"),
    ("page: {margins: {left: 100mm, right: 100mm}}\n", "1:17", "leave less than 1 inch of text width"),
    ("page: {margins: {top: .nan}}\n", "1:23", "is not a length"),
    ("page: {margin: {top: 1cm}}\n", "1:8", "unknown key `margin` in `page`; did you mean `margins`?"),
    ("fonts: [Noto Sans CJK SC]\n", "1:8", "`fonts` should be a mapping"),
    ("fonts: {word_latin: ''}\n", "1:21", "should be a font name of 1 to 31 characters"),
    ("sizes: [10, 12]\n", "1:8", "`sizes` should be a mapping"),
    ("sizes: {body: 0}\n", "1:15", "`sizes.body` is 0; it should be from 4 to 96 pt"),
    ("sizes: {body: true}\n", "1:15", "should be a number from 4 to 96 pt, not `True`"),
    ("line_spacing: -1\n", "1:15", "`line_spacing` is -1"),
    ("paragraph: {first_line_indent: two}\n", "1:32", "should be a number from 0 to 10 em"),
    ("colors: ['#000000']\n", "1:9", "`colors` should be a mapping"),
    ("colors: {primary: '#12345'}\n", "1:19", "should be written `#RRGGBB`"),
    ("colors: {primry: '#123456'}\n", "1:10", "unknown colour `primry`; did you mean `primary`?"),
    ("palette: '#000000'\n", "1:10", "`palette` should be a list"),
    ("palette: ['#000000', 5]\n", "1:10", "palette colour 2 `5`"),
    ("header: [left]\n", "1:9", "`header` should be a mapping"),
    ("footer: {middle: x}\n", "1:10", "unknown key `middle` in `footer`"),
    ("footer: {center: '{pages_of}'}\n", "1:18", "unknown token `{pages_of}`"),
    ("numbering: {zh: '{1}.'}\n", "1:17", "`numbering.zh` should be a list of 1 to 6 formats"),
    ("numbering: {zh: [[1]]}\n", "1:17", "`numbering.zh` should be a list"),
    ("toc_depth: true\n", "1:12", "toc_depth must be a whole number from 1 to 4"),
    ("cover: {band: maybe}\n", "1:15", "`cover.band` should be true or false"),
    ("cover: [band]\n", "1:8", "`cover` should be a mapping"),
    ("name: [a]\n", "1:7", "`name` should be text, not a list"),
    ("locales: {zh: {name: x}}\n", "1:16", "`name` cannot be overridden per locale"),
    ("chapter_break: always\n", "1:16", "`chapter_break: always` should be one of page, auto, none"),
    ("chapter_break: [page]\n", "1:16", "`chapter_break` should be text, not a list"),
    ("chapter_break_min_space: 40%\n", "1:26", "should be a number from 0.05 to 0.95"),
    ("chapter_break_min_space: 1.5\n", "1:26", "`chapter_break_min_space` is 1.5"),
    ("caption_separator: ''\n", "1:20", "`caption_separator` is empty: the number would run into"),
    ("caption_separator: \"\\u3000\"\n", "1:20", "holds U+3000 (IDEOGRAPHIC SPACE)"),
    ("caption_separator: '::::::::::'\n", "1:20", "is 10 characters; write at most 8"),
    ("closing: [disclaimer]\n", "1:10", "`closing` should be a mapping"),
    ("closing: {disclaimr: x}\n", "1:11", "unknown key `disclaimr` in `closing`; did you mean `disclaimer`?"),
    ("closing: {contact: [a]}\n", "1:20", "`closing.contact` should be Markdown text, not a list"),
    ("publisher: {a: 1}\n", "1:12", "`publisher` should be text"),
])
def test_values_are_checked_by_type_and_range_where_written(tmp_path, text, where, message):
    found = messages(tmp_path, text)
    assert any(f.startswith(f"layouts/t.yaml:{where}: ") and message in f for f in found), found


def test_several_problems_are_reported_together(tmp_path):
    found = messages(tmp_path, "page: {size: [1mm, 1mm]}\nsizes: {body: x}\npalette: []\n")
    assert len(found) == 3


def _docx(**extra) -> bytes:
    import docx

    out = io.BytesIO()
    docx.Document().save(out)
    if not extra:
        return out.getvalue()
    data = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as src, zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        for name, content in extra.items():
            dst.writestr(name, content)
    return data.getvalue()


def _project_with_reference(tmp_path, content: bytes):
    project = make_project(tmp_path, {"layouts/t.yaml": "docx_reference: ref.docx\n"})
    (project / "layouts" / "ref.docx").write_bytes(content)
    return project


def test_a_real_reference_document_is_used(tmp_path):
    project = _project_with_reference(tmp_path, _docx())
    assert load_layout(project, "t", "zh_CN").docx_reference == str((project / "layouts" / "ref.docx").resolve())


@pytest.mark.parametrize("content, message", [
    (_docx(**{"word/media/zeros.bin": b"\0" * 30_000_000}), "unpacks to"),
    (_docx(**{f"x/{i}.xml": b"" for i in range(2_100)}), "holds 2,"),
    (b"PK\x03\x04 truncated", "is not a Word document"),
    (b"plain text", "is not a Word document"),
])
def test_reference_documents_are_read_with_limits(tmp_path, content, message):
    project = _project_with_reference(tmp_path, content)
    with pytest.raises(ReportgenError) as caught:
        load_layout(project, "t", "zh_CN")
    text = str(caught.value)
    assert "layouts/t.yaml:1:17: error: reference document `ref.docx`" in text and message in text


def test_a_reference_document_that_is_a_folder_is_refused(tmp_path):
    project = make_project(tmp_path, {"layouts/t.yaml": "docx_reference: ref.docx\n", "layouts/ref.docx/x": ""})
    with pytest.raises(ReportgenError, match="not found in layouts/"):
        load_layout(project, "t", "zh_CN")


def _paths(node, prefix=()):
    """Every key path of a YAML mapping, depth first."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix + (key,)
            yield from _paths(value, prefix + (key,))


SWAPS = [[1, 2], {"a": 1}, "word", -1, 0, 1e9, None, True, ".nan", "", "😀", "#12"]


def test_no_value_in_any_place_of_a_layout_ends_other_than_a_layout_or_a_located_error(tmp_path):
    import copy

    import yaml

    base = yaml.safe_load((REPO / "layouts" / "market-report.yaml").read_text(encoding="utf-8"))
    project = make_project(tmp_path)
    tried = 0
    for path in _paths(base):
        for swap in SWAPS:
            data = copy.deepcopy(base)
            node = data
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = swap
            (project / "layouts" / "fuzz.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
            for locale in ("zh_CN", "en", "zh_TW"):
                tried += 1
                try:
                    load_layout(project, "fuzz", locale)
                except ReportgenError as exc:
                    assert all(d.loc and d.loc.path == "layouts/fuzz.yaml" and d.loc.line for d in exc.diagnostics), \
                        (path, swap, str(exc))
    assert tried > 1000


def test_page_keys_of_the_sample_layout_and_their_defaults(tmp_path):
    zh, en = load_layout(REPO, "market-report", "zh_CN"), load_layout(REPO, "market-report", "en")
    assert (zh.chapter_break, zh.chapter_break_min_space) == ("auto", 0.35)
    assert (zh.caption_separator, en.caption_separator) == ("：", ": ")
    bare = layout_of(tmp_path, "name: bare\n", "zh_CN")
    # A layout that says nothing keeps one chapter a page, and takes the locale's separator.
    assert bare.chapter_break == "page" and bare.caption_separator == "："
    assert layout_of(tmp_path, "name: bare\n", "en").caption_separator == ": "
    assert bare.publisher == "" and bare.closing == ()
    given = layout_of(tmp_path, "publisher: Pub House\nclosing: {contact: Write to us., disclaimer: '*No* advice.'}\n")
    # The closing page's parts print in one order, whatever order the layout writes them in.
    assert given.publisher == "Pub House" and given.closing == (("disclaimer", "*No* advice."), ("contact", "Write to us."))
