"""Tests for helpers.linalg: behaviour against NumPy's LAPACK SVD, and every rejected input."""

import math

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st
from strategies import DTYPES, matrices

import helpers
from helpers import linalg

TOL = {np.float32: 2e-4, np.float64: 1e-10}


# ---------------------------------------------------------------------------------------------
# svd
# ---------------------------------------------------------------------------------------------
@given(matrices())
def test_svd_matches_numpy(A):
    s, U, V = helpers.svd(A)
    k = min(A.shape[-2:])
    assert s.dtype == tf.as_dtype(A.dtype)
    assert s.shape == (*A.shape[:-2], k)
    assert U.shape == (*A.shape[:-1], k)
    assert V.shape == (*A.shape[:-2], A.shape[-1], k)
    s_np = np.linalg.svd(A.astype(np.float64), compute_uv=False)
    scale = max(1.0, float(np.abs(A).max()))
    np.testing.assert_allclose(s.numpy(), s_np, atol=TOL[A.dtype.type] * scale * 10)
    np.testing.assert_allclose(helpers.reconstruct(s, U, V).numpy(), A,
                               atol=TOL[A.dtype.type] * scale * 10)
    eye = np.broadcast_to(np.eye(k), (*A.shape[:-2], k, k))
    np.testing.assert_allclose(tf.linalg.matmul(U, U, adjoint_a=True).numpy(), eye,
                               atol=TOL[A.dtype.type] * 10)
    np.testing.assert_allclose(tf.linalg.matmul(V, V, adjoint_a=True).numpy(), eye,
                               atol=TOL[A.dtype.type] * 10)
    assert np.all(np.diff(s.numpy(), axis=-1) <= 0)
    assert np.all(s.numpy() >= 0)


@given(matrices(max_batch_dims=1))
def test_svd_full_matrices_shapes(A):
    s, U, V = helpers.svd(A, full_matrices=True)
    m, n = A.shape[-2:]
    assert U.shape == (*A.shape[:-2], m, m)
    assert V.shape == (*A.shape[:-2], n, n)
    np.testing.assert_allclose(helpers.reconstruct(s, U, V).numpy(), A, atol=1e-3)


@pytest.mark.parametrize(
    "value, dtype",
    [
        ([[1, 2], [3, 4]], tf.float64),
        ([[1.0, 2.0], [3.0, 4.0]], tf.float64),
        (np.array([[1, 2], [3, 4]], dtype=np.int32), tf.float64),
        (np.array([[1, 2], [3, 4]], dtype=np.float32), tf.float32),
        (np.array([[1, 2], [3, 4]], dtype=np.float16), tf.float32),
        (tf.constant([[1, 2], [3, 4]]), tf.float64),
        (tf.constant([[1.0, 2.0], [3.0, 4.0]], tf.float64), tf.float64),
        (tf.Variable([[1.0, 2.0], [3.0, 4.0]]), tf.float32),
    ],
)
def test_svd_dtypes(value, dtype):
    s, U, V = helpers.svd(value)
    assert s.dtype == U.dtype == V.dtype == dtype
    np.testing.assert_allclose(helpers.reconstruct(s, U, V).numpy(), [[1, 2], [3, 4]], atol=1e-5)


@pytest.mark.parametrize(
    "bad, exc, words",
    [
        ([1.0, 2.0], ValueError, "at least 2 dimension"),
        (3.0, ValueError, "at least 2 dimension"),
        (np.zeros((0, 3)), ValueError, "empty dimension"),
        (np.zeros((2, 3, 0)), ValueError, "empty dimension"),
        ([[1.0, np.nan]], ValueError, "NaN or Inf"),
        ([[1.0, np.inf]], ValueError, "NaN or Inf"),
        (tf.constant([[1.0, -np.inf]]), ValueError, "NaN or Inf"),
        ([[1j, 2.0]], TypeError, "complex"),
        (tf.constant([[1 + 1j]]), TypeError, "complex"),
        ([[True, False]], TypeError, "real numbers"),
        (tf.constant([[True]]), TypeError, "real numbers"),
        ([["a", "b"]], TypeError, "real numbers"),
        (tf.constant([["a"]]), TypeError, "real numbers"),
        ([[1.0, 2.0], [3.0]], ValueError, "rectangular"),
    ],
)
def test_svd_rejects(bad, exc, words):
    with pytest.raises(exc, match=words):
        helpers.svd(bad)


