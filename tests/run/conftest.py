"""A tiny SYNTHETIC project (two alliances, one year) for runs that execute notebooks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import synthetic
from helpers.config import Paths

TINY = ("West London", "Peninsula")


@pytest.fixture(scope="session")
def tiny_raw(tmp_path_factory) -> Path:
    """Raw SYNTHETIC files for :data:`TINY`, generated once per session."""
    folder = tmp_path_factory.mktemp("tiny-raw")
    synthetic.write(synthetic.generate(alliances=list(TINY), years=[2022], scale=0.05, seed=11),
                    folder)
    return folder


@pytest.fixture
def tiny(tiny_raw, tmp_path, monkeypatch) -> Paths:
    """A project root holding the tiny raw data (``CAI_HOME`` points at it)."""
    paths = Paths(tmp_path / "home")
    shutil.copytree(tiny_raw, paths.raw_synthetic)
    monkeypatch.setenv("CAI_HOME", str(paths.root))
    return paths
