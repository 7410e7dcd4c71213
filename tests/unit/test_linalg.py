"""Tests for helpers.linalg: behaviour against NumPy's LAPACK SVD, and every rejected input."""

import math

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

import helpers
from helpers import linalg
from tests.unit.strategies import DTYPES, error_for, matrices

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
    r = data.draw(st.integers(0, k))
    s, U, V = helpers.svd(A)
    Ar = helpers.rank_r_approx(s, U, V, r).numpy()
    Un, sn, Vh = np.linalg.svd(A.astype(np.float64), full_matrices=False)
    expected = (Un[..., :r] * sn[..., None, :r]) @ Vh[..., :r, :]
    gap_ok = r in (0, k) or np.all(np.abs(sn[..., r - 1] - sn[..., r]) > 1e-2)
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


@pytest.mark.parametrize("dtype", DTYPES)
def test_rank_r_approx_rank_zero_is_the_zero_matrix(dtype):
    A = np.random.default_rng(2).standard_normal((2, 4, 3)).astype(dtype)
    s, U, V = helpers.svd(A)
    A0 = helpers.rank_r_approx(s, U, V, np.int64(0))
    assert A0.shape == A.shape and A0.dtype == tf.as_dtype(dtype)
    np.testing.assert_array_equal(A0.numpy(), np.zeros_like(A))
    # A_0 = 0 is the rule everywhere: its error is all of ||A||_F^2, and it stores nothing
    np.testing.assert_allclose(helpers.tail_energy(s, 0).numpy(), np.sum(A**2, axis=(-2, -1)),
                               rtol=1e-5)
    assert helpers.approx_size(4, 3, 0) == 0 and helpers.compression_factor(4, 3, 0) == 0
    assert linalg.approx_nbytes(4, 3, 0) == 0 and linalg.approx_nbytes(4, 3, 0, "uint8") == 0


@pytest.mark.parametrize("r", [-1, 4, 2.0, 1.5, "2", None, True, np.float64(2.0)])
def test_rank_r_approx_rejects(r):
    s, U, V = helpers.svd(np.ones((3, 5)))
    with pytest.raises(error_for(r), match=r"r must be an integer between 0 and 3"):
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
    exc = TypeError if any(error_for(a) is TypeError for a in args) else ValueError
    with pytest.raises(exc, match=words):
        helpers.approx_size(*args)
    with pytest.raises(exc, match=words):
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
    with pytest.raises(error_for(factor, float), match=words):
        helpers.rank_for_factor(10, 10, factor)


def test_approx_nbytes_values():
    # 100x50 at rank 10: 10 * 151 = 1510 numbers
    assert linalg.approx_nbytes(100, 50, 10) == 1510 * 4  # float32 is the default
    assert linalg.approx_nbytes(100, 50, 10, "float64") == 1510 * 8
    assert linalg.approx_nbytes(100, 50, 10, "float16") == 1510 * 2
    # uint8: 10 * (100 + 50) codes, 20 columns with a float32 scale and offset, 10 float32 sigmas
    assert linalg.approx_nbytes(100, 50, 10, "uint8") == 1500 + 20 * 8 + 10 * 4 == 1700
    assert linalg.approx_nbytes(100, 50, 10, np.float16) == 3020
    assert linalg.approx_nbytes(100, 50, 10, np.dtype("uint8")) == 1700
    assert linalg.approx_nbytes(100, 50, 10, tf.float64) == 12080
    assert linalg.approx_nbytes(np.int64(100), 50, np.int32(10)) == 6040


@given(st.integers(1, 300), st.integers(1, 300), st.data())
def test_approx_nbytes_is_linear_in_r_and_matches_the_factor_arrays(m, n, data):
    r = data.draw(st.integers(0, min(m, n)))
    for name, dt in (("float64", np.float64), ("float32", np.float32), ("float16", np.float16)):
        U, V, s = np.zeros((m, r), dt), np.zeros((n, r), dt), np.zeros(r, dt)
        assert linalg.approx_nbytes(m, n, r, name) == U.nbytes + V.nbytes + s.nbytes
    codes = np.zeros((m + n, r), np.uint8)
    side = np.zeros((2 * r, 2), np.float32)  # one (scale, offset) per column of U and of V
    sigma = np.zeros(r, np.float32)
    assert linalg.approx_nbytes(m, n, r, "uint8") == codes.nbytes + side.nbytes + sigma.nbytes


