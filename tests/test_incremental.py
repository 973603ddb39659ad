"""Builds for CI: reproducible bytes, incremental rebuilds, --jobs equivalence, shards."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from conftest import make_project

from reportgen.cli import main


def manifest(project):
    data = json.loads((project / "output" / "manifest.json").read_text(encoding="utf-8"))
    return {(e["report"], e["locale"], e["format"]): e for e in data["editions"]}


def build(project, *args):
    return main(["-C", str(project), "build", "--jobs", "1", *args])


def written(capsys) -> list[str]:
    """The files a build reports as built (one line per file: `built  <path>  [N pages]`)."""
    return [line.split()[1] for line in capsys.readouterr().out.splitlines()
            if line.split()[:1] == ["built"] and "/" in line]


def test_nothing_changed_renders_nothing(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    assert build(project) == 0
    assert len(written(capsys)) == 6  # alpha zh_CN + en, beta zh_CN; pdf + docx each
    assert build(project) == 0
    second = capsys.readouterr().out
    assert "nothing to do: 6 file(s) up to date" in second
    assert not [line for line in second.splitlines() if line.split()[:1] == ["built"] and "/" in line]


def test_data_change_rebuilds_only_the_reports_that_read_it(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    assert build(project) == 0
    capsys.readouterr()
    data = project / "content/data/figures.yaml"
    data.write_text(data.read_text().replace("41.8", "42.5"))
    assert build(project) == 0
    paths = written(capsys)
    assert sorted(paths) == sorted([f"output/{loc}/alpha.{fmt}" for loc in ("zh_CN", "en") for fmt in ("pdf", "docx")])


def test_po_change_rebuilds_only_that_locale(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    assert build(project) == 0
    capsys.readouterr()
    po = project / "content/alpha/locales/en.po"
    po.write_text(po.read_text().replace('"Report A"', '"Report Alpha"'))
    assert build(project) == 0
    assert sorted(written(capsys)) == ["output/en/alpha.docx", "output/en/alpha.pdf"]


def test_rebuild_is_byte_identical_and_jobs_do_not_matter(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    one = make_project(tmp_path / "one", root="test-two-reports")
    two = make_project(tmp_path / "two", root="test-two-reports")
    assert build(one) == 0
    assert main(["-C", str(two), "build", "--jobs", "2"]) == 0
    first = {k: v["sha256"] for k, v in manifest(one).items()}
    assert first == {k: v["sha256"] for k, v in manifest(two).items()}
    assert build(one, "--force") == 0
    assert first == {k: v["sha256"] for k, v in manifest(one).items()}


def test_shards_partition_the_work_and_merge(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    parts = []
    for k in (1, 2):
        out = f"out{k}"
        assert build(project, "--shard", f"{k}/2", "--output", out) == 0
        parts.append(json.loads((project / out / "manifest.json").read_text())["editions"])
    keys = [{(e["report"], e["locale"]) for e in part} for part in parts]
    assert keys[0] and keys[1] and not keys[0] & keys[1]
    assert keys[0] | keys[1] == {("alpha", "zh_CN"), ("alpha", "en"), ("beta", "zh_CN")}
    assert main(["-C", str(project), "manifest", "merge", str(project / "out1/manifest.json"),
                 str(project / "out2/manifest.json"), "-o", "merged.json"]) == 0
    merged = json.loads((project / "merged.json").read_text())["editions"]
    assert len(merged) == 6 and all(e["status"] == "built" for e in merged)
    # A shard prints the same bytes as a build of everything: no output depends on what
    # else the same run built (fonts are cut for the run's characters, charts cached).
    assert build(project, "--output", "all") == 0
    whole = json.loads((project / "all" / "manifest.json").read_text())["editions"]
    key = lambda e: (e["report"], e["locale"], e["format"])  # noqa: E731
    assert {key(e): e["sha256"] for e in merged} == {key(e): e["sha256"] for e in whole}


def test_comments_and_blank_lines_do_not_rebuild(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    assert build(project) == 0
    capsys.readouterr()
    spec = project / "content/alpha/report.yaml"
    text = spec.read_text(encoding="utf-8")
    # Every line below the comment moves: locations change, what is printed does not.
    spec.write_text("# 编者注：数据以 2024 年为准\n\n" + text.replace("    blocks:\n", "    blocks:\n\n      # 图表\n", 1),
                    encoding="utf-8")
    assert build(project) == 0
    out = capsys.readouterr().out
    assert "nothing to do: 6 file(s) up to date" in out and not written(capsys)
    # What is printed changing still rebuilds.
    spec.write_text(spec.read_text(encoding="utf-8").replace("市场规模为", "市场总规模为"), encoding="utf-8")
    assert build(project, "alpha", "--locale", "zh_CN") == 0
    assert sorted(written(capsys)) == ["output/zh_CN/alpha.docx", "output/zh_CN/alpha.pdf"]


@pytest.mark.parametrize("damage", ["emptied", "cut short", "same size, other bytes"])
def test_a_damaged_output_is_not_up_to_date(tmp_path, capsys, damage):
    project = make_project(tmp_path, root="test-two-reports")
    assert build(project, "beta") == 0
    pdf = project / "output/zh_CN/beta.pdf"
    good = pdf.read_bytes()
    stat = pdf.stat()
    if damage == "emptied":
        pdf.write_bytes(b"")
    elif damage == "cut short":
        pdf.write_bytes(good[: len(good) // 2])
    else:
        pdf.write_bytes(good[:100] + bytes(b ^ 0xFF for b in good[100:200]) + good[200:])
        os.utime(pdf, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even size and time as recorded
    capsys.readouterr()
    assert build(project, "beta") == 0
    assert written(capsys) == ["output/zh_CN/beta.pdf"]
    assert pdf.read_bytes() == good
    assert manifest(project)[("beta", "zh_CN", "pdf")]["sha256"] == hashlib.sha256(good).hexdigest()


@pytest.mark.parametrize("text", ["plain", "\0", "\\u0000", '"\0"'])
def test_the_tree_json_made_around_known_blocks_is_the_whole_json(text):
    """The edition's JSON (hashed for the manifest) made around the JSON of blocks taken as
    kept is the JSON made whole, whatever the texts hold (the mark that stands for a known
    block among them)."""
    from reportgen import model as m
    from reportgen.incremental import plain_json, tree_json
    from reportgen.kept import ByObject

    blocks = tuple(m.Paragraph((m.Str(f"{text} {i}" if i % 2 else text),)) for i in range(5))
    table = m.Table((m.Column(), m.Column()), (), ((m.Cell((m.Str(text),)), m.Cell((m.Str("2"),))),))
    doc = m.Document(m.Meta("r", text), "en", (m.Section((m.Str(text),), 1, blocks + (table,)),), front=blocks[:2])
    known = ByObject()
    for block in (blocks[0], blocks[3], table):
        known.put(block, plain_json(block))
    known.put(m.Paragraph((m.Str("not in the tree"),)), "{}")  # a node gone: its id may be another's
    assert tree_json(doc, known) == tree_json(doc) == plain_json(doc)


def test_node_texts_stay_in_their_process():
    """Node JSON kept by id is looked up by the very node, and never crosses to another
    process (ids mean nothing there): a pickled copy is empty."""
    import pickle

    from reportgen import model as m
    from reportgen.incremental import node_json
    from reportgen.kept import ByObject

    node, twin = m.Paragraph((m.Str("a"),)), m.Paragraph((m.Str("a"),))
    known = ByObject()
    known.put(node, "kept")
    assert node_json(node, known) == "kept" and node_json(twin, known) != "kept"
    copy = pickle.loads(pickle.dumps({"json": known}))["json"]
    assert isinstance(copy, ByObject) and not copy
