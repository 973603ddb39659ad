"""A translator's .po file that does not parse strictly is reported at its line and never rewritten."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import REPO, make_project

from reportgen.cli import main
from reportgen.errors import ReportgenError
from reportgen.i18n import parse_catalog, read_catalog

PO = "content/alpha/locales/en.po"


def run(project, *args):
    return main(["-C", str(project), *args])


def snapshot(project):
    return {p: p.read_bytes() for p in project.glob("content/**/*") if p.is_file()}


def edit(project, old, new):
    """Replace `old` by `new` in alpha's en.po; return the 1-based line where `new` starts."""
    po = project / PO
    text = po.read_text(encoding="utf-8")
    assert old in text, old
    po.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


# Each damage a hand edit or a careless tool does to a catalog, and the line gettext blames.
DAMAGE = {
    "unterminated msgstr": ('msgstr "Market size"\n\nmsgctxt "size|text"', 'msgstr "Market size\n\nmsgctxt "size|text"', 0),
    "unterminated continuation": ('msgstr "Report A"', 'msgstr ""\n"Report A', 1),
    "quote inside a string": ('msgstr "Report A"', 'msgstr "Report "A""', 0),
    "stray line between entries": ('msgctxt "size|title"', 'this line is not PO\nmsgctxt "size|title"', 0),
    "stray word after a string": ('msgstr "Report A"', 'msgstr "Report A" and more', 0),
    "duplicate entry": ('msgctxt "size|title"', 'msgctxt "report|title"\nmsgid "甲报告"\nmsgstr "Other"\n\nmsgctxt "size|title"', 1),
    "unknown escape": ('msgstr "Report A"', 'msgstr "Report\\qA"', 0),
    "octal escape gettext allows but polib would alter": ('msgstr "Report A"', 'msgstr "Report\\101"', 0),
    "msgid without msgstr": ('msgstr "Report A"\n', '\n', -1),
    "second msgstr": ('msgstr "Report A"', 'msgstr "Report A"\nmsgstr "Report B"', 1),
    "msgstr[1] in a singular entry": ('msgstr "Report A"', 'msgstr[0] "Report A"', 0),
    "comment inside an entry": ('msgid "甲报告"', 'msgid "甲报告"\n# a note', 1),
    "header line without a colon": ('"Language: en\\n"', '"Language en\\n"', -1),
    "unknown charset": ("charset=UTF-8", "charset=NOT-A-CHARSET", 0),
    "keyword with no string": ('msgstr "Report A"', "msgstr", 0),
}


@pytest.mark.parametrize("name", list(DAMAGE))
def test_update_reports_a_damaged_catalog_at_its_line_and_writes_nothing(tmp_path, capsys, name):
    project = make_project(tmp_path, root="test-two-reports")
    old, new, offset = DAMAGE[name]
    line = edit(project, old, new) + offset
    before = snapshot(project)
    assert run(project, "i18n", "update") == 1
    err = capsys.readouterr().err
    assert f"{PO}:{line}:1: error: PO file:" in err, err
    assert "no file was written" in err
    assert snapshot(project) == before  # neither the .po nor any .pot was touched


@pytest.mark.parametrize("name", list(DAMAGE))
def test_check_and_build_report_the_same_line(tmp_path, capsys, name):
    project = make_project(tmp_path, root="test-two-reports")
    old, new, offset = DAMAGE[name]
    line = edit(project, old, new) + offset
    assert run(project, "check", "alpha") == 1
    assert f"{PO}:{line}:1: error: PO file:" in capsys.readouterr().err


def test_every_broken_entry_is_reported_in_one_run(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    first = edit(project, 'msgstr "Report A"', 'msgstr "Report A')
    second = edit(project, 'msgstr "Model types"', 'msgstr "Model types')
    with pytest.raises(ReportgenError) as caught:
        read_catalog(project / PO, PO)
    assert [d.loc.line for d in caught.value.diagnostics] == [first, second]


def test_invalid_utf8_is_located(tmp_path):
    raw = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "a"\nmsgstr "'.encode()
           + b"\xff\xfe" + b'"\n')
    with pytest.raises(ReportgenError) as caught:
        parse_catalog(raw, tmp_path / "x.po", "x.po")
    assert str(caught.value.diagnostics[0].loc) == "x.po:6:1"
    assert "not valid UTF-8" in caught.value.diagnostics[0].message


def test_update_that_fails_on_a_spec_error_writes_no_catalog(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    spec = project / "content/alpha/report.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("title: 市场规模\n", "title: 市场规模概览\n", 1)
                    .replace("figures.types", "figures.no_such_series"), encoding="utf-8")
    before = snapshot(project)
    assert run(project, "i18n", "update") == 1
    err = capsys.readouterr().err
    assert "content/alpha/report.yaml:" in err and "no file was written" in err
    assert snapshot(project) == before