@pytest.mark.parametrize(
    "args, words",
    [
        ((0, 5, 1), "m must be a positive integer"),
        ((5, -1, 1), "n must be a positive integer"),
        ((5, 5, 6), "r must be an integer between 0 and 5"),
        ((5, 5, -1), "r must be an integer between 0 and 5"),
        ((5, 5, 1.0), "r must be an integer"),
    ],
)
def test_approx_nbytes_rejects_shape_and_rank(args, words):
    exc = TypeError if any(error_for(a) is TypeError for a in args) else ValueError
    with pytest.raises(exc, match=words):
        linalg.approx_nbytes(*args)
    with pytest.raises(exc, match=words):
        linalg.approx_nbytes(*args, dtype="uint8")


@pytest.mark.parametrize("dtype", ["int8", "float", "bfloat16", "uint16", np.int32, tf.int32])
def test_approx_nbytes_rejects_unknown_dtype(dtype):
    with pytest.raises(ValueError, match='dtype must be one of "float64", "float32"'):
        linalg.approx_nbytes(10, 10, 1, dtype)


@pytest.mark.parametrize("dtype", [None, 4, 2.0, ["float32"]])
def test_approx_nbytes_rejects_non_dtype(dtype):
    with pytest.raises(TypeError, match="dtype must be a dtype name or object"):
        linalg.approx_nbytes(10, 10, 1, dtype)


@given(st.integers(4, 2000), st.integers(4, 2000))
def test_rank_for_nbytes_break_even_against_an_8bit_image(m, n):
    # an 8-bit m x n image stores m n bytes; float32 factors break even at floor(mn / (4(m+n+1)))
    expected = (m * n) // (4 * (m + n + 1))
    if 1 <= expected <= min(m, n):
        assert linalg.rank_for_nbytes(m, n, m * n) == expected
        assert linalg.approx_nbytes(m, n, expected) <= m * n < linalg.approx_nbytes(m, n, expected + 1)


@given(st.integers(1, 400), st.integers(1, 400), st.sampled_from(list(linalg.FACTOR_DTYPES)),
       st.data())
def test_rank_for_nbytes_is_the_largest_rank_that_fits(m, n, dtype, data):
    r = data.draw(st.integers(1, min(m, n)))
    exact = linalg.approx_nbytes(m, n, r, dtype)
    assert linalg.rank_for_nbytes(m, n, exact, dtype) == r
    if r < min(m, n):
        spare = data.draw(st.integers(0, linalg.approx_nbytes(m, n, 1, dtype) - 1))
        assert linalg.rank_for_nbytes(m, n, exact + spare, dtype) == r


def test_rank_for_nbytes_coffee_photo_sizes():
    assert linalg.rank_for_nbytes(400, 600, 400 * 600) == 59  # "near 60", not 240
    assert helpers.rank_for_factor(400, 600, 1.0) == 239  # in numbers
    assert linalg.rank_for_nbytes(400, 600, 400 * 600, "float16") == 119
    assert linalg.rank_for_nbytes(400, 600, 400 * 600, "uint8") == 235


@pytest.mark.parametrize(
    "nbytes, dtype, exc, words",
    [
        (0, "float32", ValueError, "nbytes must be greater than 0"),
        (-10, "float32", ValueError, "nbytes must be greater than 0"),
        (float("nan"), "float32", ValueError, "nbytes must be a finite real number"),
        ("100", "float32", TypeError, "nbytes must be a finite real number"),
        (None, "float32", TypeError, "nbytes must be a finite real number"),
        (83, "float32", ValueError, "too small .* rank 1 in float32 stores 84 bytes"),
        (10_000, "float32", ValueError, "above min"),
        (100, "int8", ValueError, "dtype must be one of"),
        (100, None, TypeError, "dtype must be a dtype name"),
    ],
)
def test_rank_for_nbytes_rejects(nbytes, dtype, exc, words):
    with pytest.raises(exc, match=words):
        linalg.rank_for_nbytes(10, 10, nbytes, dtype)


