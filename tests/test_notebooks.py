"""Notebooks are stored diff-friendly: no outputs, the project kernel, typed parameters."""

from __future__ import annotations

import nbformat
import papermill as pm
import pytest
from conftest import ROOT

from helpers.config import KERNEL_NAME

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs_with_project_kernel(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == KERNEL_NAME
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


def test_parameters_are_declared_in_papermill_typed_form():
    declared = pm.inspect_notebook(str(ROOT / "notebooks" / "02_alliance.ipynb"))
    assert declared["alliance"]["inferred_type_name"] == "str"
    assert declared["alliance"]["default"] == '"West London"'
    assert "alias" in declared["alliance"]["help"]
    assert set(pm.inspect_notebook(str(ROOT / "notebooks" / "01_clean.ipynb"))) == {"source"}
    assert pm.inspect_notebook(str(ROOT / "notebooks" / "03_england.ipynb")) == {}


def test_notebook_cells_stay_thin():
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                assert len(cell.source.splitlines()) <= 15, (path.name, cell.source[:60])
                assert "def " not in cell.source and "class " not in cell.source