def test_a_broken_catalog_of_one_report_stops_the_update_of_all(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    beta = project / "content/beta/report.yaml"
    beta.write_text(beta.read_text(encoding="utf-8"), encoding="utf-8")
    edit(project, 'msgstr "Report A"', 'msgstr "Report A')
    before = snapshot(project)
    assert run(project, "i18n", "update") == 1
    assert snapshot(project) == before
    assert not (project / "content/beta/locales/messages.pot").exists()


def test_strict_reading_agrees_with_msgfmt_on_good_files(tmp_path):
    """Whatever reportgen writes, gettext reads: the reader is not stricter on valid syntax."""
    if shutil.which("msgfmt") is None:
        pytest.skip("gettext's msgfmt is not installed")
    text = ('# a translator\'s note\n#, fuzzy\nmsgid ""\nmsgstr ""\n"Language: en\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
            '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
            '#. extracted\n#: a.yaml:1 b.yaml\n#, fuzzy\n#| msgctxt "old"\n#| msgid "x"\n#| "y"\nmsgctxt "c"\nmsgid ""\n"two\\n"\n"lines"\n'
            'msgstr "tab\\there \\"quoted\\" back\\\\slash"\n'
            'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "one"\nmsgstr[1] "many"\n\n'
            '# kept\n#~ msgid "gone"\n#~ msgstr "weg"\n')
    path = tmp_path / "ok.po"
    path.write_text(text, encoding="utf-8")
    assert subprocess.run(["msgfmt", "-o", "/dev/null", str(path)], capture_output=True).returncode == 0
    catalog = read_catalog(path, "ok.po")
    entry = catalog.messages[("c", "two\nlines")]
    assert entry.msgstr == 'tab\there "quoted" back\\slash'
    assert entry.previous_msgid == "xy" and entry.previous_msgctxt == "old" and entry.fuzzy
    assert entry.occurrences == [("a.yaml", "1"), ("b.yaml", "")]
    assert catalog.messages[(None, "one")].msgstr_plural == {0: "one", 1: "many"}
    assert [e.msgid for e in catalog.po.obsolete_entries()] == ["gone"]
    assert catalog.po.header == "a translator's note" and catalog.po.metadata_is_fuzzy


def _mutations(text: str, count: int, seed: int):
    """Deterministic random damage of the kinds hand edits do: characters and lines lost, doubled, moved."""
    import random

    rng = random.Random(seed)
    for _ in range(count):
        t = text
        for _ in range(rng.randint(1, 3)):
            lines = t.split("\n")
            k = rng.randrange(len(t))
            op = rng.choice(["delete", "insert", "double", "drop", "swap"])
            if op == "delete":
                t = t[:k] + t[k + 1:]
            elif op == "insert":
                t = t[:k] + rng.choice(['"', "\\", "\n", "#", "#~ ", "msgid ", "x", "[0]", "\t", "\\q", "}}"]) + t[k:]
            elif op == "double":
                j = rng.randrange(len(lines))
                lines.insert(j, lines[j])
                t = "\n".join(lines)
            elif op == "drop":
                del lines[rng.randrange(len(lines))]
                t = "\n".join(lines)
            else:
                j = rng.randrange(len(lines) - 1)
                lines[j], lines[j + 1] = lines[j + 1], lines[j]
                t = "\n".join(lines)
        yield t


def test_damaged_catalogs_are_located_errors_or_read_as_gettext_reads_them(tmp_path):
    """Fuzz: every damaged catalog is a located error, or it reads, writes back stably, and gettext
    (msgfmt) accepts it unless `check` names a problem: never a traceback, never a silent change."""
    from reportgen.errors import Diagnostics
    from reportgen.i18n import check_catalog
    from reportgen.pofile import parse, render

    text = (REPO / "content/medical-llm-brands-2025/locales/zh_TW.po").read_text(encoding="utf-8")[:6000]
    text = text[: text.rindex("\n\n") + 1]
    msgfmt = shutil.which("msgfmt")
    scratch = tmp_path / "f.po"
    for damaged in _mutations(text, 250, seed=16):
        raw = damaged.encode("utf-8")
        try:
            catalog = parse_catalog(raw, scratch, "f.po")
        except ReportgenError as exc:
            last = damaged.count("\n") + 1
            assert all(d.loc is not None and 1 <= d.loc.line <= last for d in exc.diagnostics), damaged
            continue
        written = render(catalog.po)
        assert render(parse(written, "f.po").po) == written
        diags = Diagnostics()
        check_catalog(catalog, diags)
        if msgfmt and not diags.errors:
            scratch.write_bytes(raw)
            result = subprocess.run([msgfmt, "-o", "/dev/null", str(scratch)], capture_output=True, text=True)
            assert result.returncode == 0, (result.stderr, damaged)
