"""Tests for helpers.denoise: the Gavish–Donoho threshold and singular value thresholding."""

import math

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from helpers import denoise
from helpers.denoise import optimal_hard_threshold, singular_value_threshold
from tests.unit.strategies import DTYPES, matrices

TOL = {np.float32: 2e-4, np.float64: 1e-10}


# ---------------------------------------------------------------------------------------------
# the threshold's coefficients
# ---------------------------------------------------------------------------------------------
def test_lambda_star_square_is_four_over_root_three():
    assert denoise.lambda_star(1.0) == pytest.approx(4 / math.sqrt(3), rel=1e-14)


@given(st.floats(0.01, 1.0))
def test_omega_is_close_to_the_cubic_fit_of_gavish_and_donoho(beta):
    fit = 0.56 * beta**3 - 0.95 * beta**2 + 1.82 * beta + 1.43
    assert denoise.omega(beta) == pytest.approx(fit, abs=0.02)  # the fit is accurate to ~0.01


@given(st.floats(0.01, 0.9))
def test_marchenko_pastur_median_halves_the_density(beta):
    """Independent check: the trapezoid rule in x (not θ) integrates to 1/2 up to the median.

    (For β near 1 the density has a 1/√x singularity at 0 that the trapezoid rule cannot
    integrate; β = 1 is checked against the paper's ω(1) and a random matrix below.)"""
    mu = denoise.marchenko_pastur_median(beta)
    a, b = (1 - math.sqrt(beta)) ** 2, (1 + math.sqrt(beta)) ** 2
    assert a < mu < b

    def mass(lo, hi):
        x = np.linspace(lo, hi, 400_001)
        f = np.sqrt(np.maximum((b - x) * (x - a), 0)) / (2 * math.pi * beta * x)
        return float(np.sum((f[1:] + f[:-1]) / 2 * np.diff(x)))

    assert mass(a, mu) == pytest.approx(0.5, abs=1e-4)
    assert mass(a, b) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("m, n", [(400, 800), (500, 500)])
def test_marchenko_pastur_median_against_a_random_matrix(m, n):
    Z = np.random.default_rng(0).standard_normal((m, n))
    eig = np.linalg.eigvalsh(Z @ Z.T / n)
    assert np.median(eig) == pytest.approx(denoise.marchenko_pastur_median(m / n), abs=0.01)


def test_omega_square_matches_the_paper():
    assert denoise.omega(1.0) == pytest.approx(2.858, abs=1e-3)  # Gavish & Donoho, Table/eq. (5)


# ---------------------------------------------------------------------------------------------
# optimal_hard_threshold
# ---------------------------------------------------------------------------------------------
@given(st.integers(1, 40), st.integers(1, 40), st.floats(0.0, 10.0), st.sampled_from(DTYPES))
def test_known_noise_threshold_formula(m, n, sigma, dtype):
    s = np.linspace(1.0, 0.0, min(m, n)).astype(dtype)
    tau = optimal_hard_threshold(s, (m, n), noise_sigma=sigma)
    beta = min(m, n) / max(m, n)
    lam = math.sqrt(2 * (beta + 1) + 8 * beta / ((beta + 1) + math.sqrt(beta**2 + 14 * beta + 1)))
    assert tau.dtype == tf.as_dtype(dtype)
    assert float(tau) == pytest.approx(lam * math.sqrt(max(m, n)) * sigma, rel=TOL[dtype], abs=1e-12)
    assert float(optimal_hard_threshold(s, (n, m), noise_sigma=sigma)) == float(tau)


def test_known_noise_square_is_four_over_root_three_root_n_sigma():
    tau = optimal_hard_threshold(np.ones(100), (100, 100), noise_sigma=0.5)
    assert float(tau) == pytest.approx(4 / math.sqrt(3) * 10 * 0.5, rel=1e-14)


