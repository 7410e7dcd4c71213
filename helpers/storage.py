"""Storage arithmetic of a truncated SVD: numbers and bytes a rank-r SVD stores, and back.

A rank-r SVD of an m×n matrix stores r columns of U, r columns of V and r singular values:

* :func:`approx_size` counts the numbers, ``r (m + n + 1)``; :func:`compression_factor` divides
  them by the ``m n`` numbers of the matrix, the one name of that fraction (two aliases say the
  same: ``ImageSVD.proportion`` and the ``"stored_fraction"`` column of
  :func:`helpers.images.quality_table`); :func:`rank_for_factor` goes back from a factor to the
  largest rank that fits.
* :func:`approx_nbytes` counts bytes for factors kept in float64, float32, float16 or 8-bit
  quantized; :func:`rank_for_nbytes` goes back from a byte budget to a rank.

Every name is re-exported by :mod:`helpers.linalg` and by ``helpers`` itself
(``helpers.compression_factor``, ``helpers.linalg.approx_nbytes``, ...).
"""

import math

from ._validation import (
    FACTOR_DTYPES,
    _check_factor_dtype,
    _check_int,
    _check_positive_int,
    _check_real,
)

__all__ = ["FACTOR_DTYPES", "QUANT_COLUMN_BYTES", "approx_nbytes", "approx_size",
           "compression_factor", "rank_for_factor", "rank_for_nbytes"]


def approx_size(m, n, r):
    """Count of numbers stored by a rank-r SVD of an m×n matrix: r columns of U, of V and r σ's.

    Args:
      m, n: positive ints, the matrix shape.  r: int, 0 <= r <= min(m, n).
    Returns:
      int, ``r * (m + n + 1)``.

    >>> approx_size(100, 50, 10)
    1510
    """
    m = _check_positive_int(m, "m")
    n = _check_positive_int(n, "n")
    r = _check_int(r, "r", 0, min(m, n), "the rank of an m×n matrix is at most min(m, n)")
    return r * (m + n + 1)


def compression_factor(m, n, r):
    """Stored numbers of a rank-r SVD as a fraction of the m·n numbers of the matrix.

    The one name of this fraction; ``ImageSVD.compression_factor`` is the same for an image (with
    ``ImageSVD.proportion`` as an alias), and :func:`helpers.images.quality_table` reports it in
    its ``"stored_fraction"`` column.

    Args:
      m, n: positive ints.  r: int, 0 <= r <= min(m, n).
    Returns:
      float, ``r (m + n + 1) / (m n)``; below 1 means the SVD is smaller than the matrix.

    >>> compression_factor(100, 50, 10)
    0.302
    """
    return approx_size(m, n, r) / (int(m) * int(n))


def rank_for_factor(m, n, factor):
    """Largest rank whose SVD storage fits in ``factor`` times the size of an m×n matrix.

    ``r = ⌊factor · m · n / (m + n + 1)⌋`` (a relative tolerance of 1e-9 absorbs rounding, so a
    factor computed from an exact rank gives that rank back).

    Args:
      m, n: positive ints.  factor: real, > 0.
    Returns:
      int r with 1 <= r <= min(m, n).
    Raises:
      ValueError: factor <= 0; factor too small for even rank 1 (the message gives the smallest
        factor that works); or a rank above min(m, n), where the SVD would cost more than the
        matrix itself.

    >>> rank_for_factor(100, 50, 0.302)
    10
    """
    m = _check_positive_int(m, "m")
    n = _check_positive_int(n, "n")
    factor = _check_real(factor, "factor")
    if factor <= 0:
        raise ValueError(f"factor must be greater than 0; got {factor!r}")
    exact = factor * m * n / (m + n + 1)
    r = math.floor(exact * (1 + 1e-9))
    if r < 1:
        smallest = (m + n + 1) / (m * n)
        raise ValueError(
            f"factor={factor!r} is too small for a {m}×{n} matrix: even rank 1 stores "
            f"{m + n + 1} numbers; the smallest factor that works is {smallest:.6g}"
        )
    if r > min(m, n):
        raise ValueError(
            f"factor={factor!r} asks for rank {r}, above min(m, n) = {min(m, n)}: storing the SVD "
            f"would then cost more than the {m}×{n} matrix itself"
        )
    return r


#: Bytes an 8-bit quantized factor column stores besides its entries: a float32 scale and a
#: float32 offset.
QUANT_COLUMN_BYTES = 8


