"""python -m scripts.check_portable (make test-portable): its settings, its report, its arguments."""

import subprocess
import sys
from pathlib import Path

import pytest

from scripts import check_portable

ROOT = Path(__file__).resolve().parents[2]

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="1" tests="4">
<testcase classname="notebooks.05_svd_gradient.ipynb" name="Cell 10" time="0.1">
  <failure message="Notebook cell execution failed">diff</failure></testcase>
<testcase classname="notebooks.05_svd_gradient.ipynb" name="Cell 11" time="0.1"/>
<testcase classname="notebooks.08_randomized_svd.ipynb" name="Cell 5" time="0.1">
  <error message="boom">trace</error></testcase>
<testcase classname="notebooks.08_randomized_svd.ipynb" name="Cell 6" time="0.1"/>
</testsuite></testsuites>
"""


def test_report_names_every_failed_or_errored_cell(tmp_path):
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT)
    cells, total = check_portable.differing_cells(path)
    assert total == 4
    assert cells == ["05_svd_gradient.ipynb::Cell 10", "08_randomized_svd.ipynb::Cell 5"]


def test_the_five_settings_of_the_issue():
    settings = {key: (env, prefix) for key, _, env, prefix, _ in check_portable.settings()}
    assert settings["prescott"][0] == {"OPENBLAS_CORETYPE": "Prescott"}
    assert settings["haswell"][0] == {"OPENBLAS_CORETYPE": "Haswell"}
    assert settings["skylakex"][0] == {"OPENBLAS_CORETYPE": "SkylakeX"}
    assert settings["one-cpu"][1] == ["taskset", "-c", "0"]
    assert settings["eight-threads"][0] == {"TF_NUM_INTRAOP_THREADS": "8",
                                            "OPENBLAS_NUM_THREADS": "8", "OMP_NUM_THREADS": "8"}


def test_skylakex_is_skipped_with_a_reason_exactly_when_the_cpu_lacks_avx512(monkeypatch):
    monkeypatch.setattr(check_portable, "_cpu_flags", lambda: {"avx2"})
    skip = {key: reason for key, _, _, _, reason in check_portable.settings()}
    if sys.platform.startswith("linux"):
        assert skip["skylakex"] == "this CPU has no AVX-512" and skip["haswell"] is None
    monkeypatch.setattr(check_portable, "_cpu_flags", lambda: {"avx2", "avx512f"})
    skip = {key: reason for key, _, _, _, reason in check_portable.settings()}
    if sys.platform.startswith("linux"):
        assert skip["skylakex"] is None


def test_list_and_a_bad_setting_name():
    script = ["-m", "scripts.check_portable"]  # as the Makefile runs it, from the root
    listed = subprocess.run([sys.executable, *script, "--list"], capture_output=True, text=True,
                            cwd=ROOT)
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == [
        "prescott", "haswell", "skylakex", "one-cpu", "eight-threads"]
    bad = subprocess.run([sys.executable, *script, "--only", "fast"], capture_output=True,
                         text=True, cwd=ROOT)
    assert bad.returncode == 2 and "--only must be one of" in bad.stderr


@pytest.mark.parametrize("failing", [False, True])
def test_exit_status_follows_the_cells(tmp_path, monkeypatch, capsys, failing):
    def fake_run(key, env_extra, prefix, paths):
        return (["x.ipynb::Cell 1"] if failing and key == "prescott" else []), 3, 0.0
    monkeypatch.setattr(check_portable, "run_setting", fake_run)
    monkeypatch.setattr(check_portable, "_cpu_flags", lambda: {"avx2", "avx512f"})
    status = check_portable.main(["--only", "prescott", "--only", "eight-threads"])
    out = capsys.readouterr().out
    assert status == (1 if failing else 0)
    assert ("x.ipynb::Cell 1" in out) == failing
    assert "eight threads" in out and "all 3 cells match" in out
