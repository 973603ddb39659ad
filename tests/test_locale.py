"""The edition locale: one object every stage asks, and clear errors for names reportgen cannot build."""

import pytest

from reportgen.errors import Loc, ReportgenError
from reportgen.locale import LocaleError, edition_locale, parse_locale


@pytest.mark.parametrize("name, language, script, tag, cjk", [
    ("zh_CN", "zh", "Hans", "zh-CN", True),
    ("zh_TW", "zh", "Hant", "zh-TW", True),
    ("zh_HK", "zh", "Hant", "zh-HK", True),
    ("en", "en", "Latn", "en", False),
    ("en_US", "en", "Latn", "en-US", False),
    ("zh_Hant", "zh", "Hant", "zh-Hant", True),
])
def test_facts_of_a_locale(name, language, script, tag, cjk):
    loc = edition_locale(name)
    assert (loc.language, loc.script, loc.tag, loc.cjk) == (language, script, tag, cjk)
    assert loc.numbering == ("zh" if language == "zh" else "en")


def test_traditional_chinese_falls_back_to_traditional_words():
    assert edition_locale("zh_HK").catalogs[:2] == ["zh_HK", "zh_TW"]
    assert "zh_TW" not in edition_locale("zh_SG").catalogs


@pytest.mark.parametrize("written, suggestion", [
    ("zh-CN", "zh_CN"), ("ZH_cn", "zh_CN"), ("en-us", "en_US"), ("zh-hant-tw", "zh_Hant_TW"),
])
def test_misspelt_locale_suggests_the_right_name(written, suggestion):
    with pytest.raises(LocaleError, match=f"did you mean `{suggestion}`"):
        edition_locale(written)


@pytest.mark.parametrize("written", ["fr", "de_DE", "../x", "", "xx", "zh_XX", "en/../zh"])
def test_locale_reportgen_cannot_build_is_an_error(written):
    with pytest.raises(LocaleError):
        edition_locale(written)


def test_parse_locale_is_located():
    with pytest.raises(ReportgenError) as info:
        parse_locale("zh-CN", Loc("content/r/report.yaml", 3, 10))
    assert str(info.value).startswith("content/r/report.yaml:3:10: error: `zh-CN`")


def test_a_locale_equals_its_name():
    assert edition_locale("zh_CN") == "zh_CN" and edition_locale("en") != "zh_CN"
    assert {edition_locale("en"): 1}["en"] == 1
