"""Summary measures of health inequality, as WHO's Health Equity Assessment Toolkit (HEAT).

Definitions follow the WHO *Handbook on health inequality monitoring* (2013;
2nd edition 2024), HEAT's technical notes and WHO's reference implementation
(the ``healthequal`` R package), with Schlotheuber & Hosseinpoor (2022), "Summary
measures of health inequality", IJERPH 19:3697. The linear slope and relative
indices of inequality follow PHE's ``phe_sii`` (PHEindicatormethods) and the
OHID Fingertips Technical Guide, "Slope index of inequality (SII)": weighted
least squares of the estimate on the cumulative population mid-point rank,
weighted by population, with simulated confidence limits.

Ranks. The SII, RII (linear and logistic) and the concentration indices rank the
place's **own** population: each group's rank is the cumulative share of the
place's population up to the middle of that group, in order of disadvantage
(:func:`midpoint_ranks`), as ``phe_sii`` and HEAT compute them. To compare places
on one deprivation scale, :func:`national_scale_ranks` adds England's ranks and
:func:`summary_measures` then also returns ``sii_national``, the SII on England's
deprivation scale, a separately named measure; the standard measures keep the
place's own ranks.

Every signed measure is oriented so that **a positive gap (or a ratio above 1)
means the disadvantaged group is worse off**, whichever direction is
favourable for the indicator; see :data:`SUMMARY_MEASURES` for each measure's reading.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from helpers.errors import ParameterError
from helpers.stats.proportions import compare_proportions, z_value

REPETITIONS = 10_000
"""Simulations per simulated confidence interval (PHE's tests use 10,000)."""

Result = tuple[float, float, float, str]
"""(estimate, lower, upper, ci_method) of one measure."""

REQUIRED = ("group", "population", "estimate", "se")
COLUMNS = (
    "measure",
    "estimate",
    "lower",
    "upper",
    "null",
    "favours",
    "ci_method",
    "description",
    "note",
)
SCALES = (1, 100, 1_000, 10_000, 100_000, 1_000_000)


@dataclass(frozen=True)
class Measure:
    """How to read one summary measure.

    Attributes
    ----------
    name
        The measure's full name.
    kind
        "gap" (signed, no inequality = 0), "ratio" (signed, no inequality = 1),
        "spread" (unsigned, 0 = none) or "improvement" (>= 0, room to improve).
    reading
        Plain-words definition and how the sign reads.
    ranking
        For rank-based measures, whose population the ranks come from: "own"
        (the place's own population, PHE and HEAT) or "national" (England's,
        see :func:`national_scale_ranks`); "" for measures without ranks.
    """

    name: str
    kind: str
    reading: str
    ranking: str = ""

    @property
    def null(self) -> float:
        """The value meaning no inequality."""
        return 1.0 if self.kind == "ratio" else 0.0


_D = "positive = the {who} is worse off"
SUMMARY_MEASURES: dict[str, Measure] = {
    "d": Measure(
        "Difference",
        "gap",
        "Gap between two groups in indicator units (ordered: most vs least "
        "disadvantaged; unordered: worst-off group vs reference); " + _D,
    ),
    "r": Measure(
        "Ratio",
        "ratio",
        "Ratio of the better-placed group's value to the worse-placed group's, "
        "written so that above 1 = the {who} is worse off",
    ),
    "sii": Measure(
        "Slope index of inequality",
        "gap",
        "Modelled gap across the whole population ranking (linear, population "
        "weighted) between the most and least disadvantaged ends, ranking the "
        "place's own population (PHE); " + _D,
        "own",
    ),
    "rii": Measure(
        "Relative index of inequality",
        "ratio",
        "Modelled ratio between the two ends of the ranking (linear model, the "
        "place's own population ranked); above 1 = the {who} is worse off; not "
        "reported when the fitted line is at or below zero at either end",
        "own",
    ),
    "sii_logistic": Measure(
        "Slope index of inequality (logistic)",
        "gap",
        "As the SII, from a logistic regression of the proportion on the rank (HEAT); " + _D,
        "own",
    ),
    "rii_logistic": Measure(
        "Relative index of inequality (logistic)",
        "ratio",
        "As the RII, from the logistic model (HEAT), whose fitted values stay "
        "within the indicator's range; above 1 = the {who} is worse off",
        "own",
    ),
    "sii_national": Measure(
        "Slope index of inequality on England's deprivation scale",
        "gap",
        "As the SII, but each group is placed on England's ranking (cumulative "
        "share of England's population by quintile), so places can be compared "
        "on one scale; not PHE's SII, which ranks the place's own population; " + _D,
        "national",
    ),
    "aci": Measure(
        "Absolute concentration index",
        "gap",
        "How far the indicator is concentrated at one end of the place's own "
        "population ranking, in indicator units (HEAT); " + _D,
        "own",
    ),
    "rci": Measure(
        "Relative concentration index (x 100)",
        "gap",
        "Concentration index divided by the mean, x 100 (range -100 to 100), on "
        "the place's own population ranking (HEAT); " + _D,
        "own",
    ),
    "bgv": Measure(
        "Between-group variance",
        "spread",
        "Population-weighted variance of group values around the mean (squared "
        "units); larger = more inequality, no direction",
    ),
    "bgsd": Measure(
        "Between-group standard deviation",
        "spread",
        "Square root of the between-group variance (indicator units)",
    ),
    "cov": Measure(
        "Coefficient of variation",
        "spread",
        "Between-group standard deviation as a percentage of the mean",
    ),
    "mdbu": Measure(
        "Mean difference from best group (unweighted)",
        "spread",
        "Average distance of each group from the best-performing group",
    ),
    "mdbw": Measure(
        "Mean difference from best group (weighted)",
        "spread",
        "Population-weighted average distance from the best-performing group",
    ),
    "mdmu": Measure(
        "Mean difference from mean (unweighted)",
        "spread",
        "Average distance of each group from the overall mean",
    ),
    "mdmw": Measure(
        "Mean difference from mean (weighted)",
        "spread",
        "Population-weighted average distance from the overall mean",
    ),
    "mdru": Measure(
        "Mean difference from reference group (unweighted)",
        "spread",
        "Average distance of each group from the reference group",
    ),
    "mdrw": Measure(
        "Mean difference from reference group (weighted)",
        "spread",
        "Population-weighted average distance from the reference group",
    ),
    "idisu": Measure(
        "Index of disparity (unweighted)",
        "spread",
        "Average distance from the mean as a percentage of the mean",
    ),
    "idisw": Measure(
        "Index of disparity (weighted)",
        "spread",
        "Population-weighted distance from the mean as a percentage of the mean",
    ),
    "ti": Measure(
        "Theil index (x 1000)",
        "spread",
        "Entropy-based spread of the indicator's shares against population shares; 0 = none",
    ),
    "mld": Measure(
        "Mean log deviation (x 1000)",
        "spread",
        "Population-weighted mean of -log(group value / mean); 0 = none",
    ),
    "paf": Measure(
        "Population attributable fraction (%)",
        "improvement",
        "How much the overall value would improve, as a % of it, if every group "
        "did as well as the reference (most advantaged or best) group",
    ),
    "par": Measure(
        "Population attributable risk", "improvement", "The same improvement in indicator units"
    ),
}

ORDERED = ("d", "r", "sii", "rii", "sii_logistic", "rii_logistic", "aci", "rci", "paf", "par")
UNORDERED = (
    "d",
    "r",
    "bgv",
    "bgsd",
    "cov",
    "mdbu",
    "mdbw",
    "mdmu",
    "mdmw",
    "mdru",
    "mdrw",
    "idisu",
    "idisw",
    "ti",
    "mld",
    "paf",
    "par",
)
TWO_GROUP = ("d", "r")
NATIONAL = ("sii_national",)
"""Measures added when the groups carry England's ranks (:func:`national_scale_ranks`)."""


@dataclass(frozen=True)
class _Groups:
    """The validated inputs, ordered from most to least disadvantaged when ordered."""

    y: np.ndarray
    se: np.ndarray
    pop: np.ndarray
    rank: np.ndarray | None
    scale: float
    sign: float
    ref: int | None
    transform: str | None = None
    se_transformed: np.ndarray | None = None
    national_rank: np.ndarray | None = None
    numerator: np.ndarray | None = None
    denominator: np.ndarray | None = None

    @property
    def share(self) -> np.ndarray:
        return self.pop / self.pop.sum()

    @property
    def mean(self) -> float:
        return float(self.share @ self.y)

    @property
    def best(self) -> int:
        return int(np.argmax(self.sign * self.y))

    @property
    def worst(self) -> int:
        return int(np.argmin(self.sign * self.y))


# --- ranks -------------------------------------------------------------------------------


def midpoint_ranks(population: np.ndarray | pd.Series) -> np.ndarray:
    """Return cumulative population mid-point ranks (0-1) for groups already in rank order.

    Group j's rank is the share of the population in the groups before it plus
    half its own share, as PHE's ``phe_sii`` (OHID Fingertips Technical Guide,
    "Slope index of inequality") and HEAT's concentration indices compute it from
    the place's own population.
    """
    pop = np.asarray(population, dtype=float)
    cum = np.cumsum(pop)
    return (cum - pop / 2) / cum[-1]


def national_scale_ranks(
    groups: pd.DataFrame, rank_population: Mapping[int, float] | pd.Series
) -> pd.DataFrame:
    """Return ``groups`` with a ``national_rank`` column taken from another population's shares.

    :func:`summary_measures` uses it for one extra, separately named measure,
    ``sii_national``: the SII on England's deprivation scale. The ranks come from
    England's population by quintile instead of the place's own, so an alliance
    whose population is mostly in one quintile is still placed on the national
    deprivation gradient and alliances can be compared; the regression weights
    stay the local populations. The standard SII, RII, ACI and RCI keep ranking
    the place's own population, as PHE and HEAT define them.

    Parameters
    ----------
    groups
        The input of :func:`summary_measures`, with ``order`` (1 = most disadvantaged).
    rank_population
        Population per ``order`` value (e.g. England's population by IMD quintile).
    """
    pops = pd.Series(rank_population, dtype=float).sort_index()
    missing = set(groups["order"]) - set(pops.index)
    if missing:
        raise ParameterError(f"rank_population has no population for order {sorted(missing)}.")
    ranks = pd.Series(midpoint_ranks(pops.to_numpy()), index=pops.index)
    out = groups.copy()
    out["national_rank"] = out["order"].map(ranks).to_numpy()
    return out


# --- input checks --------------------------------------------------------------------------


def _scale(groups: pd.DataFrame) -> float:
    """The indicator's full scale: the ``scale`` column, or HEAT's rule from the estimates.

    HEAT's rule takes the smallest of 1, 100, 1000, ... that is at least the largest
    estimate (so percentages get 100).
    """
    if "scale" in groups:
        values = groups["scale"].dropna().unique()
        if len(values) != 1:
            raise ParameterError("The scale column must hold one value for all groups.")
        return float(values[0])
    top = groups["estimate"].max()
    return float(next((s for s in SCALES if top <= s), SCALES[-1]))


TRANSFORMS = ("log", "logit")


def _forward(values: np.ndarray, transform: str, scale: float) -> np.ndarray:
    """Values on the published scale -> the log (rates) or logit (proportions) scale."""
    if transform == "log":
        return np.log(values)
    p = values / scale
    return np.log(p / (1 - p))


def _back(values: np.ndarray, transform: str, scale: float) -> np.ndarray:
    """The inverse of :func:`_forward`."""
    if transform == "log":
        return np.exp(values)
    return scale / (1 + np.exp(-values))


def _transformed_se(data: pd.DataFrame, scale: float) -> tuple[str | None, np.ndarray | None]:
    """PHE's ``transform = TRUE``: the standard error on the log / logit scale from 95% limits."""
    if "transform" not in data:
        return None, None
    kinds = data["transform"].dropna().unique()
    if len(kinds) == 0:
        return None, None
    if len(kinds) != 1 or kinds[0] not in TRANSFORMS:
        raise ParameterError(f"The transform column must hold one of {TRANSFORMS} for all groups.")
    kind = str(kinds[0])
    if not {"lower", "upper"} <= set(data.columns):
        raise ParameterError("A transform needs each group's 95% limits in 'lower' and 'upper'.")
    bounds = data[["lower", "estimate", "upper"]].to_numpy(dtype=float)
    top = np.inf if kind == "log" else scale
    if not np.all((bounds > 0) & (bounds < top)):
        raise ParameterError(f"A {kind} transform needs estimates and limits strictly inside "
                             f"0 to {top:g}.")
    lower, upper = (_forward(bounds[:, i], kind, scale) for i in (0, 2))
    return kind, (upper - lower) / (2 * z_value(0.95))


def _reference_index(names: np.ndarray, reference: str | None) -> int | None:
    if reference is None:
        return None
    hits = np.flatnonzero(names == reference)
    if len(hits) != 1:
        raise ParameterError(f"reference group {reference!r} is not one of {list(names)}.")
    return int(hits[0])


def _counts(data: pd.DataFrame, scale: float) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The optional ``numerator`` and ``denominator`` behind proportion estimates, checked."""
    if not {"numerator", "denominator"} <= set(data.columns):
        return None, None
    num = data["numerator"].to_numpy(dtype=float)
    den = data["denominator"].to_numpy(dtype=float)
    known = np.isfinite(num) & np.isfinite(den) & (den > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = scale * num / den
    estimate = data["estimate"].to_numpy(dtype=float)
    if not np.allclose(implied[known], estimate[known], rtol=1e-9, atol=1e-9 * scale):
        raise ParameterError(
            f"estimate must equal {scale:g} x numerator / denominator where counts are given."
        )
    return num, den


def _prepare(
    groups: pd.DataFrame, ordered: bool, higher_is_better: bool, reference: str | None
) -> _Groups:
    need = (*REQUIRED, "order") if ordered else REQUIRED
    missing = [c for c in need if c not in groups]
    if missing:
        raise ParameterError(f"groups is missing columns {missing}.")
    if "rank" in groups:
        raise ParameterError(
            "A 'rank' column is no longer read: the SII, RII and concentration indices rank "
            "the place's own population; use national_scale_ranks for England's scale."
        )
    data = groups.dropna(subset=["estimate", "population"])
    if (data["population"] <= 0).any():
        raise ParameterError("Every group needs a positive population.")
    if ordered:
        data = data.sort_values("order", kind="stable")
    names = data["group"].astype(str).to_numpy()
    rank = national = None
    if ordered:
        rank = midpoint_ranks(data["population"])
        if "national_rank" in data:
            national = data["national_rank"].to_numpy(dtype=float)
    scale = _scale(data)
    transform, se_transformed = _transformed_se(data, scale)
    numerator, denominator = _counts(data, scale)
    return _Groups(
        y=data["estimate"].to_numpy(dtype=float),
        se=data["se"].to_numpy(dtype=float),
        pop=data["population"].to_numpy(dtype=float),
        rank=rank,
        scale=scale,
        sign=1.0 if higher_is_better else -1.0,
        ref=None if ordered else _reference_index(names, reference),
        transform=transform,
        se_transformed=se_transformed,
        national_rank=national,
        numerator=numerator,
        denominator=denominator,
    )


def applicable_measures(
    k: int, *, ordered: bool, has_reference: bool, has_national_rank: bool = False
) -> tuple[str, ...]:
    """Return the measures computed for ``k`` groups.

    The rule (HEAT; WHO ``healthequal`` stops every other measure at two groups):
    d and r need at least 2 groups; every other measure needs at least 3.
    Ordered dimensions get d, r, sii, rii, sii_logistic, rii_logistic, aci, rci,
    paf and par, and sii_national when England's ranks are given; unordered ones
    d, r, bgv, bgsd, cov, mdbu, mdbw, mdmu, mdmw, mdru, mdrw, idisu, idisw, ti,
    mld, paf and par, where mdru and mdrw need a ``reference`` group.
    """
    if k < 2:
        return ()
    if k == 2:
        return TWO_GROUP
    chosen = ORDERED if ordered else UNORDERED
    if not has_reference:
        chosen = tuple(m for m in chosen if m not in ("mdru", "mdrw"))
    if ordered and has_national_rank:
        chosen = chosen + NATIONAL
    return chosen


# --- helpers for intervals -----------------------------------------------------------------



def _normal(estimate: float, se: float, confidence: float) -> Result:
    half = z_value(confidence) * se
    return estimate, estimate - half, estimate + half, "analytic"


def _simulated(
    stat: Callable[[np.ndarray], np.ndarray],
    g: _Groups,
    draws: np.ndarray | None,
    confidence: float,
) -> Result:
    """Statistic on the estimates, with percentile limits over simulated estimates."""
    estimate = float(stat(g.y[None, :])[0])
    if draws is None:
        return estimate, np.nan, np.nan, "simulation"
    alpha = 1 - confidence
    lower, upper = np.quantile(stat(draws), [alpha / 2, 1 - alpha / 2])
    return estimate, float(lower), float(upper), "simulation"


def _oriented_ratio(
    est: float, lower: float, upper: float, sign: float
) -> tuple[float, float, float]:
    """Invert a ratio and its limits when a lower value is favourable."""
    if sign > 0:
        return est, lower, upper
    return 1 / est, 1 / upper, 1 / lower


# --- two-group measures --------------------------------------------------------------------


def _pair(g: _Groups, ordered: bool) -> tuple[int, int]:
    """Return the indices (a, b) that d and r compare, as d = sign x (y[a] - y[b]).

    Ordered: a = least and b = most disadvantaged group. Unordered: a = the
    reference (or best) group and b = the worst-off group.
    """
    if ordered:
        return len(g.y) - 1, 0
    return (g.best if g.ref is None else g.ref), g.worst


def _difference(g: _Groups, ordered: bool, confidence: float) -> Result:
    """d with Newcombe's hybrid score interval when the counts are known, else a normal one.

    Newcombe (1998) Stat Med 17:873-890, method 10, through
    :func:`helpers.stats.proportions.compare_proportions`, the interval the
    report's sentences use for the same two groups. Without counts (rates, or
    no ``numerator`` / ``denominator``) the interval is estimate +- z x
    sqrt(se_a^2 + se_b^2).
    """
    a, b = _pair(g, ordered)
    if g.numerator is not None:
        counts = g.numerator[[a, b]], g.denominator[[a, b]]
        if np.all(np.isfinite(counts)) and np.all(counts[1] > 0):
            diff, low, high = compare_proportions(
                counts[0][0], counts[1][0], counts[0][1], counts[1][1], confidence
            )
            diff, low, high = (v * g.scale / 100 for v in (diff, low, high))
            if g.sign < 0:
                diff, low, high = -diff, -high, -low
            return diff, low, high, "Newcombe"
    d = g.sign * (g.y[a] - g.y[b])
    return _normal(d, float(np.hypot(g.se[a], g.se[b])), confidence)


def _ratio(g: _Groups, ordered: bool, confidence: float) -> Result:
    a, b = _pair(g, ordered)
    log_r = np.log(g.y[a] / g.y[b])
    se = float(np.hypot(g.se[a] / g.y[a], g.se[b] / g.y[b]))
    _, lo, hi, method = _normal(log_r, se, confidence)
    return (*_oriented_ratio(np.exp(log_r), np.exp(lo), np.exp(hi), g.sign), method)


# --- regression on the rank (ordered) ------------------------------------------------------


def _wls_operator(rank: np.ndarray, pop: np.ndarray) -> np.ndarray:
    """Return H (2 x k) with (intercept, slope) = H @ y for population-weighted least squares."""
    x = np.column_stack([np.ones_like(rank), rank])
    xtw = x.T * pop
    return np.linalg.solve(xtw @ x, xtw)


def _linear_sii(g: _Groups, rank: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    h = _wls_operator(rank, g.pop)
    return lambda y: g.sign * (y @ h[1])


def _linear_rii(g: _Groups) -> Callable[[np.ndarray], np.ndarray]:
    h = _wls_operator(g.rank, g.pop)

    def rii(y: np.ndarray) -> np.ndarray:
        intercept, slope = y @ h[0], y @ h[1]
        return ((intercept + slope) / intercept) ** g.sign

    return rii


def _rii_withheld(g: _Groups, draws: np.ndarray | None, confidence: float) -> str:
    """Why the linear RII is not reported ("" when it is).

    The RII is the ratio of the line's fitted values at the two ends of the
    ranking, so it means something only when both are above zero. A line fitted
    to low proportions (e.g. uptake of a few percent) can fall below zero at the
    most disadvantaged end and give a negative "ratio" (e.g. -18). PHE's
    ``phe_sii`` returns the number regardless; here it is withheld when a fitted
    end is at or below zero, or when that happens in more than (1 - confidence)
    / 2 of the simulated draws (a percentile limit would then be impossible or
    unbounded). The logistic RII keeps its fitted values within the range.
    """
    h = _wls_operator(g.rank, g.pop)
    intercept, slope = h @ g.y
    for end, value in (("most", intercept), ("least", intercept + slope)):
        if value <= 0:
            return (f"not reported: the fitted line is {value:.3g} at the {end} disadvantaged "
                    "end, and a ratio needs both ends above zero")
    if draws is not None:
        sims = draws @ h.T
        share = float(np.mean(np.minimum(sims[:, 0], sims.sum(axis=1)) <= 0))
        if share > (1 - confidence) / 2:
            return (f"not reported: the fitted line fell to zero or below at one end in "
                    f"{100 * share:.1f}% of simulations, so the ratio has no reliable interval")
    return ""


def _logistic_fit(g: _Groups) -> tuple[np.ndarray, np.ndarray]:
    """Fit logit(p) = b0 + b1 rank weighted by population; return (params, HC1 covariance).

    HC1 is the heteroscedasticity-consistent sandwich with the k / (k - 2)
    small-sample factor, as HEAT's ``marginaleffects`` call (``vcov = "HC1"``).
    """
    p = g.y / g.scale
    x = sm.add_constant(g.rank)
    fit = sm.GLM(p, x, family=sm.families.Binomial(), var_weights=g.pop).fit()
    mu = fit.fittedvalues
    bread = np.linalg.inv((x * (g.pop * mu * (1 - mu))[:, None]).T @ x)
    score = x * (g.pop * (p - mu))[:, None]
    k = len(p)
    return fit.params, k / (k - 2) * bread @ score.T @ score @ bread


def _logistic(g: _Groups, confidence: float, relative: bool) -> Result:
    """Logistic SII (difference of predicted values at rank 1 and 0) or RII (their ratio)."""
    (b0, b1), cov = _logistic_fit(g)
    v0, v1 = 1 / (1 + np.exp(-b0)), 1 / (1 + np.exp(-(b0 + b1)))
    if relative:
        grad = np.array([v0 - v1, 1 - v1])
        _, lo, hi, method = _normal(np.log(v1 / v0), float(np.sqrt(grad @ cov @ grad)), confidence)
        return (*_oriented_ratio(v1 / v0, np.exp(lo), np.exp(hi), g.sign), method)
    grad = np.array([v1 * (1 - v1) - v0 * (1 - v0), v1 * (1 - v1)])
    se = float(np.sqrt(grad @ cov @ grad)) * g.scale
    est, lo, hi, method = _normal((v1 - v0) * g.scale, se, confidence)
    return (est, lo, hi, method) if g.sign > 0 else (-est, -hi, -lo, method)


def _concentration(g: _Groups, confidence: float, relative: bool) -> Result:
    """ACI or RCI by the 'convenient regression' (Kakwani, Wagstaff & van Doorslaer 1997).

    2 var(rank) y (divided by the mean for the RCI) is regressed on the rank with
    population weights; the slope is the index and its standard error gives a
    normal interval, as HEAT. The RCI is reported x 100.
    """
    share = g.share
    centred = g.rank - share @ g.rank
    lhs = 2 * (share @ centred**2) * g.y / (g.mean if relative else 1.0)
    fit = sm.WLS(lhs, sm.add_constant(g.rank), weights=g.pop).fit()
    factor = g.sign * (100.0 if relative else 1.0)
    return _normal(fit.params[1] * factor, fit.bse[1] * abs(factor), confidence)


# --- spread measures (unordered) -----------------------------------------------------------


def _bgv(g: _Groups, confidence: float) -> Result:
    """Between-group variance with Ahn et al. (2018) JCO CCI 2:1-19 analytic standard error."""
    p, y, se = g.share, g.y, g.se
    dev = y - g.mean
    bgv = float(p @ dev**2)
    s2 = np.sum(p**2 * se**2)
    var = 4 * np.sum(p**2 * se**2 * dev**2) + 2 * (
        s2**2 - np.sum(p**4 * se**4) + np.sum(p**2 * (1 - p) ** 2 * se**4)
    )
    return _normal(bgv, float(np.sqrt(var)), confidence)


def _spread_stats(g: _Groups) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Vectorised statistics of simulated estimates (rows = draws, columns = groups)."""
    p, sign, ref = g.share, g.sign, g.ref

    def mean(y):
        return (y @ p)[:, None]

    def best(y):
        return (y.max(axis=1) if sign > 0 else y.min(axis=1))[:, None]

    def bgsd(y):
        return np.sqrt(((y - mean(y)) ** 2) @ p)

    stats = {
        "bgsd": bgsd,
        "cov": lambda y: 100 * bgsd(y) / mean(y)[:, 0],
        "mdbu": lambda y: np.abs(y - best(y)).mean(axis=1),
        "mdbw": lambda y: np.abs(y - best(y)) @ p,
        "mdmu": lambda y: np.abs(y - mean(y)).mean(axis=1),
        "mdmw": lambda y: np.abs(y - mean(y)) @ p,
        "idisu": lambda y: 100 * np.abs(y - mean(y)).mean(axis=1) / mean(y)[:, 0],
        "idisw": lambda y: 100 * (np.abs(y - mean(y)) @ p) / mean(y)[:, 0],
    }
    if ref is not None:
        stats["mdru"] = lambda y: np.abs(y - y[:, [ref]]).mean(axis=1)
        stats["mdrw"] = lambda y: np.abs(y - y[:, [ref]]) @ p
    return stats


