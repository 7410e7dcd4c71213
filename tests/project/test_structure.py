"""The house rules of the code's layout (issue 28), checked so that they stay true: private names
cross modules only from the shared private layers, no path is edited into sys.path, TensorFlow's
environment variables are set in one module, and the two big rooms stay small."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HELPERS = sorted((ROOT / "helpers").glob("*.py"))
SHARED_PRIVATE = {"_validation", "_keras", "_env"}


def _python_files(*folders):
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


@pytest.mark.parametrize("path", HELPERS, ids=lambda p: p.name)
def test_private_names_are_imported_only_from_the_shared_private_layers(path):
    crossing = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            if node.module in SHARED_PRIVATE:
                continue
            crossing += [f"from .{node.module} import {a.name}" for a in node.names
                         if a.name.startswith("_")]
    assert not crossing, f"{path.name} imports private names of another module: {crossing}"


def test_no_path_is_edited_into_sys_path():
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in _python_files("scripts", "tests", "helpers")
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"sys\.path\.(insert|append)\(", line)]
    assert not offenders, offenders


def test_tensorflow_environment_variables_are_set_in_one_module():
    setting = re.compile(r"""(environ\[|setdefault\(|export\s+)["']?TF_(CPP_MIN_LOG_LEVEL|ENABLE_ONEDNN_OPTS)""")
    # the one exception: the code of a child process that tests the import-order warning
    child_code = {ROOT / "tests" / "project" / "test_fresh_process.py"}
    files = [*_python_files("helpers", "scripts", "tests"), ROOT / "conftest.py", ROOT / "Makefile"]
    files = [p for p in files if p not in child_code]
    where = sorted({str(p.relative_to(ROOT)) for p in files
                    if setting.search(p.read_text(encoding="utf-8"))})
    assert where == [], f"set outside helpers/_env.py: {where}"
    env = (ROOT / "helpers" / "_env.py").read_text(encoding="utf-8")
    assert '"TF_CPP_MIN_LOG_LEVEL": "3"' in env and '"TF_ENABLE_ONEDNN_OPTS": "0"' in env


@pytest.mark.parametrize("name", ["images.py", "linalg.py"])
def test_the_big_rooms_stay_small(name):
    lines = (ROOT / "helpers" / name).read_text(encoding="utf-8").count("\n")
    assert lines < 500, f"helpers/{name} has {lines} lines"


def test_scripts_and_tests_are_packages():
    for folder in ("scripts", "tests", "tests/unit", "tests/project", "tests/book", "tests/assignments"):
        assert (ROOT / folder / "__init__.py").is_file(), folder
