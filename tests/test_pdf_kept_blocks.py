"""A text block whose drawing an earlier build kept is put into the page as drawn, without
Platypus's save-move-restore of the canvas around it; the PDF is the one a build with
nothing kept makes."""

from __future__ import annotations

from conftest import build_pdf, kept_lines_file, make_project


REPORT = """\
title: 段落缓存
locales: [zh_CN]
sections:
  - title: 第一章
    blocks:
      - 医疗大模型正从单模态文本处理迈向多模态临床智能协同阶段，产业链上下游的分工日益清晰。
      - |
        - 第一项：监管框架逐步完善
        - 第二项：数据合规成为前提
      - 详见[来源](https://example.com/a)。
      - quote: 数据合规与算法备案成为企业进入市场的前提条件。
"""


def test_kept_blocks_are_put_in_without_platypus(tmp_path, monkeypatch):
    from reportgen.writers import pdf_text

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    drawn = []
    real = pdf_text.TextBlock.draw

    def draw(self):  # the blocks drawn through Platypus (headings and contents entries draw more: always)
        if type(self) is pdf_text.TextBlock:
            drawn.append(self.plain_text())
        return real(self)

    monkeypatch.setattr(pdf_text.TextBlock, "draw", draw)
    project = make_project(tmp_path, {f"content/{tmp_path.name}/report.yaml": REPORT})
    first = build_pdf(project, "first")
    assert any("第一项" in text for text in drawn) and any("来源" in text for text in drawn)

    drawn.clear()
    warm = build_pdf(project, "second")
    # Only the block with a link (its link is placed through the canvas) goes through Platypus.
    assert drawn == ["详见来源。"]
    assert warm == first

    kept_lines_file(project).unlink()
    assert build_pdf(project, "third") == warm