def _theil(g: _Groups, confidence: float) -> Result:
    """Theil index x 1000 with Ahn et al. (2018) delta-method standard error."""
    p, r = g.share, g.y / g.mean
    term = 1 + np.log(r)
    ti = float(np.sum(p * r * np.log(r)))
    se = np.sqrt(np.sum((term - np.sum(p * r * term)) ** 2 * p**2 * g.se**2 / g.mean**2))
    return _normal(1000 * ti, 1000 * float(se), confidence)


def _mld(g: _Groups, confidence: float) -> Result:
    """Mean log deviation x 1000 with Ahn et al. (2018) delta-method standard error."""
    p, r = g.share, g.y / g.mean
    mld = float(np.sum(-p * np.log(r)))
    se = np.sqrt(np.sum((p * g.se / g.mean) ** 2 * (1 - 1 / r) ** 2))
    return _normal(1000 * mld, 1000 * float(se), confidence)


# --- population attributable measures ------------------------------------------------------


def _attributable(g: _Groups, ordered: bool, confidence: float, relative: bool) -> Result:
    """PAF (%) or PAR against the most advantaged (ordered) or best (unordered) group.

    Oriented as potential improvement, so both are >= 0 (HEAT reports negative
    values for adverse indicators); 0 when the reference group is no better than
    the mean. The standard error is Walter's (1978, Int J Epidemiol 7:175-182)
    for the attributable fraction, from counts rebuilt with the indicator scale.
    """
    ref = len(g.y) - 1 if ordered else g.best
    mean, total = g.mean, g.pop.sum()
    par = max(0.0, g.sign * (g.y[ref] - mean))
    c = g.y[ref] / g.scale * g.pop[ref]
    d = g.pop[ref] - c
    a = mean / g.scale * total - c
    b = total - a - g.pop[ref]
    var = c * total * (a * d * (total - c) + b * c**2) / ((a + c) ** 3 * (c + d) ** 3)
    se_fraction = float(np.sqrt(var))
    if relative:
        return _normal(100 * par / mean, 100 * se_fraction, confidence)
    return _normal(par, mean * se_fraction, confidence)


