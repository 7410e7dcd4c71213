"""Sphinx configuration of the book: MyST-NB renders the notebooks, sphinx-book-theme lays it out.

The source folder is a staged copy of the project made by ``scripts/book.py`` (``make book``):
``docs/`` (this configuration, the home page and the other pages) and ``notebooks/`` (the stored
notebooks, or fresh executed copies of them). Notebooks are never executed by Sphinx.

Two editions are built from this one configuration: English (``language = "en"``, at the root of
the book) and Simplified Chinese (``sphinx-build -D language=zh_CN``, under ``zh-CN/``), staged
with the same layout (``docs/index``, ``notebooks/NN_topic``) so that every page has a
counterpart; a link in each page's header switches between the two.

Offline: MathJax 3 is copied from the ``sphinx-mathjax-offline`` package into
``_static/mathjax/``; the theme's fonts and icons are its own files; no analytics, no CDN.
"""

import json
import logging
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
exclude_patterns = ["_build", "**.ipynb_checkpoints", "docs/conf.py", "docs/_templates"]
templates_path = ["_templates"]
suppress_warnings = ["myst.header"]  # notebooks start at "#" and may skip levels in exercises
# The only collapsed cells are the exercises' worked solutions (tagged `solution` and `hide-cell`
# by scripts/normalize_notebooks.py): the reader sees the question first and opens the answer.
nb_code_prompt_show = "Show the solution"
nb_code_prompt_hide = "Hide the solution"
SOLUTION_PROMPTS = {"zh_CN": ("显示解答", "隐藏解答")}

# MathJax 3, served from the build: the copy that the sphinx-mathjax-offline package ships. Its
# SVG output carries its glyphs inside the script, so equations render from file:// too (web
# fonts, which the CHTML output needs, are cross-origin requests that browsers refuse there).
MATHJAX_SOURCE = next(Path(str(f.locate())).parent for f in files("sphinx-mathjax-offline")
                      if f.name == "tex-svg.js")
mathjax_path = "mathjax/tex-svg.js"

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_css_files = ["language-switch.css"]
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
    # the link to the other edition (_templates/language-switch.html), then the theme's buttons
    "article_header_end": ["language-switch.html", "article-header-buttons.html"],
}

# The editions: the output folder of each relative to the book's root, and the switch's label.
EDITIONS = {
    "en": {"folder": "", "label": "English", "hreflang": "en"},
    "zh_CN": {"folder": "zh-CN/", "label": "简体中文", "hreflang": "zh-CN"},
}

# ---------------------------------------------------------------------------------------------
# Links that point outside the book, and the home page's table generated from the notebooks.
# ---------------------------------------------------------------------------------------------
NOTEBOOK_GLOB = "notebooks/[0-9][0-9]_*.ipynb"
# Notebooks and pages link to the repository's README (the index on GitHub) and CONTRIBUTING.md;
# in the book the first is the home page, and the second is not part of it.
OUTSIDE_LINKS = {
    "en": [
        (re.compile(r"\]\(\.\./README\.md\)"), "](../docs/index.md)"),
        (re.compile(r"\[([^\]]+)\]\(\.\./CONTRIBUTING\.md\)"), r"\1 (in the repository)"),
    ],
    # The Chinese pages live in the repository as docs/zh-CN/*.md, docs/glossary.zh-CN.md and
    # notebooks-zh-CN/*.ipynb, and are staged as docs/*.md and notebooks/*.ipynb.
    "zh_CN": [
        (re.compile(r"\]\(\.\./README\.zh-CN\.md\)"), "](../docs/index.md)"),
        (re.compile(r"\]\(\.\./\.\./README\.zh-CN\.md\)"), "](index.md)"),
        (re.compile(r"\]\(\.\./docs/zh-CN/"), "](../docs/"),
        (re.compile(r"\]\(\.\./\.\./notebooks-zh-CN/"), "](../notebooks/"),
        (re.compile(r"\]\(\.\./glossary\.zh-CN\.md"), "](glossary.md"),
        (re.compile(r"\[([^\]]+)\]\((?:\.\./)+CONTRIBUTING\.md\)"), r"\1（见代码仓库）"),
    ],
}
TABLE_HEADER = {
    "en": ("| # | Notebook | What it teaches | Time |", "All {n} notebooks",
           "{total} min (about {hours:.1f} hours)", "{minutes} min"),
    "zh_CN": ("| # | Notebook | 内容 | 用时 |", "全部 {n} 个 notebook",
              "{total} 分钟（约 {hours:.1f} 小时）", "{minutes} 分钟"),
}


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


