"""The SVD and what is built directly on it: reconstruction, rank-r approximation, energy, signs,
the pseudo-inverse and least squares.

Conventions, kept everywhere in the collection:

* ``s, U, V = svd(A)`` in the order and convention of ``tf.linalg.svd``: ``V``, not ``Vᵀ``,
  so ``A = U diag(s) Vᵀ``.
* Leading batch axes (``...``) are allowed wherever they make sense: a stack of matrices
  ``(..., m, n)`` gives ``s`` of shape ``(..., k)``, ``U`` ``(..., m, k)``, ``V`` ``(..., n, k)``
  with ``k = min(m, n)``.
* float32 stays float32 and float64 stays float64.

Arguments are checked by :mod:`helpers._validation` (``as_float_tensor`` is re-exported here);
the storage arithmetic (``approx_size`` ... ``rank_for_nbytes``) lives in :mod:`helpers.storage`
and is re-exported here too, so ``helpers.linalg.approx_nbytes`` keeps working.
"""

import numpy as np
import tensorflow as tf

from ._validation import (
    MEASURES,
    _check_batch_axes,
    _check_bool,
    _check_int,
    _check_measure,
    _check_real,
    _check_singular_values,
    _check_svd_triple,
    as_float_tensor,
)
from .storage import (
    FACTOR_DTYPES,
    QUANT_COLUMN_BYTES,
    approx_nbytes,
    approx_size,
    compression_factor,
    rank_for_factor,
    rank_for_nbytes,
)

__all__ = [
    "FACTOR_DTYPES", "MEASURES", "QUANT_COLUMN_BYTES", "approx_nbytes", "approx_size",
    "as_float_tensor", "balanced_factors", "compression_factor", "energy_fraction", "lstsq",
    "normalize_signs", "pinv", "rank_for_energy", "rank_for_factor", "rank_for_nbytes",
    "rank_r_approx", "reconstruct", "svd", "tail_energy",
]


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
    full_matrices = _check_bool(full_matrices, "full_matrices")
    A = as_float_tensor(A, "A", min_ndim=2)
    return tf.linalg.svd(A, full_matrices=full_matrices)


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
      TypeError: r is not an integer (a bool, a float or a string).
      ValueError: r is an integer outside 0..k.

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
# energy
# ----------------------------------------------------------------------------------------------
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
      TypeError: r is not an integer.  ValueError: r outside 0..k; invalid singular values.

    >>> float(tail_energy([3., 2., 1.], 1))
    5.0
    """
    s = _check_singular_values(s, need_positive=False)
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


def balanced_factors(W, rank):
    """The best rank-r approximation of W as two balanced factors: ``W_r = A B``, batched.

    ``A = U_r diag(√σ_r)`` (..., m, r) and ``B = diag(√σ_r) V_rᵀ`` (..., r, n), from the SVD of W
    with normalised signs (:func:`normalize_signs`), so the factors are the same on every run.
    ``factorize_dense`` (:mod:`helpers.nn`) and ``pissa_split`` (:mod:`helpers.lora`) both start
    from it.

    Args:
      W: (..., m, n) real matrix or stack of matrices.  rank: int, 1 <= rank <= min(m, n).
    Returns:
      ``(A, B)`` of W's float dtype.
    Raises:
      TypeError: rank is not an integer; W complex, boolean or string.
      ValueError: rank out of range; W with fewer than 2 dimensions, empty, NaN or Inf.

    >>> A, B = balanced_factors([[4., 0.], [0., 1.]], 1)
    >>> A.numpy(), B.numpy()
    (array([[2.],
           [0.]]), array([[2., 0.]]))
    """
    W = as_float_tensor(W, "W", min_ndim=2)
    m, n = W.shape[-2:]
    rank = _check_int(rank, "rank", 1, min(m, n), f"min(m, n) of the {m}×{n} matrix")
    return _balanced_factors(W, rank)


def _balanced_factors(W, rank):
    """:func:`balanced_factors` of a checked float tensor W and rank."""
    s, U, V = normalize_signs(*tf.linalg.svd(W))
    root = tf.sqrt(s[..., :rank])[..., tf.newaxis, :]  # (..., 1, rank)
    return U[..., :rank] * root, tf.linalg.matrix_transpose(V[..., :rank] * root)


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
    (ε of A's dtype: 2.2e-16 for float64, 1.2e-7 for float32) is the one of ``numpy.linalg.lstsq``
    (``rcond=None``). It is not ``tf.linalg.pinv``'s default, ``10 · max(m, n) · ε``, nor
    ``numpy.linalg.pinv``'s, a fixed 1e-15: with their defaults, a singular value between those
    cutoffs is kept by one function and dropped by another. Pass ``rcond`` to choose.

    Args:
      A: (..., m, n) real matrix or stack of matrices. float32 stays float32, float64 stays
        float64, integers become float64.
      rcond: None (``max(m, n) · ε``) or a real number >= 0, the cutoff relative to the largest
        singular value.
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
      rcond: None (``max(m, n) · ε``, ``numpy.linalg.lstsq``'s default) or a real number >= 0.
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
