"""Tests of the project around the helpers: the notebooks' hygiene and figures, lint,
dependencies, scripts and translations (the book's own tests are in tests/book/).

Every test here is marked ``project``.
"""

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.path)).is_relative_to(HERE):
            item.add_marker(pytest.mark.project)
