"""The rendered book: every page, working links and images, solutions, and nothing from the network.

The book is rendered once for this module from the committed, already-executed notebooks
(``build_book.py --no-execute``) into a temporary folder: executing every notebook is the job of
``make book`` and of nbval, and far too slow here.
"""

import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import build_book  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REMOTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//")  # http://, https://, //host, ...
CSS_REMOTE = re.compile(r"(?:url\(|@import)\s*['\"]?(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^)'\";]*")
# Tags and attributes that make a browser fetch something while the page loads.
LOADING = [("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"),
           ("source", "src"), ("video", "src"), ("audio", "src"), ("embed", "src"),
           ("object", "data"), ("track", "src")]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    out = tmp_path_factory.mktemp("book") / "html"

    def no_kernel(*args, **kwargs):
        raise AssertionError("--no-execute must render the stored outputs, not execute notebooks")

    real_execute, build_book.execute = build_book.execute, no_kernel
    try:
        status = build_book.main(["--no-execute", "--out-dir", str(out)])
    finally:
        build_book.execute = real_execute
    assert status == 0
    pages = {p.name: BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
             for p in sorted(out.glob("*.html"))}
    return out, pages


def expected_pages():
    names = ["index.html"] + [p.stem + ".html" for p in NOTEBOOKS]
    if (ROOT / "docs" / "teaching.md").is_file():
        names.append("teaching.html")
    return sorted(names)


def test_every_page_exists(book):
    out, pages = book
    assert NOTEBOOKS, "no notebooks found"
    assert sorted(pages) == expected_pages()
    for name, soup in pages.items():
        assert soup.title and soup.title.get_text(strip=True), f"{name} has no <title>"


def test_index_lists_the_notebooks_in_order_with_summary_and_time(book):
    _, pages = book
    index = pages["index.html"]
    assert index.h1.get_text(strip=True) == build_book.TITLE
    assert "singular value decomposition" in " ".join(index.get_text(" ").split())
    items = index.select("ol.contents > li")
    assert [li.a["href"] for li in items] == [p.stem + ".html" for p in NOTEBOOKS]
    for li, path in zip(items, NOTEBOOKS, strict=True):
        nb = nbformat.read(path, as_version=4)
        meta = nb.metadata["svd_course"]
        title = nb.cells[0].source.splitlines()[0][2:].strip()
        assert li.a.get_text(strip=True) == title
        assert li.select_one(".summary").get_text(strip=True) == meta["summary"].strip()
        assert li.select_one(".time").get_text(strip=True) == f"about {meta['minutes']} min"


def nav_links(soup, where):
    nav = soup.select_one(f"nav.book-nav.{where}")
    assert nav is not None, f"no {where} navigation bar"
    return {a["class"][0]: a["href"] for a in nav.find_all("a")}


@pytest.mark.parametrize("where", ["top", "bottom"])
def test_every_notebook_page_has_previous_index_next(book, where):
    _, pages = book
    names = [p.stem + ".html" for p in NOTEBOOKS]
    for i, name in enumerate(names):
        links = nav_links(pages[name], where)
        expected = {"index": "index.html"}
        if i > 0:
            expected["prev"] = names[i - 1]
        if i + 1 < len(names):
            expected["next"] = names[i + 1]
        assert links == expected, f"{name}: {where} navigation"
    assert nav_links(pages["index.html"], "top").get("next") == names[0]
    if "teaching.html" in pages:
        assert nav_links(pages["teaching.html"], "top") == {"index": "index.html"}


def element_ids(soup):
    return {el["id"] for el in soup.find_all(id=True)} | {el["name"] for el in soup.find_all("a", attrs={"name": True})}


def test_every_local_link_and_image_resolves(book):
    out, pages = book
    ids = {name: element_ids(soup) for name, soup in pages.items()}
    broken = []
    for name, soup in pages.items():
        refs = [(a.name, a["href"]) for a in soup.find_all("a", href=True)]
        refs += [(tag, el[attr]) for tag, attr in LOADING for el in soup.find_all(tag) if el.has_attr(attr)]
        for tag, ref in refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc:  # external links, data: URIs, mailto: ...
                continue
            target = (out / unquote(parts.path)).resolve() if parts.path else out / name
            if not target.exists():
                broken.append(f"{name}: <{tag}> {ref} (no such file)")
            elif parts.fragment and target.suffix == ".html" and target.parent == out.resolve():
                # browsers try the fragment as written, then percent-decoded
                if not {parts.fragment, unquote(parts.fragment)} & ids.get(target.name, set()):
                    broken.append(f"{name}: <{tag}> {ref} (no such anchor)")
    assert not broken, "\n".join(broken)


