"""Impact of a staggered roll-out: early adopters against late adopters, event study.

For an innovation that reaches every alliance over several years (lung health
checks), the alliances that went live early (by ``early_by``) are compared
with those that went live late (from ``late_from``), on the early-stage share
of the innovation's site(s) by year, before the late group started: a
two-way fixed-effects event study (:func:`helpers.stats.did.did_event_study`)
weighted by staged tumours, clustered by alliance, with a wild cluster
bootstrap of the average post-period effect.
"""

from __future__ import annotations

import pandas as pd

from helpers.stats.did import average_effect, did_event_study, wild_cluster_bootstrap

SEED = 20240401


def early_late_panel(counts: pd.DataFrame, timeline: pd.DataFrame, *, early_by: str,
                     late_from: str, last_period: int) -> pd.DataFrame:
    """Alliance x year panel of early-stage share, early adopters treated, late ones control.

    Parameters
    ----------
    counts
        ``alliance``, ``period`` (year), ``numerator`` (stage 1-2), ``denominator`` (staged).
    timeline
        :func:`helpers.analysis.adoption.adoption_timeline` output (``alliance``, ``go_live``).
    early_by, late_from
        Go-live months ("YYYY-MM") that make an alliance early (on or before) or late
        (on or after); the others are left out.
    last_period
        Last year kept (before the late group's programmes took effect).
    """
    go_live = timeline.set_index("alliance")["go_live"]
    early = set(go_live.index[go_live <= pd.Period(early_by, "M")])
    late = set(go_live.index[(go_live >= pd.Period(late_from, "M")) | go_live.isna()])
    panel = counts[counts["alliance"].isin(early | late)].copy()
    panel["period"] = panel["period"].astype(int)
    panel = panel[panel["period"] <= last_period]
    panel["early_pct"] = 100 * panel["numerator"] / panel["denominator"]
    panel["treated"] = panel["alliance"].isin(early).astype(int)
    return panel.reset_index(drop=True)


def event_study_with_average(panel: pd.DataFrame, *, n_boot: int = 999, seed: int = SEED,
                             **args) -> pd.DataFrame:
    """Event-study rows plus a ``post average`` row with its wild cluster bootstrap p-value.

    ``args`` are the keyword arguments of :func:`helpers.stats.did.did_event_study`
    (``outcome``, ``unit``, ``period``, ``treated``, ``reference_period``, ``weight``,
    ``cluster``). ``attrs`` gives ``n_treated`` and ``n_control`` units.
    """
    result = did_event_study(panel, **args)
    avg = average_effect(result)
    boot = wild_cluster_bootstrap(panel, **args, periods=(), average=True, n_boot=n_boot,
                                  seed=seed)
    p_boot = float(boot.loc[boot["term"] == "post average", "p_value"].iloc[0])
    rows = result.assign(p_boot=float("nan"))
    rows["period"] = rows["period"].astype(object)
    out = pd.concat([rows, pd.DataFrame([{**avg.to_dict(), "period": "post average",
                                          "p_boot": p_boot}])], ignore_index=True)
    units = panel.groupby(args["treated"])[args["unit"]].nunique()
    out.attrs = {"n_treated": int(units.get(1, 0)), "n_control": int(units.get(0, 0))}
    return out


def impact(panel: pd.DataFrame, reference_period: int, n_boot: int = 999) -> pd.DataFrame:
    """:func:`event_study_with_average` of an :func:`early_late_panel`, weighted by staged."""
    return event_study_with_average(
        panel, n_boot=n_boot, outcome="early_pct", unit="alliance", period="period",
        treated="treated", reference_period=reference_period, weight="denominator",
        cluster="alliance")
