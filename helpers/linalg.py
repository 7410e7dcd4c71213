"""The SVD and what is built directly on it: reconstruction, rank-r approximation, storage and energy.

Conventions, kept everywhere in the collection:

* ``s, U, V = svd(A)`` in the order and convention of ``tf.linalg.svd``: ``V``, not ``Vᵀ``,
  so ``A = U diag(s) Vᵀ``.
* Leading batch axes (``...``) are allowed wherever they make sense: a stack of matrices
  ``(..., m, n)`` gives ``s`` of shape ``(..., k)``, ``U`` ``(..., m, k)``, ``V`` ``(..., n, k)``
  with ``k = min(m, n)``.
* float32 stays float32 and float64 stays float64.
"""

import math
import numbers

import numpy as np
import tensorflow as tf

MEASURES = ("sigma2", "sigma")


# ----------------------------------------------------------------------------------------------
# argument checking shared by every module of the package
# ----------------------------------------------------------------------------------------------
def as_float_tensor(x, name="A", min_ndim=2):
    """Convert ``x`` to a float32 or float64 tensor, checking dtype, rank, emptiness and finiteness.

    float32 and float64 keep their dtype; float16/bfloat16 become float32; integers and Python
    numbers become float64.

    Args:
      x: tensor, NumPy array or nested list of real numbers, at least ``min_ndim`` dimensions.
      name: the argument's name, used in error messages.
      min_ndim: int, the smallest number of dimensions accepted.
    Returns:
      A ``tf.Tensor`` of dtype float32 or float64 and the same shape as ``x``.
    Raises:
      TypeError: complex, boolean, string or object entries.
      ValueError: fewer than ``min_ndim`` dimensions, an empty dimension, NaN or Inf, ragged lists.

    >>> as_float_tensor([[1, 2], [3, 4]]).dtype
    tf.float64
    """
    if isinstance(x, tf.Tensor | tf.Variable):
        dtype = x.dtype
        if dtype.is_complex:
            raise TypeError(f"{name} must be real; got complex dtype {dtype.name}")
        if dtype == tf.bool or dtype == tf.string or not (dtype.is_floating or dtype.is_integer):
            raise TypeError(f"{name} must hold real numbers; got dtype {dtype.name}")
        if dtype in (tf.float32, tf.float64):
            t = tf.convert_to_tensor(x)
        elif dtype.is_floating:
            t = tf.cast(x, tf.float32)
        else:
            t = tf.cast(x, tf.float64)
    else:
        try:
            arr = np.asarray(x)
        except ValueError as err:  # ragged nested lists
            raise ValueError(f"{name} must be a rectangular array of numbers; {err}") from None
        kind = arr.dtype.kind
        if kind == "c":
            raise TypeError(f"{name} must be real; got complex dtype {arr.dtype}")
        if kind not in "fiu":
            raise TypeError(
                f"{name} must hold real numbers (float or integer); got dtype {arr.dtype}"
            )
        if arr.dtype in (np.float32, np.float64):
            t = tf.convert_to_tensor(arr)
        elif kind == "f":
            t = tf.convert_to_tensor(arr.astype(np.float32))
        else:
            t = tf.convert_to_tensor(arr.astype(np.float64))
    shape = t.shape
    if shape.rank is None or shape.rank < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimension(s); got shape {tuple(shape)}"
        )
    if any(d == 0 for d in shape):
        raise ValueError(f"{name} must not have an empty dimension; got shape {tuple(shape)}")
    if tf.executing_eagerly():
        if not bool(tf.reduce_all(tf.math.is_finite(t))):
            raise ValueError(f"{name} must not contain NaN or Inf entries")
    else:
        t = tf.debugging.assert_all_finite(t, f"{name} must not contain NaN or Inf entries")
    return t


