"""Tests for helpers.plots: figures are built, colour scales are shared, bad input is rejected."""

import matplotlib

matplotlib.use("Agg")  # the test process has no display; helpers themselves never switch backends

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import plots  # noqa: E402


def teardown_function():
    plt.close("all")


def test_show_images_shares_one_colour_scale():
    fig = plots.show_images([np.zeros((4, 6)), 3 * np.ones((4, 6))], ["a", "b"], colorbar=True)
    ims = [ax.images[0] for ax in fig.axes if ax.images]
    assert [im.get_clim() for im in ims] == [(0.0, 3.0), (0.0, 3.0)]
    assert [ax.get_title() for ax in fig.axes if ax.images] == ["a", "b"]


def test_show_images_grid_and_rgb():
    rgb = np.random.default_rng(0).random((5, 5, 3))
    fig = plots.show_images([rgb, rgb[..., 0], rgb[..., 1]], ncols=2)
    assert len(fig.axes) == 4  # 2x2 grid, the last panel empty
    assert sum(bool(ax.images) for ax in fig.axes) == 3


@pytest.mark.parametrize(
    "images, titles, words",
    [
        ([], None, "at least one image"),
        ([np.zeros(5)], None, r"shape \(h, w\) or \(h, w, 3\)"),
        ([np.zeros((3, 3, 4))], None, r"shape \(h, w\) or \(h, w, 3\)"),
        ([np.zeros((3, 3))], ["a", "b"], "one entry per image"),
    ],
)
def test_show_images_rejects(images, titles, words):
    with pytest.raises(ValueError, match=words):
        plots.show_images(images, titles)


def test_plot_singular_values():
    fig = plots.plot_singular_values([3.0, 2.0, 1.0], label="s")
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    assert ax.get_yscale() == "log"
    with pytest.raises(ValueError, match=r"one spectrum of shape \(k,\)"):
        plots.plot_singular_values(np.ones((2, 3)))


def test_plot_circle_to_ellipse():
    fig = plots.plot_circle_to_ellipse([[2.0, 1.0], [0.0, 1.0]])
    ellipse = fig.axes[1].lines[0]
    radii = np.hypot(ellipse.get_xdata(), ellipse.get_ydata())
    s = np.linalg.svd([[2.0, 1.0], [0.0, 1.0]], compute_uv=False)
    assert radii.max() == pytest.approx(s[0], rel=1e-3)
    assert radii.min() == pytest.approx(s[1], rel=1e-3)
    # the left panel shows x, the right one its image A x
    assert (fig.axes[0].get_xlabel(), fig.axes[1].get_xlabel()) == ("$x_1$", "$(Ax)_1$")
    assert fig.axes[1].get_ylabel() == "$(Ax)_2$"
    # one scale for both panels (the stretch is seen), reaching past sigma_1
    assert fig.axes[0].get_xlim() == fig.axes[1].get_xlim() == fig.axes[1].get_ylim()
    assert fig.axes[1].get_xlim()[1] > s[0]
    # the output panel repeats the unit circle, dotted, for scale
    dotted = [line for line in fig.axes[1].lines if line.get_linestyle() == ":"]
    assert len(dotted) == 1
    assert np.hypot(dotted[0].get_xdata(), dotted[0].get_ydata()) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="2×2"):
        plots.plot_circle_to_ellipse(np.eye(3))
