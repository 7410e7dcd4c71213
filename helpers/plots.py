"""Figures shared by several notebooks. Every function draws on the axes it is given, or on a
new figure, and returns that figure; the notebook ends the cell with ``plt.show()``.

These helpers never change matplotlib's backend (that would turn off inline figures).
"""

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from ._validation import as_float_tensor
from .linalg import normalize_signs

#: The width, in inches of a figure drawn at ``figure.dpi`` = 100, of the column in which JupyterLab
#: and the book show a figure on a 1280-pixel projector: about 1000 CSS pixels. A wider figure is
#: shrunk to fit, and its text with it.
COLUMN_INCHES = 10.0
#: The smallest text, in points, a learner must be able to read once the figure is shown in the
#: column (after any shrinking).
MIN_TEXT_POINTS = 9.0
#: The house style every notebook's figures share, applied by :func:`helpers.setup_notebook`.
#: Every text size is 11 pt or more, so that even a figure of the widest allowed 12 inches, shrunk
#: to the 10-inch column, shows no text below 9 pt (11 x 10 / 12 = 9.2).
HOUSE_STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "legend.title_fontsize": 11,
    "figure.titlesize": 13,
    "figure.labelsize": 11,
    "lines.linewidth": 1.8,
    "lines.markersize": 6,
    "axes.grid": False,
    "image.cmap": "viridis",
}
def _inline_png(fig):
    """The inline PNG of ``fig``: pixel-doubled ("retina") unless it shows images.

    Lines, markers and text are drawn at twice the pixel density and shown at the size of a
    100-dpi figure, so that they stay sharp on a projector. A figure that shows photographs or
    matrices (``imshow``) is kept at 100 dpi: their pixels are data, doubling them adds nothing
    a learner sees and would triple the notebooks' size in the repository.

    The doubled PNG is stored with a palette of at most 256 colours (a line plot uses far fewer,
    its anti-aliased edges included): about a third of the bytes of a full-colour PNG, so the
    sharp figures do not inflate the executed notebooks that the repository keeps.

    Returns:
      the base64 PNG (images), or ``(base64 PNG, {"width": w, "height": h})`` with the size at
      which to show it (lines), as IPython's PNG formatter expects.
    """
    import base64
    import io

    from IPython.core.pylabtools import print_figure
    from PIL import Image

    if any(ax.get_images() for ax in fig.axes):
        return print_figure(fig, "png", base64=True)
    png = print_figure(fig, "retina", base64=False)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    palette = image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, "PNG", optimize=True)
    w, h = image.size
    return base64.b64encode(out.getvalue()).decode("ascii"), {"width": w // 2, "height": h // 2}


def apply_house_style():
    """Set matplotlib's house style (``HOUSE_STYLE``) and, inside Jupyter, sharp inline figures.

    Called by :func:`helpers.setup_notebook`. It changes only ``matplotlib.rcParams`` and, in a
    Jupyter kernel, how IPython turns a figure into its inline PNG (:func:`_inline_png`: twice the
    pixel density for line plots, 100 dpi for figures of images); never the backend.

    Returns:
      None.

    >>> apply_house_style()
    >>> import matplotlib
    >>> matplotlib.rcParams["xtick.labelsize"] >= MIN_TEXT_POINTS
    True
    """
    mpl.rcParams.update(HOUSE_STYLE)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the notebooks
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "kernel"):  # a Jupyter kernel, not a terminal IPython
        from matplotlib.figure import Figure

        # Load pyplot's backend now (it loads at the first figure): loading the inline backend sets
        # IPython's figure formatter to its own PNG, which must happen before ours replaces it.
        plt.close(plt.figure())
        shell.display_formatter.formatters["image/png"].for_type(Figure, _inline_png)


def _np(x):
    return x.numpy() if isinstance(x, tf.Tensor | tf.Variable) else np.asarray(x)


