"""Sphinx configuration of the book: MyST-NB renders the notebooks, sphinx-book-theme lays it out.

The source folder is a staged copy of the project made by ``scripts/book.py`` (``make book``):
``docs/`` (this configuration, the home page and the other pages) and ``notebooks/`` (the stored
notebooks, or fresh executed copies of them). Notebooks are never executed by Sphinx.

Offline: MathJax 3 is copied from the ``sphinx-mathjax-offline`` package into
``_static/mathjax/``; the theme's fonts and icons are its own files; no analytics, no CDN.
"""

import json
import re
import shutil
from importlib.metadata import files
from pathlib import Path

project = "SVD with TensorFlow"
author = "SVD with TensorFlow contributors"
copyright = "2026, SVD with TensorFlow contributors"  # noqa: A001 (Sphinx's name)
root_doc = "docs/index"
language = "en"
smartquotes = False  # keep the notebooks' quotes and dashes as written (and as in their metadata)

extensions = ["myst_nb", "sphinx.ext.mathjax"]
myst_enable_extensions = ["dollarmath", "amsmath"]  # the notebooks write $...$ and $$...$$
myst_heading_anchors = 3
nb_execution_mode = "off"  # the staged notebooks already carry their outputs
nb_merge_streams = True
exclude_patterns = ["_build", "**.ipynb_checkpoints", "docs/conf.py"]
suppress_warnings = ["myst.header"]  # notebooks start at "#" and may skip levels in exercises

# MathJax 3, served from the build: the copy that the sphinx-mathjax-offline package ships. Its
# SVG output carries its glyphs inside the script, so equations render from file:// too (web
# fonts, which the CHTML output needs, are cross-origin requests that browsers refuse there).
MATHJAX_SOURCE = next(Path(str(f.locate())).parent for f in files("sphinx-mathjax-offline")
                      if f.name == "tex-svg.js")
mathjax_path = "mathjax/tex-svg.js"

html_theme = "sphinx_book_theme"
html_title = project
html_extra_path = ["_extra"]  # index.html at the top of the book: opens the home page
html_last_updated_fmt = None
html_copy_source = True  # the download button offers each page's .ipynb
html_show_search_summary = False  # summaries fetch() each page, which file:// does not allow
html_context = {"default_mode": "auto"}  # light or dark as the reader's system prefers
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "use_source_button": False,
    "navigation_with_keys": False,
}

# ---------------------------------------------------------------------------------------------
# Links that point outside the book, and the home page's table generated from the notebooks.
# ---------------------------------------------------------------------------------------------
NOTEBOOK_GLOB = "notebooks/[0-9][0-9]_*.ipynb"
# Notebooks and pages link to the repository's README (the index on GitHub) and CONTRIBUTING.md;
# in the book the first is the home page, and the second is not part of it.
OUTSIDE_LINKS = [
    (re.compile(r"\]\(\.\./README\.md\)"), "](../docs/index.md)"),
    (re.compile(r"\[([^\]]+)\]\(\.\./CONTRIBUTING\.md\)"), r"\1 (in the repository)"),
]


def notebook_rows(srcdir):
    """(docname, number, title, summary, minutes) of every notebook, in order."""
    rows = []
    for path in sorted(Path(srcdir).glob(NOTEBOOK_GLOB)):
        nb = json.loads(path.read_text(encoding="utf-8"))
        meta = nb["metadata"]["svd_course"]
        first = "".join(nb["cells"][0]["source"]).splitlines()[0]
        number, _, title = first.lstrip("# ").partition(" · ")
        rows.append((f"notebooks/{path.stem}", number, title, meta["summary"], meta["minutes"]))
    return rows


def notebook_table(srcdir):
    rows = notebook_rows(srcdir)
    lines = ["| # | Notebook | What it teaches | Time |", "| --- | --- | --- | --- |"]
    for docname, number, title, summary, minutes in rows:
        lines.append(f"| {number} | [{title}](../{docname}.ipynb) | {summary} | {minutes} min |")
    total = sum(r[4] for r in rows)
    lines.append(f"| | **All {len(rows)} notebooks** | | **{total} min "
                 f"(about {total / 60:.1f} hours)** |")
    toctree = "\n".join(f"../{r[0]}" for r in rows)
    return "\n".join(lines), toctree


def source_read(app, docname, source):
    text = source[0]
    for pattern, repl in OUTSIDE_LINKS:
        text = pattern.sub(repl, text)
    if docname == root_doc:
        table, toctree = notebook_table(app.srcdir)
        text = text.replace("<!-- notebook-table -->", table)
        text = text.replace("<!-- notebook-toctree -->", toctree)
    source[0] = text


def copy_mathjax(app, exception):
    if exception is None and app.builder.format == "html":
        shutil.copytree(MATHJAX_SOURCE, Path(app.outdir) / "_static" / "mathjax",
                        dirs_exist_ok=True)


def setup(app):
    app.connect("source-read", source_read)
    app.connect("build-finished", copy_mathjax)
