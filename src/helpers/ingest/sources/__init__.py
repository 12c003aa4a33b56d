"""Readers of the official public files, one module per format.

Each module has ``read(path)`` (choosing its reader from the file's content) and named
readers returning canonical, snake_case DataFrames; malformed files raise
:class:`helpers.errors.InputDataError` naming the file (and column / rows where it can).
Alliance names and codes in any spelling resolve through :mod:`helpers.registry.alliances` to
April 2024 (CAL24) codes; anything that does not resolve is kept (``<NA>``) and recorded
in a :class:`Quarantine` (``source_file, source_row, column, value, reason``) when one is
passed, else reported with a :class:`SourceWarning`.

============  ===========================================================================
module        files
============  ===========================================================================
``ons``       LSOA11->CCG21->STP21->CAL21->LAD21 lookup, CCG21->CAL21, CAL24 and ICB23 code
              lists, LSOA21->SICBL24->ICB24, LSOA11<->LSOA21 crosswalk (+ apportioning)
``imd``       IoD File 1 (IMD rank/decile), File 6 populations, score/decile CSV
``census``    Census 2021 TS021 ethnic group by LSOA21
``ndrs``      NDRS stage at diagnosis (+ ``to_cube``), prevalence/population by alliance
``cwt``       monthly 28-day FDS provider CSVs, CWT-CRS provider extract workbooks
``providers`` trust -> ICB attribution, trust catchment shares, Sub-ICB -> alliance 2022,
              hand-mapped providers, NHS-Galleri files; ``attribute_providers``
============  ===========================================================================

``fetch`` (downloading these files) is a separate module, imported on its own.
"""

from __future__ import annotations

from helpers.ingest.sources import census, cwt, imd, ndrs, ons, providers
from helpers.ingest.sources._common import QUARANTINE_COLUMNS, Quarantine, SourceWarning
from helpers.ingest.sources.census import broad_shares
from helpers.ingest.sources.census import read as read_census
from helpers.ingest.sources.cwt import read_crs, read_crs_dir, read_fds, read_fds_dir
from helpers.ingest.sources.imd import combine as read_imd
from helpers.ingest.sources.imd import read_file1 as read_imd_file1
from helpers.ingest.sources.imd import read_population as read_imd_population
from helpers.ingest.sources.imd import read_scores as read_imd_scores
from helpers.ingest.sources.ndrs import read_prevalence as read_ndrs_prevalence
from helpers.ingest.sources.ndrs import read_stage as read_ndrs_stage
from helpers.ingest.sources.ons import (
    lsoa11_to_lsoa21,
    lsoa21_to_lsoa11,
    read_cal24,
    read_ccg_lookup,
    read_crosswalk,
    read_icb23,
    read_lsoa11_lookup,
    read_lsoa21_lookup,
)
from helpers.ingest.sources.providers import (
    AttributionLookups,
    attribute_providers,
    read_catchment,
    read_galleri_alliances,
    read_galleri_providers,
    read_hand_mapping,
    read_subicb_alliance,
    read_trust_icb,
    unmapped_providers,
)

LAYOUT: dict[str, str] = {
    "lsoa11_lookup": "ons/LSOA11_CCG21_STP21_CAL21_LAD21_EN_LU.xlsx",
    "ccg_lookup": "ons/CCG21_STP21_CAL21_EN_LU.csv",
    "cal24": "ons/CAL24_names_codes.json",
    "icb23": "ons/ICB23_names_codes.json",
    "crosswalk": "ons/LSOA11_LSOA21_LAD22_EW_LU.csv",
    "lsoa21_lookup": "ons/LSOA21_SICBL24_ICB24_EN_LU.csv",
    "imd_file1": "imd2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx",
    "imd_population": "imd2019/File_6_-_IoD2019_Population_Denominators.csv.gz",
    "imd_scores": "imd2019/IMD2019_score_decile_LSOA11.csv",
    "census_ts021": "census2021/census2021-ts021-lsoa.csv",
    "ndrs_stage": "ndrs/NDRS_stage_at_diagnosis_by_site_2013-2022.csv",
    "ndrs_prevalence": "ndrs/cancer_prevalence_2020_population_by_alliance.csv",
    "fds_monthly": "nhse_cwt/fds_monthly",
    "crs_extracts": "nhse_cwt/crs_extracts",
    "subicb_alliance": "lookups/Sub-ICB-to-Alliance-mapping-2022_v1.4.csv",
    "trust_icb": "lookups/Trust-ICB-Attribution-File.csv",
    "hand_mapping": "lookups/provider_to_alliance.csv",
    "catchment": "lookups/trust_catchment_to_ICB22.csv",
    "galleri_alliances": "nhs_galleri/galleri_trial_alliances.csv",
    "galleri_providers": "nhs_galleri/providers_alliance_trial_flag.csv",
}
"""Where each file sits under a data root laid out like ``../shared/data/real``
(and ``data/raw/public`` after ``alliances fetch``)."""

__all__ = [
    "LAYOUT", "QUARANTINE_COLUMNS", "AttributionLookups", "Quarantine", "SourceWarning",
    "attribute_providers", "broad_shares", "census", "cwt", "imd", "lsoa11_to_lsoa21",
    "lsoa21_to_lsoa11", "ndrs", "ons", "providers", "read_cal24", "read_catchment",
    "read_ccg_lookup", "read_census", "read_crosswalk", "read_crs", "read_crs_dir",
    "read_fds", "read_fds_dir", "read_galleri_alliances", "read_galleri_providers",
    "read_hand_mapping", "read_icb23", "read_imd", "read_imd_file1", "read_imd_population",
    "read_imd_scores", "read_lsoa11_lookup", "read_lsoa21_lookup", "read_ndrs_prevalence",
    "read_ndrs_stage", "read_subicb_alliance", "read_trust_icb", "unmapped_providers",
]