def show_images(images, titles=None, *, ncols=None, cmap="gray", vmin=None, vmax=None,
                colorbar=False, suptitle=None, size=2.8):
    """Show images side by side on one shared colour scale.

    Args:
      images: sequence of (h, w) or (h, w, 3) arrays/tensors.
      titles: optional sequence of str, one per image.
      ncols: images per row (default: all in one row).
      cmap: colour map for (h, w) images.  vmin, vmax: the shared colour range; by default the
        minimum and maximum over *all* (h, w) images, so that equal values look equal.
      colorbar: bool, add one colour bar for the shared scale.
      suptitle: optional figure title.  size: inches per panel.
    Returns:
      The ``matplotlib.figure.Figure``.

    >>> fig = show_images([np.eye(3), 2 * np.eye(3)], ["I", "2I"])
    """
    arrays = [_np(im) for im in images]
    if not arrays:
        raise ValueError("images must contain at least one image")
    for i, a in enumerate(arrays):
        if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[-1] not in (1, 3)):
            raise ValueError(f"images[{i}] must have shape (h, w) or (h, w, 3); got {a.shape}")
    if titles is not None and len(titles) != len(arrays):
        raise ValueError(f"titles must have one entry per image ({len(arrays)}); got {len(titles)}")
    gray = [a if a.ndim == 2 else a[..., 0] for a in arrays if a.ndim == 2 or a.shape[-1] == 1]
    if gray:
        lo = min(float(a.min()) for a in gray) if vmin is None else vmin
        hi = max(float(a.max()) for a in gray) if vmax is None else vmax
    else:
        lo, hi = vmin, vmax
    n = len(arrays)
    ncols = n if ncols is None else max(1, min(int(ncols), n))
    nrows = -(-n // ncols)
    aspect = max(a.shape[0] / a.shape[1] for a in arrays)  # height / width of the tallest image
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * aspect * nrows + 0.6),
                             squeeze=False, layout="constrained")
    im = None
    for ax, i in zip(axes.flat, range(nrows * ncols), strict=True):
        ax.axis("off")
        if i >= n:
            continue
        a = arrays[i]
        if a.ndim == 3 and a.shape[-1] == 3:
            ax.imshow(np.clip(a, 0, 1))
        else:
            im = ax.imshow(a.reshape(a.shape[:2]), cmap=cmap, vmin=lo, vmax=hi)
        if titles is not None:
            ax.set_title(titles[i])
    if colorbar and im is not None:
        fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.8)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def plot_singular_values(s, ax=None, *, label=None, logy=True, title="Singular values",
                         marker="o"):
    """Plot σ₁ ≥ σ₂ ≥ … against their index (1-based), on a log scale by default.

    Args:
      s: (k,) singular values.  ax: optional axes.  label: legend label.  logy: log y-axis.
    Returns:
      The figure that holds ``ax``.

    >>> fig = plot_singular_values([3., 2., 1.])
    """
    s = _np(as_float_tensor(s, "s", min_ndim=1))
    if s.ndim != 1:
        raise ValueError(f"s must be one spectrum of shape (k,); got shape {s.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    idx = np.arange(1, len(s) + 1)
    ax.plot(idx, s, marker=marker, markersize=3, label=label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("index i")
    ax.set_ylabel(r"$\sigma_i$")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    if label is not None:
        ax.legend()
    return ax.figure


def plot_circle_to_ellipse(A, n_points=200):
    """Two panels: the unit circle with v₁, v₂, and its image under a 2×2 matrix A, an ellipse
    with semi-axes σ₁u₁ and σ₂u₂ (signs normalised).

    Both panels share one scale, and the output panel repeats the unit circle (dotted), so that
    each semi-axis is seen against radius 1 (σᵢ > 1 stretches, σᵢ < 1 shrinks) instead of being
    read off the ticks. The legends sit below the panels, off the curves.

    Args:
      A: (2, 2) matrix.  n_points: points on the circle.
    Returns:
      The figure.

    >>> fig = plot_circle_to_ellipse([[2., 1.], [0., 1.]])
    >>> fig.axes[0].get_xlim() == fig.axes[1].get_xlim()
    True
    """
    A = as_float_tensor(A, "A")
    if tuple(A.shape) != (2, 2):
        raise ValueError(f"A must be a 2×2 matrix; got shape {tuple(A.shape)}")
    s, U, V = normalize_signs(*tf.linalg.svd(A))
    s, U, V, A = _np(s), _np(U), _np(V), _np(A)
    t = np.linspace(0, 2 * np.pi, n_points)
    circle = np.stack([np.cos(t), np.sin(t)])
    ellipse = A @ circle
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 5.4))
    ax1.plot(*circle, color="0.5", label="unit circle")
    for i, c in enumerate(["C0", "C1"]):
        ax1.annotate("", xy=V[:, i], xytext=(0, 0), arrowprops=dict(color=c, width=1.5))
        ax1.plot([], [], color=c, label=f"$v_{i + 1}$")
    ax1.set_title(r"Input: unit circle and right singular vectors $v_i$")
    ax2.plot(*ellipse, color="0.5", label=r"image $A x$ of the circle")
    for i, c in enumerate(["C0", "C1"]):
        ax2.annotate("", xy=s[i] * U[:, i], xytext=(0, 0), arrowprops=dict(color=c, width=1.5))
        ax2.plot([], [], color=c, label=rf"$\sigma_{i + 1} u_{i + 1}$ = $A v_{i + 1}$")
    ax2.plot(*circle, color="0.6", ls=":", label="unit circle, for scale")
    ax2.set_title(r"Output: ellipse with semi-axes $\sigma_i u_i$")
    lim = max(1.1, 1.1 * float(s[0]))  # one scale for input and output
    for ax in (ax1, ax2):
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.axhline(0, color="0.85", lw=0.8)
        ax.axvline(0, color="0.85", lw=0.8)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    ax1.set_xlabel("$x_1$")
    ax1.set_ylabel("$x_2$")
    ax2.set_xlabel("$(Ax)_1$")  # the right panel shows the image A x, not x
    ax2.set_ylabel("$(Ax)_2$")
    fig.tight_layout()
    return fig
