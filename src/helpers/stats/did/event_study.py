"""Impact evaluation: two-way fixed effects event study with cluster-robust inference.

The model for unit i in period t is

    y_it = a_i + g_t + sum_{s != ref} b_s 1[t = s] D_i + e_it

with unit effects ``a_i``, period effects ``g_t`` (first period omitted), the
unit-level treated-group indicator ``D_i`` and one interaction per period except
the reference period, whose ``b`` is zero by construction. The reference should
be the last period before the innovation starts; periods before it are the
pre-periods of the pre-trend test, periods after it the post-periods.

Estimation is (weighted) least squares. Unit effects are removed exactly by
(weighted) within-unit demeaning (Frisch-Waugh-Lovell), which gives the same
coefficients, residuals and cluster-robust covariance as the regression on
explicit dummies. The covariance is CR1,

    V = (X'WX)^-1 (sum_g X_g' W u_g u_g' W X_g) (X'WX)^-1 (n-1)/(n-K) G/(G-1).

What K counts is a convention (:data:`FIXEF_K`). By default (``fixef_k="nested"``)
unit effects nested in the clusters (every unit within one cluster, as when
clustering by unit or by a region holding whole units) count as one intercept,
so K = 1 + (T - 1) period effects + interactions: the small-sample convention of
fixest (``ssc(fixef.K = "nested")``, its default; Berge, "On standard errors",
fixest vignette), reghdfe and Stata's ``xtreg, fe vce(cluster)``, which published
difference-in-differences studies use. ``fixef_k="full"`` counts every unit
effect, K = units + (T - 1) + interactions, as ``regress ... i.unit i.period,
vce(cluster)`` and statsmodels on explicit dummies do; its standard errors are
larger by sqrt((n - K_nested) / (n - K_full)). When units are not nested in the
clusters both conventions count every unit effect. Intervals and p-values use the
t distribution with G - 1 degrees of freedom.

The wild cluster bootstrap is in :mod:`.bootstrap`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import sparse, stats

from helpers.errors import ParameterError, require_columns

FIXEF_K: tuple[str, ...] = ("nested", "full")
"""How K counts unit effects in the CR1 factor: ``"nested"`` (default), ``"full"``."""


@dataclass(frozen=True)
class Design:
    """The event-study regression after removing unit effects (internal to the package)."""

    y: np.ndarray  # demeaned outcome, (n,)
    Z: np.ndarray  # demeaned period dummies then interactions, (n, k)
    w: np.ndarray  # regression weights, (n,)
    units: sparse.csr_matrix  # unit indicator, (n_units, n)
    clusters: sparse.csr_matrix  # cluster indicator, (G, n)
    nested: bool  # every unit lies in one cluster
    periods: pd.Index  # non-reference periods, in the order of the interactions
    reference: object
    fixef_k: str = "nested"  # see FIXEF_K

    @property
    def n_clusters(self) -> int:
        """G, the number of clusters."""
        return self.clusters.shape[0]

    @property
    def n_params(self) -> int:
        """K of the CR1 factor: unit effects (one intercept when nested) + the Z columns."""
        if self.fixef_k == "nested" and self.nested:
            return 1 + self.Z.shape[1]
        return self.units.shape[0] + self.Z.shape[1]

    @property
    def correction(self) -> float:
        """CR1 factor (n-1)/(n-K) x G/(G-1)."""
        n, g = len(self.y), self.n_clusters
        return (n - 1) / (n - self.n_params) * g / (g - 1)

    def demean(self, values: np.ndarray) -> np.ndarray:
        """Subtract weighted unit means from each column of ``values``."""
        weighted = self.units @ (self.w[:, None] * values)
        means = weighted / (self.units @ self.w)[:, None]
        return values - self.units.T @ means


def _indicator(labels: pd.Series) -> sparse.csr_matrix:
    codes, uniques = pd.factorize(labels, sort=True)
    n = len(codes)
    return sparse.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(len(uniques), n))


def _checked_panel(
    panel: pd.DataFrame, columns: dict[str, str | None], reference_period: object
) -> pd.DataFrame:
    used = list(dict.fromkeys(c for c in columns.values() if c is not None))
    require_columns(panel, used, "The panel")
    data = panel[used]
    if data.isna().any().any():
        bad = data.columns[data.isna().any()].tolist()
        raise ParameterError(f"The panel has missing values in {bad}.")
    unit, treated = columns["unit"], columns["treated"]
    if not data[treated].isin([0, 1]).all():
        raise ParameterError(f"Column {treated!r} must be 0/1.")
    if (data.groupby(unit)[treated].nunique() > 1).any():
        raise ParameterError(f"Column {treated!r} must be constant within each {unit!r}.")
    if columns["weight"] is not None and not (data[columns["weight"]] > 0).all():
        raise ParameterError(f"Weights in {columns['weight']!r} must be positive.")
    if reference_period not in set(data[columns["period"]]):
        raise ParameterError(f"reference_period {reference_period!r} is not a period of the panel.")
    return data


def build_design(
    panel: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    period: str,
    treated: str,
    reference_period: object,
    weight: str | None,
    cluster: str | None,
    fixef_k: str = "nested",
) -> Design:
    """Validate the panel and build the demeaned design of :func:`did_event_study`."""
    if fixef_k not in FIXEF_K:
        raise ParameterError(f"fixef_k must be one of {FIXEF_K}, not {fixef_k!r}.")
    columns = {
        "outcome": outcome,
        "unit": unit,
        "period": period,
        "treated": treated,
        "weight": weight,
        "cluster": cluster,
    }
    data = _checked_panel(panel, columns, reference_period)
    periods = pd.Index(data[period].unique()).sort_values()
    others = periods[periods != reference_period]
    when = data[period].to_numpy()
    dummies = (when[:, None] == periods[1:].to_numpy()[None, :]).astype(float)
    on = data[treated].to_numpy(dtype=float)
    interactions = (when[:, None] == others.to_numpy()[None, :]) * on[:, None]
    for j, p in enumerate(others):
        at = when == p
        if interactions[at, j].sum() in (0, at.sum()):
            raise ParameterError(f"Period {p!r} needs both treated and comparison units.")
    clusters = data[cluster if cluster else unit]
    design = Design(
        y=data[outcome].to_numpy(dtype=float),
        Z=np.hstack([dummies, interactions]),
        w=np.ones(len(data)) if weight is None else data[weight].to_numpy(dtype=float),
        units=_indicator(data[unit]),
        clusters=_indicator(clusters),
        nested=bool((clusters.groupby(data[unit]).nunique() == 1).all()),
        periods=others,
        reference=reference_period,
        fixef_k=fixef_k,
    )
    if design.n_clusters < 2:
        raise ParameterError("Cluster-robust inference needs at least two clusters.")
    stacked = design.demean(np.column_stack([design.y, design.Z]))
    Z = stacked[:, 1:]
    if np.linalg.matrix_rank(Z * np.sqrt(design.w)[:, None]) < Z.shape[1]:
        raise ParameterError("The event-study design is rank deficient (collinear periods).")
    return replace(design, y=stacked[:, 0], Z=Z)


def fit_design(design: Design) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """WLS coefficients, (Z'WZ)^-1 and the CR1 covariance of all of them."""
    wz = design.Z * design.w[:, None]
    a_inv = np.linalg.inv(design.Z.T @ wz)
    coef = a_inv @ (wz.T @ design.y)
    scores = design.clusters @ (wz * (design.y - design.Z @ coef)[:, None])
    cov = a_inv @ (scores.T @ scores) @ a_inv * design.correction
    return coef, a_inv, cov


def _contrast_table(
    estimate: np.ndarray, se: np.ndarray, df: int, confidence: float
) -> dict[str, np.ndarray]:
    half = stats.t.ppf(0.5 + confidence / 2, df) * se
    with np.errstate(divide="ignore", invalid="ignore"):
        p_value = 2 * stats.t.sf(np.abs(estimate / se), df)
    return {
        "estimate": estimate,
        "se": se,
        "lower": estimate - half,
        "upper": estimate + half,
        "p_value": p_value,
    }


def did_event_study(
    panel: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    period: str,
    treated: str,
    reference_period: object,
    weight: str | None = None,
    cluster: str | None = None,
    confidence: float = 0.95,
    fixef_k: str = "nested",
) -> pd.DataFrame:
    """Two-way fixed effects event study of treated against comparison units.

    Parameters
    ----------
    panel
        One row per unit and period (unbalanced panels are allowed).
    outcome, unit, period, treated
        Column names; ``treated`` is the 0/1 treated-group indicator, constant
        within a unit.
    reference_period
        The omitted period (normally the last one before the innovation).
    weight
        Column of positive regression weights (weighted least squares).
    cluster
        Column of clusters for the standard errors; default ``unit``.
    confidence
        Interval level.
    fixef_k
        What K counts in the CR1 factor (n-1)/(n-K) G/(G-1): ``"nested"`` (default,
        fixest's and reghdfe's convention: unit effects nested in the clusters
        count as one intercept) or ``"full"`` (every unit effect, as statsmodels
        on explicit dummies).

    Returns
    -------
    pandas.DataFrame
        One row per non-reference period: ``period, estimate, se, lower, upper,
        p_value`` (CR1 standard errors; t with G - 1 df). ``attrs`` holds
        ``n_clusters``, ``df``, ``n_obs``, ``n_params`` (K), ``fixef_k``, ``reference_period``,
        ``confidence``, ``vcov`` (covariance of the estimates, by period) and
        ``pretrend`` (:func:`pretrend_test`; None when there is no pre-period).
    """
    design = build_design(
        panel,
        outcome=outcome,
        unit=unit,
        period=period,
        treated=treated,
        reference_period=reference_period,
        weight=weight,
        cluster=cluster,
        fixef_k=fixef_k,
    )
    coef, _, cov = fit_design(design)
    k = len(design.periods)
    est, vcov = coef[-k:], cov[-k:, -k:]
    df = design.n_clusters - 1
    out = pd.DataFrame(
        {"period": design.periods, **_contrast_table(est, np.sqrt(np.diag(vcov)), df, confidence)}
    )
    out.attrs.update(
        n_clusters=design.n_clusters,
        df=df,
        n_obs=len(design.y),
        n_params=design.n_params,
        fixef_k=fixef_k,
        reference_period=reference_period,
        confidence=confidence,
        vcov=pd.DataFrame(vcov, index=design.periods, columns=design.periods),
    )
    has_pre = bool((design.periods < reference_period).any())
    out.attrs["pretrend"] = pretrend_test(out) if has_pre else None
    return out


def pretrend_test(result: pd.DataFrame, periods: Sequence | None = None) -> dict[str, float]:
    """Joint test that all pre-period coefficients of an event study are zero.

    Wald statistic divided by the number of restrictions q, referred to F(q, G - 1),
    using the cluster-robust covariance held in ``result.attrs["vcov"]`` (as
    Stata's ``test`` after ``vce(cluster)``). This test over-rejects badly when q
    is not small next to G (in simulations with G = 20 under no pre-trend: 6% at
    q = 2, 10% at q = 5, 95% at q = 17), so it warns when 4q > G - 1; the wild
    bootstrap version (:func:`wild_cluster_bootstrap` with ``pretrend=True``) keeps
    its size. With more restrictions than the covariance's rank the statistic is
    NaN, with a warning.

    Parameters
    ----------
    result
        The output of :func:`did_event_study`.
    periods
        The coefficients to test; default every period before the reference.

    Returns
    -------
    dict
        ``statistic, df_num, df_den, p_value``.
    """
    vcov = result.attrs["vcov"]
    if periods is None:
        periods = [p for p in vcov.index if p < result.attrs["reference_period"]]
    if len(periods) == 0:
        raise ParameterError("There are no pre-periods to test.")
    est = result.set_index("period").loc[list(periods), "estimate"].to_numpy()
    v = vcov.loc[list(periods), list(periods)].to_numpy()
    q, df = len(periods), result.attrs["df"]
    if np.linalg.matrix_rank(v) < q:
        warnings.warn(
            f"Pre-trend test impossible: {q} restrictions but the clustered "
            "covariance is rank deficient; test fewer periods.",
            stacklevel=2,
        )
        return {"statistic": np.nan, "df_num": q, "df_den": df, "p_value": np.nan}
    if 4 * q > df:
        warnings.warn(
            f"The F test of {q} pre-periods with {df + 1} clusters over-rejects; "
            "use wild_cluster_bootstrap(..., pretrend=True).",
            stacklevel=2,
        )
    statistic = float(est @ np.linalg.solve(v, est)) / q
    return {
        "statistic": statistic,
        "df_num": q,
        "df_den": df,
        "p_value": float(stats.f.sf(statistic, q, df)),
    }


def average_effect(
    result: pd.DataFrame, periods: Sequence | None = None, confidence: float | None = None
) -> pd.Series:
    """The mean of event-study coefficients (default all post-periods) with its interval.

    Returns ``estimate, se, lower, upper, p_value`` from the clustered covariance
    in ``result.attrs`` and the t distribution with G - 1 df.
    """
    vcov = result.attrs["vcov"]
    if periods is None:
        periods = [p for p in vcov.index if p > result.attrs["reference_period"]]
    if len(periods) == 0:
        raise ParameterError("There are no periods to average.")
    a = pd.Series(1 / len(periods), index=list(periods)).reindex(vcov.index, fill_value=0.0)
    est = result.set_index("period")["estimate"].reindex(vcov.index).to_numpy() @ a.to_numpy()
    se = np.sqrt(a.to_numpy() @ vcov.to_numpy() @ a.to_numpy())
    level = result.attrs["confidence"] if confidence is None else confidence
    table = _contrast_table(np.array([est]), np.array([se]), result.attrs["df"], level)
    return pd.Series({key: float(value[0]) for key, value in table.items()})