def _transformed_sii(g: _Groups, draws: np.ndarray | None, confidence: float,
                     relative: bool, rank: np.ndarray) -> Result:
    """PHE's SII / RII with ``transform = TRUE``: the line is fitted on the log / logit scale.

    The fitted values at rank 0 and 1 are transformed back and subtracted (SII)
    or divided (RII). Limits: the slope's simulated percentiles, placed about the
    fitted value at rank 0.5 and transformed back, as ``phe_sii`` does.
    """
    slope_of = _wls_operator(rank, g.pop)
    intercept, slope = slope_of @ _forward(g.y, g.transform, g.scale)
    middle = intercept + slope / 2

    def measure(b: np.ndarray | float) -> np.ndarray:
        top = _back(middle + np.asarray(b) / 2, g.transform, g.scale)
        bottom = _back(middle - np.asarray(b) / 2, g.transform, g.scale)
        return (top / bottom) ** g.sign if relative else g.sign * (top - bottom)

    estimate = float(measure(slope))
    if draws is None:
        return estimate, np.nan, np.nan, "simulation"
    alpha = 1 - confidence
    slopes = _forward(draws, g.transform, g.scale) @ slope_of[1]
    limits = measure(np.quantile(slopes, [alpha / 2, 1 - alpha / 2]))
    return estimate, float(limits.min()), float(limits.max()), "simulation"


