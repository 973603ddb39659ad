"""YAML as written: text places keep the characters typed, data places read numbers by one
rule (YAML 1.2 core, decimal only) in both parsers, and wrapped Chinese lines join without
a space in every scalar style."""

from __future__ import annotations

import docx
import pytest
import yaml
from conftest import make_project
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen import yamlsrc
from reportgen.cli import main
from reportgen.errors import ReportgenError
from reportgen.spec import load_spec

AS_TYPED = ["010", "0x1F", "1.10", "1e3", ".5", "+1", "1_000", "yes", "off", "~", "2024-01-01",
            "true", "False", "null", "0o17", "-0.0", "1.", ".inf"]


@pytest.fixture(params=["fast", "pure"])
def loader(request, monkeypatch):
    """Run a test with libyaml's parser and with the pure-Python one: they must agree."""
    if request.param == "pure":
        monkeypatch.setattr(yamlsrc, "_FastLoader", None)
    elif yamlsrc._FastLoader is None:
        pytest.skip("PyYAML without libyaml")
    return request.param


def _docx_text(path) -> list[str]:
    document = docx.Document(path)
    return [p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells]


def test_titles_and_captions_print_as_typed(tmp_path):
    sections = "".join(f"""\
  - title: {typed}
    numbered: false
    blocks:
      - figure:
          image: assets/dot.png
          caption: {typed}
""" for typed in AS_TYPED)
    project = make_project(tmp_path, {"content/r/report.yaml": f"title: 010\nsubtitle: 1.10\nsections:\n{sections}"})
    _png(project / "assets/dot.png")
    assert main(["-C", str(project), "build", "--format", "docx"]) == 0
    text = _docx_text(project / "output/zh_CN/r.docx")
    assert "010" in text and "1.10" in text
    for typed in AS_TYPED:
        assert typed in text, typed  # the heading
        assert any(t.startswith("图") and t.endswith(typed) for t in text), typed  # the caption


def _png(path) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (4, 4), "white").save(path)


def test_table_cells_print_as_typed(tmp_path):
    project = make_project(tmp_path, {"content/r/report.yaml": """\
title: t
sections:
  - title: s
    blocks:
      - table:
          columns: [a, b, c]
          rows: [[010, 1.10, 0x1F]]
"""})
    assert main(["-C", str(project), "build", "--format", "docx"]) == 0
    text = _docx_text(project / "output/zh_CN/r.docx")
    assert ["010", "1.10", "0x1F"] == [t for t in text if t in ("010", "1.10", "0x1F", "10", "1.1", "31")]


# ---------------------------------------------------------------- the number rule

@pytest.mark.parametrize("text, value", [
    ("010", 10), ("-007", -7), ("+1", 1), ("1.10", 1.1), ("1e3", 1000.0), (".5", 0.5), ("1.", 1.0),
    ("true", True), ("False", False), ("~", None), ("null", None), ("", None),
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("y", "y"),
    ("0x1F", "0x1F"), ("0o17", "0o17"), ("1_000", "1_000"), ("1:30", "1:30"), ("2024-01-01", "2024-01-01"),
])
def test_scalars_follow_the_core_schema_in_both_parsers(text, value, loader):
    read = yamlsrc.loads(f"k: {text}\n", "t.yaml")["k"]
    assert read == value and type(read) is type(value)


scalar_text = st.one_of(
    st.from_regex(r"[-+]?[0-9_]{1,6}(\.[0-9]{0,3})?([eE][-+]?[0-9]{1,2})?", fullmatch=True),
    st.from_regex(r"0[xXoObB][0-9a-fA-F_]{1,4}", fullmatch=True),
    st.sampled_from(["yes", "No", "ON", "off", "y", "n", "true", "TRUE", "tRue", "~", "null", "NULL", ".inf",
                     "-.Inf", ".NaN", ".nan", "2024-01-01", "2024-02-30", "1:30:00", "<<", "="]),
)


