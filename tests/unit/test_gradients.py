"""Tests for helpers.gradients: svd_grad / svd_manual against tf.GradientTape and finite
differences, the guarded cases (repeated, nearly repeated, zero singular values), and every
rejected input."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import helpers
from helpers import gradients
from tests.unit.strategies import error_for

DTYPES = [np.float32, np.float64]
LOSSES = ["s", "recon", "proj", "mixed"]


# ---------------------------------------------------------------------------------------------
# test data: matrices with a known, well-separated spectrum, and gauge-invariant losses
# ---------------------------------------------------------------------------------------------
def _orthonormal(rng, rows, cols):
    q, r = np.linalg.qr(rng.standard_normal((rows, rows)))
    return (q * np.sign(np.diag(r)))[:, :cols]


def make_matrix(rng, batch, m, n, sigma=None):
    """(batch..., m, n) float64 array U diag(σ) Vᵀ with σ descending, gaps >= 0.3, σ >= 0.5."""
    k = min(m, n)
    out = np.empty((*batch, m, n))
    for idx in np.ndindex(*batch):
        if sigma is None:
            sig = 0.5 + np.cumsum(0.3 + 0.4 * rng.random(k))[::-1]
        else:
            sig = np.asarray(sigma, dtype=float)
        out[idx] = (_orthonormal(rng, m, k) * sig) @ _orthonormal(rng, n, k).T
    return out


@st.composite
def problems(draw, dtypes=DTYPES, max_batch_dims=1):
    dtype = draw(st.sampled_from(dtypes))
    batch = tuple(draw(st.lists(st.integers(1, 2), min_size=0, max_size=max_batch_dims)))
    m = draw(st.integers(1, 5))
    n = draw(st.integers(1, 5))
    loss = draw(st.sampled_from(LOSSES))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    A = make_matrix(rng, batch, m, n)
    weights = {
        "Wm": rng.standard_normal((m, m)),
        "Wn": rng.standard_normal((n, n)),
        "W": rng.standard_normal((m, n)),
        "w": rng.standard_normal(min(m, n)),
    }
    return A.astype(dtype), loss, weights


def loss_of_svd(kind, s, U, V, weights):
    """A scalar loss of (s, U, V) that is invariant under flipping (u_i, v_i) together."""
    dt = s.dtype

    def c(name):
        return tf.constant(weights[name], dt)

    if kind == "s":  # of the singular values alone
        return tf.reduce_sum(c("w") * s**2) + tf.reduce_sum(tf.sqrt(s))
    if kind == "recon":  # of U diag(s) Vᵀ
        return tf.reduce_sum(c("W") * tf.tanh(helpers.reconstruct(s, U, V)))
    u1 = U[..., :, :1]
    proj_u = tf.matmul(u1, u1, adjoint_b=True)  # u₁u₁ᵀ
    weighted_v = tf.matmul(V * c("w"), V, adjoint_b=True)  # Σ wᵢ vᵢvᵢᵀ
    if kind == "proj":  # of U and V alone
        return tf.reduce_sum(c("Wm") * proj_u) + tf.reduce_sum(c("Wn") * weighted_v)
    # mixed: U diag(s³) Uᵀ, the singular values, and a projector
    return (
        tf.reduce_sum(c("Wm") * tf.matmul(U * s[..., tf.newaxis, :] ** 3, U, adjoint_b=True))
        + tf.reduce_sum(s) ** 2
        + tf.reduce_sum(c("Wn") * weighted_v)
    )


def tape_gradient(A, kind, weights, svd=tf.linalg.svd):
    A = tf.constant(A)
    with tf.GradientTape() as tape:
        tape.watch(A)
        loss = loss_of_svd(kind, *svd(A), weights)
    return tape.gradient(loss, A).numpy()


def close(actual, desired, rel):
    scale = max(1.0, float(np.abs(desired).max()))
    np.testing.assert_allclose(actual, desired, rtol=0, atol=rel * scale)


# ---------------------------------------------------------------------------------------------
# agreement with the tape and with finite differences
# ---------------------------------------------------------------------------------------------
@given(problems(max_batch_dims=2))
def test_svd_manual_matches_tape(problem):
    A, kind, w = problem
    manual = tape_gradient(A, kind, w, gradients.svd_manual)
    tape = tape_gradient(A, kind, w)
    assert manual.dtype == A.dtype and manual.shape == A.shape
    close(manual, tape, 1e-10 if A.dtype == np.float64 else 2e-4)


def finite_difference(A, kind, w):
    """Central finite-difference gradient of the test loss through tf.linalg.svd, as NumPy."""
    return gradients.numerical_gradient(
        lambda X: loss_of_svd(kind, *tf.linalg.svd(X), w), A).numpy()


@settings(max_examples=15)
@given(problems(dtypes=[np.float64]))
def test_svd_manual_matches_finite_differences(problem):
    A, kind, w = problem
    close(tape_gradient(A, kind, w, gradients.svd_manual), finite_difference(A, kind, w), 1e-6)


@settings(max_examples=10)
@given(problems(dtypes=[np.float32]))
def test_float32_gradient_close_to_float64_finite_differences(problem):
    A, kind, w = problem
    numeric = finite_difference(A.astype(np.float64), kind, w)
    manual = tape_gradient(A, kind, w, gradients.svd_manual)
    assert manual.dtype == np.float32
    close(manual, numeric, 1e-3)


@given(problems(max_batch_dims=2))
def test_svd_grad_is_tensorflows_linear_map(problem):
    """For arbitrary upstream gradients (not only those of an invariant loss) svd_grad is the
    same linear map as TensorFlow's registered gradient, away from repeated singular values."""
    A, _, _ = problem
    rng = np.random.default_rng(A.size)
    A = tf.constant(A)
    with tf.GradientTape() as tape:
        tape.watch(A)
        s, U, V = tf.linalg.svd(A)
    gs, gU, gV = (tf.constant(rng.standard_normal(t.shape).astype(A.dtype.as_numpy_dtype))
                  for t in (s, U, V))
    expected = tape.gradient([s, U, V], A, output_gradients=[gs, gU, gV])
    actual = gradients.svd_grad(s, U, V, gs, gU, gV)
    close(actual.numpy(), expected.numpy(), 1e-10 if A.dtype == tf.float64 else 2e-4)


