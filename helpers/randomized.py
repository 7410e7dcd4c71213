"""Randomized SVD after Halko, Martinsson and Tropp (2011), in TensorFlow.

"Finding structure with randomness: probabilistic algorithms for constructing approximate
matrix decompositions", SIAM Review 53(2), 217–288. The rank-``rank`` SVD of an m×n matrix in
three steps, each built from matrix products, a thin QR and one small SVD:

1. **Sketch**: ``Y = A Ω`` with a Gaussian test matrix Ω of shape (n, l), l = rank + oversample.
   The columns of Y are random mixtures of A's columns, so they span (nearly) the dominant
   l-dimensional part of A's range.
2. **Range finder**: ``Q = qr(Y)``, an orthonormal basis of that range. Each of the
   ``power_iters`` power iterations replaces Y by ``(A Aᵀ) Y``, which raises the singular values to
   the power 2q + 1 and so sharpens their decay; Q is re-orthonormalised with a QR after every
   product with A or Aᵀ, or the columns would all collapse onto the top singular vector in
   floating point (HMT Algorithm 4.4, the subspace iteration).
3. **Small SVD**: ``B = Qᵀ A`` is only l×n; ``B = Ũ diag(s) Vᵀ`` and ``U = Q Ũ``.

Cost: O(m n l (2q + 2)) for the products against O(m n min(m, n)) for the full SVD.
"""

import numbers

import numpy as np
import tensorflow as tf

from .linalg import _check_int, _check_seed, as_float_tensor


def _check_nonneg_int(value, name):
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)
    if not ok or int(value) < 0:
        raise ValueError(f"{name} must be an integer >= 0; got {value!r}")
    return int(value)


def randomized_svd(A, rank, oversample=10, power_iters=2, seed=0):
    """Approximate rank-``rank`` SVD ``A ≈ U diag(s) Vᵀ`` by a randomized range finder, batched.

    Halko–Martinsson–Tropp: a Gaussian sketch ``Y = A Ω`` with l = min(rank + oversample,
    min(m, n)) columns, ``power_iters`` power iterations with a QR re-orthonormalisation after
    every product, then the SVD of the small l×n matrix ``Qᵀ A``. The sketch Ω is drawn with
    ``tf.random.stateless_normal`` from ``seed`` alone, so the same call gives the same result on
    every run, whatever the global random state: Ω is exactly
    ``tf.random.stateless_normal([n, l], seed=[seed, 0], dtype=A.dtype)``. One Ω serves every
    matrix of a batch, so ``randomized_svd(A)[i]`` equals ``randomized_svd(A[i])``.

    If A has exact rank ≤ l (for instance rank + oversample ≥ min(m, n)), the result is exact up to
    rounding. Otherwise the error is at least the optimal one, ‖A − A_rank‖_F =
    √(tail_energy(s, rank)) (notebook 04), and close to it for a decaying spectrum.

    Args:
      A: (..., m, n) real matrix or stack of matrices: tensor, NumPy array or nested list.
        float32 stays float32, float64 stays float64, integers become float64. m and n must be
        known (static) when called inside ``tf.function``.
      rank: int, 1 <= rank <= min(m, n), the number of singular triplets returned.
      oversample: int >= 0, extra sketch columns (HMT suggest 5–10); rank + oversample is clamped
        to min(m, n).
      power_iters: int >= 0, the number q of power iterations (1–2 are usually enough).
      seed: int, 0 <= seed < 2**63, the seed of the Gaussian sketch.
    Returns:
      ``(s, U, V)`` in ``tf.linalg.svd``'s convention, truncated to ``rank``: s (..., rank)
      descending and non-negative, U (..., m, rank) and V (..., n, rank) with orthonormal
      columns, all of A's dtype. V is returned, not Vᵀ.
    Raises:
      ValueError: rank not an integer between 1 and min(m, n); oversample or power_iters not an
        integer >= 0; seed not an integer between 0 and 2**63 - 1; A with fewer than 2
        dimensions, an empty dimension, NaN or Inf, or unknown m, n. Booleans are rejected.
      TypeError: A complex, boolean or string.

    >>> A = tf.constant([[3., 0., 0.], [0., 2., 0.], [0., 0., 1.]])
    >>> s, U, V = randomized_svd(A, rank=2)
    >>> s.numpy().round(4)
    array([3., 2.], dtype=float32)
    """
    A = as_float_tensor(A, "A", min_ndim=2)
    m, n = A.shape[-2], A.shape[-1]
    if m is None or n is None:
        raise ValueError(
            f"A must have known numbers of rows and columns; got shape {tuple(A.shape)}"
        )
    k = min(m, n)
    rank = _check_int(rank, "rank", 1, k, "min(m, n)")
    oversample = _check_nonneg_int(oversample, "oversample")
    power_iters = _check_nonneg_int(power_iters, "power_iters")
    seed = _check_seed(seed)

    width = min(rank + oversample, k)
    omega = tf.random.stateless_normal(
        [n, width], seed=tf.constant([seed, 0], tf.int64), dtype=A.dtype
    )
    # Step 1 and 2: the sketch and its orthonormal basis, refined by subspace iteration.
    Q, _ = tf.linalg.qr(tf.matmul(A, omega))  # (..., m, l)
    for _ in range(power_iters):
        Z, _ = tf.linalg.qr(tf.matmul(A, Q, adjoint_a=True))  # (..., n, l)
        Q, _ = tf.linalg.qr(tf.matmul(A, Z))  # (..., m, l)
    # Step 3: the SVD of the small projection B = Qᵀ A, (..., l, n).
    B = tf.matmul(Q, A, adjoint_a=True)
    s, U_small, V = tf.linalg.svd(B)
    U = tf.matmul(Q, U_small)
    return s[..., :rank], U[..., :rank], V[..., :rank]
