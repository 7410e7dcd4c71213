"""Tests of the project: the book (built once per session from the stored notebooks), the
browser, the notebooks' hygiene, lint, dependencies, scripts and translations.

Every test here is marked ``project``.
"""

import uuid
from pathlib import Path

import pytest
from filelock import FileLock

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BOOK_TEST = ROOT / "build" / "book-test"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.path)).is_relative_to(HERE):
            item.add_marker(pytest.mark.project)


@pytest.fixture(scope="session")
def book_html(request):
    """build/book-test/html: the book rendered (not executed) from the committed notebooks,
    English at the root and the Chinese edition under zh-CN/.

    Built once per test run: under pytest-xdist (`make test`) the first worker that needs it
    builds it while holding a file lock, and the others wait for it and reuse it."""
    from scripts import book as book_script  # Sphinx: imported by the tests that need the book

    # the test run's id, shared by its pytest-xdist workers; a run without xdist builds its own
    run_id = getattr(request.config, "workerinput", {}).get("testrunuid") or uuid.uuid4().hex
    src, out = BOOK_TEST / "src", BOOK_TEST / "html"
    BOOK_TEST.mkdir(parents=True, exist_ok=True)
    built = BOOK_TEST / "built-by-run"
    with FileLock(BOOK_TEST / "build.lock"):
        if built.is_file() and built.read_text() == run_id and out.is_dir():
            return out
        built.unlink(missing_ok=True)
        status = book_script.build(src, out, stored=True)
        assert status == 0, "sphinx-build -W failed: see its messages above"
        built.write_text(run_id)
    return out
