"""`i18n update` keeps what translators and their tools wrote, as msgmerge --previous does."""

from __future__ import annotations

import os
import shutil
import subprocess

import polib
import pytest
from conftest import make_project

from reportgen.cli import main

PO = "content/alpha/locales/en.po"
SPEC = "content/alpha/report.yaml"


def run(project, *args):
    return main(["-C", str(project), *args])


def change_spec(project, old, new):
    spec = project / SPEC
    text = spec.read_text(encoding="utf-8")
    assert old in text
    spec.write_text(text.replace(old, new, 1), encoding="utf-8")


def entries(project, path=PO):
    return polib.pofile(str(project / path), wrapwidth=0)


# What Poedit writes: its own header fields and dates, and strings wrapped at 79 columns.
POEDIT_FILE = '''\
# Translators of report A.
msgid ""
msgstr ""
"Project-Id-Version: alpha 2\\n"
"POT-Creation-Date: 2000-01-01 00:00+0000\\n"
"PO-Revision-Date: 2026-11-30 17:42+0800\\n"
"Last-Translator: Li Hua <li@example.com>\\n"
"Language-Team: English\\n"
"Language: en\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"X-Generator: Poedit 3.4.2\\n"

#: content/alpha/report.yaml:1
msgctxt "report|title"
msgid "甲报告"
msgstr "Report A"

# Use "market size", not "market scale".
#: content/alpha/report.yaml:5
msgctxt "size|title"
msgid "市场规模"
msgstr "Market size"

#. Keep each {{ … }} placeholder exactly as written; you may move it.
#: content/alpha/report.yaml:8
msgctxt "size|text"
msgid "2024 年市场规模为 {{ money(figures.market.size[2024]) }}。"
msgstr ""
"In 2024 the market was worth "
"{{ money(figures.market.size[2024]) }}."

#: content/alpha/report.yaml:11
msgctxt "size|chart.caption"
msgid "市场规模"
msgstr "Market size"

#: content/alpha/report.yaml:16
msgctxt "size|chart.caption"
msgid "模型类型"
msgstr "Model types"

#: content/data/figures.yaml:8
msgctxt "data"
msgid "通用医疗大模型"
msgstr "General medical models"

#: content/data/figures.yaml:9
msgctxt "data"
msgid "专科医疗大模型"
msgstr "Specialty medical models"
'''


