"""End to end: build a real sample report and read it back as its readers would."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile

import docx
import pytest
from conftest import REPO, make_project
from pypdf import PdfReader

from reportgen.cli import main
from reportgen.errors import Diagnostics
from reportgen.layout import load_layout
from reportgen.resolve import Hooks, resolve
from reportgen.spec import load_spec

REPORT = "medical-llm-brands-2025"
BRANDS = ["百度灵医智惠", "腾讯觅影", "阿里健康", "医渡科技", "科大讯飞",
          "联影医疗", "东软医疗", "英矽智能", "晶泰科技", "数坤科技"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    status = main(["-C", str(REPO), "build", REPORT, "--locale", "zh_CN", "--output", str(out)])
    assert status == 0
    return out


def headings():
    spec, diags = load_spec(REPO / "content" / REPORT / "report.yaml", REPO)
    layout = load_layout(REPO, spec.layout, "zh_CN")
    doc = resolve(spec, "zh_CN", layout, Hooks(), Diagnostics())
    return [s.heading_text for s in doc.walk_sections()]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def outline_titles(items) -> list[str]:
    out = []
    for item in items:
        if isinstance(item, list):
            out.extend(outline_titles(item))
        else:
            out.append(item.title)
    return out


def test_pdf_has_every_heading_and_brand_in_order(built):
    reader = PdfReader(built / "zh_CN" / f"{REPORT}.pdf")
    # Skip the cover and contents: the body must carry the headings in reading order.
    text = squash("".join(page.extract_text() for page in reader.pages[2:]))
    position = 0
    for heading in headings() + BRANDS:
        if heading in BRANDS:
            found = text.find(squash(heading))
        else:
            found = text.find(squash(heading), position)
        assert found >= 0, f"{heading!r} missing from the PDF body (or out of order)"
        if heading not in BRANDS:
            position = found
    brand_positions = [text.find(b) for b in BRANDS]
    assert brand_positions == sorted(brand_positions)


def test_pdf_outline_mirrors_headings(built):
    reader = PdfReader(built / "zh_CN" / f"{REPORT}.pdf")
    titles = [squash(t) for t in outline_titles(reader.outline)]
    for heading in headings():
        assert squash(heading) in titles


def test_pdf_fonts_all_embedded(built):
    reader = PdfReader(built / "zh_CN" / f"{REPORT}.pdf")
    fonts = {}
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for name, ref in (resources.get("/Font") or {}).items():
            font = ref.get_object()
            fonts[font["/BaseFont"]] = font
    assert fonts
    for base, font in fonts.items():
        descendants = font.get("/DescendantFonts")
        descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
        assert descriptor is not None, f"{base} has no descriptor (a standard, non-embedded font)"
        descriptor = descriptor.get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), f"{base} is not embedded"
        assert "Helvetica" not in str(base)


def test_docx_toc_headings_and_east_asian_fonts(built):
    path = built / "zh_CN" / f"{REPORT}.docx"
    document = docx.Document(str(path))
    styled = [(p.style.name, squash(p.text)) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert {name for name, _ in styled} >= {"Heading 1", "Heading 2", "Heading 3"}
    texts = [t for _, t in styled]
    for heading in headings():
        assert squash(heading) in texts
    with zipfile.ZipFile(path) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
        styles = archive.read("word/styles.xml").decode("utf-8")
    assert re.search(r'instrText[^>]*>\s*TOC \\o', body), "no TOC field"
    assert 'w:eastAsia="' in styles and 'w:eastAsia="zh-CN"' in styles


def test_manifest_lists_the_editions(built):
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    entries = {(e["locale"], e["format"]): e for e in manifest["editions"] if e["report"] == REPORT}
    assert entries[("zh_CN", "pdf")]["status"] == "built" and entries[("zh_CN", "pdf")]["pages"] > 3
    assert entries[("zh_CN", "docx")]["status"] == "built"


def test_failed_rebuild_keeps_the_earlier_file_and_says_so(tmp_path, capsys):
    project = make_project(tmp_path, {"content/r/report.yaml": "title: x\nsections:\n  - title: a\n    blocks: [ok]\n"})
    assert main(["-C", str(project), "build"]) == 0
    pdf = project / "output" / "zh_CN" / "r.pdf"
    before = pdf.read_bytes()
    (project / "content/r/report.yaml").write_text("title: x\nsections:\n  - title: a\n    blocks: ['{{ nope }}']\n")
    assert main(["-C", str(project), "build"]) == 1
    assert pdf.read_bytes() == before, "a failed rebuild must not touch the last good PDF"
    manifest = json.loads((project / "output" / "manifest.json").read_text())
    entry = {e["format"]: e for e in manifest["editions"]}["pdf"]
    assert entry["status"] == "stale" and entry["sha256"] == hashlib.sha256(before).hexdigest()
    assert entry["pages"] > 0 and "report.yaml:4:18" in entry["message"]
    assert "report.yaml:4:18" in capsys.readouterr().err
    assert not [p for p in (project / "output").rglob("*.tmp")]
    assert main(["-C", str(project), "list"]) == 0
    assert "zh_CN[pdf stale,docx stale]" in capsys.readouterr().out


def test_failed_first_build_leaves_no_file(tmp_path):
    project = make_project(tmp_path, {"content/r/report.yaml": "title: x\nsections:\n  - title: a\n    blocks: ['{{ nope }}']\n"})
    assert main(["-C", str(project), "build"]) == 1
    assert not (project / "output" / "zh_CN").exists() or not list((project / "output" / "zh_CN").iterdir())
    manifest = json.loads((project / "output" / "manifest.json").read_text())
    assert {e["status"] for e in manifest["editions"]} == {"failed"}
    assert all(e["sha256"] == "" for e in manifest["editions"])


@pytest.mark.parametrize("collecting", [True, False])
def test_a_build_leaves_the_garbage_collector_as_it_was(tmp_path, collecting):
    """A build holds Python's collector while it loads and resolves and freezes what that
    made before writing (build._collector_held); a program that runs builds (a watch loop,
    a test, a script using reportgen) gets its collector back as it was, nothing frozen,
    whether the build succeeds or fails."""
    import gc

    project = make_project(tmp_path, root="test-two-reports")
    was = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    try:
        assert main(["-C", str(project), "build", "alpha", "--format", "docx", "--jobs", "1"]) == 0
        assert gc.isenabled() is collecting and gc.get_freeze_count() == 0
        (project / "content" / "alpha" / "report.yaml").write_text("title: [broken\n", encoding="utf-8")
        assert main(["-C", str(project), "build", "alpha", "--format", "docx", "--jobs", "1"]) != 0
        assert gc.isenabled() is collecting and gc.get_freeze_count() == 0
    finally:
        (gc.enable if was else gc.disable)()