# --- assembly ------------------------------------------------------------------------------


def _compute(
    measure: str, g: _Groups, ordered: bool, draws: np.ndarray | None, confidence: float
) -> Result:
    analytic = {
        "d": lambda: _difference(g, ordered, confidence),
        "r": lambda: _ratio(g, ordered, confidence),
        "aci": lambda: _concentration(g, confidence, relative=False),
        "rci": lambda: _concentration(g, confidence, relative=True),
        "sii_logistic": lambda: _logistic(g, confidence, relative=False),
        "rii_logistic": lambda: _logistic(g, confidence, relative=True),
        "bgv": lambda: _bgv(g, confidence),
        "ti": lambda: _theil(g, confidence),
        "mld": lambda: _mld(g, confidence),
        "paf": lambda: _attributable(g, ordered, confidence, relative=True),
        "par": lambda: _attributable(g, ordered, confidence, relative=False),
    }
    if measure in analytic:
        return analytic[measure]()
    rank = g.national_rank if measure == "sii_national" else g.rank
    if measure in ("sii", "rii", "sii_national") and g.transform is not None:
        return _transformed_sii(g, draws, confidence, relative=measure == "rii", rank=rank)
    if measure in ("sii", "sii_national"):
        return _simulated(_linear_sii(g, rank), g, draws, confidence)
    if measure == "rii":
        return _simulated(_linear_rii(g), g, draws, confidence)
    return _simulated(_spread_stats(g)[measure], g, draws, confidence)


