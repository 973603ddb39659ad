"""A PDF rebuild after an edit sets only the paragraphs that changed; the others' lines come
from the project's cache, and the PDF is the one a cold build makes."""

from __future__ import annotations

import pytest
from conftest import make_project

from reportgen.cli import main

PARAGRAPHS = [
    "医疗大模型正从单模态文本处理迈向多模态临床智能协同阶段，产业链上下游的分工日益清晰。" * 3,
    "Hospitals adopted models for triage, documentation and coding; adoption grew fastest in tier-three hospitals. " * 3,
    "第三段：监管框架逐步完善，数据合规与算法备案成为企业进入市场的前提条件。" * 3,
]


def spec(paragraphs):
    blocks = "\n".join(f"      - {p}" for p in paragraphs)
    return ("title: 缓存测试\nlocales: [zh_CN]\nsections:\n  - title: 第一章\n    blocks:\n"
            f"{blocks}\n")


@pytest.fixture
def drawn(monkeypatch):
    """The text of every block drawn afresh (not put in from the kept drawing) in this test."""
    from reportgen.writers import pdf_text

    calls = []
    real = pdf_text.draw_text

    def draw_text(canv, role, lines, runs, *args, record=False, **kwargs):
        if record:
            calls.append("".join(r.text for r in runs))
        return real(canv, role, lines, runs, *args, record=record, **kwargs)

    monkeypatch.setattr(pdf_text, "draw_text", draw_text)
    return calls


@pytest.fixture
def counted(monkeypatch):
    from reportgen import linebreak

    calls = []
    real = linebreak.Typesetter.set

    def set_(self, runs, *args, **kwargs):
        calls.append("".join(r.text for r in runs))
        return real(self, runs, *args, **kwargs)

    monkeypatch.setattr(linebreak.Typesetter, "set", set_)
    return calls


def new_project(tmp_path, paragraphs):
    """A one-report project whose report id is this test's own: the session shares one cache
    (conftest), and kept lines are filed by report id and locale."""
    return make_project(tmp_path, {f"content/{tmp_path.name}/report.yaml": spec(paragraphs)})


def edit(project, paragraphs):
    (project / "content" / project.parent.name / "report.yaml").write_text(spec(paragraphs), encoding="utf-8")


def kept_file(project):
    from reportgen.fonts import cache_dir

    return cache_dir(project) / "lines" / f"lines-{project.parent.name}-zh_CN.pickle"


def build(project, output):
    assert main(["-C", str(project), "build", "--format", "pdf", "--force", "--jobs", "1", "--output", output]) == 0
    return (project / output / "zh_CN" / f"{project.parent.name}.pdf").read_bytes()


@pytest.mark.parametrize("paragraph,old,new", [
    (1, "fastest", "most"),  # a word changed
    # A character the faces lack: they are cut again, and every other character keeps its
    # advance, so the other paragraphs' kept lines still hold.
    (2, "监管框架", "鑫监管框架"),
])
def test_only_the_edited_paragraph_is_set_again(tmp_path, counted, drawn, monkeypatch, paragraph, old, new):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert new not in "".join(PARAGRAPHS)
    project = new_project(tmp_path, PARAGRAPHS)
    build(project, "first")
    assert any(PARAGRAPHS[0][:20] in text for text in counted)
    assert kept_file(project).exists()

    edited = list(PARAGRAPHS)
    edited[paragraph] = edited[paragraph].replace(old, new)
    edit(project, edited)
    counted.clear()
    drawn.clear()
    warm = build(project, "second")
    again = [text for text in counted if "Hospitals" in text or "医疗大模型" in text or "监管" in text]
    assert len(again) == 1 and new in again[0]
    # Its drawing too: every other block's is put in as kept.
    assert drawn and all(new in text for text in drawn)

    # The same PDF as a build that sets everything.
    kept_file(project).unlink()
    counted.clear()
    cold = build(project, "third")
    assert any("监管" in text for text in counted)
    assert warm == cold


def test_a_damaged_or_foreign_cache_is_not_used(tmp_path, counted, monkeypatch):
    project = new_project(tmp_path, PARAGRAPHS)
    build(project, "first")
    kept = kept_file(project)
    good = kept.read_bytes()

    # Damaged: its digest no longer matches, so it is set again (and kept anew).
    kept.write_bytes(good[:-10])
    counted.clear()
    build(project, "second")
    assert any("监管" in text for text in counted)
    assert kept.read_bytes() == good

    # Kept under other settings (here another layout's hyphenation or faces would differ):
    # a changed settings key makes every paragraph be set again.
    from reportgen.writers import pdf_text

    monkeypatch.setattr(pdf_text, "_settings_key", lambda *a: "other settings")
    counted.clear()
    build(project, "third")
    assert any("监管" in text for text in counted)


