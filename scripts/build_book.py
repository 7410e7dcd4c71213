"""Render the collection as a static HTML book that works offline.

    python scripts/build_book.py                       # make book: execute afresh, render build/html/
    python scripts/build_book.py --no-execute --out-dir DIR   # render the stored notebooks as they are

By default every notebook is executed afresh (copies under build/executed/, never the committed
files, under the settings nbval uses), then rendered. ``--no-execute`` renders the committed,
already-executed notebooks instead: fast, used by the tests.

The book is an ``index.html`` (title, what the collection is for, the notebooks in order with a
one-line summary and an estimated time, taken from each notebook's ``svd_course`` metadata), one
page per notebook (figures embedded as data URIs), previous / index / next links at the top and
bottom of every page, and the teaching guide. Nothing is loaded from the network: MathJax 2.7 is
copied from the ``jupyter-server-mathjax`` package into ``mathjax/``, and the parts of nbconvert's
lab template that would load scripts from a CDN (require.js, the widget manager, mermaid) are left
out; no notebook of the collection needs them.
"""

import argparse
import base64
import html
import mimetypes
import os
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
from jinja2 import DictLoader
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_notebooks import NOTEBOOKS, ROOT, execute, notebook_paths  # noqa: E402

BUILD = ROOT / "build"
EXECUTED = BUILD / "executed"
HTML_DIR = BUILD / "html"
DOCS = ROOT / "docs"
TEACHING = DOCS / "teaching.md"
TITLE = "SVD with TensorFlow"
PURPOSE = """An ordered collection of Jupyter notebooks that teaches the <strong>singular value
decomposition</strong> with TensorFlow, from first principles to its uses in deep learning. Every
notebook explains with prose, figures and short code cells, checks every claim in code, and ends
with exercises whose worked solutions are one click away. It is written for learners who know basic
linear algebra and Python but not the SVD, and for instructors who want ordered, timed lessons.
Read the notebooks in order: each one lists its prerequisites at the top."""
MATHJAX_DIR = "mathjax"
MATHJAX_SCRIPT = f"{MATHJAX_DIR}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"

# MathJax 2.7 as the package ships it: the HTML-CSS output with the STIX web fonts (the only ones
# included), the TeX delimiters Jupyter uses, and no message box.
MATHJAX_HEAD = """<script type="text/x-mathjax-config">
MathJax.Hub.Config({
  tex2jax: {inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]],
            displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]],
            processEscapes: true, processEnvironments: true},
  TeX: {equationNumbers: {autoNumber: "AMS", useLabelIds: true}},
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null,
               linebreaks: {automatic: true}},
  displayAlign: "center",
  messageStyle: "none"
});
</script>
<script src="%s"></script>
<script>
// Math inside a closed <details> is laid out while hidden; lay it out again when it is opened.
document.addEventListener("toggle", function (event) {
  var el = event.target;
  if (el.tagName === "DETAILS" && el.open && window.MathJax && MathJax.Hub) {
    MathJax.Hub.Queue(["Rerender", MathJax.Hub, el]);
  }
}, true);
</script>"""

BOOK_CSS = """<style type="text/css">
nav.book-nav {display: flex; flex-wrap: wrap; gap: 0.5em 2em; justify-content: center;
  padding: 0.6em 1em; font-family: var(--jp-ui-font-family, sans-serif); font-size: 0.95em;
  border-bottom: 1px solid #ddd; background: #fafafa}
nav.book-nav.bottom {border-top: 1px solid #ddd; border-bottom: none; margin-top: 2em}
nav.book-nav a {text-decoration: none}
nav.book-nav a:hover {text-decoration: underline}
details {border: 1px solid #d0d7de; border-radius: 6px; padding: 0.3em 0.8em; margin: 0.5em 0 1em}
details > summary {cursor: pointer; font-weight: 600; color: #0b5cad}
details[open] > summary {margin-bottom: 0.5em}
</style>"""

TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}{{ resources.book.mathjax }}{%- endblock html_head_js_mathjax -%}
{%- block extra_css -%}{{ resources.book.css }}{%- endblock extra_css -%}
{%- block body_header -%}{{ super() }}
{{ resources.book.nav_top }}
{%- endblock body_header -%}
{%- block body_footer -%}
{{ resources.book.nav_bottom }}
{{ super() }}
{%- endblock body_footer -%}
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title>
{mathjax}
{css}
<style type="text/css">
body {{font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
  line-height: 1.55; color: #1f2328}}
main {{max-width: 52em; margin: 1.5em auto; padding: 0 1em}}
ol.contents {{list-style: none; padding-left: 0}}
ol.contents > li {{margin-bottom: 1em}}
ol.contents .summary {{display: block; color: #444}}
ol.contents .time {{color: #666; font-size: 0.9em}}
pre, code {{background: #f6f8fa; border-radius: 4px}}
pre {{padding: 0.6em; overflow-x: auto}}
code {{padding: 0.1em 0.3em}}
pre code {{padding: 0}}
table {{border-collapse: collapse}}
th, td {{border: 1px solid #d0d7de; padding: 0.3em 0.6em}}
a.anchor-link {{visibility: hidden; text-decoration: none; margin-left: 0.2em}}
h1:hover > a.anchor-link, h2:hover > a.anchor-link, h3:hover > a.anchor-link {{visibility: visible}}
</style>
</head>
<body>
{nav_top}
<main>
{body}
</main>
{nav_bottom}
</body>
</html>
"""


class BookError(RuntimeError):
    """A notebook could not be executed: the book is not built."""


class Page:
    """One page of the book: its file name, title, and (for notebooks) summary and minutes."""

    def __init__(self, name, title, summary="", minutes=None, source=None, nb=None):
        self.name, self.title, self.summary, self.minutes = name, title, summary, minutes
        self.source, self.nb = source, nb


def notebook_info(nb):
    """Title (the first '# ' heading of the first markdown cell), summary and minutes."""
    title = None
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("# "):
                title = line[2:].strip()
                break
        break
    meta = nb.metadata.get("svd_course", {})
    return title or "Untitled", meta.get("summary", ""), meta.get("minutes")


def nav_bar(prev_page, next_page, where):
    """Previous / index / next links (``where`` is "top" or "bottom")."""
    parts = []
    if prev_page is not None:
        parts.append(f'<a class="prev" href="{prev_page.name}">← {html.escape(prev_page.title)}</a>')
    parts.append('<a class="index" href="index.html">Index</a>')
    if next_page is not None:
        parts.append(f'<a class="next" href="{next_page.name}">{html.escape(next_page.title)} →</a>')
    return (f'<nav class="book-nav {where}" aria-label="Book navigation">'
            + " | ".join(parts) + "</nav>")


def link_rewriter(src_dir, out_dir, page_names, warnings):
    """A function mapping an href written in a source file to the right one in the book.

    Links to notebooks become links to their pages, README.md becomes the index, the teaching
    guide its page; other relative links that name a file of the repository point at that file
    (relative to the output folder); external links and anchors are kept as they are.
    """
    redirects = {ROOT / "README.md": "index.html", TEACHING: "teaching.html"}

    def rewrite(href):
        if not href or href.startswith(("#", "//")) or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", href):
            return href
        path, sep, fragment = href.partition("#")
        if path in page_names:
            return href
        target = Path(os.path.normpath(src_dir / path))
        if target.suffix == ".ipynb" and target.parent == NOTEBOOKS:
            new = target.stem + ".html"
            if new not in page_names:
                warnings.append(f"link to a missing notebook: {href}")
            return new + sep + fragment
        if target in redirects:
            return redirects[target] + sep + fragment
        if target.exists():
            return Path(os.path.relpath(target, out_dir)).as_posix() + sep + fragment
        warnings.append(f"link to a missing file: {href}")
        return href

    return rewrite


def embed_image(src, src_dir, warnings):
    """A data URI for a relative image path (Markdown images), so that pages stand alone."""
    if not src or src.startswith(("data:", "//")) or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", src):
        return src
    target = Path(os.path.normpath(src_dir / src.partition("?")[0]))
    mime = mimetypes.guess_type(target.name)[0]
    if not target.is_file() or not mime or not mime.startswith("image/"):
        warnings.append(f"image not found: {src}")
        return src
    return f"data:{mime};base64," + base64.b64encode(target.read_bytes()).decode("ascii")


LINK_ATTR = re.compile(r'(<a\b[^>]*?\shref=")([^"]*)(")')
IMG_ATTR = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]*)(")')


def rewrite_links(page_html, rewrite, src_dir, warnings):
    """Apply ``rewrite`` to every ``<a href>`` of a rendered page and embed local ``<img>`` files.

    The pages are serialised by nbconvert (or written here) with double-quoted attributes, so a
    regular expression finds them; parsing a page of several megabytes again would be slow.
    (nbconvert's own ``embed_images`` is not used: it re-parses each HTML block of a Markdown cell
    on its own, which closes a ``<details>`` right after its ``<summary>``.)
    """
    def attr(func):
        def sub(match):
            value = html.unescape(match.group(2))
            new = func(value)
            if new == value:
                return match.group(0)
            return match.group(1) + html.escape(new, quote=True) + match.group(3)
        return sub

    page_html = LINK_ATTR.sub(attr(rewrite), page_html)
    return IMG_ATTR.sub(attr(lambda src: embed_image(src, src_dir, warnings)), page_html)


def copy_mathjax(out_dir):
    """Copy MathJax 2.7 from the jupyter-server-mathjax package into ``out_dir/mathjax``."""
    import jupyter_server_mathjax

    src = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (src / "MathJax.js").is_file():
        raise FileNotFoundError(f"MathJax.js not found in the jupyter-server-mathjax package ({src})")
    dest = out_dir / MATHJAX_DIR
    if dest.exists():
        shutil.rmtree(dest)
    # Translations of MathJax's menus are not needed: the book is in English.
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("localization"))


def render_notebook(exporter, page, prev_page, next_page, page_names, out_dir, warnings):
    resources = {
        "metadata": {"name": page.title, "path": str(NOTEBOOKS)},
        "book": {
            "mathjax": MATHJAX_HEAD % MATHJAX_SCRIPT,
            "css": BOOK_CSS,
            "nav_top": nav_bar(prev_page, next_page, "top"),
            "nav_bottom": nav_bar(prev_page, next_page, "bottom"),
        },
    }
    body, _ = exporter.from_notebook_node(page.nb, resources=resources)
    rewrite = link_rewriter(NOTEBOOKS, out_dir, page_names, warnings)
    return rewrite_links(body, rewrite, NOTEBOOKS, warnings)


def duration(minutes):
    """'50 min', '1 h 05 min'."""
    hours, rest = divmod(int(minutes), 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def render_index(pages, teaching, out_dir):
    rows = []
    for i, page in enumerate(pages, start=1):
        time_txt = f'<span class="time">about {page.minutes} min</span>' if page.minutes else ""
        rows.append(f'<li value="{i}"><a href="{page.name}"><strong>{html.escape(page.title)}</strong></a>'
                    f' {time_txt}<span class="summary">{html.escape(page.summary)}</span></li>')
    total = sum(p.minutes for p in pages if isinstance(p.minutes, int | float))
    guide = (f'<p>Teaching with the collection? See the <a href="{teaching.name}">teaching guide</a>: '
             "order, timing, homework, running a classroom with JupyterLab.</p>") if teaching else ""
    body = f"""<h1>{TITLE}</h1>
<p>{PURPOSE}</p>
<h2>The notebooks</h2>
<p>{len(pages)} notebooks, about {duration(total)} in all.</p>
<ol class="contents">
{chr(10).join(rows)}
</ol>
{guide}
<h2>Running the notebooks yourself</h2>
<p>These pages show every notebook executed, with its outputs. To run and change the code, open the
project in JupyterLab with <code>make lab</code>: it sets up the project's environment on first use
and needs no network after that. Every notebook ships its data and runs on a CPU.</p>"""
    nav_top = nav_bar(None, pages[0] if pages else None, "top")
    return PAGE.format(title=TITLE, mathjax=MATHJAX_HEAD % MATHJAX_SCRIPT, css=BOOK_CSS,
                       nav_top=nav_top, nav_bottom="", body=body)


def render_markdown_page(page, out_dir, page_names, warnings):
    """A page of the book from a Markdown file of the repository (the teaching guide)."""
    body = markdown2html_mistune(page.source.read_text(encoding="utf-8"))
    nav = nav_bar(None, None, "top")
    full = PAGE.format(title=f"{html.escape(page.title)} · {TITLE}",
                       mathjax=MATHJAX_HEAD % MATHJAX_SCRIPT, css=BOOK_CSS, nav_top=nav,
                       nav_bottom=nav.replace('"book-nav top"', '"book-nav bottom"'), body=body)
    rewrite = link_rewriter(page.source.parent, out_dir, page_names, warnings)
    return rewrite_links(full, rewrite, page.source.parent, warnings)


def markdown_title(path):
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem


def build(out_dir=HTML_DIR, execute_notebooks=True, executed_dir=EXECUTED, log=print):
    """Render the book into ``out_dir``; return the list of warnings (unresolved links)."""
    out_dir = Path(out_dir).resolve()
    paths = notebook_paths()
    if not paths:
        raise BookError("no notebooks found in notebooks/")
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = []
    for path in paths:
        if execute_notebooks:
            src = Path(executed_dir) / path.name
            start = time.perf_counter()
            try:
                execute(path, src)  # run_notebooks.execute: a quiet kernel over IPC
            except CellExecutionError as err:
                raise BookError(
                    f"{path.relative_to(ROOT)} failed: {err.ename}: {err.evalue}\n"
                    f"Run `make notebooks NB={path.relative_to(ROOT)}` or open it in JupyterLab "
                    "to see the whole traceback.") from None
            log(f"executed {path.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s")
        else:
            src = path
        nb = nbformat.read(src, as_version=4)
        title, summary, minutes = notebook_info(nb)
        pages.append(Page(path.stem + ".html", title, summary, minutes, source=path, nb=nb))
    teaching = Page("teaching.html", markdown_title(TEACHING), source=TEACHING) if TEACHING.is_file() else None
    page_names = {p.name for p in pages} | {"index.html"} | ({teaching.name} if teaching else set())

    # Remove pages of notebooks that no longer exist (renamed or deleted) from an earlier build.
    for old in out_dir.glob("[0-9][0-9]_*.html"):
        if old.name not in page_names:
            old.unlink()
    copy_mathjax(out_dir)
    warnings = []
    exporter = HTMLExporter(template_name="lab", extra_loaders=[DictLoader({"book.html.j2": TEMPLATE})],
                            template_file="book.html.j2")
    for i, page in enumerate(pages):
        prev_page = pages[i - 1] if i > 0 else None
        next_page = pages[i + 1] if i + 1 < len(pages) else None
        text = render_notebook(exporter, page, prev_page, next_page, page_names, out_dir, warnings)
        (out_dir / page.name).write_text(text, encoding="utf-8")
        log(f"rendered {page.name}")
    if teaching:
        (out_dir / teaching.name).write_text(
            render_markdown_page(teaching, out_dir, page_names, warnings), encoding="utf-8")
    (out_dir / "index.html").write_text(render_index(pages, teaching, out_dir), encoding="utf-8")
    for w in warnings:
        log(f"warning: {w}")
    log(f"wrote {out_dir / 'index.html'} ({len(pages)} notebooks)")
    return warnings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-execute", action="store_true",
                        help="render the committed notebooks with their stored outputs")
    parser.add_argument("--out-dir", type=Path, default=HTML_DIR,
                        help="where to write the book (default: build/html)")
    parser.add_argument("--strict", action="store_true",
                        help="fail when a link points at a missing notebook or file")
    args = parser.parse_args(argv)
    try:
        warnings = build(args.out_dir, execute_notebooks=not args.no_execute,
                         log=lambda msg: print(msg, flush=True))
    except BookError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 1 if (args.strict and warnings) else 0


if __name__ == "__main__":
    sys.exit(main())