def _favours(measure: str, estimate: float, ordered: bool) -> str:
    info = SUMMARY_MEASURES[measure]
    if info.kind == "spread":
        return "not directional"
    if info.kind == "improvement":
        return "room for improvement" if estimate > 0 else "no room for improvement"
    if not np.isfinite(estimate):
        return "not reported"
    if estimate == info.null:
        return "no gap"
    if not ordered:  # d, r compare the worst-off group, so they are never below null
        return "worst-off group worse off"
    return "disadvantaged worse off" if estimate > info.null else "disadvantaged better off"


def _usable(measure: str, g: _Groups, ordered: bool) -> bool:
    """Data conditions beyond the group count: logs and ratios need positive values,
    logits values within the scale."""
    if measure in ("ti", "mld"):
        return bool(np.all(g.y > 0))
    if measure == "r":
        return bool(np.all(g.y[list(_pair(g, ordered))] > 0))
    if measure in ("sii_logistic", "rii_logistic"):
        return bool(np.all((g.y >= 0) & (g.y <= g.scale)))
    return True


def _draws(g: _Groups, seed: int | None) -> np.ndarray | None:
    """Simulated group estimates: Normal(estimate, se), or drawn on the transformed scale."""
    rng = np.random.default_rng(seed)
    size = (REPETITIONS, len(g.y))
    if g.transform is not None:
        centre = _forward(g.y, g.transform, g.scale)
        return _back(rng.normal(centre, g.se_transformed, size=size), g.transform, g.scale)
    if np.all(np.isfinite(g.se)):
        return rng.normal(g.y, g.se, size=size)
    return None


