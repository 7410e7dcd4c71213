"""Build the book with Sphinx, MyST-NB and sphinx-book-theme (configuration in docs/conf.py).

    python scripts/book.py                 # make book: execute every notebook afresh, then render
    python scripts/book.py --stored        # render the stored (nbval-checked) notebooks as they are
    python scripts/book.py --stored --out-dir DIR

Sphinx reads a staged copy of the sources, ``build/book-src/``: ``docs/`` (configuration and pages)
and ``notebooks/``, either fresh executed copies (executed from the committed notebooks' own
folder, so that ``../data`` resolves, under the settings nbval uses) or the stored notebooks. The
committed notebooks are never modified. A warning fails the build (``-W --keep-going``).
The result is ``build/html/index.html``; it works from disk, offline.
"""

import argparse
import shutil
import sys
import time
from pathlib import Path

from sphinx.cmd.build import build_main

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_notebooks import ROOT, execute, notebook_paths  # noqa: E402

BUILD = ROOT / "build"
DOCS = ROOT / "docs"


def stage(src, stored=True, notebooks=None):
    """Copy docs/ and the notebooks (stored, or executed afresh) into ``src``; return ``src``."""
    src = Path(src)
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(DOCS, src / "docs", ignore=shutil.ignore_patterns("__pycache__"))
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


def render(src, out, quiet=True):
    """sphinx-build -W --keep-going on a staged ``src`` into ``out``; returns the exit status."""
    args = ["-b", "html", "-W", "--keep-going", "-c", str(Path(src) / "docs"), "-j", "1",
            "-d", str(Path(src) / ".doctrees"), str(src), str(out)]
    return build_main((["-q"] if quiet else []) + args)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stored", action="store_true",
                        help="render the stored notebooks instead of executing them afresh")
    parser.add_argument("--out-dir", type=Path, default=BUILD / "html")
    parser.add_argument("--src-dir", type=Path, default=BUILD / "book-src")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    stage(args.src_dir, stored=args.stored)
    if args.out_dir.exists():
        shutil.rmtree(args.out_dir)
    status = render(args.src_dir, args.out_dir)
    took = time.perf_counter() - start
    if status == 0:
        print(f"book: {args.out_dir / 'index.html'} ({took:.0f} s)")
    else:
        print(f"book: sphinx-build failed (exit status {status})", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
