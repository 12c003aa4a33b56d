"""The ``alliances`` command: listing, argument checking and clear errors."""

from __future__ import annotations

import pytest

from helpers.run.cli import main


def test_list_prints_twenty_alliances_with_other_names(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 21  # header + 20
    west = next(line for line in lines if line.startswith("E56000021"))
    assert "RM Partners" in west and "North West and South West London" in west


def test_run_with_unknown_alliance_fails_with_suggestions(capsys):
    assert main(["run", "--alliance", "West Londn"]) == 2
    err = capsys.readouterr().err
    assert "Unknown Cancer Alliance 'West Londn'" in err and "West London" in err


@pytest.mark.parametrize("args", [["run", "--jobs", "0"], ["run", "--source", "s3"],
                                  ["demo-data", "--scale", "-1"]])
def test_bad_arguments_are_rejected(args):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2


def test_demo_data_writes_synthetic_files(project, capsys):
    assert main(["demo-data", "--scale", "0.01", "--years", "2022",
                 "--alliance", "Peninsula"]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC data" in out
    assert (project.raw_synthetic / "SYNTHETIC_tumours.parquet").exists()
    assert (project.raw_synthetic / "README_SYNTHETIC.txt").exists()


def test_demo_data_placebo_plants_nothing_and_says_so(project, capsys):
    assert main(["demo-data", "--scale", "0.01", "--years", "2022", "--alliance", "Peninsula",
                 "--placebo"]) == 0
    assert "placebo: nothing planted" in capsys.readouterr().out
    readme = (project.raw_synthetic / "README_SYNTHETIC.txt").read_text()
    assert "plant_effects=False" in readme and "deprivation_gap=False" in readme


def test_clean_command_reports_reconciled_counts(project, capsys):
    main(["demo-data", "--scale", "0.01", "--years", "2022", "--alliance", "Peninsula"])
    capsys.readouterr()
    assert main(["clean", "--source", "synthetic"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("rows in ") and "= kept" in out and "+ quarantined 0" in out


def test_list_into_a_closed_pipe_ends_quietly():
    """`alliances list | head`: the reader goes away; no traceback, no error."""
    import os
    import subprocess
    import sys

    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([sys.executable, "-m", "helpers.run.cli", "list"], stdout=write,
                              stderr=subprocess.PIPE, text=True, check=False, timeout=60)
    finally:
        os.close(write)
    assert "Traceback" not in done.stderr and done.stderr == ""
    assert done.returncode == 0


def test_version(capsys):
    import pytest

    import helpers

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"alliances {helpers.__version__}"


@pytest.mark.parametrize("value", ["0", "-1", "3", "abc", "7.5"])
def test_a_threshold_below_seven_or_not_a_number_is_refused_in_one_line(value):
    """CAI_SUPPRESSION_THRESHOLD can raise the threshold, never lower it or turn it off."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "CAI_SUPPRESSION_THRESHOLD": value}
    env.pop("CAI_NO_SUPPRESSION", None)
    done = subprocess.run([sys.executable, "-m", "helpers.run.cli", "list"], env=env,
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "CAI_SUPPRESSION_THRESHOLD" in done.stderr


def test_no_suppression_is_explicit_and_warned_in_every_process(tmp_path):
    """--no-suppression restarts the command with CAI_NO_SUPPRESSION=1 and warns, in one line."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "CAI_HOME": str(tmp_path)}
    env.pop("CAI_NO_SUPPRESSION", None)
    done = subprocess.run(
        [sys.executable, "-m", "helpers.run.cli", "run", "--no-suppression", "--alliance",
         "Atlantis"], env=env, capture_output=True, text=True, check=False, timeout=120)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert lines[0].startswith("warning: suppression is off")
    assert len(lines) == 2 and "Atlantis" in lines[1]


def test_threshold_settings_read_as_documented():
    from helpers.config import read_threshold

    assert read_threshold({}) == (7, "")
    assert read_threshold({"CAI_SUPPRESSION_THRESHOLD": "10"}) == (10, "")
    assert read_threshold({"CAI_SUPPRESSION_THRESHOLD": "5"})[0] == 7  # refused, stays 7
    assert read_threshold({"CAI_NO_SUPPRESSION": "1", "CAI_SUPPRESSION_THRESHOLD": "5"}) == (0, "")



@pytest.mark.parametrize("code,words", [(28, "the disk is full"), (30, "read-only"),
                                        (13, "permission denied"), (20, "a file stands")])
def test_an_os_error_is_one_line_naming_the_file(monkeypatch, capsys, code, words):
    """A full disk, a read-only or non-directory folder: one line and exit 2, no traceback."""
    import os

    from helpers.run import cli

    def fail(args):
        raise OSError(code, os.strerror(code), "/somewhere/reports/index.html")

    monkeypatch.setattr(cli, "cmd_list", fail)
    assert main(["list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: /somewhere/reports/index.html: ") and words in err
    assert len(err.strip().splitlines()) == 1
def test_a_reports_path_that_is_a_file_is_one_line_exit_2(project, capsys):
    project.reports.rmdir()
    project.reports.write_text("in the way")
    assert main(["run", "--alliance", "Peninsula"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "is a file, not a folder" in err
    assert "Traceback" not in err


def test_a_run_while_another_holds_the_folder_is_one_line_exit_2(project, capsys):
    from helpers import files

    with files.run_lock(project.reports):
        assert main(["run", "--alliance", "Peninsula"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "another run is using" in err


def test_force_and_jobs_are_passed_to_the_run(project, monkeypatch):
    from helpers.run import pipeline

    seen = {}

    def fake_run(paths, **kwargs):
        seen.update(kwargs)
        return pipeline.RunResult()

    monkeypatch.setattr(pipeline, "run", fake_run)
    assert main(["run", "--force", "--quiet"]) == 0
    assert seen["force"] is True and seen["jobs"] is None  # None: the number of cores
    assert pipeline.default_jobs() >= 1