def test_svd_rejects_non_bool_full_matrices():
    with pytest.raises(TypeError, match="full_matrices"):
        helpers.svd([[1.0]], full_matrices="yes")


def test_svd_convention_is_v_not_vt():
    A = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 1.0]])
    s, U, V = helpers.svd(A)
    Un, sn, Vh = np.linalg.svd(A, full_matrices=False)
    # V's columns are the rows of NumPy's Vh, up to sign.
    np.testing.assert_allclose(np.abs(V.numpy()), np.abs(Vh.T), atol=1e-12)
    np.testing.assert_allclose(s.numpy(), sn, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# reconstruct and rank_r_approx
# ---------------------------------------------------------------------------------------------
@given(matrices(), st.data())
def test_rank_r_approx_matches_numpy(A, data):
    k = min(A.shape[-2:])
    r = data.draw(st.integers(1, k))
    s, U, V = helpers.svd(A)
    Ar = helpers.rank_r_approx(s, U, V, r).numpy()
    Un, sn, Vh = np.linalg.svd(A.astype(np.float64), full_matrices=False)
    expected = (Un[..., :r] * sn[..., None, :r]) @ Vh[..., :r, :]
    gap_ok = r == k or np.all(np.abs(sn[..., r - 1] - sn[..., r]) > 1e-2)
    if gap_ok:  # the truncation is unique only when σ_r > σ_{r+1}
        np.testing.assert_allclose(Ar, expected, atol=2e-3 if A.dtype == np.float32 else 1e-9)
    assert Ar.shape == A.shape
    assert Ar.dtype == A.dtype
    assert np.linalg.matrix_rank(Ar.astype(np.float64), tol=1e-3).max() <= r


def test_rank_r_approx_full_rank_is_exact_and_accepts_numpy_int():
    A = np.arange(12.0).reshape(3, 4) ** 1.5
    s, U, V = helpers.svd(A)
    np.testing.assert_allclose(helpers.rank_r_approx(s, U, V, np.int64(3)).numpy(), A, atol=1e-10)


def test_rank_r_approx_rank_one_of_diagonal():
    s, U, V = helpers.svd([[3.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(helpers.rank_r_approx(s, U, V, 1).numpy(), [[3, 0], [0, 0]],
                               atol=1e-12)


@pytest.mark.parametrize("r", [0, -1, 4, 2.0, 1.5, "2", None, True, np.float64(2.0)])
def test_rank_r_approx_rejects(r):
    s, U, V = helpers.svd(np.ones((3, 5)))
    with pytest.raises(ValueError, match=r"r must be an integer between 1 and 3"):
        helpers.rank_r_approx(s, U, V, r)


def test_reconstruct_rejects_mismatched_inputs():
    s, U, V = helpers.svd(np.ones((3, 5)))
    with pytest.raises(TypeError, match="one dtype"):
        helpers.reconstruct(tf.cast(s, tf.float32), U, V)
    with pytest.raises(ValueError, match="at least k"):
        helpers.reconstruct(s, U[:, :2], V)
    with pytest.raises(ValueError, match="batch axes"):
        helpers.reconstruct(tf.stack([s, s, s]), tf.stack([U, U]), V)


def test_reconstruct_uses_first_k_columns_of_full_matrices():
    A = np.random.default_rng(1).standard_normal((2, 4, 3))
    s, U, V = helpers.svd(A, full_matrices=True)
    np.testing.assert_allclose(helpers.reconstruct(s, U, V).numpy(), A, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# storage
# ---------------------------------------------------------------------------------------------
def test_approx_size_and_compression_factor():
    assert helpers.approx_size(100, 50, 10) == 1510
    assert helpers.approx_size(4, 3, 0) == 0
    assert helpers.compression_factor(100, 50, 10) == pytest.approx(0.302)
    assert helpers.compression_factor(np.int64(10), 10, 10) == pytest.approx(2.1)


@pytest.mark.parametrize(
    "args, words",
    [
        ((0, 5, 1), "m must be a positive integer"),
        ((5, -1, 1), "n must be a positive integer"),
        ((5.0, 5, 1), "m must be a positive integer"),
        ((5, 5, 6), "r must be an integer between 0 and 5"),
        ((5, 5, -1), "r must be an integer between 0 and 5"),
        ((5, 5, 1.0), "r must be an integer"),
        ((True, 5, 1), "m must be a positive integer"),
    ],
)
def test_approx_size_rejects(args, words):
    with pytest.raises(ValueError, match=words):
        helpers.approx_size(*args)
    with pytest.raises(ValueError, match=words):
        helpers.compression_factor(*args)


@given(st.integers(1, 400), st.integers(1, 400), st.data())
def test_rank_for_factor_inverts_compression_factor(m, n, data):
    r = data.draw(st.integers(1, min(m, n)))
    factor = helpers.compression_factor(m, n, r)
    assert helpers.rank_for_factor(m, n, factor) == r
    assert helpers.rank_for_factor(m, n, factor) == math.floor(r + 1e-12)


def test_rank_for_factor_formula():
    m, n = 427, 640
    assert helpers.rank_for_factor(m, n, 0.15) == math.floor(0.15 * m * n / (m + n + 1))


@pytest.mark.parametrize(
    "factor, words",
    [
        (0, "greater than 0"),
        (-0.5, "greater than 0"),
        (0.01, "smallest factor that works is 0.21"),
        (2.5, "cost more than"),
        (float("nan"), "finite real number"),
        (float("inf"), "finite real number"),
        ("0.5", "finite real number"),
        (None, "finite real number"),
        (True, "finite real number"),
    ],
)
def test_rank_for_factor_rejects(factor, words):
    with pytest.raises(ValueError, match=words):
        helpers.rank_for_factor(10, 10, factor)


# ---------------------------------------------------------------------------------------------
# energy
# ---------------------------------------------------------------------------------------------
@given(matrices())
def test_energy_fraction_properties(A):
    s, _, _ = helpers.svd(A)
    if float(tf.reduce_min(tf.reduce_sum(s, axis=-1))) <= 0:
        return
    for measure, w in (("sigma2", np.square), ("sigma", lambda x: x)):
        f = helpers.energy_fraction(s, measure).numpy()
        assert f.shape == s.shape and f.dtype == A.dtype
        assert np.all(f[..., -1] == 1.0)
        assert np.all(np.diff(f, axis=-1) >= 0)
        sn = np.linalg.svd(A.astype(np.float64), compute_uv=False)
        expected = np.cumsum(w(sn), axis=-1) / np.sum(w(sn), axis=-1, keepdims=True)
        np.testing.assert_allclose(f, expected, atol=1e-4)


def test_energy_fraction_values_and_measures_differ():
    np.testing.assert_allclose(helpers.energy_fraction([3.0, 4.0]).numpy(), [0.36, 1.0])
    np.testing.assert_allclose(helpers.energy_fraction([3.0, 1.0], "sigma").numpy(), [0.75, 1.0])
    np.testing.assert_allclose(helpers.energy_fraction([3.0, 1.0]).numpy(), [0.9, 1.0])


def test_energy_sigma2_is_one_minus_relative_squared_error():
    A = np.random.default_rng(3).standard_normal((6, 5))
    s, U, V = helpers.svd(A)
    f = helpers.energy_fraction(s).numpy()
    for r in range(1, 6):
        err = np.linalg.norm(A - helpers.rank_r_approx(s, U, V, r).numpy()) ** 2
        assert 1 - f[r - 1] == pytest.approx(err / np.linalg.norm(A) ** 2, abs=1e-12)


@pytest.mark.parametrize(
    "s, measure, exc, words",
    [
        ([1.0, 2.0], "sigma3", ValueError, "measure must be"),
        ([1.0, 2.0], None, ValueError, "measure must be"),
        ([1.0, -2.0], "sigma2", ValueError, "non-negative"),
        ([0.0, 0.0], "sigma2", ValueError, "at least one positive"),
        ([[1.0, 0.5], [0.0, 0.0]], "sigma2", ValueError, "at least one positive"),
        ([1.0, np.nan], "sigma2", ValueError, "NaN or Inf"),
        (2.0, "sigma2", ValueError, "at least 1 dimension"),
        ([], "sigma2", ValueError, "empty dimension"),
        ([1j], "sigma2", TypeError, "complex"),
    ],
)
def test_energy_fraction_rejects(s, measure, exc, words):
    with pytest.raises(exc, match=words):
        helpers.energy_fraction(s, measure)


def test_rank_for_energy_smallest_rank():
    s = [4.0, 2.0, 1.0, 1.0]  # σ² = 16, 4, 1, 1 of 22
    assert helpers.rank_for_energy(s, 16 / 22) == 1
    assert helpers.rank_for_energy(s, 16 / 22 + 1e-9) == 2
    assert helpers.rank_for_energy(s, 0.9) == 2
    assert helpers.rank_for_energy(s, 21 / 22) == 3
    assert helpers.rank_for_energy(s, 1.0) == 4
    assert helpers.rank_for_energy(s, 0.5, measure="sigma") == 1  # σ: 4, 6, 7, 8 of 8
    assert helpers.rank_for_energy(s, 0.6, measure="sigma") == 2


@given(matrices(), st.floats(0.01, 1.0))
def test_rank_for_energy_is_smallest(A, energy):
    s, _, _ = helpers.svd(A)
    if float(tf.reduce_min(tf.reduce_sum(s, axis=-1))) <= 0:
        return
    r = helpers.rank_for_energy(s, energy)
    f = helpers.energy_fraction(s).numpy().reshape(-1, s.shape[-1]).astype(np.float64).mean(0)
    assert 1 <= r <= s.shape[-1]
    assert f[r - 1] >= energy
    if r > 1:
        assert f[r - 2] < energy


@pytest.mark.parametrize("dtype", DTYPES)
def test_rank_for_energy_full_energy_gives_full_rank(dtype):
    A = np.random.default_rng(0).standard_normal((3, 60, 40)).astype(dtype)
    s, _, _ = helpers.svd(A)
    assert helpers.rank_for_energy(s, 1.0) == 40
    assert helpers.rank_for_energy(s[0], 1.0) == 40


def test_rank_for_energy_batch_averages_fractions():
    s = np.array([[1.0, 1.0], [1.0, 0.0]])  # fractions [0.5, 1] and [1, 1]: mean [0.75, 1]
    assert helpers.rank_for_energy(s, 0.75) == 1
    assert helpers.rank_for_energy(s, 0.76) == 2


@pytest.mark.parametrize("energy", [0, -0.1, 1.0001, 2, float("nan"), "0.5", None, True])
def test_rank_for_energy_rejects(energy):
    with pytest.raises(ValueError, match="energy"):
        helpers.rank_for_energy([3.0, 1.0], energy)


def test_rank_for_energy_rejects_measure():
    with pytest.raises(ValueError, match="measure"):
        helpers.rank_for_energy([3.0, 1.0], 0.5, measure="energy")


# ---------------------------------------------------------------------------------------------
# normalize_signs
# ---------------------------------------------------------------------------------------------
@given(matrices())
def test_normalize_signs_properties(A):
    s, U, V = helpers.svd(A)
    s2, U2, V2 = helpers.normalize_signs(s, U, V)
    np.testing.assert_array_equal(s2.numpy(), s.numpy())
    np.testing.assert_allclose(helpers.reconstruct(s2, U2, V2).numpy(),
                               helpers.reconstruct(s, U, V).numpy(), atol=1e-5)
    U2n = U2.numpy()
    idx = np.argmax(np.abs(U2n), axis=-2)
    peak = np.take_along_axis(U2n, idx[..., None, :], axis=-2)
    assert np.all(peak >= 0)
    # flipping every pair first gives the same normalised result
    s3, U3, V3 = helpers.normalize_signs(s, -U, -V)
    np.testing.assert_allclose(U3.numpy(), U2n, atol=0)
    np.testing.assert_allclose(V3.numpy(), V2.numpy(), atol=0)


def test_normalize_signs_example_and_full_matrices():
    s, U, V = helpers.normalize_signs(*helpers.svd([[0.0, -2.0], [-1.0, 0.0]]))
    np.testing.assert_array_equal(U.numpy(), np.eye(2))
    np.testing.assert_allclose(helpers.reconstruct(s, U, V).numpy(), [[0, -2], [-1, 0]])
    A = np.random.default_rng(5).standard_normal((5, 3))
    s, U, V = helpers.normalize_signs(*helpers.svd(A, full_matrices=True))
    assert U.shape == (5, 5) and V.shape == (3, 3)
    np.testing.assert_allclose(helpers.reconstruct(s, U, V).numpy(), A, atol=1e-12)


def test_normalize_signs_rejects_short_u():
    s, U, V = helpers.svd(np.ones((3, 3)))
    with pytest.raises(ValueError, match="at least k"):
        helpers.normalize_signs(s, U[:, :1], V)


# ---------------------------------------------------------------------------------------------
# as_float_tensor inside tf.function
# ---------------------------------------------------------------------------------------------
def test_svd_inside_tf_function():
    f = tf.function(lambda A: helpers.svd(A)[0])
    np.testing.assert_allclose(f(tf.constant([[3.0, 0.0], [0.0, 1.0]])).numpy(), [3.0, 1.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="NaN or Inf"):
        f(tf.constant([[np.nan, 0.0], [0.0, 1.0]]))


def test_every_public_name_is_exported():
    for name in helpers.__all__:
        assert callable(getattr(helpers, name))
    assert helpers.svd is linalg.svd


# ---------------------------------------------------------------------------------------------
# tail_energy
# ---------------------------------------------------------------------------------------------
@given(matrices(), st.data())
def test_tail_energy_is_squared_frobenius_error(A, data):
    k = min(A.shape[-2:])
    r = data.draw(st.integers(0, k))
    s, U, V = helpers.svd(A.astype(np.float64))
    tail = helpers.tail_energy(s, r).numpy()
    assert tail.shape == A.shape[:-2]
    Ar = helpers.rank_r_approx(s, U, V, r).numpy() if r > 0 else np.zeros_like(A)
    err = np.sum((A.astype(np.float64) - Ar) ** 2, axis=(-2, -1))
    np.testing.assert_allclose(tail, err, atol=1e-9 * max(1.0, float(np.sum(A**2))))


def test_tail_energy_values():
    assert float(helpers.tail_energy([3.0, 2.0, 1.0], 1)) == 5.0
    assert float(helpers.tail_energy([3.0, 2.0, 1.0], 0)) == 14.0
    assert float(helpers.tail_energy([3.0, 2.0, 1.0], 3)) == 0.0


@pytest.mark.parametrize("r", [-1, 4, 1.0, None, True])
def test_tail_energy_rejects_rank(r):
    with pytest.raises(ValueError, match="r must be an integer between 0 and 3"):
        helpers.tail_energy([3.0, 2.0, 1.0], r)


def test_tail_energy_rejects_negative_values():
    with pytest.raises(ValueError, match="non-negative"):
        helpers.tail_energy([3.0, -2.0], 1)
