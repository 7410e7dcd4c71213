"""Render the collection as a static HTML book under build/html/.

Every notebook is executed afresh (copies under build/executed/, never the committed files),
then converted to one HTML page each, with previous / index / next links, and an index.html
that lists the notebooks in order.
"""

import html
import json
import re
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_notebooks import ROOT, execute, notebook_paths  # noqa: E402

BUILD = ROOT / "build"
EXECUTED = BUILD / "executed"
HTML_DIR = BUILD / "html"
TITLE = "SVD with TensorFlow"


def notebook_info(nb):
    """Title (first '# ' heading), one-line summary and estimated time from a notebook."""
    title, summary, minutes = None, "", None
    meta = nb.metadata.get("svd_course", {})
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if title is None and line.startswith("# "):
                title = line[2:].strip()
        break
    summary = meta.get("summary", summary)
    minutes = meta.get("minutes", minutes)
    return title or "Untitled", summary, minutes


def rewrite_links(body):
    """Point notebook links at the rendered pages: NN_x.ipynb -> NN_x.html, README -> index."""
    body = re.sub(r'href="(\d\d_[A-Za-z0-9_]+)\.ipynb(#[^"]*)?"', r'href="\1.html\2"', body)
    return body.replace('href="../README.md"', 'href="index.html"')


def nav_bar(prev_page, next_page):
    parts = []
    if prev_page:
        parts.append(f'<a href="{prev_page[0]}">← {html.escape(prev_page[1])}</a>')
    parts.append('<a href="index.html">Index</a>')
    if next_page:
        parts.append(f'<a href="{next_page[0]}">{html.escape(next_page[1])} →</a>')
    return ('<nav class="book-nav" style="display:flex;gap:2em;justify-content:center;'
            'padding:0.6em;font-family:sans-serif;border-bottom:1px solid #ddd">'
            + " | ".join(parts) + "</nav>")


def main():
    paths = notebook_paths()
    EXECUTED.mkdir(parents=True, exist_ok=True)
    HTML_DIR.mkdir(parents=True, exist_ok=True)
    pages = []
    for path in paths:
        out = EXECUTED / path.name
        execute(path, out)
        nb = nbformat.read(out, as_version=4)
        title, summary, minutes = notebook_info(nb)
        pages.append((path.stem + ".html", title, summary, minutes, nb))
        print(f"executed {path.name}", flush=True)
    exporter = HTMLExporter(template_name="lab")
    for i, (page, title, _summary, _minutes, nb) in enumerate(pages):
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
        prev_page = pages[i - 1][:2] if i > 0 else None
        next_page = pages[i + 1][:2] if i + 1 < len(pages) else None
        nav = nav_bar(prev_page, next_page)
        body = body.replace("<body", "<body", 1)
        head, sep, rest = body.partition("<main>")
        if sep:
            body = head + sep + nav + rest
        body = body.replace("</main>", nav + "</main>", 1)
        body = rewrite_links(body)
        (HTML_DIR / page).write_text(body, encoding="utf-8")
        print(f"rendered build/html/{page}", flush=True)
    rows = []
    for page, title, summary, minutes, _nb in pages:
        time_txt = f" <em>(about {minutes} min)</em>" if minutes else ""
        rows.append(f'<li><a href="{page}">{html.escape(title)}</a>{time_txt}'
                    f'<br><span>{html.escape(summary)}</span></li>')
    index = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title>
<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.5}}
li{{margin-bottom:0.8em}}</style></head>
<body><h1>{TITLE}</h1>
<p>An ordered collection of notebooks that teaches the singular value decomposition with
TensorFlow, from first principles to its uses in deep learning. Read them in order.</p>
<ol>
{chr(10).join(rows)}
</ol></body></html>
"""
    (HTML_DIR / "index.html").write_text(index, encoding="utf-8")
    (BUILD / "book.json").write_text(json.dumps([p[:4] for p in pages], indent=1))
    print(f"wrote build/html/index.html ({len(pages)} notebooks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
