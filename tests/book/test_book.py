"""The book (Sphinx + MyST-NB + sphinx-book-theme): pages, order, links, figures, solutions,
downloads, MathJax from the build, and nothing loaded from the network.

``make book`` runs these tests on the book it has just built from freshly executed notebooks;
``pytest tests/book`` alone renders one from the committed notebooks (``scripts/book.py
--stored``; fixture ``book_html`` in tests/book/conftest.py). What a browser shows is checked in
tests/book/test_book_browser.py. Both editions are checked alike: English at the book's root, and the
Simplified Chinese edition under ``zh-CN/`` (its notebooks are ``notebooks-zh-CN/``).
"""

import functools
import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from scripts import book as book_script

ROOT = Path(__file__).resolve().parents[2]

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PAGES = ["docs/index.html", "docs/teaching.html", "docs/running.html", "docs/references.html"]


class Edition:
    """One edition of the book: where it is, its notebooks, the words its pages use."""

    def __init__(self, name, folder, notebook_dir, pages, solution, show, minutes):
        self.name, self.folder = name, folder
        self.notebooks = [notebook_dir / nb.name for nb in NOTEBOOKS]
        self.pages, self.solution, self.minutes = pages, solution, minutes
        self.show = show  # the toggle of a solution's code cells

    def __repr__(self):
        return self.name


EDITIONS = [
    Edition("en", "", ROOT / "notebooks", PAGES, "Solution", "Show the solution", "{} min"),
    Edition("zh-CN", "zh-CN", ROOT / "notebooks-zh-CN", PAGES + ["docs/glossary.html"], "解答",
            "显示解答", "{} 分钟"),
]


@pytest.fixture(params=EDITIONS, ids=repr)
def edition(request):
    return request.param


@pytest.fixture
def html(book_html, edition):
    """The root of one edition in the built book."""
    return book_html / edition.folder
REMOTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//")  # http://, https://, //host, ...
CSS_REMOTE = re.compile(r"(?:url\(|@import)\s*['\"]?(?:https?:)?//[^)'\";]*")
LOADING = [("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"),
           ("source", "src"), ("video", "src"), ("audio", "src"), ("embed", "src"),
           ("object", "data")]


def notebook_page(nb):
    return f"notebooks/{nb.stem}.html"


@functools.cache
def soup(book_html, page):
    """The parsed page (parsed once per session: the pages are large)."""
    return BeautifulSoup((book_html / page).read_text(encoding="utf-8"), "html.parser")


def all_pages(edition=EDITIONS[0]):
    return edition.pages + [notebook_page(nb) for nb in NOTEBOOKS]


def test_every_page_exists_with_a_title(html, edition):
    assert NOTEBOOKS, "no notebooks found"
    for page in all_pages(edition) + ["search.html"]:
        assert (html / page).is_file(), page
        assert soup(html, page).title.get_text(strip=True), f"{page} has no <title>"
    top = (html / "index.html").read_text()
    assert 'url=docs/index.html' in top  # the top-level index.html opens the home page


def test_home_lists_the_notebooks_in_order_with_summary_time_and_total(html, edition):
    home = soup(html, "docs/index.html")
    rows = home.select("table tbody tr")
    metas = [json.loads(nb.read_text())["metadata"]["svd_course"] for nb in edition.notebooks]
    assert len(rows) == len(NOTEBOOKS) + 1  # one per notebook, then the total
    for row, nb, meta in zip(rows, NOTEBOOKS, metas, strict=False):
        cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
        assert cells[0] == nb.name[:2]
        assert row.find("a")["href"].endswith(f"../notebooks/{nb.stem}.html")
        assert cells[2] == meta["summary"]
        assert cells[3] == edition.minutes.format(meta["minutes"])
    total = sum(m["minutes"] for m in metas)
    assert edition.minutes.format(total) in rows[-1].get_text(" ", strip=True)


def test_every_page_links_to_the_same_page_in_the_other_edition(book_html):
    """The header's language switch: English page -> its Chinese page, and back."""
    english, chinese = book_html, book_html / "zh-CN"
    for page in all_pages(EDITIONS[0]) + ["search.html"]:
        link = soup(english, page).select_one("a.language-switch")
        assert link is not None and link.get_text(strip=True) == "简体中文", page
        assert ((english / page).parent / link["href"]).resolve() == (chinese / page).resolve()
    for page in all_pages(EDITIONS[1]) + ["search.html"]:
        link = soup(chinese, page).select_one("a.language-switch")
        assert link is not None and link.get_text(strip=True) == "English", page
        target = page if (english / page).is_file() else "docs/index.html"  # the glossary
        assert ((chinese / page).parent / link["href"]).resolve() == (english / target).resolve()
    assert soup(chinese, "docs/index.html").html["lang"] == "zh-CN"


def test_the_chinese_search_index_knows_chinese_words(book_html):
    """Sphinx's Chinese search splits words with jieba: without it no Chinese term is indexed."""
    text = (book_html / "zh-CN" / "searchindex.js").read_text(encoding="utf-8")
    terms = json.loads(text[text.index("(") + 1:text.rindex(")")])["terms"]
    for term in ("奇异值", "低秩近似", "谱范数", "幂迭代", "主成分分析"):
        assert term in terms, term


