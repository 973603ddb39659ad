"""The floor for the PDF writer: a minimal hand-written ReportLab script on the same content.

It sets the synthetic Markdown's headings, paragraphs and tables with plain platypus and the
same fonts, without a contents page, numbering, outline or charts: what any PDF of this
content costs at least.
"""

from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import escape


def main(markdown: Path, regular: Path, bold: Path, out: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    pdfmetrics.registerFont(TTFont("R", str(regular)))
    pdfmetrics.registerFont(TTFont("B", str(bold)))
    body = ParagraphStyle("b", fontName="R", fontSize=10.5, leading=16.8, wordWrap="CJK")
    heads = {1: ParagraphStyle("h1", fontName="B", fontSize=17, leading=24),
             2: ParagraphStyle("h2", fontName="B", fontSize=13.5, leading=20)}
    story, rows = [], []
    for line in markdown.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            if not line.startswith("|---"):
                rows.append([Paragraph(escape(c.strip()), body) for c in line.strip("|").split("|")])
            continue
        if rows:
            story.append(Table(rows, repeatRows=1, style=[("FONT", (0, 0), (-1, -1), "R")]))
            rows = []
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            story.append(Paragraph(escape(line.lstrip("# ")), heads[min(level, 2)]))
        elif line.strip():
            story.append(Paragraph(escape(line), body))
    SimpleDocTemplate(str(out), pagesize=A4, invariant=1).build(story)


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:5]))
