"""The suite compares figures (tests/project/nbval_figures.py): a changed figure fails, an unchanged passes."""

import base64
import io
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from scripts import run_notebooks
from tests.project import nbval_figures

ROOT = Path(__file__).resolve().parents[2]


def _png(exponent=2.0, color="C0", panels=1):
    fig = Figure(figsize=(4 * panels, 3))  # no pyplot: no global state in the test process
    axes = fig.subplots(1, panels, squeeze=False)
    x = np.linspace(0, 1, 50)
    for ax in axes[0]:
        ax.plot(x, x**exponent, color=color)
        ax.set_title("a curve")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=72)
    return base64.b64encode(buf.getvalue()).decode()


def test_the_same_figure_matches(tmp_path, monkeypatch):
    monkeypatch.setattr(nbval_figures, "DIFF_DIR", tmp_path)
    assert nbval_figures.figure_difference([_png()], [_png()]) is None


@pytest.mark.parametrize(("new", "expected"), [
    ({"exponent": 2.3}, "pixels differ"),       # a changed curve
    ({"color": "C3"}, "pixels differ"),         # a changed colour
    ({"panels": 2}, "px"),                      # another panel: another size
])
def test_a_changed_figure_is_reported_and_saved(tmp_path, monkeypatch, new, expected):
    monkeypatch.setattr(nbval_figures, "DIFF_DIR", tmp_path)
    problem = nbval_figures.figure_difference([_png()], [_png(**new)], label="nb_cell3")
    assert problem is not None and expected in problem
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb_cell3_fig1_new.png",
                                                          "nb_cell3_fig1_stored.png"]


def test_a_missing_figure_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(nbval_figures, "DIFF_DIR", tmp_path)
    assert "stores 1 figure(s) but drew 0" in nbval_figures.figure_difference([_png()], [])


def test_rms_is_zero_for_equal_and_grows_with_the_difference():
    a = np.zeros((4, 4, 3), np.uint8)
    b = a.copy()
    assert nbval_figures.rms_difference(a, b) == 0.0
    b[0, 0] = 255
    assert nbval_figures.rms_difference(a, b) == pytest.approx(255 / 4)


CODE = """import matplotlib.pyplot as plt
import numpy as np
x = np.linspace(0, 1, 50)
fig, ax = plt.subplots(figsize=(4, 3))
ax.plot(x, x ** {exponent})
ax.set_title("a curve")
plt.show()"""


@pytest.fixture(scope="module")
def nbval_runs():
    """One nbval run over three one-figure notebooks inside the project (so that conftest.py
    applies): the executed original, one with its stored figure edited, and one whose plotting
    code changed by one line. Returns {name: (failed, report text)}."""
    folder = ROOT / "build" / "figure-test"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    original = folder / "figure_unchanged.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(CODE.format(exponent=2))]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, original)
    run_notebooks.execute(original, original)

    edited = nbformat.read(original, as_version=4)
    png_output = next(o for o in edited.cells[0].outputs if "image/png" in o.get("data", {}))
    pixels = np.array(nbval_figures.decode(png_output["data"]["image/png"]))
    pixels[40:80, 60:120] = 0  # a black box on the stored figure
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    png_output["data"]["image/png"] = base64.b64encode(buf.getvalue()).decode()
    nbformat.write(edited, folder / "figure_edited.ipynb")

    changed = nbformat.read(original, as_version=4)
    changed.cells[0].source = CODE.format(exponent=2.2)  # the stored figure is the old one
    nbformat.write(changed, folder / "figure_changed.ipynb")

    junit = folder / "junit.xml"
    env = dict(os.environ)  # TensorFlow's variables: set by the root conftest (helpers._env)
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    f"--junitxml={junit}", *sorted(map(str, folder.glob("*.ipynb")))],
                   cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    results = {}
    for case in ET.parse(junit).iter("testcase"):
        name = case.get("classname").rsplit(".", 1)[0].rsplit(".", 1)[-1]
        problem = case.find("failure")
        results[name] = (problem is not None, "" if problem is None else problem.text or "")
    yield results
    shutil.rmtree(folder)


def test_nbval_passes_an_unchanged_figure(nbval_runs):
    failed, report = nbval_runs["figure_unchanged"]
    assert not failed, report[-3000:]


def test_nbval_fails_when_a_stored_figure_is_edited(nbval_runs):
    failed, report = nbval_runs["figure_edited"]
    assert failed and "Figures differ" in report, report[-3000:]


def test_nbval_fails_when_one_line_of_plotting_code_changes(nbval_runs):
    failed, report = nbval_runs["figure_changed"]
    assert failed and "Figures differ" in report, report[-3000:]