def test_none_means_zero():
    rng = np.random.default_rng(0)
    A = tf.constant(make_matrix(rng, (2,), 4, 3))
    s, U, V = tf.linalg.svd(A)
    zero = gradients.svd_grad(s, U, V)
    assert zero.shape == (2, 4, 3) and zero.dtype == tf.float64
    assert not np.any(zero.numpy())
    gs = tf.constant(rng.standard_normal((2, 3)))
    only_s = gradients.svd_grad(s, U, V, grad_s=gs)
    explicit = gradients.svd_grad(s, U, V, gs, tf.zeros_like(U), tf.zeros_like(V))
    np.testing.assert_allclose(only_s.numpy(), explicit.numpy(), atol=1e-14)
    # ∂(Σ gᵢσᵢ)/∂A = U diag(g) Vᵀ
    np.testing.assert_allclose(only_s.numpy(), helpers.reconstruct(gs, U, V).numpy(), atol=1e-13)


def test_upstream_lists_take_the_factor_dtype():
    s, U, V = tf.linalg.svd(tf.constant([[3.0, 0.0], [0.0, 1.0]]))
    g = gradients.svd_grad(s, U, V, grad_s=[1, 1])
    assert g.dtype == tf.float32
    np.testing.assert_allclose(g.numpy(), np.eye(2), atol=1e-6)


