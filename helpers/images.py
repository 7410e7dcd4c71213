"""Images as matrices: loading photos safely, compressing them with one SVD, measuring quality.

* :func:`load_image` reads the bundled default photo, a file or an http(s) URL into a float32
  tensor in [0, 1]. Every failure raises :class:`ImageLoadError` (a ``ValueError``) naming the
  source and the reason.
* :class:`ImageSVD` computes the SVD of an image once (the colour channels as one batch) and then
  answers every question of notebook 03 from it: reconstructions at any rank (from float32,
  float16 or 8-bit factors), storage in numbers and in bytes, the rank for a compression factor,
  pooled energy, the rank for an energy target.
* :func:`quantize_columns`: 8-bit (or any bits) quantization of factor columns.
* :func:`mse`, :func:`psnr`, :func:`ssim` compare two images (``tf.image`` does the work).
* :func:`quality_table` and :func:`export_report`: the grayscale workflow of the classic
  "compress a photo with the SVD" example, written to PNG and CSV files.
"""

import csv
import io
import os
import re
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import tensorflow as tf

from .linalg import (
    _check_factor_dtype,
    _check_int,
    approx_nbytes,
    approx_size,
    as_float_tensor,
    compression_factor,
    energy_fraction,
    normalize_signs,
    rank_for_energy,
    rank_for_factor,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_IMAGE = DATA_DIR / "coffee.png"

#: Largest number of pixels (width × height) accepted; larger files are treated as
#: decompression bombs and refused before they are decoded.
MAX_PIXELS = 40_000_000
#: Largest download accepted from a URL, in bytes; the body is read in chunks and the download
#: stops as soon as it goes over.
MAX_BYTES = 50 * 1024 * 1024
#: Seconds to wait for the server to connect or to send the next piece of data.
TIMEOUT = 10.0
#: Seconds allowed for a whole download (a server that trickles bytes forever is cut off).
TOTAL_TIMEOUT = 60.0

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")


class ImageLoadError(ValueError):
    """An image could not be loaded; the message names the source and the reason."""


# ----------------------------------------------------------------------------------------------
# loading
# ----------------------------------------------------------------------------------------------
def _fail(source, reason):
    return ImageLoadError(f"cannot load image from {source}: {reason}")


def _fetch(url):
    """Download ``url`` into memory (never to disk) with a timeout, a byte cap and checks."""
    import requests
    import urllib3

    where = repr(url)
    deadline = time.monotonic() + TOTAL_TIMEOUT
    try:
        with requests.get(url, stream=True, timeout=(TIMEOUT, TIMEOUT)) as resp:
            try:
                resp.raise_for_status()
            except requests.HTTPError:
                raise _fail(where, f"HTTP error {resp.status_code} {resp.reason}") from None
            ctype = resp.headers.get("Content-Type", "")
            if not ctype.split(";")[0].strip().lower().startswith("image/"):
                raise _fail(where, f"the server sent content type {ctype or 'none'!r}, "
                                   "not an image/* type")
            length = resp.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > MAX_BYTES:
                raise _fail(where, f"the body is {int(length)} bytes, over the cap of "
                                   f"{MAX_BYTES} bytes")
            buf = io.BytesIO()
            # read1 returns what one socket read brings (iter_content would wait for a full
            # chunk), so a server that trickles bytes still meets the deadline check below.
            read1 = getattr(resp.raw, "read1", None)
            chunks = (iter(lambda: read1(64 * 1024, decode_content=True), b"") if read1
                      else resp.iter_content(chunk_size=64 * 1024))
            for chunk in chunks:
                buf.write(chunk)
                if buf.tell() > MAX_BYTES:
                    raise _fail(where, f"the body is over the cap of {MAX_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise _fail(where, f"the download took longer than {TOTAL_TIMEOUT:g} s")
            return buf.getvalue()
    except ImageLoadError:
        raise
    except (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError):
        raise _fail(where, f"timed out (no data for {TIMEOUT:g} s)") from None
    except (requests.exceptions.InvalidURL, urllib3.exceptions.LocationValueError) as err:
        raise _fail(where, f"invalid URL ({err})") from None
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError, ValueError) as err:
        text = str(err)
        if "timed out" in text.lower():
            raise _fail(where, f"timed out (no data for {TIMEOUT:g} s)") from None
        raise _fail(where, f"network error: {type(err).__name__}: {text}") from None


def _to_array(im, where):
    """Decode a PIL image into a float32 array in [0, 1]: (h, w) gray or (h, w, 3) RGB."""
    from PIL import ImageOps

    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):  # 16-bit (or 32-bit int) grayscale
        arr = np.asarray(im, dtype=np.float64)
        top = 65535.0 if mode != "I" or arr.max(initial=0) <= 65535 else 4294967295.0
        return np.clip(arr / top, 0, 1).astype(np.float32)
    if mode == "F":
        arr = np.asarray(im, dtype=np.float64)
        if arr.size and not np.all(np.isfinite(arr)):
            raise _fail(where, "the floating-point image holds NaN or Inf")
        lo, hi = float(arr.min()), float(arr.max())
        if lo >= 0 and hi <= 1:
            return arr.astype(np.float32)
        if lo >= 0 and hi <= 255:
            return (arr / 255).astype(np.float32)
        raise _fail(where, f"floating-point pixel values in [{lo:g}, {hi:g}] are not in [0, 1] "
                           "or [0, 255]")
    try:
        im = ImageOps.exif_transpose(im)  # phone photos: apply the stored orientation
    except Exception:  # a broken EXIF block: keep the pixels as stored
        pass
    if mode in ("1", "L", "LA", "La"):
        im = im.convert("L")  # drops alpha
    elif mode == "P" and im.palette is not None and im.palette.mode in ("L", "LA"):
        im = im.convert("L")
    else:  # P, PA, RGB, RGBA, RGBa, CMYK, YCbCr, LAB, HSV, ...: 8-bit RGB, alpha dropped
        im = im.convert("RGB")
    return np.asarray(im, dtype=np.float32) / np.float32(255)