@given(matrices(max_batch_dims=2, max_side=9))
def test_unknown_noise_threshold_is_omega_times_the_median(A):
    s = np.linalg.svd(A.astype(np.float64), compute_uv=False).astype(A.dtype)
    m, n = A.shape[-2:]
    tau = optimal_hard_threshold(s, (m, n))
    assert tau.shape == A.shape[:-2]
    expected = denoise.omega(min(m, n) / max(m, n)) * np.median(s.astype(np.float64), axis=-1)
    np.testing.assert_allclose(tau.numpy(), expected, rtol=TOL[A.dtype.type] * 10)


def test_unknown_noise_estimates_the_known_noise_threshold_on_pure_noise():
    rng = np.random.default_rng(1)
    m, n, sigma = 200, 400, 0.3
    s = np.linalg.svd(sigma * rng.standard_normal((m, n)), compute_uv=False)
    known = float(optimal_hard_threshold(s, (m, n), noise_sigma=sigma))
    unknown = float(optimal_hard_threshold(s, (m, n)))
    assert unknown == pytest.approx(known, rel=0.02)
    assert np.sum(s >= known) == 0  # pure noise: nothing survives


def test_threshold_recovers_the_rank_of_a_low_rank_matrix_in_noise():
    rng = np.random.default_rng(2)
    m, n, r, sigma = 100, 150, 5, 0.1
    X = rng.standard_normal((m, r)) @ rng.standard_normal((r, n))
    s = np.linalg.svd(X + sigma * rng.standard_normal((m, n)), compute_uv=False)
    for tau in (optimal_hard_threshold(s, (m, n), noise_sigma=sigma), optimal_hard_threshold(s, (m, n))):
        assert int(np.sum(s >= float(tau))) == r


# ---------------------------------------------------------------------------------------------
# singular_value_threshold
# ---------------------------------------------------------------------------------------------
def _numpy_threshold(A, tau, mode):
    U, s, Vt = np.linalg.svd(A.astype(np.float64), full_matrices=False)
    s_new = np.where(s >= tau, s, 0.0) if mode == "hard" else np.maximum(s - tau, 0.0)
    return (U * s_new[..., None, :]) @ Vt


@given(matrices(), st.floats(0.0, 3.0), st.sampled_from(["hard", "soft"]))
def test_threshold_matches_numpy(A, tau, mode):
    s = np.linalg.svd(A.astype(np.float64), compute_uv=False)
    if mode == "hard" and np.any(np.abs(s - tau) < 1e-3):
        return  # a singular value on the threshold: float32 and float64 may disagree
    Y = singular_value_threshold(A, tau, mode)
    assert Y.dtype == tf.as_dtype(A.dtype)
    assert Y.shape == A.shape
    scale = max(1.0, float(np.abs(A).max()))
    np.testing.assert_allclose(Y.numpy(), _numpy_threshold(A, tau, mode), atol=TOL[A.dtype.type] * scale * 10)


def test_hard_threshold_extremes():
    A = np.random.default_rng(3).standard_normal((2, 5, 4))
    np.testing.assert_allclose(singular_value_threshold(A, 0.0).numpy(), A, atol=1e-12)
    np.testing.assert_allclose(singular_value_threshold(A, 0.0, "soft").numpy(), A, atol=1e-12)
    big = float(np.linalg.svd(A, compute_uv=False).max()) + 1
    assert np.all(singular_value_threshold(A, big).numpy() == 0)
    assert np.all(singular_value_threshold(A, big, "soft").numpy() == 0)


def test_threshold_keeps_a_singular_value_equal_to_tau():
    Y = singular_value_threshold(np.diag([3.0, 2.0, 1.0]), 2.0).numpy()
    np.testing.assert_allclose(Y, np.diag([3.0, 2.0, 0.0]), atol=1e-12)


