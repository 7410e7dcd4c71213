"""Images as matrices: compressing photos with one SVD, measuring quality.

* :class:`ImageSVD` computes the SVD of an image once (the colour channels as one batch) and then
  answers every question of notebook 03 from it: reconstructions at any rank (from float32,
  float16 or 8-bit factors), storage in numbers and in bytes, the rank for a compression factor,
  pooled energy, the rank for an energy target.
* :func:`quantize_columns`: 8-bit (or any bits) quantization of factor columns.
* :func:`mse`, :func:`psnr`, :func:`ssim` compare two images (``tf.image`` does the work);
  :func:`quality_table` measures every rank of a list against the original, checked once.

Two neighbours, re-exported here so that ``images.load_image`` and ``images.export_report`` keep
working: :mod:`helpers.loading` (:func:`load_image`, :class:`ImageLoadError` and the limits
``MAX_PIXELS``, ``MAX_BYTES``, ``TIMEOUT``, ``TOTAL_TIMEOUT``) and :mod:`helpers.report`
(:func:`export_report`, the report written to PNG and CSV files).
"""

import tensorflow as tf

from ._validation import (
    _as_image,
    _as_images,
    _check_bool,
    _check_factor_dtype,
    _check_int,
    _check_ranks,
    as_float_tensor,
)
from .linalg import (
    approx_nbytes,
    approx_size,
    compression_factor,
    energy_fraction,
    rank_for_energy,
    rank_for_factor,
)
from .loading import (
    DATA_DIR,
    DEFAULT_IMAGE,
    MAX_BYTES,
    MAX_PIXELS,
    TIMEOUT,
    TOTAL_TIMEOUT,
    ImageLoadError,
    load_image,
)
from .report import export_report

__all__ = [
    "DATA_DIR", "DEFAULT_IMAGE", "MAX_BYTES", "MAX_PIXELS", "TIMEOUT", "TOTAL_TIMEOUT",
    "ImageLoadError", "ImageSVD", "export_report", "load_image", "mse", "psnr",
    "quality_table", "quantize_columns", "ssim",
]


def quantize_columns(X, bits=8):
    """Uniform affine quantization of each column of X to ``bits`` bits, returned dequantized.

    Each column j is stored as integers ``q = round((x − offset_j) / scale_j)`` in
    ``0 .. 2**bits − 1``, with its own ``offset_j = min_j`` and ``scale_j = (max_j − min_j) /
    (2**bits − 1)``; this function returns ``offset_j + q · scale_j``, the values a decoder gets
    back. With ``bits=8`` that is the "uint8" factor format whose bytes
    :func:`helpers.linalg.approx_nbytes` counts (one byte per entry, plus a float32 scale and
    offset per column). Every entry moves by at most ``scale_j / 2``; a constant column comes
    back exactly.

    Args:
      X: (..., m, p) real tensor or array (float32 stays float32, float64 stays float64); the
        columns are along axis -2.
      bits: int, 1 <= bits <= 16.
    Returns:
      (..., m, p) tensor of X's float dtype, at most ``2**bits`` distinct values per column.
    Raises:
      ValueError: X has fewer than 2 dimensions, an empty dimension, NaN or Inf; bits is not an
        integer between 1 and 16.
      TypeError: complex, boolean or string entries.

    >>> quantize_columns([[0.0, 1.0], [0.3, 1.0], [1.0, 1.0]], bits=1).numpy()
    array([[0., 1.],
           [0., 1.],
           [1., 1.]])
    """
    X = as_float_tensor(X, "X", min_ndim=2)
    bits = _check_int(bits, "bits", 1, 16, "the number of bits per stored entry")
    levels = tf.constant(2**bits - 1, X.dtype)
    lo = tf.reduce_min(X, axis=-2, keepdims=True)
    hi = tf.reduce_max(X, axis=-2, keepdims=True)
    scale = (hi - lo) / levels
    safe = tf.where(scale > 0, scale, tf.ones_like(scale))
    q = tf.clip_by_value(tf.round((X - lo) / safe), 0, levels)
    return tf.where(scale > 0, lo + q * scale, X)


