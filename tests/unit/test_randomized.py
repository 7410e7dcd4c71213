"""Tests for helpers.randomized.randomized_svd: shapes, batches, exactness, quality, bad inputs.

streaming_randomized_svd and single_pass_svd are tested in test_streaming.py.
"""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

import helpers
from helpers import randomized
from helpers.randomized import randomized_svd
from tests.unit.strategies import DTYPES, error_for, matrices_and_rank

TOL = {np.float32: 1e-4, np.float64: 1e-10}


def low_rank(m, n, r, batch=(), dtype=np.float64, seed=0):
    """A (batch..., m, n) matrix of exact rank r (almost surely), entries of order 1."""
    rng = np.random.default_rng(seed)
    L = rng.standard_normal((*batch, m, r))
    R = rng.standard_normal((*batch, r, n))
    return (L @ R / np.sqrt(r)).astype(dtype)


def with_spectrum(m, n, sigma, seed=0):
    """An m×n float64 matrix with the given singular values and random singular vectors."""
    rng = np.random.default_rng(seed)
    k = len(sigma)
    U, _ = np.linalg.qr(rng.standard_normal((m, k)))
    V, _ = np.linalg.qr(rng.standard_normal((n, k)))
    return (U * np.asarray(sigma)) @ V.T


def frobenius_error(A, s, U, V):
    return float(tf.norm(tf.convert_to_tensor(A) - helpers.reconstruct(s, U, V)))


# ---------------------------------------------------------------------------------------------
# shapes, dtypes, orthonormality
# ---------------------------------------------------------------------------------------------
@given(matrices_and_rank())
def test_shapes_dtype_and_orthonormal_factors(args):
    A, rank = args
    s, U, V = randomized_svd(A, rank, oversample=2, power_iters=1)
    *batch, m, n = A.shape
    assert s.shape == (*batch, rank)
    assert U.shape == (*batch, m, rank)
    assert V.shape == (*batch, n, rank)
    assert s.dtype == U.dtype == V.dtype == tf.as_dtype(A.dtype)
    eye = np.broadcast_to(np.eye(rank), (*batch, rank, rank))
    tol = TOL[A.dtype.type] * 10
    np.testing.assert_allclose(tf.matmul(U, U, adjoint_a=True).numpy(), eye, atol=tol)
    np.testing.assert_allclose(tf.matmul(V, V, adjoint_a=True).numpy(), eye, atol=tol)
    assert np.all(np.diff(s.numpy(), axis=-1) <= 0)
    assert np.all(s.numpy() >= 0)


@given(matrices_and_rank())
def test_singular_values_never_exceed_the_true_ones(args):
    # s are the singular values of QᵀA, a contraction of A, so s_i <= σ_i (interlacing).
    A, rank = args
    s, _, _ = randomized_svd(A, rank, oversample=1, power_iters=0)
    s_true = np.linalg.svd(A.astype(np.float64), compute_uv=False)[..., :rank]
    assert np.all(s.numpy() <= s_true * (1 + 10 * TOL[A.dtype.type]) + TOL[A.dtype.type])


@given(matrices_and_rank())
def test_full_width_sketch_is_exact_against_numpy(args):
    # rank + oversample >= min(m, n): the sketch spans the whole range, so the result is an SVD.
    A, rank = args
    k = min(A.shape[-2:])
    s, U, V = randomized_svd(A, rank, oversample=k, power_iters=0)
    U_np, s_np, _ = np.linalg.svd(A.astype(np.float64), full_matrices=False)
    scale = max(1.0, float(np.abs(A).max()))
    tol = TOL[A.dtype.type] * scale * 10
    np.testing.assert_allclose(s.numpy(), s_np[..., :rank], atol=tol)
    # Compare the projector onto the top-rank left singular vectors only where σ_rank is
    # separated from σ_rank+1; otherwise those vectors are not unique.
    sv = s_np[..., rank - 1] - (s_np[..., rank] if rank < k else 0.0)
    if np.all(sv > 1e-2):
        P = U.numpy() @ np.swapaxes(U.numpy(), -1, -2)
        P_np = U_np[..., :rank] @ np.swapaxes(U_np[..., :rank], -1, -2)
        np.testing.assert_allclose(P, P_np, atol=tol / np.min(sv) * 10)


