"""The bad-input corpus: hostile record-level files in data/raw/local, each with its outcome.

Every case is generated here as a small file. Its expected outcome is one of:

* ``ERROR``: ``alliances clean --source local`` prints one line naming the file (and the
  column or rows), exits 2, and no traceback appears;
* ``READ``: the file is read (whatever its encoding, delimiter or date zones) and its
  rows kept;
* ``QUARANTINE``: the row is set aside with its reason, and rows in = kept + set aside.

The cases run in process through :func:`helpers.run.cli.main` (fast); a few run the real
command in a subprocess to show the terminal output as a user sees it.
"""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from conftest import referral, tumour

from helpers.ingest.clean import clean
from helpers.run.cli import main

COLUMNS = list(tumour())


def rows(n: int = 6, **overrides_of_row_3) -> list[dict]:
    """``n`` valid tumours (ids T0..), the third one changed by ``overrides_of_row_3``."""
    out = [tumour(tumour_id=f"T{i}", imd_decile=str(i % 10 + 1)) for i in range(n)]
    out[2].update(overrides_of_row_3)
    return out


def as_csv(records: list[dict], sep: str = ",", encoding: str = "utf-8",
           line_end: str = "\n") -> bytes:
    text = pd.DataFrame(records).to_csv(index=False, sep=sep, lineterminator=line_end)
    return text.encode(encoding)


def header() -> bytes:
    return (",".join(COLUMNS) + "\n").encode()


def line(record: dict, sep: str = ",") -> str:
    return sep.join(str(v) for v in record.values())


