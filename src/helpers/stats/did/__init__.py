"""Difference-in-differences: two-way fixed-effects event studies and the wild cluster bootstrap."""

from helpers.stats.did.bootstrap import wild_cluster_bootstrap
from helpers.stats.did.event_study import average_effect, did_event_study, pretrend_test

__all__ = ["average_effect", "did_event_study", "pretrend_test", "wild_cluster_bootstrap"]
