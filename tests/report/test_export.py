"""helpers.report.export: HTML export, empty headings, banner and footer, index page."""

from __future__ import annotations

import csv
import re

import nbformat
import pandas as pd
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
PAGE = """<html lang="en"><body><main><div class="jp-Cell"><h1>Place</h1><p>intro</p></div>
<div class="jp-Cell"><h2 id="Who-lives-here">Who lives here<a class="anchor-link"
href="#Who-lives-here">\u00b6</a></h2></div>
<h2>Key findings</h2>
<p class='cai-caption'><strong>A table</strong></p><table class="cai-table"><thead><tr>
<th>Area</th><th>Number</th><th>% (95% CI)</th></tr></thead><tbody>
<tr><td>Wessex</td><td>1,234</td><td>55.0% (52.1-57.9)</td></tr>
<tr><td>=HYPERLINK("x")</td><td>*</td><td>*</td></tr></tbody></table>
<h2>Key findings</h2></main></body></html>"""


def test_finish_page_adds_contents_anchors_header_scopes_and_a_csv_per_table():
    page, downloads = report.finish_page(PAGE, "wessex", tidy=True)
    assert '<h2 id="key-findings">' in page and '<h2 id="key-findings-2">' in page
    contents = re.search(r'<nav aria-labelledby="contents-heading".*?</nav>', page).group(0)
    assert re.findall(r'href="#([^"]+)">([^<]+)<', contents) == [
        ("Who-lives-here", "Who lives here"), ("key-findings", "Key findings"),
        ("key-findings-2", "Key findings")]
    assert page.index("Contents") > page.index("<h1>") and page.index(
        'href="index.html"') < page.index("<h1>")
    assert '<th scope="col">Area</th>' in page
    assert 'href="downloads/wessex/table-01.csv"' in page
    assert 'href="downloads/wessex/all-figures.csv"' in page
    assert 'href="methods.html"' in page
    table = downloads["table-01.csv"]
    assert list(table.columns) == ["Area", "Number", "% (95% CI)"]
    assert table.values.tolist() == [["Wessex", "1,234", "55.0% (52.1-57.9)"],
                                     ['=HYPERLINK("x")', "*", "*"]]
    assert 'role="region"' in page and 'aria-label="A table"' in page


def test_published_csvs_say_synthetic_neutralise_formulas_and_replace_stale_files(tmp_path):
    stale = tmp_path / "downloads" / "wessex" / "table-09.csv"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    figures = pd.DataFrame({"indicator": ["early_stage"], "value_percent": ["55.0"]})
    report.publish(tmp_path / "wessex.html", PAGE, SYNTHETIC | {"data_status": "SYNTHETIC"},
                   figures)
    folder = tmp_path / "downloads" / "wessex"
    assert sorted(p.name for p in folder.iterdir()) == ["all-figures.csv", "table-01.csv"]
    with (folder / "table-01.csv").open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["data_status", "Area", "Number", "% (95% CI)"]
    assert rows[1] == ["SYNTHETIC", "Wessex", "1,234", "55.0% (52.1-57.9)"]
    assert rows[2][1] == "'=HYPERLINK(\"x\")"  # a spreadsheet shows it, never runs it
    tidy = pd.read_csv(folder / "all-figures.csv", dtype=str)
    assert tidy.to_dict("records") == [{"data_status": "SYNTHETIC", "indicator": "early_stage",
                                        "value_percent": "55.0"}]


def test_methods_page_has_contents_and_anchors(tmp_path):
    text = report.write_methods(tmp_path, SYNTHETIC).read_text(encoding="utf-8")
    assert '<h2 id="the-front-page">The front page</h2>' in text
    assert 'href="#the-front-page"' in text and 'href="index.html"' in text
