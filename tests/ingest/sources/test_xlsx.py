"""helpers.ingest.sources._xlsx: the fast worksheet reader behind the workbook readers."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import real

from helpers.errors import InputDataError
from helpers.ingest.sources._xlsx import Workbook, _fast_grid, excel_date

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"/>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><{p}workbook xmlns{c}="http://schemas.openxmlformats'
    '.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships"><{p}sheets><{p}sheet name="Data" sheetId="1" r:id="rId1"/></{p}sheets>'
    "</{p}workbook>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="worksheet" '
    'Target="{target}"/></Relationships>'
)


def write_raw(path: Path, sheet_xml: str, prefix: str = "", target: str = "worksheets/s.xml"):
    """A minimal hand-written workbook (the layouts writers other than Excel produce)."""
    colon = f":{prefix}" if prefix else ""
    p = f"{prefix}:" if prefix else ""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("xl/workbook.xml", WORKBOOK.format(p=p, c=colon))
        z.writestr("xl/_rels/workbook.xml.rels", RELS.format(target=target))
        z.writestr("xl/" + target.lstrip("/").removeprefix("xl/"), sheet_xml)
    return path


def sheet(rows: str, prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    colon = f":{prefix}" if prefix else ""
    return (f'<?xml version="1.0"?><{p}worksheet xmlns{colon}="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><{p}dimension ref="A1"/><{p}sheetData>{rows}'
            f"</{p}sheetData></{p}worksheet>")


def both_ways(path: Path) -> tuple[pd.DataFrame, list]:
    with Workbook(path) as wb:
        return wb.grid(0), list(wb.rows(0))


def test_openpyxl_written_workbook(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["a", "b & c", None, 1.5])
    ws.append([None, None, None, None])
    ws.append([3, True, "x<y", pd.Timestamp("2024-07-01").to_pydatetime()])
    wb.save(tmp_path / "w.xlsx")
    grid, rows = both_ways(tmp_path / "w.xlsx")
    assert grid.index.tolist() == [1, 3]  # the empty row is left out
    assert grid.loc[1].tolist() == ["a", "b & c", None, 1.5]
    assert grid.loc[3].tolist()[:3] == [3, True, "x<y"]
    assert excel_date(pd.Series([grid.loc[3, 3]]))[0] == pd.Timestamp("2024-07-01")
    assert [n for n, _ in rows] == [1, 3]


def test_inline_strings_fall_back_to_the_streaming_parser(tmp_path):
    xml = sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c>'
                '<c r="C1" t="inlineStr"><is><t>n &amp; m</t></is></c></row>'
                '<row r="2"><c r="A2" t="str"><v>E01</v></c><c r="C2"><v>7</v></c></row>')
    path = write_raw(tmp_path / "inline.xlsx", xml)
    assert _fast_grid(xml.encode(), []) is None
    grid, rows = both_ways(path)
    assert grid.values.tolist() == [["code", None, "n & m"], ["E01", None, 7]]
    assert rows == [(1, ["code", None, "n & m"]), (2, ["E01", None, 7])]


def test_prefixed_namespace_and_absolute_target(tmp_path):
    xml = sheet('<x:row r="1"><x:c r="A1" t="str"><x:v>LSOA11CD</x:v></x:c></x:row>'
                '<x:row r="2"><x:c r="A2" t="str"><x:v>E01000001</x:v></x:c>'
                '<x:c r="AB2"><x:v>2.5</x:v></x:c></x:row>', prefix="x")
    path = write_raw(tmp_path / "ons.xlsx", xml, prefix="x", target="/xl/worksheets/sheet.xml")
    grid, rows = both_ways(path)
    assert grid.shape == (2, 28)
    assert grid.loc[2, 27] == 2.5
    assert rows[1][1][27] == 2.5


def test_missing_sheet_and_broken_xml(tmp_path):
    path = write_raw(tmp_path / "broken.xlsx", "<worksheet><sheetData><row>")
    with Workbook(path) as wb, pytest.raises(InputDataError, match="broken.xlsx"):
        wb.grid(0)
    with Workbook(path) as wb, pytest.raises(InputDataError, match="no sheet 'Nope'"):
        wb.grid("Nope")
    (tmp_path / "zip.xlsx").write_bytes(b"not a zip")
    with pytest.raises(InputDataError, match="zip.xlsx"):
        Workbook(tmp_path / "zip.xlsx")


def test_fast_and_streaming_paths_agree_on_a_real_workbook():
    path = real("nhse_cwt/crs_extracts/CWT-CRS-Apr-2025-to-Jul-2025-Data-Extract-Provider.xlsx")
    grid, rows = both_ways(path)
    assert grid.index.tolist() == [n for n, _ in rows]
    width = grid.shape[1]
    assert grid.values.tolist() == [r + [None] * (width - len(r)) for _, r in rows]
    assert len(grid) == 41_014  # the workbook declares its dimension as just "A1"
