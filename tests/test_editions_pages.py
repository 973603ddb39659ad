"""Editions a client would accept, built end to end from tests/roots/draft: a draft edition
is marked in both formats and in the manifest; the cover carries publisher, date and report
code; the closing page ends both files."""

from __future__ import annotations

import json
import zipfile

import pytest
from conftest import make_project

from reportgen.cli import main

pypdf = pytest.importorskip("pypdf")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("draft"), root="draft")
    assert main(["-C", str(project), "build"]) == 0
    return project


def pdf_pages(project, locale):
    return [p.extract_text() for p in pypdf.PdfReader(project / "output" / locale / "paper.pdf").pages]


def docx_part(project, locale, name_start):
    with zipfile.ZipFile(project / "output" / locale / "paper.docx") as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith(name_start))


def test_a_draft_pdf_says_draft_on_every_page_and_the_finished_one_nowhere(project):
    draft = pdf_pages(project, "en")
    assert all("DRAFT" in t for t in draft)
    assert "Draft edition" in draft[0]
    assert not any("DRAFT" in t or "草稿" in t for t in pdf_pages(project, "zh_CN"))


def test_a_draft_docx_says_draft_on_the_cover_and_in_the_running_head(project):
    assert "DRAFT" in docx_part(project, "en", "word/header")
    assert "Draft edition" in docx_part(project, "en", "word/document.xml")
    assert "DRAFT" not in docx_part(project, "zh_CN", "word/header")


def test_the_manifest_and_list_mark_draft_editions(project, capsys):
    entries = json.loads((project / "output" / "manifest.json").read_text(encoding="utf-8"))["editions"]
    drafts = {(e["locale"], e["format"]): e["draft"] for e in entries}
    assert drafts == {("en", "pdf"): True, ("en", "docx"): True, ("zh_CN", "pdf"): False, ("zh_CN", "docx"): False}
    capsys.readouterr()
    assert main(["-C", str(project), "list"]) == 0
    line = capsys.readouterr().out.strip()
    assert "en[pdf,docx draft]" in line and "zh_CN[pdf,docx]" in line


def test_cover_and_closing_page_in_both_formats(project):
    pages = pdf_pages(project, "zh_CN")
    assert "示例研究院" in pages[0] and "报告编号：RG-2025-014" in pages[0] and "2025 年" in pages[0]
    assert "免责声明" in pages[-1] and "本报告仅供参考" in pages[-1] and "联系我们" in pages[-1]
    document = docx_part(project, "zh_CN", "word/document.xml")
    for text in ("示例研究院", "报告编号：RG-2025-014", "免责声明", "本报告仅供参考，不构成任何投资建议。"):
        assert text in document
    # The closing page comes after the body.
    assert document.index("医疗健康行业是维护全民福祉") < document.index("免责声明")


def test_a_layout_gives_publisher_and_closing_page_that_translators_see(tmp_path):
    from conftest import REPO

    house = (REPO / "layouts" / "market-report.yaml").read_text(encoding="utf-8")
    house += "publisher: House Research\nclosing:\n  copyright: \"© 2025 House Research. **All rights reserved.**\"\n"
    spec = ("title: Report\nlayout: house\nsource_locale: en\nlocales: [en, zh_CN]\n"
            "closing:\n  contact: Write to us.\nsections:\n  - title: One\n    blocks: [Text.]\n")
    project = make_project(tmp_path, {"layouts/house.yaml": house, "content/r/report.yaml": spec})
    assert main(["-C", str(project), "build", "--format", "pdf", "--locale", "en"]) == 0
    pages = [p.extract_text() for p in pypdf.PdfReader(project / "output" / "en" / "r.pdf").pages]
    assert "House Research" in pages[0]
    # The layout's part and the report's own, in the closing page's order.
    last = pages[-1]
    assert last.index("Copyright") < last.index("All rights reserved.") < last.index("Contact") < last.index("Write to us.")
    assert main(["-C", str(project), "i18n", "update", "r"]) == 0
    catalog = (project / "content" / "r" / "locales" / "zh_CN.po").read_text(encoding="utf-8")
    for context in ("layout|publisher", "layout|closing|copyright", "report|closing|contact"):
        assert f'msgctxt "{context}"' in catalog
