"""Tests for helpers.spectral: power iteration against the SVD, norms of convolutions against
explicit matrices, and Lipschitz upper bounds."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from helpers import spectral
from tests.unit.strategies import error_for


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
    with pytest.raises(error_for(iters), match="iters must be a positive integer"):
        spectral.power_iteration(np.eye(2), iters=iters)


def test_power_iteration_accepts_numpy_int_iters():
    sigma, _, _ = spectral.power_iteration(np.eye(2) * 3, iters=np.int64(2))
    np.testing.assert_allclose(float(sigma), 3.0)


@pytest.mark.parametrize("seed", [-1, 2**63, 1.0, True, None])
def test_power_iteration_rejects_bad_seed(seed):
    with pytest.raises(error_for(seed), match=r"seed must be an integer between 0 and 2\*\*63 - 1"):
        spectral.power_iteration(np.eye(2), seed=seed)


# ---------------------------------------------------------------------------------------------
# conv_norm_bound and conv_operator_norm
# ---------------------------------------------------------------------------------------------
def circular_conv_matrix(K, H, W):
    """The explicit (H·W·c_out, H·W·c_in) matrix of the circular convolution, built in NumPy."""
    kh, kw, c_in, c_out = K.shape
    M = np.zeros((H, W, c_out, H, W, c_in))
    for i in range(H):
        for j in range(W):
            for a in range(kh):
                for b in range(kw):
                    M[i, j, :, (i + a) % H, (j + b) % W, :] += K[a, b].T
    return M.reshape(H * W * c_out, H * W * c_in)


def layer_matrix(conv, shape):
    """The explicit matrix of a Keras convolution (no bias) on inputs of ``shape`` (h, w, c_in)."""
    n = int(np.prod(shape))
    basis = np.eye(n).reshape(n, *shape)
    return conv(basis).numpy().reshape(n, -1).T  # column i = conv(e_i)


@st.composite
def kernels(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**31 - 1))
    return np.random.default_rng(seed).standard_normal((kh, kw, c_in, c_out))


def test_circular_matrix_is_the_keras_convolution_with_periodic_padding():
    K = np.random.default_rng(0).standard_normal((3, 2, 2, 3))
    x = np.random.default_rng(1).standard_normal((5, 6, 2))
    conv = keras.layers.Conv2D(3, (3, 2), use_bias=False, dtype="float64")
    conv.build((None, 7, 7, 2))
    conv.set_weights([K])
    wrapped = np.concatenate([x, x[:2]], axis=0)  # rows 0..4, then 0, 1 again
    wrapped = np.concatenate([wrapped, wrapped[:, :1]], axis=1)
    y = conv(wrapped[None]).numpy()[0]  # "valid" on the wrapped image: (5, 6, 3)
    np.testing.assert_allclose(circular_conv_matrix(K, 5, 6) @ x.ravel(), y.ravel(), atol=1e-12)


@given(kernels(), st.integers(0, 2), st.integers(0, 2))
def test_operator_norm_equals_brute_force_and_sits_between_the_bounds(K, dh, dw):
    kh, kw, c_in, _ = K.shape
    H, W = kh + dh + 1, kw + dw  # grids from the kernel's size up
    exact = float(spectral.conv_operator_norm(K, (H, W)))
    brute = np.linalg.svd(circular_conv_matrix(K, H, W), compute_uv=False)[0]
    np.testing.assert_allclose(exact, brute, rtol=1e-10)
    assert spectral.conv_operator_norm(K, (H, W, c_in)).numpy() == exact
    sigma_mat = np.linalg.svd(K.reshape(-1, K.shape[-1]), compute_uv=False)[0]
    bound = float(spectral.conv_norm_bound(K))
    np.testing.assert_allclose(bound, np.sqrt(kh * kw) * sigma_mat, rtol=1e-12)
    assert sigma_mat <= exact * (1 + 1e-12)  # circular case: sigma_1(W_mat) is a lower bound
    assert exact <= bound * (1 + 1e-12)


def test_bound_exact_and_power_iteration_in_order():
    K = np.random.default_rng(3).standard_normal((3, 3, 2, 4))
    M = circular_conv_matrix(K, 6, 6)
    estimate = float(spectral.power_iteration(M, iters=3)[0])
    exact = float(spectral.conv_operator_norm(K, (6, 6)))
    bound = float(spectral.conv_norm_bound(K))
    assert estimate <= exact <= bound
    assert estimate < exact * (1 - 1e-6)  # three iterations have not converged: a strict gap
    assert exact < 0.9 * bound  # the bound is not tight for a random kernel


def test_bound_is_attained_by_a_constant_kernel_on_constant_images():
    K = np.ones((3, 3, 1, 1))  # a box filter: on a constant image it multiplies by 9 = 3 * 3
    np.testing.assert_allclose(float(spectral.conv_norm_bound(K)), 9.0, rtol=1e-12)
    np.testing.assert_allclose(float(spectral.conv_operator_norm(K, (5, 5))), 9.0, rtol=1e-12)


@pytest.mark.parametrize("strides", [1, 2])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("dilation", [1, 2])
def test_bound_holds_for_zero_padding_strides_and_dilation(strides, padding, dilation):
    if strides > 1 and dilation > 1:
        return  # Keras does not combine them
    conv = keras.layers.Conv2D(2, 3, strides=strides, padding=padding, dilation_rate=dilation,
                               use_bias=False, dtype="float64",
                               kernel_initializer=keras.initializers.GlorotUniform(seed=4))
    conv.build((None, 7, 7, 2))
    K = conv.kernel.numpy()
    norm = np.linalg.svd(layer_matrix(conv, (7, 7, 2)), compute_uv=False)[0]
    assert norm <= float(spectral.conv_norm_bound(K)) * (1 + 1e-12)
    if strides == 1 and dilation == 1:  # a restriction of the circular convolution on 9 x 9
        assert norm <= float(spectral.conv_operator_norm(K, (9, 9))) * (1 + 1e-12)


def test_conv_norms_batched_and_dtypes():
    K = np.random.default_rng(5).standard_normal((2, 3, 3, 3, 2, 2))
    bound = spectral.conv_norm_bound(K)
    exact = spectral.conv_operator_norm(K, (4, 5))
    assert bound.shape == exact.shape == (2, 3)
    assert bound.dtype == exact.dtype == tf.float64
    for i in range(2):
        for j in range(3):
            np.testing.assert_allclose(exact[i, j].numpy(),
                                       float(spectral.conv_operator_norm(K[i, j], (4, 5))),
                                       rtol=1e-12)
            np.testing.assert_allclose(bound[i, j].numpy(),
                                       float(spectral.conv_norm_bound(K[i, j])), rtol=1e-12)
    K32 = tf.constant(K[0, 0], tf.float32)
    assert spectral.conv_norm_bound(K32).dtype == tf.float32
    exact32 = spectral.conv_operator_norm(K32, (4, 5))
    assert exact32.dtype == tf.float32
    np.testing.assert_allclose(float(exact32), exact[0, 0].numpy(), rtol=1e-5)
    assert spectral.conv_norm_bound(np.ones((1, 1, 1, 1), np.int32)).dtype == tf.float64


@pytest.mark.parametrize(
    "bad, exc, words",
    [
        (np.ones((3, 3, 2)), ValueError, "kernel must have at least 4 dimension"),
        (np.ones((3, 0, 2, 2)), ValueError, "empty dimension"),
        (np.full((1, 1, 1, 1), np.nan), ValueError, "NaN or Inf"),
        (np.ones((1, 1, 1, 1), complex), TypeError, "complex"),
        (np.ones((1, 1, 1, 1), bool), TypeError, "real numbers"),
    ],
)
@pytest.mark.parametrize("fn", [spectral.conv_norm_bound,
                                lambda k: spectral.conv_operator_norm(k, (4, 4))])
def test_conv_norms_reject_bad_kernels(fn, bad, exc, words):
    with pytest.raises(exc, match=words):
        fn(bad)


@pytest.mark.parametrize(
    "shape, words",
    [
        ((8,), "input_shape must be \\(H, W\\) or \\(H, W, c_in\\)"),
        ((8, 8, 2, 1), "input_shape must be \\(H, W\\) or \\(H, W, c_in\\)"),
        (8, "input_shape must be \\(H, W\\) or \\(H, W, c_in\\)"),
        ("88", "input_shape must be \\(H, W\\) or \\(H, W, c_in\\)"),
        ((2, 8), "input_shape\\[0\\] \\(H\\) must be an integer between 3 and 1048576"),
        ((8.0, 8), "input_shape\\[0\\] \\(H\\) must be an integer between 3"),
        ((8, 1), "input_shape\\[1\\] \\(W\\) must be an integer between 2 and 1048576"),
        ((8, True), "input_shape\\[1\\] \\(W\\) must be an integer"),
        ((8, 8, 3), "input_shape\\[2\\] \\(c_in\\) must be an integer between 2 and 2"),
    ],
)
def test_conv_operator_norm_rejects_bad_input_shape(shape, words):
    wrong_type = isinstance(shape, tuple) and any(error_for(d) is TypeError for d in shape)
    with pytest.raises(TypeError if wrong_type else ValueError, match=words):
        spectral.conv_operator_norm(np.ones((3, 2, 2, 1)), shape)


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
        (keras.layers.Rescaling(2.0), "Rescaling\\) is not supported"),
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


def conv_model(*layers, shape=(8, 8, 2)):
    return keras.Sequential([keras.Input(shape), *layers])


def test_conv_model_bound_is_the_product_of_certified_factors_and_holds():
    keras.utils.set_random_seed(2)
    sn = keras.layers.SpectralNormalization(keras.layers.Conv2D(3, 3, padding="same",
                                                                name="c2"), name="sn")
    model = conv_model(keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu",
                                           name="c1"),
                       sn, keras.layers.Dropout(0.5, name="drop"),
                       keras.layers.Flatten(name="flat"), keras.layers.Reshape((48,), name="re"),
                       keras.layers.Dense(2, activation="tanh", name="head"))
    for _ in range(20):
        sn(tf.ones((1, 4, 4, 4)), training=True)  # normalise the reshaped kernel
    factors = [float(spectral.conv_norm_bound(model.layers[0].kernel)),
               float(spectral.conv_norm_bound(sn.layer.kernel)),
               np.linalg.svd(model.layers[-1].kernel.numpy(), compute_uv=False)[0]]
    assert factors[1] == pytest.approx(3.0, rel=1e-3)  # sqrt(3 * 3) * 1
    bound = spectral.lipschitz_upper_bound(model)
    assert bound == pytest.approx(np.prod(factors), rel=1e-6)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((2, 200, 8, 8, 2)).astype(np.float32)
    ratio = (np.linalg.norm(model(x).numpy() - model(y).numpy(), axis=1)
             / np.linalg.norm((x - y).reshape(200, -1), axis=1))
    assert 0 < ratio.max() <= bound


def test_conv_layer_factor_bounds_the_explicit_operator_norm():
    conv = keras.layers.Conv2D(3, 3, padding="same", use_bias=False, dtype="float64",
                               kernel_initializer=keras.initializers.GlorotUniform(seed=8),
                               name="conv")
    model = conv_model(conv, shape=(6, 6, 2))
    norm = np.linalg.svd(layer_matrix(conv, (6, 6, 2)), compute_uv=False)[0]
    bound = spectral.lipschitz_upper_bound(model)
    assert norm <= bound
    assert bound == pytest.approx(float(spectral.conv_norm_bound(conv.kernel)), rel=1e-12)


def test_dropout_flatten_reshape_have_factor_one():
    model = conv_model(keras.layers.Dropout(0.3), keras.layers.Flatten(),
                       keras.layers.Reshape((2, 64)), keras.layers.SpatialDropout1D(0.2))
    assert spectral.lipschitz_upper_bound(model) == 1.0


@pytest.mark.parametrize(
    "layer, words",
    [
        (keras.layers.Conv2D(4, 3, groups=2, name="g"), "'g', Conv2D\\) has groups=2; only"),
        (keras.layers.Conv2D(4, 3, activation="gelu"), "'gelu', which is not known"),
        (keras.layers.DepthwiseConv2D(3, name="dw"), "'dw', DepthwiseConv2D\\) is not supported"),
        (keras.layers.MaxPooling2D(name="pool"), "'pool', MaxPooling2D\\) is not supported"),
        (keras.layers.Conv2DTranspose(2, 3, name="t"), "'t', Conv2DTranspose\\) is not supported"),
    ],
)
def test_rejects_unsupported_conv_layers_and_names_them(layer, words):
    with pytest.raises(ValueError, match=words):
        spectral.lipschitz_upper_bound(conv_model(layer))


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
