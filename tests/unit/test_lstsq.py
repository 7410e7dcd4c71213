"""Tests for helpers.linalg.pinv and helpers.linalg.lstsq: against NumPy and TensorFlow, and every rejected input."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from helpers.linalg import lstsq, pinv
from tests.unit.strategies import DTYPES, error_for, matrices

TOL = {np.float32: 2e-3, np.float64: 1e-9}


def _rank_deficient(rng, batch, m, n, r, dtype):
    """A (batch..., m, n) matrix of exact rank r, as a product of Gaussian factors."""
    L = rng.standard_normal((*batch, m, r))
    R = rng.standard_normal((*batch, r, n))
    return (L @ R).astype(dtype)


def _scale(A):
    return max(1.0, float(np.abs(np.linalg.pinv(A.astype(np.float64))).max()))


# ---------------------------------------------------------------------------------------------
# pinv
# ---------------------------------------------------------------------------------------------
@given(matrices())
def test_pinv_matches_numpy(A):
    P = pinv(A)
    assert P.dtype == tf.as_dtype(A.dtype)
    assert P.shape == (*A.shape[:-2], A.shape[-1], A.shape[-2])
    cond = np.linalg.cond(A.astype(np.float64))
    if np.all(cond < 1e3):  # well conditioned: the cutoff decides nothing
        expected = np.linalg.pinv(A.astype(np.float64))
        np.testing.assert_allclose(P.numpy(), expected, atol=TOL[A.dtype.type] * _scale(A) * cond.max())


@given(st.integers(0, 2**31 - 1), st.sampled_from(DTYPES), st.integers(1, 3))
def test_pinv_rank_deficient_and_batched_matches_numpy(seed, dtype, r):
    rng = np.random.default_rng(seed)
    A = _rank_deficient(rng, (2, 3), 6, 5, r, np.float64)  # rank r < 5
    rcond = 1e-10 if dtype == np.float64 else 1e-4
    P = pinv(A.astype(dtype), rcond=rcond).numpy()
    expected = np.linalg.pinv(A, rcond=rcond)
    scale = float(np.abs(expected).max())
    np.testing.assert_allclose(P, expected, atol=TOL[dtype] * scale * 10)


@given(st.integers(0, 2**31 - 1), st.integers(1, 4))
def test_pinv_satisfies_the_four_penrose_conditions(seed, r):
    A = _rank_deficient(np.random.default_rng(seed), (), 5, 7, r, np.float64)
    P = pinv(A).numpy()
    tol = 1e-9 * max(1.0, np.abs(P).max()) ** 2
    np.testing.assert_allclose(A @ P @ A, A, atol=tol)
    np.testing.assert_allclose(P @ A @ P, P, atol=tol)
    np.testing.assert_allclose(A @ P, (A @ P).T, atol=tol)
    np.testing.assert_allclose(P @ A, (P @ A).T, atol=tol)


def test_pinv_matches_tensorflow_pinv():
    A = np.random.default_rng(0).standard_normal((3, 6, 4))
    np.testing.assert_allclose(pinv(A).numpy(), tf.linalg.pinv(A).numpy(), atol=1e-12)


def test_pinv_cutoff_drops_small_singular_values():
    A = np.diag([1.0, 1e-3, 1e-9])
    np.testing.assert_allclose(pinv(A).numpy(), np.diag([1.0, 1e3, 1e9]), rtol=1e-12)
    np.testing.assert_allclose(pinv(A, rcond=1e-6).numpy(), np.diag([1.0, 1e3, 0.0]), rtol=1e-12)
    np.testing.assert_allclose(pinv(A, rcond=1e-3).numpy(), np.diag([1.0, 0.0, 0.0]), rtol=1e-12)


def test_pinv_default_rcond_is_max_side_times_eps():
    # sigma_2 / sigma_1 = 5e-7: above 4 eps(float32) = 4.8e-7 (kept), below 1e-6 (dropped)
    A = np.diag([1.0, 5e-7, 0.0, 0.0]).astype(np.float32)
    assert pinv(A).numpy()[1, 1] == pytest.approx(2e6, rel=1e-5)
    assert pinv(A, rcond=1e-6).numpy()[1, 1] == 0.0


def test_default_cutoff_is_numpy_lstsq_not_tf_pinv_nor_numpy_pinv():
    # 4 x 4, sigma_2 / sigma_1 = 5 max(m, n) eps: kept by max(m, n) eps (ours, numpy.linalg.lstsq's
    # rcond=None), dropped by tf.linalg.pinv's 10 max(m, n) eps
    eps = np.finfo(np.float64).eps
    A, b = np.diag([1.0, 20 * eps, 0.0, 0.0]), np.array([1.0, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(lstsq(A, b).numpy(), np.linalg.lstsq(A, b, rcond=None)[0], rtol=1e-12)
    assert pinv(A).numpy()[1, 1] == pytest.approx(1 / (20 * eps))
    assert tf.linalg.pinv(A).numpy()[1, 1] == 0.0
    # 100 x 100, sigma_2 / sigma_1 = 1e-14: below max(m, n) eps = 2.2e-14 (dropped), above
    # numpy.linalg.pinv's fixed rcond 1e-15 (kept)
    A = np.diag([1.0, 1e-14] + [0.0] * 98)
    assert pinv(A).numpy()[1, 1] == 0.0
    assert np.linalg.pinv(A)[1, 1] == pytest.approx(1e14)


def test_pinv_of_zero_is_zero_and_int_becomes_float64():
    np.testing.assert_array_equal(pinv(np.zeros((2, 3))).numpy(), np.zeros((3, 2)))
    P = pinv([[2, 0], [0, 4]])
    assert P.dtype == tf.float64
    np.testing.assert_allclose(P.numpy(), [[0.5, 0], [0, 0.25]], atol=1e-15)


# ---------------------------------------------------------------------------------------------
# lstsq
# ---------------------------------------------------------------------------------------------
@given(matrices(max_batch_dims=1), st.integers(0, 2), st.integers(0, 2**31 - 1))
def test_lstsq_matches_numpy(A, k, seed):
    """k = 0: b is a stack of vectors (..., m); k >= 1: (..., m, k)."""
    rng = np.random.default_rng(seed)
    m = A.shape[-2]
    b = rng.standard_normal((*A.shape[:-2], m) if k == 0 else (*A.shape[:-2], m, k)).astype(A.dtype)
    x = lstsq(A, b)
    assert x.dtype == tf.as_dtype(A.dtype)
    assert x.shape == (*A.shape[:-2], A.shape[-1], *(() if k == 0 else (k,)))
    A64, b64 = A.astype(np.float64).reshape(-1, *A.shape[-2:]), b.astype(np.float64)
    b64 = b64.reshape(len(A64), *b.shape[len(A.shape) - 2:])
    cond = np.linalg.cond(A64).max()
    if cond < 1e3:
        expected = np.stack([np.linalg.lstsq(a, bb, rcond=None)[0] for a, bb in zip(A64, b64, strict=True)])
        np.testing.assert_allclose(x.numpy().reshape(expected.shape), expected,
                                   atol=TOL[A.dtype.type] * cond * (1 + np.abs(expected).max()))


@given(st.integers(0, 2**31 - 1), st.integers(1, 3), st.booleans())
def test_lstsq_rank_deficient_gives_the_minimum_norm_solution(seed, r, wide):
    rng = np.random.default_rng(seed)
    m, n = (4, 7) if wide else (7, 5)
    A = _rank_deficient(rng, (3,), m, n, r, np.float64)
    b = rng.standard_normal((3, m))
    x = lstsq(A, b).numpy()
    for Ai, bi, xi in zip(A, b, x, strict=True):
        expected = np.linalg.lstsq(Ai, bi, rcond=None)[0]
        np.testing.assert_allclose(xi, expected, atol=1e-8 * max(1.0, np.abs(expected).max()))
        # minimum norm: x has no component in the null space of A
        null = np.linalg.svd(Ai)[2][r:]
        np.testing.assert_allclose(null @ xi, 0, atol=1e-8 * max(1.0, np.abs(xi).max()))


def test_lstsq_matches_tensorflow_lstsq_and_pinv():
    rng = np.random.default_rng(1)
    A, b = rng.standard_normal((2, 8, 3)), rng.standard_normal((2, 8, 2))
    expected = tf.linalg.lstsq(A, b, fast=False).numpy()
    np.testing.assert_allclose(lstsq(A, b).numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(lstsq(A, b).numpy(), (tf.linalg.pinv(A) @ b).numpy(), atol=1e-12)


def test_lstsq_one_vector_for_a_batch_and_broadcast_batches():
    rng = np.random.default_rng(2)
    A, b = rng.standard_normal((3, 5, 2)), rng.standard_normal(5)
    x = lstsq(A, b).numpy()
    assert x.shape == (3, 2)
    for Ai, xi in zip(A, x, strict=True):
        np.testing.assert_allclose(xi, np.linalg.lstsq(Ai, b, rcond=None)[0], atol=1e-12)
    B = rng.standard_normal((4, 1, 5, 2))  # batch (4, 1) against A's (3,)
    assert lstsq(A, B).shape == (4, 3, 2, 2)


def test_lstsq_rcond_truncates():
    A = np.diag([1.0, 1e-4])
    np.testing.assert_allclose(lstsq(A, [1.0, 1.0]).numpy(), [1.0, 1e4], rtol=1e-12)
    np.testing.assert_allclose(lstsq(A, [1.0, 1.0], rcond=1e-3).numpy(), [1.0, 0.0], rtol=1e-12)


def test_lstsq_converts_a_list_b_to_the_dtype_of_a():
    x = lstsq(tf.constant([[2.0], [0.0]], tf.float32), [4.0, 1.0])
    assert x.dtype == tf.float32
    np.testing.assert_allclose(x.numpy(), [2.0])


# ---------------------------------------------------------------------------------------------
# rejected inputs
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "A, exc, words",
    [
        ([1.0, 2.0], ValueError, "at least 2 dimension"),
        (np.zeros((0, 2)), ValueError, "empty dimension"),
        ([[1.0, np.nan]], ValueError, "NaN or Inf"),
        ([[1.0, np.inf]], ValueError, "NaN or Inf"),
        ([[1j, 2.0]], TypeError, "complex"),
        ([[True, False]], TypeError, "real numbers"),
    ],
)
def test_pinv_rejects_bad_A(A, exc, words):
    with pytest.raises(exc, match=words):
        pinv(A)


@pytest.mark.parametrize("rcond", [-1e-3, float("nan"), float("inf"), "small", True])
def test_pinv_rejects_bad_rcond(rcond):
    with pytest.raises(error_for(rcond, float), match="rcond"):
        pinv([[1.0, 0.0], [0.0, 1.0]], rcond=rcond)


@pytest.mark.parametrize("rcond", [-1e-3, float("nan"), "small"])
def test_lstsq_rejects_bad_rcond(rcond):
    with pytest.raises(error_for(rcond, float), match="rcond"):
        lstsq([[1.0, 0.0], [0.0, 1.0]], [1.0, 1.0], rcond=rcond)


@pytest.mark.parametrize(
    "A, b, exc, words",
    [
        ([1.0, 2.0], [1.0], ValueError, "A must have at least 2 dimension"),
        ([[1.0, np.nan]], [1.0], ValueError, "A must not contain NaN"),
        ([[1.0, 2.0]], [np.nan], ValueError, "b must not contain NaN"),
        ([[1.0, 2.0]], 3.0, ValueError, "b must have at least 1 dimension"),
        ([[1.0, 2.0]], [[1j]], TypeError, "b must be real"),
        ([[1.0], [2.0]], [1.0, 2.0, 3.0], ValueError, r"b must have shape \(\.\.\., m\) with m = 2"),
        ([[1.0], [2.0]], [[1.0], [2.0], [3.0]], ValueError, r"\(\.\.\., m, k\) with m = 2"),
        (np.ones((2, 3, 2)), np.ones((4, 3, 1)), ValueError, "do not broadcast"),
        (tf.ones((2, 2), tf.float32), tf.ones((2,), tf.float64), TypeError, "b must have A's dtype"),
    ],
)
def test_lstsq_rejects(A, b, exc, words):
    with pytest.raises(exc, match=words):
        lstsq(A, b)