def test_svd_manual_forward_is_tf_svd():
    A = make_matrix(np.random.default_rng(1), (3,), 6, 4).astype(np.float32)
    for got, want in zip(gradients.svd_manual(A), tf.linalg.svd(A), strict=True):
        assert got.dtype == tf.float32
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_svd_manual_converts_integers_and_variables():
    s, U, V = gradients.svd_manual([[2, 0], [0, 1]])
    assert s.dtype == tf.float64
    X = tf.Variable([[2.0, 1.0], [0.0, 1.0], [1.0, 1.0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(gradients.svd_manual(X)[0])
    g = tape.gradient(loss, X)
    s, U, V = tf.linalg.svd(X)
    np.testing.assert_allclose(g.numpy(), tf.matmul(U, V, adjoint_b=True).numpy(), atol=1e-6)


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_svd_manual_inside_tf_function(dtype):
    rng = np.random.default_rng(2)
    w = {"Wm": rng.standard_normal((5, 5)), "Wn": rng.standard_normal((3, 3)),
         "W": rng.standard_normal((5, 3)), "w": rng.standard_normal(3)}

    def make(svd):
        @tf.function(input_signature=[tf.TensorSpec([None, 5, 3], dtype)])
        def grad(A):
            with tf.GradientTape() as tape:
                tape.watch(A)
                loss = loss_of_svd("mixed", *svd(A), w)
            return tape.gradient(loss, A)

        return grad

    A = tf.constant(make_matrix(rng, (2,), 5, 3), dtype)
    manual = make(gradients.svd_manual)(A)
    assert manual.dtype == dtype and manual.shape == (2, 5, 3)
    expected = make(tf.linalg.svd)(A)
    close(manual.numpy(), expected.numpy(), 1e-10 if dtype == tf.float64 else 2e-4)


# ---------------------------------------------------------------------------------------------
# gauge: flipping (u_i, v_i) together changes nothing for an invariant loss
# ---------------------------------------------------------------------------------------------
def test_sign_flips_leave_invariant_gradients_unchanged():
    rng = np.random.default_rng(3)
    w = {"Wm": rng.standard_normal((4, 4)), "Wn": rng.standard_normal((3, 3)),
         "W": rng.standard_normal((4, 3)), "w": rng.standard_normal(3)}
    s, U, V = tf.linalg.svd(tf.constant(make_matrix(rng, (), 4, 3)))
    signs = tf.constant([-1.0, 1.0, -1.0], tf.float64)
    results = []
    for U_, V_ in ((U, V), (U * signs, V * signs)):
        with tf.GradientTape() as tape:
            tape.watch([s, U_, V_])
            loss = loss_of_svd("mixed", s, U_, V_, w)
        results.append(gradients.svd_grad(s, U_, V_, *tape.gradient(loss, [s, U_, V_])))
    np.testing.assert_allclose(results[0].numpy(), results[1].numpy(), atol=1e-12)
    # a loss of the sign itself (Σ of u₁'s entries) gets opposite gradients: it has none
    ones = tf.ones_like(U)[:, :1]
    pad = tf.zeros_like(U)[:, 1:]
    g_plus = gradients.svd_grad(s, U, V, grad_U=tf.concat([ones, pad], axis=1))
    g_minus = gradients.svd_grad(s, U * signs, V * signs, grad_U=tf.concat([ones, pad], axis=1))
    np.testing.assert_allclose(g_plus.numpy(), -g_minus.numpy(), atol=1e-12)
    assert np.abs(g_plus.numpy()).max() > 0.1


# ---------------------------------------------------------------------------------------------
# the guarded cases
# ---------------------------------------------------------------------------------------------
def _cluster_projector_loss(W, lo, hi):
    def loss(X, svd=tf.linalg.svd):
        _, U, _ = svd(X)
        Uc = U[..., :, lo:hi]
        return tf.reduce_sum(W * tf.matmul(Uc, Uc, adjoint_b=True))

    return loss


def _grad(loss, A, svd):
    A = tf.constant(A)
    with tf.GradientTape() as tape:
        tape.watch(A)
        value = loss(A, svd)
    return tape.gradient(value, A).numpy()


@pytest.mark.parametrize("shape", [(5, 3), (3, 3)])
def test_repeated_singular_values_block_invariant_loss(shape):
    """σ = (2, 1, 1): the projector onto span(u₂, u₃) is smooth; its gradient is exact."""
    rng = np.random.default_rng(4)
    A = make_matrix(rng, (), *shape, sigma=[2.0, 1.0, 1.0])
    W = rng.standard_normal((shape[0], shape[0]))
    loss = _cluster_projector_loss(W + W.T, 1, 3)
    manual = _grad(loss, A, gradients.svd_manual)
    numeric = gradients.numerical_gradient(lambda X: loss(X), A).numpy()
    assert np.all(np.isfinite(manual))
    close(manual, numeric, 1e-6)


def test_identity_matrix_all_repeated():
    """Every σ equal: F is all zero, and svd_grad returns U diag(g) Vᵀ for Σ g_i σ_i (the loss of
    U Uᵀ adds nothing). With unequal g this is not a gradient of a function of A: the loss tells
    tied values apart and has a kink at the tie (test_a_function_of_s_that_tells_ties_apart_...);
    it is U diag(g) Vᵀ in the basis the SVD routine picked."""
    A = tf.eye(3, dtype=tf.float64)
    g = tf.constant([3.0, 2.0, 1.0], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(A)
        s, U, V = gradients.svd_manual(A)
        loss = tf.reduce_sum(g * s) + tf.reduce_sum(tf.matmul(U, U, adjoint_b=True))
    grad = tape.gradient(loss, A).numpy()
    np.testing.assert_allclose(grad, helpers.reconstruct(g, U, V).numpy(), atol=1e-12)


@given(st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_split_of_the_pair_term(k, seed):
    """F_ij (X_ij σ_j + σ_i Y_ij) = ½(X_ij + Y_ij)/(σ_j − σ_i) + ½(X_ij − Y_ij)/(σ_j + σ_i)
    for skew X, Y and distinct σ > 0 (the identity svd_grad evaluates); the first term is
    symmetric, the second skew-symmetric."""
    rng = np.random.default_rng(seed)
    s = 0.5 + np.cumsum(0.3 + rng.random(k))[::-1]
    X, Y = (M - M.T for M in rng.standard_normal((2, k, k)))
    si, sj = s[:, None], s[None, :]
    off = ~np.eye(k, dtype=bool)
    F = np.where(off, 1 / np.where(off, sj**2 - si**2, 1), 0)
    sym = np.where(off, 0.5 * (X + Y) / np.where(off, sj - si, 1), 0)
    skew = 0.5 * (X - Y) / (sj + si)
    np.testing.assert_allclose(F * (X * sj + si * Y), sym + skew, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(sym, sym.T, atol=1e-14)
    np.testing.assert_allclose(skew, -skew.T, atol=1e-14)


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_identity_matrix_tie_keeps_the_skew_part(dtype):
    """A = I₂, L = A₁₂ (true gradient E₁₂): at the exact tie only the symmetric part
    ½(E₁₂ + E₂₁) is lost (it is 0/0); svd_grad returns ½(E₁₂ − E₂₁), exact along the skew
    direction E₁₂ − E₂₁, where the guard on the whole pair returned 0."""
    A = tf.eye(2, dtype=dtype)
    with tf.GradientTape() as tape:
        tape.watch(A)
        loss = helpers.reconstruct(*gradients.svd_manual(A))[0, 1]
    grad = tape.gradient(loss, A).numpy()
    np.testing.assert_allclose(grad, [[0.0, 0.5], [-0.5, 0.0]], atol=1e-6)
    assert np.sum(grad * np.array([[0.0, 1.0], [-1.0, 0.0]])) == pytest.approx(1.0, abs=1e-6)
    assert np.sum(grad * np.array([[0.0, 1.0], [1.0, 0.0]])) == pytest.approx(0.0, abs=1e-6)


@st.composite
def tied_problems(draw):
    """A = Q diag(σ) Pᵀ with at least one repeated σ (σ >= 0.5), a loss of U diag(s) Vᵀ."""
    m = draw(st.integers(2, 5))
    n = draw(st.integers(2, 5))
    k = min(m, n)
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    levels = draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0]), min_size=k, max_size=k))
    levels[1] = levels[0]  # at least one tie
    sigma = np.sort(levels)[::-1]
    A = (_orthonormal(rng, m, k) * sigma) @ _orthonormal(rng, n, k).T
    kind = draw(st.sampled_from(["linear", "tanh"]))
    return A, rng.standard_normal((m, n)), kind, sigma


@given(tied_problems())
def test_losses_of_the_reconstruction_at_repeated_singular_values(problem):
    """L = f(U diag(s) Vᵀ) with ∂f/∂A = G, at repeated σ: svd_grad returns exactly
    G − Σ_{tied i≠j} ½(P_ij + P_ji) u_i v_jᵀ, P = UᵀGV (the symmetric part inside each block of
    tied σ, which is 0/0), and that lost part is not zero."""
    A, W, kind, sigma = problem
    A = tf.constant(A)
    with tf.GradientTape() as tape:
        tape.watch(A)
        s, U, V = gradients.svd_manual(A)
        R = helpers.reconstruct(s, U, V)
        loss = tf.reduce_sum(W * (R if kind == "linear" else tf.tanh(R)))
    grad = tape.gradient(loss, A).numpy()
    s, U, V = s.numpy(), U.numpy(), V.numpy()
    G = W if kind == "linear" else W * (1 - np.tanh(A.numpy()) ** 2)
    P = U.T @ G @ V
    tol = max(A.shape) * np.finfo(np.float64).eps * s.max()
    tied = (np.abs(s[:, None] - s[None, :]) <= tol) & ~np.eye(len(s), dtype=bool)
    # About 5% of exact ties come out of the SVD with a gap a little above tol (up to 2 tol):
    # svd_grad then divides rounding noise by the gap. Those examples are not this property's.
    assume(np.array_equal(tied, (sigma[:, None] == sigma[None, :]) & ~np.eye(len(s), dtype=bool)))
    lost = U @ (tied * 0.5 * (P + P.T)) @ V.T
    assert np.abs(lost).max() > 1e-3  # something is lost at every tie ...
    np.testing.assert_allclose(grad, G - lost, atol=1e-10)  # ... and nothing else


def test_float32_tiny_singular_values_do_not_underflow():
    """In float32, (σ_j − σ_i)(σ_j + σ_i) underflows to 0 for σ ~ 1e-25; svd_grad divides by
    the two factors separately, so the gradient at cA is still the one at A over c."""
    rng = np.random.default_rng(9)
    A = make_matrix(rng, (), 4, 3, sigma=[2.0, 1.5, 1.0]).astype(np.float32)
    W = rng.standard_normal((4, 4)).astype(np.float32)
    loss = _cluster_projector_loss(W + W.T, 0, 1)
    reference = _grad(loss, A, gradients.svd_manual)
    for c in (1e-25, 1e-30):
        assert np.float32(c) * np.float32(c) == 0  # the product of gap and sum would be 0
        grad = _grad(loss, np.float32(c) * A, gradients.svd_manual)
        assert np.all(np.isfinite(grad))
        close(grad * np.float32(c), reference, 1e-4)


def test_nearly_repeated_gradient_grows_like_one_over_gap():
    """A loss of u₂ alone near σ₂ = σ₃: the gradient is of size 1/gap, not cut off."""
    rng = np.random.default_rng(5)
    W = rng.standard_normal((4, 4))
    loss = _cluster_projector_loss(W + W.T, 1, 2)
    Q, P = _orthonormal(rng, 4, 3), _orthonormal(rng, 3, 3)
    norms = []
    for gap in (1e-6, 1e-9, 1e-12):
        A = (Q * [2.0, 1.0 + gap, 1.0]) @ P.T
        norms.append(np.linalg.norm(_grad(loss, A, gradients.svd_manual)) * gap)
    assert np.all(np.isfinite(norms))
    np.testing.assert_allclose(norms, norms[0], rtol=1e-2)  # |∇| · gap is constant


def test_gradient_scales_with_the_matrix():
    """Scale-free guards: ∇L(cA) = ∇L(A) / c for a scale-invariant loss, even at c = 1e-7
    (TensorFlow's absolute Lorentz broadening x / (x² + 1e-20) fails this)."""
    rng = np.random.default_rng(6)
    A = make_matrix(rng, (), 4, 3, sigma=[2.0, 1.5, 1.0])
    W = rng.standard_normal((4, 4))
    loss = _cluster_projector_loss(W + W.T, 0, 1)
    reference = _grad(loss, A, gradients.svd_manual)
    for c in (1e-3, 1e-7, 1e3):
        close(_grad(loss, c * A, gradients.svd_manual) * c, reference, 1e-8)


@pytest.mark.parametrize("transpose", [False, True])
def test_zero_singular_value_in_the_non_square_term(transpose):
    """Rank-deficient tall (or wide) A, loss <W, U diag(s) Vᵀ>: the result is finite and equals
    W minus the component (I − UUᵀ) W v₃ v₃ᵀ that no formula can recover."""
    rng = np.random.default_rng(7)
    A = make_matrix(rng, (), 5, 3, sigma=[2.0, 1.0, 0.0])
    W = rng.standard_normal((5, 3))
    if transpose:
        A, W = A.T, W.T
    A, W = tf.constant(A), tf.constant(W)
    with tf.GradientTape() as tape:
        tape.watch(A)
        s, U, V = gradients.svd_manual(A)
        loss = tf.reduce_sum(W * helpers.reconstruct(s, U, V))
    grad = tape.gradient(loss, A).numpy()
    assert np.all(np.isfinite(grad))
    U, V, W = U.numpy(), V.numpy(), W.numpy()
    if transpose:  # wide: the lost part is u₃ u₃ᵀ W (I − VVᵀ)
        lost = np.outer(U[:, 2], U[:, 2]) @ W @ (np.eye(5) - V @ V.T)
    else:
        lost = (np.eye(5) - U @ U.T) @ W @ np.outer(V[:, 2], V[:, 2])
    assert np.abs(lost).max() > 1e-3  # the example really loses something
    np.testing.assert_allclose(grad, W - lost, atol=1e-10)


def test_zero_matrix_gives_finite_gradient():
    A = tf.zeros((4, 2), tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(A)
        s, U, V = gradients.svd_manual(A)
        loss = tf.reduce_sum(s) + tf.reduce_sum(U[:, :1] * tf.transpose(U[:, :1]))
    assert np.all(np.isfinite(tape.gradient(loss, A).numpy()))


# ---------------------------------------------------------------------------------------------
# numerical_gradient
# ---------------------------------------------------------------------------------------------
def test_numerical_gradient_of_a_quadratic():
    A = np.arange(6.0).reshape(2, 3)
    g = gradients.numerical_gradient(lambda X: tf.reduce_sum(X**2) + X[0, 1] * X[1, 2], A)
    expected = 2 * A
    expected[0, 1] += A[1, 2]
    expected[1, 2] += A[0, 1]
    np.testing.assert_allclose(g.numpy(), expected, atol=1e-8)
    g = gradients.numerical_gradient(lambda X: tf.reduce_sum(X**3), A, h=1e-4)
    np.testing.assert_allclose(g.numpy(), 3 * A**2, atol=1e-6)


def test_numerical_gradient_step_scales_with_the_data():
    """A matrix of size 1e-6: the default step must be relative (a step of 6e-6 would be larger
    than the entries). ∂σ₁/∂A = u₁v₁ᵀ at every scale."""
    rng = np.random.default_rng(10)
    A = 1e-6 * make_matrix(rng, (), 4, 3)
    g = gradients.numerical_gradient(lambda X: tf.linalg.svd(X, compute_uv=False)[0], A)
    U, _, Vh = np.linalg.svd(A)
    np.testing.assert_allclose(g.numpy(), np.outer(U[:, 0], Vh[0]), atol=1e-7)
    big = gradients.numerical_gradient(lambda X: tf.reduce_sum(X**3), 1e6 * np.ones((1, 2)))
    np.testing.assert_allclose(big.numpy(), 3e12, rtol=1e-8)


def test_numerical_gradient_of_the_zero_matrix():
    """A = 0: the step falls back to eps^(1/3), and the result is finite."""
    g = gradients.numerical_gradient(lambda X: tf.reduce_sum(X**2 + X), np.zeros((2, 2)))
    np.testing.assert_allclose(g.numpy(), np.ones((2, 2)), atol=1e-8)


# ---------------------------------------------------------------------------------------------
# rejected inputs
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def triple():
    return tf.linalg.svd(tf.constant(make_matrix(np.random.default_rng(8), (), 4, 3)))


def test_svd_grad_rejects_bad_factors(triple):
    s, U, V = triple
    with pytest.raises(ValueError, match="s must have at least 1 dimension"):
        gradients.svd_grad(tf.constant(1.0, tf.float64), U, V)
    with pytest.raises(ValueError, match="U must have at least 2 dimension"):
        gradients.svd_grad(s, U[:, 0], V)
    with pytest.raises(TypeError, match="s, U and V must share one dtype"):
        gradients.svd_grad(tf.cast(s, tf.float32), U, V)
    with pytest.raises(TypeError, match="s must be real"):
        gradients.svd_grad(tf.cast(s, tf.complex128), U, V)
    with pytest.raises(TypeError, match="s must hold real numbers"):
        gradients.svd_grad(np.array([True, False, True]), U, V)
    with pytest.raises(ValueError, match="thin SVD"):
        s_f, U_f, V_f = tf.linalg.svd(U @ tf.linalg.diag(s) @ tf.transpose(V), full_matrices=True)
        gradients.svd_grad(s_f, U_f, V_f)
    with pytest.raises(ValueError, match="thin SVD"):
        gradients.svd_grad(s[:2], U[:, :2], V[:, :2])
    with pytest.raises(ValueError, match="same batch axes"):
        gradients.svd_grad(s[tf.newaxis], U, V)
    with pytest.raises(ValueError, match="non-negative"):
        gradients.svd_grad(-s, U, V)
    with pytest.raises(ValueError, match="NaN or Inf"):
        gradients.svd_grad(s, U + np.nan, V)


def test_svd_grad_rejects_complex_factors(triple):
    """Complex SVDs have a U(1) gauge and an imaginary-diagonal term: rejected, not mishandled."""
    s, U, V = triple
    with pytest.raises(TypeError, match="U must be real"):
        gradients.svd_grad(s, tf.cast(U, tf.complex128), V)
    with pytest.raises(TypeError, match="V must be real"):
        gradients.svd_grad(s, U, tf.cast(V, tf.complex128))
    with pytest.raises(TypeError, match="grad_U must be real"):
        gradients.svd_grad(s, U, V, grad_U=tf.cast(U, tf.complex128))
    with pytest.raises(TypeError, match="grad_s must be real"):
        gradients.svd_grad(s, U, V, grad_s=np.ones(3) * 1j)


def test_numerical_gradient_rejects_complex():
    with pytest.raises(TypeError, match="A must be real"):
        gradients.numerical_gradient(tf.reduce_sum, np.eye(2) * 1j)


def test_svd_grad_rejects_bad_upstream(triple):
    s, U, V = triple
    with pytest.raises(ValueError, match=r"grad_U must have the shape .*\(4, 3\)"):
        gradients.svd_grad(s, U, V, grad_U=tf.zeros((3, 4), tf.float64))
    with pytest.raises(ValueError, match="grad_s must have the shape"):
        gradients.svd_grad(s, U, V, grad_s=tf.zeros((2,), tf.float64))
    with pytest.raises(TypeError, match="grad_V must have the dtype of s, U and V"):
        gradients.svd_grad(s, U, V, grad_V=tf.zeros((3, 3), tf.float32))
    with pytest.raises(ValueError, match="grad_s must not contain NaN"):
        gradients.svd_grad(s, U, V, grad_s=[np.inf, 0.0, 0.0])


@pytest.mark.parametrize(
    "A, error, match",
    [
        ([1.0, 2.0], ValueError, "A must have at least 2 dimension"),
        (np.zeros((0, 3)), ValueError, "A must not have an empty dimension"),
        ([[1.0, np.nan], [0.0, 1.0]], ValueError, "A must not contain NaN or Inf"),
        (np.eye(2) * 1j, TypeError, "A must be real"),
        ([["a", "b"]], TypeError, "A must hold real numbers"),
        ([[True, False]], TypeError, "A must hold real numbers"),
    ],
)
def test_svd_manual_rejects(A, error, match):
    with pytest.raises(error, match=match):
        gradients.svd_manual(A)


def test_svd_manual_needs_a_known_matrix_size():
    @tf.function(input_signature=[tf.TensorSpec([3, None], tf.float32)])
    def f(A):
        return gradients.svd_manual(A)[0]

    with pytest.raises(ValueError, match="statically known last two dimensions"):
        f.get_concrete_function()


def test_numerical_gradient_rejects():
    with pytest.raises(TypeError, match="loss must be a callable"):
        gradients.numerical_gradient("sum", [[1.0]])
    for h in (0.0, -1e-3, True, float("nan")):
        with pytest.raises(error_for(h, float), match="h must be a"):
            gradients.numerical_gradient(tf.reduce_sum, [[1.0]], h=h)
    with pytest.raises(ValueError, match="loss must return a finite scalar"):
        gradients.numerical_gradient(lambda X: X, [[1.0, 2.0]])


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (3, 3)])
def test_block_projectors_taken_separately_are_exact_at_a_tie(shape):
    """σ = (2, 1, 1): L = ⟨W, U_b U_bᵀ⟩ + ⟨W', V_b V_bᵀ⟩ (block b = columns 2, 3) has X₂₃ = Y₂₃ = 0
    inside the block, so the guard drops nothing and the gradient is exact; the joint-rotation
    invariant ⟨G, A⟩ at the same tie is not (test_losses_of_the_reconstruction_...)."""
    rng = np.random.default_rng(7)
    A = tf.constant(make_matrix(rng, (), *shape, sigma=[2.0, 1.0, 1.0]))
    Wm, Wn = (M + M.T for M in (rng.standard_normal((shape[0],) * 2),
                                rng.standard_normal((shape[1],) * 2)))

    def loss(s, U, V):
        U_b, V_b = U[:, 1:3], V[:, 1:3]
        return (tf.reduce_sum(Wm * tf.matmul(U_b, U_b, adjoint_b=True))
                + tf.reduce_sum(Wn * tf.matmul(V_b, V_b, adjoint_b=True)))

    s, U, V = tf.linalg.svd(A)
    with tf.GradientTape() as tape:
        tape.watch([U, V])
        value = loss(s, U, V)
    gU, gV = tape.gradient(value, [U, V])
    X = tf.matmul(U, gU, adjoint_a=True) - tf.matmul(gU, U, adjoint_a=True)
    Y = tf.matmul(V, gV, adjoint_a=True) - tf.matmul(gV, V, adjoint_a=True)
    assert abs(float(X[1, 2])) < 1e-12 and abs(float(Y[1, 2])) < 1e-12
    with tf.GradientTape() as tape:
        tape.watch(A)
        value = loss(*gradients.svd_manual(A))
    manual = tape.gradient(value, A).numpy()
    numeric = gradients.numerical_gradient(lambda X_: loss(*tf.linalg.svd(X_)), A).numpy()
    close(manual, numeric, 1e-6)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (3, 3)])