def test_threshold_per_matrix_tau():
    A = np.stack([np.diag([3.0, 1.0]), np.diag([3.0, 1.0])])
    Y = singular_value_threshold(A, tf.constant([0.5, 2.0], tf.float64)).numpy()
    np.testing.assert_allclose(Y[0], np.diag([3.0, 1.0]), atol=1e-12)
    np.testing.assert_allclose(Y[1], np.diag([3.0, 0.0]), atol=1e-12)


@given(st.integers(0, 2**31 - 1), st.floats(0.1, 2.0))
def test_soft_threshold_is_the_proximal_operator_of_the_nuclear_norm(seed, tau):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((5, 4))

    def objective(Y):
        return 0.5 * np.sum((Y - A) ** 2) + tau * np.linalg.svd(Y, compute_uv=False).sum()

    Y = singular_value_threshold(A, tau, "soft").numpy()
    best = objective(Y)
    for _ in range(20):  # no nearby matrix does better
        assert objective(Y + 1e-2 * rng.standard_normal(A.shape)) >= best - 1e-12


# ---------------------------------------------------------------------------------------------
# rejected inputs
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "s, shape, sigma, exc, words",
    [
        ([1.0, 2.0], (2, 3), -1.0, ValueError, "noise_sigma must be None or a real number >= 0"),
        ([1.0, 2.0], (2, 3), float("nan"), ValueError, "noise_sigma must be a finite real"),
        ([1.0, 2.0], (2, 3), "1", TypeError, "noise_sigma must be a finite real"),
        ([1.0, 2.0], (2, 0), None, ValueError, "shape must be"),
        ([1.0, 2.0], (2, 3, 4), None, ValueError, "shape must be"),
        ([1.0, 2.0], 3, None, TypeError, "shape must be"),
        ([1.0, 2.0], (2.0, 3), None, TypeError, "shape must be"),
        ([1.0, 2.0, 3.0], (2, 3), None, ValueError, r"min\(m, n\) = 2 singular values"),
        ([1.0, -2.0], (2, 3), None, ValueError, "non-negative"),
        ([1.0, np.nan], (2, 3), None, ValueError, "NaN or Inf"),
        (2.0, (1, 3), None, ValueError, "at least 1 dimension"),
        ([1j, 2.0], (2, 3), None, TypeError, "complex"),
    ],
)
def test_optimal_hard_threshold_rejects(s, shape, sigma, exc, words):
    with pytest.raises(exc, match=words):
        optimal_hard_threshold(s, shape, noise_sigma=sigma)


@pytest.mark.parametrize("beta", [0.0, 1.5, -0.2, float("nan")])
def test_coefficients_reject_bad_beta(beta):
    with pytest.raises(ValueError, match="beta"):
        denoise.omega(beta)


@pytest.mark.parametrize(
    "X, tau, mode, exc, words",
    [
        ([[1.0, 0.0]], -0.5, "hard", ValueError, "tau must be >= 0"),
        ([[1.0, 0.0]], float("nan"), "hard", ValueError, "tau must be a finite real"),
        ([[1.0, 0.0]], [[[-1.0]]], "hard", ValueError, "tau must be >= 0"),
        ([[1.0, 0.0]], [1.0, 2.0], "hard", ValueError, "broadcastable to X's batch axes"),
        ([[1.0, 0.0]], True, "hard", TypeError, "tau must hold real numbers"),
        ([[1.0, 0.0]], "1", "hard", TypeError, "tau must hold real numbers"),
        ([[1.0, 0.0]], 1.0, "median", ValueError, 'mode must be "hard" or "soft"'),
        ([1.0, 0.0], 1.0, "hard", ValueError, "X must have at least 2 dimension"),
        ([[1.0, np.inf]], 1.0, "soft", ValueError, "X must not contain NaN or Inf"),
        ([[True, False]], 1.0, "hard", TypeError, "X must hold real numbers"),
    ],
)
def test_singular_value_threshold_rejects(X, tau, mode, exc, words):
    with pytest.raises(exc, match=words):
        singular_value_threshold(X, tau, mode)
