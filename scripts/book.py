"""Build the book with Sphinx, MyST-NB and sphinx-book-theme (configuration in docs/conf.py).

    python -m scripts.book                 # make book: execute every notebook afresh, then render
    python -m scripts.book --stored        # render the stored (nbval-checked) notebooks as they are
    python -m scripts.book --stored --out-dir DIR

Two editions: English at the root of the book, Simplified Chinese under ``zh-CN/``. Sphinx reads
a staged copy of each edition's sources, ``build/book-src/en/`` and ``build/book-src/zh_CN/``,
laid out alike: ``docs/`` (configuration and pages) and ``notebooks/``. The English notebooks
are either fresh executed copies (executed from the committed notebooks' own folder, so that
``../data`` resolves, under the settings nbval uses) or the stored ones; the Chinese notebooks are
generated from those English copies and the translations (``scripts/translations.py``; with
``--stored`` they are exactly the committed ``notebooks-zh-CN/``, as a test checks). The
committed notebooks are never modified. A
warning fails the build (``-W --keep-going``). The result is ``build/html/index.html`` (English)
and ``build/html/zh-CN/index.html``; both work from disk, offline.
"""

import argparse
import shutil
import sys
import time
from pathlib import Path

from sphinx.cmd.build import build_main

from scripts import translations
from scripts.normalize_notebooks import canonical_text
from scripts.run_notebooks import ROOT, execute, notebook_paths

BUILD = ROOT / "build"
DOCS = ROOT / "docs"
ZH_DOCS = DOCS / "zh-CN"  # the Chinese pages, staged as docs/*.md
GLOSSARY = DOCS / "glossary.zh-CN.md"  # staged as docs/glossary.md
EDITIONS = ("en", "zh_CN")
FOLDER = {"en": "", "zh_CN": "zh-CN"}  # where each edition goes in the book
CHINESE_ONLY = shutil.ignore_patterns("__pycache__", ZH_DOCS.name, GLOSSARY.name)


def stage_chinese(src, english_src):
    """Stage the Chinese edition in ``src`` from the staged English one: its pages, and notebooks
    generated from the English copies (fresh or stored) plus the translations."""
    src = Path(src)
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(DOCS, src / "docs", ignore=shutil.ignore_patterns(
        "__pycache__", ZH_DOCS.name, "*.md"))
    for page in ZH_DOCS.glob("*.md"):
        shutil.copy2(page, src / "docs" / page.name)
    shutil.copy2(GLOSSARY, src / "docs" / "glossary.md")
    (src / "notebooks").mkdir(parents=True)
    for path in sorted((Path(english_src) / "notebooks").glob("*.ipynb")):
        text = canonical_text(translations.generate(path))
        (src / "notebooks" / path.name).write_text(text, encoding="utf-8")
    return src


def stage(src, stored=True, notebooks=None):
    """Copy docs/ (English pages) and the notebooks (stored, or executed afresh) into ``src``."""
    src = Path(src)
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(DOCS, src / "docs", ignore=CHINESE_ONLY)
    (src / "notebooks").mkdir(parents=True)
    for path in notebook_paths() if notebooks is None else notebooks:
        target = src / "notebooks" / path.name
        if stored:
            shutil.copy2(path, target)
        else:
            start = time.perf_counter()
            execute(path, target)
            print(f"executed {path.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s",
                  flush=True)
    return src


def render(src, out, quiet=True, language="en"):
    """sphinx-build -W --keep-going on a staged ``src`` into ``out``; returns the exit status."""
    args = ["-b", "html", "-W", "--keep-going", "-c", str(Path(src) / "docs"), "-j", "1",
            "-D", f"language={language}", "-d", str(Path(src) / ".doctrees"), str(src), str(out)]
    return build_main((["-q"] if quiet else []) + args)


def build(src_root, out, stored=True):
    """Stage and render both editions into ``out`` (English) and ``out/zh-CN``; exit status."""
    src_root, out = Path(src_root), Path(out)
    english = stage(src_root / "en", stored=stored)
    chinese = stage_chinese(src_root / "zh_CN", english)
    if out.exists():
        shutil.rmtree(out)
    status = render(english, out)
    return status or render(chinese, out / FOLDER["zh_CN"], language="zh_CN")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stored", action="store_true",
                        help="render the stored notebooks instead of executing them afresh")
    parser.add_argument("--out-dir", type=Path, default=BUILD / "html")
    parser.add_argument("--src-dir", type=Path, default=BUILD / "book-src")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    status = build(args.src_dir, args.out_dir, stored=args.stored)
    took = time.perf_counter() - start
    if status == 0:
        print(f"book: {args.out_dir / 'index.html'} and "
              f"{args.out_dir / FOLDER['zh_CN'] / 'index.html'} ({took:.0f} s)")
    else:
        print(f"book: sphinx-build failed (exit status {status})", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