def test_symmetric_functions_of_s_are_exact_at_a_tie(shape):
    """σ = (2, 1, 1): L = Σ_i f(σ_i) treats the tied σ alike, so it is smooth at the tie, and
    svd_grad's U diag(f'(s)) Vᵀ is its exact gradient."""
    rng = np.random.default_rng(11)
    A = tf.constant(make_matrix(rng, (), *shape, sigma=[2.0, 1.0, 1.0]))

    def loss(X, svd=tf.linalg.svd):
        s = svd(X)[0]
        return tf.reduce_sum(s**3 + tf.sqrt(s))

    manual = _grad(loss, A, gradients.svd_manual)
    numeric = gradients.numerical_gradient(loss, A).numpy()
    close(manual, numeric, 1e-7)


def test_a_function_of_s_that_tells_ties_apart_has_a_kink():
    """σ_2 alone at σ = (2, 1, 1): along D = Q diag(0, 1, −1) Pᵀ, σ_2(A + tD) = 1 + |t|, whose
    one-sided derivatives are +1 and −1: there is no gradient for svd_grad to return, which is
    why the module docstring promises exactness only for functions symmetric within each tie."""
    rng = np.random.default_rng(12)
    Q, P = _orthonormal(rng, 4, 3), _orthonormal(rng, 3, 3)
    A = (Q * [2.0, 1.0, 1.0]) @ P.T
    D = (Q * [0.0, 1.0, -1.0]) @ P.T

    def sigma_2(X):
        return float(tf.linalg.svd(tf.constant(X), compute_uv=False)[1])

    h = 1e-6
    right = (sigma_2(A + h * D) - sigma_2(A)) / h
    left = (sigma_2(A) - sigma_2(A - h * D)) / h
    np.testing.assert_allclose([right, left], [1.0, -1.0], atol=1e-6)


def test_frobenius_norm_is_exact_at_a_zero_singular_value():
    """Rank-deficient tall A (σ_3 = 0): ‖A‖_F² = Σ σ_i² has derivative 2σ_3 = 0 in σ_3, so the
    arbitrary u_3 does not enter, and svd_grad returns the exact gradient 2A."""
    rng = np.random.default_rng(13)
    A = tf.constant(make_matrix(rng, (), 5, 3, sigma=[2.0, 1.0, 0.0]))
    grad = _grad(lambda X, svd: tf.reduce_sum(svd(X)[0] ** 2), A, gradients.svd_manual)
    np.testing.assert_allclose(grad, 2 * A.numpy(), atol=1e-12)
