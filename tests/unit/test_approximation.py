"""Tests for helpers.approximation: measured truncation errors against NumPy's SVD, the baselines'
Eckart–Young bound, and every rejected input."""

import logging

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

import helpers
from helpers import approximation
from tests.unit.strategies import error_for, matrices

TOL = {np.float32: 1e-4, np.float64: 1e-10}


def numpy_errors(A, r):
    """‖A − A_r‖_F² and ‖A − A_r‖₂ with NumPy's SVD, in float64, for one matrix."""
    A = np.asarray(A, np.float64)
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    E = A - (U[:, :r] * s[:r]) @ Vh[:r]
    return float(np.sum(E**2)), float(np.linalg.norm(E, 2))


# ---------------------------------------------------------------------------------------------
# truncation_errors
# ---------------------------------------------------------------------------------------------
@given(matrices(max_batch_dims=1))
def test_truncation_errors_match_numpy_and_the_identity(A):
    err = approximation.truncation_errors(A)
    k = min(A.shape[-2:])
    assert err.ranks.tolist() == list(range(k + 1))
    assert err.frobenius_sq.shape == (*A.shape[:-2], k + 1)
    assert err.spectral.shape == (*A.shape[:-2], k + 1)
    assert err.frobenius_sq.dtype == err.spectral.dtype == err.s.dtype == tf.as_dtype(A.dtype)
    scale = float(np.sum(A.astype(np.float64) ** 2, axis=(-2, -1)).max()) + 1.0
    tol = TOL[A.dtype.type] * scale
    flat = A.reshape(-1, *A.shape[-2:])
    fro2 = err.frobenius_sq.numpy().reshape(-1, k + 1)
    spec = err.spectral.numpy().reshape(-1, k + 1)
    s_all = err.s.numpy().reshape(-1, k)
    for M, f_row, p_row, s in zip(flat, fro2, spec, s_all, strict=True):
        for r in range(k + 1):
            f_np, p_np = numpy_errors(M, r)
            assert abs(f_row[r] - f_np) <= tol
            assert abs(p_row[r] - p_np) <= np.sqrt(tol)
            assert abs(f_row[r] - float(helpers.tail_energy(s, r))) <= tol  # the identity
            assert abs(p_row[r] - (s[r] if r < k else 0.0)) <= np.sqrt(tol)


