"""The project's command-line tools, run from the project's root as modules:

    python -m scripts.run_notebooks     execute notebooks (make notebooks)
    python -m scripts.normalize_notebooks   canonical notebook JSON (make notebooks, pre-commit)
    python -m scripts.translations      the Chinese notebooks (make translations)
    python -m scripts.book              the book (make book)
    python -m scripts.check_portable    strict nbval under other machine settings (make test-portable)

They import one another as ``scripts.NAME`` (the tests too), so no path is edited anywhere.
"""
