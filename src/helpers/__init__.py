"""Cancer Alliance Insights: inequalities and innovation adoption per English Cancer Alliance.

Layers, each importing only those below it: ``config``/``errors`` -> ``registry``
-> ``cube`` -> ``stats`` -> ``ingest`` -> ``synthetic`` -> ``analysis`` -> ``report``
-> ``run`` (see ARCHITECTURE.md).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cancer-alliance-insights")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"
