"""Reports: executed notebooks -> self-contained HTML, the index page and the manifest.

Exported with nbconvert's lab template minus every CDN script (no require.js,
MathJax, widgets or mermaid), inputs and prompts excluded, so a report holds
no code and opens offline. Every page carries the data-status banner.
"""

from __future__ import annotations

import html
import json
import platform
import re
import shutil
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from bs4 import BeautifulSoup, Tag

from helpers import files
from helpers.config import METHODS_FILE, SUPPRESSION_THRESHOLD, Paths
from helpers.cube import ENGLAND_CODE
from helpers.errors import InsightsError, public_message
from helpers.ingest.io import write_csv
from helpers.registry import alliances
from helpers.report import context, frontpage
from helpers.report.figures import tidy_figures

if TYPE_CHECKING:  # importing nbformat costs seconds (jsonschema): only where it is used
    import nbformat

TEMPLATES = Path(__file__).resolve().parent / "templates"
DOWNLOADS = "downloads"
"""The folder, inside reports/, holding one folder of CSVs per page."""
TIDY_FILE = "all-figures.csv"

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 0 1.5rem 3rem; }
.jp-RenderedHTMLCommon { font-size: 15px; line-height: 1.5; }
.jp-RenderedHTMLCommon h1 { font-size: 1.9rem; margin-top: 1rem; }
.jp-RenderedHTMLCommon h2 { border-bottom: 2px solid #005eb8; padding-bottom: .2rem;
  margin-top: 2.2rem; }
.cai-banner { position: sticky; top: 0; z-index: 10; padding: .6rem 1rem; font-weight: 600;
  text-align: center; }
