"""Tests for helpers.randomized.randomized_svd: shapes, batches, exactness, quality, bad inputs.

streaming_randomized_svd and single_pass_svd are tested in test_streaming.py.
"""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

import helpers
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
