"""Images as matrices: loading photos safely, compressing them with one SVD, measuring quality.

* :func:`load_image` reads the bundled default photo, a file or an http(s) URL into a float32
  tensor in [0, 1]. Every failure raises :class:`ImageLoadError` (a ``ValueError``) naming the
  source and the reason.
* :class:`ImageSVD` computes the SVD of an image once (the colour channels as one batch) and then
  answers every question of notebook 03 from it: reconstructions at any rank, storage, the rank
  for a compression factor, energy, the rank for an energy target.
* :func:`mse`, :func:`psnr`, :func:`ssim` compare two images (``tf.image`` does the work).
* :func:`quality_table` and :func:`export_report`: the grayscale workflow of the classic
  "compress a photo with the SVD" example, written to PNG and CSV files.
"""

import io
import os
import re
import time
import warnings
from pathlib import Path

import numpy as np
import tensorflow as tf

from .linalg import (
    _check_int,
    approx_size,
    as_float_tensor,
    compression_factor,
    energy_fraction,
    rank_for_energy,
    rank_for_factor,
    rank_r_approx,
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
            for chunk in resp.iter_content(chunk_size=64 * 1024):
                buf.write(chunk)
                if buf.tell() > MAX_BYTES:
                    raise _fail(where, f"the body is over the cap of {MAX_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise _fail(where, f"the download took longer than {TOTAL_TIMEOUT:g} s")
            return buf.getvalue()
    except ImageLoadError:
        raise
    except requests.Timeout:
        raise _fail(where, f"timed out (no data for {TIMEOUT:g} s)") from None
    except requests.RequestException as err:
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
    im = ImageOps.exif_transpose(im)  # phone photos: apply the stored orientation
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
        t = tf.image.convert_image_dtype(tf.convert_to_tensor(image), tf.float32)
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


class ImageSVD:
    """The SVD of an image, computed once (channels as one batch), and every query answered from it.

    ``ImageSVD(image)`` stacks the c channels of an (h, w, c) image into a (c, h, w) batch and
    calls ``tf.linalg.svd`` once. Reconstructions, storage, ranks for a compression factor and
    for an energy target are then cheap: they reuse :mod:`helpers.linalg` on the stored factors.

    Attributes:
      s: singular values, (c, k) for a colour image or (k,) for a grayscale one, k = min(h, w).
      U: (c, h, k) or (h, k).  V: (c, w, k) or (w, k).
      shape: the input's shape.  k: the number of singular values per channel.

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
        self.shape = tuple(img.shape)
        self.dtype = img.dtype
        self.h, self.w = self.shape[0], self.shape[1]
        self.channels = self.shape[2] if len(self.shape) == 3 else None
        self.k = min(self.h, self.w)
        stack = tf.transpose(img, [2, 0, 1]) if self.channels else img
        self.s, self.U, self.V = tf.linalg.svd(stack)

    def __repr__(self):
        return f"ImageSVD(shape={self.shape}, dtype={self.dtype.name}, k={self.k})"

    def _rank(self, r):
        return _check_int(r, "r", 1, self.k, f"min(h, w) of the {self.h}×{self.w} image")

    def approx(self, r):
        """The rank-r reconstruction, clipped to [0, 1].

        Args:
          r: int, 1 <= r <= k.
        Returns:
          Tensor of the input's shape and float dtype.
        Raises:
          ValueError: r is not an integer between 1 and k.

        >>> ImageSVD(np.eye(3)).approx(3).numpy().round(6)
        array([[1., 0., 0.],
               [0., 1., 0.],
               [0., 0., 1.]])
        """
        r = self._rank(r)
        A = rank_r_approx(self.s, self.U, self.V, r)
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
        """Cumulative energy kept by ranks 1..k, per channel: (c, k) or (k,).

        Entry r - 1 is the energy of exactly the first r singular values. ``measure="sigma2"``
        (σ², the squared Frobenius norm, the right one) or ``"sigma"`` (the TF guide's choice).

        Raises:
          ValueError: unknown measure; an all-zero image (it has no energy).

        >>> ImageSVD(np.diag([0.6, 0.8])).energy_fraction().numpy().round(2)
        array([0.64, 1.  ])
        """
        return energy_fraction(self.s, measure)

    def rank_for_energy(self, energy, measure="sigma2"):
        """Smallest rank whose energy fraction, averaged over channels, reaches ``energy``.

        Raises:
          ValueError: energy outside (0, 1]; unknown measure; an all-zero image.

        >>> ImageSVD(np.diag([0.6, 0.8])).rank_for_energy(0.64)
        1
        """
        return rank_for_energy(self.s, energy, measure)
