"""What every report section shares: the context (place, cube, data) and the section shape.

:func:`load` reads the processed tables once per report into a :class:`Context`;
each section function takes it and returns a :class:`Section` (sentences, a chart
and a table), or :func:`unavailable`'s plain notice when the data do not hold
the breakdown it needs.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

from helpers.config import Paths, check_settings, paths
from helpers.cube import ENGLAND_CODE, read_cube, select
from helpers.ingest.clean import read_status
from helpers.registry import alliances, indicators
from helpers.report import tables


@dataclass
class Context:
    """What every section needs: the place, the cube and the data status."""

    cube: pd.DataFrame
    status: dict
    alliance: alliances.Alliance | None = None
    areas: pd.DataFrame | None = None
    activity: pd.DataFrame | None = None
    survival: pd.DataFrame | None = None
    notices: set = field(default_factory=set)

    @property
    def place(self) -> str:
        return self.alliance.name if self.alliance else "England"

    @property
    def code(self) -> str:
        return self.alliance.code if self.alliance else ENGLAND_CODE

    def periods(self, key: str | None = None) -> list[str]:
        """The periods with data, for one indicator or all."""
        cube = self.cube if key is None else select(self.cube, indicator=key, dimension=None)
        return sorted(cube["period"].unique())

    def latest(self, key: str) -> str:
        return self.periods(key)[-1]

    def pooled_label(self, key: str) -> str:
        p = self.periods(key)
        return p[0] if len(p) == 1 else f"{p[0]} to {p[-1]}"

    def pooled_groups(self, key: str, dimension: str) -> pd.DataFrame:
        """The place's and England's groups of one breakdown, pooled over all periods."""
        return tables.pooled(tables.place_and_england(self.cube, self.code, key, dimension))

    def has(self, key: str, dimension: str = "all") -> bool:
        """Whether the data hold this indicator broken down by this dimension."""
        return not select(self.cube, indicator=key, dimension=dimension).empty

    @property
    def source_line(self) -> str:
        if self.status.get("synthetic"):
            return "Source: SYNTHETIC demonstration data (helpers.synthetic), not real patients."
        status = self.status
        what = status.get("description", f"{status.get('source', 'unknown')} data")
        return f"Source: {what}; built {status.get('built_at', '')[:10]}."


def load(alliance: alliances.Alliance | None = None, project: Paths | None = None) -> Context:
    """Read the cube, data status, areas, activity and survival cohort (``None``: England).

    The ``alliance`` notebook parameter is validated before it gets here
    (:func:`helpers.run.params.alliance`).
    """
    check_settings()
    project = project or paths()
    chosen = alliance

    def optional(name: str) -> pd.DataFrame | None:
        path = project.processed / name
        return pd.read_parquet(path) if path.exists() else None

    return Context(
        cube=read_cube(project.processed / "cube.parquet"),
        status=read_status(project),
        alliance=chosen,
        areas=optional("areas.parquet"),
        activity=optional("activity.parquet"),
        survival=optional("survival.parquet"),
    )


@dataclass
class Section:
    """Sentences, a chart and a table, shown together in a notebook or report."""

    findings: list[str] = field(default_factory=list)
    chart: object | None = None
    table: object | None = None
    intro: str = ""

    def _repr_html_(self) -> str:
        parts = [self.intro] if self.intro else []
        parts += [f'<p class="cai-finding">{html.escape(tables.no_negative_zero(s))}</p>'
                  for s in self.findings if s]
        for item in (self.chart, self.table):
            if item is not None:
                parts.append(item.data if hasattr(item, "data") else str(item))
        return "\n".join(parts)




DIMENSION_WORDS = {
    "all": "",
    "imd_quintile": "by deprivation",
    "ethnicity": "by ethnic group",
    "lad": "by local authority",
    "imd_quintile x ethnicity": "by deprivation and ethnic group together",
}


def unavailable(ctx: Context, key: str, dimension: str = "all") -> Section | None:
    """A plain statement when the data do not hold this breakdown, else None."""
    if dimension == "lad":
        present = not select(ctx.cube, indicator=key, dimension=None,
                             geography_type="lad").empty
    else:
        present = ctx.has(key, dimension)
    if present:
        return None
    if (key, dimension) in ctx.notices:  # said once already in this report
        return Section()
    ctx.notices.add((key, dimension))
    ind = indicators.get(key)
    source = ctx.status.get("source", "these")
    title = ind.title[0].lower() + ind.title[1:] if ind.title[1:2].islower() else ind.title
    words = DIMENSION_WORDS.get(dimension, "by " + dimension)
    text = (
        f"Not shown: the {source} data do not include {title}{' ' + words if words else ''}; "
        "nothing is estimated in its place. An analyst with record-level access can add it: "
        "put a registry extract in data/raw/local/ (columns listed in README.md) and run "
        "`alliances run --source local`."
    )
    return Section(findings=[text])