class ImageSVD:
    """The SVD of an image, computed once (channels as one batch), and every query answered from it.

    ``ImageSVD(image)`` stacks the c channels of an (h, w, c) image into a (c, h, w) batch and
    calls ``tf.linalg.svd`` once. Reconstructions, storage (numbers and bytes), ranks for a
    compression factor and for an energy target are then cheap: they reuse :mod:`helpers.linalg`
    on the stored factors. The core of it, in plain TensorFlow::

        X = tf.transpose(image, [2, 0, 1])            # (c, h, w): channels first
        s, U, V = tf.linalg.svd(X)                    # one batched SVD
        X_r = tf.matmul(U[..., :r] * s[..., None, :r], V[..., :r], adjoint_b=True)
        image_r = tf.clip_by_value(tf.transpose(X_r, [1, 2, 0]), 0, 1)

    Attributes:
      image: the input as a float tensor in [0, 1].
      s: singular values, (c, k) for a colour image or (k,) for a grayscale one, k = min(h, w).
      U: (c, h, k) or (h, k).  V: (c, w, k) or (w, k).
      shape: the input's shape.  k: the number of singular values per channel.
      pixel_nbytes: h · w · c, the bytes of the image as 8-bit pixels (one byte per value).

    Args:
      image: (h, w) or (h, w, c) tensor or array: float in [0, 1] (float32 stays float32,
        float64 stays float64) or uint8 (scaled to float32 in [0, 1]).
    Raises:
      ValueError: wrong number of dimensions, an empty dimension, values outside [0, 1], NaN/Inf.
      TypeError: complex, boolean or string entries.

    >>> svd = ImageSVD(np.full((4, 6, 3), 0.5, np.float32))
    >>> svd.s.shape, svd.rank_for_energy(0.95)
    (TensorShape([3, 4]), 1)
    """

    def __init__(self, image):
        img = _as_image(image)
        self.image = img
        self.shape = tuple(img.shape)
        self.dtype = img.dtype
        self.h, self.w = self.shape[0], self.shape[1]
        self.channels = self.shape[2] if len(self.shape) == 3 else None
        self.k = min(self.h, self.w)
        self.pixel_nbytes = self.h * self.w * (self.channels or 1)
        stack = tf.transpose(img, [2, 0, 1]) if self.channels else img
        self.s, self.U, self.V = tf.linalg.svd(stack)

    def __repr__(self):
        return f"ImageSVD(shape={self.shape}, dtype={self.dtype.name}, k={self.k})"

    def _rank(self, r):
        return _check_int(r, "r", 0, self.k,
                          f"min(h, w) of the {self.h}×{self.w} image; r = 0 gives a black image")

    def approx(self, r, dtype=None):
        """The rank-r reconstruction, clipped to [0, 1]; optionally from factors stored in ``dtype``.

        ``r = 0`` gives ``A_0 = 0``, a black image. With ``dtype`` the rank-r factors are first
        rounded to what that storage format keeps, then multiplied out (in the image's dtype):
        ``"float16"`` (or ``"float32"``, ``"float64"``) casts σ, U and V; ``"uint8"`` quantizes
        each column of U and V to 8 bits with :func:`quantize_columns` and keeps σ in float32,
        the format :func:`helpers.linalg.approx_nbytes` counts.

        Args:
          r: int, 0 <= r <= k.
          dtype: None (the factors as computed) or a factor dtype: "float64", "float32",
            "float16" or "uint8".
        Returns:
          Tensor of the input's shape and float dtype.
        Raises:
          ValueError: r is an integer outside 0..k; an unknown dtype name.
          TypeError: r is not an integer; dtype is not a dtype name or object.

        >>> ImageSVD(np.eye(3)).approx(3).numpy().round(6)
        array([[1., 0., 0.],
               [0., 1., 0.],
               [0., 0., 1.]])
        >>> float(tf.reduce_max(ImageSVD(np.eye(3)).approx(0)))
        0.0
        """
        r = self._rank(r)
        name = None if dtype is None else _check_factor_dtype(dtype)
        s, U, V = self.s[..., :r], self.U[..., :r], self.V[..., :r]
        if r == 0:  # the empty sum: nothing to round
            name = None
        if name == "uint8":
            s = tf.cast(tf.cast(s, tf.float32), self.dtype)
            U, V = quantize_columns(U), quantize_columns(V)
        elif name is not None:
            s, U, V = (tf.cast(tf.cast(x, name), self.dtype) for x in (s, U, V))
        A = tf.matmul(U * s[..., tf.newaxis, :], V, adjoint_b=True)
        if self.channels:
            A = tf.transpose(A, [1, 2, 0])
        return tf.clip_by_value(A, 0, 1)

    def size(self, r):
        """Numbers stored by the rank-r SVD of all channels: c · r · (h + w + 1).

        >>> ImageSVD(np.zeros((4, 6, 3))).size(2)
        66
        """
        r = self._rank(r)
        return (self.channels or 1) * approx_size(self.h, self.w, r)

    def nbytes(self, r, dtype="float32"):
        """Bytes stored by the rank-r SVD of all channels with factors in ``dtype``.

        c × :func:`helpers.linalg.approx_nbytes`: ``c · r (h + w + 1) · itemsize`` for a float
        dtype, ``c · r (h + w + 20)`` for "uint8" (8-bit quantized factors). Compare with
        :attr:`pixel_nbytes`, the image as 8-bit pixels.

        Args:
          r: int, 0 <= r <= k.  dtype: "float64", "float32" (the default), "float16" or "uint8".
        Raises:
          ValueError: r is an integer outside 0..k; an unknown dtype name.
          TypeError: r is not an integer; dtype is not a dtype name or object.

        >>> ImageSVD(np.zeros((4, 6, 3))).nbytes(2), ImageSVD(np.zeros((4, 6, 3))).pixel_nbytes
        (264, 72)
        """
        r = self._rank(r)
        return (self.channels or 1) * approx_nbytes(self.h, self.w, r, dtype)

    def compression_factor(self, r):
        """``size(r)`` as a fraction of the h · w · c numbers of the image.

        :func:`helpers.linalg.compression_factor` of one channel (every channel stores the same
        share). :meth:`proportion` is an alias, the name notebook 03 uses.

        >>> ImageSVD(np.zeros((4, 6, 3))).compression_factor(2)
        0.9166666666666666
        """
        r = self._rank(r)
        return compression_factor(self.h, self.w, r)

    def proportion(self, r):
        """Alias of :meth:`compression_factor`: ``size(r)`` over the numbers of the image.

        >>> ImageSVD(np.zeros((4, 6, 3))).proportion(2)
        0.9166666666666666
        """
        return self.compression_factor(r)

    def rank_for_factor(self, factor):
        """Largest rank whose storage fits in ``factor`` × the image's size (see helpers.linalg).

        Raises:
          ValueError: factor <= 0, too small for rank 1, or asking for more than k.

        >>> ImageSVD(np.zeros((40, 60))).rank_for_factor(0.15)
        3
        """
        return rank_for_factor(self.h, self.w, factor)

    def energy_fraction(self, measure="sigma2"):
        """Cumulative energy kept by ranks 1..k, pooled over the channels: (k,).

        :func:`helpers.linalg.energy_fraction` on the (c, k) spectra: entry r - 1 is
        ``E(r) = Σ_c Σ_{i≤r} w_{c,i} / Σ_c Σ_i w_{c,i}``, the energy of exactly the first r
        singular values of every channel. ``measure="sigma2"`` (w = σ²): ``1 − E(r) =
        ‖X − X_r‖_F² / ‖X‖_F²``, the relative squared error of the whole (unclipped) image, the
        error MSE and PSNR see. ``measure="sigma"`` (w = σ, the TF guide's choice): ``1 − E(r)``
        is the relative error in the nuclear norm (summed over channels), a different error.

        Raises:
          ValueError: unknown measure; an all-zero image (it has no energy).

        >>> ImageSVD(np.diag([0.6, 0.8])).energy_fraction().numpy().round(2)
        array([0.64, 1.  ])
        """
        return energy_fraction(self.s, measure)

    def rank_for_energy(self, energy, measure="sigma2"):
        """Smallest rank whose pooled energy fraction (see :meth:`energy_fraction`) reaches ``energy``.

        One rank for every channel (:func:`helpers.linalg.rank_for_energy`); with σ², the
        relative squared error of the unclipped rank-r image is at most ``1 − energy``.

        Raises:
          ValueError: energy outside (0, 1]; unknown measure; an all-zero image.

        >>> ImageSVD(np.diag([0.6, 0.8])).rank_for_energy(0.64)
        1
        """
        return rank_for_energy(self.s, energy, measure)


