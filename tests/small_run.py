"""One small generated data set through the whole pipeline, for the end-to-end and browser tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import synthetic
from helpers.registry import alliances
from helpers.run import pipeline


def build(root: Path, chosen: tuple[str, ...]):
    """Generate ``chosen`` alliances (2022, a tenth of the scale) under ``root`` and run them.

    Returns
    -------
    tuple
        The project's paths, the generated data and the run's result.
    """
    from helpers.config import Paths

    paths = Paths(root)
    data = synthetic.generate(alliances=list(chosen), years=[2022], scale=0.1, seed=7)
    synthetic.write(data, paths.raw_synthetic)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CAI_HOME", str(root))
        result = pipeline.run(paths, source="auto", jobs=2, progress=False,
                              selected=[alliances.resolve(a) for a in chosen])
    return paths, data, result