def test_rank_for_nbytes_rejects_shape():
    with pytest.raises(ValueError, match="m must be a positive integer"):
        linalg.rank_for_nbytes(0, 10, 100)
    with pytest.raises(TypeError, match="n must be a positive integer"):
        linalg.rank_for_nbytes(10, 2.5, 100)


# ---------------------------------------------------------------------------------------------
# energy
# ---------------------------------------------------------------------------------------------
@given(matrices())
def test_energy_fraction_is_pooled_over_the_batch(A):
    s, _, _ = helpers.svd(A)
    if float(tf.reduce_sum(s)) <= 0:
        return
    k = s.shape[-1]
    sn = np.linalg.svd(A.astype(np.float64), compute_uv=False).reshape(-1, k)
    for measure, w in (("sigma2", np.square), ("sigma", lambda x: x)):
        f = helpers.energy_fraction(s, measure).numpy()
        assert f.shape == (k,) and f.dtype == A.dtype
        assert f[-1] == 1.0
        assert np.all(np.diff(f) >= 0)
        pooled = np.cumsum(w(sn).sum(axis=0)) / w(sn).sum()  # sum over batch and i <= r, / total
        np.testing.assert_allclose(f, pooled, atol=1e-5 if A.dtype == np.float32 else 1e-12)


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


def test_energy_sigma2_pooled_is_the_stack_error_with_unequal_channels():
    # three "channels" with very different energies, like R, G and B of a photo
    rng = np.random.default_rng(4)
    X = np.stack([c * rng.standard_normal((30, 20)) @ np.diag(0.7 ** np.arange(20))
                  for c in (1.0, 0.3, 3.0)])  # (3, 30, 20)
    s, U, V = helpers.svd(X)
    f = helpers.energy_fraction(s).numpy()
    per_channel_mean = np.mean([helpers.energy_fraction(s[c]).numpy() for c in range(3)], axis=0)
    for r in range(0, 21):
        X_r = helpers.rank_r_approx(s, U, V, r).numpy()  # each channel truncated to rank r
        rel = np.sum((X - X_r) ** 2) / np.sum(X**2)  # ||X - X_r||_F^2 / ||X||_F^2, all channels
        kept = f[r - 1] if r > 0 else 0.0
        assert 1 - kept == pytest.approx(rel, abs=1e-12)
        pooled_tail = float(tf.reduce_sum(helpers.tail_energy(s, r))) / np.sum(X**2)
        assert pooled_tail == pytest.approx(rel, abs=1e-12)
    # the average of the per-channel fractions is a different, wrong number here
    assert np.max(np.abs(per_channel_mean - f)) > 0.05


def test_energy_sigma_is_one_minus_relative_nuclear_norm_error():
    A = np.random.default_rng(6).standard_normal((8, 6)) @ np.diag(0.6 ** np.arange(6))
    s, U, V = helpers.svd(A)
    f_sigma = helpers.energy_fraction(s, "sigma").numpy()
    f_sigma2 = helpers.energy_fraction(s).numpy()
    nuclear = np.linalg.norm(A, "nuc")
    for r in range(1, 6):
        E = A - helpers.rank_r_approx(s, U, V, r).numpy()
        assert 1 - f_sigma[r - 1] == pytest.approx(np.linalg.norm(E, "nuc") / nuclear, abs=1e-12)
        # ... which is not the relative squared Frobenius error (that is the sigma^2 fraction)
        assert 1 - f_sigma2[r - 1] == pytest.approx(np.linalg.norm(E) ** 2 / np.linalg.norm(A) ** 2,
                                                    abs=1e-12)
        assert abs(f_sigma[r - 1] - f_sigma2[r - 1]) > 1e-3
    # A_r is optimal in the nuclear norm too: random rank-r matrices never do better
    rng = np.random.default_rng(7)
    for r in (1, 2, 3):
        best = np.linalg.norm(A - helpers.rank_r_approx(s, U, V, r).numpy(), "nuc")
        for _ in range(20):
            B = rng.standard_normal((8, r)) @ rng.standard_normal((r, 6))
            assert np.linalg.norm(A - B, "nuc") >= best


