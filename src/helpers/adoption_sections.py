"""Report sections on innovation adoption: the real-data NHS-Galleri worked example.

Each function takes a :class:`helpers.sections.Context` and returns a
:class:`helpers.sections.Section`.
"""

from __future__ import annotations

import pandas as pd

from . import alliances, galleri, plots, tables
from .config import paths
from .sections import Context, Section


def galleri_example(ctx: Context) -> Section:
    """Event study: NHS-Galleri trial alliances against the others, on NHS England FDS data."""
    project = paths()
    inputs = galleri.load_inputs(project)
    if inputs is None:
        return Section(findings=[
            "This worked example needs the official NHS England waiting-time files: run "
            "`alliances fetch` (or `alliances fetch --from DIR`) and then `alliances run "
            "--source public`."])
    cwt, areas = inputs
    results = galleri.event_studies(cwt, areas, project.raw_public)
    combined = "head & neck, lung and upper GI"
    findings = [galleri.reading(results, outcome, combined) for outcome in galleri.OUTCOMES]
    excluded = ", ".join(alliances.by_code(c).name for c in results.attrs["excluded"])
    findings.append(
        f"{len(results.attrs['treated'])} trial alliances against the rest; left out: "
        f"{excluded or 'none'}, because only part of it was in the trial. With one "
        "six-month period before the trial, a pre-trend test is not possible: read the "
        "differences as associations, not proof of an effect."
    )
    fig, axes = plots.plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, (outcome, words) in zip(axes, galleri.OUTCOMES.items(), strict=True):
        part = results[(results["outcome"] == outcome) & (results["cancer_types"] == combined)
                       & (results["period"] != "post average")]
        xs = [int(p) for p in part["period"]]
        ax.errorbar(xs, part["estimate"], yerr=[part["estimate"] - part["lower"],
                                                part["upper"] - part["estimate"]],
                    fmt="o", capsize=4, color=plots.PALETTE[0])
        ax.plot([galleri.REFERENCE_PERIOD], [0], "s", color="#555555", label="reference")
        ax.axhline(0, color="#555555", linewidth=1)
        ax.axvline(-0.5, color="#999999", linestyle=":", linewidth=1)
        ax.set_title(f"Difference in {words}", fontsize=11, loc="left")
        ax.set_xlabel("Six-month period from the trial start (0 = Oct 2021-Mar 2022)")
    title = ("NHS-Galleri trial alliances against the others: suspected head & neck, lung and "
             "upper GI cancers")
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=12)
    fig.text(0.01, 0.005, "Source: NHS England Cancer Waiting Times, 28-day FDS provider "
             "files; providers attributed to alliances by their patients' ICBs.", fontsize=8,
             color="#555555")
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    averages = results[results["period"] == "post average"]
    table = pd.DataFrame({
        "Suspected cancer": averages["cancer_types"],
        "Outcome": averages["outcome"].map(galleri.OUTCOMES),
        "Average difference after the trial began (95% CI)": [
            f"{e:+.2f} ({lo:+.2f} to {hi:+.2f})" for e, lo, hi in
            zip(averages["estimate"], averages["lower"], averages["upper"], strict=True)],
        "p (t, G-1 df)": averages["p_value"].map(lambda v: f"{v:.3f}"),
        "p (wild cluster bootstrap)": averages["p_boot"].map(lambda v: f"{v:.3f}"),
    })
    alt = f"Event-study chart: {title}. " + " ".join(findings[:2])
    return Section(findings=findings, chart=plots.show(fig, alt), table=tables.show(
        table, caption="Difference-in-differences event study, average of the six post-trial "
                       "periods (alliance fixed effects, period fixed effects, errors clustered "
                       "by alliance)",
        note="Outcome 1 weighted by referrals, outcome 2 by population (IMD 2019 mid-2015)."))
