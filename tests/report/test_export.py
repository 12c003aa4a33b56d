"""helpers.report.export: HTML export, empty headings, banner and footer, index page."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.report import export as report

SYNTHETIC = {"source": "synthetic", "synthetic": True, "built_at": "2026-11-22T10:00:00"}
PUBLIC = {"source": "public", "synthetic": False, "built_at": "2026-11-22T10:00:00",
          "description": "official public data"}


def html_output(text: str) -> nbformat.NotebookNode:
    return new_output("display_data", data={"text/html": text, "text/plain": "Section(...)"})


def small_notebook() -> nbformat.NotebookNode:
    return new_notebook(cells=[
        new_markdown_cell("## Shown\n\nIntro."),
        new_code_cell("show()", outputs=[html_output("<p>a finding</p>")]),
        new_markdown_cell("### Empty section"),
        new_code_cell("empty()", outputs=[html_output("  ")]),
        new_code_cell("nothing()"),
        new_markdown_cell("### Stream output counts"),
        new_code_cell("print()", outputs=[new_output("stream", name="stdout", text="hello\n")]),
        new_markdown_cell("### Closing words, no code after them"),
    ])


def test_headings_over_nothing_are_dropped_and_the_rest_kept():
    nb = report.drop_empty_headings(small_notebook())
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert markdown == ["## Shown\n\nIntro.", "### Stream output counts",
                        "### Closing words, no code after them"]
    assert sum(c.cell_type == "code" for c in nb.cells) == 4  # code cells are never dropped
    assert [len(c.outputs) for c in nb.cells if c.cell_type == "code"] == [1, 0, 0, 1]


def test_export_has_no_code_keeps_findings_and_says_synthetic(tmp_path):
    executed = tmp_path / "x.ipynb"
    nbformat.write(small_notebook(), executed)
    page = report.export_html(executed, tmp_path / "out" / "x.html", SYNTHETIC, "Title")
    text = page.read_text(encoding="utf-8")
    assert "a finding" in text and "Shown" in text
    assert "Empty section" not in text
    assert "empty()" not in text and "show()" not in text  # inputs excluded
    assert "SYNTHETIC DATA" in text and "cai-banner synthetic" in text
    assert "<script src=\"http" not in text  # opens offline


def test_banner_and_footer_name_the_data():
    assert "official public data" in report.banner_html(PUBLIC)
    assert "SYNTHETIC" not in report.banner_html(PUBLIC)
    assert "SYNTHETIC demonstration data" in report.footer_html(SYNTHETIC)
    assert "Counts from 1 to 7" in report.footer_html(PUBLIC)


def test_index_lists_reports_and_marks_failures(tmp_path):
    entries = [
        {"kind": "england", "title": "England", "html": "england.html", "ok": True},
        {"kind": "alliance", "title": "Wessex", "html": "wessex.html", "ok": True},
        {"kind": "alliance", "title": "Northern", "html": "northern.html", "ok": False,
         "error": "kernel died"},
    ]
    text = report.write_index(tmp_path, SYNTHETIC, entries).read_text(encoding="utf-8")
    assert '<a href="wessex.html">Wessex</a>' in text
    assert "Northern: <strong>failed</strong> (kernel died)" in text
    assert text.index("Northern") < text.index("Wessex")  # alphabetical


def test_a_failed_cell_shows_its_one_line_message_never_a_traceback(tmp_path):
    nb = new_notebook(cells=[new_code_cell("clean()", outputs=[new_output(
        "error", ename="InputDataError", evalue="tumours.csv: column 'age' is not a number",
        traceback=["Traceback (most recent call last):", "  File \"x.py\", line 3, in clean",
                   "    secret_source_line = 9990000001"])]),
        new_code_cell("other()", outputs=[new_output(
            "error", ename="ValueError", evalue="invalid literal: '9990000001'",
            traceback=["Traceback (most recent call last):"])])])
    executed = tmp_path / "nb.ipynb"
    nbformat.write(nb, executed)
    page = report.export_html(executed, tmp_path / "page.html", SYNTHETIC, "t").read_text()
    assert "Traceback" not in page and "secret_source_line" not in page
    assert "9990000001" not in page  # an unexpected error shows its type only
    assert "This step failed" in page and "InputDataError: tumours.csv: column" in page
    assert "is not a number" in page
    assert "ValueError (an unexpected error" in page
