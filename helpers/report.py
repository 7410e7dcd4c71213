"""The report writer: the grayscale SVD-compression report of an image as PNG and CSV files.

:func:`export_report` writes the workflow of the classic "compress a photo with the SVD" example
(the image, its rank-r reconstructions, the σ decay plot, the leading singular vectors, the
rank-1 component and the quality table of :func:`helpers.images.quality_table`) into a folder,
atomically. Re-exported by :mod:`helpers.images` (``images.export_report``).
"""

import csv
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf

from ._validation import _as_image, _check_prefix, _check_ranks
from .linalg import normalize_signs


def _to_uint8(x):
    return np.round(np.clip(np.asarray(x, dtype=np.float64), 0, 1) * 255).astype(np.uint8)


def _save_png(array_uint8, path):
    from PIL import Image

    Image.fromarray(array_uint8).save(path, format="PNG", compress_level=1)


def _save_decay_plot(s, path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.5), dpi=100)
    ax = fig.add_subplot()
    ax.semilogy(np.arange(1, len(s) + 1), s, marker="o", markersize=2, lw=1)
    ax.set_xlabel("index i")
    ax.set_ylabel(r"singular value $\sigma_i$ (log scale)")
    ax.set_title("Singular value decay of the grayscale image")
    ax.grid(True, which="both", alpha=0.3)
    fig.subplots_adjust(left=0.14, right=0.97, bottom=0.14, top=0.9)
    fig.savefig(path, format="png", metadata={"Software": None})


def _save_csv(path, rows, header=None):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        if header:
            writer.writerow(header)
        writer.writerows(rows)


def _fmt(x):
    return f"{float(x):.9g}"


def export_report(image, ranks, out_dir, prefix="svd"):
    """Write the grayscale SVD-compression report of an image: PNGs, the σ decay plot, CSVs.

    Files written to ``out_dir`` (created if needed), in this order:

    * ``{prefix}_original.png`` — the grayscale image;
    * ``{prefix}_k{r}.png`` — the rank-r reconstruction, for each r in ``ranks``;
    * ``{prefix}_sigma_decay.png`` — the singular values on a log scale;
    * ``{prefix}_sigma_top50.csv`` — columns ``index,sigma`` for the first 50 (or k) values;
    * ``{prefix}_U_first10_cols.csv`` — h rows × 10 columns: u₁ … u₁₀ (signs normalised);
    * ``{prefix}_Vt_first10_rows.csv`` — 10 rows × w columns: v₁ᵀ … v₁₀ᵀ;
    * ``{prefix}_rank1_component.png`` — σ₁u₁v₁ᵀ rescaled to 0..255;
    * ``{prefix}_quality.csv`` — the table of :func:`quality_table`: rank, stored numbers,
      stored fraction and compression ratio (both in numbers), MSE, PSNR (dB), then the bytes
      of the float32 factors and their fraction of the 8-bit image's bytes. A rank-0 row (the
      all-zero image) has the ratio ``inf``.

    Everything is first written to a temporary folder inside ``out_dir`` and moved into place
    only when complete, so a failure leaves no half-written file behind.

    Args:
      image: (h, w) or (h, w, 3) image (float in [0, 1] or uint8; RGB is converted to
        grayscale with ``tf.image.rgb_to_grayscale``), or an :class:`ImageSVD` of a grayscale
        image (its SVD is reused).
      ranks: non-empty sequence of distinct ints between 0 and min(h, w); rank 0 writes the
        all-zero (black) image, ``A_0 = 0``.
      out_dir: str or path of the output folder.
      prefix: str, the file-name prefix: letters, digits, ``_``, ``.``, ``-``.
    Returns:
      list of ``pathlib.Path``, the files written, in the order above.
    Raises:
      ValueError: a bad image, rank or prefix; ``out_dir`` exists but is not a folder.
      TypeError: out_dir is not a str or path.

    >>> from helpers.loading import load_image
    >>> paths = export_report(load_image(grayscale=True), [5, 20], "build/report")
    >>> [p.name for p in paths][:3]
    ['svd_original.png', 'svd_k5.png', 'svd_k20.png']
    """
    from .images import ImageSVD, quality_table  # images re-exports this function

    if isinstance(image, ImageSVD):
        if image.channels is not None:
            raise ValueError(f"image must be an ImageSVD of a grayscale (h, w) image; got one of "
                             f"shape {image.shape}")
        isvd = image
    else:
        img = _as_image(image)
        if img.shape.rank == 3:
            c = img.shape[-1]
            if c == 3:
                img = tf.image.rgb_to_grayscale(img)[..., 0]
            elif c == 1:
                img = img[..., 0]
            else:
                raise ValueError(f"image must be (h, w), (h, w, 1) or (h, w, 3); got shape "
                                 f"{tuple(img.shape)}")
        isvd = ImageSVD(img)
    ranks = _check_ranks(ranks, isvd.k, low=0)
    _check_prefix(prefix)
    if not isinstance(out_dir, str | os.PathLike):
        raise TypeError(f"out_dir must be a str or a path; got {type(out_dir).__name__}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out_dir {os.fspath(out_dir)!r} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)

    s, U, V = normalize_signs(isvd.s, isvd.U, isvd.V)
    s, U, V = s.numpy(), U.numpy(), V.numpy()
    top = min(10, isvd.k)
    rank1 = s[0] * np.outer(U[:, 0], V[:, 0])
    spread = float(rank1.max() - rank1.min())
    rank1_u8 = (np.round((rank1 - rank1.min()) / spread * 255).astype(np.uint8) if spread > 0
                else np.zeros(rank1.shape, np.uint8))
    table = quality_table(isvd, ranks)

    names = ([f"{prefix}_original.png"] + [f"{prefix}_k{r}.png" for r in ranks]
             + [f"{prefix}_sigma_decay.png", f"{prefix}_sigma_top50.csv",
                f"{prefix}_U_first10_cols.csv", f"{prefix}_Vt_first10_rows.csv",
                f"{prefix}_rank1_component.png", f"{prefix}_quality.csv"])
    staging = Path(tempfile.mkdtemp(prefix=f".{prefix}-partial-", dir=out))
    try:
        _save_png(_to_uint8(isvd.image), staging / names[0])
        for name, r in zip(names[1:], ranks, strict=False):
            _save_png(_to_uint8(isvd.approx(r)), staging / name)
        _save_decay_plot(s, staging / f"{prefix}_sigma_decay.png")
        _save_csv(staging / f"{prefix}_sigma_top50.csv",
                  [[i + 1, _fmt(x)] for i, x in enumerate(s[:50])], header=["index", "sigma"])
        _save_csv(staging / f"{prefix}_U_first10_cols.csv",
                  [[_fmt(x) for x in row] for row in U[:, :top]])
        _save_csv(staging / f"{prefix}_Vt_first10_rows.csv",
                  [[_fmt(x) for x in row] for row in V[:, :top].T])
        _save_png(rank1_u8, staging / f"{prefix}_rank1_component.png")
        _save_csv(staging / f"{prefix}_quality.csv",
                  [[t["rank"], t["stored"], _fmt(t["stored_fraction"]),
                    _fmt(t["compression_ratio"]), _fmt(t["mse"]), _fmt(t["psnr_db"]),
                    t["stored_bytes"], _fmt(t["bytes_fraction"])]
                   for t in table],
                  header=["rank", "stored", "stored_fraction", "compression_ratio", "mse",
                          "psnr_db", "stored_bytes_float32", "bytes_fraction"])
        paths = []
        for name in names:
            os.replace(staging / name, out / name)
            paths.append(out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return paths
