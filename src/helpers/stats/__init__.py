"""Statistical measures on the count cube, each with its confidence interval."""

from helpers.stats.funnel import (
    assign_significance,
    funnel_limits,
    funnel_outliers,
    overdispersed_limits,
    overdispersion,
)
from helpers.stats.inequality import describe, national_scale_ranks, summary_measures
from helpers.stats.intersectional import cross_table, maihda, meta_regression
from helpers.stats.proportions import add_proportion, compare_proportions, wilson_interval, z_value
from helpers.stats.rates import (
    add_rate,
    byars_interval,
    exact_poisson_interval,
    poisson_count_interval,
)
from helpers.stats.standardisation import adjusted_share, expected_counts, indirect_standardise
from helpers.stats.trend import gap_trend, measures_by_period

__all__ = [
    "add_proportion",
    "add_rate",
    "adjusted_share",
    "assign_significance",
    "byars_interval",
    "compare_proportions",
    "cross_table",
    "describe",
    "exact_poisson_interval",
    "expected_counts",
    "funnel_limits",
    "funnel_outliers",
    "gap_trend",
    "indirect_standardise",
    "maihda",
    "measures_by_period",
    "meta_regression",
    "national_scale_ranks",
    "overdispersed_limits",
    "overdispersion",
    "poisson_count_interval",
    "summary_measures",
    "wilson_interval",
    "z_value",
]