@media (max-width: 600px) { .cai-banner { position: static; } }
h2[id], h3[id] { scroll-margin-top: 5rem; }
.cai-banner.synthetic { background: #ffb81c; color: #212b32; }
.cai-banner.real { background: #005eb8; color: #fff; }
.cai-table { border-collapse: collapse; margin: .5rem 0; font-size: 14px; }
.cai-table th { background: #e8edee; text-align: left; padding: .35rem .6rem; }
.cai-table td { padding: .3rem .6rem; border-bottom: 1px solid #d8dde0; }
.cai-table td, .cai-table th, .cai-table tr { text-align: left !important; }
.cai-table tr:nth-child(even) td { background: #f7f9fa; }
.cai-note, .cai-caption { font-size: 13px; color: #425563; margin: .2rem 0 1rem; }
.cai-finding { background: #f0f4f5; border-left: 4px solid #005eb8; padding: .5rem .9rem;
  margin: .6rem 0; }
.cai-footer { font-size: 12px; color: #425563; border-top: 1px solid #d8dde0;
  margin-top: 3rem; padding-top: .6rem; }
figure.cai-figure { margin: .8rem 0 1.2rem; }
.jp-OutputArea-output pre { white-space: pre-wrap; }
img { max-width: 100%; height: auto; }
main { overflow-wrap: break-word; } code { overflow-wrap: anywhere; }
a, .jp-RenderedHTMLCommon a, .cai-nav a, .cai-contents a, .cai-download a {
  color: #005eb8; text-decoration: underline; }
a:visited, .cai-nav a:visited, .cai-contents a:visited, .cai-download a:visited {
  color: #330072; }
.cai-nav { margin: .8rem 0; font-size: 14px; }
.cai-contents { background: #f0f4f5; padding: .4rem 1rem; margin: .8rem 0 1.2rem;
  font-size: 14px; }
.cai-contents ol { margin: .2rem 0; padding-left: 1.4rem; columns: 2 16rem; }
.cai-download { font-size: 13px; margin: -.6rem 0 1rem; }
.cai-scroll { max-width: 100%; overflow-x: auto; }
.cai-scroll:focus { outline: 2px solid #005eb8; }
.cai-columns { columns: 2 16rem; } .cai-columns li { margin: .25rem 0; }
.cai-headline { font-size: 13px; }
.cai-headline th:first-child { position: sticky; left: 0; z-index: 1; background: #e8edee; }
.cai-headline td, .cai-headline th { vertical-align: top; }
.cai-headline td { min-width: 5.5rem; }
.cai-ci { display: block; font-size: 12px; color: #425563; white-space: nowrap; }
.cai-headline tr.cai-england th, .cai-headline tr.cai-england td {
  border-bottom: 2px solid #425563; font-weight: 600; }
.cai-sort { font: inherit; font-weight: 600; background: none; border: 0; padding: 0;
  text-align: left; cursor: pointer; color: #212b32; }
.cai-sort:focus { outline: 2px solid #005eb8; }
th[aria-sort="ascending"] .cai-sort::after { content: " \\25B2"; }
th[aria-sort="descending"] .cai-sort::after { content: " \\25BC"; }
.cai-period { font-weight: 400; color: #425563; }
.cai-v-better { background: #d5e8f8 !important; }
.cai-v-worse { background: #fde3cc !important; }
.cai-mark { display: block; font-size: 12px; }
.cai-legend span { padding: 0 .3rem; }
"""

INDEX_CSS = """
main { max-width: 1240px; }
"""

METHODS_CSS = """
table { border-collapse: collapse; margin: .5rem 0; font-size: 14px; }
th { background: #e8edee; text-align: left; padding: .35rem .6rem; }
td { padding: .3rem .6rem; border-bottom: 1px solid #d8dde0; vertical-align: top; }
"""


def banner_html(status: dict[str, Any]) -> str:
    """The banner saying which data a page was built from (SYNTHETIC in capitals)."""
    built = status.get("built_at", "")
    if status.get("synthetic"):
        return (
            '<div class="cai-banner synthetic" role="note">SYNTHETIC DATA: every figure here '
            "comes from generated demonstration records, not real patients. Do not use for "
            f"decisions. (Data built {html.escape(built)})</div>"
        )
    what = status.get("description", status["source"])
    return (
        f'<div class="cai-banner real" role="note">Data: {html.escape(what)} '
        f"(built {html.escape(built[:10])})</div>"
    )


def footer_html(status: dict[str, Any]) -> str:
    """The page footer: data status, suppression rule and when the page was made."""
    now = datetime.now(UTC).strftime("%d %B %Y %H:%M UTC")
    label = ("SYNTHETIC demonstration data" if status.get("synthetic")
             else status.get("description", status["source"]))
    return (
        f'<div class="cai-footer">Built from {html.escape(label)} on {now} by Cancer Alliance '
        f"Insights. Counts from 1 to {SUPPRESSION_THRESHOLD} and rates built on them are "
        "suppressed (*). Percentages carry 95% Wilson score intervals; other estimates say "
        'how their 95% intervals were made. <a href="methods.html">How each figure is '
        "computed</a> (definitions, standards and the dates they applied, sources).</div>"
    )


def _shows_something(output: dict[str, Any]) -> bool:
    """Whether a code cell output puts anything on the page."""
    if output.get("output_type") == "stream":
        return bool(str(output.get("text", "")).strip())
    if output.get("output_type") == "error":
        return True
    data = output.get("data", {})
    if "text/html" in data:
        return bool(str(data["text/html"]).strip())
    return any(str(value).strip() for value in data.values())


def drop_empty_headings(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove outputs that show nothing, then each markdown cell whose code cells show nothing.

    A section that has no data for this report says so once; later headings
    of the same kind would otherwise stand over an empty space.
    """
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if _shows_something(o)]
    keep = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            block = []
            for nxt in nb.cells[i + 1:]:
                if nxt.cell_type != "code":
                    break
                block.append(nxt)
            if block and not any(_shows_something(o) for c in block
                                 for o in c.get("outputs", [])):
                continue
        keep.append(cell)
    nb.cells = keep
    return nb


def one_line_errors(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Replace each error output (a traceback with source lines) by its one-line message.

    A page never shows a traceback: the reader sees what failed in one sentence
    (:func:`helpers.errors.public_message`), the executed notebook keeps the details.
    """
    import nbformat

    for cell in nb.cells:
        for i, output in enumerate(cell.get("outputs", [])):
            if output.get("output_type") == "error":
                text = public_message(output.get("ename", "Error"), output.get("evalue", ""))
                cell.outputs[i] = nbformat.v4.new_output(
                    "display_data", data={
                        "text/html": "<p class='cai-finding'><strong>This step failed:</strong> "
                                     f"{html.escape(text)}</p>",
                        "text/plain": f"This step failed: {text}"})
    return nb


def export_html(executed: Path, target: Path, status: dict[str, Any], title: str, *,
                slug: str | None = None, downloads: Path | None = None,
                project: Paths | None = None, kind: str = "",
                alliance: str | None = None) -> Path:
    """Export an executed notebook to a self-contained HTML report with no code.

    The page gets its navigation (front page, contents, methods) and a CSV beside
    every table (:func:`finish_page`). With ``project`` and ``kind`` "alliance"
    (``alliance`` naming it) or "england", the report's tidy CSV of every figure
    (:func:`helpers.report.figures.tidy_figures`) is written and linked too.
    ``slug`` names the page where it will be published (default: ``target``'s stem)
    and ``downloads`` the folder its CSVs are written to (default:
    ``downloads/<slug>/`` beside ``target``); the run builds pages in its cache and
    publishes them with their downloads (:mod:`helpers.run.pipeline`).
    """
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = drop_empty_headings(one_line_errors(nbformat.read(executed, as_version=4)))
    nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name="report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(
            remove_cell_tags={"parameters", "injected-parameters", "remove-cell"},
            enabled=True,
        ),
        enabled=True,
    )
    resources = {
        "cai_css": CSS,
        "cai_banner": banner_html(status),
        "cai_footer": footer_html(status),
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    figures = None
    if project is not None and kind in ("alliance", "england"):
        place = alliances.resolve(alliance) if kind == "alliance" and alliance else None
        figures = tidy_figures(context.load(place, project))
    return publish(target, body, status, figures, slug=slug, downloads=downloads)


def publish(target: Path, body: str, status: dict[str, Any],
            figures: pd.DataFrame | None = None, *, slug: str | None = None,
            downloads: Path | None = None) -> Path:
    """Write a finished page and its downloads (one folder per page, replaced whole).

    The folder is written even when the page has no table, so a built page always
    has one to publish with it.
    """
    slug = slug or target.stem
    page, tables = finish_page(body, slug, figures is not None)
    if figures is not None:
        tables[TIDY_FILE] = figures
    folder = downloads or target.parent / DOWNLOADS / slug
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        write_csv(with_status(frame, status), folder / name)
    return _write_text(target, page)


def with_status(frame: pd.DataFrame, status: dict[str, Any]) -> pd.DataFrame:
    """The frame with the data status (e.g. SYNTHETIC) as its first column, on every row."""
    out = frame.copy()
    out.insert(0, "data_status", status.get("data_status", "SYNTHETIC" if status.get(
        "synthetic") else status.get("source", "unknown")))
    return out


def _write_text(path: Path, text: str) -> Path:
    """The one place a page is written (atomically: :func:`helpers.files.write_text`)."""
    return files.write_text(path, text)


def _slugify(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "section"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def table_frame(table: Tag) -> pd.DataFrame:
    """A rendered table's text exactly as shown: header cells, then the body's rows."""
    head = table.find("thead")
    header_rows = head.find_all("tr") if head else []
    header: list[str] = []
    for tr in header_rows[-1:]:
        for cell in tr.find_all(["th", "td"]):
            header += [cell.get_text(" ", strip=True)] * int(cell.get("colspan", 1))
    body = table.find("tbody") or table
    rows = [[cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])]
            for tr in body.find_all("tr") if tr.parent is body or tr.parent.name == "tbody"]
    rows = [r for r in rows if r]
    width = max([len(header), *map(len, rows)], default=0)
    header = header + [f"column {i + 1}" for i in range(len(header), width)]
    return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], columns=header)


def finish_page(body: str, slug: str, tidy: bool = False) -> tuple[str, dict[str, pd.DataFrame]]:
    """Navigation, anchors and downloads for a built page.

    Every ``h2`` gets an id and a place in a contents list under the page's
    ``h1``; a link to the front page and the methods goes above it; every table
    (``cai-table``) gets header scopes and a CSV of exactly what it shows,
    linked beside it (``downloads/<slug>/table-NN.csv``, relative, so the
    reports folder works offline). ``tidy`` links the page's tidy CSV.

    Returns
    -------
    tuple
        The page, and file name -> table for each CSV to write.
    """
    soup = BeautifulSoup(body, "html.parser")
    taken = {str(t["id"]) for t in soup.find_all(id=True)}
    downloads: dict[str, pd.DataFrame] = {}
    for n, table in enumerate(soup.find_all("table"), start=1):
        if table.find_parent("div", class_="cai-scroll") is None:
            label = table.find_previous_sibling("p", class_="cai-caption")
            box = soup.new_tag("div", attrs={"class": "cai-scroll", "role": "region",
                                             "tabindex": "0", "aria-label": (
                                                 label.get_text(" ", strip=True) if label
                                                 else f"Table {n}")})
            table.wrap(box)
    for n, table in enumerate(soup.select("table.cai-table"), start=1):
        for th in table.select("thead th"):
            th["scope"] = "col"
        for th in table.select("tbody th"):
            th["scope"] = "row"
        frame = table_frame(table)
        if frame.empty:
            continue  # a table with no rows has nothing to download
        name = f"table-{n:02d}.csv"
        downloads[name] = frame
        link = soup.new_tag("a", href=f"{DOWNLOADS}/{slug}/{name}", download=name)
        link.string = f"Download table {n} as CSV"
        para = soup.new_tag("p", attrs={"class": "cai-download"})
        para.append(link)
        table.find_parent("div", class_="cai-scroll").insert_after(para)
    contents = []
    for h2 in soup.find_all("h2"):
        if not h2.get("id"):
            h2["id"] = _slugify(h2.get_text(" ", strip=True), taken)
        words = "".join(s for s in h2.find_all(string=True)
                        if not s.find_parent("a", class_="anchor-link")).strip()
        contents.append((str(h2["id"]), words))
    h1 = soup.find("h1")
    if h1 is not None and slug != "index" and len(contents) > 1:
        (h1.find_parent("div", class_="jp-Cell") or h1).insert_after(
            BeautifulSoup(contents_html(contents), "html.parser"))
    top = h1.find_parent("div", class_="jp-Cell") or h1 if h1 is not None else None
    links = BeautifulSoup(links_html(slug, tidy), "html.parser")
    if top is not None:
        top.insert_before(links)
    else:
        soup.find("main").insert(0, links)
    return str(soup), downloads


def links_html(slug: str, tidy: bool) -> str:
    """The links above a page's title: front page, methods, the page's tidy CSV."""
    links = [] if slug == "index" else ['<a href="index.html">All Cancer Alliances (front '
                                        "page)</a>"]
    links.append('<a href="methods.html">How each figure is computed</a>')
    if tidy:
        links.append(f'<a href="{DOWNLOADS}/{slug}/{TIDY_FILE}" download="{TIDY_FILE}">'
                     "Every figure in this report (tidy CSV)</a>")
    return f'<nav class="cai-nav" aria-label="Site">{" | ".join(links)}</nav>'


def contents_html(contents: list[tuple[str, str]]) -> str:
    """The page's contents: a link to every ``h2`` (id, words)."""
    items = "".join(f'<li><a href="#{html.escape(i)}">{html.escape(t)}</a></li>'
                    for i, t in contents)
    return (f'<nav class="cai-contents" aria-labelledby="contents-heading">'
            f'<p id="contents-heading"><strong>Contents</strong></p><ol>{items}</ol></nav>')


def write_methods(reports: Path, status: dict[str, Any], source: Path = METHODS_FILE) -> Path:
    """Publish ``docs/methods.md`` as ``reports/methods.html``, offline, with the banner.

    Raises
    ------
    InsightsError
        The methods file is missing from the source tree.
    """
    import mistune

    if not source.exists():
        raise InsightsError(f"{source}: the methods page is missing from the source tree")
    content = mistune.html(source.read_text(encoding="utf-8"))
    body = page_html("Cancer Alliance Insights: methods", status, content, METHODS_CSS)
    page, _ = finish_page(body, "methods")
    return _write_text(reports / "methods.html", page)


def page_html(title: str, status: dict[str, Any], content: str, css: str = "",
              script: str = "") -> str:
    """A stand-alone page (index, methods) in the reports' house style, banner and footer."""
    js = f"<script>{script}</script>" if script else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}</title><style>{CSS}{css}</style></head>
<body>{banner_html(status)}<main>
{content}
{footer_html(status)}
</main>{js}</body></html>"""

def _report_pages(entries: list[dict[str, Any]]) -> dict[str, str]:
    """Area code -> the page of its successful report (England's overview as England)."""
    pages = {}
    for e in entries:
        if not e.get("ok"):
            continue
        if e["kind"] == "alliance":
            pages[alliances.resolve(e["parameters"]["alliance"]).code] = e["html"]
        elif e["kind"] == "england":
            pages[ENGLAND_CODE] = e["html"]
    return pages


def write_index(reports: Path, status: dict[str, Any], entries: list[dict[str, Any]],
                project: Paths | None = None) -> Path:
    """Write ``reports/index.html``: the headline table, then every report (failed ones marked).

    With ``project`` (whose cube holds the figures) the page opens with every
    alliance's headline indicators against England
    (:func:`helpers.report.frontpage.headline_table`); without one, or before
    any cube exists, it lists the reports only.
    """

    def item(e: dict[str, Any]) -> str:
        name = html.escape(e["title"])
        if e.get("ok"):
            return f'<li><a href="{html.escape(e["html"])}">{name}</a></li>'
        return f"<li>{name}: <strong>failed</strong> ({html.escape(str(e.get('error', '')))})</li>"

    overview = [e for e in entries if e["kind"] != "alliance"]
    per_alliance = sorted((e for e in entries if e["kind"] == "alliance"), key=lambda e: e["title"])
    headline = ""
    if project is not None and (project.processed / "cube.parquet").exists():
        ctx = context.load(None, project)
        headline = (
            "<h2>Every Cancer Alliance against England</h2>"
            f"<p>{frontpage.legend_html()}</p>"
            f"<p class='cai-note'>{html.escape(ctx.source_line)} Each column is the latest "
            "period of its indicator (under its heading); the deprivation gap is pooled over "
            "every year. Better or worse means beyond chance: outside the funnel plot's 95% "
            "limits around England's value, the same verdicts as the England overview's "
            'rankings (<a href="methods.html#the-front-page">how</a>).</p>'
            f"{frontpage.headline_table(ctx, _report_pages(entries))}")
    content = f"""<h1>Cancer Alliance Insights</h1>
<p>Inequalities in cancer diagnosis and waiting times, by deprivation and ethnicity, for each of
England's Cancer Alliances, with England for comparison.</p>
{headline}
<h2>England and the data</h2><ul class="cai-columns">{"".join(item(e) for e in overview)}
<li><a href="methods.html">How each figure is computed</a></li></ul>
<h2>Cancer Alliance reports</h2><ul class="cai-columns">{"".join(item(e) for e in per_alliance)}
</ul>"""
    body = page_html("Cancer Alliance Insights: reports", status, content, INDEX_CSS,
                     script=frontpage.SORT_SCRIPT if headline else "")
    return publish(reports / "index.html", body, status)

def git_commit(root: Path) -> str:
    """The project's current commit, or "unknown" outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


PACKAGES = (
    "pandas",
    "numpy",
    "papermill",
    "nbconvert",
    "seaborn",
    "matplotlib",
    "statsmodels",
    "pandera",
    "pyarrow",
    "scipy",
    "tqdm",
    "cancer-alliance-insights",
)


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape the results."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def write_manifest(reports: Path, manifest: dict[str, Any]) -> Path:
    """Write ``reports/manifest.json``."""
    return files.write_text(reports / "manifest.json", json.dumps(manifest, indent=2, default=str))


def read_manifest(reports: Path) -> dict[str, Any]:
    """Read the manifest of the last run."""
    path = reports / "manifest.json"
    if not path.exists():
        raise InsightsError(f"{path}: not found; run `alliances run` first")
    return json.loads(path.read_text())
