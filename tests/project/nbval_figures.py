"""nbval compares the figures too: each stored PNG against the one the re-run draws.

nbval compares the text of every output exactly but skips ``image/png`` (without ``--nbdime``), so
a figure whose curve, colours or panels change while its ``<Figure size ...>`` line stays the same
would pass. ``install()`` (called from the project's ``conftest.py``) wraps nbval's comparison:
after the text matched, every stored PNG of the cell is decoded and compared with the new one,
pixel by pixel, and the cell fails when

- the number of figures differs, or their sizes in pixels differ, or
- the root-mean-square difference of the RGB values (0-255) exceeds ``RMS_TOLERANCE``.

The tolerance is set just above what the settings of ``make test-portable`` produce (other
OpenBLAS kernels, one CPU, eight threads: anti-aliasing of a curve that moved by a fraction of a
pixel), and far below what a changed curve, colormap or missing panel produces (see
``tests/project/test_figures.py``). Cells tagged ``nbval-ignore-output`` (timings) are not compared at
all. When a figure differs, both images are written to ``build/figure-diffs/`` for review.
With ``NBVAL_FIGURES_LOG=<file>`` set, every comparison appends its RMS to that file: that is
how the tolerance was calibrated over the settings of ``make test-portable``.
"""

import base64
import io
import os
import re
from pathlib import Path

import numpy as np
from PIL import Image

#: RMS of the RGB difference (0-255 scale) above which two renderings are different figures.
RMS_TOLERANCE = 1.0
#: Where the stored and the new image of a differing figure are written.
DIFF_DIR = Path(__file__).resolve().parents[2] / "build" / "figure-diffs"


def pngs(outputs):
    """The base64 PNG strings of ``outputs`` (a cell's output list), in order."""
    found = []
    for out in outputs:
        data = out.get("data") or {}
        png = data.get("image/png")
        if png is not None:
            found.append(png if isinstance(png, str) else "".join(png))
    return found


def decode(png_b64):
    """(H, W, 3) uint8 RGB array of a base64 PNG (transparency composited on white)."""
    image = Image.open(io.BytesIO(base64.b64decode(png_b64)))
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    return np.asarray(image.convert("RGB"))


def rms_difference(a, b):
    """Root-mean-square difference of two equal-shape uint8 images, on the 0-255 scale."""
    return float(np.sqrt(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)))


def figure_difference(stored, new, tolerance=RMS_TOLERANCE, label="figure"):
    """None if the figures match, otherwise a message saying how they differ.

    Args:
      stored, new: lists of base64 PNG strings (see ``pngs``).
      tolerance: the largest RMS difference (0-255) still counted as the same figure.
      label: a name for the images written to ``DIFF_DIR`` when they differ.
    """
    if len(stored) != len(new):
        return f"the cell stores {len(stored)} figure(s) but drew {len(new)}"
    for k, (ref_png, test_png) in enumerate(zip(stored, new, strict=True)):
        ref, test = decode(ref_png), decode(test_png)
        if ref.shape != test.shape:
            problem = (f"figure {k + 1}: stored {ref.shape[1]}x{ref.shape[0]} px, "
                       f"new {test.shape[1]}x{test.shape[0]} px")
        else:
            rms = rms_difference(ref, test)
            if os.environ.get("NBVAL_FIGURES_LOG"):
                with open(os.environ["NBVAL_FIGURES_LOG"], "a") as log:
                    log.write(f"{label} {k + 1} {rms:.4f}\n")
            if rms <= tolerance:
                continue
            problem = (f"figure {k + 1}: pixels differ, RMS {rms:.2f} > {tolerance} "
                       f"(0-255 scale)")
        saved = _save(label, k, ref_png, test_png)
        return f"{problem}; both images in {saved}"
    return None


def _save(label, k, ref_png, test_png):
    DIFF_DIR.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", label)
    for kind, png in (("stored", ref_png), ("new", test_png)):
        (DIFF_DIR / f"{stem}_fig{k + 1}_{kind}.png").write_bytes(base64.b64decode(png))
    try:
        return DIFF_DIR.relative_to(Path.cwd())
    except ValueError:
        return DIFF_DIR.name


def install():
    """Wrap nbval's cell comparison so that figures are compared after the text."""
    from nbval.plugin import IPyNbCell

    if getattr(IPyNbCell.compare_outputs, "_compares_figures", False):
        return
    compare_text = IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        if not compare_text(self, test, ref, skip_compare):
            return False
        label = f"{Path(str(self.fspath)).stem}_cell{self.cell_num}"
        problem = figure_difference(pngs(ref), pngs(test), label=label)
        if problem is None:
            return True
        self.comparison_traceback.append(f"Figures differ: {problem}")
        return False

    compare_outputs._compares_figures = True
    IPyNbCell.compare_outputs = compare_outputs
