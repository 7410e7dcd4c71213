"""Loading photos safely: the bundled default, a file or an http(s) URL, with limits and clear errors.

:func:`load_image` reads an image into a float32 tensor in [0, 1]. Every failure raises
:class:`ImageLoadError` (a ``ValueError``) naming the source and the reason: a missing or corrupt
file, more than :data:`MAX_PIXELS` pixels (a decompression bomb), an HTTP error, a timeout
(:data:`TIMEOUT`, :data:`TOTAL_TIMEOUT`), a body over :data:`MAX_BYTES`, a content type that is
not an image. A URL is fetched into memory, never to disk.

Re-exported by :mod:`helpers.images` (``images.load_image``, ``images.ImageLoadError`` and the
limits), where notebook 03 finds them. To change a limit, set it here
(``helpers.loading.MAX_PIXELS = ...``): this module reads it.
"""

import io
import os
import re
import time
import warnings
from pathlib import Path

import numpy as np
import tensorflow as tf

from ._validation import _check_bool

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
    grayscale = _check_bool(grayscale, "grayscale")
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
