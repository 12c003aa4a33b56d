"""Does a report state two verdicts on one question? A checker for built report pages.

Reads a report's HTML (findings and tables, in page order) and compares every
verdict that is stated twice:

- local authorities against their alliance: the table's "Compared with the
  alliance" column, the sentence counting those worse, and the funnel's list of
  authorities outside the limits;
- alliances against England: the ranking table's "Compared with England"
  column and the sentence counting alliances better and worse beyond chance;
  on the England page, the early-diagnosis funnel's list and the early-diagnosis
  ranking table (both for the latest year);
- the difference between the most and least deprived: the sentence's value and
  interval, and the measures table's "Difference" row below it.

Each conflict is returned as one line; a consistent page gives none.
"""

from __future__ import annotations

import re
from pathlib import Path

from report.disclosure_attack import Table, page_items

WORSE_WORDS = {"higher", "lower"}
"""The verdicts that say an area differs from its comparator."""


def _column(table: Table, name: str) -> list[str]:
    i = table.header.index(name)
    return [r[i] for r in table.rows if len(r) > i]


OUTSIDE = re.compile(r"Outside the 95% limits: (.*?)\. The tables use")
OUTSIDE_NAME = re.compile(r"(?:^|; )(.+?) \d+\.\d%")
WORSE_COUNT = re.compile(r"(\d+) (?:is|are) worse than .+? as a whole beyond chance")
BETTER_WORSE = re.compile(r"(\d+) alliances? (?:was|were) better than England beyond chance "
                          r"\(outside the funnel's 95% limits\) and (\d+) worse")
DIFFERENCE = re.compile(r"difference (-?[\d.]+) \(95% CI (-?[\d.]+) to (-?[\d.]+)\)")


def conflicts(html: str) -> list[str]:
    """Every pair of statements on one page that give two verdicts on one question."""
    items = page_items(html)
    found: list[str] = []
    tables = [t for kind, t in items if kind == "table"]
    findings = [t for kind, t in items if kind == "finding"]
    # local authorities: table verdicts against the funnel's list and the counting sentence
    la_tables = [t for t in tables if "Compared with the alliance" in t.header]
    funnel_lists = [OUTSIDE.search(f) for f in findings if f.startswith("Outside the 95%")]
    for table in la_tables[:1]:
        names = _column(table, "Local authority")
        verdicts = _column(table, "Compared with the alliance")
        unusual = {n for n, v in zip(names, verdicts, strict=True) if v in WORSE_WORDS}
        listed = set()
        for match in funnel_lists[:1]:
            if match:
                listed = set(OUTSIDE_NAME.findall(match.group(1)))
        has_funnel = any("local authorities of" in f and "vary" in f for f in findings)
        if has_funnel and unusual != listed:
            found.append(f"local authorities: table says {sorted(unusual)} differ from the "
                         f"alliance, the funnel lists {sorted(listed)}")
        for f in findings:
            if m := WORSE_COUNT.search(f):
                said = int(m.group(1))
                if said not in (verdicts.count("higher"), verdicts.count("lower")):
                    found.append(f"local authorities: sentence says {said} worse, the table "
                                 f"marks {verdicts.count('higher')} higher and "
                                 f"{verdicts.count('lower')} lower")
    # England page: the early-diagnosis funnel's list against the early-diagnosis ranking
    england_funnel = [f for f in findings if f.startswith("Against England (")]
    ranking = [t for t in tables if "Compared with England" in t.header
               and t.caption.startswith("Cancers diagnosed at stage 1 or 2")]
    if england_funnel and ranking:
        names, verdicts = _column(ranking[0], "Area"), _column(ranking[0], "Compared with England")
        unusual = {n for n, v in zip(names, verdicts, strict=True) if v in WORSE_WORDS}
        listed = set()
        for match in funnel_lists[:1]:
            if match:
                listed = set(OUTSIDE_NAME.findall(match.group(1)))
        if unusual != listed:
            found.append(f"alliances: the ranking says {sorted(unusual)} differ from England, "
                         f"the funnel lists {sorted(listed)}")
    # alliances against England: each ranking table and the sentence just before it
    previous: list[str] = []
    for kind, item in items:
        if kind == "finding":
            previous.append(item)
            continue
        if "Compared with England" in item.header:
            verdicts = _column(item, "Compared with England")
            higher, lower = verdicts.count("higher"), verdicts.count("lower")
            for text in previous:
                if m := BETTER_WORSE.search(text):
                    said = {int(m.group(1)), int(m.group(2))}
                    if said != {higher, lower}:
                        found.append(f"alliances vs England ({item.caption}): sentence says "
                                     f"{m.group(1)} better and {m.group(2)} worse, the table "
                                     f"marks {higher} higher and {lower} lower")
        if "Measure" in item.header and "Estimate (95% CI)" in item.header:
            m_col, e_col = item.header.index("Measure"), item.header.index("Estimate (95% CI)")
            rows = {r[m_col]: r[e_col] for r in item.rows if len(r) > max(m_col, e_col)}
            for text in previous:
                if (m := DIFFERENCE.search(text)) and "Difference" in rows:
                    said = f"{m.group(1)} ({m.group(2)} to {m.group(3)})"
                    if rows["Difference"] != said:
                        found.append(f"difference ({item.caption}): sentence {said}, table "
                                     f"{rows['Difference']}")
        previous = []
    return found


def check_folder(folder: Path) -> dict[str, list[str]]:
    """Conflicts per report page of a folder (pages without any are left out)."""
    out = {}
    for page in sorted(folder.glob("*.html")):
        if page.name in ("index.html", "methods.html", "data-quality.html"):
            continue
        if problems := conflicts(page.read_text(encoding="utf-8")):
            out[page.name] = problems
    return out
