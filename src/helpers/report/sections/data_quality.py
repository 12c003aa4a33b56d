"""The data-quality page (01_clean): what was read, what was set aside and why, what is left out.

Nothing here changes the data; it reports what the cleaning step recorded in
``data/processed/data_status.json`` and the quarantine files, with small counts
suppressed like every other published number.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from helpers.config import Paths
from helpers.ingest import public
from helpers.report import tables
from helpers.report.context import Section
from helpers.report.disclosure import SUPPRESSED, footnote, format_count, is_small


def shown(count: float) -> str:
    """A published count: 1 to the threshold suppressed, as every other count."""
    return format_count(np.nan if is_small(pd.Series([count])).iloc[0] else count)


def reconciled(rows_in: int, kept: int, quarantined: int, set_aside: str = "quarantined") -> str:
    """``rows in = kept + set aside``, with both parts hidden when either is small.

    Hiding only the small one would not do: the other is rows in minus it.
    """
    if is_small(pd.Series([kept, quarantined])).any():
        return (f"rows in {rows_in:,} = kept {SUPPRESSED} + {set_aside} {SUPPRESSED} "
                f"({footnote()})")
    return f"rows in {rows_in:,} = kept {kept:,} + {set_aside} {quarantined:,}"


def cleaning_summary(status: dict, source: str, summary: str) -> Section:
    """One line: the data status, the source and the reconciled row counts (small ones hidden)."""
    if all(k in status for k in ("rows_in", "kept", "quarantined")):
        summary = reconciled(status["rows_in"], status["kept"], status["quarantined"])
    return Section(intro=f"<p class='cai-finding'><strong>{status['data_status']} data</strong> "
                         f"from the <code>{source}</code> source: {html.escape(summary)}.</p>")


def referrals(status: dict) -> Section:
    """The urgent referrals read (the 28-day FDS population), or why the FDS is tumour-only."""
    got = status.get("referrals")
    if status.get("source") == "public":
        return Section()
    if not got:
        return Section(findings=[
            "No referrals file was found, so the 28-day Faster Diagnosis Standard is counted "
            "among people whose cancer was diagnosed (tumour-only), not over every urgent "
            "referral as NHS England counts it. Add *referrals*.csv to data/raw/local/ "
            "(columns in README.md)."])
    line = f"Referrals: {reconciled(got['rows_in'], got['kept'], got['quarantined'], 'set aside')}."
    reasons = pd.DataFrame({"Reason": list(got["quarantine_reasons"]),
                            "Rows": [shown(n) for n in got["quarantine_reasons"].values()]})
    return Section(findings=[line], table=tables.show(reasons, caption="Referrals set aside, "
                                                      "by reason", note=footnote()) if len(reasons)
                   else None)


def set_aside(reasons: pd.DataFrame):
    """The rows set aside, by reason (a table saying "none" when nothing was); small counts hidden.

    ``reasons``: columns ``Reason`` and ``Rows`` (a count, or its text with thousands
    separators, as :func:`helpers.run.pipeline.prepare` gives it).
    """
    if not len(reasons):
        return tables.show(pd.DataFrame({"Reason": ["none"], "Rows": ["0"]}),
                           caption="Set aside, by reason", note="")
    counts = pd.to_numeric(reasons["Rows"].astype(str).str.replace(",", ""), errors="coerce")
    table = pd.DataFrame({"Reason": reasons["Reason"], "Rows": counts.map(shown)})
    return tables.show(table, caption="Set aside, by reason", note=footnote())


def skipped(status: dict) -> Section:
    """What could not be used and was left out, so the rest could still be reported."""
    lines = status.get("skipped") or []
    activity = status.get("activity")
    findings = [f"Skipped {line}" for line in lines]
    if activity and "kept" in activity:
        findings.append("Innovation activity: " + reconciled(
            activity["rows_in"], activity["kept"], activity["quarantined"], "set aside") + ".")
    if lines:
        findings.append("Everything else was cleaned and is reported; sections that need what "
                        "was skipped say that it is not available.")
    return Section(findings=findings)


def inputs(status: dict):
    """The input files and the start of their SHA-256 sums."""
    files = pd.DataFrame(
        [{"Input file": i["file"], "SHA-256": i["sha256"][:16] + "..."} for i in status["inputs"]]
    )
    return tables.show(files, caption="Inputs",
                       note="Outputs: the tables and cube.parquet in data/processed.")


def unattributed_providers(project: Paths) -> Section:
    """Data quality, public source: the providers no alliance figure includes, and their weight."""
    table = public.unattributed(project)
    if table is None:
        return Section()
    shares = table.attrs["share_pct"]
    words = "; ".join(f"{public.STANDARD_WORDS[s]} {shares[s]:.2f}%" for s in public.STANDARD_WORDS)
    finding = (f"{len(table)} providers in the waiting-time files are in no alliance's figures, "
               f"because they cannot be placed in one alliance. They carry this share of "
               f"England's counts: {words}. England's own figures include them.")
    shown = table.copy()
    for standard in public.STANDARD_WORDS:  # small counts suppressed, as everywhere else
        counts = shown[standard].astype(float)
        shown[standard] = counts.mask(is_small(counts)).map(format_count)
    shown = shown.rename(columns={
        "provider_code": "Code", "provider_name": "Provider", "reason": "Why not attributed",
        "files": "Files", **{s: f"{w} count" for s, w in public.STANDARD_WORDS.items()}})
    return Section(findings=[finding], table=tables.show(
        shown, caption="Providers not attributed to an alliance",
        note="Counts over all months: referrals (28-day FDS) or treatments (31- and 62-day). "
             f"{footnote()} Each is listed with its source file and row in "
             "data/processed/quarantine/unmapped_providers.csv."))
