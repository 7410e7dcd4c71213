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

    Args:
      s: (..., k) singular values, descending.  U: (..., m, ≥k).  V: (..., n, ≥k).
      r: int (Python or NumPy), 1 <= r <= k.
    Returns:
      (..., m, n) tensor, same dtype as s.
    Raises:
      ValueError: r is not an integer between 1 and k.

    >>> s, U, V = svd([[3., 0.], [0., 1.]])
    >>> rank_r_approx(s, U, V, 1).numpy()
    array([[3., 0.],
           [0., 0.]])
    """
    s, U, V = _check_svd_triple(s, U, V)
    k = s.shape[-1]
    r = _check_int(r, "r", 1, k, f"the number of singular values is {k}")
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


# ----------------------------------------------------------------------------------------------
# energy
# ----------------------------------------------------------------------------------------------
def _check_singular_values(s):
    s = as_float_tensor(s, "s", min_ndim=1)
    if bool(tf.reduce_any(s < 0)):
        raise ValueError("s must hold singular values, which are non-negative")
    if bool(tf.reduce_any(tf.reduce_sum(s, axis=-1) <= 0)):
        raise ValueError("s must have at least one positive singular value (the matrix is zero)")
    return s


def energy_fraction(s, measure="sigma2"):
    """Cumulative fraction of the energy kept by the first r singular values, r = 1..k.

    With ``measure="sigma2"`` (the default) the weights are σᵢ², so the fraction is
    ``‖A_r‖_F² / ‖A‖_F²`` and ``1 - fraction`` is the relative squared error of A_r
    (notebook 04). ``measure="sigma"`` weighs by σᵢ, as the TensorFlow guide "Matrix
    approximation with Core APIs" does; it is shown for comparison only.

    Args:
      s: (..., k) singular values, non-negative, not all zero.
      measure: "sigma2" or "sigma".
    Returns:
      (..., k) tensor, same dtype as s, non-decreasing along the last axis, last entry exactly 1.

    >>> energy_fraction([3., 4.]).numpy()
    array([0.36, 1.  ])
    """
    _check_measure(measure)
    s = _check_singular_values(s)
    w = tf.square(s) if measure == "sigma2" else s
    c = tf.cumsum(w, axis=-1)
    return c / c[..., -1:]


def tail_energy(s, r):
    """Sum of the squared singular values left out by a rank-r approximation: Σ_{i>r} σᵢ², batched.

    By the Frobenius error identity (notebook 04) this is exactly ``‖A − A_r‖_F²``.

    Args:
      s: (..., k) singular values, non-negative.  r: int, 0 <= r <= k (r = 0: all of ‖A‖_F²).
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

    For a batch of spectra (..., k), such as the three channels of an RGB image, the fractions
    are averaged over the batch first, so one rank serves every channel.

    Args:
      s: (..., k) singular values.  energy: real, 0 < energy <= 1.  measure: "sigma2" or "sigma".
    Returns:
      int r, 1 <= r <= k; ``energy=1.0`` gives k (or the number of non-zero singular values).
    Raises:
      ValueError: energy outside (0, 1], an unknown measure, invalid singular values.

    >>> rank_for_energy([3., 4.], 0.36)
    1
    """
    energy = _check_real(energy, "energy")
    if not 0 < energy <= 1:
        raise ValueError(f"energy must be in (0, 1] (a fraction of the total); got {energy!r}")
    frac = energy_fraction(s, measure)
    k = frac.shape[-1]
    frac = tf.reshape(frac, [-1, k])
    mean = tf.reduce_mean(tf.cast(frac, tf.float64), axis=0).numpy()
    r = int(np.searchsorted(mean >= energy, True)) + 1
    return min(r, k)


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
