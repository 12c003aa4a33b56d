"""Project configuration in one place: paths, kernel, disclosure threshold.

Paths never come from the working directory. The data and report folders
derive from one root: ``CAI_HOME`` when set (the tests and the runner use it
to point a whole run at another folder), else the source tree. The notebooks
are code, like the package, and always come from the source tree
(:data:`SOURCE_ROOT`), whatever ``CAI_HOME`` says.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

KERNEL_NAME = "cancer-alliance-insights"
"""Jupyter kernel registered by ``make reports`` for the project's venv."""

MINIMUM_THRESHOLD = 7
"""NHS England and NDRS suppress counts from 1 to 7; the threshold may be raised, never lowered."""


def read_threshold(environ=os.environ) -> tuple[int, str]:
    """The suppression threshold from the environment, and what is wrong with the setting.

    ``CAI_SUPPRESSION_THRESHOLD`` (default 7) may raise the threshold. A value that
    is not a whole number, or is below :data:`MINIMUM_THRESHOLD`, is refused: the
    threshold stays 7 and the problem is returned, for :func:`check_settings` to
    report in one line. Only an explicit ``CAI_NO_SUPPRESSION=1``, meant for secure
    environments, turns suppression off (threshold 0); the run then says so.
    """
    if environ.get("CAI_NO_SUPPRESSION") == "1":
        return 0, ""
    text = environ.get("CAI_SUPPRESSION_THRESHOLD", str(MINIMUM_THRESHOLD)).strip()
    try:
        value = int(text)
    except ValueError:
        return MINIMUM_THRESHOLD, (f"CAI_SUPPRESSION_THRESHOLD must be a whole number of at least "
                                   f"{MINIMUM_THRESHOLD}, got {text[:20]!r}")
    if value < MINIMUM_THRESHOLD:
        return MINIMUM_THRESHOLD, (
            f"CAI_SUPPRESSION_THRESHOLD={value} is below {MINIMUM_THRESHOLD}, the NHS minimum; "
            "it can only be raised (to publish without suppression in a secure environment, "
            "set CAI_NO_SUPPRESSION=1)")
    return value, ""


SUPPRESSION_THRESHOLD, SETTINGS_PROBLEM = read_threshold()
"""Published counts from 1 to this value are suppressed (NHS convention: 1-7; 0 = off)."""

DISCLOSURE_METHOD = os.environ.get("CAI_DISCLOSURE_METHOD", "complementary")
"""Disclosure control: "complementary" (secondary suppression, checked by linear programming
that no hidden count can be worked out from the totals shown), "hes_rounding" (NHS Digital's HES
rule: 1-7 suppressed, other counts rounded to 5, rates from the rounded counts) or "primary"
(small counts only, no protection against subtraction)."""

SYNTHETIC_LABEL = "SYNTHETIC"

SOURCE_ROOT = Path(__file__).resolve().parents[2]
"""The source tree: the folder holding ``pyproject.toml``, ``notebooks/`` and ``src/``."""

METHODS_FILE = SOURCE_ROOT / "docs" / "methods.md"
"""How every figure is computed; published beside the reports as ``methods.html``."""


def project_root() -> Path:
    """Return the project root: ``$CAI_HOME`` or the folder holding ``pyproject.toml``."""
    env = os.environ.get("CAI_HOME")
    if env:
        return Path(env).resolve()
    return SOURCE_ROOT


@dataclass(frozen=True)
class Paths:
    """Every folder the pipeline reads or writes: data and reports under ``root``.

    ``notebooks`` is the exception: the notebooks are code and come from
    :data:`SOURCE_ROOT`.
    """

    root: Path

    @property
    def notebooks(self) -> Path:
        return SOURCE_ROOT / "notebooks"

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def raw_synthetic(self) -> Path:
        return self.raw / "synthetic"

    @property
    def raw_public(self) -> Path:
        return self.raw / "public"

    @property
    def raw_local(self) -> Path:
        return self.raw / "local"

    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def quarantine(self) -> Path:
        return self.processed / "quarantine"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def executed(self) -> Path:
        """Executed notebooks (kept for debugging; not published)."""
        return self.root / "reports" / "_executed"


def check_settings() -> None:
    """Raise :class:`helpers.errors.ParameterError` when a setting was refused."""
    if SETTINGS_PROBLEM:
        from helpers.errors import ParameterError

        raise ParameterError(SETTINGS_PROBLEM)


def paths() -> Paths:
    """Return the :class:`Paths` of the current project root."""
    return Paths(project_root())
