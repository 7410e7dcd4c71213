"""Rank-r approximations other than the truncated SVD, and the measured errors of the SVD's own.

Notebook 04 checks the Frobenius error identity ``‖A − A_r‖_F² = Σ_{i>r} σᵢ²`` and the
Eckart–Young theorem (no rank-r matrix is closer to A than A_r) against other ways of building a
rank-r approximation:

* :func:`truncation_errors` measures ``‖A − A_r‖_F²`` and ``‖A − A_r‖₂`` on the residual matrices
  themselves, for every rank r = 0..k (or the ranks asked for), batched.
* :func:`column_selection_approx` keeps r columns of A and projects A onto their span: the r
  columns of largest norm, or the r columns that a QR factorisation with column pivoting
  (Businger–Golub) picks first. Both are rank-revealing: a chosen column that adds no new
  direction (its R_ii is negligible) is dropped, so the result's rank is that of the columns.
* :func:`fit_factorization` fits ``X Yᵀ`` (X m×r, Y n×r) to A with ``tf.GradientTape`` and a
  Keras optimizer (Adam at a constant learning rate by default).

Every function accepts r = 0, where the approximation is A_0 = 0 (as in :mod:`helpers.linalg`).

The random projection ``Q Qᵀ A`` with ``Q = qr(A Ω)`` is :func:`helpers.randomized.randomized_svd`
with ``oversample=0, power_iters=0``; it is not repeated here.
"""

import collections
import logging
import numbers

import keras
import numpy as np
import tensorflow as tf

from ._validation import _check_bool, _check_int, _check_real, _check_seed, as_float_tensor
from .linalg import reconstruct, svd

#: Largest number of entries of the residual matrices built at once by truncation_errors.
_MAX_BLOCK_ENTRIES = 2**22

TruncationErrors = collections.namedtuple(
    "TruncationErrors", ["ranks", "s", "frobenius_sq", "spectral"]
)
TruncationErrors.__doc__ = """Errors of the truncated SVDs A_r of A, measured on A − A_r.

Fields:
  ranks: (p,) int NumPy array, the ranks r measured.
  s: (..., k) singular values of A.
  frobenius_sq: (..., p) ``‖A − A_r‖_F²`` for each rank in ``ranks``.
  spectral: (..., p) ``‖A − A_r‖₂``, the largest singular value of A − A_r.
"""

FitResult = collections.namedtuple("FitResult", ["approx", "X", "Y", "losses"])
FitResult.__doc__ = """A rank-r factorisation X Yᵀ fitted by an optimizer (Adam by default).

Fields:
  approx: (..., m, n) the product ``X Yᵀ``, A's dtype.
  X: (..., m, r).  Y: (..., n, r).
  losses: (steps + 1, ...) float64 NumPy array, the relative squared error
    ``‖A − X Yᵀ‖_F² / ‖A‖_F²`` before step 1, 2, ..., and after the last step.
"""


class _DropOwnRetracingWarning(logging.Filter):
    """Drop TensorFlow's "frequent retracing" warning about fit_factorization's own loop.

    Every call of :func:`fit_factorization` traces a fresh ``tf.function`` on purpose (new
    variables, a new optimizer, possibly a new shape); TensorFlow warns after a few such calls,
    with a memory address in the message. Only that warning, and only during the call, is dropped.
    """

    def filter(self, record):
        return "fit_factorization.<locals>" not in record.getMessage()


def _batch_rank(A):
    return A.shape.rank - 2


def _check_ranks(ranks, k):
    if ranks is None:
        return list(range(k + 1))
    if isinstance(ranks, numbers.Integral):
        raise TypeError(f"ranks must be a sequence of integers between 0 and {k}; got {ranks!r}")
    values = list(np.asarray(ranks).reshape(-1)) if not isinstance(ranks, list | tuple) else list(ranks)
    if not values:
        raise ValueError(f"ranks must hold at least one integer between 0 and {k}; got {ranks!r}")
    return [_check_int(r, "each rank in ranks", 0, k, f"the number of singular values is {k}")
            for r in values]