def approx_nbytes(m, n, r, dtype="float32"):
    """Bytes stored by a rank-r SVD of an m×n matrix whose factors are kept in ``dtype``.

    :func:`approx_size` counts *numbers*; what a file or a network transfer costs is *bytes*, and
    a photo's pixels take one byte each (uint8) while factors in float32 take four. The rank-r
    factors are the r columns of U (m entries each), the r columns of V (n entries each) and the r
    singular values:

    * ``"float64"``, ``"float32"``, ``"float16"``: every number in that dtype,
      ``r (m + n + 1) · itemsize`` bytes (8, 4 or 2 bytes per number).
    * ``"uint8"``, 8-bit quantized factors: each column of U and of V is stored as one byte per
      entry, ``q = round((x − offset) / scale)`` in 0..255 with the column's own ``offset`` (its
      minimum) and ``scale`` ((max − min) / 255), both float32; the singular values stay float32.
      That is ``r (m + n)`` bytes of entries, ``2r · 8`` bytes of scales and offsets and ``4r``
      bytes of σ's: ``r (m + n + 20)`` bytes.

    Against an 8-bit image (``m n`` bytes per channel), :func:`rank_for_nbytes` gives the
    break-even rank: ``rank_for_nbytes(m, n, m * n)`` ≈ ``m n / (4 (m + n + 1))`` for float32.

    Args:
      m, n: positive ints, the matrix shape.  r: int, 0 <= r <= min(m, n) (r = 0 stores nothing).
      dtype: the factors' dtype: "float64", "float32" (the default: what ``tf.linalg.svd`` of a
        float32 image returns), "float16" or "uint8" (8-bit quantized as above); a NumPy or
        TensorFlow dtype object works too.
    Returns:
      int, the number of bytes.
    Raises:
      ValueError: m, n not positive integers; r outside 0..min(m, n); an unknown dtype name.
      TypeError: dtype is not a dtype name or object.

    >>> approx_nbytes(100, 50, 10), approx_nbytes(100, 50, 10, "float16")
    (6040, 3020)
    >>> approx_nbytes(100, 50, 10, "uint8")
    1700
    """
    name = _check_factor_dtype(dtype)
    size = approx_size(m, n, r)  # checks m, n and r
    if name == "uint8":
        r = int(r)
        return r * (int(m) + int(n)) + 2 * r * QUANT_COLUMN_BYTES + 4 * r
    return size * FACTOR_DTYPES[name]


def rank_for_nbytes(m, n, nbytes, dtype="float32"):
    """Largest rank whose factors (see :func:`approx_nbytes`) fit in ``nbytes`` bytes.

    The break-even rank against an 8-bit m×n image, which stores ``m n`` bytes per channel, is
    ``rank_for_nbytes(m, n, m * n)``: ``⌊m n / (4 (m + n + 1))⌋`` for float32 factors, a quarter
    of the break-even rank in numbers (:func:`rank_for_factor` with factor 1).

    Args:
      m, n: positive ints.  nbytes: real, > 0, the byte budget.
      dtype: the factors' dtype, as for :func:`approx_nbytes`.
    Returns:
      int r with 1 <= r <= min(m, n).
    Raises:
      ValueError: nbytes <= 0 or not finite; too few bytes for even rank 1 (the message gives
        the bytes of rank 1); a budget that fits more than rank min(m, n); an unknown dtype.
      TypeError: dtype is not a dtype name or object.

    >>> rank_for_nbytes(400, 600, 400 * 600)  # break-even against an 8-bit 400×600 image
    59
    >>> rank_for_nbytes(400, 600, 400 * 600, "uint8")
    235
    """
    name = _check_factor_dtype(dtype)
    m = _check_positive_int(m, "m")
    n = _check_positive_int(n, "n")
    nbytes = _check_real(nbytes, "nbytes")
    if nbytes <= 0:
        raise ValueError(f"nbytes must be greater than 0; got {nbytes!r}")
    per_rank = approx_nbytes(m, n, 1, name)  # the byte count is linear in r
    r = math.floor(nbytes / per_rank)
    if r < 1:
        raise ValueError(
            f"nbytes={nbytes!r} is too small for a {m}×{n} matrix: rank 1 in {name} stores "
            f"{per_rank} bytes"
        )
    if r > min(m, n):
        raise ValueError(
            f"nbytes={nbytes!r} fits rank {r}, above min(m, n) = {min(m, n)}: in {name} the full "
            f"SVD ({approx_nbytes(m, n, min(m, n), name)} bytes) already fits in the budget"
        )
    return r