def test_energy_fraction_accepts_a_zero_channel():
    s = np.array([[1.0, 0.5], [0.0, 0.0]])  # the second matrix is zero: it adds no energy
    np.testing.assert_allclose(helpers.energy_fraction(s).numpy(), [0.8, 1.0])
    assert helpers.rank_for_energy(s, 0.8) == 1


@pytest.mark.parametrize(
    "s, measure, exc, words",
    [
        ([1.0, 2.0], "sigma3", ValueError, "measure must be"),
        ([1.0, 2.0], None, TypeError, "measure must be"),
        ([1.0, -2.0], "sigma2", ValueError, "non-negative"),
        ([0.0, 0.0], "sigma2", ValueError, "at least one positive"),
        ([[0.0, 0.0], [0.0, 0.0]], "sigma2", ValueError, "at least one positive"),
        ([[0.0, 0.0], [0.0, 0.0]], "sigma", ValueError, "at least one positive"),
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


@given(matrices(), st.floats(0.01, 0.999), st.sampled_from(["sigma2", "sigma"]))
def test_rank_for_energy_is_smallest(A, energy, measure):
    s, _, _ = helpers.svd(A)
    if float(tf.reduce_sum(s)) <= 0:
        return
    r = helpers.rank_for_energy(s, energy, measure)
    f = helpers.energy_fraction(s, measure).numpy().astype(np.float64)
    assert 1 <= r <= s.shape[-1]
    assert f[r - 1] >= energy
    if r > 1:
        assert f[r - 2] < energy
    # against NumPy's pooled fraction, away from ties with the target
    sn = np.linalg.svd(A.astype(np.float64), compute_uv=False).reshape(-1, s.shape[-1])
    w = sn**2 if measure == "sigma2" else sn
    pooled = np.cumsum(w.sum(axis=0)) / w.sum()
    if np.min(np.abs(pooled - energy)) > 1e-4:
        assert r == int(np.argmax(pooled >= energy)) + 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_rank_for_energy_full_energy_gives_full_rank(dtype):
    A = np.random.default_rng(0).standard_normal((3, 60, 40)).astype(dtype)
    s, _, _ = helpers.svd(A)
    assert helpers.rank_for_energy(s, 1.0) == 40
    assert helpers.rank_for_energy(s[0], 1.0) == 40


def test_rank_for_energy_batch_pools_the_energy():
    s = np.array([[1.0, 1.0], [1.0, 0.0]])  # pooled sigma^2: 2 of 3, then 3 of 3
    assert helpers.rank_for_energy(s, 2 / 3) == 1
    assert helpers.rank_for_energy(s, 0.7) == 2  # the mean of the fractions, [0.75, 1], gave 1
    s = np.array([[3.0, 1.0], [1.0, 1.0]])  # pooled sigma: 4 of 6, then 6 of 6
    assert helpers.rank_for_energy(s, 0.66, measure="sigma") == 1
    assert helpers.rank_for_energy(s, 0.67, measure="sigma") == 2


def test_rank_for_energy_one_counts_the_nonzero_singular_values():
    s = np.array([[4.0, 2.0, 0.0, 0.0], [3.0, 1.0, 0.5, 0.0]])
    assert helpers.rank_for_energy(s, 1.0) == 3
    assert helpers.rank_for_energy(s, 1.0, measure="sigma") == 3
    # float32: sigma_2^2 is 1e-10 of the total, so the float32 fraction is 1.0 already at r = 1;
    # energy = 1.0 still keeps the second value
    s32 = tf.constant([1.0, 1e-5], tf.float32)
    assert helpers.energy_fraction(s32).numpy()[0] == 1.0
    assert helpers.rank_for_energy(s32, 0.999999) == 1
    assert helpers.rank_for_energy(s32, 1.0) == 2


@pytest.mark.parametrize("energy", [0, -0.1, 1.0001, 2, float("nan"), "0.5", None, True])
def test_rank_for_energy_rejects(energy):
    with pytest.raises(error_for(energy, float), match="energy"):
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
    with pytest.raises(error_for(r), match="r must be an integer between 0 and 3"):
        helpers.tail_energy([3.0, 2.0, 1.0], r)


def test_tail_energy_rejects_negative_values():
    with pytest.raises(ValueError, match="non-negative"):
        helpers.tail_energy([3.0, -2.0], 1)