def test_truncation_errors_example_and_selected_ranks():
    A = np.diag([3.0, 2.0, 1.0])
    err = approximation.truncation_errors(A, ranks=[2, 0, 3])
    assert err.ranks.tolist() == [2, 0, 3]
    np.testing.assert_allclose(err.frobenius_sq.numpy(), [1.0, 14.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(err.spectral.numpy(), [1.0, 3.0, 0.0], atol=1e-12)
    err2 = approximation.truncation_errors(A, ranks=np.array([1]))
    np.testing.assert_allclose(err2.frobenius_sq.numpy(), [5.0], atol=1e-12)


def test_truncation_errors_rank_zero_is_the_zero_approximation():
    # A_0 = 0: the error at r = 0 is A itself, ‖A‖_F² and σ₁ = ‖A‖₂, for every matrix of a batch
    A = np.random.default_rng(9).standard_normal((3, 5, 4))
    err = approximation.truncation_errors(A, ranks=[0])
    np.testing.assert_allclose(err.frobenius_sq.numpy()[:, 0], np.sum(A**2, axis=(-2, -1)),
                               rtol=1e-12)
    np.testing.assert_allclose(err.spectral.numpy()[:, 0], np.linalg.norm(A, 2, axis=(-2, -1)),
                               rtol=1e-12)


def test_truncation_errors_blocks_give_the_same_answer(monkeypatch):
    A = np.random.default_rng(1).standard_normal((2, 6, 5))
    whole = approximation.truncation_errors(A)
    monkeypatch.setattr(approximation, "_MAX_BLOCK_ENTRIES", 70)  # one rank per block
    blocks = approximation.truncation_errors(A)
    np.testing.assert_allclose(blocks.frobenius_sq.numpy(), whole.frobenius_sq.numpy(), atol=1e-12)
    np.testing.assert_allclose(blocks.spectral.numpy(), whole.spectral.numpy(), atol=1e-12)


@pytest.mark.parametrize(
    "ranks, exc, words",
    [
        ([0, 4], ValueError, r"each rank in ranks must be an integer between 0 and 3"),
        ([-1], ValueError, r"between 0 and 3"),
        ([1.5], TypeError, r"between 0 and 3"),
        ([True], TypeError, r"between 0 and 3"),
        ([], ValueError, r"at least one integer"),
        (2, TypeError, r"ranks must be a sequence"),
    ],
)
def test_truncation_errors_rejects_ranks(ranks, exc, words):
    with pytest.raises(exc, match=words):
        approximation.truncation_errors(np.eye(3), ranks=ranks)


@pytest.mark.parametrize(
    "A, exc, words",
    [
        ([1.0, 2.0], ValueError, "at least 2 dimension"),
        ([[1.0, np.nan]], ValueError, "NaN or Inf"),
        ([[1 + 1j]], TypeError, "real"),
    ],
)
def test_truncation_errors_rejects_matrices(A, exc, words):
    with pytest.raises(exc, match=words):
        approximation.truncation_errors(A)


# ---------------------------------------------------------------------------------------------
# column_selection_approx
# ---------------------------------------------------------------------------------------------
@given(matrices(max_batch_dims=1), st.booleans(), st.data())
def test_column_selection_is_rank_r_keeps_its_columns_and_obeys_eckart_young(A, pivoted, data):
    k = min(A.shape[-2:])
    r = data.draw(st.integers(1, k))
    B, cols = approximation.column_selection_approx(A, r, pivoted=pivoted)
    assert B.shape == A.shape and B.dtype == tf.as_dtype(A.dtype)
    assert cols.shape == (*A.shape[:-2], r)
    tol = TOL[A.dtype.type] * (1.0 + float(np.abs(A).max())) * 10
    flat_A = A.reshape(-1, *A.shape[-2:]).astype(np.float64)
    flat_B = B.numpy().reshape(-1, *A.shape[-2:]).astype(np.float64)
    flat_c = cols.numpy().reshape(-1, r)
    for M, Bm, c in zip(flat_A, flat_B, flat_c, strict=True):
        s = np.linalg.svd(Bm, compute_uv=False)
        assert np.all(s[r:] <= tol * 10)  # rank <= r
        np.testing.assert_allclose(Bm[:, c], M[:, c], atol=tol)  # the chosen columns are kept
        best = numpy_errors(M, r)[0]
        assert float(np.sum((M - Bm) ** 2)) >= best - tol  # Eckart–Young
        if not pivoted:
            norms = np.sum(M**2, axis=0)
            rest = np.delete(norms, c)
            assert rest.size == 0 or np.min(norms[c]) >= np.max(rest) - tol
        else:  # a Gaussian matrix has full rank: pivoting never picks a column twice
            assert len(set(c.tolist())) == r


def test_column_selection_full_rank_is_exact_and_example():
    A = np.random.default_rng(2).standard_normal((6, 4))
    for pivoted in (False, True):
        B, cols = approximation.column_selection_approx(A, 4, pivoted=pivoted)
        np.testing.assert_allclose(B.numpy(), A, atol=1e-12)
        assert sorted(cols.numpy().tolist()) == [0, 1, 2, 3]
    B, cols = approximation.column_selection_approx(np.diag([1.0, 3.0, 2.0]), 2)
    assert cols.numpy().tolist() == [1, 2]
    np.testing.assert_allclose(B.numpy(), np.diag([0.0, 3.0, 2.0]), atol=1e-12)


def test_pivoting_avoids_duplicated_columns():
    rng = np.random.default_rng(3)
    big = 10 * rng.standard_normal((8, 1))
    A = np.hstack([big, big, big, rng.standard_normal((8, 3))])  # three copies of one column
    _, cols_norms = approximation.column_selection_approx(A, 2)
    _, cols_piv = approximation.column_selection_approx(A, 2, pivoted=True)
    assert set(cols_norms.numpy().tolist()) <= {0, 1, 2}  # two copies of the same direction
    assert cols_piv.numpy()[0] in (0, 1, 2) and cols_piv.numpy()[1] >= 3
    err = lambda B: float(np.sum((A - B.numpy()) ** 2))  # noqa: E731
    e_norms = err(approximation.column_selection_approx(A, 2)[0])
    e_piv = err(approximation.column_selection_approx(A, 2, pivoted=True)[0])
    assert e_piv < e_norms


def numpy_projection(A, cols):
    """Q Qᵀ A in float64 with Q an orthonormal basis of span(A[:, cols]), and its dimension.

    The numerical rank of A[:, cols] counts singular values above √ε(A's dtype) · σ₁: rounding
    noise of A's dtype (about ε σ₁) lies far below, a genuine direction far above."""
    eps = np.finfo(A.dtype).eps
    A = np.asarray(A, np.float64)
    C = A[:, cols]
    if C.shape[1] == 0:
        return np.zeros_like(A), 0
    Uc, sc, _ = np.linalg.svd(C, full_matrices=False)
    rank = int(np.sum(sc > np.sqrt(eps) * sc[0]))
    Q = Uc[:, :rank]
    return Q @ (Q.T @ A), rank


def test_largest_norms_with_three_identical_columns_is_rank_one():
    rng = np.random.default_rng(7)
    base = 3 * rng.standard_normal((50, 1))
    A = np.hstack([base, base, base, rng.standard_normal((50, 20))])  # notebook 04, Exercise 3
    for dtype in (np.float64, np.float32):
        B, cols = approximation.column_selection_approx(A.astype(dtype), 3)
        assert cols.numpy().tolist() == [0, 1, 2]
        s = np.linalg.svd(B.numpy().astype(np.float64), compute_uv=False)
        assert s[1] <= 1e-5 * s[0]  # rank 1: the three copies are one direction
        expected = base @ (base.T @ A) / float(np.sum(base**2))  # the projection onto that direction
        np.testing.assert_allclose(B.numpy(), expected, atol=TOL[dtype] * 30)


@given(st.integers(0, 2**31 - 1), st.booleans(), st.sampled_from([np.float32, np.float64]))
def test_column_selection_projects_onto_the_span_of_its_columns(seed, pivoted, dtype):
    # columns drawn with repeats from a few random ones (so many are exact duplicates), scaled
    rng = np.random.default_rng(seed)
    m, n, distinct = rng.integers(2, 9), rng.integers(2, 9), rng.integers(1, 4)
    pool = rng.standard_normal((m, distinct))
    A = (pool[:, rng.integers(0, distinct, n)] * rng.uniform(0.5, 3.0, n)).astype(dtype)
    r = int(rng.integers(1, min(m, n) + 1))
    B, cols = approximation.column_selection_approx(A, r, pivoted=pivoted)
    expected, rank = numpy_projection(A, cols.numpy())
    tol = TOL[dtype] * 10 * float(np.abs(A).max())
    np.testing.assert_allclose(B.numpy(), expected, atol=tol)  # Q Qᵀ A onto span of the columns
    s = np.linalg.svd(B.numpy().astype(np.float64), compute_uv=False)
    assert int(np.sum(s > tol)) == rank <= min(r, distinct)  # rank-revealing


def test_column_selection_rank_zero_is_the_zero_matrix():
    A = np.random.default_rng(8).standard_normal((2, 4, 5))
    for pivoted in (False, True):
        B, cols = approximation.column_selection_approx(A, 0, pivoted=pivoted)
        assert cols.shape == (2, 0) and cols.dtype == tf.int32
        np.testing.assert_array_equal(B.numpy(), np.zeros_like(A))


def test_column_selection_of_a_zero_matrix_is_zero():
    for pivoted in (False, True):
        B, _ = approximation.column_selection_approx(np.zeros((3, 4)), 2, pivoted=pivoted)
        np.testing.assert_array_equal(B.numpy(), np.zeros((3, 4)))


def test_column_selection_batched_equals_one_by_one():
    A = np.random.default_rng(4).standard_normal((3, 5, 6)).astype(np.float32)
    for pivoted in (False, True):
        B, cols = approximation.column_selection_approx(A, 3, pivoted=pivoted)
        for i in range(3):
            Bi, ci = approximation.column_selection_approx(A[i], 3, pivoted=pivoted)
            np.testing.assert_allclose(B.numpy()[i], Bi.numpy(), atol=1e-5)
            assert cols.numpy()[i].tolist() == ci.numpy().tolist()


@pytest.mark.parametrize("r", [4, -1, 1.0, True, None])
def test_column_selection_rejects_rank(r):
    with pytest.raises(error_for(r), match=r"r must be an integer between 0 and 3"):
        approximation.column_selection_approx(np.ones((3, 5)), r)


def test_column_selection_rejects_pivoted_and_matrix():
    with pytest.raises(TypeError, match="pivoted must be True or False"):
        approximation.column_selection_approx(np.eye(3), 1, pivoted="yes")
    with pytest.raises(ValueError, match="empty dimension"):
        approximation.column_selection_approx(np.zeros((0, 3)), 1)


# ---------------------------------------------------------------------------------------------
# fit_factorization
# ---------------------------------------------------------------------------------------------
def test_fit_recovers_an_exact_low_rank_matrix():
    rng = np.random.default_rng(5)
    A = rng.standard_normal((12, 2)) @ rng.standard_normal((2, 9))
    fit = approximation.fit_factorization(A, 2, steps=400)
    assert fit.losses.shape == (401,)
    assert fit.losses[-1] < 1e-5 < fit.losses[0]
    assert fit.X.shape == (12, 2) and fit.Y.shape == (9, 2)
    np.testing.assert_allclose(fit.approx.numpy(), (fit.X @ tf.transpose(fit.Y)).numpy(),
                               atol=1e-12)
    rel = np.sum((A - fit.approx.numpy()) ** 2) / np.sum(A**2)
    np.testing.assert_allclose(rel, fit.losses[-1], rtol=1e-6, atol=1e-12)


@settings(max_examples=5)
@given(matrices(max_batch_dims=1, max_side=6), st.data())
def test_fit_never_beats_the_svd(A, data):
    A = A + 0.5  # keep it away from zero
    k = min(A.shape[-2:])
    r = data.draw(st.integers(1, k))
    fit = approximation.fit_factorization(A, r, steps=50)
    assert fit.approx.dtype == tf.as_dtype(A.dtype)
    assert fit.losses.shape == (51, *A.shape[:-2])
    s = np.linalg.svd(A.astype(np.float64), compute_uv=False)
    best = np.sum(s[..., r:] ** 2, axis=-1) / np.sum(s**2, axis=-1)
    assert np.all(fit.losses >= best - 10 * TOL[A.dtype.type])


def test_fit_rank_zero_is_the_zero_matrix():
    A = np.random.default_rng(10).standard_normal((2, 4, 3)).astype(np.float32)
    fit = approximation.fit_factorization(A, 0, steps=7)
    assert fit.X.shape == (2, 4, 0) and fit.Y.shape == (2, 3, 0)
    assert fit.approx.dtype == tf.float32
    np.testing.assert_array_equal(fit.approx.numpy(), np.zeros_like(A))
    np.testing.assert_array_equal(fit.losses, np.ones((8, 2)))


def test_fit_is_deterministic_scale_free_and_accepts_an_optimizer():
    A = np.random.default_rng(6).standard_normal((7, 5))
    f1 = approximation.fit_factorization(A, 2, steps=30, seed=3)
    f2 = approximation.fit_factorization(A, 2, steps=30, seed=3)
    np.testing.assert_array_equal(f1.approx.numpy(), f2.approx.numpy())
    f3 = approximation.fit_factorization(1000 * A, 2, steps=30, seed=3)
    np.testing.assert_allclose(f3.losses, f1.losses, rtol=1e-6)
    sgd = approximation.fit_factorization(A, 2, steps=30, optimizer=keras.optimizers.SGD(0.01))
    assert sgd.losses[-1] < sgd.losses[0]


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        (dict(r=-1), ValueError, r"r must be an integer between 0 and 3"),
        (dict(r=4), ValueError, r"r must be an integer between 0 and 3"),
        (dict(r=True), TypeError, r"r must be an integer"),
        (dict(r=1, steps=0), ValueError, r"steps must be an integer between 1"),
        (dict(r=1, steps=2.5), TypeError, r"steps must be an integer"),
        (dict(r=1, learning_rate=0), ValueError, r"learning_rate must be a positive"),
        (dict(r=1, learning_rate=float("nan")), ValueError, r"learning_rate must be a finite real"),
        (dict(r=1, learning_rate="0.1"), TypeError, r"learning_rate must be a finite real"),
        (dict(r=1, seed=-1), ValueError, r"seed must be an integer between 0"),
        (dict(r=1, optimizer="adam"), TypeError, r"optimizer must be a keras"),
    ],
)
def test_fit_rejects(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        approximation.fit_factorization(np.ones((3, 4)), **kwargs)


def test_fit_rejects_zero_matrix_and_used_optimizer():
    with pytest.raises(ValueError, match="zero matrix"):
        approximation.fit_factorization(np.zeros((3, 4)), 1)
    opt = keras.optimizers.Adam(0.01)
    approximation.fit_factorization(np.ones((3, 4)), 1, steps=2, optimizer=opt)
    with pytest.raises(ValueError, match="already been used"):
        approximation.fit_factorization(np.ones((3, 4)), 1, optimizer=opt)


def test_fit_drops_only_its_own_retracing_warning_and_only_during_the_call():
    def record(msg):
        return logging.LogRecord("tensorflow", logging.WARNING, __file__, 1, msg, None, None)

    quiet = approximation._DropOwnRetracingWarning()
    own = ("5 out of the last 5 calls to <function fit_factorization.<locals>.train at 0x7f00> "
           "triggered tf.function retracing.")
    other = "5 out of the last 5 calls to <function my_step at 0x7f00> triggered tf.function retracing."
    assert not quiet.filter(record(own))
    assert quiet.filter(record(other))
    approximation.fit_factorization(np.ones((3, 4)), 1, steps=2)
    assert not any(isinstance(f, approximation._DropOwnRetracingWarning)
                   for f in tf.get_logger().filters)
