"""A small, fast reader for the cell values of one .xlsx worksheet (stdlib only).

The official workbooks here are plain tables (one header, tens of thousands of
rows). openpyxl, even in read-only mode, spends most of its time building cell
objects and styles; parsing the sheet XML directly with expat callbacks is
about 3x faster and needs nothing beyond the standard library. Only values are
read: numbers (int where whole), shared and inline strings, booleans, and the
cached results of formulas. Dates stay Excel serial numbers; convert them with
:func:`excel_date`. Several NHS England workbooks declare a wrong sheet
dimension (``A1``), which misleads openpyxl's read-only mode; this reader
ignores the declared dimension.
"""

from __future__ import annotations

import functools
import posixpath
import re
import xml.parsers.expat as expat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import ParseError, iterparse

import numpy as np
import pandas as pd

from helpers.errors import InputDataError

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

Row = list[object]


class Workbook:
    """An open .xlsx file: its sheet names and a way to stream one sheet's rows."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self._zip = zipfile.ZipFile(self.path)
            self._sheets = self._sheet_targets()
        except (zipfile.BadZipFile, KeyError, ParseError) as err:
            raise InputDataError(self.path, f"not a readable .xlsx workbook ({err})") from None
        self._shared: list[str] | None = None

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    @property
    def sheet_names(self) -> list[str]:
        """Sheet names in workbook order."""
        return list(self._sheets)

    def _sheet_targets(self) -> dict[str, str]:
        rels: dict[str, str] = {}
        with self._zip.open("xl/_rels/workbook.xml.rels") as f:
            for _, el in iterparse(f):
                if el.tag == _PKG_REL + "Relationship":
                    target = el.get("Target", "")
                    target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                        posixpath.join("xl", target)
                    )
                    rels[el.get("Id", "")] = target
        self.date1904 = False
        sheets: dict[str, str] = {}
        with self._zip.open("xl/workbook.xml") as f:
            for _, el in iterparse(f):
                if el.tag == _MAIN + "workbookPr":
                    self.date1904 = el.get("date1904", "false").lower() in ("1", "true")
                elif el.tag == _MAIN + "sheet":
                    sheets[el.get("name", "")] = rels[el.get(_REL + "id", "")]
        self._shared_target = next(
            (t for t in rels.values() if t.endswith("sharedStrings.xml")), "xl/sharedStrings.xml"
        )
        return sheets

    def _shared_strings(self) -> list[str]:
        if self._shared is None:
            self._shared = []
            if self._shared_target in self._zip.namelist():
                with self._zip.open(self._shared_target) as f:
                    for _, el in iterparse(f):
                        if el.tag == _MAIN + "si":
                            # rich text: concatenate the runs' <t>, skip phonetic <rPh>
                            parts = [t.text or "" for r in el for t in r.iter(_MAIN + "t")
                                     if r.tag != _MAIN + "rPh"]
                            self._shared.append("".join(parts))
                            el.clear()
        return self._shared

    def rows(
        self, sheet: str | int = 0, *, max_rows: int | None = None
    ) -> Iterator[tuple[int, Row]]:
        """Yield ``(row_number, values)`` for each non-empty row of ``sheet``.

        ``row_number`` is the spreadsheet row (1-based); ``values`` is a list
        indexed by column (A = 0), ``None`` where a cell is empty.
        """
        name = self.sheet_names[sheet] if isinstance(sheet, int) else sheet
        if name not in self._sheets:
            raise InputDataError(self.path, f"has no sheet {name!r} (sheets: {self.sheet_names})")
        parser = _SheetParser(self._shared_strings())
        count = 0
        try:
            with self._zip.open(self._sheets[name]) as f:
                size = 1 << 16 if max_rows is not None else 1 << 20
                while chunk := f.read(size):
                    parser.feed(chunk)
                    for item in parser.take():
                        yield item
                        count += 1
                        if max_rows is not None and count >= max_rows:
                            return
                parser.feed(b"", final=True)
                yield from parser.take()
        except (expat.ExpatError, zipfile.BadZipFile, KeyError, ValueError, IndexError) as err:
            raise InputDataError(self.path, f"sheet {name!r} cannot be read ({err})") from None


    def grid(self, sheet: str | int = 0) -> pd.DataFrame:
        """Return the whole sheet as an object DataFrame.

        Columns are 0-based column positions, the index holds spreadsheet row
        numbers, empty rows are left out, empty cells are ``None``. A vectorised
        fast path handles the plain layout every official workbook here uses
        (``<c r=..><v>..</v></c>``); anything it does not recognise (inline
        strings, rich cells) falls back to the streaming parser of :meth:`rows`.
        """
        name = self.sheet_names[sheet] if isinstance(sheet, int) else sheet
        if name not in self._sheets:
            raise InputDataError(self.path, f"has no sheet {name!r} (sheets: {self.sheet_names})")
        try:
            data = self._zip.read(self._sheets[name])
        except (zipfile.BadZipFile, KeyError) as err:
            raise InputDataError(self.path, f"sheet {name!r} cannot be read ({err})") from None
        fast = _fast_grid(data, self._shared_strings())
        if fast is not None:
            return fast
        rows = list(self.rows(name))
        width = max((len(r) for _, r in rows), default=0)
        return pd.DataFrame(
            [r + [None] * (width - len(r)) for _, r in rows],
            index=pd.Index([n for n, _ in rows], name="row"), columns=range(width), dtype=object,
        )


class _SheetParser:
    """expat handlers turning <row>/<c>/<v> events into lists of cell values.

    expat with plain callbacks is about three times faster than ``iterparse``,
    which builds an element tree for every cell.
    """

    def __init__(self, shared: list[str]) -> None:
        self.shared = shared
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.chars
        self.prefix = ""
        self.done: list[tuple[int, Row]] = []
        self.row: Row = []
        self.row_number = 0
        self.kind: str | None = None
        self.ref: str | None = None
        self.text: list[str] = []
        self.collect = False
        self.columns: dict[str, int] = {}

    def feed(self, data: bytes, final: bool = False) -> None:
        self.parser.Parse(data, final)

    def take(self) -> list[tuple[int, Row]]:
        done, self.done = self.done, []
        return done

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.prefix:
            if not tag.startswith(self.prefix):
                return
            tag = tag[len(self.prefix):]
        if tag == "c":
            self.kind = attrs.get("t")
            self.ref = attrs.get("r")
            self.text = []
        elif tag == "v" or tag == "t":
            self.collect = True
        elif tag == "row":
            r = attrs.get("r")
            self.row_number = int(r) if r is not None else self.row_number + 1
            self.row = []
        elif tag == "worksheet" or tag.endswith(":worksheet"):
            self.prefix = tag[: -len("worksheet")]

    def chars(self, data: str) -> None:
        if self.collect:
            self.text.append(data)

    def end(self, tag: str) -> None:
        if self.prefix:
            if not tag.startswith(self.prefix):
                return
            tag = tag[len(self.prefix):]
        if tag == "v" or tag == "t":
            self.collect = False
        elif tag == "c":
            self.cell()
        elif tag == "row":
            if self.row:
                self.done.append((self.row_number, self.row))
            self.row = []

    def cell(self) -> None:
        if not self.text:
            return
        text = "".join(self.text)
        kind = self.kind
        value: object
        if kind is None or kind == "n":
            try:
                value = int(text)
            except ValueError:
                number = float(text)
                value = int(number) if number.is_integer() else number
        elif kind == "s":
            value = self.shared[int(text)]
        elif kind == "b":
            value = text == "1"
        else:  # inlineStr, "str" (formula result), "e" (error), "d" (ISO date)
            value = text
        if value == "":
            return
        row = self.row
        ref = self.ref
        if ref is None:
            index = len(row)
        else:
            letters = ref.rstrip("0123456789")
            index = self.columns.get(letters, -1)
            if index < 0:
                index = 0
                for ch in letters:
                    index = index * 26 + ord(ch) - 64
                index -= 1
                self.columns[letters] = index
        if index >= len(row):
            row.extend([None] * (index + 1 - len(row)))
        row[index] = value


_ROOT = re.compile(rb"<([A-Za-z0-9_]+:)?worksheet[\s>]")


@functools.cache
def _cell_pattern(prefix: bytes) -> re.Pattern[bytes]:
    """Regex of a plain cell ``<c r=.. ..><v>..</v></c>`` for a namespace prefix like b"x:"."""
    p = re.escape(prefix)
    return re.compile(
        rb'<' + p + rb'c r="([A-Z]{1,3})([0-9]+)"([^>]*?)>(?:<' + p + rb'f>[^<]*</' + p + rb'f>|<'
        + p + rb'f[^>]*/>)?<' + p + rb'v>([^<]*)</' + p + rb'v></' + p + rb'c>'
    )


_TYPE = re.compile(rb'\bt="([a-zA-Z]+)"')
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _unescape(text: str) -> str:
    """Undo XML escaping (the five named entities and numeric references)."""
    if "&" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return _NAMED[name]

    return _ENTITY.sub(one, text)


def _fast_grid(data: bytes, shared: list[str]) -> pd.DataFrame | None:
    """Vectorised parse of a plain sheet; ``None`` when some cell is not plain."""
    root = _ROOT.search(data[:4096])
    if root is None:
        return None
    prefix = root.group(1) or b""
    found = _cell_pattern(prefix).findall(data)
    # every cell with content closes with </c>; empty cells are <c .../>
    if len(found) != data.count(b"</" + prefix + b"c>"):
        return None
    if not found or not data.rstrip().endswith(b"</" + prefix + b"worksheet>"):
        return None  # nothing plain to read, or truncated: let the streaming parser decide
    col_raw, row_raw, attr_raw, v_raw = zip(*found, strict=True)
    col_codes, letters = pd.factorize(np.array(col_raw, dtype=object))
    col_of = np.empty(len(letters), dtype=np.int64)
    for i, raw in enumerate(letters):
        index = 0
        for ch in raw.decode():
            index = index * 26 + ord(ch) - 64
        col_of[i] = index - 1
    attr_codes, attrs = pd.factorize(np.array(attr_raw, dtype=object))
    kinds = np.array([(m.group(1).decode() if (m := _TYPE.search(a)) else "n") for a in attrs],
                     dtype=object)
    if not set(kinds) <= {"n", "s", "b", "str", "e", "d"}:
        return None
    kind = kinds[attr_codes] if len(kinds) else np.array([], dtype=object)
    raw_v = np.array(v_raw, dtype=object)
    values = np.empty(len(found), dtype=object)
    is_s = kind == "s"
    if is_s.any():
        index = np.array(raw_v[is_s].tolist(), dtype="S").astype(np.int64)
        values[is_s] = np.asarray(shared, dtype=object)[index]
    is_n = kind == "n"
    if is_n.any():
        numbers = np.array(raw_v[is_n].tolist(), dtype="S").astype(np.float64)
        whole = np.mod(numbers, 1) == 0
        as_obj = numbers.astype(object)
        as_obj[whole] = numbers[whole].astype(np.int64).astype(object)
        values[is_n] = as_obj
    is_b = kind == "b"
    values[is_b] = [x == b"1" for x in raw_v[is_b]]
    other = ~(is_s | is_n | is_b)
    values[other] = [_unescape(x.decode()) for x in raw_v[other]]
    rows = np.array(row_raw, dtype="S").astype(np.int64)
    cols = col_of[col_codes]
    keep = ~(pd.isna(values) | (values == ""))
    rows, cols, values = rows[keep], cols[keep], values[keep]
    row_numbers, position = np.unique(rows, return_inverse=True)
    out = np.full((len(row_numbers), int(cols.max()) + 1 if len(cols) else 0), None, dtype=object)
    out[position, cols] = values
    return pd.DataFrame(out, index=pd.Index(row_numbers, name="row"), dtype=object)


def excel_date(values: pd.Series, *, date1904: bool = False) -> pd.Series:
    """Convert Excel serial day numbers (or ISO text / datetimes) to ``datetime64``."""
    numeric = pd.to_numeric(values, errors="coerce")
    origin = pd.Timestamp("1904-01-01") if date1904 else pd.Timestamp("1899-12-30")
    out = origin + pd.to_timedelta(numeric, unit="D")
    text = values[numeric.isna() & values.notna()]
    if len(text):
        out[text.index] = pd.to_datetime(text.astype(str), errors="coerce")
    return out.astype("datetime64[ns]")
