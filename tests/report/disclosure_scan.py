"""A scanner for small numbers on published report pages (primary disclosure).

Where :mod:`report.disclosure_attack` asks whether a hidden count can be worked
out from the shown ones, this asks whether a small count (1 to the threshold)
is shown at all, in any of the forms a page publishes a number:

- a table's count columns (``Number``, ``Of``) and count pairs (``Early / staged``);
- a pair of counts anywhere (``4/6``, ``4 / 6``, ``4 of 6 tumours``): both
  counts and their difference;
- a percentage of a stated denominator (``66.7% of 6``): the denominator, the
  numerator it implies and their difference;
- a count of people or tumours in a sentence or alt text (``5 tumours``).

Counts of areas ("3 of 20 alliances") are not counts of people and are left alone.

Use after a rebuild::

    from report.disclosure_scan import scan_reports     # tests/ on sys.path
    scan_reports(Path("reports"))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from report.disclosure_attack import count, page_texts, parse_tables

COUNT_HEADERS = ("Number", "Of")
"""Table columns holding one count each."""
PEOPLE = (r"(?:tumours?|cancers?|patients?|people|persons?|referrals?|diagnos[ie]s|cases?"
          r"|participants?|residents?|staged|deaths?|admissions?)")
"""Nouns that make a number a count of people or tumours."""
NUMBER = r"\d[\d,]*"
PAIR = re.compile(rf"(?<![\w.,/-])({NUMBER}) ?/ ?({NUMBER})(?![\w.,/%-])")
OF_PEOPLE = re.compile(rf"(?<![\w.,-])({NUMBER}) of ({NUMBER}) (?:[\w-]+ ){{0,3}}{PEOPLE}\b")
PERCENT_OF = re.compile(rf"(\d+(?:\.\d+)?)% of ({NUMBER})(?![\w.,%])")
PEOPLE_COUNT = re.compile(rf"(?<![\w.,%-])({NUMBER}) (?:[\w-]+ ){{0,2}}{PEOPLE}\b")
NOT_A_COUNT = re.compile(r"\b(?:more|fewer|extra|per|aged?|years?|months?|days?|weeks?)\b")
"""Words between a number and the noun that make it an estimate or a unit, not a count."""


@dataclass(frozen=True)
class Leak:
    """One small count found on a page: where, which text, which number."""

    report: str
    kind: str
    text: str
    value: int

    def __str__(self) -> str:
        return f"{self.report}: {self.kind} shows {self.value} in {self.text[:160]!r}"


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _small(value: float, threshold: int) -> bool:
    return 1 <= value <= threshold


def text_counts(text: str) -> list[int]:
    """Every count of people a text publishes, with those implied by pairs and percentages."""
    found: list[int] = []
    for m in PAIR.finditer(text):
        a, b = _number(m.group(1)), _number(m.group(2))
        if a <= b and not (1900 <= a <= 2100):  # not a financial year such as 2019/20
            found += [a, b, b - a]
    for m in OF_PEOPLE.finditer(text):
        a, b = _number(m.group(1)), _number(m.group(2))
        if a <= b:
            found += [a, b, b - a]
    for m in PERCENT_OF.finditer(text):
        pct, den = float(m.group(1)), _number(m.group(2))
        num = round(pct * den / 100)
        found += [den, num, den - num]
    for m in PEOPLE_COUNT.finditer(text):
        if not NOT_A_COUNT.search(m.group(0)):
            found.append(_number(m.group(1)))
    return found


def scan_page(html: str, report: str = "", threshold: int = 7) -> list[Leak]:
    """Every small count (1 to ``threshold``) published on one page."""
    leaks: list[Leak] = []
    for table in parse_tables(html):
        where = f"table {table.caption[:60]!r}"
        for row in table.rows:
            for head, cell in zip(table.header, row, strict=False):
                values = [count(cell)] if head in COUNT_HEADERS and re.fullmatch(
                    NUMBER, cell.strip()) else text_counts(cell)
                leaks += [Leak(report, where, f"{head}: {cell}", int(v)) for v in values
                          if _small(v, threshold)]
    for kind, text in page_texts(html):
        if kind == "caption":
            continue  # the captions are table titles, scanned as the table's
        leaks += [Leak(report, kind, text, v) for v in text_counts(text)
                  if _small(v, threshold)]
    return leaks


def scan_reports(folder: Path, threshold: int = 7) -> list[Leak]:
    """:func:`scan_page` over every ``*.html`` page of a reports folder."""
    return [leak for page in sorted(Path(folder).glob("*.html"))
            for leak in scan_page(page.read_text(encoding="utf-8"), page.stem, threshold)]