TABLES = """\
      - table:
          caption: 带合并单元格的表
          columns: [地区, 指标, 数值]
          rows:
            - [{text: 华东, rowspan: 2}, "*来源*", "12.5"]
            - [医院数, "2024年 300 家"]
            - [华南, "**加粗**", "7.1"]
      - stats:
          title: 关键数据
          rows:
            - [市场规模, "120 亿元"]
            - [增速, "18.2%"]
      - table:
          caption: 带链接的表
          columns: [名称, 链接]
          rows:
            - [甲, "[来源](https://example.com/a)"]
      - table:
          caption: 长表
          columns: [序号, 名称, 数值]
          rows:
"""


def table_spec(first: str) -> str:
    rows = "\n".join(f'            - ["{i}", "第 {i} 行 row", "{i * 1.5:.1f}"]' for i in range(90))
    return ("title: 表格缓存\nlocales: [zh_CN]\nsections:\n  - title: 第一章\n    blocks:\n"
            f"      - {first}\n" + TABLES + rows + f"\n      - {PARAGRAPHS[2]}\n")


def test_kept_tables_are_put_in_as_drawn(tmp_path, monkeypatch):
    """A table an earlier build drew is put in as drawn, its cells not made again, and so is
    one it split across pages where it splits alike; unless it must split where it did not
    before. The PDF is the one a cold build makes."""
    from reportgen.writers import pdf

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    made = []
    real = pdf._Writer._table_flowable

    def table_flowable(self, node, box):
        made.append(len(node.body))
        return real(self, node, box)

    monkeypatch.setattr(pdf._Writer, "_table_flowable", table_flowable)
    path = tmp_path / "project" / "content" / tmp_path.name / "report.yaml"
    project = make_project(tmp_path, {f"content/{tmp_path.name}/report.yaml": table_spec(PARAGRAPHS[0])})
    build(project, "first")
    assert sorted(made) == [1, 2, 3, 90]

    # The paragraph above changes but keeps its length: every table lands where it did.
    path.write_text(table_spec(PARAGRAPHS[0].replace("临床", "医疗")), encoding="utf-8")
    made.clear()
    warm = build(project, "second")
    assert made == [1]  # only the table with a link is made; the one split across pages comes in kept parts

    def unkept(output):
        """The PDF with every table made and drawn by ReportLab, nothing kept (the kept
        file is put back after)."""
        from reportgen.cachefiles import digest_path

        files = [kept_file(project), digest_path(kept_file(project))]
        kept = [path.read_bytes() for path in files]
        files[0].unlink()
        with monkeypatch.context() as patch:
            patch.setattr(pdf._Writer, "_table_key", lambda *args: None)
            made = build(project, output)
        for path, data in zip(files, kept):
            path.write_bytes(data)
        return made

    assert warm == unkept("third")

    # Where the split is kept but not its parts' sizes and drawings, the split is made again
    # as it was made (in the room the page had then) and drawn right.
    import pickle

    from reportgen.cachefiles import save

    settings, lines, drawn = pickle.loads(kept_file(project).read_bytes())
    splits = {key: value for key, value in drawn.items()
              if isinstance(value, tuple) and value and all(isinstance(part, tuple) and len(part) == 2
                                                            and isinstance(part[1], bool) for part in value)}
    assert splits, "the long table's split was not kept"
    save(kept_file(project), lambda tmp: tmp.write_bytes(pickle.dumps((settings, lines, splits))))
    made.clear()
    assert build(project, "sixth") == warm
    assert 90 in made

    # Two more lines above: the long table splits elsewhere, and is still drawn right.
    path.write_text(table_spec(PARAGRAPHS[0] * 2), encoding="utf-8")
    made.clear()
    warm = build(project, "fourth")
    assert made == [1, 90]
    assert warm == unkept("fifth")


@pytest.mark.parametrize("filler", range(30, 44, 3))
def test_a_kept_table_at_a_page_foot_is_put_in_as_reportlab_draws_it(tmp_path, monkeypatch, filler):
    """Somewhere in these fillers the table meets the page's foot: it splits there, or goes
    whole to the next page. Its kept size (taken only where it fit: ReportLab measures rows
    only as far as the room offered) and drawing give the PDF its own tables give."""
    from reportgen.cachefiles import digest_path
    from reportgen.writers import pdf

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    rows = "\n".join(f'            - ["{i}", "第 {i} 行", "{i}.5"]' for i in range(25))
    text = ("title: 表格缓存\nlocales: [zh_CN]\nsections:\n  - title: 第一章\n    blocks:\n"
            + "".join(f"      - 第 {i} 段。\n" for i in range(filler))
            + "      - table:\n          caption: 表\n          columns: [序号, 名称, 数值]\n          rows:\n"
            + rows + "\n")
    project = make_project(tmp_path, {f"content/{tmp_path.name}/report.yaml": text})
    build(project, "first")
    warm = build(project, "second")
    kept_file(project).unlink()
    digest_path(kept_file(project)).unlink()
    monkeypatch.setattr(pdf._Writer, "_table_key", lambda *args: None)
    assert warm == build(project, "third")
