"""Intervals written out by hand from their published formulas, for tests to compare against.

Kept apart from ``helpers.stats`` on purpose: these share no code with it.
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054
"""The 97.5th percentile of the standard normal distribution."""


def wilson(x: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson (1927) score interval of x / n, as proportions."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def newcombe(x1: float, n1: float, x2: float, n2: float) -> tuple[float, float, float]:
    """p1 - p2 and Newcombe's (1998, Stat Med 17:873-890) method 10 interval, in points."""
    p1, p2 = x1 / n1, x2 / n2
    (l1, u1), (l2, u2) = wilson(x1, n1), wilson(x2, n2)
    d = p1 - p2
    return (100 * d, 100 * (d - math.hypot(p1 - l1, u2 - p2)),
            100 * (d + math.hypot(u1 - p1, p2 - l2)))
