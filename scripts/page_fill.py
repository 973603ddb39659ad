"""How full the body pages of built PDFs are: the share of the text block each page uses.

    .venv/bin/python scripts/page_fill.py [--layout market-report] [--min 0.55] output/*/*.pdf

A page's fill is the distance from the top of the text block to the baseline of its lowest
line of text (images count through the caption or source line under them), over the text
block's height. Pages a break or the book's structure leaves short are not counted against
the rule, and are listed apart: the cover, the contents, part divider pages, the page before
a chapter or part that starts at the top of a page or before the closing page (a chapter's
last page), the closing page and the last page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reportgen.layout import load_layout  # noqa: E402

TOP_SLACK = 40.0  # points: a heading this close to the top of the text block starts the page


def lowest_lines(reader: PdfReader, bottom: float, top: float) -> list[tuple[float | None, bool]]:
    """Per page, the lowest baseline of text inside the text block (None for no text), and
    whether the page has a running head (text above the block)."""
    out = []
    for page in reader.pages:
        ys: list[float] = []
        head = []

        def visit(text, cm, tm, font, size, ys=ys, head=head):
            if not text.strip():
                return
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if bottom - 2 <= y <= top + 2:
                ys.append(y)
            elif y > top + 2:
                head.append(y)

        page.extract_text(visitor_text=visit)
        out.append((min(ys) if ys else None, bool(head)))
    return out


def outline_starts(reader: PdfReader) -> tuple[dict[int, float], set[int]]:
    """Pages where a chapter or part starts (with the heading's top), and part divider pages."""
    starts: dict[int, float] = {}
    dividers: set[int] = set()

    def page_top(entry):
        return reader.get_destination_page_number(entry), float(entry.top or 0)

    def walk(items, parent_is_part: bool):
        previous = None
        for item in items:
            if isinstance(item, list):
                if previous is not None:
                    walk_children(previous, item)
                continue
            previous = item

    def walk_children(parent, children):
        pp, _ = page_top(parent)
        first = next((c for c in children if not isinstance(c, list)), None)
        if first is not None and page_top(first)[0] > pp:  # a part: its children start later
            dividers.add(pp)
            for child in children:
                if not isinstance(child, list):
                    p, t = page_top(child)
                    starts.setdefault(p, t)

    items = reader.outline
    for item in items:
        if not isinstance(item, list):
            p, t = page_top(item)
            starts.setdefault(p, t)
    walk(items, False)
    return starts, dividers


def measure(path: Path, layout) -> list[dict]:
    reader = PdfReader(str(path))
    bottom = layout.margin_bottom
    top = layout.page_height - layout.margin_top
    height = top - bottom
    lows = lowest_lines(reader, bottom, top)
    starts, dividers = outline_starts(reader)
    contents = set()
    for item in reader.outline:
        if not isinstance(item, list) and item.title in ("Contents", "目录", "目錄"):
            p = reader.get_destination_page_number(item)
            first_body = min((q for q in starts if q > p), default=p + 1)
            contents.update(range(p, first_body))
    n = len(reader.pages)
    rows = []
    # A closing page (disclaimer, copyright, contact) ends the file without a running head.
    closing = n - 1 if n > 2 and not lows[-1][1] and n - 1 not in dividers else None
    for i, (low, _) in enumerate(lows):
        fill = 0.0 if low is None else (top - low) / height
        if i == 0:
            kind = "cover"
        elif i in dividers:
            kind = "divider"
        elif i in contents:
            kind = "contents"
        elif i == closing:
            kind = "closing"
        elif i == n - 1:
            kind = "last"
        elif i + 1 in starts and starts[i + 1] >= top - TOP_SLACK or i + 1 in dividers or i + 1 == closing:
            kind = "chapter-end"
        else:
            kind = "body"
        rows.append({"page": i + 1, "fill": fill, "kind": kind})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="+", type=Path)
    parser.add_argument("--layout", default="market-report")
    parser.add_argument("--min", type=float, default=0.55, help="the least fill a body page should have")
    parser.add_argument("--pages", action="store_true", help="list every page")
    args = parser.parse_args(argv)
    total = short = half = body = exempt = ends = tails = 0
    for path in args.pdfs:
        locale = path.parent.name
        layout = load_layout(ROOT, args.layout, locale)
        rows = measure(path, layout)
        bad = [r for r in rows if r["kind"] == "body" and r["fill"] < args.min]
        total += len(rows)
        body += sum(r["kind"] == "body" for r in rows)
        exempt += sum(r["kind"] != "body" for r in rows)
        short += len(bad)
        half += sum(r["fill"] < 0.5 for r in rows)
        # A page whose lowest line is within three body lines of the top holds three lines or fewer.
        lines = 3.5 * layout.sizes["body"] * layout.line_spacing / layout.text_height
        tails += sum(r["kind"] in ("body", "chapter-end", "last") and r["fill"] < lines for r in rows)
        ends += sum(r["kind"] == "chapter-end" and r["fill"] < args.min for r in rows)
        shown = ", ".join(f"p{r['page']} {r['fill']:.0%}" for r in bad)
        print(f"{path}: {len(rows)} pages, {len(bad)} body pages under {args.min:.0%}{': ' + shown if shown else ''}")
        if args.pages:
            for r in rows:
                print(f"   p{r['page']:<4} {r['kind']:<12} {r['fill']:.0%}")
    print(f"total: {total} pages; {body} body pages, {short} of them under {args.min:.0%}; "
          f"{exempt} cover/contents/divider/chapter-end/closing/last pages, {ends} of them chapter ends under {args.min:.0%}; "
          f"{half} pages of all under half full; {tails} pages of three lines or fewer")
    return 1 if short else 0


if __name__ == "__main__":
    sys.exit(main())
