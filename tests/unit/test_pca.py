"""Tests for helpers.pca: against scikit-learn's PCA(svd_solver="full") and NumPy, and every rejected input."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st
from sklearn.decomposition import PCA

from helpers.pca import pca
from tests.unit.strategies import DTYPES, error_for

TOL = {np.float32: 1e-3, np.float64: 1e-9}


@st.composite
def data(draw):
    """(N, d) data with a random mean and unequal feature scales, N >= 2, and a valid k or None."""
    dtype = draw(st.sampled_from(DTYPES))
    N, d = draw(st.integers(2, 12)), draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    X = rng.standard_normal((N, d)) * rng.uniform(0.5, 3.0, d) + rng.uniform(-5, 5, d)
    k = draw(st.one_of(st.none(), st.integers(1, min(N, d))))
    return X.astype(dtype), k


@given(data())
def test_pca_matches_scikit_learn(Xk):
    X, k = Xk
    result = pca(X, k)
    ref = PCA(n_components=k, svd_solver="full").fit(X.astype(np.float64))
    kk = ref.n_components_
    tol = TOL[X.dtype.type] * (1 + np.abs(X).max()) ** 2
    assert result.components.dtype == tf.as_dtype(X.dtype)
    assert result.components.shape == (kk, X.shape[1])
    assert result.scores.shape == (X.shape[0], kk)
    np.testing.assert_allclose(result.mean.numpy(), ref.mean_, atol=tol)
    np.testing.assert_allclose(result.singular_values.numpy(), ref.singular_values_, atol=tol)
    np.testing.assert_allclose(result.explained_variance.numpy(), ref.explained_variance_, atol=tol)
    np.testing.assert_allclose(result.explained_variance_ratio.numpy(),
                               ref.explained_variance_ratio_, atol=tol)
    # components and scores are unique up to sign when the singular values are well separated
    s_all = np.linalg.svd(X.astype(np.float64) - ref.mean_, compute_uv=False)
    gaps = np.abs(np.diff(np.append(s_all, 0.0)))[:kk]
    if np.all(gaps > 0.1 * s_all[0]):
        signs = np.sign(np.sum(result.components.numpy() * ref.components_, axis=1))
        np.testing.assert_allclose(result.components.numpy(), signs[:, None] * ref.components_,
                                   atol=tol)
        np.testing.assert_allclose(result.scores.numpy(), signs * ref.transform(X.astype(np.float64)),
                                   atol=tol * 10)


@given(data())
def test_pca_components_are_orthonormal_with_positive_peaks(Xk):
    X, k = Xk
    C = pca(X, k).components.numpy().astype(np.float64)
    np.testing.assert_allclose(C @ C.T, np.eye(len(C)), atol=TOL[X.dtype.type] * 10)
    peaks = C[np.arange(len(C)), np.argmax(np.abs(C), axis=1)]
    assert np.all(peaks > 0)


@given(data())
def test_pca_transform_and_inverse_transform(Xk):
    X, k = Xk
    result = pca(X, k)
    tol = TOL[X.dtype.type] * (1 + np.abs(X).max()) * 10
    np.testing.assert_allclose(result.transform(X).numpy(), result.scores.numpy(), atol=tol)
    # inverse_transform of the scores is the best rank-k approximation (plus the mean)
    X64 = X.astype(np.float64)
    mean = X64.mean(axis=0)
    U, s, Vt = np.linalg.svd(X64 - mean, full_matrices=False)
    kk = result.n_components
    if kk == len(s) or s[kk - 1] - s[kk] > 0.1 * s[0]:
        best = (U[:, :kk] * s[:kk]) @ Vt[:kk] + mean
        np.testing.assert_allclose(result.inverse_transform(result.scores).numpy(), best, atol=tol)


def test_pca_explained_variance_is_the_covariance_eigenvalues():
    X = np.random.default_rng(0).standard_normal((40, 5)) @ np.diag([5.0, 3.0, 2.0, 1.0, 0.5])
    result = pca(X)
    eig = np.linalg.eigvalsh(np.cov(X, rowvar=False))[::-1]
    np.testing.assert_allclose(result.explained_variance.numpy(), eig, rtol=1e-10)
    assert result.explained_variance_ratio.numpy().sum() == pytest.approx(1.0, abs=1e-12)


def test_pca_ratio_uses_the_total_variance_of_all_components():
    X = np.random.default_rng(1).standard_normal((30, 6))
    full, two = pca(X), pca(X, 2)
    np.testing.assert_allclose(two.explained_variance_ratio.numpy(),
                               full.explained_variance_ratio.numpy()[:2], rtol=1e-12)
    assert two.explained_variance_ratio.numpy().sum() < 0.9


def test_pca_without_centering_is_the_svd_of_X():
    X = np.random.default_rng(2).standard_normal((10, 4)) + 3.0
    result = pca(X, center=False)
    np.testing.assert_array_equal(result.mean.numpy(), np.zeros(4))
    np.testing.assert_allclose(result.singular_values.numpy(), np.linalg.svd(X, compute_uv=False),
                               rtol=1e-12)
    # the first axis points at the mean, not along the spread
    mean_dir = X.mean(axis=0) / np.linalg.norm(X.mean(axis=0))
    assert abs(result.components.numpy()[0] @ mean_dir) > 0.99
    assert abs(pca(X).components.numpy()[0] @ mean_dir) < 0.9


def test_pca_transform_accepts_one_sample_and_batches():
    X = np.random.default_rng(3).standard_normal((10, 4))
    result = pca(X, 2)
    assert result.transform(X[0]).shape == (2,)
    assert result.transform(X.reshape(2, 5, 4)).shape == (2, 5, 2)
    np.testing.assert_allclose(result.transform(X[0]).numpy(), result.scores.numpy()[0], atol=1e-12)


# ---------------------------------------------------------------------------------------------
# rejected inputs
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "X, exc, words",
    [
        ([1.0, 2.0], ValueError, "at least 2 dimension"),
        (np.ones((2, 3, 4)), ValueError, "X must be 2-D"),
        (np.zeros((0, 3)), ValueError, "empty dimension"),
        ([[1.0, 2.0]], ValueError, "at least 2 samples"),
        ([[1.0, np.nan], [2.0, 3.0]], ValueError, "NaN or Inf"),
        ([[1j, 2.0], [1.0, 2.0]], TypeError, "complex"),
        ([["a", "b"], ["c", "d"]], TypeError, "real numbers"),
        ([[1.0, 2.0], [1.0, 2.0]], ValueError, "zero variance"),
    ],
)
def test_pca_rejects_bad_X(X, exc, words):
    with pytest.raises(exc, match=words):
        pca(X)


@pytest.mark.parametrize("k", [0, 4, -1, 2.0, True, "2"])
def test_pca_rejects_bad_n_components(k):
    X = np.random.default_rng(4).standard_normal((5, 3))
    with pytest.raises(error_for(k), match=r"n_components must be an integer between 1 and 3"):
        pca(X, k)


def test_pca_rejects_non_bool_center():
    with pytest.raises(TypeError, match="center must be True or False"):
        pca(np.eye(3), center=1)


def test_pca_transform_rejects_wrong_width_and_dtype():
    result = pca(np.random.default_rng(5).standard_normal((6, 3)), 2)
    with pytest.raises(ValueError, match="X must have 3 columns"):
        result.transform(np.ones((2, 4)))
    with pytest.raises(ValueError, match="Z must have 2 columns"):
        result.inverse_transform(np.ones((2, 3)))
    with pytest.raises(TypeError, match="X must have the dtype of the PCA, float64"):
        result.transform(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="NaN or Inf"):
        result.inverse_transform([[np.nan, 1.0]])