# ----------------------------------------------------------------------------------------------
# quality
# ----------------------------------------------------------------------------------------------
def _image_pair(a, b):
    """Two images of one shape, (h, w) or (..., h, w, c), as float tensors of one dtype, with a
    channel axis added to (h, w) images (the layout tf.image expects)."""
    a = _as_images(a, "a")
    b = _as_images(b, "b")
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"a and b must have the same shape; got {tuple(a.shape)} and "
                         f"{tuple(b.shape)}")
    if a.dtype != b.dtype:
        a, b = tf.cast(a, tf.float64), tf.cast(b, tf.float64)
    return _with_channels(a, b)


def _with_channels(a, b):
    """(h, w) images get a channel axis, (h, w, 1); others are returned as they are."""
    if a.shape.rank == 2:
        return a[..., tf.newaxis], b[..., tf.newaxis]
    return a, b


# The unchecked metrics: a and b already checked, of one shape and dtype, with a channel axis.
def _mse_unchecked(a, b):
    return tf.reduce_mean(tf.math.squared_difference(a, b), axis=[-3, -2, -1])


def _psnr_unchecked(a, b):
    return tf.image.psnr(a, b, max_val=1.0)


def _ssim_unchecked(a, b):
    h, w = a.shape[-3], a.shape[-2]
    if h < 11 or w < 11:
        raise ValueError(f"ssim needs images at least 11×11 (its window size); got {h}×{w}")
    return tf.image.ssim(a, b, max_val=1.0)


