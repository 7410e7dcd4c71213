"""Normalise notebooks in place, keeping their outputs (they are the reference for nbval).

    python -m scripts.normalize_notebooks [--check] [notebooks/NN_name.ipynb ...]

What "normalised" means here (what ``tests/test_notebook_hygiene.py`` checks, and what the
pre-commit hook enforces):

- canonical JSON, byte for byte what ``nbformat.write`` produces (1-space indent, sorted keys);
- nbformat 4.5 with a cell id on every cell;
- one kernelspec, ``python3``;
- stable metadata only: at the notebook level ``kernelspec``, ``language_info`` and
  ``svd_course`` (summary and minutes, for the book); at the cell level ``tags``. Volatile fields
  (execution timings, papermill records, widget state, collapsed/scrolled view state) are dropped,
  and so are widget outputs, exactly as ``scripts/run_notebooks.py`` does after executing;
- an exercise's worked solution (a cell tagged ``solution``) starts collapsed: in JupyterLab
  (``jupyter.source_hidden`` and ``jupyter.outputs_hidden``) and in the book (MyST-NB's tag
  ``hide-cell``, a toggle); no other cell is hidden.

Without file arguments every ``notebooks/NN_*.ipynb`` is processed. With ``--check`` nothing is
written and the exit status is 1 if a notebook is not normalised.
"""

import argparse
import sys
from pathlib import Path

import nbformat

from scripts.run_notebooks import ROOT, clean, notebook_paths

NOTEBOOK_METADATA = ("kernelspec", "language_info", "svd_course")
CELL_METADATA = ("tags",)
SOLUTION_TAG = "solution"
HIDDEN = {"source_hidden": True, "outputs_hidden": True}
BOOK_HIDE_TAG = "hide-cell"


def normalize(nb, id_prefix="cell"):
    """Normalise a notebook node in place (outputs kept) and return it."""
    clean(nb)  # kernelspec, no widget state, no timing or papermill records, no widget outputs
    for key in list(nb.metadata):
        if key not in NOTEBOOK_METADATA:
            del nb.metadata[key]
    nb.nbformat, nb.nbformat_minor = 4, max(5, nb.get("nbformat_minor", 5))
    used = {cell.get("id") for cell in nb.cells}
    for i, cell in enumerate(nb.cells):
        for key in list(cell.metadata):
            if key not in CELL_METADATA:
                del cell.metadata[key]
        tags = cell.metadata.get("tags", [])
        if SOLUTION_TAG in tags:
            cell.metadata["jupyter"] = dict(HIDDEN)
            if BOOK_HIDE_TAG not in tags:
                cell.metadata["tags"] = [*tags, BOOK_HIDE_TAG]
        if not cell.get("id"):
            new_id, n = f"{id_prefix}-{i:02d}", 0
            while new_id in used:
                n += 1
                new_id = f"{id_prefix}-{i:02d}-{n}"
            cell["id"] = new_id
            used.add(new_id)
    return nb


def canonical_text(nb):
    """The exact text ``nbformat.write`` puts in a file for ``nb``."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def normalized_text(path):
    """The normalised text of the notebook at ``path`` (the file is not changed)."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    prefix = f"nb{path.stem[:2]}" if path.stem[:2].isdigit() else "cell"
    return canonical_text(normalize(nb, id_prefix=prefix))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report, write nothing")
    parser.add_argument("notebooks", nargs="*", help="notebooks (default: notebooks/NN_*.ipynb)")
    args = parser.parse_args(argv)
    paths = notebook_paths(args.notebooks)
    status = 0
    for path in paths:
        old = path.read_text(encoding="utf-8")
        new = normalized_text(path)
        if old == new:
            continue
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        if args.check:
            print(f"not normalised: {shown} (run python -m scripts.normalize_notebooks)")
            status = 1
        else:
            path.write_text(new, encoding="utf-8")
            print(f"normalised {shown}")
    return status


if __name__ == "__main__":
    sys.exit(main())
