"""Choosing the rank of a noisy matrix: the optimal hard threshold, and singular value thresholding.

Gavish and Donoho (2014), "The optimal hard threshold for singular values is 4/√3", IEEE
Transactions on Information Theory 60(8), 5040–5053: for ``Y = X + σ Z`` with X of low rank and Z
an m×n matrix of i.i.d. standard Gaussian noise, keeping the singular values of Y above

* ``τ = λ*(β) · √n · σ`` when σ is known (n the larger side, β = min(m, n)/max(m, n)), with
  ``λ*(β) = √(2(β + 1) + 8β / ((β + 1) + √(β² + 14β + 1)))`` (``4/√3 · √n · σ`` when square);
* ``τ = ω(β) · median(s)`` when σ is unknown, with ``ω(β) = λ*(β) / √μ_β`` and μ_β the median
  of the Marchenko–Pastur distribution of ratio β (the median singular value of pure noise is
  about ``√(n μ_β) σ``, so the median of s estimates σ),

gives the smallest mean squared error of any hard threshold, asymptotically. Their cubic fit
``ω(β) ≈ 0.56β³ − 0.95β² + 1.82β + 1.43`` is not used here: μ_β is computed numerically.
"""

import math
import numbers

import numpy as np
import tensorflow as tf

from ._validation import _check_real, _is_int, as_float_tensor

MODES = ("hard", "soft")


def lambda_star(beta):
    """The optimal threshold's coefficient λ*(β) for a known noise level (Gavish–Donoho eq. 11).

    Args:
      beta: real in (0, 1], the aspect ratio min(m, n) / max(m, n).
    Returns:
      float, ``√(2(β + 1) + 8β / ((β + 1) + √(β² + 14β + 1)))``; 4/√3 ≈ 2.3094 for β = 1.

    >>> round(lambda_star(1.0), 4)
    2.3094
    """
    beta = _check_beta(beta)
    return math.sqrt(2 * (beta + 1) + 8 * beta / ((beta + 1) + math.sqrt(beta**2 + 14 * beta + 1)))


def marchenko_pastur_median(beta):
    """Median μ_β of the Marchenko–Pastur distribution of ratio β (variance 1), to about 1e-8.

    The distribution of the eigenvalues of ``Z Zᵀ / n`` for an m×n Gaussian Z, m ≤ n, β = m/n,
    has the density ``√((b − x)(x − a)) / (2πβx)`` on ``[a, b] = [(1 − √β)², (1 + √β)²]``. With
    ``x = a + (b − a)(1 − cos θ)/2`` the integrand becomes smooth in θ ∈ [0, π], so the midpoint
    rule on a fine grid gives the distribution function, and the median is found by bisection.

    Args:
      beta: real in (0, 1].
    Returns:
      float μ_β; about 0.6528 for β = 1.

    >>> round(marchenko_pastur_median(1.0), 4)
    0.6528
    """
    beta = _check_beta(beta)
    a, b = (1 - math.sqrt(beta)) ** 2, (1 + math.sqrt(beta)) ** 2
    half = (b - a) / 2

    def cdf(theta_end, points=4000):
        h = theta_end / points
        theta = (np.arange(points) + 0.5) * h
        x = a + half * (1 - np.cos(theta))
        return float(np.sum(half**2 * np.sin(theta) ** 2 / (2 * math.pi * beta * x)) * h)

    lo, hi = 0.0, math.pi
    for _ in range(60):  # bisection on θ: the distribution function is increasing
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) < 0.5 else (lo, mid)
    return a + half * (1 - math.cos((lo + hi) / 2))


def omega(beta):
    """The unknown-noise coefficient ``ω(β) = λ*(β) / √μ_β`` of Gavish and Donoho.

    Args:
      beta: real in (0, 1].
    Returns:
      float; about 2.858 for β = 1.

    >>> round(omega(1.0), 3)
    2.858
    """
    return lambda_star(beta) / math.sqrt(marchenko_pastur_median(beta))


def _check_beta(beta):
    beta = _check_real(beta, "beta")
    if not 0 < beta <= 1:
        raise ValueError(f"beta must be in (0, 1] (min(m, n) / max(m, n)); got {beta!r}")
    return beta


def _check_shape(shape):
    message = f"shape must be (m, n), two positive integers; got {shape!r}"
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(message) from None
    if len(dims) != 2:
        raise ValueError(message)
    if not all(_is_int(d) for d in dims):
        raise TypeError(message)
    if not all(d >= 1 for d in dims):
        raise ValueError(message)
    return int(dims[0]), int(dims[1])