def parquet_bytes(df: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    df.to_parquet(buffer)
    return buffer.getvalue()


def ragged(extra: bool) -> bytes:
    records = rows()
    lines = [line(r) for r in records]
    lines[3] = lines[3] + ",surplus" if extra else lines[3].rsplit(",", 2)[0]
    return header() + ("\n".join(lines) + "\n").encode()


def areas_csv(records: list[dict]) -> bytes:
    return as_csv(records)


def area(**overrides) -> dict:
    base = {k: tumour()[k] for k in ("lsoa_code", "lad_code", "lad_name", "icb_code", "icb_name",
                                      "alliance", "imd_decile")}
    return {**base, "population": "1500", **overrides}


REFERRAL = referral()


def referrals_csv(n: int = 4, **overrides_of_row_2) -> bytes:
    out = [{**REFERRAL, "referral_id": f"R{i}"} for i in range(n)]
    out[1].update(overrides_of_row_2)
    return as_csv(out)


GOOD = as_csv(rows())
HUGE = "A" * 100_001

# ---------------------------------------------------------------- one-line errors (exit 2)
# id -> (files in data/raw/local, words the one line must hold)
ERRORS: dict[str, tuple[dict[str, bytes], str]] = {
    "empty file": ({"tumours.csv": b""}, "is empty"),
    "blank lines only": ({"tumours.csv": b"\n \n\r\n"}, "is empty"),
    "header only": ({"tumours.csv": header()}, "no data rows"),
    "binary garbage": ({"tumours.csv": bytes(range(256)) * 8}, "binary"),
    "parquet named .csv": ({"tumours.csv": parquet_bytes(pd.DataFrame(rows()))},
                           "rename it to .parquet"),
    "garbage .parquet": ({"tumours.parquet": b"PAR1 not really"}, "not a readable parquet"),
    "UTF-16 without byte-order mark": ({"tumours.csv": GOOD.decode().encode("utf-16-le")},
                                       "binary"),
    "ragged row, a field too many": ({"tumours.csv": ragged(extra=True)}, "line"),
    "ragged row, fields missing": ({"tumours.csv": ragged(extra=False)}, "where the header has"),
    "ragged semicolon row": ({"tumours.csv": as_csv(rows(), sep=";").replace(
        b"T3;", b"T3;;;", 1)}, "where the header has"),
    "duplicate header names": ({"tumours.csv": GOOD.replace(b"postcode", b"age", 1)},
                               "appears twice"),
    "blank header name": ({"tumours.csv": GOOD.replace(b"postcode", b"", 1)}, "has no name"),
    "missing column": ({"tumours.csv": as_csv([{k: v for k, v in r.items() if k != "stage"}
                                               for r in rows()])}, "'stage'"),
    "no tumour file, only .txt": ({"tumours.txt": GOOD}, "no tumour files"),
    "no files at all": ({}, "no tumour files"),
    "date with slashes": ({"tumours.csv": as_csv(rows(diagnosis_date="10/03/2022"))},
                          "not dates"),
    "impossible calendar date": ({"tumours.csv": as_csv(rows(referral_date="2022-02-31"))},
                                 "not dates"),
    "date as words": ({"tumours.csv": as_csv(rows(diagnosis_date="yesterday"))}, "not dates"),
    "float in an integer column": ({"tumours.csv": as_csv(rows(age="61.5"))}, "whole numbers"),
    "words in an integer column": ({"tumours.csv": as_csv(rows(age="seventy"))},
                                   "whole numbers"),
    "infinity in an integer column": ({"tumours.csv": as_csv(rows(imd_decile="inf"))},
                                      "whole numbers"),
    "float decile": ({"tumours.csv": as_csv(rows(imd_decile="3.7"))}, "whole numbers"),
    "huge field": ({"tumours.csv": as_csv(rows(lad_name=HUGE))}, "longer than 100,000"),
    "unbalanced quote": ({"tumours.csv": header() + b'T1,"2022-03-10,Lung\n'},
                         "tumours.csv"),
    "every row set aside": ({"tumours.csv": as_csv([{**r, "alliance": "Atlantis"}
                                                    for r in rows()])}, "every one of the 6"),
    "NHS number shifted into age": ({"tumours.csv": as_csv(rows(age="999 000 0001"))},
                                    "withheld"),
    "areas file empty": ({"tumours.csv": GOOD, "areas.csv": b""}, "areas.csv: is empty"),
    "areas duplicate small area": ({"tumours.csv": GOOD, "areas.csv": areas_csv(
        [area(), area()])}, "more than once"),
    "areas unknown alliance": ({"tumours.csv": GOOD, "areas.csv": areas_csv(
        [area(alliance="Atlantis")])}, "unknown Cancer Alliance"),
    "areas decile 11": ({"tumours.csv": GOOD, "areas.csv": areas_csv([area(imd_decile="11")])},
                        "outside 1-10"),
    "areas negative population": ({"tumours.csv": GOOD, "areas.csv": areas_csv(
        [area(population="-5")])}, "negative"),
    "areas postcode as a place name": ({"tumours.csv": GOOD, "areas.csv": areas_csv(
        [area(lad_name="SW1A 1AA")])}, "looks like an identifier"),
    "areas missing column": ({"tumours.csv": GOOD, "areas.csv": as_csv(
        [{k: v for k, v in area().items() if k != "population"}])}, "'population'"),
    "referrals empty": ({"tumours.csv": GOOD, "referrals.csv": b""}, "referrals.csv: is empty"),
    "referrals missing column": ({"tumours.csv": GOOD, "referrals.csv": as_csv(
        [{k: v for k, v in REFERRAL.items() if k != "route"}])}, "'route'"),
    "referrals bad date": ({"tumours.csv": GOOD, "referrals.csv": referrals_csv(
        referral_date="01/02/2022")}, "not dates"),
}


def write_files(project, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        (project.raw_local / name).write_bytes(content)


@pytest.mark.parametrize("case", list(ERRORS))
def test_bad_file_is_one_line_and_exit_2(project, capsys, case):
    files, words = ERRORS[case]
    write_files(project, files)
    assert main(["clean", "--source", "local"]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ") and words in err, err
    assert "999 000 0001" not in err and "9990000001" not in err


# ---------------------------------------------------------------- read as they are
def _tz_parquet() -> bytes:
    df = pd.DataFrame(rows())
    for col in ("diagnosis_date", "referral_date", "told_outcome_date", "decision_to_treat_date",
                "first_treatment_date"):
        df[col] = pd.to_datetime(df[col]).dt.tz_localize("Europe/London")
    df["age"] = df["age"].astype(float)
    return parquet_bytes(df)


def _zoned(records: list[dict], zones: list[str]) -> list[dict]:
    for record, zone in zip(records, zones * len(records), strict=False):
        record["diagnosis_date"] = f"{record['diagnosis_date']}T23:30:00{zone}"
    return records


READS: dict[str, tuple[bytes, str, dict]] = {
    # id -> (content, file name, {column: value expected in the kept rows})
    "latin-1": (as_csv(rows(lad_name="Hammersmith and Fülham") * 1, encoding="latin-1"),
                "tumours.csv", {"lad_name": "Hammersmith and Fülham"}),
    "Windows-1252 quote": (as_csv(rows(lad_name="King’s Lynn"), encoding="cp1252"),
                           "tumours.csv", {"lad_name": "King’s Lynn"}),
    "UTF-8 with BOM": (b"\xef\xbb\xbf" + GOOD, "tumours.csv", {"site": "Lung"}),
    "UTF-16 with BOM": (GOOD.decode().encode("utf-16"), "tumours.csv", {"site": "Lung"}),
    "semicolon-delimited": (as_csv(rows(), sep=";"), "tumours.csv", {"site": "Lung"}),
    "tab-delimited": (as_csv(rows(), sep="\t"), "tumours.tsv.csv", {"site": "Lung"}),
    "pipe-delimited": (as_csv(rows(), sep="|"), "tumours.csv", {"site": "Lung"}),
    "CRLF line endings": (as_csv(rows(), line_end="\r\n"), "tumours.csv", {"site": "Lung"}),
    "quoted delimiter in a value": (as_csv(rows(lad_name="Bath, and North East Somerset")),
                                    "tumours.csv", {"lad_name": "Bath, and North East Somerset"}),
    "date with a time zone": (as_csv(_zoned(rows(), ["+01:00"])), "tumours.csv",
                              {"diagnosis_date": pd.Timestamp("2022-03-10")}),
    "mixed time zones": (as_csv(_zoned(rows(), ["+01:00", "-05:00", "Z", ""])), "tumours.csv",
                         {"diagnosis_date": pd.Timestamp("2022-03-10")}),
    "float-valued whole number": (as_csv(rows(age="70.0")), "tumours.csv", {"age": 70}),
    "padded values": (as_csv(rows(site=" Lung ", age=" 70 ")), "tumours.csv", {"site": "Lung"}),
    "blank lines at the end": (GOOD + b"\n\n\n", "tumours.csv", {"site": "Lung"}),
    "parquet, zoned dates and float ages": (_tz_parquet(), "tumours.parquet",
                                            {"diagnosis_date": pd.Timestamp("2022-03-10"),
                                             "age": 70}),
}


@pytest.mark.parametrize("case", list(READS))
def test_readable_file_is_read(project, case):
    content, name, expected = READS[case]
    (project.raw_local / name).write_bytes(content)
    result = clean(project, "local")
    assert (result.rows_in, result.kept, result.quarantined) == (6, 6, 0), result.reasons
    kept = pd.read_parquet(project.processed / "tumours.parquet")
    for column, value in expected.items():
        assert (kept[column].astype(object) == value).any(), (column, kept[column].tolist())


# ---------------------------------------------------------------- set aside with a reason
QUARANTINES: dict[str, tuple[dict, str]] = {
    "diagnosis in the future": ({"diagnosis_date": "2099-01-01"},
                                "diagnosis date in the future"),
    "diagnosis before 1990": ({"diagnosis_date": "1985-05-05"}, "diagnosis date before 1990"),
    "diagnosis in 1900": ({"diagnosis_date": "1900-01-01"}, "diagnosis date before 1990"),
    "diagnosis 9999-12-31": ({"diagnosis_date": "9999-12-31"},
                             "diagnosis_date outside 1900-2100"),
    "referral 9999-12-31": ({"referral_date": "9999-12-31"}, "referral_date outside 1900-2100"),
    "treatment in year 1": ({"first_treatment_date": "0001-01-01"},
                            "first_treatment_date outside 1900-2100"),
    "missing small area": ({"lsoa_code": ""}, "missing small area or local authority"),
    "missing local authority": ({"lad_code": ""}, "missing small area or local authority"),
    "NHS number as tumour_id": ({"tumour_id": "943 476 5919"}, "tumour_id looks like an "
                                                               "identifier"),
    "e-mail as tumour_id": ({"tumour_id": "jo@example.org"}, "tumour_id looks like an "
                                                             "identifier"),
    "date as tumour_id": ({"tumour_id": "1952-01-01"}, "tumour_id looks like an identifier"),
    "overlong tumour_id": ({"tumour_id": "X" * 121}, "tumour_id longer than 120 characters"),
    "postcode as place name": ({"lad_name": "SW1A 1AA"}, "lad_name looks like an identifier"),
    "NHS number as small area": ({"lsoa_code": "9434765919"}, "lsoa_code looks like an "
                                                              "identifier"),
    "age 130": ({"age": "130"}, "age missing or outside 0-120"),
    "negative age": ({"age": "-1"}, "age missing or outside 0-120"),
    "age far too large": ({"age": "99999999999999999999"}, "age missing or outside 0-120"),
    "decile 0": ({"imd_decile": "0"}, "imd_decile missing or outside 1-10"),
    "sex abbreviated": ({"sex": "M"}, "sex not Female or Male"),
    "stage 5": ({"stage": "5"}, "stage not 1-4, unstageable or missing"),
    "postcode in site": ({"site": "ZZ99 3XY"}, "site not one of the 17 NDRS sites"),
    "empty ethnicity": ({"ethnicity": ""}, "ethnicity not an ONS 2021 broad group"),
    "unknown route": ({"route": "Walk-in"}, "route not an NDRS route to diagnosis"),
    "unknown alliance": ({"alliance": "Atlantis"}, "unknown alliance"),
    "missing tumour_id": ({"tumour_id": ""}, "missing tumour_id"),
    "duplicate tumour_id": ({"tumour_id": "T0"}, "duplicate tumour_id"),
    "told before referral": ({"told_outcome_date": "2022-01-20"},
                             "referral after told-outcome date"),
    "treatment before referral": ({"first_treatment_date": "2022-01-15"},
                                  "treatment before referral"),
}


def _check_quarantined(project, result, reason: str, expected_rows: int = 1) -> pd.DataFrame:
    assert result.rows_in == result.kept + result.quarantined
    assert result.quarantined >= expected_rows
    assert any(reason in given for given in result.reasons), result.reasons
    held = pd.read_csv(project.quarantine / "tumours_quarantine.csv", dtype=str)
    assert held["reason"].str.contains(reason, regex=False).any()
    status = json.loads((project.processed / "data_status.json").read_text())
    assert status["rows_in"] == status["kept"] + status["quarantined"]
    return held


@pytest.mark.parametrize("case", list(QUARANTINES))
def test_impossible_row_is_set_aside_with_its_reason(project, case):
    override, reason = QUARANTINES[case]
    (project.raw_local / "tumours.csv").write_bytes(as_csv(rows(**override)))
    result = clean(project, "local")
    held = _check_quarantined(project, result, reason,
                              expected_rows=2 if case == "duplicate tumour_id" else 1)
    for value in override.values():  # an identifier-shaped value is not copied into the file
        if value and len(value) > 6 and any(ch.isdigit() for ch in value):
            assert value not in held.drop(columns="reason").to_csv()


def test_small_area_not_in_the_areas_file_is_set_aside(project):
    (project.raw_local / "tumours.csv").write_bytes(as_csv(rows(lsoa_code="SYN000999")))
    (project.raw_local / "areas.csv").write_bytes(areas_csv([area()]))
    result = clean(project, "local")
    _check_quarantined(project, result, "small area (lsoa_code) not in the areas table")


def test_area_placed_elsewhere_than_the_areas_file_says_is_set_aside(project):
    (project.raw_local / "tumours.csv").write_bytes(as_csv(rows(lad_name="Zebedee Quartermaine")))
    (project.raw_local / "areas.csv").write_bytes(areas_csv([area()]))
    result = clean(project, "local")
    _check_quarantined(project, result, "differs from the areas table")
    kept = pd.read_parquet(project.processed / "tumours.parquet")
    assert "Zebedee Quartermaine" not in set(kept["lad_name"].astype(str))


@pytest.mark.parametrize("override,reason", [
    ({"referral_date": "1985-01-01", "told_outcome_date": "1985-01-20"},
     "referral date before 1990"),
    ({"told_outcome_date": "9999-12-31"}, "told_outcome_date outside 1900-2100"),
    ({"referral_id": "943 476 5919"}, "referral_id looks like an identifier"),
    ({"lsoa_code": "SYN000999"}, "small area (lsoa_code) not in the areas table"),
])
def test_impossible_referral_is_set_aside_with_its_reason(project, override, reason):
    write_files(project, {"tumours.csv": GOOD, "areas.csv": areas_csv([area()]),
                          "referrals.csv": referrals_csv(**override)})
    clean(project, "local")
    status = json.loads((project.processed / "data_status.json").read_text())["referrals"]
    assert status["rows_in"] == status["kept"] + status["quarantined"] == 4
    assert [n for r, n in status["quarantine_reasons"].items() if r.startswith(reason)] == [1]


# ---------------------------------------------------------------- activity: skipped, said
@pytest.mark.parametrize("activity,words", [
    (b"month,innovation,measure,dimension,group\n2022-05,mced_trial,invited,all,All\n",
     "'count'"),
    (b"month,alliance,innovation,measure,dimension,group,count\n"
     b"2022-05,Northern,mced_trial,invited,all,All,many\n", "whole numbers"),
    (b"", "is empty"),
])
def test_unusable_activity_is_skipped_said_and_tumours_still_cleaned(project, capsys,
                                                                     activity, words):
    write_files(project, {"tumours.csv": GOOD, "activity.csv": activity})
    assert main(["clean", "--source", "local"]) == 0
    out = capsys.readouterr().out
    assert "kept 6" in out and "skipped innovation activity" in out and words in out
    status = json.loads((project.processed / "data_status.json").read_text())
    assert words in status["skipped"][0] and not (project.processed / "activity.parquet").exists()
    assert (project.processed / "tumours.parquet").exists()
    assert (project.processed / "cube.parquet").exists()


# ---------------------------------------------------------------- folders and disks
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES, errno.EROFS])
def test_write_failure_is_one_line(project, capsys, monkeypatch, code):
    """A full disk or a read-only folder while writing: one line naming the file, exit 2."""
    def refuse(df, path, metadata):
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr("helpers.ingest.clean.write_parquet", refuse)
    write_files(project, {"tumours.csv": GOOD})
    assert main(["clean", "--source", "local"]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and len(err.strip().splitlines()) == 1
    assert "tumours.parquet" in err and err.startswith("error: ")


def test_processed_folder_that_is_a_file_is_one_line(project, capsys):
    import shutil

    shutil.rmtree(project.processed)
    project.processed.write_text("not a folder")
    write_files(project, {"tumours.csv": GOOD})
    assert main(["clean", "--source", "local"]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and len(err.strip().splitlines()) == 1
    assert "a file stands where a folder is needed" in err


# ---------------------------------------------------------------- as a user sees it
def _cli(project, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CAI_HOME": str(project.root)}
    return subprocess.run([sys.executable, "-m", "helpers.run.cli", *args], env=env,
                          capture_output=True, text=True, check=False, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["empty file", "ragged row, a field too many",
                                  "duplicate header names", "binary garbage"])
def test_terminal_shows_one_line_and_no_traceback(project, case):
    write_files(project, ERRORS[case][0])
    done = _cli(project, "clean", "--source", "local")
    assert done.returncode == 2 and "Traceback" not in done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and ERRORS[case][1] in done.stderr


@pytest.mark.slow
def test_reports_folder_that_is_a_file_is_one_line(project):
    import shutil

    shutil.rmtree(project.reports)
    project.reports.write_text("not a folder")
    write_files(project, {"tumours.csv": GOOD})
    done = _cli(project, "run", "--source", "local", "--alliance", "RM Partners")
    assert done.returncode == 2 and "Traceback" not in done.stdout + done.stderr
    assert "reports" in done.stderr and len(done.stderr.strip().splitlines()) == 1



# ---------------------------------------------------------------- identifiers: none escape
NAME, ADDRESS = "Zebedee Quartermaine", "17 Quartermaine Mews, Upper Wibbling"


def _extract_with_identifiers(paths):
    """A small SYNTHETIC extract as an analyst's CSVs, identifiers planted and shifted."""
    from helpers import synthetic

    data = synthetic.generate(alliances=["West London"], years=[2022], scale=0.05, seed=11)
    tumours = data.tumours.astype(object).copy()
    for col in ("diagnosis_date", "referral_date", "told_outcome_date", "decision_to_treat_date",
                "first_treatment_date", "date_of_birth"):
        tumours[col] = pd.to_datetime(tumours[col]).dt.strftime("%Y-%m-%d")
    tumours["name"], tumours["forename"], tumours["surname"] = NAME, "Zebedee", "Quartermaine"
    tumours["address"] = ADDRESS
    nhs = tumours["nhs_number"].astype(str)
    spaced = nhs.str[:3] + " " + nhs.str[3:6] + " " + nhs.str[6:]
    # the same values shifted into other columns, a few rows each
    tumours.loc[0, "tumour_id"] = nhs[0]
    tumours.loc[1, "site"] = tumours.loc[1, "postcode"]
    tumours.loc[2, "lsoa_code"] = tumours.loc[2, "postcode"]
    tumours.loc[3, "lad_name"] = NAME
    tumours.loc[4, "icb_name"] = ADDRESS
    tumours.loc[5, "referral_date"] = tumours.loc[5, "date_of_birth"]
    tumours.loc[6, "ethnicity"] = spaced[6]
    tumours.loc[7, "stage"] = nhs[7]
    tumours.loc[8, "tumour_id"] = tumours.loc[8, "date_of_birth"]
    paths.raw_local.mkdir(parents=True, exist_ok=True)
    tumours.to_csv(paths.raw_local / "extract_tumours.csv", index=False)
    data.areas.to_csv(paths.raw_local / "extract_areas.csv", index=False)
    planted = {NAME, ADDRESS, "Quartermaine", *nhs, *spaced, *tumours["postcode"].astype(str),
               *tumours["date_of_birth"].astype(str)}
    return planted, spaced[6]


def _published_text(paths) -> str:
    """Everything under data/processed and reports, as text (parquet cells included)."""
    parts = []
    for folder in (paths.processed, paths.reports):
        for path in sorted(folder.rglob("*")):
            if "_executed" in path.parts or not path.is_file():
                continue
            if path.suffix == ".parquet":
                parts.append(pd.read_parquet(path).astype(str).to_csv())
            else:
                parts.append(path.read_text(errors="replace"))
    return "\n".join(parts)


@pytest.mark.e2e
def test_no_identifier_reaches_processed_data_reports_or_messages(tmp_path):
    """Plant identifiers in their own columns and shifted into others; find none published."""
    from helpers.config import Paths

    paths = Paths(tmp_path)
    planted, spaced = _extract_with_identifiers(paths)
    env = {**os.environ, "CAI_HOME": str(tmp_path)}
    messages = []
    for args in (["clean", "--source", "local"],
                 ["run", "--source", "local", "--alliance", "West London", "--jobs", "2",
                  "--quiet"]):
        done = subprocess.run([sys.executable, "-m", "helpers.run.cli", *args], env=env,
                              capture_output=True, text=True, check=False, timeout=900)
        assert "Traceback" not in done.stdout + done.stderr, done.stderr
        messages.append(done.stdout + done.stderr)
        assert done.returncode == 0, done.stdout + done.stderr
    status = json.loads((paths.processed / "data_status.json").read_text())
    assert status["quarantined"] >= 9 and status["rows_in"] == status["kept"] + status[
        "quarantined"]
    published = _published_text(paths) + "\n".join(messages)
    assert (paths.reports / "data-quality.html").exists()
    assert (paths.reports / "west-london.html").exists()
    raw = (paths.raw_local / "extract_tumours.csv").read_text()
    assert all(v in raw for v in (NAME, ADDRESS, spaced))  # the search finds what is there
    leaked = sorted(v for v in planted if v and v in published)
    assert leaked == [], leaked[:5]
    # a value that is not a listed code is withheld, even when it is short enough to quote
    assert spaced not in (paths.quarantine / "tumours_quarantine.csv").read_text()


@pytest.mark.slow
def test_run_on_bad_input_is_one_line_and_the_page_shows_it(project):
    """`alliances run`: cleaning fails; one line, exit 2; data-quality.html shows no traceback."""
    write_files(project, {"tumours.csv": GOOD})
    assert _cli(project, "clean", "--source", "local").returncode == 0  # an earlier good clean
    write_files(project, {"tumours.csv": ragged(extra=True)})
    done = _cli(project, "run", "--source", "local", "--alliance", "RM Partners", "--quiet")
    assert done.returncode == 2 and "Traceback" not in done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "where the header has" in done.stderr
    page = (project.reports / "data-quality.html").read_text()
    assert "Traceback" not in page and "where the header has" in page
    assert "File \"" not in page and "raise " not in page
