"""Unit tests of the helpers package: fast, no network beyond localhost, no build, no kernels.

Every test here is marked ``unit`` (``pytest -m unit`` selects them with the doctests of
``helpers/``); ``make test-fast`` runs them.
"""

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.path)).is_relative_to(HERE):
            item.add_marker(pytest.mark.unit)