def mse(a, b):
    """Mean squared error between two images, per image.

    Args:
      a, b: images of one shape: (h, w) grayscale, or (..., h, w, c); float in [0, 1] or uint8.
    Returns:
      (...) tensor (a scalar for one image), float dtype of the inputs.
    Raises:
      ValueError: different shapes, values outside [0, 1], NaN/Inf.

    >>> float(mse(np.zeros((2, 2)), np.full((2, 2), 0.5)))
    0.25
    """
    return _mse_unchecked(*_image_pair(a, b))


def psnr(a, b):
    """Peak signal-to-noise ratio in dB, ``10 log10(1 / MSE)``, computed by ``tf.image.psnr``.

    Higher is better; identical images give ``inf``. Around 30 dB differences are hard to see.

    Args:
      a, b: images of one shape: (h, w) or (..., h, w, c); float in [0, 1] or uint8.
    Returns:
      (...) float32 tensor (``tf.image.psnr`` computes in float32).
    Raises:
      ValueError: different shapes, values outside [0, 1], NaN/Inf.

    >>> round(float(psnr(np.zeros((2, 2)), np.full((2, 2), 0.1))), 4)
    20.0
    """
    return _psnr_unchecked(*_image_pair(a, b))


def ssim(a, b):
    """Structural similarity (1 = identical), computed by ``tf.image.ssim`` (11×11 Gaussian window).

    Args:
      a, b: images of one shape, each side at least 11 pixels: (h, w) or (..., h, w, c);
        float in [0, 1] or uint8.
    Returns:
      (...) float32 tensor (``tf.image.ssim`` computes in float32).
    Raises:
      ValueError: different shapes, a side below 11, values outside [0, 1], NaN/Inf.

    >>> float(ssim(np.eye(16), np.eye(16)))
    1.0
    """
    return _ssim_unchecked(*_image_pair(a, b))