def test_nothing_is_loaded_from_the_network(book):
    _, pages = book
    remote = []
    for name, soup in pages.items():
        for tag, attr in LOADING:
            for el in soup.find_all(tag):
                if el.has_attr(attr) and REMOTE.match(el[attr].strip()):
                    remote.append(f"{name}: <{tag} {attr}={el[attr]}>")
        for el in soup.find_all("script"):  # e.g. a dynamic import() or a script added at run time
            if re.search(r"https?://", el.get_text()):
                remote.append(f"{name}: an inline <script> names a remote address")
        styles = [el.get_text() for el in soup.find_all("style")]
        styles += [el["style"] for el in soup.find_all(style=True)]
        for css in styles:
            css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)  # comments load nothing
            if CSS_REMOTE.search(css):
                remote.append(f"{name}: a style sheet loads {CSS_REMOTE.search(css).group(0)}")
    assert not remote, "\n".join(remote)


def test_mathjax_is_shipped_with_the_book(book):
    out, pages = book
    for name, soup in pages.items():
        srcs = [s["src"] for s in soup.find_all("script", src=True)]
        mathjax = [s for s in srcs if urlsplit(s).path.endswith("MathJax.js")]
        assert len(mathjax) == 1, f"{name}: MathJax is not loaded exactly once"
        parts = urlsplit(mathjax[0])
        assert (out / parts.path).is_file()
        configs = re.search(r"config=([^&]+)", parts.query).group(1).split(",")
        for config in configs:
            assert (out / "mathjax" / "config" / f"{config}.js").is_file(), config
    # the web font named in the configuration is there
    assert any((out / "mathjax" / "fonts" / "HTML-CSS" / "STIX-Web").rglob("*.woff"))


def test_figures_are_embedded(book):
    _, pages = book
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        n_png = sum("image/png" in out.get("data", {})
                    for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs)
        soup = pages[path.stem + ".html"]
        n_img = len(soup.select('img[src^="data:image/png;base64,"]'))
        assert n_img == n_png, f"{path.name}: {n_png} figures in the notebook, {n_img} on the page"


def test_solutions_are_collapsible(book):
    _, pages = book
    for path in NOTEBOOKS:
        soup = pages[path.stem + ".html"]
        details = soup.find_all("details")
        assert len(details) >= 2, f"{path.name}: fewer than two <details> solutions on the page"
        for d in details:
            first = d.find(True)
            assert first is not None and first.name == "summary", f"{path.name}: <details> without <summary>"
            rest = [c for c in d.children if c is not first and str(c).strip()]
            assert rest, f"{path.name}: a <details> whose solution is empty ({first.get_text(strip=True)})"
            assert not d.has_attr("open"), f"{path.name}: a solution is open by default"


def test_link_rewriting(tmp_path):
    """Notebook links become pages, README the index, repository files stay reachable."""
    out = tmp_path / "html"
    out.mkdir()
    warnings = []
    pages = {"01_svd_basics.html", "index.html"}
    rewrite = build_book.link_rewriter(build_book.NOTEBOOKS, out, pages, warnings)
    assert rewrite("01_svd_basics.ipynb#3.-Reconstruction") == "01_svd_basics.html#3.-Reconstruction"
    assert rewrite("../README.md") == "index.html"
    assert rewrite("https://example.org/x.ipynb") == "https://example.org/x.ipynb"
    assert rewrite("#Exercises") == "#Exercises"
    data_readme = rewrite("../data/README.md")
    assert (out / data_readme).resolve() == (ROOT / "data" / "README.md").resolve()
    assert warnings == []
    assert rewrite("99_missing.ipynb") == "99_missing.html"
    assert rewrite("../no/such/file.txt") == "../no/such/file.txt"
    assert len(warnings) == 2


def test_markdown_images_are_embedded_and_details_kept(tmp_path):
    (tmp_path / "dot.png").write_bytes((ROOT / "data" / "camera.png").read_bytes())
    page = ('<p><img alt="x" src="dot.png"/></p><details><summary>Solution</summary>\n'
            '<p>text</p>\n</details><a href="02_x.ipynb">next</a>')
    warnings = []
    new = build_book.rewrite_links(page, lambda href: href.replace(".ipynb", ".html"), tmp_path, warnings)
    assert 'src="data:image/png;base64,' in new
    assert '<details><summary>Solution</summary>\n<p>text</p>\n</details>' in new
    assert 'href="02_x.html"' in new
    assert warnings == []


def test_a_failing_notebook_stops_the_book_with_a_short_message(tmp_path, monkeypatch, capsys):
    from nbclient.exceptions import CellExecutionError

    def failing(path, out_path):
        raise CellExecutionError("traceback", "AssertionError", "the claim does not hold")

    monkeypatch.setattr(build_book, "execute", failing)
    status = build_book.main(["--out-dir", str(tmp_path / "html")])
    assert status == 1
    err = capsys.readouterr().err
    assert "AssertionError: the claim does not hold" in err
    assert f"make notebooks NB=notebooks/{NOTEBOOKS[0].name}" in err
    assert not (tmp_path / "html" / "index.html").exists()