@settings(max_examples=300, deadline=None)
@given(scalar_text)
def test_both_parsers_read_every_scalar_alike(text):
    if yamlsrc._FastLoader is None:
        return
    try:
        pure = yaml.load(f"k: {text}\n", Loader=yamlsrc._Loader)
    except yaml.YAMLError:
        pure = "error"
    try:
        fast = yaml.load(f"k: {text}\n", Loader=yamlsrc._FastLoader)
    except yaml.YAMLError:
        fast = "error"
    assert repr(pure) == repr(fast)
    if isinstance(pure, dict):
        value = pure["k"]
        # Never YAML 1.1's readings: octal, hexadecimal, sexagesimal, yes/no booleans, dates.
        assert not isinstance(value, bool) or text.lower() in ("true", "false")
        if isinstance(value, int) and not isinstance(value, bool):
            assert value == int(text.replace("_", "!"), 10)


def test_explicit_tags_with_impossible_values_are_located(loader):
    with pytest.raises(ReportgenError, match=r"t.yaml:2:4: error: bad value"):
        yamlsrc.loads("a: 1\nb: !!timestamp 2025-02-30\n", "t.yaml")
    with pytest.raises(ReportgenError, match=r"t.yaml:1:4: error: bad value"):
        yamlsrc.loads("a: !!float abc\n", "t.yaml")


def test_merge_keys_are_still_refused(loader):
    with pytest.raises(ReportgenError, match="merge keys"):
        yamlsrc.loads("a: &x {b: 1}\nc:\n  <<: *x\n", "t.yaml")


# ---------------------------------------------------------------- folding Chinese lines

FOLDED = {
    "folded": "k: >\n  甲乙丙丁\n  戊己。\n",
    "folded strip": "k: >-\n  甲乙丙丁\n  戊己。\n",
    "plain": "k: 甲乙丙丁\n  戊己。\n",
    "double quoted": 'k: "甲乙丙丁\n  戊己。"\n',
    "single quoted": "k: '甲乙丙丁\n  戊己。'\n",
    "flow sequence": "k: [甲乙丙丁\n  戊己。]\n",
    "block sequence": "k:\n  - 甲乙丙丁\n    戊己。\n",
}


@pytest.mark.parametrize("style", FOLDED)
def test_wrapped_chinese_joins_without_a_space_in_every_style(style, loader):
    value = yamlsrc.loads(FOLDED[style], "t.yaml")["k"]
    if isinstance(value, list):
        value = value[0]
    assert value.rstrip("\n") == "甲乙丙丁戊己。"


@pytest.mark.parametrize("source, expected", [
    ("k: >\n  Latin words\n  wrapped here\n", "Latin words wrapped here\n"),
    ("k: >\n  中文\n  English\n", "中文 English\n"),
    ("k: >\n  English\n  中文\n", "English 中文\n"),
    ("k: >\n  中文，\n  English\n", "中文，English\n"),
    ("k: >\n  一段。\n\n  二段\n  继续\n", "一段。\n二段继续\n"),
    ("k: >\n  甲\n    乙（缩进）\n  丙\n", "甲\n  乙（缩进）\n丙\n"),
    ("k: |\n  甲\n  乙\n", "甲\n乙\n"),
    ('k: "甲\\\n  乙"\n', "甲乙"),
    ('k: "甲 \n  乙"\n', "甲乙"),
    ("k: 日本語の\n  テキスト\n", "日本語のテキスト"),
    ("k: 한국어\n  문장\n", "한국어 문장"),
    ("甲: >\n  乙\n丙: 丁\n", None),
])
def test_folding_keeps_latin_spaces_and_yaml_line_breaks(source, expected, loader):
    data = yamlsrc.loads(source, "t.yaml")
    if expected is None:
        assert data == {"甲": "乙\n", "丙": "丁"}
    else:
        assert data["k"] == expected


