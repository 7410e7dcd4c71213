"""The homework's tests (``make test-assignments``, run by ``.ci/run``; not part of ``make test``:
grading runs a notebook per submission, several minutes in all). Every test here is marked
``assignments``."""

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.path)).is_relative_to(HERE):
            item.add_marker(pytest.mark.assignments)
