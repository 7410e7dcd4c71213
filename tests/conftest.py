"""Fixtures shared by the book's tests: the book is built once per session from the stored notebooks."""

import shutil
import sys
from pathlib import Path

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import book as book_script  # noqa: E402

BOOK_TEST = ROOT / "build" / "book-test"


@pytest.fixture(scope="session")
def book_html(testrun_uid):
    """build/book-test/html: the book rendered (not executed) from the committed notebooks.

    Built once per test run: under pytest-xdist (`make test`) the first worker that needs it
    builds it while holding a file lock, and the others wait for it and reuse it."""
    src, out = BOOK_TEST / "src", BOOK_TEST / "html"
    BOOK_TEST.mkdir(parents=True, exist_ok=True)
    built = BOOK_TEST / "built-by-run"
    with FileLock(BOOK_TEST / "build.lock"):
        if built.is_file() and built.read_text() == testrun_uid and out.is_dir():
            return out
        built.unlink(missing_ok=True)
        book_script.stage(src, stored=True)
        if out.exists():
            shutil.rmtree(out)
        assert book_script.render(src, out) == 0, "sphinx-build -W failed: see its messages above"
        built.write_text(testrun_uid)
    return out