def quality_table(image_svd, ranks, *, with_ssim=False):
    """Rank, storage (in numbers and in bytes) and quality of the reconstructions at the given ranks.

    The image was checked when the :class:`ImageSVD` was made and every reconstruction comes from
    it, so the metrics run unchecked: the table costs what ``tf.image`` costs.

    Storage is given twice, because the two counts break even at very different ranks. In
    **numbers**, rank r stores ``c r (h + w + 1)`` of the image's ``c h w``; in **bytes**, the
    float32 factors that ``tf.linalg.svd`` returns take 4 bytes per number, against one byte per
    value of the 8-bit image, so the SVD is larger than the image's bytes four times sooner.

    Rank 0 is accepted: ``A_0 = 0`` is the all-zero (black) image, which stores nothing; its
    ``compression_ratio`` is ``inf`` (nothing stored) and its MSE is the mean squared pixel value.

    Args:
      image_svd: an :class:`ImageSVD`.
      ranks: non-empty sequence of distinct ints, each between 0 and k.
      with_ssim: bool, add an ``ssim`` column (``tf.image.ssim`` costs several convolutions
        over the image per rank, far more than the rest of the table).
    Returns:
      list of dicts, one per rank, in the given order, with keys ``rank``, ``stored`` (numbers
      stored), ``stored_fraction`` (stored numbers / the image's numbers:
      :meth:`ImageSVD.compression_factor`, under the name of the report's CSV column),
      ``compression_ratio`` (in numbers: the image's numbers / stored numbers, 8.0 means 8:1),
      ``stored_bytes`` (bytes of the float32 factors, :meth:`ImageSVD.nbytes`),
      ``bytes_fraction`` (``stored_bytes`` / :attr:`ImageSVD.pixel_nbytes`, the image as 8-bit
      pixels; above 1 the float32 SVD is larger than the image), ``mse``, ``psnr_db`` and, if
      asked, ``ssim`` (Python numbers; quality measured on the clipped float reconstruction
      against the original).
    Raises:
      TypeError: image_svd is not an ImageSVD; a rank that is not an integer; with_ssim is not
        a bool.
      ValueError: a rank out of range or repeated; no rank; with_ssim for an image smaller
        than 11×11.

    >>> row = quality_table(ImageSVD(load_image(grayscale=True)), [10])[0]
    >>> row["rank"], round(row["compression_ratio"], 1), round(row["bytes_fraction"], 3)
    (10, 24.0, 0.167)
    >>> quality_table(ImageSVD(np.full((4, 6), 0.5)), [0])[0]["compression_ratio"]
    inf
    """
    if not isinstance(image_svd, ImageSVD):
        raise TypeError(f"image_svd must be an ImageSVD; got {type(image_svd).__name__}")
    ranks = _check_ranks(ranks, image_svd.k, low=0)
    with_ssim = _check_bool(with_ssim, "with_ssim")
    rows = []
    for r in ranks:
        original, approx = _with_channels(image_svd.image, image_svd.approx(r))
        frac = image_svd.compression_factor(r)
        row = {
            "rank": r,
            "stored": image_svd.size(r),
            "stored_fraction": frac,
            "compression_ratio": 1 / frac if frac > 0 else float("inf"),
            "stored_bytes": image_svd.nbytes(r),
            "bytes_fraction": image_svd.nbytes(r) / image_svd.pixel_nbytes,
            "mse": float(_mse_unchecked(original, approx)),
            "psnr_db": float(_psnr_unchecked(original, approx)),
        }
        if with_ssim:
            row["ssim"] = float(_ssim_unchecked(original, approx))
        rows.append(row)
    return rows
