"""The PDF writer's shortcuts in ReportLab's writing of the file's objects give ReportLab's
own bytes: strings in ASCII encoded by Python's codec, names made once for each string."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("text", [
    "/Type /Page", "1 0 0 1 72.5 -3 cm\nBT <4e2d> Tj ET", "", "tab\tand\nlines\r", "\x00\x17\x7f",
    "\x18", "a\x1fb",  # ASCII that PDFDocEncoding has no code for
    "é€™", "Ünicode ✓",  # beyond ASCII: ReportLab's codec as before
])
def test_strings_are_encoded_as_reportlab_encodes_them(text):
    """The writer's shortcut for ASCII gives ReportLab's own bytes, or its own refusal."""
    from reportlab.pdfbase import pdfdoc

    from reportgen.writers.pdf import _pdfdoc_encoded, _reportlab_settings

    def outcome(encode):
        try:
            return encode(text)
        except UnicodeEncodeError:
            return "refused"

    expected = outcome(pdfdoc.pdfdocEnc)
    assert outcome(lambda t: _pdfdoc_encoded(pdfdoc.pdfdocEnc, t)) == expected
    with _reportlab_settings("Helvetica"):
        assert outcome(pdfdoc.pdfdocEnc) == expected
        assert pdfdoc.pdfdocEnc(b"bytes") == b"bytes"


@pytest.mark.parametrize("name", ["Type", "FormXob.RGChart0", "A B", "Tab#1", "(x)", "é", "名称"])
def test_names_are_made_as_reportlab_makes_them(name):
    from reportlab.pdfbase import pdfdoc

    from reportgen.writers.pdf import _reportlab_settings

    expected = pdfdoc.PDFName(name)
    with _reportlab_settings("Helvetica"):
        assert pdfdoc.PDFName(name) == expected
        assert pdfdoc.PDFName(name) == expected  # made before
        assert pdfdoc.PDFName(name, "!", "~") == expected
    assert pdfdoc.PDFName(name) == expected
