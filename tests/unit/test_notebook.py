"""helpers.setup_notebook: seeds, and a thread count that does not depend on the machine."""

import warnings

import numpy as np
import pytest
import tensorflow as tf

import helpers


@pytest.mark.parametrize("seed", [1.5, "0", True, None])
def test_rejects_a_seed_that_is_not_an_integer(seed):
    with pytest.raises(TypeError, match="seed must be an integer >= 0"):
        helpers.setup_notebook(seed)


def test_rejects_a_negative_seed():
    with pytest.raises(ValueError, match="seed must be an integer >= 0; got -1"):
        helpers.setup_notebook(-1)


def _setup_in_this_process(seed):
    # pytest has run TensorFlow ops before: the thread count may be fixed already (tested
    # in fresh processes by tests/project/test_fresh_process.py), so its warning is not the point here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return helpers.setup_notebook(seed)


def test_same_seed_same_numbers_and_rounded_printing():
    rng = _setup_in_this_process(3)
    first = (float(tf.random.uniform([])), rng.standard_normal())
    rng = _setup_in_this_process(3)
    assert (float(tf.random.uniform([])), rng.standard_normal()) == first
    assert np.get_printoptions()["precision"] == 4


def test_setup_applies_the_house_style():
    import matplotlib as mpl

    mpl.rcParams["xtick.labelsize"] = 6
    _setup_in_this_process(0)
    for key, value in helpers.plots.HOUSE_STYLE.items():
        assert mpl.rcParams[key] == value, key


def test_inline_png_doubles_line_plots_and_keeps_images_at_100_dpi():
    import base64

    from matplotlib.figure import Figure

    from helpers.plots import _inline_png

    line = Figure(figsize=(4, 3), dpi=100)
    line.subplots().plot([0, 1], [0, 1])
    data, meta = _inline_png(line)
    assert meta["width"] == _png_width(base64.b64decode(data)) // 2  # shown at half its pixels
    # stored with a palette (at most 256 colours), yet the line's colour is kept exactly
    import io

    from PIL import Image

    stored = Image.open(io.BytesIO(base64.b64decode(data)))
    assert stored.mode == "P"
    colours = {rgb for _, rgb in stored.convert("RGB").getcolors(maxcolors=256)}
    assert (0x1F, 0x77, 0xB4) in colours or (0, 114, 178) in colours  # C0 of the colour cycle
    photo = Figure(figsize=(4, 3), dpi=100)
    photo.subplots().imshow(np.eye(8))
    data = _inline_png(photo)
    assert isinstance(data, str)  # a plain PNG, no retina metadata
    assert _png_width(base64.b64decode(data)) < meta["width"] * 2


def _png_width(png):
    return int.from_bytes(png[16:20], "big")
