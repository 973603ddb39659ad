"""The PDF's frames look through a flowable for footnote references only while a note is
still to be printed: a report without notes, or past its last one, is not searched."""

from __future__ import annotations

import pytest
from conftest import make_project

from reportgen.cli import main


def report(note: bool) -> str:
    first = '"开头一段，含脚注[^n1]。\\n\\n[^n1]: 脚注内容。"' if note else "开头一段。"
    rest = "\n".join(f"      - 第 {i} 段：监管框架逐步完善，数据合规与算法备案成为企业进入市场的前提条件。" for i in range(40))
    return f"title: 脚注\nlocales: [zh_CN]\nsections:\n  - title: 第一章\n    blocks:\n      - {first}\n{rest}\n"


@pytest.mark.parametrize("note", [False, True])
def test_flowables_are_searched_for_notes_only_while_one_is_unprinted(tmp_path, monkeypatch, note):
    from pypdf import PdfReader

    from reportgen.writers import pdf_flowables

    searched = []
    real = pdf_flowables.note_numbers

    def note_numbers(flowable):
        searched.append(flowable)
        return real(flowable)

    monkeypatch.setattr(pdf_flowables, "note_numbers", note_numbers)
    project = make_project(tmp_path, {f"content/{tmp_path.name}/report.yaml": report(note)})
    assert main(["-C", str(project), "build", "--format", "pdf", "--jobs", "1"]) == 0
    if not note:
        assert searched == []
        return
    # Searched up to the paragraph that holds the note, and no further.
    texts = [f.plain_text() for f in searched if hasattr(f, "plain_text")]
    assert searched and not any("第 0 段" in text for text in texts)
    reader = PdfReader(project / "output" / "zh_CN" / f"{tmp_path.name}.pdf")
    holding = [i for i, page in enumerate(reader.pages) if "脚注内容" in (page.extract_text() or "")]
    referring = [i for i, page in enumerate(reader.pages) if "开头一段" in (page.extract_text() or "")]
    assert holding == referring[-1:]
