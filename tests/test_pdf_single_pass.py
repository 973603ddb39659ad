"""The PDF is laid out once: page total and contents page numbers filled in after the last page,
each image read and decoded once per build and embedded once, whatever its path."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")

from reportlab.platypus import doctemplate  # noqa: E402

from conftest import contents_lines  # noqa: E402
from reportgen import model as m  # noqa: E402
from reportgen.fonts import faces_for  # noqa: E402
from reportgen.layout import load_layout  # noqa: E402
from reportgen.writers.pdf import write_pdf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TERMS = {"contents": "Contents", "figure": "Figure", "page_of": "Page {page} of {pages}"}
TEXT = ("Adoption of clinical language models grew fastest where hospitals already held structured "
        "records, and slowest where procurement rules predate software as a service. ")


def S(text):
    return [m.Str(text)]


def make_png(path: Path, shade: int = 121) -> Path:
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (600, 300), (255, 255, 255, 0))
    ImageDraw.Draw(img).rectangle([40, 40, 560, 260], fill=(31, 78, shade, 255))
    img.save(path)
    return path


def make_doc(chapters: int, images: list[str], logo: str | None = None, paragraphs: int = 6) -> m.Document:
    """`chapters` chapters of three sections; the images are placed in turn, one per section."""
    sections, placed = [], 0
    for c in range(chapters):
        children = []
        for s in range(3):
            blocks = [m.Paragraph(S(TEXT * 4)) for _ in range(paragraphs)]
            if images:
                blocks.append(m.Figure(images[placed % len(images)], m.Caption("Figure", placed + 1, S("Share"))))
                placed += 1
            children.append(m.Section(S(f"Section {c + 1}.{s + 1}"), 2, number=f"{c + 1}.{s + 1} ",
                                      blocks=blocks))
        sections.append(m.Section(S(f"Chapter {c + 1}"), 1, number=f"{c + 1}. ", children=children))
    meta = m.Meta("single-pass", "Clinical language models", "Adoption", author="reportgen", logo=logo)
    return m.Document(meta, "en", sections, dict(TERMS))


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("single")
    layout = load_layout(ROOT, "market-report", "en")
    text = TEXT + "".join(f"Chapter {i}.Section Figure Share Contents Page of 0123456789" for i in range(3))
    faces = faces_for("Noto Sans CJK SC", text + "Clinical language models Adoption reportgen", tmp, latin=True)
    return tmp, layout, faces


def contents_entries(reader) -> dict[str, int]:
    """Each listed heading with the page number the contents gives it (pypdf reads an entry's
    dot leader and number on the line after its title, or on the same line)."""
    lines = []
    for page in reader.pages:
        text = page.extract_text() or ""
        if not re.search(r"(\.\s+){10}", text):
            if lines:
                break
            continue
        lines += [x for x in text.splitlines() if not re.match(r"\s*(Contents|Page \d+ of \d+)\s*$", x)]
    return contents_lines(lines)


def test_pages_are_laid_out_once(setting, monkeypatch):
    tmp, layout, faces = setting
    builds = []
    real = doctemplate.BaseDocTemplate.build
    monkeypatch.setattr(doctemplate.BaseDocTemplate, "build",
                        lambda self, *a, **k: (builds.append(1), real(self, *a, **k))[1])
    write_pdf(make_doc(3, []), layout, faces, tmp / "once.pdf")
    assert len(builds) == 1


def test_long_contents_and_page_total_are_right(setting):
    """The contents run over several pages: every listed page number is the page its heading
    is on, and every footer gives the final total."""
    tmp, layout, faces = setting
    doc = make_doc(24, [], paragraphs=2)
    out = tmp / "long.pdf"
    pages = write_pdf(doc, layout, faces, out)
    reader = pypdf.PdfReader(out)
    assert pages == len(reader.pages) >= 40
    texts = [re.sub(r"\s+", " ", p.extract_text() or "") for p in reader.pages]
    for i, text in enumerate(texts[1:], start=2):
        assert f"Page {i} of {pages}" in text, (i, text[-80:])
    entries = contents_entries(reader)
    listed = [s.heading_text for s in doc.walk_sections()]
    assert sorted(entries) == sorted(re.sub(r"\s+", "", h) for h in listed)
    assert sum(1 for t in texts if re.search(r"(\.\s+){10}", t)) >= 3  # pages of contents
    for title, shown in entries.items():
        page = re.sub(r"\s+", "", texts[shown - 1])
        assert title in page and f"Page{shown}of{pages}" in page, (title, shown)


def test_contents_entries_link_to_their_headings(setting):
    tmp, layout, faces = setting
    out = tmp / "links.pdf"
    write_pdf(make_doc(3, []), layout, faces, out)
    reader = pypdf.PdfReader(out)
    contents = next(p for p in reader.pages if (p.extract_text() or "").lstrip().startswith("Contents"))
    links = [a.get_object() for a in contents.get("/Annots", []) or []]
    # one link for each of 12 headings, over the whole entry: its text, leader and page number
    linked = [a for a in links if "/Dest" in a or "/D" in (a.get("/A") or {})]
    assert len(linked) == 12
    right = max(float(a["/Rect"][2]) for a in linked)
    assert all(float(a["/Rect"][2]) == pytest.approx(right) for a in linked)
    assert all(float(a["/Rect"][2]) - float(a["/Rect"][0]) > 0.8 * layout.text_width for a in linked)


def test_an_image_placed_many_times_is_decoded_once_and_embedded_once(setting, monkeypatch):
    from PIL import ImageFile

    tmp, layout, faces = setting
    chart = str(make_png(tmp / "chart.png"))
    decodes = []
    real = ImageFile.ImageFile.load

    def load(self, *args, **kwargs):
        if self.tile:  # still to be decoded (PIL empties it once the pixels are read)
            decodes.append(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    once = write_pdf(make_doc(1, [chart]), layout, faces, tmp / "one.pdf")  # 3 placements
    few = len(decodes)
    decodes.clear()
    many = write_pdf(make_doc(6, [chart]), layout, faces, tmp / "many.pdf")  # 18 placements
    assert many > once
    assert len(decodes) <= few <= 2  # checked once and drawn once per build, not per placement
    reader = pypdf.PdfReader(tmp / "many.pdf")
    names = {ref.idnum for page in reader.pages
             for ref in (page["/Resources"].get("/XObject") or {}).values()
             if ref.get_object()["/Subtype"] == "/Image"}
    assert len(names) == 1


def test_the_same_picture_at_two_paths_is_one_image(setting):
    tmp, layout, faces = setting
    a = str(make_png(tmp / "a.png"))
    b = str(tmp / "b.png")
    shutil.copy(a, b)
    c = str(make_png(tmp / "c.png", shade=200))
    out = tmp / "two.pdf"
    write_pdf(make_doc(2, [a, b, c]), layout, faces, out)
    reader = pypdf.PdfReader(out)
    images = {ref.idnum for page in reader.pages
              for ref in (page["/Resources"].get("/XObject") or {}).values()
              if ref.get_object()["/Subtype"] == "/Image"}
    assert len(images) == 2  # a and b are one picture; c another


def test_the_pdf_does_not_depend_on_where_its_images_are(setting):
    """Moving the project (or the chart cache) must not change a byte of the PDF."""
    tmp, layout, faces = setting
    for place in ("here", "there/deeper"):
        folder = tmp / place
        folder.mkdir(parents=True)
        make_png(folder / "chart.png")
        make_png(folder / "logo.png", shade=40)
    outputs = []
    for place in ("here", "there/deeper"):
        folder = tmp / place
        doc = make_doc(1, [str(folder / "chart.png")], logo=str(folder / "logo.png"))
        out = tmp / f"{place.replace('/', '-')}.pdf"
        write_pdf(doc, layout, faces, out)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