@pytest.mark.parametrize("i", range(len(NOTEBOOKS)))
def test_previous_and_next_follow_the_order(html, i):
    book_html = html
    order = ["docs/index.html"] + [notebook_page(nb) for nb in NOTEBOOKS]
    page = soup(book_html, notebook_page(NOTEBOOKS[i]))
    here = book_html / notebook_page(NOTEBOOKS[i])
    prev = page.select_one("a.left-prev")
    assert prev is not None
    assert (here.parent / prev["href"]).resolve() == (book_html / order[i]).resolve()
    nxt = page.select_one("a.right-next")
    if i + 1 < len(NOTEBOOKS):
        assert (here.parent / nxt["href"]).resolve() == (book_html / order[i + 2]).resolve()


def test_every_local_link_and_image_resolves(html, edition):
    book_html = html
    problems = []
    for page in all_pages(edition):
        here = book_html / page
        doc = soup(book_html, page)
        for tag, attr in [("a", "href")] + LOADING:
            for el in doc.find_all(tag):
                url = el.get(attr)
                if not url or REMOTE.match(url) or url.startswith(("mailto:", "data:", "#")):
                    continue
                parts = urlsplit(url)
                target = (here.parent / unquote(parts.path)).resolve()
                if not target.exists():
                    problems.append(f"{page}: {tag} {url}")
                elif parts.fragment and target.suffix == ".html":
                    ids = {e.get("id") for e in soup(book_html, target.relative_to(
                        book_html.resolve()).as_posix()).find_all(id=True)}
                    if parts.fragment not in ids:
                        problems.append(f"{page}: anchor {url}")
    assert not problems, problems[:20]


def test_nothing_is_loaded_from_the_network(html, edition):
    book_html = html
    remote = []
    for page in all_pages(edition) + ["search.html"]:
        for tag, attr in LOADING:
            for el in soup(book_html, page).find_all(tag):
                if el.get(attr) and REMOTE.match(el[attr]):
                    remote.append(f"{page}: <{tag} {attr}={el[attr]}>")
    for css in (book_html / "_static").rglob("*.css"):
        found = CSS_REMOTE.findall(css.read_text(encoding="utf-8", errors="replace"))
        remote += [f"{css.name}: {u}" for u in found]
    assert not remote, remote[:20]


def test_mathjax_comes_with_the_book(html):
    book_html = html
    assert (book_html / "_static" / "mathjax" / "tex-svg.js").is_file()
    for page in [notebook_page(nb) for nb in NOTEBOOKS]:
        srcs = [s.get("src", "") for s in soup(book_html, page).find_all("script")]
        assert any("_static/mathjax/tex-svg.js" in s for s in srcs), page


@pytest.mark.parametrize("i", range(len(NOTEBOOKS)), ids=lambda i: NOTEBOOKS[i].stem)
def test_figures_solutions_and_download_of_every_notebook(html, edition, i):
    book_html, nb = html, edition.notebooks[i]
    data = json.loads(nb.read_text())
    stored_pngs = sum("image/png" in o.get("data", {}) for c in data["cells"]
                      if c["cell_type"] == "code" for o in c["outputs"])
    solutions = sum("".join(c["source"]).count(f"<summary>{edition.solution}</summary>")
                    for c in data["cells"] if c["cell_type"] == "markdown")
    page = soup(book_html, notebook_page(nb))
    images = [img["src"] for img in page.select("img") if "_images/" in img.get("src", "")]
    assert len(images) == stored_pngs
    solution_cells = sum("solution" in c["metadata"].get("tags", []) for c in data["cells"])
    written = sum("".join(c["source"]).count("<details") for c in data["cells"]
                  if c["cell_type"] == "markdown")  # prose solutions (and any other note)
    details = page.find_all("details")
    assert solution_cells > 0 and len(details) == written + solution_cells
    toggles = [d for d in details if "hide" in d.get("class", [])]  # MyST-NB's hide-cell
    assert len(toggles) == solution_cells
    assert all(d.find("p", class_="collapsed").get_text(strip=True) == edition.show for d in toggles)
    assert sum(d.find("summary").get_text(strip=True) == edition.solution
               for d in details if d not in toggles) == solutions
    assert not any(d.has_attr("open") for d in details)  # collapsed until clicked
    downloads = [a["href"] for a in page.find_all("a", href=True)
                 if a["href"].endswith(f"_sources/notebooks/{nb.name}")]
    assert downloads and (book_html / "_sources" / "notebooks" / nb.name).is_file()


def test_make_book_executes_fresh_copies_and_leaves_the_notebooks_alone(tmp_path, monkeypatch):
    calls = []

    def fake_execute(path, out):
        calls.append((path, out))
        out.write_bytes(path.read_bytes())

    monkeypatch.setattr(book_script, "execute", fake_execute)
    before = NOTEBOOKS[0].read_bytes()
    book_script.stage(tmp_path / "src", stored=False, notebooks=NOTEBOOKS[:1])
    assert calls == [(NOTEBOOKS[0], tmp_path / "src" / "notebooks" / NOTEBOOKS[0].name)]
    assert NOTEBOOKS[0].read_bytes() == before


def test_a_warning_fails_the_build(book_root, tmp_path):
    """The book builds cleanly (book_html); one broken link in a page fails it (-W). The
    session's build is copied and rebuilt incrementally: only the edited page is read again."""
    src, out = tmp_path / "src", tmp_path / "html"
    shutil.copytree(book_root / "book-src" / "en", src)
    shutil.copytree(book_root / "html", out, ignore=shutil.ignore_patterns("zh-CN"))
    running = src / "docs" / "running.md"
    running.write_text(running.read_text() + "\n[a link to nowhere](nowhere.md)\n")
    assert book_script.render(src, out) != 0