def summary_measures(
    groups: pd.DataFrame,
    *,
    ordered: bool,
    higher_is_better: bool,
    reference: str | None = None,
    confidence: float = 0.95,
    seed: int | None = None,
) -> pd.DataFrame:
    """Return every applicable summary measure of inequality with its confidence interval.

    Parameters
    ----------
    groups
        One row per group: ``group``, ``population``, ``estimate`` (on its
        published scale, e.g. percent), ``se`` (same scale) and, for ordered
        dimensions, ``order`` (1 = most disadvantaged). Optional: ``scale`` (the
        indicator's full scale, 100 for percent; otherwise HEAT's rule: the
        smallest of 1, 100, 1000, ... at or above the largest estimate);
        ``numerator`` and ``denominator`` (the counts of a proportion, with
        ``estimate`` = scale x numerator / denominator), which give d Newcombe's
        interval; ``national_rank`` (see :func:`national_scale_ranks`), which
        adds ``sii_national``; ``transform`` ("log" for
        rates, "logit" for proportions, one value for all groups) with ``lower``
        and ``upper`` (each group's 95% limits), to simulate as PHE's ``phe_sii``
        does with ``transform = TRUE``. Rows with a missing estimate (e.g.
        suppressed) are dropped.
    ordered
        True for a ranked dimension such as deprivation quintile.
    higher_is_better
        True when a higher indicator value is favourable.
    reference
        Unordered dimensions only: the ``group`` that d and r compare against and
        that mdru / mdrw measure from. Without it, d and r use the best group.
    confidence
        Confidence level of the intervals.
    seed
        Seed for the simulated intervals (same seed, same limits).

    Returns
    -------
    pandas.DataFrame
        One row per applicable measure (WHO HEAT abbreviations): ``measure``,
        ``estimate``, ``lower``, ``upper``, ``null`` (the no-inequality value),
        ``favours`` (the sign in words: "disadvantaged worse off" / "disadvantaged
        better off" / "no gap" for ordered gaps and ratios, "worst-off group worse
        off" for unordered d and r, "room for improvement" / "no room for
        improvement" for paf and par, "not directional" for spread measures),
        ``ci_method`` ("Newcombe", "analytic", "simulation" or "not reported"),
        ``description`` (plain words) and ``note`` (why a measure is not
        reported, else ""). A measure that is not reported has a missing
        estimate and limits, ``favours`` "not reported" and its reason in ``note``.

    Notes
    -----
    Applicability: see :func:`applicable_measures` (d, r need 2 groups, the
    rest 3; mdru/mdrw need ``reference``). ti and mld are left out when an
    estimate is 0 or less, r when either compared value is, and the logistic
    forms when an estimate lies outside 0 to ``scale``. The linear rii is
    not reported (row kept, estimate missing, reason in ``note``) when the
    fitted line is at or below zero at either end of the ranking, or is so in
    more than (1 - confidence) / 2 of the simulated draws: a ratio of a
    negative and a positive value is not a ratio (PHE's ``phe_sii`` reports it
    regardless). The logistic RII has no such problem.

    Ranks: sii, rii, sii_logistic, rii_logistic, aci and rci rank the groups'
    own population (cumulative mid-point shares, :func:`midpoint_ranks`), as
    PHE's ``phe_sii`` (OHID Fingertips Technical Guide, "Slope index of
    inequality (SII)") and HEAT's technical notes (concentration indices on the
    cumulative fraction of the population ranked by socioeconomic position).
    sii_national is the linear SII with ranks from ``national_rank`` and the
    same population weights.

    Sign conventions (disadvantaged = most disadvantaged group for ordered
    dimensions; for unordered ones d and r compare the worst-off group with the
    reference or best group):

    - d = y(adv) - y(disadv) if higher is better, else y(disadv) - y(adv),
      where adv / disadv are the least / most disadvantaged groups (unordered:
      the reference or best group / the worst-off group): positive =
      disadvantaged worse off. Unordered d is never negative.
    - r = y(adv) / y(disadv) if higher is better, else y(disadv) / y(adv):
      above 1 = disadvantaged worse off.
    - sii (and sii_logistic) = predicted value at rank 1 (least disadvantaged)
      minus rank 0 (most), times -1 when lower is better: positive =
      disadvantaged worse off. PHE's SII equals it when higher is better.
    - rii (and rii_logistic) = prediction at rank 1 / rank 0 (PHE: (intercept +
      sii) / intercept), inverted when lower is better: above 1 = disadvantaged
      worse off.
    - aci, rci: HEAT's value (positive = concentrated among the advantaged)
      times -1 when lower is better: positive = disadvantaged worse off. The
      rci is reported x 100 (-100 to 100); ti and mld x 1000, as HEAT.
    - paf, par: potential improvement of the overall value if all groups
      reached the reference group (ordered: most advantaged; unordered: best),
      always >= 0 (HEAT gives adverse indicators negative values).
    - bgv, bgsd, cov, md*, idis*, ti, mld: >= 0, larger = more inequality, no
      direction.

    Intervals: Newcombe's hybrid score interval (method 10) for d when
    ``numerator`` and ``denominator`` are given, as the report's sentences;
    analytic (normal) for d otherwise, r (on the log scale), bgv, ti, mld
    (Ahn et al. 2018 delta method), aci, rci (regression standard error), the
    logistic forms (delta method, HC1 sandwich) and paf, par (Walter 1978).
    Simulated for sii, rii and sii_national (PHE) and bgsd, cov, md*, idis* (HEAT): each
    group's estimate is drawn from Normal(estimate, se) :data:`REPETITIONS`
    times, the measure recomputed and the percentiles taken. HEAT truncates its
    draws to the indicator's range; these draws are not truncated. With a
    ``transform``, the draws are made on the log or logit scale, with the
    standard error taken from the group's 95% limits on that scale, and
    transformed back (PHE), so they stay inside the indicator's range. Measures
    that need ``se`` get missing limits when any ``se`` is missing.
    """
    g = _prepare(groups, ordered, higher_is_better, reference)
    chosen = applicable_measures(
        len(g.y),
        ordered=ordered,
        has_reference=g.ref is not None,
        has_national_rank=g.national_rank is not None,
    )
    draws = _draws(g, seed)
    usable = [m for m in chosen if _usable(m, g, ordered)]
    rows = []
    for m in usable:
        note = ""
        if m == "rii" and g.transform is None:
            note = _rii_withheld(g, draws, confidence)
        if note:
            if "rii_logistic" in usable:
                note += "; the logistic RII, whose fitted values stay in range, is reported"
            est = lower = upper = np.nan
            method = "not reported"
        else:
            est, lower, upper, method = _compute(m, g, ordered, draws, confidence)
        info = SUMMARY_MEASURES[m]
        rows.append(
            {
                "measure": m,
                "estimate": float(est),
                "lower": float(lower),
                "upper": float(upper),
                "null": info.null,
                "favours": _favours(m, float(est), ordered),
                "ci_method": method,
                "description": info.reading.format(
                    who="most disadvantaged group" if ordered else "worst-off group"
                ),
                "note": note,
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def describe(row: Mapping | pd.Series, indicator_words: str, confidence: float = 0.95) -> str:
    """Say one measure in plain words, e.g. for a report table or alt text.

    Parameters
    ----------
    row
        One row of :func:`summary_measures`.
    indicator_words
        What the indicator is, e.g. "early-stage diagnosis (%)".
    confidence
        The level the row's interval was computed at.
    """
    info = SUMMARY_MEASURES[row["measure"]]
    if not np.isfinite(row["estimate"]):
        reason = row.get("note") or "not reported"
        return f"{info.name} for {indicator_words}: {reason}."
    level = f"{100 * confidence:g}%"
    numbers = f"{row['estimate']:.3g} ({level} CI {row['lower']:.3g} to {row['upper']:.3g})"
    text = f"{info.name} for {indicator_words}: {numbers}."
    if info.kind == "spread":
        return f"{text} Larger values mean more inequality between groups; it has no direction."
    clear = not (row["lower"] <= info.null <= row["upper"])
    certainty = (
        "the interval excludes no difference"
        if clear
        else "the interval includes no difference, so chance cannot be ruled out"
    )
    if info.kind == "improvement":
        return f"{text} That is the potential improvement in the overall value; {certainty}."
    return f"{text} Reading: {row['favours']}; {certainty}."
