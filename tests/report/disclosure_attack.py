"""An automatic attacker for published reports: what can a reader work out by subtraction?

It parses every ``<table>`` of a report page, reads the counts (``Number``,
``Of``) and percentages, links the tables by the relationships a reader knows
(a place's years add up to the pooled period; its sites, deprivation fifths or
ethnic groups add up to that total; its local authorities too; the alliances of
one year add up to England; the same local authority's counts shown twice are
equal; numerator = percentage x denominator to the shown precision) and asks
:func:`helpers.report.disclosure.feasible_ranges` for the smallest and largest
value of each suppressed count. A suppressed count whose range starts within
the threshold and is narrower than it is reported as disclosed.

Use after a rebuild::

    from report.disclosure_attack import audit_reports     # tests/ on sys.path
    audit_reports(Path("reports")).query("disclosed")
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.report.disclosure import SUPPRESSED, feasible_ranges


@dataclass
class Table:
    """One parsed ``<table>``: its caption, the heading above it, header and body cells."""

    caption: str
    heading: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[Table] = []
        self.items: list[tuple[str, object]] = []  # findings and tables, in page order
        self.texts: list[tuple[str, str]] = []  # every published text: (kind, text)
        self._finding: str | None = None
        self.caption = ""
        self.heading = ""
        self._text: str | None = None
        self._in: str | None = None
        self._table: Table | None = None
        self._row: list[str] | None = None
        self._cell: str | None = None

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "img":
            self.texts.append(("alt text", dict(attrs).get("alt") or ""))
        if tag == "p" and "cai-note" in cls:
            self._in, self._text = "note", ""
        elif tag == "p" and "cai-finding" in cls:
            self._finding = ""
        elif tag == "p" and "cai-caption" in cls:
            self._in, self._text = "caption", ""
        elif tag in ("h2", "h3"):
            self._in, self._text = "heading", ""
        elif tag == "table":
            self._table = Table(self.caption, self.heading, [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "p" and self._finding is not None:
            self.items.append(("finding", self._finding.strip()))
            self.texts.append(("sentence", self._finding.strip()))
            self._finding = None
        elif tag == "p" and self._in == "note":
            self.texts.append(("note", self._text.strip()))
            self._in = None
        elif tag == "p" and self._in == "caption":
            self.caption, self._in = self._text.strip(), None
            self.texts.append(("caption", self.caption))
        elif tag in ("h2", "h3") and self._in == "heading":
            self.heading, self._in = self._text.replace("¶", "").strip(), None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if not self._table.header:
                self._table.header = self._row
            else:
                self._table.rows.append(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self.items.append(("table", self._table))
            self._table, self.caption = None, ""

    def handle_data(self, data):
        if self._finding is not None:
            self._finding += data
        if self._in is not None:
            self._text += data
        if self._cell is not None:
            self._cell += data


def page_items(html: str) -> list[tuple[str, object]]:
    """("finding", text) and ("table", Table) of a report page, in page order."""
    parser = _Parser()
    parser.feed(html)
    return parser.items


def page_texts(html: str) -> list[tuple[str, str]]:
    """Every sentence, caption, table note and chart alt text of a page: ``(kind, text)``."""
    parser = _Parser()
    parser.feed(html)
    return parser.texts


def parse_tables(html: str) -> list[Table]:
    """Every table of a report page, in page order."""
    parser = _Parser()
    parser.feed(html)
    return parser.tables


def count(text: str) -> float:
    """A published count: ``"1,234"`` -> 1234, the suppression mark -> NaN."""
    text = text.strip()
    return np.nan if text == SUPPRESSED or not text else float(text.replace(",", ""))


def percent(text: str) -> float:
    """The point estimate of ``"57.5% (55.7-59.2)"``, or NaN."""
    m = re.match(r"\s*(-?[\d.]+)%", text)
    return float(m.group(1)) if m else np.nan


class _System:
    """Named counts (known or hidden) and the linear relationships between them."""

    def __init__(self, threshold: int, tolerance: float = 0.0) -> None:
        self.tolerance = tolerance
        self.bounds: dict[str, tuple[float, float]] = {}
        self.known: dict[str, float] = {}
        self.unknown: list[str] = []
        self.hidden: dict[str, tuple[str, str, str]] = {}
        self.equations: list[tuple[dict[str, float], float]] = []
        self.inequalities: list[tuple[dict[str, float], float]] = []
        self.threshold = threshold

    def cell(self, name: str, value: float, where: tuple[str, str, str] | None = None) -> str:
        if np.isnan(value):
            self.unknown.append(name)
            if where is not None:
                self.hidden[name] = where
        elif self.tolerance and not name.endswith("complement"):
            self.unknown.append(name)
            self.bounds[name] = (max(0.0, value - self.tolerance), value + self.tolerance)
        elif self.tolerance:
            self.unknown.append(name)
        else:
            self.known[name] = value
        return name

    def total(self, name: str) -> str:
        if name not in self.unknown:
            self.unknown.append(name)
        return name

    def row(self, prefix: str, num: float, den: float, pct: float,
            where: tuple[str, str]) -> tuple[str, str]:
        """A numerator, denominator and complement, related to each other and to the percent."""
        n = self.cell(f"{prefix}:numerator", num, (*where, "numerator"))
        d = self.cell(f"{prefix}:denominator", den, (*where, "denominator"))
        c = self.cell(f"{prefix}:complement", den - num,
                      (*where, "complement") if np.isnan(num) or np.isnan(den) else None)
        self.equations.append(({n: 1.0, c: 1.0, d: -1.0}, 0.0))
        if not np.isnan(pct) and (np.isnan(num) or np.isnan(den)):
            # num / den lies within the shown percentage's rounding (0.05 points)
            self.inequalities.append(({n: 100.0, d: -(pct + 0.05)}, 0.0))
            self.inequalities.append(({n: -100.0, d: pct - 0.05}, 0.0))
        return n, d

    def sums_to(self, parts: list[tuple[str, str]], total: tuple[str, str]) -> None:
        for k in (0, 1):
            coef = {p[k]: 1.0 for p in parts}
            coef[total[k]] = coef.get(total[k], 0.0) - 1.0
            self.equations.append((coef, 0.0))

    def solve(self) -> pd.DataFrame:
        if not self.hidden:
            return pd.DataFrame(columns=["table", "row", "kind", "low", "high", "width",
                                         "disclosed"])
        out = feasible_ranges(self.known, self.unknown, self.equations, self.inequalities,
                              bounds=self.bounds, threshold=self.threshold,
                              audit=list(self.hidden))
        where = pd.DataFrame([self.hidden[n] for n in out.index], index=out.index,
                             columns=["table", "row", "kind"])
        return where.join(out).reset_index(drop=True)


def attack_report(html: str, threshold: int = 7, tolerance: float = 0.0) -> pd.DataFrame:
    """Feasible range of every suppressed count on one report page.

    Parameters
    ----------
    html
        The page.
    threshold
        Largest suppressed count.
    tolerance
        How far a shown count may be from the true one (2 when counts are rounded
        to the nearest 5, as under the HES rule); 0 when shown counts are exact.

    Returns
    -------
    pandas.DataFrame
        One row per hidden count: ``table`` (caption), ``row`` (its label), ``kind``
        (numerator, denominator or complement), ``low``, ``high``, ``width``,
        ``disclosed``.
    """
    system = _System(threshold, tolerance)
    pooled: dict[tuple[str, str], tuple[str, str]] = {}
    last_title, last_place = "", ""
    local_authorities: dict[str, tuple[str, str]] = {}

    def pooled_total(title: str, place: str) -> tuple[str, str]:
        key = (title, place)
        if key not in pooled:
            k = len(pooled)
            pooled[key] = (system.total(f"P{k}:numerator"), system.total(f"P{k}:denominator"))
        return pooled[key]

    for t, table in enumerate(parse_tables(html)):
        head = table.header
        if "Number" in head and "Of" in head:
            i_num, i_den = head.index("Number"), head.index("Of")
            i_pct = next((i for i, h in enumerate(head) if h.startswith("%")), None)
            cells = []
            for r, row in enumerate(table.rows):
                label = " ".join(row[:i_num])
                pct = percent(row[i_pct]) if i_pct is not None else np.nan
                cells.append((row, system.row(f"T{t}R{r}", count(row[i_num]), count(row[i_den]),
                                              pct, (table.caption, label))))
            if "Year" in head and table.caption.endswith(", by year"):
                last_title = table.caption[: -len(", by year")]
                i_area, i_year = head.index("Area"), head.index("Year")
                for place in {row[i_area] for row, _ in cells}:
                    years = [c for row, c in cells if row[i_area] == place]
                    system.sums_to(years, pooled_total(last_title, place))
                    if place != "England":
                        last_place = place
                del i_year
            elif table.caption.startswith("Local authorities ranked"):
                i_name = head.index("Local authority")
                local_authorities = {row[i_name]: c for row, c in cells}
                if last_title:
                    system.sums_to([c for _, c in cells], pooled_total(last_title, last_place))
            elif (m := re.match(r"^(.*): (.*) by (.*), (.*)$", table.caption)):
                system.sums_to([c for _, c in cells], pooled_total(m.group(1), m.group(2)))
            elif "Area" in head:
                i_area = head.index("Area")
                england = [c for row, c in cells if row[i_area] == "England"]
                others = [c for row, c in cells if row[i_area] != "England"]
                if england and others:
                    system.sums_to(others, england[0])
        elif "Local authority" in head and "Early / staged" in head and local_authorities:
            i_name, i_pair = head.index("Local authority"), head.index("Early / staged")
            for r, row in enumerate(table.rows):
                if row[i_name] in local_authorities and "/" in row[i_pair]:
                    num, den = (count(x) for x in row[i_pair].split("/"))
                    pair = system.row(f"T{t}R{r}", num, den, np.nan, (table.caption, row[i_name]))
                    system.sums_to([pair], local_authorities[row[i_name]])
    return system.solve()


def audit_reports(folder: Path, threshold: int = 7) -> pd.DataFrame:
    """Run :func:`attack_report` on every ``*.html`` page of a reports folder.

    Returns
    -------
    pandas.DataFrame
        The rows of every page with a ``report`` column (the file's stem).
    """
    frames = [attack_report(page.read_text(encoding="utf-8"), threshold).assign(
        report=page.stem) for page in sorted(Path(folder).glob("*.html"))]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["report", "table", "row", "kind", "low", "high", "width",
                                     "disclosed"])
    out = pd.concat(frames, ignore_index=True)
    return out[["report", *[c for c in out.columns if c != "report"]]]
