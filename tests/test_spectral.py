"""Tests for helpers.spectral: power iteration against the SVD, and Lipschitz upper bounds."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from helpers import spectral


def with_singular_values(s, m, n, seed=0, batch=()):
    """A (batch..., m, n) float64 matrix U diag(s) Vᵀ with random orthonormal U and V."""
    rng = np.random.default_rng(seed)
    k = len(s)
    U, _ = np.linalg.qr(rng.standard_normal((*batch, m, k)))
    V, _ = np.linalg.qr(rng.standard_normal((*batch, n, k)))
    return (U * np.asarray(s, dtype=np.float64)) @ np.swapaxes(V, -1, -2)


@st.composite
def matrices(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    batch = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    m = draw(st.integers(1, 6))
    n = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**31 - 1))
    return np.random.default_rng(seed).standard_normal((*batch, m, n)).astype(dtype)


# ---------------------------------------------------------------------------------------------
# power_iteration: accuracy
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(8, 8), (12, 7), (7, 12), (30, 20)])
@pytest.mark.parametrize("seed", [0, 1, 123])
def test_gap_half_float64_relative_error_below_1e6_after_30_iterations(shape, seed):
    m, n = shape
    k = min(m, n)
    s = np.concatenate([[1.0, 0.5], np.linspace(0.4, 0.05, k - 2)])  # sigma_2 / sigma_1 = 0.5
    W = with_singular_values(s, m, n, seed=seed)
    sigma, u, v = spectral.power_iteration(tf.constant(W), iters=30, seed=seed)
    s_tf, U_tf, V_tf = tf.linalg.svd(W)
    assert abs(float(sigma) - float(s_tf[0])) / float(s_tf[0]) < 1e-6
    # the vectors are the top singular vectors, up to a joint sign
    assert abs(float(tf.tensordot(u, U_tf[:, 0], 1))) > 1 - 1e-6
    assert abs(float(tf.tensordot(v, V_tf[:, 0], 1))) > 1 - 1e-6
    # a consistent pair: W v = sigma u, W^T u = sigma v
    np.testing.assert_allclose((W @ v.numpy()), float(sigma) * u.numpy(), atol=1e-12)
    np.testing.assert_allclose((W.T @ u.numpy()), float(sigma) * v.numpy(), atol=1e-6)


def test_error_shrinks_like_gap_to_the_power_4k():
    rho = 0.8
    W = with_singular_values([2.0, 2.0 * rho, 0.1, 0.05], 6, 5, seed=4)
    sigma1 = np.linalg.svd(W, compute_uv=False)[0]
    errs = np.array([sigma1 - float(spectral.power_iteration(W, iters=k)[0])
                     for k in range(4, 16)])
    assert np.all(errs >= -1e-14)  # sigma never exceeds sigma_1
    slope = np.polyfit(np.arange(4, 16), np.log(errs), 1)[0]
    np.testing.assert_allclose(slope, 4 * np.log(rho), rtol=0.05)


@given(matrices(), st.integers(1, 5))
def test_shapes_dtype_unit_vectors_and_lower_estimate(W, iters):
    sigma, u, v = spectral.power_iteration(W, iters=iters)
    batch, (m, n) = W.shape[:-2], W.shape[-2:]
    assert sigma.shape == batch
    assert u.shape == (*batch, m)
    assert v.shape == (*batch, n)
    assert sigma.dtype == u.dtype == v.dtype == tf.as_dtype(W.dtype)
    tol = 1e-4 if W.dtype == np.float32 else 1e-12
    s1 = np.linalg.svd(W.astype(np.float64), compute_uv=False)[..., 0]
    assert np.all(sigma.numpy() <= s1 * (1 + tol) + tol)  # an estimate from below
    assert np.all(sigma.numpy() >= 0)
    np.testing.assert_allclose(np.linalg.norm(u.numpy(), axis=-1), 1.0, atol=tol)
    np.testing.assert_allclose(np.linalg.norm(v.numpy(), axis=-1), 1.0, atol=tol)
    Wv = np.einsum("...ij,...j->...i", W.astype(np.float64), v.numpy())
    np.testing.assert_allclose(Wv, sigma.numpy()[..., None] * u.numpy(), atol=tol * 10)


@given(matrices())
def test_many_iterations_converge_to_svd(W):
    W = W.astype(np.float64)
    s = np.linalg.svd(W, compute_uv=False)
    if np.any(s[..., 0] < 1e-8) or (s.shape[-1] > 1 and np.any(s[..., 1] > 0.7 * s[..., 0])):
        return  # a tiny gap converges too slowly for a fixed budget
    sigma = spectral.power_iteration(W, iters=60)[0].numpy()  # 0.7^(4*60) < 1e-37
    np.testing.assert_allclose(sigma, s[..., 0], rtol=1e-10)


def test_batched_equals_one_by_one():
    W = with_singular_values([3.0, 1.0, 0.5], 5, 4, seed=7, batch=(2, 3))
    sigma, u, v = spectral.power_iteration(W, iters=60)
    assert sigma.shape == (2, 3) and u.shape == (2, 3, 5) and v.shape == (2, 3, 4)
    for i in range(2):
        for j in range(3):
            s1, _, _ = spectral.power_iteration(W[i, j], iters=60)
            np.testing.assert_allclose(float(s1), sigma[i, j].numpy(), rtol=1e-12)
    np.testing.assert_allclose(sigma.numpy(), 3.0, rtol=1e-12)


def test_seeded_and_deterministic_with_fixed_signs():
    W = np.random.default_rng(2).standard_normal((6, 4))
    a = spectral.power_iteration(W, iters=3, seed=5)
    b = spectral.power_iteration(W, iters=3, seed=5)
    c = spectral.power_iteration(W, iters=3, seed=6)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    assert float(a[0]) != float(c[0])  # another start vector, another 3-step estimate
    u = a[1].numpy()
    assert u[np.argmax(np.abs(u))] > 0  # the sign rule of helpers.normalize_signs


def test_known_matrix_and_integer_input():
    sigma, u, v = spectral.power_iteration([[2, 0], [0, 1]], iters=40)
    assert sigma.dtype == tf.float64
    np.testing.assert_allclose(float(sigma), 2.0, rtol=1e-14)
    np.testing.assert_allclose(np.abs(u.numpy()), [1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(np.abs(v.numpy()), [1.0, 0.0], atol=1e-12)


def test_float32_stays_float32():
    W = tf.constant(with_singular_values([4.0, 1.0], 3, 3, seed=1), tf.float32)
    sigma, u, v = spectral.power_iteration(W, iters=30)
    assert sigma.dtype == u.dtype == v.dtype == tf.float32
    np.testing.assert_allclose(float(sigma), 4.0, rtol=1e-5)


def test_zero_matrix_gives_zero():
    sigma, u, v = spectral.power_iteration(np.zeros((2, 3, 4)), iters=2)
    np.testing.assert_array_equal(sigma.numpy(), 0.0)
    np.testing.assert_array_equal(u.numpy(), 0.0)
    np.testing.assert_array_equal(v.numpy(), 0.0)


def test_works_inside_tf_function():
    f = tf.function(lambda W: spectral.power_iteration(W, iters=30)[0], autograph=False)
    W = with_singular_values([2.0, 1.0], 4, 3, seed=3, batch=(2,))
    np.testing.assert_allclose(f(tf.constant(W)).numpy(), [2.0, 2.0], rtol=1e-8)


@pytest.mark.parametrize(
    "bad, exc, words",
    [
        ([1.0, 2.0], ValueError, "W must have at least 2 dimension"),
        (3.0, ValueError, "W must have at least 2 dimension"),
        (np.zeros((0, 3)), ValueError, "empty dimension"),
        ([[1.0, np.nan]], ValueError, "NaN or Inf"),
        ([[np.inf, 1.0]], ValueError, "NaN or Inf"),
        ([[1j, 0.0]], TypeError, "complex"),
        ([[True, False]], TypeError, "real numbers"),
        ([["a"]], TypeError, "real numbers"),
    ],
)
def test_power_iteration_rejects_bad_matrices(bad, exc, words):
    with pytest.raises(exc, match=words):
        spectral.power_iteration(bad)


@pytest.mark.parametrize("iters", [0, -3, 1.5, 2.0, np.float64(3.0), True, False, "5", None,
                                   float("nan")])
def test_power_iteration_rejects_bad_iters(iters):
    with pytest.raises(ValueError, match="iters must be a positive integer"):
        spectral.power_iteration(np.eye(2), iters=iters)


def test_power_iteration_accepts_numpy_int_iters():
    sigma, _, _ = spectral.power_iteration(np.eye(2) * 3, iters=np.int64(2))
    np.testing.assert_allclose(float(sigma), 3.0)


@pytest.mark.parametrize("seed", [-1, 2**31, 1.0, True, None])
def test_power_iteration_rejects_bad_seed(seed):
    with pytest.raises(ValueError, match=r"seed must be an integer between 0 and 2147483647"):
        spectral.power_iteration(np.eye(2), seed=seed)


# ---------------------------------------------------------------------------------------------
# lipschitz_upper_bound
# ---------------------------------------------------------------------------------------------
def mlp(*layers, n_in):
    return keras.Sequential([keras.Input((n_in,)), *layers])


def test_bound_is_product_of_known_spectral_norms():
    K1 = np.array([[3.0, 0.0, 0.0], [0.0, 1.0, 0.0]])  # 2 -> 3, sigma_1 = 3
    K2 = np.array([[1.0, 1.0], [1.0, 1.0], [0.0, 0.5]])  # 3 -> 2, sigma_1 = 2 (rows 1, 2)
    K3 = np.array([[0.0], [-0.25]])  # 2 -> 1, sigma_1 = 0.25
    model = mlp(keras.layers.Dense(3, activation="relu", name="d1"),
                keras.layers.Dense(2, activation="tanh", name="d2"),
                keras.layers.Dense(1, name="d3"), n_in=2)
    for layer, K in zip(model.layers, [K1, K2, K3], strict=True):
        layer.set_weights([K, np.full(K.shape[1], 7.0)])  # biases do not matter
    expected = np.prod([np.linalg.svd(K, compute_uv=False)[0] for K in (K1, K2, K3)])
    assert spectral.lipschitz_upper_bound(model) == pytest.approx(expected, rel=1e-6)
    assert spectral.lipschitz_upper_bound(model) == pytest.approx(
        3.0 * np.linalg.svd(K2, compute_uv=False)[0] * 0.25, rel=1e-6)


def test_bound_is_tight_for_one_linear_layer_and_holds_on_random_pairs():
    keras.utils.set_random_seed(0)
    lin = mlp(keras.layers.Dense(4, use_bias=False, name="lin"), n_in=6)
    K = lin.layers[0].kernel.numpy()
    _, s, Vt = np.linalg.svd(K.T)
    assert spectral.lipschitz_upper_bound(lin) == pytest.approx(s[0], rel=1e-6)
    gain = np.linalg.norm(lin(Vt[:1].astype(np.float32)).numpy())  # ||f(v1) - f(0)|| / ||v1||
    assert gain == pytest.approx(s[0], rel=1e-5)

    model = mlp(keras.layers.Dense(16, activation="relu", name="a"),
                keras.layers.Dense(16, activation="sigmoid", name="b"),
                keras.layers.Dense(3, name="c"), n_in=5)
    bound = spectral.lipschitz_upper_bound(model)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 500, 5)).astype(np.float32)
    ratio = (np.linalg.norm(model(x).numpy() - model(y).numpy(), axis=1)
             / np.linalg.norm(x - y, axis=1))
    assert ratio.max() <= bound
    assert ratio.max() > 0


def test_spectral_normalization_and_activation_layers_are_handled():
    keras.utils.set_random_seed(1)
    sn = keras.layers.SpectralNormalization(keras.layers.Dense(8, name="inner"), name="sn")
    model = mlp(sn, keras.layers.Activation("relu", name="act"),
                keras.layers.ReLU(max_value=6.0, name="relu"),
                keras.layers.LeakyReLU(negative_slope=0.2, name="leaky"),
                keras.layers.Dense(2, name="out"), n_in=4)
    x = np.ones((1, 4), np.float32)
    for _ in range(40):  # training calls normalise the wrapped kernel in place
        sn(x, training=True)
    k_sn = np.linalg.svd(sn.layer.kernel.numpy(), compute_uv=False)[0]
    k_out = np.linalg.svd(model.layers[-1].kernel.numpy(), compute_uv=False)[0]
    assert k_sn == pytest.approx(1.0, abs=1e-3)
    assert spectral.lipschitz_upper_bound(model) == pytest.approx(k_sn * k_out, rel=1e-6)


def test_no_dense_layer_gives_one():
    assert spectral.lipschitz_upper_bound(mlp(keras.layers.Activation("tanh"), n_in=3)) == 1.0


@pytest.mark.parametrize(
    "layer, words",
    [
        (keras.layers.Dense(3, activation="gelu"), "'gelu', which is not known to be 1-Lipschitz"),
        (keras.layers.Dense(3, activation="selu"), "'selu'"),
        (keras.layers.Dense(3, activation=lambda t: 2 * t), "not known to be 1-Lipschitz"),
        (keras.layers.Activation("swish"), "not known to be 1-Lipschitz"),
        (keras.layers.Dropout(0.5), "Dropout\\) is not supported"),
        (keras.layers.BatchNormalization(), "BatchNormalization\\) is not supported"),
        (keras.layers.ReLU(threshold=1.0), "threshold 0"),
        (keras.layers.ReLU(negative_slope=2.0), "negative slope in \\[0, 1\\]"),
        (keras.layers.LeakyReLU(negative_slope=1.5), "negative_slope"),
    ],
)
def test_rejects_unsupported_layers(layer, words):
    model = mlp(keras.layers.Dense(4, name="first"), layer, n_in=3)
    with pytest.raises(ValueError, match=words):
        spectral.lipschitz_upper_bound(model)


def test_rejects_conv_model_and_names_the_layer():
    model = keras.Sequential([keras.Input((8, 8, 1)),
                              keras.layers.Conv2D(2, 3, name="conv"),
                              keras.layers.Flatten(name="flat"),
                              keras.layers.Dense(1, name="head")])
    with pytest.raises(ValueError, match="layer 0 \\('conv', Conv2D\\) is not supported"):
        spectral.lipschitz_upper_bound(model)


def test_rejects_spectral_normalization_of_a_convolution():
    model = keras.Sequential([keras.Input((5, 3)),
                              keras.layers.SpectralNormalization(keras.layers.Conv1D(2, 1),
                                                                 name="sn_conv")])
    with pytest.raises(ValueError, match="'sn_conv', SpectralNormalization\\) is not supported"):
        spectral.lipschitz_upper_bound(model)


def test_rejects_unbuilt_model():
    with pytest.raises(ValueError, match="not built"):
        spectral.lipschitz_upper_bound(keras.Sequential([keras.layers.Dense(2)]))


@pytest.mark.parametrize("make", [
    lambda: keras.Model(*(lambda i: (i, keras.layers.Dense(2)(i)))(keras.Input((3,)))),
    lambda: np.eye(2),
    lambda: keras.layers.Dense(2),
])
def test_rejects_non_sequential(make):
    with pytest.raises(TypeError, match="model must be a keras.Sequential"):
        spectral.lipschitz_upper_bound(make())
