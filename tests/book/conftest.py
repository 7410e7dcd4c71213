"""The book's tests (``make book`` runs them on the book it has just built; not part of
``make test``): the pages Sphinx renders (test_book.py) and what a browser shows
(test_book_browser.py). Every test here is marked ``book``.

The book under test (fixture ``book_html``) is either the one ``make book`` built
(``pytest tests/book --book-root build``: ``build/html`` and its sources ``build/book-src``) or,
without ``--book-root``, one rendered (not executed) from the committed notebooks into
``build/book-test/``, once per run.
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
            item.add_marker(pytest.mark.book)


@pytest.fixture(scope="session")
def book_root(request):
    """The folder holding the book under test, ``html/``, and its staged sources, ``book-src/``
    (``en/`` and ``zh_CN/``, as ``scripts.book`` lays them out).

    ``--book-root DIR``: the book built there (``make book`` passes ``build``). Otherwise the book
    is rendered from the committed notebooks into build/book-test/, once per run: under
    pytest-xdist the first worker that needs it builds it while holding a file lock, and the
    others wait for it and reuse it."""
    given = request.config.getoption("book_root")
    if given is not None:
        root = Path(given).resolve()
        assert (root / "html" / "index.html").is_file(), f"no built book in {root / 'html'}"
        return root
    from scripts import book as book_script  # Sphinx: imported by the tests that need the book

    # the test run's id, shared by its pytest-xdist workers; a run without xdist builds its own
    run_id = getattr(request.config, "workerinput", {}).get("testrunuid") or uuid.uuid4().hex
    BOOK_TEST.mkdir(parents=True, exist_ok=True)
    built = BOOK_TEST / "built-by-run"
    with FileLock(BOOK_TEST / "build.lock"):
        if built.is_file() and built.read_text() == run_id and (BOOK_TEST / "html").is_dir():
            return BOOK_TEST
        built.unlink(missing_ok=True)
        status = book_script.build(BOOK_TEST / "book-src", BOOK_TEST / "html", stored=True)
        assert status == 0, "sphinx-build -W failed: see its messages above"
        built.write_text(run_id)
    return BOOK_TEST


@pytest.fixture(scope="session")
def book_html(book_root):
    """The built book: English at the root, the Chinese edition under zh-CN/."""
    return book_root / "html"
