"""Fixtures shared by the book's tests: the book is built once per session from the stored notebooks."""

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import book as book_script  # noqa: E402

BOOK_TEST = ROOT / "build" / "book-test"


@pytest.fixture(scope="session")
def book_html():
    """build/book-test/html: the book rendered (not executed) from the committed notebooks."""
    src, out = BOOK_TEST / "src", BOOK_TEST / "html"
    book_script.stage(src, stored=True)
    if out.exists():
        shutil.rmtree(out)
    assert book_script.render(src, out) == 0, "sphinx-build -W failed: see its messages above"
    return out
