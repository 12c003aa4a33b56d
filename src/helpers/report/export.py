"""Reports: executed notebooks -> self-contained HTML, the index page and the manifest.

Exported with nbconvert's lab template minus every CDN script (no require.js,
MathJax, widgets or mermaid), inputs and prompts excluded, so a report holds
no code and opens offline. Every page carries the data-status banner.
"""

from __future__ import annotations

import html
import json
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers import files
from helpers.config import METHODS_FILE, SUPPRESSION_THRESHOLD
from helpers.errors import InsightsError, public_message

if TYPE_CHECKING:  # importing nbformat costs seconds (jsonschema): only where it is used
    import nbformat

TEMPLATES = Path(__file__).resolve().parent / "templates"

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 0 1.5rem 3rem; }
.jp-RenderedHTMLCommon { font-size: 15px; line-height: 1.5; }
.jp-RenderedHTMLCommon h1 { font-size: 1.9rem; margin-top: 1rem; }
.jp-RenderedHTMLCommon h2 { border-bottom: 2px solid #005eb8; padding-bottom: .2rem;
  margin-top: 2.2rem; }
.cai-banner { position: sticky; top: 0; z-index: 10; padding: .6rem 1rem; font-weight: 600;
  text-align: center; }
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


def export_html(executed: Path, target: Path, status: dict[str, Any], title: str) -> Path:
    """Export an executed notebook to a self-contained HTML report with no code."""
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
    return files.write_text(target, body)


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
    body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Cancer Alliance Insights: methods</title><style>{CSS}
table {{ border-collapse: collapse; margin: .5rem 0; font-size: 14px; }}
th {{ background: #e8edee; text-align: left; padding: .35rem .6rem; }}
td {{ padding: .3rem .6rem; border-bottom: 1px solid #d8dde0; vertical-align: top; }}
</style></head>
<body>{banner_html(status)}<main>
<p><a href="index.html">All reports</a></p>
{content}
{footer_html(status)}
</main></body></html>"""
    return files.write_text(reports / "methods.html", body)


def write_index(reports: Path, status: dict[str, Any], entries: list[dict[str, Any]]) -> Path:
    """Write ``reports/index.html`` linking every report (failed ones marked)."""

    def item(e: dict[str, Any]) -> str:
        name = html.escape(e["title"])
        if e.get("ok"):
            return f'<li><a href="{html.escape(e["html"])}">{name}</a></li>'
        return f"<li>{name}: <strong>failed</strong> ({html.escape(str(e.get('error', '')))})</li>"

    overview = [e for e in entries if e["kind"] != "alliance"]
    per_alliance = sorted((e for e in entries if e["kind"] == "alliance"), key=lambda e: e["title"])
    body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Cancer Alliance Insights: reports</title><style>{CSS}
ul {{ columns: 2; }} li {{ margin: .25rem 0; }}</style></head>
<body>{banner_html(status)}<main>
<h1>Cancer Alliance Insights</h1>
<p>Inequalities in cancer diagnosis and waiting times, by deprivation and ethnicity, for each of
England's {len(per_alliance)} Cancer Alliances, with England for comparison.</p>
<h2>England and the data</h2><ul>{"".join(item(e) for e in overview)}
<li><a href="methods.html">How each figure is computed</a></li></ul>
<h2>Cancer Alliances</h2><ul>{"".join(item(e) for e in per_alliance)}</ul>
{footer_html(status)}
</main></body></html>"""
    return files.write_text(reports / "index.html", body)


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
