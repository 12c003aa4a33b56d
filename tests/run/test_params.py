"""Parameters are validated before papermill injects them as code."""

from __future__ import annotations

import pytest
from conftest import ROOT

from helpers.errors import ParameterError
from helpers.run import params

NOTEBOOK = ROOT / "notebooks" / "02_alliance.ipynb"


def test_alliance_parameter_resolves_to_canonical_name():
    assert params.validate(NOTEBOOK, {"alliance": "RM Partners"}) == {"alliance": "West London"}


def test_unknown_parameter_name_fails():
    with pytest.raises(ParameterError, match="unknown parameter"):
        params.validate(NOTEBOOK, {"alliance": "Peninsula", "region": "x"})


@pytest.mark.parametrize("value", ['West London"; import os; os.system("x")  #', "", 3, None])
def test_injection_and_bad_values_fail(value):
    with pytest.raises(ParameterError):
        params.validate(NOTEBOOK, {"alliance": value})


def test_unknown_alliance_suggests_close_names():
    with pytest.raises(ParameterError, match="West London"):
        params.alliance("West Londn")


def test_source_parameter():
    assert params.source("local") == "local"
    with pytest.raises(ParameterError):
        params.source("s3://bucket")
