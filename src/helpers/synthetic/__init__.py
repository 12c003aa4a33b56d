"""Embedded default data: synthetic, seeded record-level tumours for England's Cancer Alliances.

>>> from helpers.synthetic import generate, write
>>> data = generate(scale=0.05)          # doctest: +SKIP
>>> write(data, paths().raw_synthetic)   # doctest: +SKIP

Every row is invented (see :mod:`helpers.synthetic.generator`); only the
aggregate shape is calibrated on public NDRS, ONS and MHCLG tables.
"""

from __future__ import annotations

from .generator import SyntheticData, generate
from .output import write

__all__ = ["SyntheticData", "generate", "write"]
