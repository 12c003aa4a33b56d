"""Embedded default data: synthetic, seeded record-level tumours for England's Cancer Alliances.

>>> from helpers.synthetic import generate, write
>>> data = generate(scale=0.05)          # doctest: +SKIP
>>> write(data, paths().raw_synthetic)   # doctest: +SKIP

Every row is invented (see :mod:`helpers.synthetic.generator`); only the
aggregate shape is calibrated on public NDRS, ONS and MHCLG tables.
``data.activity`` holds the monthly activity of three innovation programmes
(:mod:`helpers.synthetic.innovation`); ``generate(plant_effects=False)`` runs
them without any effect on the tumours' stages (a placebo).
"""

from __future__ import annotations

from helpers.synthetic.generator import SyntheticData, generate
from helpers.synthetic.output import write

__all__ = ["SyntheticData", "generate", "write"]