@given(matrices_and_rank(max_batch_dims=1))
def test_never_better_than_optimal(args):
    # Eckart–Young: no rank-r matrix beats the truncated SVD, ‖A − A_r‖_F² = tail_energy(σ, r).
    A, rank = args
    A = A.astype(np.float64)
    s, U, V = randomized_svd(A, rank, oversample=0, power_iters=0)
    s_true = np.linalg.svd(A, compute_uv=False)
    err2 = tf.reduce_sum(tf.square(A - helpers.reconstruct(s, U, V)), axis=[-2, -1]).numpy()
    optimal = helpers.tail_energy(s_true, rank).numpy()
    assert np.all(err2 >= optimal * (1 - 1e-9) - 1e-10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_without_power_iterations_equals_the_three_steps_bit_for_bit(dtype):
    # Notebook 08 writes the three steps out with tf.linalg.qr and shows randomized_svd agree to
    # the last bit: the final basis is one Householder QR, as there.
    A = tf.constant(with_spectrum(50, 30, 1.0 / np.arange(1, 31), seed=8).astype(dtype))
    omega = tf.random.stateless_normal([30, 12], seed=[0, 0], dtype=A.dtype)
    Q, _ = tf.linalg.qr(A @ omega)
    s_B, U_B, V_B = tf.linalg.svd(tf.transpose(Q) @ A)
    s, U, V = randomized_svd(A, 8, oversample=4, power_iters=0, seed=0)
    np.testing.assert_array_equal(s.numpy(), s_B[:8].numpy())
    np.testing.assert_array_equal(U.numpy(), (Q @ U_B)[:, :8].numpy())
    np.testing.assert_array_equal(V.numpy(), V_B[:, :8].numpy())


def hmt_numpy(A, rank, oversample, power_iters, seed):
    """HMT Algorithm 4.4 (subspace iteration) and the small SVD in NumPy, with the documented Ω."""
    m, n = A.shape
    width = min(rank + oversample, m, n)
    omega = tf.random.stateless_normal([n, width], seed=[seed, 0], dtype=tf.float64).numpy()
    Q, _ = np.linalg.qr(A @ omega)
    for _ in range(power_iters):
        Z, _ = np.linalg.qr(A.T @ Q)
        Q, _ = np.linalg.qr(A @ Z)
    U_small, s, Vt = np.linalg.svd(Q.T @ A, full_matrices=False)
    return s[:rank], (Q @ U_small)[:, :rank], Vt[:rank].T


@given(matrices_and_rank(max_batch_dims=0), st.integers(0, 4), st.integers(0, 3),
       st.integers(0, 2**31 - 1))
def test_matches_hmt_algorithm_in_numpy(args, oversample, power_iters, seed):
    # The same algorithm and the same Ω in NumPy (Aᵀ Q formed directly there, as (Qᵀ A)ᵀ in
    # randomized_svd): equal to rounding. Compared through s and U diag(s) Vᵀ, which, unlike the
    # singular vectors, do not depend on sign conventions.
    A, rank = args
    A = A.astype(np.float64)
    s, U, V = randomized_svd(A, rank, oversample=oversample, power_iters=power_iters, seed=seed)
    s_np, U_np, V_np = hmt_numpy(A, rank, oversample, power_iters, seed)
    np.testing.assert_allclose(s.numpy(), s_np, atol=1e-10, rtol=0)
    np.testing.assert_allclose(helpers.reconstruct(s, U, V).numpy(), (U_np * s_np) @ V_np.T,
                               atol=1e-9, rtol=0)


# ---------------------------------------------------------------------------------------------
# the thin QR of the sketches: CholeskyQR2, Householder where it would not be accurate
# ---------------------------------------------------------------------------------------------
def check_qr(Y, Q, R, tol):
    """Q orthonormal, R upper triangular, Q R = Y relative to each column's norm."""
    Y, Q, R = (np.asarray(x, np.float64) for x in (Y, Q, R))
    eye = np.broadcast_to(np.eye(Q.shape[-1]), Q.shape[:-2] + (Q.shape[-1],) * 2)
    np.testing.assert_allclose(np.swapaxes(Q, -1, -2) @ Q, eye, atol=tol)
    np.testing.assert_array_equal(np.tril(R, -1), 0)
    scale = np.maximum(np.linalg.norm(Y, axis=-2, keepdims=True), np.finfo(np.float64).tiny)
    np.testing.assert_allclose((Q @ R) / scale, Y / scale, atol=tol)


def householder_calls(monkeypatch):
    calls = []
    qr = tf.linalg.qr

    def counting(*args, **kwargs):
        calls.append(1)
        return qr(*args, **kwargs)

    monkeypatch.setattr(tf.linalg, "qr", counting)
    return calls


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch", [(), (3,)])
def test_qr_of_a_well_conditioned_sketch_is_cholesky_qr2(monkeypatch, dtype, batch):
    calls = householder_calls(monkeypatch)
    Y = np.random.default_rng(0).standard_normal((*batch, 200, 12)).astype(dtype)
    Y[..., 0] *= 300.0  # κ(Y) about 300 in float32: one Cholesky QR would lose orthogonality
    Q, R = randomized._qr_graph(tf.constant(Y))  # eagerly: tf.cond runs only the branch taken
    assert calls == []  # no Householder QR: both Cholesky steps were accurate
    assert np.all(np.diagonal(R.numpy(), axis1=-2, axis2=-1) > 0)  # Cholesky's R
    check_qr(Y, Q, R, TOL[dtype] / 10)


@pytest.mark.parametrize(
    "name, G2, accepted",
    [("the identity", np.eye(60), True),
     ("0.001 off the diagonal, 60 × 60: ‖G₂ − I‖_F = 0.06", np.eye(60) + 0.001 * (1 - np.eye(60)),
      True),
     # every entry within 0.1 of I, yet κ(G₂) about 6.9: an entrywise test would accept it
     ("0.09 off the diagonal, 60 × 60", np.eye(60) + 0.09 * (1 - np.eye(60)), False),
     ("0.11 on one diagonal entry", np.diag([1.11] + [1.0] * 9), False),
     ("one NaN", np.where(np.eye(5) > 0, 1.0, 0.0) + np.diag([np.nan, 0, 0, 0, 0]), False),
     ("one matrix of a batch off", np.stack([np.eye(4), np.eye(4) * 1.2]), False)],
)
def test_cholesky_qr2_is_kept_only_when_the_gram_matrix_is_near_the_identity(name, G2, accepted):
    # ‖G₂ − I‖_F <= 0.1 bounds every eigenvalue of G₂ to [0.9, 1.1], so κ(Q₁) <= √(1.1/0.9)
    assert bool(randomized._cholesky_qr_accepted(tf.constant(G2))) is accepted, name
    if accepted:
        assert np.linalg.cond(G2) <= 1.1 / 0.9
    else:
        assert not np.all(np.isfinite(G2)) or np.linalg.norm(G2 - np.eye(G2.shape[-1]),
                                                              axis=(-2, -1)).max() > 0.1


def graded(m, width, decades, dtype, seed=0):
    """A Gaussian m×width matrix whose columns are scaled from 1 down to 10^-decades."""
    Y = np.random.default_rng(seed).standard_normal((m, width))
    return (Y * np.logspace(0, -decades, width)).astype(dtype)


@pytest.mark.parametrize(
    "name, Y, tol",
    [("rank-deficient float64", low_rank(100, 10, 4, seed=1), 1e-12),
     ("rank-deficient float32", low_rank(100, 10, 4, dtype=np.float32, seed=1), 1e-5),
     ("a zero column", np.c_[np.ones((50, 1)), np.zeros((50, 1)), np.arange(50.0)[:, None]],
      1e-12),
     ("two equal columns", np.repeat(np.random.default_rng(2).standard_normal((40, 1)), 2, 1),
      1e-12),
     ("nearly dependent columns, κ about 1e10, float64",
      low_rank(100, 10, 6, seed=7) + 1e-10 * np.random.default_rng(7).standard_normal((100, 10)),
      1e-12)],
)
def test_qr_of_rank_deficient_sketches_falls_back_to_householder(monkeypatch, name, Y, tol):
    # Where the Gram matrix YᵀY cannot be trusted (singular, or κ(Y)² beyond 1/ε), the check
    # sends the QR to Householder: still an orthonormal Q with Q R = Y.
    calls = householder_calls(monkeypatch)
    Q, R = randomized._qr_graph(tf.constant(Y))  # eagerly: tf.cond runs only the branch taken
    assert calls, name  # the fallback was taken
    check_qr(Y, Q, R, tol)


@pytest.mark.parametrize(
    "name, Y, tol",
    [("columns over 20 decades, float64", graded(100, 10, 20, np.float64), 1e-12),
     ("columns over 12 decades, float32", graded(100, 10, 12, np.float32), 1e-5),
     ("large entries, float32", graded(100, 8, 3, np.float32) * np.float32(1e15), 1e-5),
     ("small entries, float32", graded(100, 8, 3, np.float32) * np.float32(1e-14), 1e-5),
     ("columns within κ about 1e3, float32",
      (np.random.default_rng(8).standard_normal((100, 8)) @ np.diag(np.logspace(0, -3, 8))
       @ np.linalg.qr(np.random.default_rng(9).standard_normal((8, 8)))[0]).astype(np.float32),
      1e-5)],
)
def test_qr_of_badly_scaled_sketches(name, Y, tol):
    # Cholesky QR is invariant to scaling the columns (the Cholesky factor scales with them), so
    # graded columns stay on the fast path or fall back: either way the QR is accurate.
    Q, R = randomized._qr(tf.constant(Y))
    check_qr(Y, Q, R, tol)


def test_qr_column_scaling_is_harmless_to_cholesky_qr2(monkeypatch):
    # Columns scaled by 10^±6 (float64): Cholesky QR is invariant to column scaling, so the
    # fast path stays and is accurate.
    calls = householder_calls(monkeypatch)
    Y = np.random.default_rng(3).standard_normal((300, 8)) * np.array([1e6, 1e-6] * 4)
    Q, R = randomized._qr_graph(tf.constant(Y))
    assert calls == []
    check_qr(Y, Q, R, 1e-12)


def test_qr_as_one_graph_takes_either_branch_like_eager():
    # _qr is _qr_graph as a tf.function (shape-generic after the second shape): the same
    # factorisation to rounding, whichever branch, for shapes traced anew and generic.
    cases = [np.random.default_rng(4).standard_normal((30, 5)), low_rank(30, 5, 2, seed=4),
             np.random.default_rng(5).standard_normal((41, 7)), low_rank(23, 6, 1, seed=5),
             np.random.default_rng(6).standard_normal((3, 2, 19, 4))]
    for Y in cases:
        Q, R = randomized._qr(tf.constant(Y))
        Q_e, R_e = randomized._qr_graph(tf.constant(Y))
        check_qr(Y, Q, R, 1e-12)
        np.testing.assert_allclose(Q.numpy(), Q_e.numpy(), atol=1e-12)
        np.testing.assert_allclose(R.numpy(), R_e.numpy(), atol=1e-12 * np.abs(Y).max())
    Y = np.random.default_rng(7).standard_normal((3, 5))  # wide: Householder, Q square
    Q, R = randomized._qr(tf.constant(Y))
    assert Q.shape == (3, 3) and R.shape == (3, 5)
    np.testing.assert_allclose(Q.numpy() @ R.numpy(), Y, atol=1e-12)


def hmt_householder(A, rank, oversample, power_iters, seed):
    """HMT Algorithm 4.4 in TensorFlow in A's dtype, ``tf.linalg.qr`` after every product."""
    n = A.shape[-1]
    width = min(rank + oversample, *A.shape[-2:])
    omega = tf.random.stateless_normal([n, width], seed=[seed, 0], dtype=A.dtype)
    Q, _ = tf.linalg.qr(tf.matmul(A, omega))
    for _ in range(power_iters):
        Z, _ = tf.linalg.qr(tf.matmul(A, Q, adjoint_a=True))
        Q, _ = tf.linalg.qr(tf.matmul(A, Z))
    s, U_small, V = tf.linalg.svd(tf.matmul(Q, A, adjoint_a=True))
    return s[:rank], tf.matmul(Q, U_small)[:, :rank], V[:, :rank]


@pytest.mark.parametrize("dtype", DTYPES)
def test_badly_scaled_matrix_same_as_householder_qrs(dtype):
    # Rows and columns of A scaled over 10 decades (float64) or 5 (float32): the sketches A Ω,
    # Aᵀ Q are graded as badly. The result is that of HMT with Householder QRs in the same dtype,
    # to rounding (in float32 both differ from the float64 result by up to 14% at q = 0: the
    # sketch's own rounding, not the QR's).
    rng = np.random.default_rng(5)
    decades = 10 if dtype == np.float64 else 5
    A = tf.constant((np.logspace(0, -decades, 80)[:, None] * rng.standard_normal((80, 60))
                     * np.logspace(0, -decades / 2, 60)).astype(dtype))
    for q in (0, 1, 2):
        s, U, V = randomized_svd(A, 10, oversample=5, power_iters=q, seed=1)
        s_h, U_h, V_h = hmt_householder(A, 10, 5, q, seed=1)
        np.testing.assert_allclose(s.numpy(), s_h.numpy(), rtol=TOL[dtype] / 10)
        np.testing.assert_allclose(helpers.reconstruct(s, U, V).numpy(),
                                   helpers.reconstruct(s_h, U_h, V_h).numpy(),
                                   atol=TOL[dtype] / 10 * float(s_h[0]), rtol=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("q", [0, 1, 2, 4])
def test_rank_deficient_sketch_is_still_exact(dtype, q):
    # rank(A) = 3 < l = 10: every sketch is rank-deficient, the QRs fall back to Householder and
    # the result is A's exact SVD to rounding, power iterations or not.
    A = low_rank(60, 40, 3, dtype=dtype, seed=6)
    s, U, V = randomized_svd(A, 3, oversample=7, power_iters=q)
    np.testing.assert_allclose(helpers.reconstruct(s, U, V).numpy(), A,
                               atol=TOL[dtype] * 100, rtol=0)
    np.testing.assert_allclose(tf.matmul(U, U, adjoint_a=True).numpy(), np.eye(3),
                               atol=TOL[dtype] * 10)


# ---------------------------------------------------------------------------------------------
# exactness on low-rank matrices
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m, n, r, rank", [(40, 30, 5, 5), (30, 50, 3, 7), (25, 25, 1, 1)])
def test_exact_on_matrix_of_rank_at_most_rank(dtype, m, n, r, rank):
    A = low_rank(m, n, r, dtype=dtype, seed=m + n)
    s, U, V = randomized_svd(A, rank, oversample=0, power_iters=0)
    np.testing.assert_allclose(helpers.reconstruct(s, U, V).numpy(), A,
                               atol=TOL[dtype] * 100, rtol=0)
    s_np = np.linalg.svd(A.astype(np.float64), compute_uv=False)[:rank]
    np.testing.assert_allclose(s.numpy(), s_np, atol=TOL[dtype] * 100, rtol=0)


@given(st.integers(1, 4), st.integers(0, 3), st.integers(0, 2**31 - 1))
def test_exact_on_low_rank_with_any_power_iters(r, q, seed):
    A = low_rank(20, 16, r, batch=(2,), seed=seed)
    s, U, V = randomized_svd(A, r, oversample=0, power_iters=q, seed=seed)
    np.testing.assert_allclose(helpers.reconstruct(s, U, V).numpy(), A, atol=1e-9, rtol=0)


# ---------------------------------------------------------------------------------------------
# batches, seeds, graph mode
# ---------------------------------------------------------------------------------------------
def test_batch_equals_each_matrix_alone():
    A = np.random.default_rng(1).standard_normal((2, 3, 30, 20))
    s, U, V = randomized_svd(A, 4, oversample=3, power_iters=1, seed=7)
    for i in range(2):
        for j in range(3):
            s1, U1, V1 = randomized_svd(A[i, j], 4, oversample=3, power_iters=1, seed=7)
            np.testing.assert_allclose(s[i, j].numpy(), s1.numpy(), atol=1e-12)
            np.testing.assert_allclose(U[i, j].numpy(), U1.numpy(), atol=1e-12)
            np.testing.assert_allclose(V[i, j].numpy(), V1.numpy(), atol=1e-12)


def test_same_seed_same_result_and_global_seed_ignored():
    A = np.random.default_rng(2).standard_normal((60, 40)).astype(np.float32)
    tf.random.set_seed(1)
    first = randomized_svd(A, 5, oversample=2, power_iters=0, seed=3)
    tf.random.set_seed(2)
    tf.random.normal([3])
    second = randomized_svd(A, 5, oversample=2, power_iters=0, seed=3)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_different_seeds_give_different_sketches():
    # A flat spectrum with l < min(m, n): the captured subspace depends on the sketch.
    A = np.random.default_rng(3).standard_normal((60, 40))
    s0, _, _ = randomized_svd(A, 5, oversample=2, power_iters=0, seed=0)
    s1, _, _ = randomized_svd(A, 5, oversample=2, power_iters=0, seed=1)
    assert not np.allclose(s0.numpy(), s1.numpy())


def test_int_and_numpy_int_arguments():
    A = low_rank(10, 8, 2)
    s, _, _ = randomized_svd(A, np.int64(2), oversample=np.int32(1), power_iters=np.int8(1),
                             seed=np.uint32(5))
    assert s.shape == (2,)
    s_int, _, _ = randomized_svd([[3, 0], [0, 1]], 1)
    assert s_int.dtype == tf.float64
    np.testing.assert_allclose(s_int.numpy(), [3.0])


def test_works_inside_tf_function():
    A = tf.constant(low_rank(30, 20, 3, dtype=np.float32))
    f = tf.function(lambda x: randomized_svd(x, 3, oversample=2, power_iters=1, seed=4))
    s, U, V = f(A)
    s_eager, _, _ = randomized_svd(A, 3, oversample=2, power_iters=1, seed=4)
    np.testing.assert_allclose(s.numpy(), s_eager.numpy(), rtol=1e-5)
    np.testing.assert_allclose(helpers.reconstruct(s, U, V).numpy(), A.numpy(), atol=1e-4)


# ---------------------------------------------------------------------------------------------
# quality: oversampling and power iterations (fixed seeds, so these are not flaky)
# ---------------------------------------------------------------------------------------------
def test_power_iterations_bring_the_error_near_optimal_on_a_slow_spectrum():
    sigma = 1.0 / np.arange(1, 121)  # slow decay: the hard case for a plain sketch
    A = with_spectrum(200, 150, sigma, seed=4)
    optimal = float(np.sqrt(helpers.tail_energy(sigma, 10)))
    ratios = []
    for q in (0, 1, 2):
        s, U, V = randomized_svd(A, 10, oversample=5, power_iters=q, seed=0)
        ratios.append(frobenius_error(A, s, U, V) / optimal)
    assert ratios[0] > 1.05  # without power iterations, clearly worse than optimal
    assert ratios[2] < ratios[0]
    assert ratios[2] < 1.02


def test_oversampling_helps_without_power_iterations():
    sigma = 0.9 ** np.arange(100)
    A = with_spectrum(150, 120, sigma, seed=5)
    optimal = float(np.sqrt(helpers.tail_energy(sigma, 10)))
    errs = {}
    for p in (0, 20):
        s, U, V = randomized_svd(A, 10, oversample=p, power_iters=0, seed=0)
        errs[p] = frobenius_error(A, s, U, V) / optimal
    assert errs[20] < errs[0]
    assert errs[20] < 1.05


# ---------------------------------------------------------------------------------------------
# rejected inputs
# ---------------------------------------------------------------------------------------------
A_OK = np.arange(12.0).reshape(4, 3)


@pytest.mark.parametrize("rank", [0, -1, 4, 100, 2.0, 1.5, True, False, None, "2", np.float64(2)])
def test_bad_rank(rank):
    with pytest.raises(error_for(rank), match=r"rank must be an integer between 1 and 3 \(min\(m, n\)\)"):
        randomized_svd(A_OK, rank)


@pytest.mark.parametrize("value", [-1, 1.0, 2.5, True, np.bool_(False), None, "3"])
@pytest.mark.parametrize("name", ["oversample", "power_iters"])
def test_bad_oversample_and_power_iters(name, value):
    with pytest.raises(error_for(value), match=rf"{name} must be an integer >= 0"):
        randomized_svd(A_OK, 2, **{name: value})


@pytest.mark.parametrize("seed", [-1, 2**63, 1.0, True, None, "0", (1, 2)])
def test_bad_seed(seed):
    with pytest.raises(error_for(seed), match=r"seed must be an integer between 0 and 2\*\*63 - 1"):
        randomized_svd(A_OK, 2, seed=seed)


@pytest.mark.parametrize(
    "A, match",
    [
        ([1.0, 2.0, 3.0], "A must have at least 2 dimension"),
        (np.zeros((0, 3)), "A must not have an empty dimension"),
        ([[1.0, np.nan], [0.0, 1.0]], "A must not contain NaN or Inf"),
        ([[1.0, np.inf], [0.0, 1.0]], "A must not contain NaN or Inf"),
        ([[1.0, 2.0], [3.0]], "A must be a rectangular array"),
    ],
)
def test_bad_matrix_value(A, match):
    with pytest.raises(ValueError, match=match):
        randomized_svd(A, 1)


@pytest.mark.parametrize(
    "A", [np.eye(2, dtype=complex), np.ones((2, 2), dtype=bool), [["a", "b"], ["c", "d"]]]
)
def test_bad_matrix_type(A):
    with pytest.raises(TypeError, match="A must"):
        randomized_svd(A, 1)


def test_unknown_shape_in_graph_mode():
    f = tf.function(lambda x: randomized_svd(x, 1),
                    input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    with pytest.raises(ValueError, match="A must have known numbers of rows and columns"):
        f.get_concrete_function()


def test_one_seed_rule_for_every_helper():
    """power_iteration, randomized_svd and fit_factorization accept and reject the same seeds."""
    from helpers import approximation, spectral

    A = tf.constant(np.random.default_rng(0).standard_normal((6, 4)))
    calls = [lambda seed: spectral.power_iteration(A, iters=2, seed=seed),
             lambda seed: randomized_svd(A, 2, seed=seed),
             lambda seed: approximation.fit_factorization(A, 2, steps=1, seed=seed)]
    for call in calls:
        call(2**63 - 1)  # the largest seed is accepted everywhere ...
        with pytest.raises(ValueError, match=r"seed must be an integer between 0 and 2\*\*63 - 1"):
            call(2**63)  # ... and one more is rejected everywhere, with the same message


@pytest.mark.parametrize("as_tensor", [False, True])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", [(0, 0, 0), (1, 39, 29), (2, 17, 5)])
def test_nan_or_inf_anywhere_in_a_batch_is_found_through_the_sketch(as_tensor, bad, where):
    # randomized_svd checks A entry by entry only when its sketch A Ω is not finite; one bad
    # entry anywhere (any matrix of the batch, any row or column) must still be reported.
    A = np.random.default_rng(3).standard_normal((3, 40, 30)).astype(np.float32)
    A[where] = bad
    with pytest.raises(ValueError, match="A must not contain NaN or Inf"):
        randomized_svd(tf.constant(A) if as_tensor else A, 5)


def test_a_finite_matrix_is_not_scanned_when_its_sketch_is_finite(monkeypatch):
    import helpers._validation as validation

    scans = []
    real = validation._check_finite

    def counting(t, name):
        scans.append(name)
        return real(t, name)

    monkeypatch.setattr(validation, "_check_finite", counting)
    A = tf.constant(with_spectrum(40, 30, 1.0 / np.arange(1, 31), seed=4))
    randomized_svd(A, 5)
    assert scans == []  # the sketch was finite: no pass over A
    helpers.as_float_tensor(A)  # the front door scans, as before (the counter works)
    assert scans == ["A"]


def test_a_finite_matrix_whose_sketch_overflows_is_not_called_nan():
    # float32 entries near the largest float: A Ω overflows to Inf, A itself is finite, so the
    # entry-by-entry check passes and the computation goes on (its result is not finite)
    A = np.full((30, 20), 3e38, np.float32)
    s, U, V = randomized_svd(A, 3)
    assert s.shape == (3,) and not np.isfinite(s.numpy()).all()


def test_nan_inside_tf_function_is_an_assertion():
    f = tf.function(lambda x: randomized_svd(x, 1)[0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="A must not contain NaN or Inf"):
        f(tf.constant([[1.0, np.nan], [0.0, 1.0]]))


@pytest.mark.parametrize("deficient", [False, True])
def test_the_fast_path_without_tf_cond_gives_what_the_fallback_path_gives(deficient):
    # randomized_svd runs every QR as CholeskyQR2 in one graph, and again with a Householder
    # fallback per QR (tf.cond) only if one CholeskyQR2 failed its test: a rank-deficient A
    # (rank 3 < l = 8) fails it, a well-conditioned one passes; either way the result is the
    # fallback path's, bit for bit.
    from helpers.randomized import _gaussian, _randomized_svd_graph

    spectrum = np.r_[1.0, 0.5, 0.25, np.zeros(17)] if deficient else 1.0 / np.arange(1, 21)
    A = tf.constant(with_spectrum(40, 20, spectrum, seed=6))
    omega = _gaussian([20, 8], 0, A.dtype)
    *fast, _, accepted = _randomized_svd_graph(A, omega, 2, False)
    *fallback, _, _ = _randomized_svd_graph(A, omega, 2, True)
    assert bool(accepted) is not deficient
    got = randomized_svd(A, 5, oversample=3, power_iters=2)
    for g, want in zip(got, fallback, strict=True):
        np.testing.assert_array_equal(g.numpy(), want[..., :5].numpy())
    if not deficient:
        for f, want in zip(fast, fallback, strict=True):
            np.testing.assert_array_equal(f.numpy(), want.numpy())
