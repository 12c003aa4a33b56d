"""Atomic writes, the run lock and clear errors for folders a run cannot write."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from helpers import files
from helpers.errors import OutputError, RunLockedError


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "page.html"
    target.write_text("old")
    with pytest.raises(RuntimeError), files.atomic_path(target) as tmp:
        tmp.write_text("half of the new")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_a_write_replaces_the_whole_file(tmp_path):
    target = tmp_path / "sub" / "page.html"
    files.write_text(target, "new é")
    assert target.read_text(encoding="utf-8") == "new é"
    files.copy(target, tmp_path / "copy.html")
    assert (tmp_path / "copy.html").read_bytes() == target.read_bytes()
    assert oct(target.stat().st_mode & 0o777) == "0o644"


def test_left_over_temporary_files_are_removed(tmp_path):
    (tmp_path / f"{files.TEMP_PREFIX}index.html.x1").write_text("partial")
    (tmp_path / "index.html").write_text("good")
    assert [p.name for p in files.remove_temporary(tmp_path)] == [
        f"{files.TEMP_PREFIX}index.html.x1"]
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def test_a_file_where_the_folder_should_be_is_one_clear_error(tmp_path):
    blocker = tmp_path / "reports"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match="reports: is a file, not a folder"):
        files.writable_folder(blocker)
    with pytest.raises(OutputError, match="cannot write"):
        files.write_text(blocker / "index.html", "x")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_folder_is_one_clear_error(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="read-only"):
            files.writable_folder(folder)
    finally:
        folder.chmod(0o755)


def test_a_second_holder_of_the_lock_is_refused_naming_the_first(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from helpers import files\n"
         "with files.run_lock(Path(sys.argv[1])):\n"
         "    print('held', flush=True); time.sleep(60)", str(tmp_path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with (pytest.raises(RunLockedError, match=f"another run .*process {holder.pid}"),
              files.run_lock(tmp_path)):
            pass
    finally:
        holder.kill()
        holder.wait()
    with files.run_lock(tmp_path):  # a killed holder's lock goes with it
        pass
