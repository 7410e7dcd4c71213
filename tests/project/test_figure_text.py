"""No figure text below 9 pt at the width a notebook column shows (the house style's rule).

The house style (``helpers.plots.HOUSE_STYLE``, applied by ``setup_notebook``) sets every text size
to 11 pt or more, so that a figure of the widest allowed 12 inches, shrunk to the 10-inch column of
JupyterLab or the book on a projector, still shows 9 pt. A notebook may set a size of its own: this
test reads every code cell of the English notebooks (the Chinese ones run the same code) and checks
each literal size, scaled by the shrinking of the widest figure the cell draws, and each width.
"""

import ast
from pathlib import Path

import matplotlib as mpl
import nbformat
import pytest

from helpers import plots

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: Keyword arguments that set a text size in matplotlib's API.
SIZE_KEYWORDS = {"fontsize", "labelsize", "titlesize", "title_fontsize", "size"}
#: Calls whose ``size=`` is a text size (elsewhere ``size`` is an array shape or a marker size).
TEXT_CALLS = {"text", "annotate", "set_title", "set_xlabel", "set_ylabel", "title", "xlabel",
              "ylabel", "suptitle", "supxlabel", "supylabel", "legend", "tick_params", "table",
              "FontProperties", "colorbar", "set_label", "label_outer", "clabel", "figtext"}
MAX_WIDTH = 12.0


def _points(value):
    """A literal text size in points (named sizes relative to the house style's font.size)."""
    if isinstance(value, ast.Constant) and isinstance(value.value, int | float) \
            and not isinstance(value.value, bool):
        return float(value.value)
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        scale = mpl.font_manager.font_scalings.get(value.value)
        if scale is not None:
            return scale * plots.HOUSE_STYLE["font.size"]
    return None


def _call_name(node):
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def text_sizes_and_widths(source):
    """(literal text sizes in points, literal figure widths in inches) set in ``source``."""
    sizes, widths = [], []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            for kw in node.keywords:
                if kw.arg == "figsize" and isinstance(kw.value, ast.Tuple) and kw.value.elts:
                    w = kw.value.elts[0]
                    if isinstance(w, ast.Constant) and isinstance(w.value, int | float):
                        widths.append(float(w.value))
                elif kw.arg in SIZE_KEYWORDS - {"size"} or (kw.arg == "size" and name in TEXT_CALLS):
                    p = _points(kw.value)
                    if p is not None:
                        sizes.append(p)
        elif isinstance(node, ast.Dict):  # prop={"size": 8}, fontdict={"fontsize": 8}
            for k, v in zip(node.keys, node.values, strict=True):
                if isinstance(k, ast.Constant) and k.value in SIZE_KEYWORDS:
                    p = _points(v)
                    if p is not None:
                        sizes.append(p)
    return sizes, widths


def problems(source):
    """What in ``source`` breaks the rule, as readable strings (empty when it keeps it)."""
    sizes, widths = text_sizes_and_widths(source)
    found = [f"a figure {w:g} inches wide (at most {MAX_WIDTH:g})" for w in widths if w > MAX_WIDTH]
    shrink = min(1.0, plots.COLUMN_INCHES / max(widths, default=plots.COLUMN_INCHES))
    found += [f"text of {p:g} pt, shown at {p * shrink:.1f} pt"
              for p in sizes if p * shrink < plots.MIN_TEXT_POINTS - 1e-9]
    return found


def test_the_house_style_keeps_every_text_readable_in_the_widest_figure():
    shrink = plots.COLUMN_INCHES / MAX_WIDTH
    for key, value in plots.HOUSE_STYLE.items():
        if "size" in key and "marker" not in key and "figsize" not in key:
            assert value * shrink >= plots.MIN_TEXT_POINTS, key


@pytest.mark.parametrize("source, expected", [
    ("ax.set_title('a', fontsize=8)", 1),
    ("ax.legend(fontsize='x-small')", 1),
    ("ax.tick_params(labelsize=7)", 1),
    ("ax.text(0, 0, 'a', size=8)", 1),
    ("ax.legend(prop={'size': 7})", 1),
    ("fig = plt.figure(figsize=(13, 4))", 1),
    ("fig = plt.figure(figsize=(12, 4)); ax.set_title('a', fontsize=10)", 1),  # 8.3 pt shown
    ("fig = plt.figure(figsize=(8, 4)); ax.set_title('a', fontsize=9)", 0),
    ("x = rng.normal(size=8); ax.scatter(x, x, s=8)", 0),
])
def test_the_check_finds_small_text(source, expected):
    assert len(problems(source)) == expected


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_no_text_below_9_points(path):
    nb = nbformat.read(path, as_version=4)
    found = [f"cell {c.get('id')}: {p}" for c in nb.cells if c.cell_type == "code"
             for p in problems(c.source)]
    assert not found, "\n".join(found)