def _decode(data_or_path, where):
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(data_or_path) as im:
                w, h = im.size
                if w * h > MAX_PIXELS:
                    raise _fail(where, f"{w}×{h} = {w * h} pixels is over the limit of "
                                       f"{MAX_PIXELS} (a decompression bomb?)")
                if w == 0 or h == 0:
                    raise _fail(where, f"the image is empty ({w}×{h})")
                im.load()
                return _to_array(im, where)
    except ImageLoadError:
        raise
    except FileNotFoundError:
        raise _fail(where, "no such file") from None
    except IsADirectoryError:
        raise _fail(where, "it is a directory, not a file") from None
    except PermissionError:
        raise _fail(where, "permission denied") from None
    except UnidentifiedImageError:
        raise _fail(where, "not an image file (or a format Pillow cannot read)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise _fail(where, f"too many pixels (a decompression bomb?): {err}") from None
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        text = str(err) or type(err).__name__
        if "truncated" in text.lower() or isinstance(err, EOFError):
            raise _fail(where, f"the file is truncated or corrupt ({text})") from None
        raise _fail(where, f"the file is corrupt or unreadable ({text})") from None
    except MemoryError:
        raise _fail(where, "not enough memory to decode it") from None
    except Exception as err:  # a decoder tripping over a malformed file in some other way
        raise _fail(where, f"the file is corrupt or unreadable ({type(err).__name__}: {err})") \
            from None


def load_image(source=None, *, grayscale=False):
    """Load a photo as a float32 tensor with values in [0, 1].

    Args:
      source: None (the bundled default, ``data/coffee.png``, 600×400 RGB), a file path
        (``str`` or ``pathlib.Path``), or an ``http://`` / ``https://`` URL. A URL is fetched
        with ``requests``: connect/read timeout :data:`TIMEOUT`, at most :data:`MAX_BYTES`
        bytes read while streaming, an ``image/*`` content type required; nothing is written
        to disk.
      grayscale: bool. False: (h, w, 3) RGB. True: (h, w) luminance (``tf.image.rgb_to_grayscale``
        weights).
    Returns:
      float32 tensor, (h, w, 3) or (h, w). Alpha channels are dropped; palette, 1-bit, 16-bit,
      CMYK and grayscale files are converted; a stored EXIF orientation is applied.
    Raises:
      ImageLoadError (a ValueError): missing file, not an image, truncated file, more than
        :data:`MAX_PIXELS` pixels, HTTP error, timeout, wrong content type, body over the cap,
        unsupported URL scheme. The message names the source and the reason.
      TypeError: ``source`` is not None, str or path; ``grayscale`` is not a bool.

    >>> load_image().shape
    TensorShape([400, 600, 3])
    >>> load_image(grayscale=True).shape
    TensorShape([400, 600])
    """
    if not isinstance(grayscale, bool | np.bool_):
        raise TypeError(f"grayscale must be True or False; got {grayscale!r}")
    if source is None:
        path = DEFAULT_IMAGE
        arr = _decode(path, f"the bundled default image data/{path.name}")
    elif isinstance(source, str | os.PathLike):
        text = os.fspath(source)
        if isinstance(text, bytes):
            raise TypeError(f"source must be None, a str path or URL, or a pathlib.Path; "
                            f"got bytes path {source!r}")
        match = _SCHEME.match(text) if isinstance(source, str) else None
        if match:
            scheme = match.group(1).lower()
            if scheme not in ("http", "https"):
                raise _fail(repr(text), f"unsupported URL scheme {scheme!r} (use http or https, "
                                        "or a local file path)")
            arr = _decode(io.BytesIO(_fetch(text)), repr(text))
        else:
            if not text:
                raise _fail("''", "the path is empty")
            arr = _decode(text, repr(text))
    else:
        raise TypeError(f"source must be None, a str path or URL, or a pathlib.Path; "
                        f"got {type(source).__name__}")
    img = tf.convert_to_tensor(arr, tf.float32)
    if grayscale and img.shape.rank == 3:
        img = tf.image.rgb_to_grayscale(img)[..., 0]
    elif not grayscale and img.shape.rank == 2:
        img = tf.image.grayscale_to_rgb(img[..., tf.newaxis])
    return tf.clip_by_value(img, 0.0, 1.0)


# ----------------------------------------------------------------------------------------------
# images as tensors
# ----------------------------------------------------------------------------------------------
def _as_image(image, name="image"):
    """(h, w) or (h, w, c) image as a float tensor in [0, 1]; uint8 is scaled by 1/255."""
    dtype = getattr(image, "dtype", None)
    if dtype is not None and (dtype == np.uint8 or dtype == tf.uint8):
        t = tf.cast(tf.convert_to_tensor(image), tf.float32) / 255.0
    else:
        t = as_float_tensor(image, name, min_ndim=2)
    if t.shape.rank not in (2, 3):
        raise ValueError(f"{name} must have shape (h, w) or (h, w, c); got shape {tuple(t.shape)}")
    if any(d == 0 for d in t.shape):
        raise ValueError(f"{name} must not have an empty dimension; got shape {tuple(t.shape)}")
    lo, hi = float(tf.reduce_min(t)), float(tf.reduce_max(t))
    if lo < 0 or hi > 1:
        raise ValueError(f"{name} must hold values in [0, 1] (or be uint8); got values in "
                         f"[{lo:.4g}, {hi:.4g}]")
    return t


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
          ValueError: r is not an integer between 0 and k; an unknown dtype name.
          TypeError: dtype is not a dtype name or object.

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
          ValueError: r is not an integer between 0 and k; an unknown dtype name.
          TypeError: dtype is not a dtype name or object.

        >>> ImageSVD(np.zeros((4, 6, 3))).nbytes(2), ImageSVD(np.zeros((4, 6, 3))).pixel_nbytes
        (264, 72)
        """
        r = self._rank(r)
        return (self.channels or 1) * approx_nbytes(self.h, self.w, r, dtype)

    def proportion(self, r):
        """``size(r)`` as a fraction of the h · w · c numbers of the image.

        >>> ImageSVD(np.zeros((4, 6, 3))).proportion(2)
        0.9166666666666666
        """
        r = self._rank(r)
        return compression_factor(self.h, self.w, r)

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
    if a.shape.rank == 2:
        a, b = a[..., tf.newaxis], b[..., tf.newaxis]
    return a, b


def _as_images(x, name):
    dtype = getattr(x, "dtype", None)
    if dtype is not None and (dtype == np.uint8 or dtype == tf.uint8):
        t = tf.cast(tf.convert_to_tensor(x), tf.float32) / 255.0
    else:
        t = as_float_tensor(x, name, min_ndim=2)
    lo, hi = float(tf.reduce_min(t)), float(tf.reduce_max(t))
    if lo < 0 or hi > 1:
        raise ValueError(f"{name} must hold values in [0, 1] (or be uint8); got values in "
                         f"[{lo:.4g}, {hi:.4g}]")
    return t


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
    a, b = _image_pair(a, b)
    return tf.reduce_mean(tf.math.squared_difference(a, b), axis=[-3, -2, -1])


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
    a, b = _image_pair(a, b)
    return tf.image.psnr(a, b, max_val=1.0)


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
    a, b = _image_pair(a, b)
    h, w = a.shape[-3], a.shape[-2]
    if h < 11 or w < 11:
        raise ValueError(f"ssim needs images at least 11×11 (its window size); got {h}×{w}")
    return tf.image.ssim(a, b, max_val=1.0)


def _check_ranks(ranks, k):
    if isinstance(ranks, str | bytes) or not hasattr(ranks, "__iter__"):
        raise ValueError(f"ranks must be a non-empty list of integers between 1 and {k}; "
                         f"got {ranks!r}")
    out = [_check_int(r, "each rank", 1, k, "min(h, w) of the image") for r in ranks]
    if not out:
        raise ValueError(f"ranks must be a non-empty list of integers between 1 and {k}; got []")
    if len(set(out)) != len(out):
        raise ValueError(f"ranks must not repeat a rank; got {list(ranks)!r}")
    return out


def quality_table(image_svd, ranks, *, with_ssim=False):
    """Rank, storage and quality of the reconstructions at the given ranks.

    Args:
      image_svd: an :class:`ImageSVD`.
      ranks: non-empty sequence of distinct ints, each between 1 and k.
      with_ssim: bool, add an ``ssim`` column (``tf.image.ssim`` costs several convolutions
        over the image per rank, far more than the rest of the table).
    Returns:
      list of dicts, one per rank, in the given order, with keys ``rank``, ``stored`` (numbers
      stored), ``stored_fraction`` (stored / original), ``compression_ratio`` (original /
      stored: 8.0 means 8:1), ``mse``, ``psnr_db`` and, if asked, ``ssim`` (Python numbers;
      quality measured on the clipped float reconstruction against the original).
    Raises:
      TypeError: image_svd is not an ImageSVD; with_ssim is not a bool.
      ValueError: a bad rank; with_ssim for an image smaller than 11×11.

    >>> quality_table(ImageSVD(load_image(grayscale=True)), [10])[0]["rank"]
    10
    """
    if not isinstance(image_svd, ImageSVD):
        raise TypeError(f"image_svd must be an ImageSVD; got {type(image_svd).__name__}")
    ranks = _check_ranks(ranks, image_svd.k)
    if not isinstance(with_ssim, bool | np.bool_):
        raise TypeError(f"with_ssim must be True or False; got {with_ssim!r}")
    rows = []
    for r in ranks:
        approx = image_svd.approx(r)
        frac = image_svd.proportion(r)
        row = {
            "rank": r,
            "stored": image_svd.size(r),
            "stored_fraction": frac,
            "compression_ratio": 1 / frac,
            "mse": float(mse(image_svd.image, approx)),
            "psnr_db": float(psnr(image_svd.image, approx)),
        }
        if with_ssim:
            row["ssim"] = float(ssim(image_svd.image, approx))
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------------------------
# the report
# ----------------------------------------------------------------------------------------------
_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


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
      stored fraction, compression ratio, MSE, PSNR (dB).

    Everything is first written to a temporary folder inside ``out_dir`` and moved into place
    only when complete, so a failure leaves no half-written file behind.

    Args:
      image: (h, w) or (h, w, 3) image (float in [0, 1] or uint8; RGB is converted to
        grayscale with ``tf.image.rgb_to_grayscale``), or an :class:`ImageSVD` of a grayscale
        image (its SVD is reused).
      ranks: non-empty sequence of distinct ints between 1 and min(h, w).
      out_dir: str or path of the output folder.
      prefix: str, the file-name prefix: letters, digits, ``_``, ``.``, ``-``.
    Returns:
      list of ``pathlib.Path``, the files written, in the order above.
    Raises:
      ValueError: a bad image, rank or prefix; ``out_dir`` exists but is not a folder.
      TypeError: out_dir is not a str or path.

    >>> paths = export_report(load_image(grayscale=True), [5, 20], "build/report")
    >>> [p.name for p in paths][:3]
    ['svd_original.png', 'svd_k5.png', 'svd_k20.png']
    """
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
    ranks = _check_ranks(ranks, isvd.k)
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        raise ValueError(f"prefix must be a non-empty file-name prefix of letters, digits, '_', "
                         f"'.' or '-' (starting with a letter or digit); got {prefix!r}")
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
                    _fmt(t["compression_ratio"]), _fmt(t["mse"]), _fmt(t["psnr_db"])]
                   for t in table],
                  header=["rank", "stored", "stored_fraction", "compression_ratio", "mse",
                          "psnr_db"])
        paths = []
        for name in names:
            os.replace(staging / name, out / name)
            paths.append(out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return paths
