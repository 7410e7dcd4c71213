"""The Simplified Chinese edition: notebooks generated from the English ones plus translations.

    python -m scripts.translations                # make translations: write notebooks-zh-CN/
    python -m scripts.translations --check        # write nothing; exit 1 if anything is off
    python -m scripts.translations --update NB..  # add what to translate to the translation files

A Chinese notebook ``notebooks-zh-CN/NN_topic.ipynb`` is the English ``notebooks/NN_topic.ipynb``
with its markdown cells (and the one-line summary the book's home page shows) replaced by their
translations; code cells, outputs, execution counts and cell ids are the English notebook's own.
The folder sits beside ``notebooks/`` so that the code's relative paths (``../data/...``) work
from both.

Translations live in ``translations/zh-CN/NN_topic.md``, one block per markdown cell, in the
notebook's order, each under a header naming the cell and a fingerprint of the English text it
translates::

    <!-- summary en:1f2e3d4c5b6a7988 -->
    一句话概括……

    <!-- cell 3f9c0a1b en:0123456789abcdef -->
    # 01 · 奇异值分解基础
    ……

The fingerprint is the first 16 hex digits of the SHA-256 of the English cell's source. When the
English text changes, its fingerprint no longer matches: the translation is *stale*, and the
check fails until it is updated. ``--update`` rewrites a translation file in the notebook's order:
a missing cell gets a block holding the English text, a stale one keeps its old translation with
the new English text above it in a ``<!-- English: ... -->`` comment; both headers end in
``todo``. Translate, delete the comment and the ``todo``, then run ``make translations``.
"""

import argparse
import copy
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from scripts.normalize_notebooks import canonical_text
from scripts.run_notebooks import ROOT, notebook_paths

LANGUAGE = "zh-CN"
TRANSLATIONS = ROOT / "translations" / LANGUAGE
OUTPUT = ROOT / f"notebooks-{LANGUAGE}"
HEADER = re.compile(r"^<!-- (?:cell (?P<id>[A-Za-z0-9_-]+)|(?P<summary>summary)) "
                    r"en:(?P<fp>[0-9a-f]{16})(?P<todo> todo)? -->$", re.MULTILINE)
ENGLISH_COMMENT = "<!-- English:"
SUMMARY = "summary"


def fingerprint(text):
    """The first 16 hex digits of the SHA-256 of ``text`` (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Block:
    key: str  # a cell id, or "summary"
    fp: str
    text: str
    todo: bool = False


@dataclass
class Report:
    """What is wrong with one notebook's translation."""

    notebook: str
    missing: list = field(default_factory=list)
    stale: list = field(default_factory=list)
    todo: list = field(default_factory=list)
    orphans: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    def ok(self):
        return not (self.missing or self.stale or self.todo or self.orphans or self.problems)

    def lines(self):
        out = []
        for label, keys in (("no translation", self.missing), ("stale (English changed)",
                            self.stale), ("marked todo", self.todo),
                            ("translates no cell of the notebook", self.orphans)):
            if keys:
                out.append(f"{self.notebook}: {label}: {', '.join(keys)}")
        out += [f"{self.notebook}: {p}" for p in self.problems]
        return out


def shown(path):
    """``path`` relative to the project when it is inside it (for messages)."""
    path = Path(path)
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def translation_path(notebook):
    return TRANSLATIONS / f"{Path(notebook).stem}.md"


def output_path(notebook):
    return OUTPUT / Path(notebook).name


def parse(text):
    """The blocks of a translation file, in order (text outside blocks must be blank)."""
    matches = list(HEADER.finditer(text))
    if text[: matches[0].start() if matches else len(text)].strip():
        raise ValueError("text before the first <!-- cell ... --> header")
    blocks = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        key = SUMMARY if m["summary"] else m["id"]
        blocks.append(Block(key, m["fp"], text[m.end():end].strip("\n"), bool(m["todo"])))
    return blocks


def render(blocks):
    parts = []
    for b in blocks:
        head = "summary" if b.key == SUMMARY else f"cell {b.key}"
        parts.append(f"<!-- {head} en:{b.fp}{' todo' if b.todo else ''} -->\n{b.text}\n")
    return "\n".join(parts)


