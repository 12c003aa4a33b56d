"""Statistical measures on the count cube, each with its confidence interval."""

from .proportions import add_proportion, compare_proportions, wilson_interval

__all__ = ["add_proportion", "compare_proportions", "wilson_interval"]