def _check_int(value, name, low, high, what=""):
    """Return ``value`` as a Python int if it is an integer in [low, high], else raise ValueError."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)
    if not ok or not (low <= int(value) <= high):
        extra = f" ({what})" if what else ""
        raise ValueError(f"{name} must be an integer between {low} and {high}{extra}; got {value!r}")
    return int(value)


#: One rule for every seed of the helpers: what a 64-bit stateless TensorFlow seed holds.
SEED_MAX = 2**63 - 1


def _check_seed(seed):
    """``seed`` as a Python int if it is an integer in [0, 2**63 - 1], else ValueError."""
    ok = isinstance(seed, numbers.Integral) and not isinstance(seed, bool | np.bool_)
    if not ok or not 0 <= int(seed) <= SEED_MAX:
        raise ValueError(f"seed must be an integer between 0 and 2**63 - 1; got {seed!r}")
    return int(seed)


def _check_batch_axes(X, Y, what):
    """ValueError "<what> do not broadcast" unless the leading axes of two matrix stacks do."""
    try:
        np.broadcast_shapes(tuple(X.shape[:-2]), tuple(Y.shape[:-2]))
    except ValueError:
        raise ValueError(f"{what} do not broadcast") from None


def _check_positive_int(value, name):
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)
    if not ok or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def _check_real(value, name):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
    if not ok or not math.isfinite(float(value)):
        raise ValueError(f"{name} must be a finite real number; got {value!r}")
    return float(value)


def _check_measure(measure):
    if measure not in MEASURES:
        raise ValueError(f'measure must be "sigma2" or "sigma"; got {measure!r}')
    return measure


def _check_svd_triple(s, U, V):
    """Validate a thin or full SVD triple and return it as tensors of one float dtype."""
    s = as_float_tensor(s, "s", min_ndim=1)
    U = as_float_tensor(U, "U", min_ndim=2)
    V = as_float_tensor(V, "V", min_ndim=2)
    if not (s.dtype == U.dtype == V.dtype):
        raise TypeError(
            f"s, U and V must share one dtype; got {s.dtype.name}, {U.dtype.name}, {V.dtype.name}"
        )
    k = s.shape[-1]
    if U.shape[-1] < k or V.shape[-1] < k:
        raise ValueError(
            f"U and V need at least k = {k} columns (the length of s); "
            f"got U {tuple(U.shape)} and V {tuple(V.shape)}"
        )
    batch = [tuple(s.shape[:-1]), tuple(U.shape[:-2]), tuple(V.shape[:-2])]
    try:
        np.broadcast_shapes(*batch)
    except ValueError:
        raise ValueError(
            f"the batch axes of s, U and V do not match: s {tuple(s.shape)}, "
            f"U {tuple(U.shape)}, V {tuple(V.shape)}"
        ) from None
    return s, U, V


# ----------------------------------------------------------------------------------------------
# the decomposition
# ----------------------------------------------------------------------------------------------
def svd(A, full_matrices=False):
    """Singular value decomposition ``A = U diag(s) Vᵀ``, in ``tf.linalg.svd``'s convention.

    Args:
      A: (..., m, n) real matrix or stack of matrices: tensor, NumPy array or nested list.
        float32 stays float32, float64 stays float64, integers become float64.
      full_matrices: bool. False (thin): U is (..., m, k), V is (..., n, k), k = min(m, n).
        True (full): U is (..., m, m), V is (..., n, n).
    Returns:
      ``(s, U, V)``: s (..., k) singular values in descending order, non-negative; U and V with
      orthonormal columns. Note the order (s first) and that V is returned, not Vᵀ.
    Raises:
      ValueError: fewer than 2 dimensions, an empty dimension, NaN or Inf entries.
      TypeError: complex, boolean or string entries.

    >>> s, U, V = svd([[3., 0.], [0., 1.]])
    >>> s.numpy()
    array([3., 1.])
    """
    if not isinstance(full_matrices, bool | np.bool_):
        raise TypeError(f"full_matrices must be True or False; got {full_matrices!r}")
    A = as_float_tensor(A, "A", min_ndim=2)
    return tf.linalg.svd(A, full_matrices=bool(full_matrices))


def reconstruct(s, U, V):
    """Rebuild ``U diag(s) Vᵀ`` from an SVD, batched.

    Args:
      s: (..., k) singular values.  U: (..., m, ≥k).  V: (..., n, ≥k); only the first k columns
        of U and V are used, so a full SVD works too.
    Returns:
      (..., m, n) tensor, same dtype as s.

    >>> s, U, V = svd([[1., 2.], [3., 4.]])
    >>> reconstruct(s, U, V).numpy().round(6)
    array([[1., 2.],
           [3., 4.]])
    """
    s, U, V = _check_svd_triple(s, U, V)
    k = s.shape[-1]
    return tf.matmul(U[..., :k] * s[..., tf.newaxis, :], V[..., :k], adjoint_b=True)


def rank_r_approx(s, U, V, r):
    """Best rank-r approximation ``A_r = U_r diag(s_r) V_rᵀ`` from an SVD, batched.

    ``r = 0`` gives ``A_0 = 0``, the zero matrix (the empty sum), the same rule as
    :func:`tail_energy`, :func:`approx_size` and :func:`approx_nbytes`.

    Args:
      s: (..., k) singular values, descending.  U: (..., m, ≥k).  V: (..., n, ≥k).
      r: int (Python or NumPy), 0 <= r <= k.
    Returns:
      (..., m, n) tensor, same dtype as s.
    Raises:
      ValueError: r is not an integer between 0 and k.

    >>> s, U, V = svd([[3., 0.], [0., 1.]])
    >>> rank_r_approx(s, U, V, 1).numpy()
    array([[3., 0.],
           [0., 0.]])
    >>> rank_r_approx(s, U, V, 0).numpy()
    array([[0., 0.],
           [0., 0.]])
    """
    s, U, V = _check_svd_triple(s, U, V)
    k = s.shape[-1]
    r = _check_int(r, "r", 0, k, f"the number of singular values is {k}; r = 0 gives the zero matrix")
    return tf.matmul(U[..., :r] * s[..., tf.newaxis, :r], V[..., :r], adjoint_b=True)


# ----------------------------------------------------------------------------------------------
# storage
# ----------------------------------------------------------------------------------------------
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


#: Factor dtypes understood by :func:`approx_nbytes`: bytes per stored entry of U and V.
FACTOR_DTYPES = {"float64": 8, "float32": 4, "float16": 2, "uint8": 1}

#: Bytes an 8-bit quantized factor column stores besides its entries: a float32 scale and a
#: float32 offset.
QUANT_COLUMN_BYTES = 8


def _check_factor_dtype(dtype):
    """Return the name ("float64", "float32", "float16" or "uint8") of a factor dtype."""
    if isinstance(dtype, str):
        name = dtype  # the exact name: "float" or "f4" would be ambiguous to a reader
    elif isinstance(dtype, tf.DType):
        name = dtype.name
    elif isinstance(dtype, np.dtype) or (isinstance(dtype, type) and issubclass(dtype, np.generic)):
        name = np.dtype(dtype).name
    else:
        raise TypeError(
            f'dtype must be a dtype name or object ("float64", "float32", "float16" or "uint8"); '
            f"got {dtype!r}"
        )
    if name not in FACTOR_DTYPES:
        raise ValueError(
            f'dtype must be one of "float64", "float32", "float16" or "uint8" (8-bit quantized); '
            f"got {dtype!r}"
        )
    return name


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


# ----------------------------------------------------------------------------------------------
# energy
# ----------------------------------------------------------------------------------------------
def _check_singular_values(s):
    s = as_float_tensor(s, "s", min_ndim=1)
    if bool(tf.reduce_any(s < 0)):
        raise ValueError("s must hold singular values, which are non-negative")
    if not bool(tf.reduce_any(s > 0)):
        raise ValueError("s must have at least one positive singular value (the matrix is zero)")
    return s


def _pooled_weights(s, measure):
    """(k,) float64 weights Σ_b w_{b,i}, pooled over every batch axis of s."""
    s64 = tf.reshape(tf.cast(s, tf.float64), [-1, s.shape[-1]])  # float32 -> float64 is exact
    w = tf.square(s64) if measure == "sigma2" else s64
    return tf.reduce_sum(w, axis=0)


def energy_fraction(s, measure="sigma2"):
    """Cumulative fraction of the energy kept by the first r singular values, r = 1..k.

    Entry ``r - 1`` is ``E(r) = Σ_{i≤r} w_i / Σ_i w_i`` with weights ``w_i = σᵢ²``
    (``measure="sigma2"``, the default) or ``w_i = σᵢ`` (``measure="sigma"``). The two measure
    different errors of the rank-r approximation ``A_r`` (both are proved in notebook 04):

    * σ²: ``1 − E(r) = ‖A − A_r‖_F² / ‖A‖_F²``, the relative **squared Frobenius** error, the one
      that MSE and PSNR see (for an image, MSE is ``‖A − A_r‖_F²`` over the number of pixels).
    * σ: ``1 − E(r) = ‖A − A_r‖_* / ‖A‖_*``, the relative error in the **nuclear norm**
      ``‖M‖_* = Σᵢ σᵢ(M)``; A_r is the best rank-r approximation in that norm too. It is a true
      error measure, but not the Frobenius error of MSE and PSNR, and it reaches a given target
      at a higher rank. The TensorFlow guide "Matrix approximation with Core APIs" uses it.

    **A batch of spectra is pooled**, not averaged: for s of shape (..., k), such as the three
    channels of an RGB image, ``E(r) = Σ_b Σ_{i≤r} w_{b,i} / Σ_b Σ_i w_{b,i}`` over every batch
    entry b. With σ², ``1 − E(r)`` is then exactly the relative squared error of the whole stack,
    ``Σ_b ‖A_b − (A_b)_r‖_F² / Σ_b ‖A_b‖_F²`` (for an RGB image ``‖X − X_r‖_F² / ‖X‖_F²``), however
    unequally the channels share the energy; with σ, it is the relative nuclear-norm error of the
    block-diagonal matrix diag(A_1, A_2, ...). For one fraction per matrix, call it on each
    spectrum ``s[b]``.

    The sums are taken in float64 and the result is cast back to s's dtype.

    Args:
      s: (..., k) singular values, non-negative, at least one positive in the whole batch
        (a batch entry may be all zero, e.g. an empty colour channel).
      measure: "sigma2" or "sigma".
    Returns:
      (k,) tensor, same dtype as s, non-decreasing, last entry exactly 1.
    Raises:
      ValueError: an unknown measure; negative entries; all entries zero; NaN or Inf.
      TypeError: complex, boolean or string entries.

    >>> energy_fraction([3., 4.]).numpy()                 # σ² = 9, 16 of 25
    array([0.36, 1.  ])
    >>> energy_fraction([[3., 0.], [0., 4.]]).numpy()     # pooled: (9 + 0) / 25, then 25 / 25
    array([0.36, 1.  ])
    """
    _check_measure(measure)
    s = _check_singular_values(s)
    c = tf.cumsum(_pooled_weights(s, measure))
    return tf.cast(c / c[-1], s.dtype)


def tail_energy(s, r):
    """Sum of the squared singular values left out by a rank-r approximation: Σ_{i>r} σᵢ², batched.

    By the Frobenius error identity (notebook 04) this is exactly ``‖A − A_r‖_F²``. It is an
    absolute quantity per matrix, so a batch gives one tail per matrix; their sum is the squared
    error of the whole stack, and ``tf.reduce_sum(tail_energy(s, r)) / tf.reduce_sum(s**2)`` is
    ``1 − energy_fraction(s)[r - 1]`` (the pooled fraction).

    Args:
      s: (..., k) singular values, non-negative.  r: int, 0 <= r <= k (r = 0: all of ‖A‖_F²,
        the error of A_0 = 0).
    Returns:
      (...) tensor, same dtype as s.
    Raises:
      ValueError: r is not an integer between 0 and k; invalid singular values.

    >>> float(tail_energy([3., 2., 1.], 1))
    5.0
    """
    s = as_float_tensor(s, "s", min_ndim=1)
    if bool(tf.reduce_any(s < 0)):
        raise ValueError("s must hold singular values, which are non-negative")
    k = s.shape[-1]
    r = _check_int(r, "r", 0, k, f"the number of singular values is {k}")
    return tf.reduce_sum(tf.square(s[..., r:]), axis=-1)


def rank_for_energy(s, energy, measure="sigma2"):
    """Smallest rank r whose cumulative energy fraction reaches ``energy``.

    The fraction is :func:`energy_fraction`'s: for a batch of spectra (..., k), such as the three
    channels of an RGB image, the energy is **pooled** over the batch, so one rank serves every
    channel and, with σ², ``1 − energy`` bounds the relative squared error of the whole stack,
    ``‖X − X_r‖_F² / ‖X‖_F²``. (A channel with little energy may keep a smaller share of its own.)

    The search is on the values :func:`energy_fraction` returns, so ``energy_fraction(s)[r - 1]
    >= energy`` and, for r > 1, ``energy_fraction(s)[r - 2] < energy``. Exception: ``energy=1.0``
    gives the number of non-zero singular values (k for a full-rank matrix), in float32 too, where
    a fraction within rounding of 1 would otherwise stop the search early.

    Args:
      s: (..., k) singular values.  energy: real, 0 < energy <= 1.  measure: "sigma2" or "sigma".
    Returns:
      int r, 1 <= r <= k.
    Raises:
      ValueError: energy outside (0, 1], an unknown measure, invalid singular values.

    >>> rank_for_energy([3., 4.], 0.36)
    1
    >>> rank_for_energy([[4., 1.], [0., 2.]], 0.8)  # pooled σ²: 16 of 21, then 21 of 21
    2
    """
    energy = _check_real(energy, "energy")
    if not 0 < energy <= 1:
        raise ValueError(f"energy must be in (0, 1] (a fraction of the total); got {energy!r}")
    frac = energy_fraction(s, measure)  # checks s and measure
    k = frac.shape[-1]
    if energy == 1.0:
        w = _pooled_weights(as_float_tensor(s, "s", min_ndim=1), measure).numpy()
        return int(np.flatnonzero(w > 0)[-1]) + 1
    reached = tf.cast(frac, tf.float64).numpy() >= energy
    return min(int(np.searchsorted(reached, True)) + 1, k)


# ----------------------------------------------------------------------------------------------
# signs
# ----------------------------------------------------------------------------------------------
def _column_signs(M):
    """(..., p) signs (+1/-1) that make the largest-magnitude entry of each column positive."""
    idx = tf.argmax(tf.abs(M), axis=-2)  # (..., p)
    Mt = tf.linalg.matrix_transpose(M)  # (..., p, m)
    peak = tf.gather(Mt, idx[..., tf.newaxis], axis=-1, batch_dims=len(M.shape) - 1)[..., 0]
    return tf.where(peak < 0, tf.constant(-1, M.dtype), tf.constant(1, M.dtype))


def normalize_signs(s, U, V):
    """Fix the sign ambiguity of an SVD: flip each pair (uᵢ, vᵢ) so that uᵢ's largest entry is positive.

    Flipping uᵢ and vᵢ together leaves ``U diag(s) Vᵀ`` unchanged, so the result is still an SVD
    of the same matrix. When the singular values are **distinct and non-zero**, a joint sign flip
    is the only freedom the SVD has, so after this call the pairs are the same whichever signs the
    SVD routine chose (up to rounding, and ties between largest entries). When a singular value is
    repeated (or zero, with more than one such value or a non-square matrix), any orthonormal
    basis of its block of singular vectors is just as valid, and different routines or machines
    may return different bases: no sign rule can make those the same. Columns of a full U or V
    beyond k = len(s) have no partner; each is flipped on its own rule (they span a fixed
    subspace, but the basis inside it is arbitrary in the same way).

    Args:
      s: (..., k).  U: (..., m, ≥k).  V: (..., n, ≥k).
    Returns:
      ``(s, U, V)`` with the same shapes and dtype.

    >>> s, U, V = normalize_signs(*svd([[0., -2.], [-1., 0.]]))
    >>> U.numpy()
    array([[1., 0.],
           [0., 1.]])
    """
    s, U, V = _check_svd_triple(s, U, V)
    k = s.shape[-1]
    su = _column_signs(U)  # (..., mU)
    sv = _column_signs(V)  # (..., nV)
    sv = tf.concat([su[..., :k], sv[..., k:]], axis=-1)
    # "+ 0" turns the -0.0 that a flipped zero would become into 0.0, so printouts stay tidy.
    return s, U * su[..., tf.newaxis, :] + 0, V * sv[..., tf.newaxis, :] + 0


# ----------------------------------------------------------------------------------------------
# the pseudo-inverse and least squares
# ----------------------------------------------------------------------------------------------
def _check_rcond(rcond, A):
    """The cutoff ratio: ``max(m, n) · ε`` of A's dtype for None, else a finite real >= 0."""
    if rcond is None:
        return max(A.shape[-2], A.shape[-1]) * float(np.finfo(A.dtype.as_numpy_dtype).eps)
    rcond = _check_real(rcond, "rcond")
    if rcond < 0:
        raise ValueError(f"rcond must be None or a real number >= 0; got {rcond!r}")
    return rcond