def english_units(nb):
    """(key, English text) of everything translated: the summary, then every markdown cell."""
    units = [(SUMMARY, nb.metadata["svd_course"]["summary"])]
    units += [(c.id, c.source) for c in nb.cells if c.cell_type == "markdown"]
    return units


def load(notebook):
    path = translation_path(notebook)
    return parse(path.read_text(encoding="utf-8")) if path.is_file() else []


def check_one(notebook, nb=None):
    """A Report on the translation of ``notebook`` (its file need not be generated yet)."""
    nb = nb or nbformat.read(notebook, as_version=4)
    report = Report(Path(notebook).name)
    try:
        blocks = load(notebook)
    except ValueError as err:
        report.problems.append(f"{translation_path(notebook).name}: {err}")
        return report, {}
    by_key = {}
    for b in blocks:
        if b.key in by_key:
            report.problems.append(f"cell {b.key} translated twice")
        by_key[b.key] = b
    units = english_units(nb)
    for key, english in units:
        b = by_key.get(key)
        if b is None or not b.text.strip():
            report.missing.append(key)
        elif b.fp != fingerprint(english):
            report.stale.append(key)
        elif b.todo:
            report.todo.append(key)
        elif ENGLISH_COMMENT in b.text:
            report.problems.append(f"cell {key} still holds the {ENGLISH_COMMENT} comment")
    keys = {k for k, _ in units}
    report.orphans = [k for k in by_key if k not in keys]
    return report, by_key


def generate(notebook):
    """The Chinese notebook (a NotebookNode) for ``notebook``; raises if the translation is off."""
    nb = nbformat.read(notebook, as_version=4)
    report, by_key = check_one(notebook, nb)
    if not report.ok():
        raise ValueError("\n".join(report.lines()))
    zh = copy.deepcopy(nb)
    zh.metadata["svd_course"]["summary"] = by_key[SUMMARY].text
    zh.metadata["svd_course"]["language"] = LANGUAGE
    for cell in zh.cells:
        if cell.cell_type == "markdown":
            cell.source = by_key[cell.id].text
    return zh


def update(notebook):
    """Rewrite the translation file in the notebook's order, marking what needs translating."""
    nb = nbformat.read(notebook, as_version=4)
    old = {b.key: b for b in load(notebook)}
    blocks = []
    for key, english in english_units(nb):
        fp, b = fingerprint(english), old.get(key)
        if b is None or not b.text.strip():
            blocks.append(Block(key, fp, english, todo=True))
        elif b.fp != fp:
            comment = f"{ENGLISH_COMMENT}\n{english}\n-->"
            text = b.text if ENGLISH_COMMENT in b.text else f"{comment}\n{b.text}"
            blocks.append(Block(key, fp, text, todo=True))
        else:
            blocks.append(b)
    path = translation_path(notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(blocks), encoding="utf-8")
    return sum(b.todo for b in blocks)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true",
                       help="write nothing; exit 1 if a translation is missing, stale or todo, "
                            "or a generated notebook is not what this script writes")
    group.add_argument("--update", action="store_true",
                       help="add blocks to translate (marked todo) to the translation files")
    parser.add_argument("notebooks", nargs="*", help="English notebooks (default: all)")
    args = parser.parse_args(argv)
    paths = notebook_paths(args.notebooks)
    status = 0
    if args.update:
        for path in paths:
            todo = update(path)
            print(f"{shown(translation_path(path))}: {todo} block(s) to translate")
        return 0
    for path in paths:
        report, _ = check_one(path)
        if not report.ok():
            print("\n".join(report.lines()), file=sys.stderr)
            status = 1
            continue
        text = canonical_text(generate(path))
        out = output_path(path)
        if args.check:
            if not out.is_file() or out.read_text(encoding="utf-8") != text:
                print(f"{shown(out)} is not what `make translations` writes",
                      file=sys.stderr)
                status = 1
        elif not out.is_file() or out.read_text(encoding="utf-8") != text:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
            print(f"wrote {shown(out)}")
    if args.notebooks == [] and not args.update:
        expected = {output_path(p).name for p in paths}
        for extra in sorted(OUTPUT.glob("*.ipynb")):
            if extra.name not in expected:
                print(f"{shown(extra)} has no English notebook", file=sys.stderr)
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