def test_folded_chinese_is_one_string_in_docx_and_catalog(tmp_path):
    project = make_project(tmp_path, {"content/r/report.yaml": """\
title: 报告
source_locale: zh_CN
locales: [zh_CN, en]
sections:
  - title: 标题
    id: s
    blocks:
      - text: >
          甲乙丙丁
          戊己庚辛。
      - >-
        子丑寅卯
        辰巳。
"""})
    assert main(["-C", str(project), "i18n", "extract", "r"]) == 0
    pot = (project / "content/r/locales/messages.pot").read_text(encoding="utf-8")
    assert 'msgid "甲乙丙丁戊己庚辛。' in pot and 'msgid "子丑寅卯辰巳。"' in pot
    assert "甲乙丙丁 " not in pot and "子丑寅卯 " not in pot
    assert main(["-C", str(project), "build", "r", "--locale", "zh_CN", "--format", "docx"]) == 0
    text = _docx_text(project / "output/zh_CN/r.docx")
    assert "甲乙丙丁戊己庚辛。" in text and "子丑寅卯辰巳。" in text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="甲乙丙。，abc XYZ", min_size=1, max_size=8).map(str.strip).filter(bool),
                min_size=1, max_size=5),
       st.sampled_from([">", ">-", "plain", '"']))
def test_folding_matches_yaml_except_between_cjk(lines, style):
    """Property: the value is YAML's own folding, minus the spaces between two CJK characters."""
    if style == "plain" and any(line[0] in "-?:,[]{}#&*!|>'\"%@`" or line[0] == " " for line in lines):
        return
    indent = "  "
    if style in (">", ">-"):
        source = f"k: {style}\n" + "".join(f"{indent}{line}\n" for line in lines)
    elif style == "plain":
        source = "k: " + f"\n{indent}".join(lines) + "\n"
    else:
        source = 'k: "' + f"\n{indent}".join(lines) + '"\n'
    try:
        plain_yaml = yaml.safe_load(source)["k"]
    except yaml.YAMLError:
        return
    ours = yamlsrc.loads(source, "t.yaml")["k"]
    expected = plain_yaml
    for a, b in zip(lines, lines[1:]):
        if yamlsrc.joins_without_space(a[-1], b[0]):
            expected = expected.replace(f"{a} {b}", f"{a}{b}", 1)
    assert ours == expected


def test_a_file_read_again_unchanged_comes_from_the_cache_with_its_locations(tmp_path, monkeypatch):
    """A layout or data file a build read is kept parsed in the project's cache: read again
    unchanged, it gives the same values and locations without composing the YAML; a changed
    file, a file with a problem and a damaged cache entry are parsed (and reported) again."""
    monkeypatch.setenv("REPORTGEN_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    path = root / "data" / "figures.yaml"
    path.write_text("market:\n  size: {2024: 12.5, 2025: 14.0}\n  name: 市场 \"规模\"\nrows:\n  - [a, 1]\n  - [b, 2]\n",
                    encoding="utf-8")
    composed = []
    real = yamlsrc._compose

    def compose(text, display):
        composed.append(display)
        return real(text, display)

    monkeypatch.setattr(yamlsrc, "_compose", compose)

    def read():
        value = yamlsrc.load(path, "data/figures.yaml", root, "data")
        return value, [(repr(value.loc_of(k)), value.loc_of(k).style) for k in value], \
            repr(value["market"].loc_of("size")), value["rows"].locs, value["market"].text_of("size")

    first = read()
    assert composed == ["data/figures.yaml"]
    assert read() == first and composed == ["data/figures.yaml"]  # from the cache

    path.write_text(path.read_text(encoding="utf-8").replace("14.0", "14.5"), encoding="utf-8")
    changed = read()
    assert changed[0]["market"]["size"][2025] == 14.5 and len(composed) == 2

    for entry in (tmp_path / "cache" / "yaml").glob("*.pickle"):
        entry.write_bytes(entry.read_bytes()[:20])  # damaged: not used
    assert read() == changed and len(composed) == 3

    path.write_text("market: [unclosed\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ReportgenError, match="figures.yaml:2:1: error: YAML syntax"):
            read()
    assert len(composed) == 5