def _inverted_singular_values(s, rcond):
    """(..., k) 1/σᵢ where σᵢ > rcond·σ₁, and 0 elsewhere (no division by a dropped σ)."""
    cutoff = rcond * s[..., :1]
    keep = s > cutoff
    return tf.where(keep, 1 / tf.where(keep, s, tf.ones_like(s)), tf.zeros_like(s))


def pinv(A, rcond=None):
    """Moore–Penrose pseudo-inverse ``A⁺ = V diag(σ⁺) Uᵀ`` through the SVD, batched.

    ``σ⁺ᵢ = 1/σᵢ`` for the singular values ``σᵢ > rcond · σ₁`` and 0 for the others, which are
    treated as zero (rounding noise of a rank-deficient matrix). The default ``rcond = max(m, n) · ε``
    (ε of A's dtype: 2.2e-16 for float64, 1.2e-7 for float32) is NumPy's and TensorFlow's.

    Args:
      A: (..., m, n) real matrix or stack of matrices. float32 stays float32, float64 stays
        float64, integers become float64.
      rcond: None or a real number >= 0, the cutoff relative to the largest singular value.
    Returns:
      (..., n, m) tensor, same dtype as A. The zero matrix gives the zero matrix.
    Raises:
      ValueError: A with fewer than 2 dimensions, an empty dimension, NaN or Inf; rcond negative,
        NaN, Inf or not a number.
      TypeError: A complex, boolean or string.

    >>> pinv([[2., 0.], [0., 0.]]).numpy()
    array([[0.5, 0. ],
           [0. , 0. ]])
    """
    A = as_float_tensor(A, "A", min_ndim=2)
    rcond = _check_rcond(rcond, A)
    s, U, V = tf.linalg.svd(A)
    s_inv = _inverted_singular_values(s, rcond)
    return tf.matmul(V * s_inv[..., tf.newaxis, :], U, adjoint_b=True)