def optimal_hard_threshold(s, shape, noise_sigma=None):
    """Gavish and Donoho's optimal hard threshold τ for the singular values s of an m×n matrix.

    Keep the singular values ≥ τ (:func:`singular_value_threshold`) to estimate a low-rank matrix
    observed with i.i.d. Gaussian noise of standard deviation ``noise_sigma`` per entry.

    * ``noise_sigma`` given: ``τ = λ*(β) · √max(m, n) · noise_sigma`` (s is only checked).
    * ``noise_sigma=None``: ``τ = ω(β) · median(s)``, with ω from :func:`omega` (μ_β computed
      numerically). s must then hold all min(m, n) singular values.

    Args:
      s: (..., min(m, n)) singular values of the observed matrix (or matrices), non-negative.
      shape: (m, n), positive ints, the shape of the observed matrix.
      noise_sigma: None (unknown noise) or a real number >= 0, the noise's standard deviation.
    Returns:
      (...) tensor of s's dtype: one threshold per matrix.
    Raises:
      ValueError: shape not two positive ints; s not of length min(m, n), negative, NaN or Inf;
        noise_sigma negative or not a finite number.
      TypeError: complex, boolean or string entries in s.

    >>> float(optimal_hard_threshold([3., 2., 1., 1.], (4, 4), noise_sigma=1.0))  # 4/√3 · √4
    4.618802153517006
    >>> round(float(optimal_hard_threshold([3., 2., 1., 1.], (4, 4))), 3)  # ω(1) · median 1.5
    4.288
    """
    m, n = _check_shape(shape)
    s = as_float_tensor(s, "s", min_ndim=1)
    k = min(m, n)
    if s.shape[-1] != k:
        raise ValueError(
            f"s must hold the min(m, n) = {k} singular values of an {m}×{n} matrix; "
            f"got s of shape {tuple(s.shape)}"
        )
    if bool(tf.reduce_any(s < 0)):
        raise ValueError("s must hold singular values, which are non-negative")
    beta = k / max(m, n)
    batch = s.shape[:-1]
    if noise_sigma is not None:
        noise_sigma = _check_real(noise_sigma, "noise_sigma")
        if noise_sigma < 0:
            raise ValueError(f"noise_sigma must be None or a real number >= 0; got {noise_sigma!r}")
        tau = lambda_star(beta) * math.sqrt(max(m, n)) * noise_sigma
        return tf.fill(batch, tf.constant(tau, s.dtype))
    ordered = tf.sort(s, axis=-1)
    median = (ordered[..., (k - 1) // 2] + ordered[..., k // 2]) / 2
    return tf.constant(omega(beta), s.dtype) * median


def singular_value_threshold(X, tau, mode="hard"):
    """X with its singular values thresholded at τ: hard (drop σ < τ) or soft (σ ↦ max(σ − τ, 0)).

    * ``mode="hard"``: ``Σ_{σᵢ ≥ τ} σᵢ uᵢ vᵢᵀ``, the truncated SVD at the rank that τ chooses.
    * ``mode="soft"``: ``Σ max(σᵢ − τ, 0) uᵢ vᵢᵀ``, every kept σ shrunk by τ: the proximal operator
      of the nuclear norm, ``argmin_Y ½‖Y − X‖_F² + τ‖Y‖_*``.

    Args:
      X: (..., m, n) real matrix or stack of matrices; float32 stays float32.
      tau: a real number >= 0, or a (...) tensor of them (one per matrix of the batch).
      mode: "hard" or "soft".
    Returns:
      (..., m, n) tensor, same dtype as X.
    Raises:
      ValueError: tau negative, NaN or Inf, or not broadcastable to X's batch axes; an unknown
        mode; X with fewer than 2 dimensions, an empty dimension, NaN or Inf.
      TypeError: complex, boolean or string entries in X or tau.

    >>> X = [[3., 0.], [0., 1.]]
    >>> singular_value_threshold(X, 2.0).numpy()
    array([[3., 0.],
           [0., 0.]])
    >>> singular_value_threshold(X, 2.0, mode="soft").numpy()
    array([[1., 0.],
           [0., 0.]])
    """
    if mode not in MODES:
        raise ValueError(f'mode must be "hard" or "soft"; got {mode!r}')
    X = as_float_tensor(X, "X", min_ndim=2)
    if isinstance(tau, numbers.Real) and not isinstance(tau, bool | np.bool_):
        tau = tf.constant(_check_real(tau, "tau"), X.dtype)
    else:
        tau = tf.cast(as_float_tensor(tau, "tau", min_ndim=0), X.dtype)
    if bool(tf.reduce_any(tau < 0)):
        raise ValueError("tau must be >= 0 (a threshold on singular values)")
    try:
        fits = np.broadcast_shapes(tuple(tau.shape), tuple(X.shape[:-2])) == tuple(X.shape[:-2])
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"tau must be a number or have shape broadcastable to X's batch axes "
            f"{tuple(X.shape[:-2])}; got {tuple(tau.shape)}"
        )
    s, U, V = tf.linalg.svd(X)
    t = tau[..., tf.newaxis]
    if mode == "hard":
        s_new = tf.where(s >= t, s, tf.zeros_like(s))
    else:
        s_new = tf.maximum(s - t, 0)
    return tf.matmul(U * s_new[..., tf.newaxis, :], V, adjoint_b=True)
