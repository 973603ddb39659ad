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
def counted(monkeypatch):
    from reportgen import linebreak

    calls = []
    real = linebreak.Typesetter.set

    def set_(self, runs, *args, **kwargs):
        calls.append("".join(r.text for r in runs))
        return real(self, runs, *args, **kwargs)

    monkeypatch.setattr(linebreak.Typesetter, "set", set_)
    return calls


def kept_file(project):
    from reportgen.fonts import cache_dir

    return cache_dir(project) / "lines" / "lines-report-zh_CN.pickle"


def build(project, output):
    assert main(["-C", str(project), "build", "--format", "pdf", "--force", "--jobs", "1", "--output", output]) == 0
    return (project / output / "zh_CN" / "report.pdf").read_bytes()


def test_only_the_edited_paragraph_is_set_again(tmp_path, counted, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = make_project(tmp_path, {"content/report/report.yaml": spec(PARAGRAPHS)})
    build(project, "first")
    assert any(PARAGRAPHS[0][:20] in text for text in counted)
    assert kept_file(project).exists()

    edited = [PARAGRAPHS[0], PARAGRAPHS[1].replace("fastest", "most"), PARAGRAPHS[2]]
    (project / "content" / "report" / "report.yaml").write_text(spec(edited), encoding="utf-8")
    counted.clear()
    warm = build(project, "second")
    again = [text for text in counted if "Hospitals" in text or "医疗大模型" in text or "监管" in text]
    assert len(again) == 1 and "grew most" in again[0]

    # The same PDF as a build that sets everything.
    kept_file(project).unlink()
    counted.clear()
    cold = build(project, "third")
    assert any("监管" in text for text in counted)
    assert warm == cold


def test_a_damaged_or_foreign_cache_is_not_used(tmp_path, counted, monkeypatch):
    project = make_project(tmp_path, {"content/report/report.yaml": spec(PARAGRAPHS)})
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


def test_an_edit_bringing_a_new_character_keeps_the_other_paragraphs(tmp_path, counted, monkeypatch):
    """A new character cuts the faces again; every other character keeps its advance, so the
    other paragraphs' kept lines still hold, and the PDF is the one a cold build makes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = make_project(tmp_path, {"content/report/report.yaml": spec(PARAGRAPHS)})
    build(project, "first")
    assert "鑫" not in "".join(PARAGRAPHS)
    edited = [PARAGRAPHS[0], PARAGRAPHS[1], PARAGRAPHS[2].replace("监管框架", "鑫监管框架")]
    (project / "content" / "report" / "report.yaml").write_text(spec(edited), encoding="utf-8")
    counted.clear()
    warm = build(project, "second")
    again = [text for text in counted if "Hospitals" in text or "医疗大模型" in text or "监管" in text]
    assert len(again) == 1 and "鑫" in again[0]

    kept_file(project).unlink()
    cold = build(project, "third")
    assert warm == cold
