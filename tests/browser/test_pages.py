"""The built reports in a real browser (Debian's Chromium driven by Playwright), offline.

A small generated data set (two alliances, England, data quality) goes through the
whole pipeline once; every page is then opened from ``file://`` with every other
request refused. Chromium comes from Debian (``apt-get install chromium``; ``.ci/run``
does it), never from a browser download; axe-core from npm (``npm ci``).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from small_run import build

from helpers.registry import indicators

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHOSEN = ("West London", "Peninsula")
PAGES = ("index.html", "west-london.html", "peninsula.html", "england.html",
         "data-quality.html", "methods.html")
WIDTHS = (1280, 390)

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (apt-get install -y chromium; "
                ".ci/run does it) to run the browser tests", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """Every page built from two small alliances (one year), in a temporary project."""
    paths, _, result = build(tmp_path_factory.mktemp("browser"), CHOSEN)
    assert result.failed == [], result.summary()
    return paths.reports


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class Visit:
    """One page opened offline: requests other than file:// refused, console errors kept."""

    def __init__(self, browser, path: Path, width: int = 1280):
        self.refused: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.as_uri(), wait_until="load")

    def _route(self, route):
        if route.request.url.startswith(("file://", "data:")):
            route.continue_()
        else:
            self.refused.append(route.request.url)
            route.abort()

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def opened(browser, reports):
    """Each page opened once at 1280 px, shared by the tests that only read it."""
    pages: dict[str, Visit] = {}

    def open_once(name: str) -> Visit:
        if name not in pages:
            pages[name] = Visit(browser, reports / name)
        return pages[name]

    yield open_once
    for v in pages.values():
        v.close()


@pytest.fixture
def visit(browser, reports):
    """A page of its own (for a width, or for a test that clicks)."""
    mine: list[Visit] = []

    def open_page(name: str, width: int = 1280) -> Visit:
        mine.append(Visit(browser, reports / name, width))
        return mine[-1]

    yield open_page
    for v in mine:
        v.close()


@pytest.mark.parametrize("name", PAGES)
def test_page_opens_offline_without_console_errors(opened, name):
    v = opened(name)
    assert v.page.title()
    assert v.refused == [], f"{name} asked the network for {v.refused}"
    assert v.errors == [], f"{name}: {v.errors}"
    assert v.page.evaluate("document.documentElement.lang") == "en"
    assert "SYNTHETIC" in v.page.inner_text(".cai-banner")


@pytest.mark.parametrize("name", PAGES)
def test_every_link_and_anchor_resolves(opened, reports, name):
    v = opened(name)
    hrefs = v.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    assert hrefs
    ids_of: dict[Path, set[str]] = {}
    for href in hrefs:
        url = urlparse(href)
        if url.scheme in ("http", "https", "mailto"):
            continue  # an outside source cited in the text; never fetched by the page
        assert url.scheme == "file", href
        target = Path(unquote(url.path))
        assert target.exists(), f"{name}: {href} does not exist"
        assert target.resolve().is_relative_to(reports.resolve()), f"{name}: {href} leaves reports/"
        if url.fragment:
            if target not in ids_of:
                text = target.read_text(encoding="utf-8")
                ids_of[target] = set(re.findall(r'\sid="([^"]+)"', text))
            assert unquote(url.fragment) in ids_of[target], f"{name}: no anchor for {href}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_no_horizontal_scrolling(visit, name, width):
    v = visit(name, width)
    scroll, inner = v.page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{name} at {width}px scrolls sideways ({scroll} > {inner})"


@pytest.mark.skipif(not AXE.exists(), reason=f"{AXE} is absent: run `npm ci` for axe-core")
@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_violations(opened, name):
    v = opened(name)
    v.page.add_script_tag(path=str(AXE))
    result = v.page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
    serious = [f"{x['id']} ({x['impact']}): {x['help']}; e.g. {x['nodes'][0]['html'][:120]}"
               for x in result["violations"] if x["impact"] in ("serious", "critical")]
    assert serious == [], f"{name}: " + "\n".join(serious)


def test_headings_are_in_order(opened):
    for name in PAGES:
        levels = opened(name).page.eval_on_selector_all(
            "h1, h2, h3, h4, h5, h6", "els => els.map(e => Number(e.tagName[1]))")
        assert levels[0] == 1 and levels.count(1) == 1, name
        jumps = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
        assert jumps == [], f"{name} skips heading levels: {jumps}"


def dom_tables(v: Visit) -> list[dict]:
    """Each published table as the reader sees it, with the CSV linked beside it (if any)."""
    return v.page.evaluate("""() => [...document.querySelectorAll('table.cai-table')].map(t => {
        const box = t.closest('.cai-scroll');
        const next = box.nextElementSibling;
        const link = next && next.classList.contains('cai-download') ? next.querySelector('a')
                                                                     : null;
        const row = tr => [...tr.cells].map(c => c.innerText.replace(/\\s+/g, ' ').trim());
        return {href: link ? link.href : null,
                header: row(t.tHead.rows[t.tHead.rows.length - 1]),
                rows: [...t.tBodies[0].rows].map(row),
                caption: (box.previousElementSibling || {}).innerText || ''};
    })""")


