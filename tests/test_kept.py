"""A build that must write a report whose files did not change (`--force`, an output gone)
takes the report's resolved editions from the cache: the same files and the same warnings,
with nothing loaded again. Any change to what resolving reads loads the report again."""

from __future__ import annotations

import docx
import pytest
from conftest import make_project

from reportgen import editions
from reportgen.cli import main


@pytest.fixture
def loads(monkeypatch):
    """The reports loaded (not taken from the cache) in this test, by file name."""
    seen = []
    real = editions.load_report

    def load_report(root, path, diags, *args):
        seen.append(path.parent.name)
        return real(root, path, diags, *args)

    monkeypatch.setattr(editions, "load_report", load_report)
    return seen


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = make_project(tmp_path, root="test-two-reports")
    # beta in English too, with no translations yet: a warning a kept edition must repeat
    path = project / "content" / "beta" / "report.yaml"
    path.write_text("locales: [zh_CN, en]\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    return project


def build(project, capsys, *args):
    code = main(["-C", str(project), "build", "--format", "docx", "--force", "--jobs", "1", *args])
    return code, capsys.readouterr().err


def words(project, report="alpha", locale="en") -> str:
    return "\n".join(p.text for p in docx.Document(project / "output" / locale / f"{report}.docx").paragraphs)


def kept_files(project):
    from reportgen.fonts import cache_dir
    from reportgen.kept import kept_path

    path = kept_path(cache_dir(project) / "editions", project / "content" / "alpha" / "report.yaml")
    return [path] if path.exists() else []


def test_an_unchanged_report_is_taken_from_the_cache(project, capsys, loads):
    code, first_err = build(project, capsys)
    assert code == 0 and sorted(loads) == ["alpha", "beta"]
    assert "no en translations yet" in first_err
    first = {p: p.read_bytes() for p in (project / "output").rglob("*.docx")}
    loads.clear()
    code, second_err = build(project, capsys)
    assert code == 0 and loads == []
    assert [line for line in second_err.splitlines() if "warning" in line] == \
        [line for line in first_err.splitlines() if "warning" in line]
    assert {p: p.read_bytes() for p in (project / "output").rglob("*.docx")} == first


@pytest.mark.parametrize("what", ["data", "translation", "layout", "environment", "new translation"])
def test_a_change_to_what_resolving_reads_loads_the_report_again(project, capsys, loads, monkeypatch, what):
    build(project, capsys)
    assert "USD 4.18 billion" not in words(project) or what != "data"
    loads.clear()
    if what == "data":
        path = project / "content" / "data" / "figures.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("41.8", "52.9"), encoding="utf-8")
    elif what == "translation":
        path = project / "content" / "alpha" / "locales" / "en.po"
        path.write_text(path.read_text(encoding="utf-8").replace('"Market size"', '"Market scale"'), encoding="utf-8")
    elif what == "layout":
        path = project / "layouts" / "market-report.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    elif what == "environment":
        # A limit that resolving checks against, set in the environment.
        monkeypatch.setenv("REPORTGEN_MAX_PARAGRAPH_CHARS", "10")
    else:
        (project / "content" / "beta" / "locales").mkdir()
        (project / "content" / "beta" / "locales" / "en.po").write_text(
            'msgid ""\nmsgstr ""\n"Language: en\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            'msgctxt "intro|title"\nmsgid "概述"\nmsgstr "Overview B"\n', encoding="utf-8")
    code, err = build(project, capsys)
    changed = {"data": ["alpha"], "translation": ["alpha"], "layout": ["alpha", "beta"],
               "environment": ["alpha", "beta"], "new translation": ["beta"]}[what]
    assert sorted(loads) == changed
    if what == "data":
        assert code == 0 and "5.29" in words(project)
    elif what == "translation":
        assert code == 0 and "Market scale" in words(project)
    elif what == "environment":
        assert code != 0 and "REPORTGEN_MAX_PARAGRAPH_CHARS" in err
    elif what == "new translation":
        assert code == 0 and "Overview B" in words(project, "beta")


@pytest.mark.parametrize("where", [0.5, 0.0005])  # in the editions; in the head read first
def test_a_damaged_kept_file_is_not_used_and_is_made_again(project, capsys, loads, where):
    build(project, capsys)
    [kept] = kept_files(project)
    data = bytearray(kept.read_bytes())
    data[int(len(data) * where)] ^= 0xFF
    kept.write_bytes(bytes(data))
    loads.clear()
    code, _ = build(project, capsys)
    assert code == 0 and loads == ["alpha"]  # beta's kept file is whole
    loads.clear()
    code, _ = build(project, capsys)
    assert code == 0 and loads == []


def test_an_edition_not_kept_loads_the_report_again(project, capsys, loads):
    code, _ = build(project, capsys, "--locale", "zh_CN")
    assert code == 0
    loads.clear()
    code, _ = build(project, capsys)  # en was not resolved by the first build
    assert code == 0 and sorted(loads) == ["alpha", "beta"]
    assert "Market size" in words(project)


def test_a_report_with_errors_is_not_kept(project, capsys, loads):
    path = project / "content" / "alpha" / "report.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("figures.market.size[2024]", "figures.nothing"),
                    encoding="utf-8")
    code, _ = build(project, capsys)
    assert code != 0 and kept_files(project) == []
    loads.clear()
    code, err = build(project, capsys)
    assert code != 0 and "alpha" in loads and "figures.nothing" in err


# ---------------------------------------------------------------- kept blocks
#
# A report whose spec changed is resolved again, taking each unchanged block as an earlier
# build resolved it. What it gives must be what resolving everything afresh gives: the same
# trees (locations included), the same numbers, the same warnings.

SAMPLES = ["ai-biomedical-market", "ai-healthcare-whitepaper", "medical-llm-brands-2025", "medical-llm-industry"]

# Put first in the first `blocks:` list: a footnote and a captioned table number on from one
# more, so every later caption and footnote changes number; the lines added move every later
# block down.
INSERTED = """\
{pad}- "An added paragraph with a note.[^added]\\n\\n[^added]: The added note."
{pad}- table:
{pad}    caption: An added table
{pad}    columns: [Item, Value]
{pad}    rows:
{pad}      - [One, "1"]
"""


def _content(value) -> bytes:
    """`value` pickled field by field (no memo: objects shared or not give the same bytes)."""
    import io
    import pickle

    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(value)
    return buffer.getvalue()


def _editions(project, report, kept):
    from reportgen.errors import Diagnostics

    diags = Diagnostics()
    found = editions.prepare(project, [project / "content" / report / "report.yaml"], [], diags, kept=kept)
    return found, [str(d) for d in diags.items]


@pytest.mark.parametrize("report", SAMPLES)
def test_kept_blocks_resolve_as_a_fresh_resolve_does(tmp_path, monkeypatch, report):
    import re
    import shutil

    from conftest import REPO

    from reportgen import kept as keeping

    project = tmp_path / "project"
    for part in ("content", "layouts"):
        shutil.copytree(REPO / part, project / part)
    folder = tmp_path / "kept"
    _editions(project, report, folder)  # keeps every block
    spec = project / "content" / report / "report.yaml"
    text = spec.read_text(encoding="utf-8")
    first = re.search(r"^( *)blocks:\n( *)-", text, re.M)
    at = text.index("\n", first.start()) + 1
    spec.write_text("# an edit above everything\n" + text[:at] + INSERTED.format(pad=first[2]) + text[at:],
                    encoding="utf-8")

    taken = []
    real = keeping.EditionBlocks.take

    def take(self, block, *args):
        found = real(self, block, *args)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(keeping.EditionBlocks, "take", take)
    from reportgen import incremental
    from reportgen.incremental import plain_json

    made_around, tree_json = [], incremental.tree_json

    def counted(document, known=None):
        made_around.append(bool(known))
        return tree_json(document, known)

    monkeypatch.setattr(incremental, "tree_json", counted)
    kept, kept_diags = _editions(project, report, folder)
    assert any(taken), "no block was taken from the kept ones"
    fresh, fresh_diags = _editions(project, report, None)
    assert [e.locale for e in kept] == [e.locale for e in fresh]
    for a, b in zip(kept, fresh):
        assert a.document == b.document, a.locale  # locations included
        assert _content(a.document) == _content(b.document), a.locale  # and how each text was written
        # The tree's JSON (hashed for the manifest), made around the kept blocks' JSON, is the
        # JSON made whole.
        assert editions.edition_json(a) == editions.edition_json(b) == plain_json(b.document)
    assert any(made_around), "no tree JSON was made around kept blocks"
    assert kept_diags == fresh_diags
    # and the added table took number 1 from the one it pushed on
    captions = [b.caption for s in fresh[0].document.walk_sections() for b in s.blocks
                if getattr(b, "caption", None) is not None and type(b).__name__ == "Table"]
    assert captions[0].number == 1 and all(c.number == i + 1 for i, c in enumerate(captions))


def test_a_block_that_leant_on_a_warning_is_not_kept(tmp_path):
    """An untranslated string warns once per edition, where first met. A later block with the
    same string says nothing: kept, it would stay silent once the first is gone."""
    same = '      - "The **same** words, not translated."\n'
    spec = "locales: [en, zh_CN]\ntitle: Report\nsections:\n  - title: Part\n    id: part\n    blocks:\n"
    project = make_project(tmp_path, {
        "content/solo/report.yaml": spec + '      - "A *first* block."\n' + same + same,
        "content/solo/locales/en.po": 'msgid ""\nmsgstr ""\n"Language: en\\n"\n'
                                         '"Content-Type: text/plain; charset=UTF-8\\n"\n',
    })
    folder = tmp_path / "kept"
    _, first = _editions(project, "solo", folder)
    assert sum("The **same** words" in d for d in first) == 1
    # The block that warned is gone: the one after it must warn now.
    (project / "content/solo/report.yaml").write_text(spec + same, encoding="utf-8")
    _, again = _editions(project, "solo", folder)
    _, fresh = _editions(project, "solo", None)
    assert again == fresh and sum("The **same** words" in d for d in again) == 1


def test_a_build_of_one_locale_leaves_the_other_locales_blocks(tmp_path, monkeypatch):
    import shutil

    from conftest import REPO

    from reportgen import kept as keeping
    from reportgen.errors import Diagnostics

    project = tmp_path / "project"
    for part in ("content", "layouts"):
        shutil.copytree(REPO / part, project / part)
    folder = tmp_path / "kept"
    spec = project / "content" / "ai-biomedical-market" / "report.yaml"

    def prepare(locales):
        editions.prepare(project, [spec], locales, Diagnostics(), kept=folder)

    prepare([])  # every locale's blocks kept
    text = spec.read_text(encoding="utf-8")
    assert "was valued at" in text
    spec.write_text("# edited\n" + text.replace("was valued at", "was worth"), encoding="utf-8")
    prepare(["en"])  # only English resolved (one block anew): the Chinese blocks stay kept
    taken = {}
    real = keeping.EditionBlocks.take

    def take(self, block, *args):
        found = real(self, block, *args)
        taken.setdefault(self.settings, []).append(found is not None)
        return found

    monkeypatch.setattr(keeping.EditionBlocks, "take", take)
    spec.write_text("# edited again\n" + spec.read_text(encoding="utf-8"), encoding="utf-8")
    prepare(["zh_CN"])
    [chinese] = taken.values()
    assert chinese.count(False) <= 1 and chinese.count(True) >= 4  # all but the edited block


# A block taken as kept, whose nodes checked clean when it was kept, is not checked again:
# every problem must still be reported on every build, as a fresh check reports it.

CHECKED = """\
title: Report
sections:
  - title: One
    id: one
    blocks:
      - table:
          columns: [Item, Value]
          rows:
            - [First {first}, "1"]
      - "See [the other part](#{target})."
      - table:
          columns: [Item, Value]
          rows:
            - [Second 😀, "2"]
  - title: Two
    id: other
    blocks:
      - "The **other** part."
"""


def test_kept_blocks_checked_clean_still_report_every_problem(tmp_path):
    project = make_project(tmp_path, {"content/solo/report.yaml": CHECKED.format(first="😀", target="other")})
    spec = project / "content/solo/report.yaml"
    folder = tmp_path / "kept"

    def same_as_fresh(text):
        spec.write_text(text, encoding="utf-8")
        _, kept = _editions(project, "solo", folder)
        _, fresh = _editions(project, "solo", None)
        assert kept == fresh
        return kept

    first = same_as_fresh(CHECKED.format(first="😀", target="other"))
    # The missing glyph is reported once, at the first table; the second seemed clean.
    assert [d for d in first if "no glyph" in d] and all(":7:" in d for d in first if "no glyph" in d)
    # The first table fixed: the second reports it now.
    again = same_as_fresh(CHECKED.format(first="ok", target="other"))
    assert [d for d in again if "no glyph" in d] and all(":12:" in d for d in again if "no glyph" in d)
    same_as_fresh(CHECKED.format(first="ok", target="other").replace("😀", "ok"))  # all clean, kept so
    # The link's target renamed away: the unchanged paragraph that links to it is wrong now.
    broken = same_as_fresh(CHECKED.format(first="ok", target="other").replace("😀", "ok").replace("id: other", "id: two"))
    assert any("no section has the id `other`" in d for d in broken)


def test_a_block_that_checked_clean_is_not_checked_again(tmp_path, monkeypatch):
    from reportgen import check

    text = CHECKED.format(first="ok", target="other").replace("😀", "ok")
    project = make_project(tmp_path, {"content/solo/report.yaml": text})
    spec = project / "content/solo/report.yaml"
    folder = tmp_path / "kept"
    tables = []
    real = check._Checker.table

    def table(self, node, loc):
        tables.append(loc.line)
        return real(self, node, loc)

    monkeypatch.setattr(check._Checker, "table", table)
    _editions(project, "solo", folder)
    assert tables == [7, 12]
    tables.clear()
    spec.write_text(text.replace("First ok", "First changed"), encoding="utf-8")
    _, diags = _editions(project, "solo", folder)
    assert tables == [7] and not diags  # the second table, unchanged and clean, is passed over