def test_nothing_changed_leaves_a_poedit_file_byte_identical(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    assert run(project, "i18n", "update") == 0  # the .pot now exists
    (project / PO).write_text(POEDIT_FILE, encoding="utf-8")
    before = {p: p.read_bytes() for p in project.glob("content/*/locales/*")}
    stamp = (project / PO).stat().st_mtime_ns
    assert run(project, "i18n", "update") == 0
    assert {p: p.read_bytes() for p in project.glob("content/*/locales/*")} == before
    assert (project / PO).stat().st_mtime_ns == stamp  # not even rewritten with the same bytes


def test_a_change_keeps_the_translators_header_fields(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    (project / PO).write_text(POEDIT_FILE, encoding="utf-8")
    change_spec(project, "title: 市场规模\n", "title: 市场规模概览\n")
    assert run(project, "i18n", "update") == 0
    po = entries(project)
    assert po.metadata["PO-Revision-Date"] == "2026-11-30 17:42+0800"
    assert po.metadata["Last-Translator"] == "Li Hua <li@example.com>"
    assert po.metadata["X-Generator"] == "Poedit 3.4.2"
    assert po.metadata["Project-Id-Version"] == "alpha 2"
    assert "Generated-By" not in po.metadata
    assert po.header == "Translators of report A."


def test_translator_comment_and_previous_msgid_follow_a_changed_source(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    (project / PO).write_text(POEDIT_FILE, encoding="utf-8")
    change_spec(project, "title: 市场规模\n", "title: 市场规模概览\n")
    assert run(project, "i18n", "update") == 0
    text = (project / PO).read_text(encoding="utf-8")
    entry = entries(project).find("市场规模概览", msgctxt="size|title")
    assert entry.fuzzy and entry.msgstr == "Market size"
    assert entry.previous_msgid == "市场规模"
    assert entry.tcomment == 'Use "market size", not "market scale".'
    assert '#| msgid "市场规模"' in text and "# | msgid" not in text
    assert "#~" not in text  # the old entry moved; no obsolete copy keeps the comment
    # A second run with nothing changed keeps the previous-msgid line exactly.
    first = (project / PO).read_bytes()
    assert run(project, "i18n", "update") == 0
    assert (project / PO).read_bytes() == first


@pytest.mark.skipif(shutil.which("msgmerge") is None, reason="gettext's msgmerge is not installed")
def test_merge_agrees_with_msgmerge_previous(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    (project / PO).write_text(POEDIT_FILE, encoding="utf-8")
    assert run(project, "i18n", "update") == 0
    old = tmp_path / "old.po"
    shutil.copy(project / PO, old)
    change_spec(project, "title: 市场规模\n", "title: 市场规模概览\n")
    change_spec(project, "caption: 模型类型\n", "caption: 类型\n")
    assert run(project, "i18n", "update") == 0
    ours = entries(project)
    merged = tmp_path / "msgmerge.po"
    subprocess.run(["msgmerge", "--quiet", "--previous", "-o", str(merged), str(old),
                    str(project / "content/alpha/locales/messages.pot")], check=True)
    theirs = polib.pofile(str(merged), wrapwidth=0)
    def view(po):
        return sorted((e.msgctxt or "", e.msgid, e.msgstr, e.fuzzy, e.previous_msgid or "", e.tcomment, e.obsolete)
                      for e in po)
    assert view(ours) == view(theirs)


def test_obsolete_entries_are_kept_and_dropped_with_no_obsolete(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    change_spec(project, "      - chart:\n          type: donut\n          caption: 模型类型\n          data: figures.types\n", "")
    assert run(project, "i18n", "update") == 0
    obsolete = [e.msgid for e in entries(project).obsolete_entries()]
    assert "模型类型" in obsolete and "通用医疗大模型" in obsolete
    assert run(project, "i18n", "update", "--no-obsolete") == 0
    assert entries(project).obsolete_entries() == []
    assert "#~" not in (project / PO).read_text(encoding="utf-8")


def test_an_obsolete_translation_comes_back_when_its_source_does(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    spec_text = (project / SPEC).read_text(encoding="utf-8")
    change_spec(project, "caption: 模型类型\n", "caption: 完全不同的东西\n")
    assert run(project, "i18n", "update") == 0
    (project / SPEC).write_text(spec_text, encoding="utf-8")
    assert run(project, "i18n", "update") == 0
    entry = entries(project).find("模型类型", msgctxt="size|chart.caption")
    assert entry.msgstr == "Model types" and not entry.fuzzy and not entry.obsolete


def test_babel_damage_is_repaired_and_translator_comments_kept(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    po = project / PO
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgctxt "size|title"', '# Glossary: 规模 = size\n# | msgid "市场规"\n# | msgid\n'
                               '# "市场"\nmsgctxt "size|title"', 1), encoding="utf-8")
    assert run(project, "i18n", "update") == 0
    entry = entries(project).find("市场规模", msgctxt="size|title")
    assert entry.tcomment == "Glossary: 规模 = size"
    assert "# |" not in po.read_text(encoding="utf-8")


def test_template_headers_and_references(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    assert run(project, "i18n", "update") == 0
    for path in ("content/alpha/locales/messages.pot", PO):
        po = entries(project, path)
        assert all(e.occurrences for e in po), [e.msgid for e in po if not e.occurrences]
        assert po.metadata["Project-Id-Version"] in ("alpha", "alpha 1")
        assert po.metadata["Language"] in ("zh_CN", "en")
        assert po.metadata["Plural-Forms"].startswith("nplurals=")
        raw = (project / path).read_text(encoding="utf-8")
        for placeholder in ("EMAIL@ADDRESS", "FULL NAME", "LL@li.org", "Generated-By"):
            assert placeholder not in raw
    pot = entries(project, "content/alpha/locales/messages.pot")
    assert pot.metadata["Project-Id-Version"] == "alpha" and pot.metadata["Language"] == "zh_CN"
    # Category labels from data files point at their line in the data file.
    label = pot.find("专科医疗大模型", msgctxt="data")
    assert label.occurrences == [("content/data/figures.yaml", "9")]
    assert entries(project).metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"


def test_a_new_locale_gets_a_complete_header(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    change_spec(project, "locales: [zh_CN, en]", "locales: [zh_CN, en, zh_TW]")
    assert run(project, "i18n", "update", "alpha") == 0
    po = entries(project, "content/alpha/locales/zh_TW.po")
    assert po.metadata["Language"] == "zh_TW" and po.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert po.metadata["Project-Id-Version"] == "alpha"
    if shutil.which("msgfmt"):
        for name in ("zh_TW.po", "messages.pot"):
            result = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(project / "content/alpha/locales" / name)],
                                    capture_output=True, text=True)
            assert result.returncode == 0 and "warning" not in result.stderr, result.stderr


def test_update_keeps_the_files_permissions(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    os.chmod(project / PO, 0o640)
    change_spec(project, "title: 市场规模\n", "title: 市场规模概览\n")
    assert run(project, "i18n", "update") == 0
    assert (project / PO).stat().st_mode & 0o777 == 0o640
    assert not list((project / "content/alpha/locales").glob(".*tmp"))


def test_status_list_names_untranslated_and_fuzzy_entries(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    (project / PO).write_text(POEDIT_FILE.replace('msgstr "Model types"', 'msgstr ""'), encoding="utf-8")
    change_spec(project, "title: 市场规模\n", "title: 市场规模概览\n")
    assert run(project, "i18n", "update") == 0
    capsys.readouterr()
    assert run(project, "i18n", "status", "--untranslated") == 0
    out = capsys.readouterr().out
    lines = (project / PO).read_text(encoding="utf-8").split("\n")
    fuzzy_line = next(i for i, line in enumerate(lines, 1) if line == 'msgid "市场规模概览"')
    empty_line = next(i for i, line in enumerate(lines, 1) if line == 'msgid "模型类型"' and lines[i] == 'msgstr ""')
    assert f"{PO}:{fuzzy_line}: fuzzy: “市场规模概览” (content/alpha/report.yaml:5)" in out
    assert f"{PO}:{empty_line}: untranslated: “模型类型” (content/alpha/report.yaml:16)" in out
    assert run(project, "i18n", "status", "--list") == 0
    assert capsys.readouterr().out == out


def test_a_catalog_in_another_charset_is_rewritten_as_utf8_with_its_header_saying_so(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    po = project / PO
    po.write_bytes(po.read_text(encoding="utf-8").replace("charset=UTF-8", "charset=GB18030").encode("gb18030"))
    assert run(project, "check", "alpha") == 0  # read in its declared charset
    change_spec(project, "title: 市场规模\n", "title: 市场规模概览\n")
    assert run(project, "i18n", "update", "alpha") == 0
    text = po.read_bytes().decode("utf-8")
    assert "charset=UTF-8" in text and "GB18030" not in text
    assert entries(project).find("通用医疗大模型", msgctxt="data").msgstr == "General medical models"
    assert not text.startswith("#\n")  # no empty comment invented above the header


def test_each_edited_paragraph_takes_its_own_old_translation_quickly():
    """Many similar paragraphs, each edited: each keeps its own translation (same place in the spec
    first), a renamed section keeps its translations, and the merge stays fast."""
    import random
    import time

    from reportgen.i18n import merge

    rng = random.Random(15)
    alphabet = [chr(0x4E00 + i) for i in range(200)]
    old, pot = polib.POFile(), polib.POFile()
    pot.metadata = {"Project-Id-Version": "x"}
    for i in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(400))
        old.append(polib.POEntry(msgctxt=f"s{i}|text", msgid=text, msgstr=f"T{i}"))
        k = rng.randrange(400)
        context = f"s{i}|text" if i % 3 else f"renamed{i}|text"
        pot.append(polib.POEntry(msgctxt=context, msgid=text if i % 3 == 0 else text[:k] + "改" + text[k:]))
    start = time.perf_counter()
    merged = merge(pot, old, "en")
    assert time.perf_counter() - start < 5
    for i, entry in enumerate(e for e in merged if not e.obsolete):
        assert entry.msgstr == f"T{i}" and entry.fuzzy
    assert not merged.obsolete_entries()


def test_a_full_disk_during_update_leaves_each_file_whole(tmp_path, capsys, monkeypatch):
    import errno

    project = make_project(tmp_path, root="test-two-reports")
    change_spec(project, "title: 市场规模\n", "title: 市场规模概览\n")
    before = (project / PO).read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    assert run(project, "i18n", "update", "alpha") == 1
    err = capsys.readouterr().err
    assert "cannot write content/alpha/locales/" in err and "No space left on device" in err
    assert "internal error" not in err
    assert (project / PO).read_bytes() == before
    assert not [p for p in (project / "content/alpha/locales").iterdir() if p.name.startswith(".")]
