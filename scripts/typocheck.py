#!/usr/bin/env python3
"""Measure the typography of built PDFs: per-rule counts and the first places of each.

    scripts/typocheck.py output/en/ai-biomedical-market.pdf [more.pdf ...]
        [--layout market-report] [--locale en] [--root .] [--chapter-break page|auto|none]
        [--places 3]

The text block is the layout's (read from the project at --root for the PDF's edition:
--locale, or the name of the folder the PDF is in). The rules are described in
tests/typography.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from typography import RULES, Report, TextBlock, check_pdf  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pdfs", nargs="+", type=Path)
    parser.add_argument("--layout", default="market-report", help="layout name in the project's layouts/")
    parser.add_argument("--locale", help="edition whose layout overrides apply (default: the PDF's folder)")
    parser.add_argument("--root", type=Path, default=Path("."), help="project folder (default: .)")
    parser.add_argument("--chapter-break", choices=("page", "auto", "none"),
                        help="how chapters break (default: the layout's, else page)")
    parser.add_argument("--places", type=int, default=3, help="places listed per rule")
    args = parser.parse_args(argv)

    from reportgen.errors import ReportgenError
    from reportgen.layout import load_layout

    total = Report()
    for pdf in args.pdfs:
        if not pdf.is_file():
            print(f"{pdf}: no such file", file=sys.stderr)
            return 2
        locale = args.locale or pdf.parent.name
        try:
            layout = load_layout(args.root.resolve(), args.layout, locale)
        except ReportgenError as exc:
            print("\n".join(str(d) for d in exc.diagnostics), file=sys.stderr)
            return 2
        mode = args.chapter_break or getattr(layout, "chapter_break", "page")
        report = check_pdf(pdf, TextBlock.from_layout(layout), mode, name=f"{pdf.parent.name}/{pdf.name}",
                           forced=_forced(args.root.resolve(), pdf.stem, locale))
        fills = list(report.fills.values())
        under = sum(f < 0.55 for f in fills)
        measure = report.measures.get(f"{pdf.parent.name}/{pdf.name}")
        print(f"{pdf}: {report.pages} pages, {under} under 55% full"
              + (f", {measure:.1f} characters a full English line" if measure else ""))
        total.extend(report)
    print()
    print(total.summary(args.places))
    print(f"{'total':18} {sum(total.counts().values()):5}  ({len(args.pdfs)} files, {total.pages} pages, "
          f"{len(RULES)} rules)")
    return 1 if total.violations else 0


def _forced(root: Path, report: str, locale: str) -> frozenset:
    """The headings the report's spec starts on a new page (`page_break: true`), as printed,
    when the PDF's report is in the project at `root`; else none."""
    import re

    from reportgen.editions import prepare
    from reportgen.errors import Diagnostics

    spec = root / "content" / report / "report.yaml"
    if not spec.is_file():
        return frozenset()
    editions = [e for e in prepare(root, [spec], [locale], Diagnostics()) if e.document is not None]
    return frozenset(re.sub(r"\s+", "", s.heading_text) for e in editions for s in e.document.walk_sections()
                     if s.page_break)


if __name__ == "__main__":
    sys.exit(main())
