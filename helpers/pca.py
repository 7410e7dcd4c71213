"""Principal component analysis as one thin SVD of the centred data (notebook 09).

For data ``X`` of N samples (rows) and d features (columns), centred as ``Xc = X − mean``, the thin
SVD ``Xc = U diag(σ) Vᵀ`` gives everything PCA needs, without ever forming the d×d covariance
matrix ``C = XcᵀXc / (N − 1)`` (whose condition number is the square of Xc's):

* the principal axes are the columns of V (the rows of Vᵀ), the eigenvectors of C;
* the variance along axis i is ``σᵢ² / (N − 1)``, the eigenvalue of C;
* the coordinates of the samples on the axes (the *scores*) are ``U diag(σ) = Xc V``.

This is what ``sklearn.decomposition.PCA(svd_solver="full")`` computes; :func:`pca` agrees with it
up to the sign of each component.
"""

import dataclasses

import tensorflow as tf

from ._validation import _check_bool, _check_int, as_float_tensor


def _row_signs(M):
    """(k,) signs (+1/-1) that make the largest-magnitude entry of each row of M positive."""
    idx = tf.argmax(tf.abs(M), axis=-1)
    peak = tf.gather(M, idx[:, tf.newaxis], axis=1, batch_dims=1)[:, 0]
    return tf.where(peak < 0, tf.constant(-1, M.dtype), tf.constant(1, M.dtype))


@dataclasses.dataclass(frozen=True)
class PCAResult:
    """The result of :func:`pca`. Tensors, all of the data's dtype:

    Attributes:
      mean: (d,) the mean of the samples (zeros with ``center=False``).
      components: (k, d) the principal axes as unit rows, largest variance first; the sign of each
        row makes its largest-magnitude entry positive.
      singular_values: (k,) σ₁ ≥ … ≥ σ_k of the centred data.
      explained_variance: (k,) σᵢ² / (N − 1), the variance of the data along each axis.
      explained_variance_ratio: (k,) each variance over the total variance (the sum over all
        min(N, d) axes, kept or not).
      scores: (N, k) the samples' coordinates on the axes, ``(X − mean) componentsᵀ``.
      center: bool, whether the mean was subtracted.
    """

    mean: tf.Tensor
    components: tf.Tensor
    singular_values: tf.Tensor
    explained_variance: tf.Tensor
    explained_variance_ratio: tf.Tensor
    scores: tf.Tensor
    center: bool

    @property
    def n_components(self):
        """int k, the number of components kept."""
        return int(self.components.shape[0])

    def _check(self, x, name, width, what):
        x = as_float_tensor(x, name, min_ndim=1)
        if x.shape[-1] != width:
            raise ValueError(
                f"{name} must have {width} columns ({what}); got shape {tuple(x.shape)}"
            )
        if x.dtype != self.components.dtype:
            raise TypeError(
                f"{name} must have the dtype of the PCA, {self.components.dtype.name}; "
                f"got {x.dtype.name}"
            )
        return x

    def transform(self, X):
        """Scores of new samples: ``(X − mean) componentsᵀ``.

        Args:
          X: (..., d) samples of the same features and dtype as the fitted data.
        Returns:
          (..., k) tensor.
        Raises:
          ValueError: last axis not d, NaN/Inf. TypeError: another dtype.
        """
        X = self._check(X, "X", self.components.shape[1], "the number of features d")
        return tf.tensordot(X - self.mean, self.components, axes=[[-1], [1]])

    def inverse_transform(self, Z):
        """Back from scores to the data space: ``Z components + mean``, the rank-k reconstruction.

        Args:
          Z: (..., k) scores.
        Returns:
          (..., d) tensor. For the fitted data, ``inverse_transform(scores)`` is the best rank-k
          approximation of the centred data, plus the mean.
        Raises:
          ValueError: last axis not k, NaN/Inf. TypeError: another dtype.
        """
        Z = self._check(Z, "Z", self.n_components, "the number of components k")
        return tf.tensordot(Z, self.components, axes=[[-1], [0]]) + self.mean


def pca(X, n_components=None, *, center=True):
    """Principal component analysis of the rows of X by one thin SVD of the centred data.

    ``Xc = X − mean = U diag(σ) Vᵀ``; the components are the first k rows of Vᵀ, the explained
    variances ``σᵢ² / (N − 1)``, the scores ``U_k diag(σ_k)``. The covariance matrix is never
    formed. Matches ``sklearn.decomposition.PCA(n_components, svd_solver="full")`` up to the sign
    of each component (here: the largest-magnitude entry of each component is positive).

    Args:
      X: (N, d) data, one sample per row, N >= 2. float32 stays float32, float64 stays float64,
        integers become float64.
      n_components: None (all min(N, d) components) or an int k, 1 <= k <= min(N, d).
      center: bool. True subtracts the mean of the samples first (PCA); False takes the SVD of
        X itself (then ``mean`` is zero and the "variances" are mean squares about the origin).
    Returns:
      :class:`PCAResult` with ``mean`` (d,), ``components`` (k, d), ``singular_values`` (k,),
      ``explained_variance`` (k,), ``explained_variance_ratio`` (k,), ``scores`` (N, k) and
      the methods ``transform`` and ``inverse_transform``.
    Raises:
      ValueError: X not 2-D, fewer than 2 samples, NaN/Inf, an empty dimension, X constant
        (zero variance); n_components not an integer in [1, min(N, d)].
      TypeError: complex, boolean or string entries; center not a bool.

    >>> result = pca([[0., 0.], [1., 1.], [2., 2.]])
    >>> result.components.numpy().round(4)
    array([[ 0.7071,  0.7071],
           [-0.7071,  0.7071]])
    >>> result.explained_variance.numpy().round(4)
    array([2., 0.])
    """
    X = as_float_tensor(X, "X", min_ndim=2)
    if len(X.shape) != 2:
        raise ValueError(
            f"X must be 2-D, (N samples, d features); got shape {tuple(X.shape)}"
        )
    center = _check_bool(center, "center")
    N, d = X.shape
    if N < 2:
        raise ValueError(f"X must have at least 2 samples (rows) for a variance; got N = {N}")
    k_max = min(N, d)
    if n_components is None:
        k = k_max
    else:
        k = _check_int(n_components, "n_components", 1, k_max, "min(N, d), or None for all")
    mean = tf.reduce_mean(X, axis=0) if center else tf.zeros([d], X.dtype)
    Xc = X - mean
    s, U, V = tf.linalg.svd(Xc)  # thin: s (k_max,), U (N, k_max), V (d, k_max)
    total = tf.reduce_sum(tf.square(s))
    if not float(total) > 0:
        raise ValueError("X has zero variance (every sample is the same): no principal axes")
    components = tf.transpose(V[:, :k])  # (k, d)
    signs = _row_signs(components)
    components = components * signs[:, tf.newaxis] + 0  # + 0: no -0.0 in printouts
    variance = tf.square(s) / (N - 1)
    return PCAResult(
        mean=mean,
        components=components,
        singular_values=s[:k],
        explained_variance=variance[:k],
        explained_variance_ratio=variance[:k] / (total / (N - 1)),
        scores=U[:, :k] * (s[:k] * signs)[tf.newaxis, :],
        center=bool(center),
    )
