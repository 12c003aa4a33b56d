"""Wild cluster restricted (WCR) bootstrap tests for the event study.

WCR as in MacKinnon and Webb: each hypothesis is imposed on the fit, its
restricted residuals are multiplied by one weight per cluster (Rademacher, or
Webb's six-point weights when clusters are few), the event study is refitted and
its CR1 statistic recomputed; the p-value is the share of bootstrap statistics at
least as extreme as the observed one. Because the model is linear every bootstrap
statistic is a function of a linear map of the G cluster weights, so B
replications cost a few G x G by G x B products per hypothesis instead of B refits.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.errors import ParameterError
from helpers.stats.did.event_study import Design, build_design, fit_design

WEBB_BELOW = 30
"""``weight_type="auto"`` uses Webb weights when there are fewer clusters than this."""

_WEBB_VALUES = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def _cluster_weights(kind: str, n_clusters: int, n_boot: int, seed: int | None) -> np.ndarray:
    """A (G, B) matrix of bootstrap weights, one per cluster and replication."""
    rng = np.random.default_rng(seed)
    if kind == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(n_clusters, n_boot))
    return rng.choice(_WEBB_VALUES, size=(n_clusters, n_boot))


def _wcr_test(
    design: Design, fit: tuple[np.ndarray, np.ndarray, np.ndarray], R: np.ndarray, v: np.ndarray
) -> tuple[float, float, float, float]:
    """WCR bootstrap test of H0: R b = 0 (R is q x k).

    Every bootstrap quantity is linear in the cluster weights ``v`` (G x B):
    y* = Z b_r + U v, with U the restricted residuals spread over cluster columns,
    so b* - b_r = P v and each cluster's score is a G x G map of v.

    Returns
    -------
    tuple
        For q = 1: estimate, CR1 se, t statistic and p-value (share of |t*| >= |t|);
        for q > 1: NaN, NaN, Wald / q and p-value (share of Wald* >= Wald).
    """
    coef, a_inv, cov = fit
    rb, v_r = R @ coef, R @ cov @ R.T
    q = len(rb)
    if np.linalg.matrix_rank(v_r) < q:
        warnings.warn(
            f"A joint test of {q} restrictions is impossible with these clusters.", stacklevel=3
        )
        return np.nan, np.nan, np.nan, np.nan
    wald = float(rb @ np.linalg.solve(v_r, rb))
    h = a_inv @ R.T
    restricted = coef - h @ np.linalg.solve(R @ h, rb)
    spread = design.clusters.T.multiply((design.y - design.Z @ restricted)[:, None]).toarray()
    if not design.nested:
        spread = design.demean(spread)
    wz = design.Z * design.w[:, None]
    shift = a_inv @ (wz.T @ spread)
    boot_resid = spread - design.Z @ shift
    weighted = wz @ h
    maps = np.stack([design.clusters @ (weighted[:, [j]] * boot_resid) for j in range(q)])
    scores = np.einsum("jgh,hb->bjg", maps, v)
    boot_cov = design.correction * scores @ scores.transpose(0, 2, 1)
    boot_rb = (R @ shift @ v).T[:, :, None]
    boot_wald = (boot_rb.transpose(0, 2, 1) @ np.linalg.solve(boot_cov, boot_rb)).ravel()
    # Ties count as extreme (all weights 1 reproduce the data); allow for rounding.
    p_value = float(np.mean(boot_wald >= wald * (1 - 1e-12)))
    if q > 1:
        return np.nan, np.nan, wald / q, p_value
    se = float(np.sqrt(v_r[0, 0]))
    return float(rb[0]), se, float(rb[0]) / se, p_value


def _restrictions(
    design: Design,
    periods: Sequence | None,
    average: bool,
    post_periods: Sequence | None,
    pretrend: bool,
) -> dict[object, np.ndarray]:
    """Restriction matrices by term: single coefficients, the post average, the pre-trend."""
    n_other = design.Z.shape[1] - len(design.periods)

    def rows(selected: pd.Index, scale: np.ndarray) -> np.ndarray:
        out = np.zeros((len(scale), design.Z.shape[1]))
        out[np.arange(len(scale)), n_other + design.periods.get_indexer(selected)] = scale
        return out

    chosen = design.periods if periods is None else pd.Index(periods)
    if not chosen.isin(design.periods).all():
        raise ParameterError(f"Periods {list(chosen)} must be non-reference periods.")
    terms = {p: rows(pd.Index([p]), np.ones(1)) for p in chosen}
    if average:
        after = design.periods > design.reference
        post = design.periods[after] if post_periods is None else pd.Index(post_periods)
        if len(post) == 0 or not post.isin(design.periods).all():
            raise ParameterError("post_periods must be non-reference periods of the panel.")
        terms["post average"] = rows(post, np.full(len(post), 1 / len(post))).sum(axis=0)[None]
    if pretrend:
        pre = design.periods[design.periods < design.reference]
        if len(pre) == 0:
            raise ParameterError("There are no pre-periods to test.")
        terms["pre-trend (joint)"] = rows(pre, np.ones(len(pre)))
    return terms


def wild_cluster_bootstrap(
    panel: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    period: str,
    treated: str,
    reference_period: object,
    weight: str | None = None,
    cluster: str | None = None,
    periods: Sequence | None = None,
    average: bool = True,
    post_periods: Sequence | None = None,
    pretrend: bool = False,
    n_boot: int = 999,
    weight_type: str = "auto",
    seed: int | None = None,
    fixef_k: str = "nested",
) -> pd.DataFrame:
    """Wild cluster restricted (WCR) bootstrap p-values for an event study.

    Parameters
    ----------
    panel, outcome, unit, period, treated, reference_period, weight, cluster, fixef_k
        As for :func:`did_event_study`. ``fixef_k`` scales the CR1 standard errors
        shown (``se``) and every bootstrap statistic alike, so it leaves the
        p-values unchanged.
    periods
        Coefficients to test one at a time; default all, ``()`` for none.
    average
        Also test the mean of the ``post_periods`` coefficients (default all
        periods after the reference).
    pretrend
        Also test jointly that all pre-period coefficients are zero (bootstrap of
        the clustered Wald statistic, each draw imposing the joint null).
    n_boot
        Bootstrap replications B.
    weight_type
        ``"rademacher"``, ``"webb"`` (six-point) or ``"auto"``: Webb with fewer
        than :data:`WEBB_BELOW` clusters, else Rademacher. The same draws
        (``numpy.random.default_rng(seed).choice(values, size=(G, B))``) serve
        every hypothesis.
    seed
        Random seed.

    Returns
    -------
    pandas.DataFrame
        One row per hypothesis: ``term`` (the period, ``"post average"`` or
        ``"pre-trend (joint)"``), ``estimate, se`` (CR1; NaN for the joint test),
        ``statistic`` (t, or Wald / q for the joint test) and ``p_value`` (share
        of bootstrap statistics at least as extreme: |t*| >= |t|, Wald* >= Wald).
        ``attrs`` holds ``n_clusters``, ``n_boot``, ``weight_type`` and ``seed``.
    """
    if weight_type not in ("auto", "rademacher", "webb"):
        raise ParameterError(f"weight_type must be auto, rademacher or webb, not {weight_type!r}.")
    if n_boot < 99:
        raise ParameterError(f"n_boot must be at least 99, not {n_boot}.")
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
    terms = _restrictions(design, periods, average, post_periods, pretrend)
    g = design.n_clusters
    kind = weight_type if weight_type != "auto" else ("webb" if g < WEBB_BELOW else "rademacher")
    v = _cluster_weights(kind, g, n_boot, seed)
    fit = fit_design(design)
    rows = [(term, *_wcr_test(design, fit, R, v)) for term, R in terms.items()]
    out = pd.DataFrame(rows, columns=["term", "estimate", "se", "statistic", "p_value"])
    out.attrs.update(n_clusters=g, n_boot=n_boot, weight_type=kind, seed=seed)
    return out
