"""Running headers and footers are put in as an earlier build drew them (kept with the
edition's set paragraphs), and the PDF is the one a build with nothing kept makes: after
the page count changes, a chapter is renamed, and the layout's colours or slots change."""

from __future__ import annotations

import pytest
from conftest import build_pdf, build_pdf_with_nothing_kept, make_project


PARAGRAPH = "医疗大模型正从单模态文本处理迈向多模态临床智能协同阶段，产业链上下游的分工日益清晰。" * 6


def spec(chapter: str, paragraphs: int) -> str:
    blocks = "\n".join(f"      - 第 {i} 段。{PARAGRAPH}" for i in range(paragraphs))
    return (f"title: 页眉缓存\nlocales: [zh_CN]\nsections:\n  - title: {chapter}\n    blocks:\n{blocks}\n"
            f"  - title: 第二章\n    blocks:\n{blocks}\n")


@pytest.fixture
def fresh(monkeypatch):
    """Each header or footer line this test's builds drew (not put in as kept)."""
    from reportgen.writers import pdf_flowables

    calls = []
    real = pdf_flowables.PagePainter._draw_slots

    def draw_slots(self, canv, texts, y):
        calls.append(" ".join(texts.values()))
        return real(self, canv, texts, y)

    monkeypatch.setattr(pdf_flowables.PagePainter, "_draw_slots", draw_slots)
    return calls


def test_kept_running_lines_give_the_pdf_of_a_build_with_nothing_kept(tmp_path, monkeypatch, fresh):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    report = tmp_path / "project" / "content" / tmp_path.name / "report.yaml"
    project = make_project(tmp_path, {f"content/{tmp_path.name}/report.yaml": spec("第一章", 12)})
    first = build_pdf(project, "first")
    assert any("第一章" in line for line in fresh) and any("/" in line or "页" in line for line in fresh)

    # Nothing changed: every line is put in as kept.
    fresh.clear()
    assert build_pdf(project, "second") == first
    assert fresh == []

    # More pages (every footer's total changes) and a renamed chapter (its header changes).
    report.write_text(spec("第一章（修订）", 16), encoding="utf-8")
    fresh.clear()
    warm = build_pdf(project, "third")
    assert fresh and any("第一章（修订）" in line for line in fresh)
    assert not any("第二章" in line for line in fresh)  # its header reads as before
    assert warm == build_pdf_with_nothing_kept(project, "third-unkept")

    # The layout's muted colour and its footer's slots.
    layout = project / "layouts" / "market-report.yaml"
    text = layout.read_text(encoding="utf-8")
    assert 'muted: "#6B6B6B"' in text and 'footer: {center: "{page_of}"}' in text
    layout.write_text(text.replace('muted: "#6B6B6B"', 'muted: "#5A5A5A"')
                      .replace('footer: {center: "{page_of}"}', 'footer: {right: "{page_of}"}'), encoding="utf-8")
    warm = build_pdf(project, "fourth")
    assert warm == build_pdf_with_nothing_kept(project, "fourth-unkept")
