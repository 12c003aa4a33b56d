"""Validation of notebook parameters, before papermill injects them as code.

Papermill writes parameter values into a notebook as Python source, so only
values that passed these checks (and canonical names from the registry) are
ever handed to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.errors import ParameterError, UnknownAllianceError
from helpers.registry import alliances

SOURCES = ("auto", "synthetic", "local", "public")


def alliance(value: Any) -> alliances.Alliance:
    """Resolve an ``alliance`` parameter (name, code, alias or slug) to its alliance."""
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"parameter 'alliance' must be a non-empty string, got {value!r}")
    try:
        return alliances.resolve(value)
    except UnknownAllianceError as err:
        raise ParameterError(f"parameter 'alliance': {err}") from None


def source(value: Any) -> str:
    """Check a ``source`` parameter is one of :data:`SOURCES`."""
    if value not in SOURCES:
        raise ParameterError(f"parameter 'source' must be one of {SOURCES}, got {value!r}")
    return value


VALIDATORS = {"alliance": lambda v: alliance(v).name, "source": source}
"""Parameter name -> validator returning the value to inject."""


def validate(notebook: Path, parameters: dict[str, Any]) -> dict[str, Any]:
    """Check ``parameters`` against the notebook's declared ones and return safe values.

    Raises
    ------
    ParameterError
        On a parameter the notebook does not declare, or an invalid value.
    """
    import papermill as pm

    declared = pm.inspect_notebook(str(notebook))
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ParameterError(
            f"{notebook.name}: unknown parameter(s) {', '.join(unknown)}; "
            f"it declares {', '.join(declared) or 'none'}"
        )
    safe = {}
    for name, value in parameters.items():
        validator = VALIDATORS.get(name)
        if validator is None:
            raise ParameterError(f"{notebook.name}: parameter {name!r} has no validator")
        safe[name] = validator(value)
    return safe