def truncation_errors(A, ranks=None):
    """Measure ``‖A − A_r‖_F²`` and ``‖A − A_r‖₂`` for the truncated SVDs A_r, batched.

    A_0 = 0 and A_k = A (up to rounding). The errors are computed on the residual matrices
    ``A − A_r`` themselves, not predicted from the singular values, so they can be compared with
    ``tail_energy(s, r)`` and ``s[r]`` (the Frobenius error identity, notebook 04). Each rank costs
    one product and one SVD of A − A_r (ranks are processed in batched blocks): keep A small when
    measuring every rank.

    Args:
      A: (..., m, n) real matrix or stack of matrices; float32 stays float32, float64 stays
        float64, integers become float64.
      ranks: optional sequence of ints, each 0 <= r <= k = min(m, n); default: 0, 1, ..., k.
    Returns:
      :class:`TruncationErrors` ``(ranks, s, frobenius_sq, spectral)``: ranks (p,) NumPy ints;
      s (..., k); frobenius_sq and spectral (..., p), A's dtype.
    Raises:
      ValueError: a rank that is not an integer between 0 and k, an empty ``ranks``; A with
        fewer than 2 dimensions, an empty dimension, NaN or Inf.
      TypeError: A complex, boolean or string.

    >>> err = truncation_errors([[3., 0.], [0., 1.]])
    >>> err.frobenius_sq.numpy(), err.spectral.numpy()
    (array([10.,  1.,  0.]), array([3., 1., 0.]))
    """
    A = as_float_tensor(A, "A", min_ndim=2)
    s, U, V = svd(A)
    k = s.shape[-1]
    ranks = _check_ranks(ranks, k)
    # A_r = U diag(s * [i <= r]) Vᵀ for a block of ranks at once: the ranks become a leading batch
    # axis, which tf.matmul broadcasts against A's own batch axes. Blocks keep memory bounded.
    per_rank = int(np.prod(A.shape))
    block = max(1, _MAX_BLOCK_ENTRIES // per_rank)
    idx = tf.range(k)
    fro2, spec = [], []
    for start in range(0, len(ranks), block):
        rs = tf.constant(ranks[start:start + block], tf.int32)
        keep = tf.cast(idx < tf.reshape(rs, [-1] + [1] * s.shape.rank), s.dtype)  # (p, ..., k)
        E = A - reconstruct(s * keep, U, V)  # (p, ..., m, n)
        fro2.append(tf.reduce_sum(tf.square(E), axis=[-2, -1]))
        spec.append(tf.linalg.svd(E, compute_uv=False)[..., 0])
    nb = s.shape.rank - 1
    perm = list(range(1, nb + 1)) + [0]  # the rank axis goes last
    return TruncationErrors(
        np.asarray(ranks, dtype=np.int64),
        s,
        tf.transpose(tf.concat(fro2, axis=0), perm),
        tf.transpose(tf.concat(spec, axis=0), perm),
    )


def _rank_tolerance(A):
    """Relative size below which a column's remaining part counts as zero: max(m, n) · ε."""
    return max(A.shape[-2], A.shape[-1]) * np.finfo(A.dtype.as_numpy_dtype).eps


def column_selection_approx(A, r, pivoted=False):
    """Rank-≤r approximation ``Q Qᵀ A`` from r columns of A (Q: an orthonormal basis of them), batched.

    ``pivoted=False`` keeps the r columns of largest Euclidean norm. ``pivoted=True`` chooses them
    greedily as a QR factorisation with column pivoting does (Businger–Golub), stopped after r
    steps: take the column with the largest norm, remove its direction from every column, and
    repeat on what is left. Pivoting never picks a direction twice, so it is usually better.

    Both are rank-revealing. The chosen columns are orthogonalised in the order chosen
    (Gram–Schmidt, twice); a column whose remaining part — the diagonal entry R_jj of their QR
    factorisation — is at most ``max(m, n) · ε · max_j ‖A e_j‖`` adds no new direction and is
    dropped rather than normalised (normalising rounding noise would project A onto an arbitrary
    direction). So three copies of one column give a rank-1 approximation, and the result's rank
    is the number of independent chosen columns, at most r. Both are approximations of rank at
    most r and so, by Eckart–Young, never closer than the SVD's A_r. ``r = 0`` gives A_0 = 0.

    Args:
      A: (..., m, n) real matrix or stack of matrices; float32 stays float32, float64 stays
        float64, integers become float64.
      r: int, 0 <= r <= min(m, n).
      pivoted: bool, greedy pivoted-QR selection instead of the r largest norms.
    Returns:
      ``(approx, columns)``: approx (..., m, n) of A's dtype; columns (..., r) int32 tensor, the
      indices of the chosen columns in the order chosen (ties go to the lower index), dropped
      ones included.
    Raises:
      ValueError: r not an integer between 0 and min(m, n); A with fewer than 2 dimensions,
        an empty dimension, NaN or Inf.
      TypeError: pivoted not a bool; A complex, boolean or string.

    >>> A = [[1., 0., 0.], [0., 3., 0.], [0., 0., 2.]]
    >>> B, cols = column_selection_approx(A, 2)
    >>> cols.numpy(), B.numpy()
    (array([1, 2], dtype=int32), array([[0., 0., 0.],
           [0., 3., 0.],
           [0., 0., 2.]]))
    >>> B, cols = column_selection_approx([[1., 1., 0.], [1., 1., 0.]], 2)  # two equal columns
    >>> int(tf.linalg.matrix_rank(B))
    1
    """
    pivoted = _check_bool(pivoted, "pivoted")
    A = as_float_tensor(A, "A", min_ndim=2)
    k = min(A.shape[-2], A.shape[-1])
    r = _check_int(r, "r", 0, k, "min(m, n)")
    nb = _batch_rank(A)
    col_norms = tf.norm(A, axis=-2)  # (..., n)
    # the threshold for a negligible R_jj, per matrix of the batch: (..., 1, 1)
    cutoff = _rank_tolerance(A) * tf.reduce_max(col_norms, axis=-1)[..., tf.newaxis, tf.newaxis]

    def unit_or_zero(c):
        """c / ‖c‖ if ‖c‖ (that is, R_jj) is above the cutoff, else 0: the column is dropped."""
        norm = tf.norm(c, axis=-2, keepdims=True)
        return tf.where(norm > cutoff, c / tf.where(norm > 0, norm, tf.ones_like(norm)),
                        tf.zeros_like(c))

    if not pivoted:
        columns = tf.math.top_k(tf.square(col_norms), k=r, sorted=True).indices  # (..., r)
        C = tf.gather(A, columns, axis=-1, batch_dims=nb)  # (..., m, r)
        qs = []
        for j in range(r):
            c = C[..., j:j + 1]
            for _ in range(2):  # classical Gram–Schmidt, repeated: orthogonal to rounding level
                for q in qs:
                    c = c - q * tf.reduce_sum(q * c, axis=-2, keepdims=True)
            qs.append(unit_or_zero(c))
        if not qs:
            return tf.zeros_like(A), columns
        Q = tf.concat(qs, axis=-1)  # (..., m, r), a zero column for each dropped one
        return tf.matmul(Q, tf.matmul(Q, A, adjoint_a=True)), columns
    R = A  # the part of every column not yet explained by the chosen ones
    chosen = []
    for _ in range(r):
        p = tf.argmax(tf.reduce_sum(tf.square(R), axis=-2), axis=-1, output_type=tf.int32)
        q = unit_or_zero(tf.gather(R, p[..., tf.newaxis], axis=-1, batch_dims=nb))  # (..., m, 1)
        for _ in range(2):  # remove q's direction, twice, so that R stays orthogonal to it
            R = R - tf.matmul(q, tf.matmul(q, R, adjoint_a=True))
        chosen.append(p)
    columns = tf.stack(chosen, axis=-1) if chosen else tf.zeros([*A.shape[:-2], 0], tf.int32)
    return A - R, columns


def fit_factorization(A, r, steps=300, learning_rate=0.05, seed=0, optimizer=None):
    """Fit a rank-r product ``X Yᵀ`` to A with an optimizer (Adam) on ``‖A − X Yᵀ‖_F² / ‖A‖_F²``, batched.

    The loop is plain TensorFlow: the loss is recorded on a ``tf.GradientTape``, its gradients
    with respect to X and Y go to a Keras optimizer — by default Adam at the constant
    ``learning_rate``, not plain gradient descent. A is divided by its root-mean-square entry
    during the fit, so one learning rate suits matrices of any scale. X and Y start as small
    Gaussian matrices drawn with ``tf.random.stateless_normal`` from ``seed``, so the same call
    gives the same result on every run. By Eckart–Young the loss can approach, but never go below,
    ``tail_energy(s, r) / ‖A‖_F²``.

    Nothing guarantees that it gets there. The landscape of this loss has no spurious local
    minima (every local minimum is global, the other critical points are saddles), which makes
    plain gradient descent with small enough steps converge to the bound from almost every start;
    that theory says nothing about Adam at a constant learning rate, whose steps do not shrink.
    How close a given run gets is a measurement (notebook 04), not a theorem. ``r = 0`` gives
    A_0 = 0 with no optimizer step: X (..., m, 0), Y (..., n, 0) and every loss equal to 1.

    Args:
      A: (..., m, n) real matrix or stack of matrices, not all zero; float32 stays float32,
        float64 stays float64, integers become float64.
      r: int, 0 <= r <= min(m, n).
      steps: int >= 1, the number of optimizer steps.
      learning_rate: real > 0, for the default Adam optimizer (ignored if ``optimizer`` is given).
      seed: int, 0 <= seed < 2**63, for the starting X and Y.
      optimizer: optional ``keras.optimizers.Optimizer`` (a new, unused one).
    Returns:
      :class:`FitResult` ``(approx, X, Y, losses)``: approx (..., m, n), X (..., m, r) and
      Y (..., n, r) in A's dtype and scale; losses (steps + 1, ...) NumPy float64.
    Raises:
      ValueError: r not an integer between 0 and min(m, n); steps not an integer >= 1;
        learning_rate not a positive finite number; seed out of range; a zero matrix; A with
        fewer than 2 dimensions, an empty dimension, NaN or Inf.
      TypeError: optimizer not a Keras optimizer; A complex, boolean or string.

    >>> fit = fit_factorization([[2., 0.], [0., 1.]], r=1, steps=200)
    >>> round(float(fit.losses[-1]), 4)  # the best rank-1 error is 1² / (2² + 1²) = 0.2
    0.2
    """
    A = as_float_tensor(A, "A", min_ndim=2)
    m, n = A.shape[-2], A.shape[-1]
    r = _check_int(r, "r", 0, min(m, n), "min(m, n)")
    steps = _check_int(steps, "steps", 1, 10**9)
    if _check_real(learning_rate, "learning_rate") <= 0:
        raise ValueError(f"learning_rate must be a positive finite number; got {learning_rate!r}")
    seed = _check_seed(seed)
    if optimizer is None:
        optimizer = keras.optimizers.Adam(learning_rate=float(learning_rate))
    elif not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(f"optimizer must be a keras.optimizers.Optimizer; got {optimizer!r}")
    elif optimizer.built:
        raise ValueError("optimizer must be a new Keras optimizer; this one has already been used")
    norm2 = tf.reduce_sum(tf.square(A), axis=[-2, -1], keepdims=True)  # (..., 1, 1)
    if bool(tf.reduce_any(norm2 == 0)):
        raise ValueError("A must not be the zero matrix (its relative error is undefined)")
    batch = list(A.shape[:-2])
    if r == 0:  # A_0 = 0: nothing to fit, the relative error is 1 throughout
        losses = np.ones([steps + 1] + batch)
        return FitResult(tf.zeros_like(A), tf.zeros(batch + [m, 0], A.dtype),
                         tf.zeros(batch + [n, 0], A.dtype), losses)
    scale = tf.sqrt(norm2 / (m * n))
    target = A / scale  # entries of size about 1
    init = 0.1 * float(r) ** -0.25  # X Yᵀ starts with entries of size about 0.01
    X = tf.Variable(init * tf.random.stateless_normal(batch + [m, r], [seed, 1], dtype=A.dtype),
                    name="X")
    Y = tf.Variable(init * tf.random.stateless_normal(batch + [n, r], [seed, 2], dtype=A.dtype),
                    name="Y")
    target_norm2 = tf.reduce_sum(tf.square(target), axis=[-2, -1])
    optimizer.build([X, Y])

    def relative_errors():
        residual = target - tf.matmul(X, Y, adjoint_b=True)
        return tf.reduce_sum(tf.square(residual), axis=[-2, -1]) / target_norm2

    @tf.function
    def train():
        history = tf.TensorArray(A.dtype, size=steps + 1)
        for i in tf.range(steps):
            with tf.GradientTape() as tape:
                errors = relative_errors()
                loss = tf.reduce_sum(errors)  # the matrices of a batch are independent
            grads = tape.gradient(loss, [X, Y])
            optimizer.apply_gradients(zip(grads, [X, Y], strict=True))
            history = history.write(i, errors)
        return history.write(steps, relative_errors()).stack()

    quiet = _DropOwnRetracingWarning()
    tf_logger = tf.get_logger()
    tf_logger.addFilter(quiet)
    try:
        losses = tf.cast(train(), tf.float64).numpy()
    finally:
        tf_logger.removeFilter(quiet)
    Xs = tf.convert_to_tensor(X) * tf.sqrt(scale)
    Ys = tf.convert_to_tensor(Y) * tf.sqrt(scale)
    return FitResult(tf.matmul(Xs, Ys, adjoint_b=True), Xs, Ys, losses)