def read_csv(href: str) -> list[list[str]]:
    with open(unquote(urlparse(href).path), newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("name", [p for p in PAGES if p != "methods.html"])
def test_every_table_has_a_csv_of_exactly_what_it_shows(opened, name):
    v = opened(name)
    tables = dom_tables(v)
    assert tables, name
    for t in tables:
        if not t["rows"]:
            assert t["href"] is None, t["caption"]  # nothing to download
            continue
        header, *rows = read_csv(t["href"])
        assert header[0] == "data_status" and {r[0] for r in rows} == {"SYNTHETIC"}
        assert header[1:] == t["header"]
        assert [[shown(c) for c in r[1:]] for r in rows] == t["rows"], t["caption"]


def shown(cell: str) -> str:
    """A CSV cell as a spreadsheet shows it: the ``'`` that stops a formula is not shown."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r") else cell


def test_the_tidy_csv_holds_the_tables_figures(opened):
    v = opened("peninsula.html")
    href = v.page.get_attribute("a[href$='all-figures.csv']", "href")
    header, *rows = read_csv(str(Path(v.page.url.removeprefix("file://")).parent / href))
    tidy = [dict(zip(header, r, strict=True)) for r in rows]
    assert {r["data_status"] for r in tidy} == {"SYNTHETIC"}
    early = indicators.get("early_stage")
    by_year = next(t for t in dom_tables(v) if t["caption"] == f"{early.title}, by year")
    assert by_year["header"] == ["Area", "Year", "Number", "Of", "% (95% CI)"]
    for area, year, number, of, percent in by_year["rows"]:
        match = [r for r in tidy if r["indicator"] == "early_stage" and r["breakdown"] == "all"
                 and r["area_name"] == area and r["period"] == year]
        assert len(match) == 1, (area, year)
        r = match[0]
        assert number.replace(",", "") == r["numerator"] and of.replace(",", "") == r[
            "denominator"]
        assert percent == f"{r['value_percent']}% ({r['lower_95']}-{r['upper_95']})"


def _verdict_words(cell: str) -> str:
    return next((w for w in ("better", "similar", "worse", "too few to say") if w in cell), "")


def test_front_page_verdicts_are_the_england_pages(opened):
    front = opened("index.html")
    head = front.page.eval_on_selector_all("#headline thead th", "els => els.map(e => e.innerText)")
    rows = front.page.eval_on_selector_all(
        "#headline tbody tr", "trs => trs.map(tr => [...tr.cells].map(c => c.innerText))")
    england = dom_tables(opened("england.html"))
    by_short = {indicators.get(k).short: indicators.get(k) for k in indicators.INDICATORS}
    compared = 0
    for col, heading in enumerate(head[1:], start=1):
        short, _, period = heading.partition("\n")
        ind = by_short.get(short.strip())
        if ind is None:
            continue  # the deprivation gap and the Core20 share are not rankings
        ranking = next(t for t in england if t["caption"] == f"{ind.title}, {period.strip()}")
        area, verdict = ranking["header"].index("Area"), ranking["header"].index(
            "Compared with England")
        expected = {r[area]: r[verdict] for r in ranking["rows"]}
        for row in rows[1:]:
            name = row[0].replace(" (no report)", "").strip()
            word = expected[name]
            if word in ("higher", "lower"):
                word = "better" if (word == "higher") == ind.higher_is_better else "worse"
            assert _verdict_words(row[col]) == word, (ind.short, name, row[col], expected[name])
            compared += 1
    assert compared >= 2 * 3


def test_front_page_sorts_offline_and_links_every_alliance(visit):
    v = visit("index.html")
    names = v.page.eval_on_selector_all("#headline tbody tr th", "els => els.map(e => e.innerText)")
    assert names[0] == "England" and sorted(names[1:]) == sorted(CHOSEN)
    links = v.page.eval_on_selector_all("#headline tbody th a", "els => els.map(e => e.href)")
    assert {Path(urlparse(h).path).name for h in links} >= {"west-london.html",
                                                            "peninsula.html", "england.html"}
    column = 1

    def values() -> list[float]:
        cells = v.page.eval_on_selector_all(
            f"#headline tbody tr td:nth-child({column + 1})",
            "els => els.map(e => e.getAttribute('data-sort'))")
        return [float(c) for c in cells[1:]]

    button = v.page.locator("#headline thead th").nth(column).locator("button")
    button.click()
    assert values() == sorted(values())
    button.click()
    assert values() == sorted(values(), reverse=True)
    assert v.page.eval_on_selector("#headline tbody tr th", "e => e.innerText") == "England"
    assert v.errors == []
