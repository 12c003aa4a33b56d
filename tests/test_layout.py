"""The tree shows the design: layers only look down, no private names cross modules, no orphans.

Read with ``ast`` from the source, nothing is imported or run.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "helpers"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("config", "errors", "files"),
    ("registry",),
    ("cube",),
    ("stats",),
    ("ingest",),
    ("synthetic",),
    ("analysis",),
    ("report",),
    ("run",),
)
"""From the bottom up: a module may import its own layer and the layers below it."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    return -1  # the package itself (helpers/__init__.py)


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names imported from it, line) for every helpers import in a file."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            if base.split(".")[0] == "helpers":
                found.append((base, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names
                      if a.name.split(".")[0] == "helpers"]
    return found


def test_every_package_has_an_init():
    folders = {p.parent for p in SRC.rglob("*.py")}
    assert sorted(str(f.relative_to(SRC)) for f in folders if not (f / "__init__.py").exists()) \
        == []


def test_no_module_imports_a_higher_layer():
    upward = []
    for module, path in MODULES.items():
        for target, names, line in imports(path):
            targets = [f"{target}.{n}" if f"{target}.{n}" in MODULES else target for n in names] \
                or [target]
            for t in targets:
                if layer(t) > layer(module):
                    upward.append(f"{path.relative_to(ROOT)}:{line} imports {t}")
    assert upward == []


def test_no_private_name_crosses_modules():
    leaks = []
    for module, path in MODULES.items():
        for target, names, line in imports(path):
            leaks += [f"{path.relative_to(ROOT)}:{line} imports {target}.{n}"
                      for n in names if n.startswith("_") and target != module]
        tree = ast.parse(path.read_text())
        local_modules = {a.asname or a.name for node in ast.walk(tree)
                         if isinstance(node, ast.ImportFrom) for a in node.names
                         if f"{node.module}.{a.name}" in MODULES}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in local_modules and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                leaks.append(f"{path.relative_to(ROOT)}:{node.lineno} uses "
                             f"{node.value.id}.{node.attr}")
    assert leaks == []


def _callers_outside_tests() -> set[str]:
    """Every helpers module imported by another module, a notebook or the benchmark."""
    used: set[str] = set()
    for path in MODULES.values():
        for target, names, _ in imports(path):
            used.add(target)
            used.update(f"{target}.{n}" for n in names)
    texts = [ROOT / "benchmarks" / "bench.py", *sorted((ROOT / "notebooks").glob("*.ipynb"))]
    for path in texts:
        if path.suffix == ".ipynb":
            cells = json.loads(path.read_text())["cells"]
            source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        else:
            source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
                used.add(node.module)
                used.update(f"{node.module}.{a.name}" for a in node.names)
    return used


ENTRY_POINTS = {"helpers", "helpers.run.cli"}
"""Reached from outside Python: the package itself and the ``alliances`` command."""


def test_every_module_has_a_caller_outside_tests():
    used = _callers_outside_tests()
    orphans = [m for m in MODULES if m not in ENTRY_POINTS
               and not any(u == m or u.startswith(m + ".") for u in used)]
    assert orphans == []


@pytest.mark.parametrize("name", ["over_time", "stage_shift", "MEASURES", "DIMENSIONS"])
def test_one_name_means_one_thing(name):
    """A public name is defined in one module only."""
    defined = []
    for module, path in MODULES.items():
        for node in ast.parse(path.read_text()).body:
            targets = ([node.name] if isinstance(node, ast.FunctionDef | ast.ClassDef) else
                       [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
                       + ([node.target.id] if isinstance(node, ast.AnnAssign)
                          and isinstance(node.target, ast.Name) else []))
            if name in targets:
                defined.append(module)
    assert len(defined) <= 1, defined