def lstsq(A, b, rcond=None):
    """Minimum-norm least-squares solution of ``A x ≈ b`` through the SVD, batched.

    ``x = V diag(σ⁺) Uᵀ b = A⁺ b`` (see :func:`pinv` for σ⁺ and ``rcond``) minimises ‖A x − b‖₂ and,
    among all minimisers (A rank-deficient or wide), has the smallest ‖x‖₂. Like
    ``numpy.linalg.lstsq``, but batched and without forming A⁺.

    ``b`` of shape (m,) is one vector (for every matrix of a batch A); otherwise b is a stack of
    vectors when it has one dimension less than A, shape (..., m), and a stack of matrices
    (k right-hand sides) when it has as many, shape (..., m, k). The batch axes of A and b
    broadcast; to use one (m, k) matrix b with a batch A of shape (p, m, n), pass ``b[None]``.

    Args:
      A: (..., m, n) real matrix or stack of matrices.
      b: (..., m) or (..., m, k), the same dtype as A (NumPy arrays and lists are converted to
        it when their dtype is a float or integer one).
      rcond: None (``max(m, n) · ε``) or a real number >= 0.
    Returns:
      x of shape (..., n) or (..., n, k), same dtype as A.
    Raises:
      ValueError: A or b with NaN/Inf, an empty dimension or too few dimensions; b's rows not m;
        batch axes that do not broadcast; rcond negative or not a finite number.
      TypeError: complex, boolean or string entries; a b tensor of another dtype than A.

    >>> lstsq([[1., 0.], [0., 1.], [1., 1.]], [1., 1., 0.]).numpy().round(4)  # overdetermined
    array([0.3333, 0.3333])
    >>> lstsq([[1., 1.]], [2.]).numpy()  # underdetermined: the shortest x with x1 + x2 = 2
    array([1., 1.])
    """
    A = as_float_tensor(A, "A", min_ndim=2)
    if isinstance(b, tf.Tensor | tf.Variable):
        b = as_float_tensor(b, "b", min_ndim=1)
        if b.dtype != A.dtype:
            raise TypeError(
                f"b must have A's dtype {A.dtype.name}; got {b.dtype.name} (cast one of them)"
            )
    else:
        b = as_float_tensor(b, "b", min_ndim=1)
        b = tf.cast(b, A.dtype) if b.dtype != A.dtype else b
    rcond = _check_rcond(rcond, A)
    m = A.shape[-2]
    vector = len(b.shape) == 1 or len(b.shape) == len(A.shape) - 1
    B = b[..., tf.newaxis] if vector else b
    if B.shape[-2] != m:
        what = "(..., m)" if vector else "(..., m, k)"
        raise ValueError(
            f"b must have shape {what} with m = {m} (A's rows); got b of shape {tuple(b.shape)} "
            f"for A of shape {tuple(A.shape)}"
        )
    _check_batch_axes(A, B, f"the batch axes of A {tuple(A.shape)} and b {tuple(b.shape)}")
    s, U, V = tf.linalg.svd(A)
    s_inv = _inverted_singular_values(s, rcond)
    x = tf.matmul(V, s_inv[..., :, tf.newaxis] * tf.matmul(U, B, adjoint_a=True))
    return x[..., 0] if vector else x
