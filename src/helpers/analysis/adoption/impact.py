"""Impact of a staggered roll-out: group-time effects against not-yet-treated alliances.

When an innovation reaches alliances in different years (lung health checks),
a two-way fixed-effects regression of early against late adopters is biased:
its reference year can already hold cancers the programme found, its "late"
group may already have started, and with staggered timing it compares newly
treated with already treated units (Goodman-Bacon 2021; de Chaisemartin and
D'Haultfoeuille 2020). :func:`staggered_impact` instead uses the estimator of
Callaway and Sant'Anna (2021, J. Econometrics 225:200-230) as implemented by the
``differences`` package (``ATTgt``, https://github.com/bernardodionisi/differences):

* alliances form *cohorts* g by the calendar year in which they went live
  (the first year that can hold a cancer the programme found);
* each group-time effect ATT(g, t) is a 2x2 difference-in-differences: the change
  in the outcome of cohort g from year g - 1 (the last year before any of its
  checks: the *universal* base period) to year t, minus the same change among
  the alliances *not yet treated* in year t (going live after max(t, g - 1),
  or not at all in the data), each alliance weighted by its size;
* event-study effects theta(e) average ATT(g, g + e) over cohorts, weighted by
  cohort size; e < -1 are the pre-trend checks (zero if trends were parallel
  before go-live), e = -1 is the reference (zero by construction) and the
  ``post average`` is the mean of theta(e) over e >= 0 (the package's
  ``aggregate("event", overall=True)``);
* standard errors come from the estimators' influence functions (each alliance
  is its own cluster); intervals are normal (pointwise), which with 10-20
  alliances can be somewhat too narrow.

Alliances that went live in the first year of the data have no year before
to compare with and are left out (``attrs["left_out"]``). A cohort going live
in the last year has no not-yet-treated alliances to compare with, so only its
pre-trend terms are estimable when some alliance never starts.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from helpers.errors import ParameterError, require_columns
from helpers.stats.did import average_effect, did_event_study, wild_cluster_bootstrap

SEED = 20240401


def cohort_panel(counts: pd.DataFrame, timeline: pd.DataFrame) -> pd.DataFrame:
    """Alliance x year panel of the early-stage share with each alliance's go-live cohort.

    Parameters
    ----------
    counts
        ``alliance``, ``period`` (year), ``numerator`` (stage 1-2), ``denominator`` (staged).
    timeline
        :func:`helpers.analysis.adoption.adoption_timeline` output (``alliance``,
        ``go_live`` as a monthly period, NaT if not live).

    Returns
    -------
    pandas.DataFrame
        ``alliance, period`` (int), ``numerator, denominator``, ``early_pct``
        (100 x numerator / denominator), ``cohort`` (the go-live year; NaN when
        the alliance is not live by the last year of ``counts``) and ``weight``
        (the alliance's mean staged tumours per year, constant within alliance:
        Callaway and Sant'Anna's estimator takes one weight per unit). Alliances
        absent from ``timeline`` are dropped.
    """
    require_columns(counts, ["alliance", "period", "numerator", "denominator"], "The counts")
    go_live = timeline.set_index("alliance")["go_live"]
    panel = counts[counts["alliance"].isin(go_live.index)].copy()
    panel["period"] = panel["period"].astype(int)
    panel = panel[panel["denominator"] > 0]
    panel["early_pct"] = 100 * panel["numerator"] / panel["denominator"]
    year = pd.Series({a: (g.year if pd.notna(g) else np.nan) for a, g in go_live.items()},
                     dtype=float)
    panel["cohort"] = panel["alliance"].map(year)
    panel.loc[panel["cohort"] > panel["period"].max(), "cohort"] = np.nan
    panel["weight"] = panel.groupby("alliance")["denominator"].transform("mean")
    return panel.sort_values(["alliance", "period"]).reset_index(drop=True)


def not_yet_treated(cohorts: pd.Series, cohort: int, period: int) -> pd.Index:
    """Units serving as controls for ATT(cohort, period): not treated by max(period, cohort - 1).

    ``cohorts`` maps unit -> first treated period (NaN: never within the data).
    The cohort itself is excluded (Callaway and Sant'Anna 2021, eq. 2.5 with the
    universal base period).
    """
    later = cohorts.isna() | (cohorts > max(period, cohort - 1))
    return cohorts.index[later & (cohorts != cohort)]


def staggered_impact(panel: pd.DataFrame, *, outcome: str = "early_pct", unit: str = "alliance",
                     period: str = "period", cohort: str = "cohort", weight: str = "weight",
                     confidence: float = 0.95) -> pd.DataFrame:
    """Callaway-Sant'Anna event study with not-yet-treated controls (``differences.ATTgt``).

    Parameters
    ----------
    panel
        One row per unit and period (:func:`cohort_panel`), ``cohort`` the first
        treated period (NaN if never treated within the data), ``weight``
        constant within unit.
    outcome, unit, period, cohort, weight
        Column names.
    confidence
        Level of the pointwise normal intervals.

    Returns
    -------
    pandas.DataFrame
        One row per event time ``event`` (years since go-live; -1 is the
        reference with estimate 0) and a last row ``event == "post average"``:
        ``estimate, se, lower, upper, p_value`` (normal) and ``n_cohorts``,
        ``n_treated`` (cohorts and units behind each estimate; NaN at the reference). ``attrs``:
        ``group_time`` (one row per estimable cohort and year: ``cohort,
        period, event, estimate, se, lower, upper, n_treated, n_control``),
        ``left_out`` (units treated in the first period), ``n_units`` (units
        used), ``confidence``.
    """
    require_columns(panel, [outcome, unit, period, cohort, weight], "The panel")
    data = panel[[unit, period, cohort, outcome, weight]].copy()
    data[period] = data[period].astype(int)
    first = data[period].min()
    left_out = sorted(data.loc[data[cohort] <= first, unit].unique())
    data = data[~(data[cohort] <= first)]
    cohorts = data.groupby(unit)[cohort].first()
    if cohorts.notna().sum() == 0 or cohorts.nunique(dropna=False) < 2:
        raise ParameterError("A staggered comparison needs a treated cohort and later ones.")
    if (data.groupby(unit)[weight].nunique() > 1).any():
        raise ParameterError(f"Column {weight!r} must be constant within each {unit!r}.")
    fit = _fit(data, outcome, unit, period, cohort, weight, confidence)
    group_time, event, overall = fit
    if group_time.empty:
        raise ParameterError("No group-time effect is estimable with not-yet-treated controls.")
    sizes = cohorts.value_counts()
    group_time["n_treated"] = group_time["cohort"].map(sizes).astype(int)
    group_time["n_control"] = [len(not_yet_treated(cohorts, g, t)) for g, t in
                               zip(group_time["cohort"], group_time["period"], strict=True)]
    contributing = group_time.groupby("event").agg(n_cohorts=("cohort", "nunique"),
                                                   n_treated=("n_treated", "sum"))
    event = event.join(contributing, on="event")  # NaN for the reference year
    post = group_time[group_time["event"] >= 0]
    overall = {**overall, "event": "post average", "n_cohorts": post["cohort"].nunique(),
               "n_treated": int(sizes[post["cohort"].unique()].sum())}
    out = pd.concat([event.astype({"event": object}), pd.DataFrame([overall])],
                    ignore_index=True)
    out.attrs = {"group_time": group_time, "left_out": left_out, "n_units": len(cohorts),
                 "confidence": confidence}
    return out


def _normal_columns(estimate, se, confidence: float) -> dict[str, np.ndarray]:
    estimate, se = np.asarray(estimate, dtype=float), np.asarray(se, dtype=float)
    half = stats.norm.ppf(0.5 + confidence / 2) * se
    with np.errstate(divide="ignore", invalid="ignore"):
        p_value = 2 * stats.norm.sf(np.abs(estimate / se))
    return {"estimate": estimate, "se": se, "lower": estimate - half, "upper": estimate + half,
            "p_value": p_value}


def _fit(data: pd.DataFrame, outcome: str, unit: str, period: str, cohort: str, weight: str,
         confidence: float) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Run ``differences.ATTgt`` and flatten its group-time, event and overall tables."""
    from differences import ATTgt

    indexed = data.set_index([unit, period])
    with warnings.catch_warnings():
        # "No never treated entities ... last treated group as comparison": the
        # not-yet-treated design, stated in the module docstring.
        warnings.filterwarnings("ignore", message="No never treated", category=UserWarning)
        # the package's own use of pandas' deprecated inplace keyword
        warnings.filterwarnings("ignore", message="The inplace keyword", module="differences")
        model = ATTgt(data=indexed, cohort_column=cohort, base_period="universal")
        model.fit(outcome, control_group="not_yet_treated", weights_column=weight,
                  progress_bar=False, alpha=1 - confidence)
        gt = model.results()
        event = model.aggregate("event", alpha=1 - confidence)
        overall = model.aggregate("event", overall=True, alpha=1 - confidence)
    gt = gt.droplevel([0, 1], axis=1).reset_index()
    gt = gt[gt["std_error"].notna()]
    group_time = pd.DataFrame({
        "cohort": gt["cohort"].astype(int).to_numpy(),
        "period": gt["time"].astype(int).to_numpy(),
        "event": (gt["time"] - gt["cohort"]).astype(int).to_numpy(),
        **_normal_columns(gt["ATT"], gt["std_error"], confidence)})
    ev = event.droplevel([0, 1], axis=1).reset_index()
    events = pd.DataFrame({"event": ev["relative_period"].astype(int).to_numpy(),
                           **_normal_columns(ev["ATT"], ev["std_error"], confidence)})
    row = overall.droplevel([0, 1], axis=1).iloc[0]
    average = {k: float(v[0]) for k, v in
               _normal_columns([row["ATT"]], [row["std_error"]], confidence).items()}
    return group_time, events, average


def event_study_with_average(panel: pd.DataFrame, *, n_boot: int = 999, seed: int = SEED,
                             **args) -> pd.DataFrame:
    """Event-study rows plus a ``post average`` row with its wild cluster bootstrap p-value.

    For a single treatment date (every treated unit starting together), as the
    NHS-Galleri example. ``args`` are the keyword arguments of
    :func:`helpers.stats.did.did_event_study` (``outcome``, ``unit``, ``period``,
    ``treated``, ``reference_period``, ``weight``, ``cluster``). ``attrs`` gives
    ``n_treated`` and ``n_control`` units.
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
