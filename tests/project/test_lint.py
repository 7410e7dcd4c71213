"""Lint inside the test suite: ruff over the code and the notebooks, and a valid pre-commit set-up.

ruff's configuration lives in pyproject.toml (the notebooks import ``helpers`` first on purpose, so
import sorting is not checked there). The same check runs as a pre-commit hook.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def ruff(*args):
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_ruff_is_clean():
    """`ruff check .` from the project root, what a contributor or an editor runs: one rule for
    the code and both editions' notebooks."""
    proc = ruff("check", "--no-cache", "--output-format=concise", ".")
    assert proc.returncode == 0, f"ruff check .:\n{proc.stdout}{proc.stderr}"


@pytest.mark.parametrize("folder", ["notebooks", "notebooks-zh-CN"])
def test_ruff_sees_the_notebooks(folder):
    """Notebooks of both editions are linted too (extend-include in pyproject.toml), not
    silently skipped."""
    notebooks = sorted((ROOT / folder).glob("[0-9][0-9]_*.ipynb"))
    assert notebooks, f"no notebooks in {folder}/"
    proc = ruff("check", "--no-cache", "--show-files", ".")
    listed = {str(Path(line.strip()).relative_to(ROOT)) for line in proc.stdout.splitlines()
              if line.strip().endswith(".ipynb")}
    assert {f"{folder}/{p.name}" for p in notebooks} <= listed, proc.stdout + proc.stderr


def test_pre_commit_config_is_valid():
    config = ROOT / ".pre-commit-config.yaml"
    assert config.is_file()
    pytest.importorskip("pre_commit")
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", str(config)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = config.read_text(encoding="utf-8")
    # the hooks run what the project ships: ruff from the environment and the normaliser script
    assert "-m scripts.normalize_notebooks" in text and (ROOT / "scripts/normalize_notebooks.py").is_file()
    assert "ruff" in text