def notebook_table(srcdir, language="en"):
    rows = notebook_rows(srcdir)
    header, all_label, total_label, time_label = TABLE_HEADER[language]
    lines = [header, "| --- | --- | --- | --- |"]
    for docname, number, title, summary, minutes in rows:
        lines.append(f"| {number} | [{title}](../{docname}.ipynb) | {summary} | "
                     f"{time_label.format(minutes=minutes)} |")
    total = sum(r[4] for r in rows)
    lines.append(f"| | **{all_label.format(n=len(rows))}** | | "
                 f"**{total_label.format(total=total, hours=total / 60)}** |")
    toctree = "\n".join(f"../{r[0]}" for r in rows)
    return "\n".join(lines), toctree


def source_read(app, docname, source):
    text = source[0]
    for pattern, repl in OUTSIDE_LINKS[app.config.language]:
        text = pattern.sub(repl, text)
    if docname == root_doc:
        table, toctree = notebook_table(app.srcdir, app.config.language)
        text = text.replace("<!-- notebook-table -->", table)
        text = text.replace("<!-- notebook-toctree -->", toctree)
    source[0] = text


def copy_mathjax(app, exception):
    if exception is None and app.builder.format == "html":
        shutil.copytree(MATHJAX_SOURCE, Path(app.outdir) / "_static" / "mathjax",
                        dirs_exist_ok=True)


def glossary_words(confdir):
    """The Chinese terms of the glossary (staged as docs/glossary.md), for the search index."""
    text = (Path(confdir) / "glossary.md").read_text(encoding="utf-8")
    words = set()
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 2:
            for part in re.split(r"[/、（）()\s]+", cells[1]):
                if len(part) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", part):
                    words.add(part)
    return sorted(words)


def config_inited(app, config):
    if config.language not in EDITIONS:
        raise ValueError(f"language must be one of {sorted(EDITIONS)}; got {config.language!r}")
    if config.language in SOLUTION_PROMPTS:
        config.nb_code_prompt_show, config.nb_code_prompt_hide = SOLUTION_PROMPTS[config.language]
    if config.language == "zh_CN":
        config.html_title = "SVD with TensorFlow（简体中文版）"
        import jieba  # Sphinx's Chinese search index splits words with it

        jieba.setLogLevel(logging.WARNING)
        # The reader's query is looked up whole (the search page does not split Chinese words),
        # so the glossary's terms must be words of the index: jieba learns them from a user
        # dictionary ("奇异值分解" then also indexes "奇异值").
        words = Path(app.doctreedir) / "search-words.zh_CN.txt"
        words.parent.mkdir(parents=True, exist_ok=True)
        words.write_text("".join(f"{w} 1000\n" for w in glossary_words(app.confdir)),
                         encoding="utf-8")
        config.html_search_options = {"dict": str(words)}


def language_switch(app, pagename, templatename, context, doctree):
    """The header's link to the same page in the other edition (its home page if it has none)."""
    here = EDITIONS[app.config.language]
    other = next(v for k, v in EDITIONS.items() if k != app.config.language)
    counterpart = root_doc if pagename in ONE_EDITION_ONLY else pagename
    up = "../" * (pagename.count("/") + here["folder"].count("/"))
    context["language_switch"] = {"url": f"{up}{other['folder']}{counterpart}.html",
                                  "label": other["label"], "hreflang": other["hreflang"]}


# Pages of one edition only (the glossary of Chinese terms): the switch leads to the home page.
ONE_EDITION_ONLY = {"docs/glossary"}


def chinese_search_language():
    """Sphinx 9.0's Chinese search language, with its search page's stemmer fixed.

    Sphinx stems the Latin words of a Chinese page with the English stemmer, ships the English
    stemmer's JavaScript, but then names it ``ChineseStemmer`` in ``language_data.js``, which
    does not exist: every Chinese page logs "ChineseStemmer is not defined" and search finds
    nothing. The name comes from ``language_name``; this subclass makes it the English one.
    """
    from sphinx.search.zh import SearchChinese

    class ChineseSearchWithEnglishStemmer(SearchChinese):
        language_name = "English"  # window.Stemmer = EnglishStemmer, the code Sphinx ships

    return ChineseSearchWithEnglishStemmer


def setup(app):
    app.add_search_language(chinese_search_language())
    app.connect("config-inited", config_inited)
    app.connect("html-page-context", language_switch)
    app.connect("source-read", source_read)
    app.connect("build-finished", copy_mathjax)
