"""Tests for helpers.nn: spectra against numpy.linalg.svd, low-rank layers, monitoring, bad input."""

import dataclasses
import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

import helpers
from helpers import nn
from tests.unit.strategies import error_for

# Keras's own saving and quantization code converts tensors with np.array(x), which NumPy 2 flags.
KERAS_NUMPY2_WARNING = "ignore:__array__ implementation doesn't accept a copy:DeprecationWarning"


def dense_model(kernels, activation=None, use_bias=True, name="net"):
    """A Sequential of Dense layers d0, d1, ... holding the given float32 kernels exactly."""
    layers = [keras.Input((kernels[0].shape[0],), name="x")]
    layers += [keras.layers.Dense(K.shape[1], activation=activation, use_bias=use_bias,
                                  name=f"d{i}") for i, K in enumerate(kernels)]
    model = keras.Sequential(layers, name=name)
    for i, K in enumerate(kernels):
        model.get_layer(f"d{i}").kernel.assign(K)
    return model


def numpy_stats(W, energy=0.9):
    W = np.asarray(W, np.float64)
    s = np.linalg.svd(W, compute_uv=False)
    frac = np.cumsum(s**2) / np.sum(s**2)
    return dict(sigma_max=s[0], sigma_min=s[-1], condition_number=s[0] / s[-1],
                stable_rank=np.sum(W**2) / s[0] ** 2,
                energy_rank=int(np.argmax(frac >= energy - 1e-12)) + 1, s=s)


def assert_record_matches(rec, W, energy=0.9):
    ref = numpy_stats(W, energy)
    assert rec.shape == W.shape
    np.testing.assert_allclose(rec.singular_values, ref["s"], rtol=1e-9, atol=1e-12)
    for key in ("sigma_max", "sigma_min", "condition_number", "stable_rank"):
        np.testing.assert_allclose(getattr(rec, key), ref[key], rtol=1e-8, err_msg=key)
    assert rec.energy_rank == ref["energy_rank"]
    assert isinstance(rec.energy_rank, int) and isinstance(rec.sigma_max, float)


# ---------------------------------------------------------------------------------------------
# layer_spectra
# ---------------------------------------------------------------------------------------------
def test_layer_spectra_dense_and_conv_against_numpy():
    rng = np.random.default_rng(0)
    conv_kernel = rng.standard_normal((3, 3, 2, 5)).astype(np.float32)
    dense_kernel = rng.standard_normal((5 * 5 * 5, 7)).astype(np.float32)
    model = keras.Sequential([
        keras.Input((7, 7, 2), name="image"),
        keras.layers.Conv2D(5, 3, name="conv"),
        keras.layers.ReLU(name="relu"),
        keras.layers.Flatten(name="flat"),
        keras.layers.Dense(7, name="dense"),
    ], name="cnn")
    model.get_layer("conv").kernel.assign(conv_kernel)
    model.get_layer("dense").kernel.assign(dense_kernel)
    records = nn.layer_spectra(model)
    assert [r.name for r in records] == ["conv", "dense"]
    assert [r.kind for r in records] == ["Conv2D", "Dense"]
    assert records[0].kernel_shape == (3, 3, 2, 5)
    assert records[0].shape == (18, 5)
    assert_record_matches(records[0], conv_kernel.reshape(18, 5))
    assert_record_matches(records[1], dense_kernel)


def test_layer_spectra_known_diagonal_kernel():
    model = dense_model([np.diag([4.0, 2.0, 1.0]).astype(np.float32)])
    (rec,) = nn.layer_spectra(model)
    assert rec.sigma_max == pytest.approx(4.0)
    assert rec.sigma_min == pytest.approx(1.0)
    assert rec.condition_number == pytest.approx(4.0)
    assert rec.stable_rank == pytest.approx(21 / 16)
    assert rec.energy_rank == 2  # 16/21 = 0.76 < 0.9 <= 20/21
    assert nn.layer_spectra(model, energy=0.7)[0].energy_rank == 1
    assert nn.layer_spectra(model, energy=1.0)[0].energy_rank == 3


@given(st.integers(1, 9), st.integers(1, 9), st.integers(0, 2**31 - 1),
       st.sampled_from([0.5, 0.9, 0.99]))
@settings(max_examples=10)
def test_layer_spectra_random_dense_kernels(m, n, seed, energy):
    W = np.random.default_rng(seed).standard_normal((m, n)).astype(np.float32)
    (rec,) = nn.layer_spectra(dense_model([W]), energy=energy)
    assert_record_matches(rec, W, energy)
    assert 1 - 1e-9 <= rec.stable_rank <= min(m, n) + 1e-9
    assert rec.energy == energy


def test_layer_spectra_conv1d_and_conv3d_reshape():
    model = keras.Sequential([
        keras.Input((6, 6, 6, 2)),
        keras.layers.Conv3D(3, 2, name="c3"),
        keras.layers.Reshape((5 * 5 * 5, 3), name="reshape"),
        keras.layers.Conv1D(4, 3, name="c1"),
    ])
    shapes = {r.name: (r.kernel_shape, r.shape) for r in nn.layer_spectra(model)}
    assert shapes == {"c3": ((2, 2, 2, 2, 3), (16, 3)), "c1": ((3, 3, 4), (9, 4))}
    K = model.get_layer("c1").kernel.numpy()
    assert_record_matches(nn.layer_spectra(model)[1], K.reshape(9, 4))


def test_layer_spectra_nested_models_and_functional():
    inner = dense_model([np.eye(3, dtype=np.float32) * 2], name="inner")
    inp = keras.Input((3,))
    out = keras.layers.Dense(2, name="head")(inner(inp))
    model = keras.Model(inp, out, name="outer")
    assert [r.name for r in nn.layer_spectra(model)] == ["d0", "head"]
    assert nn.layer_spectra(model)[0].condition_number == pytest.approx(1.0)


def test_layer_spectra_zero_kernel_and_singular_kernel():
    model = dense_model([np.zeros((3, 2), np.float32), np.ones((2, 2), np.float32)])
    zero, ones = nn.layer_spectra(model)
    assert zero.sigma_max == 0 and zero.stable_rank == 0 and zero.energy_rank == 0
    assert math.isinf(zero.condition_number)
    assert ones.sigma_max == pytest.approx(2.0)
    assert ones.sigma_min < 1e-6 and (math.isinf(ones.condition_number) or
                                      ones.condition_number > 1e6)
    assert ones.energy_rank == 1 and ones.stable_rank == pytest.approx(1.0)


@given(st.lists(st.floats(0.01, 10.0), min_size=1, max_size=12),
       st.sampled_from([0.5, 0.9, 0.99, 1.0]))
@settings(max_examples=25)
def test_energy_rank_is_at_least_energy_times_stable_rank(sigmas, energy):
    # r_E sigma_1^2 >= sum_{i <= r_E} sigma_i^2 >= E ||W||_F^2, so r_E >= E * stable rank
    s = np.sort(np.asarray(sigmas, np.float32))[::-1]
    (rec,) = nn.layer_spectra(dense_model([np.diag(s)]), energy=energy)
    assert 1 - 1e-9 <= rec.stable_rank <= len(s) + 1e-9
    assert energy * rec.stable_rank <= rec.energy_rank + 1e-9
    assert rec.energy_rank <= len(s)


@pytest.mark.parametrize("k", [1, 2, 3, 7, 10, 16, 32])
def test_flat_spectrum_stable_rank_exceeds_energy_rank(k):
    # k equal singular values: stable rank k, r90 = ceil(0.9 k) < k from k = 10 on, so the
    # tempting "stable rank <= r90" is false; r90 >= 0.9 * stable rank holds, with equality at 10
    (rec,) = nn.layer_spectra(dense_model([np.eye(k, dtype=np.float32)]))
    assert rec.stable_rank == pytest.approx(k)
    assert rec.energy_rank == math.ceil(round(0.9 * k, 9))
    assert rec.energy_rank >= 0.9 * rec.stable_rank - 1e-9
    if k >= 10:
        assert rec.stable_rank > rec.energy_rank


def conv_operator(layer, input_shape):
    """The dense matrix (inputs, outputs) of a built, bias-free Conv layer on one input shape."""
    size = int(np.prod(input_shape))
    basis = np.eye(size, dtype=np.float32).reshape(size, *input_shape)
    return layer(basis).numpy().reshape(size, -1).astype(np.float64)


def circular_operator(kernel, grid):
    """The dense matrix of the circular (periodic, stride 1) Conv2D with this kernel."""
    kh, kw, c_in, c_out = kernel.shape
    H, W = grid
    T = np.zeros((H, W, c_in, H, W, c_out))
    for i in range(H):
        for j in range(W):
            for a in range(kh):
                for b in range(kw):
                    T[(i + a) % H, (j + b) % W, :, i, j, :] += kernel[a, b]
    return T.reshape(H * W * c_in, H * W * c_out)


@pytest.mark.parametrize("padding, strides", [("valid", 1), ("same", 1), ("same", 2)])
def test_conv_sigma_max_bounds_the_layer_gain(padding, strides):
    # sigma_max(W_mat) <= ||conv||_2 <= sqrt(kh kw) sigma_max(W_mat), as layer_spectra documents
    rng = np.random.default_rng(7)
    kernel = rng.standard_normal((3, 3, 2, 4)).astype(np.float32)
    conv = keras.layers.Conv2D(4, 3, padding=padding, strides=strides, use_bias=False, name="c")
    conv.build((None, 6, 6, 2))
    conv.kernel.assign(kernel)
    (rec,) = nn.layer_spectra(keras.Sequential([keras.Input((6, 6, 2)), conv]))
    gain = np.linalg.norm(conv_operator(conv, (6, 6, 2)), 2)
    assert rec.sigma_max <= gain * (1 + 1e-6)
    assert gain <= 3 * rec.sigma_max * (1 + 1e-6)
    circular = np.linalg.norm(circular_operator(kernel.astype(np.float64), (5, 5)), 2)
    assert rec.sigma_max <= circular * (1 + 1e-9) <= 3 * rec.sigma_max * (1 + 1e-9)
    # here both lie strictly between the bounds (1.20 to 1.65 sigma_max): neither bound is the gain
    for exact in (gain, circular):
        assert 1.05 * rec.sigma_max < exact < 0.95 * 3 * rec.sigma_max


def test_layer_spectra_grouped_conv_is_block_diagonal():
    rng = np.random.default_rng(8)
    kernel = rng.standard_normal((3, 3, 2, 6)).astype(np.float32)  # c_in 4 in 2 groups of 2
    conv = keras.layers.Conv2D(6, 3, groups=2, use_bias=False, name="grouped")
    model = keras.Sequential([keras.Input((5, 5, 4)), conv])
    conv.kernel.assign(kernel)
    (rec,) = nn.layer_spectra(model)
    assert rec.kernel_shape == (3, 3, 2, 6) and rec.shape == (36, 6)
    blocks = [kernel[..., :3].reshape(18, 3), kernel[..., 3:].reshape(18, 3)]
    blocks = [B.astype(np.float64) for B in blocks]
    full = np.zeros((36, 6))
    full[:18, :3], full[18:, 3:] = blocks
    assert_record_matches(rec, full)
    s_blocks = np.concatenate([np.linalg.svd(B, compute_uv=False) for B in blocks])
    np.testing.assert_allclose(rec.singular_values, np.sort(s_blocks)[::-1], rtol=1e-9)
    # the ungrouped reading (18 x 6) would be a different matrix
    wrong = np.linalg.svd(kernel.reshape(18, 6).astype(np.float64), compute_uv=False)
    assert not np.allclose(rec.singular_values, wrong)
    gain = np.linalg.norm(conv_operator(conv, (5, 5, 4)), 2)
    assert rec.sigma_max <= gain * (1 + 1e-6) <= 3 * rec.sigma_max * (1 + 1e-6)


def test_layer_spectra_reads_wrapped_kernels():
    rng = np.random.default_rng(9)
    inner = keras.layers.Dense(3, name="inner")
    model = keras.Sequential([
        keras.Input((4, 5)),
        keras.layers.TimeDistributed(keras.layers.Dense(5, name="td_dense"), name="td"),
        keras.layers.Flatten(name="flat"),
        keras.layers.SpectralNormalization(inner, power_iterations=20, name="sn"),
    ], name="wrapped")
    inner.kernel.assign(5 * rng.standard_normal((20, 3)).astype(np.float32))
    model(rng.standard_normal((2, 4, 5)).astype(np.float32), training=True)  # normalises
    records = nn.layer_spectra(model)
    assert [(r.name, r.kind) for r in records] == [
        ("td_dense", "TimeDistributed(Dense)"), ("inner", "SpectralNormalization(Dense)")]
    assert_record_matches(records[0], model.get_layer("td").layer.kernel.numpy())
    assert_record_matches(records[1], inner.kernel.numpy())  # the kernel the layer applies
    assert records[1].sigma_max == pytest.approx(1.0, rel=1e-3)


@pytest.mark.parametrize("layer", [
    keras.layers.DepthwiseConv2D(3, name="odd"),
    keras.layers.Conv2DTranspose(2, 3, name="odd"),
    keras.layers.SeparableConv2D(2, 3, name="odd"),
])
def test_layer_spectra_rejects_unsupported_kernels(layer):
    model = keras.Sequential([keras.Input((6, 6, 2)), layer])
    with pytest.raises(ValueError, match=r"'odd' \(\w+\) holds a kernel .* cannot read"):
        nn.layer_spectra(model)


def test_layer_spectra_rejects_recurrent_kernels():
    model = keras.Sequential([keras.Input((4, 3)), keras.layers.LSTM(2, name="odd")])
    with pytest.raises(ValueError, match=r"'odd' \(LSTM\) holds a kernel"):
        nn.layer_spectra(model)


def test_layer_spectrum_record_is_a_frozen_dataclass():
    (rec,) = nn.layer_spectra(dense_model([np.eye(2, dtype=np.float32)]))
    d = dataclasses.asdict(rec)
    assert set(d) >= {"name", "shape", "sigma_max", "sigma_min", "condition_number",
                      "stable_rank", "energy_rank"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.sigma_max = 3.0
    assert "singular_values" not in repr(rec)


def test_layer_spectra_rejects():
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        nn.layer_spectra(keras.layers.Dense(3))
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        nn.layer_spectra(np.eye(3))
    unbuilt = keras.Sequential([keras.layers.Dense(3, name="lazy")])
    with pytest.raises(ValueError, match="'lazy' is not built"):
        nn.layer_spectra(unbuilt)
    no_kernel = keras.Sequential([keras.Input((3,)), keras.layers.ReLU()], name="bare")
    with pytest.raises(ValueError, match="no Dense or Conv layer"):
        nn.layer_spectra(no_kernel)
    model = dense_model([np.eye(2, dtype=np.float32)])
    for energy in (0, 1.5, -0.1, True, "0.9", float("nan")):
        with pytest.raises(error_for(energy, float), match="energy"):
            nn.layer_spectra(model, energy=energy)


# ---------------------------------------------------------------------------------------------
# format_spectra
# ---------------------------------------------------------------------------------------------
def test_format_spectra_table():
    model = dense_model([np.diag([3.0, 1.0]).astype(np.float32),
                         np.zeros((2, 4), np.float32)], name="two")
    table = nn.format_spectra(nn.layer_spectra(model), digits=2)
    lines = table.split("\n")
    assert len(lines) == 3
    assert lines[0].split()[:3] == ["layer", "type", "shape"] and lines[0].endswith("r90%")
    assert lines[1].split() == ["d0", "Dense", "2×2", "3.00", "1.00", "3.00", "1.11", "1"]
    assert lines[2].split() == ["d1", "Dense", "2×4", "0.00", "0.00", "inf", "0.00", "0"]
    assert len({len(line) for line in lines}) <= 2  # fixed-width columns (trailing space cut)
    assert nn.format_spectra(nn.layer_spectra(model), digits=2) == table
    assert "3.0 " in nn.format_spectra(nn.layer_spectra(model), digits=1)


@pytest.mark.parametrize("records", [[], None, "table", [1, 2]])
def test_format_spectra_rejects_records(records):
    with pytest.raises(TypeError, match="records"):
        nn.format_spectra(records)


@pytest.mark.parametrize("digits", [-1, 11, 2.0, True])
def test_format_spectra_rejects_digits(digits):
    recs = nn.layer_spectra(dense_model([np.eye(2, dtype=np.float32)]))
    with pytest.raises(error_for(digits), match="digits"):
        nn.format_spectra(recs, digits=digits)


# ---------------------------------------------------------------------------------------------
# factorize_dense and LowRankDense
# ---------------------------------------------------------------------------------------------
def built_dense(m, n, activation="tanh", use_bias=True, seed=0, name="dense"):
    layer = keras.layers.Dense(n, activation=activation, use_bias=use_bias, name=name)
    layer.build((None, m))
    rng = np.random.default_rng(seed)
    layer.kernel.assign(rng.standard_normal((m, n)).astype(np.float32))
    if use_bias:
        layer.bias.assign(rng.standard_normal(n).astype(np.float32))
    return layer


@pytest.mark.parametrize("m, n", [(6, 4), (4, 6), (5, 5), (1, 3)])
def test_factorize_dense_full_rank_is_exact(m, n):
    layer = built_dense(m, n)
    low = nn.factorize_dense(layer, min(m, n))
    x = np.random.default_rng(1).standard_normal((7, m)).astype(np.float32)
    np.testing.assert_allclose(low(x).numpy(), layer(x).numpy(), atol=1e-5)
    np.testing.assert_allclose(low.dense_kernel().numpy(), layer.kernel.numpy(), atol=1e-5)
    np.testing.assert_array_equal(low.bias.numpy(), layer.bias.numpy())
    assert low.activation is layer.activation
    assert low.name == f"dense_rank{min(m, n)}"


@given(st.integers(1, 8), st.integers(1, 8), st.data())
@settings(max_examples=10)
def test_factorize_dense_is_truncated_svd(m, n, data):
    r = data.draw(st.integers(1, min(m, n)))
    layer = built_dense(m, n, activation=None, seed=m * 10 + n)
    low = nn.factorize_dense(layer, r)
    W = layer.kernel.numpy().astype(np.float64)
    U, s, Vh = np.linalg.svd(W, full_matrices=False)
    if r < min(m, n) and s[r - 1] - s[r] < 1e-3:
        return  # W_r is unique only when sigma_r > sigma_{r+1}
    W_r = (U[:, :r] * s[:r]) @ Vh[:r]
    np.testing.assert_allclose(low.dense_kernel().numpy(), W_r, atol=2e-5 * max(1, s[0]))
    x = np.random.default_rng(2).standard_normal((3, m)).astype(np.float32)
    np.testing.assert_allclose(low(x).numpy(), x @ W_r + layer.bias.numpy(), atol=1e-4)
    # the two factors share the singular values evenly: A^T A = B B^T = diag(s_r)
    A, B = low.kernel_a.numpy(), low.kernel_b.numpy()
    np.testing.assert_allclose(A.T @ A, np.diag(s[:r]), atol=1e-4 * max(1, s[0]))
    np.testing.assert_allclose(B @ B.T, np.diag(s[:r]), atol=1e-4 * max(1, s[0]))


@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("r", [1, 3, 4])
def test_factorize_dense_parameter_count(use_bias, r):
    m, n = 9, 4
    low = nn.factorize_dense(built_dense(m, n, use_bias=use_bias), r)
    assert low.count_params() == r * (m + n) + (n if use_bias else 0)
    assert low.kernel_a.shape == (m, r) and low.kernel_b.shape == (r, n)
    assert (low.bias is None) == (not use_bias)


def test_factorize_dense_accepts_numpy_int_and_keeps_dtype_and_name():
    layer = built_dense(5, 3)
    low = nn.factorize_dense(layer, np.int64(2), name="small")
    assert low.rank == 2 and low.name == "small"
    assert low.kernel_a.dtype == layer.kernel.dtype == "float32"
    layer64 = keras.layers.Dense(3, dtype="float64", name="d64")
    layer64.build((None, 4))
    low64 = nn.factorize_dense(layer64, 3)
    assert low64.kernel_a.dtype == "float64"
    x = np.random.default_rng(0).standard_normal((2, 4))
    np.testing.assert_allclose(low64(x).numpy(), layer64(x).numpy(), atol=1e-12)


def test_factorize_dense_frozen_layer_stays_frozen():
    layer = built_dense(4, 3)
    layer.trainable = False
    assert not nn.factorize_dense(layer, 2).trainable


def test_factorized_layer_is_drop_in_replacement_in_a_model():
    rng = np.random.default_rng(3)
    model = dense_model([rng.standard_normal((6, 5)).astype(np.float32),
                         rng.standard_normal((5, 3)).astype(np.float32)], activation="relu")
    x = rng.standard_normal((4, 6)).astype(np.float32)
    copy = keras.Sequential([keras.Input((6,)), nn.factorize_dense(model.get_layer("d0"), 5),
                             model.get_layer("d1")])
    np.testing.assert_allclose(copy(x).numpy(), model(x).numpy(), atol=1e-4)


@pytest.mark.parametrize("rank", [0, -1, 4, 2.0, 1.5, "2", None, True, np.bool_(True)])
def test_factorize_dense_rejects_rank(rank):
    with pytest.raises(error_for(rank), match=r"rank must be an integer between 1 and 3 \(min\(m, n\)"):
        nn.factorize_dense(built_dense(5, 3), rank)


def test_factorize_dense_rejects_layers():
    conv = keras.layers.Conv2D(2, 3, name="conv")
    conv.build((None, 5, 5, 1))
    with pytest.raises(TypeError, match="must be a keras.layers.Dense layer; got Conv2D"):
        nn.factorize_dense(conv, 1)
    low = nn.factorize_dense(built_dense(4, 3), 2)
    with pytest.raises(TypeError, match="got LowRankDense"):
        nn.factorize_dense(low, 1)
    with pytest.raises(ValueError, match="not built yet"):
        nn.factorize_dense(keras.layers.Dense(3, name="lazy"), 1)
    for bad in (np.eye(3), "dense", None):
        with pytest.raises(TypeError, match="must be a keras.layers.Dense layer"):
            nn.factorize_dense(bad, 1)


@pytest.mark.filterwarnings(KERAS_NUMPY2_WARNING)
def test_quantized_layers_are_rejected():
    model = dense_model([np.ones((8, 4), np.float32)], name="q")
    model.get_layer("d0").quantize("int8")
    with pytest.raises(ValueError, match="quantized"):
        nn.factorize_dense(model.get_layer("d0"), 2)
    with pytest.raises(ValueError, match="quantized"):
        nn.layer_spectra(model)


def test_low_rank_dense_from_scratch_and_rejects():
    layer = nn.LowRankDense(4, rank=2, activation="relu", name="low")
    y = layer(np.ones((3, 5, 6), np.float32))  # leading batch axes, like Dense
    assert y.shape == (3, 5, 4)
    assert layer.count_params() == 2 * (6 + 4) + 4
    for bad in (0, -1, 2.5, True, "3"):
        with pytest.raises(error_for(bad), match="units must be a positive integer"):
            nn.LowRankDense(bad, rank=1)
        with pytest.raises(error_for(bad), match="rank must be a positive integer"):
            nn.LowRankDense(3, rank=bad)
    with pytest.raises(TypeError, match="use_bias"):
        nn.LowRankDense(3, rank=1, use_bias="yes")
    with pytest.raises(ValueError, match=r"rank must be an integer between 1 and 3 \(min\(m, n\)"):
        nn.LowRankDense(3, rank=4)(np.ones((1, 8), np.float32))
    with pytest.raises(ValueError, match="not built"):
        nn.LowRankDense(3, rank=1).dense_kernel()


@pytest.mark.parametrize("init, target", [
    ("glorot_uniform", 2 / (256 + 128)),
    (keras.initializers.GlorotNormal(seed=3), 2 / (256 + 128)),
    (keras.initializers.HeNormal(seed=4), 2 / 256),
])
def test_low_rank_dense_from_scratch_matches_dense_variance(init, target):
    # Var((A B)_ij) = r Var(A) Var(B) must equal the Dense kernel's variance for this initialiser.
    # Over seeds the ratio has mean 1 and standard deviation 0.026 at this shape (m, n, r =
    # 256, 128, 16), so +-0.2 is about 8 standard deviations; two plain Glorot factors give 0.31.
    keras.utils.set_random_seed(0)
    m, n, r = 256, 128, 16
    low = nn.LowRankDense(n, rank=r, kernel_initializer=init, name="low")
    low.build((None, m))
    dense = keras.layers.Dense(n, kernel_initializer=init, name="dense")
    dense.build((None, m))
    product = low.dense_kernel().numpy().astype(np.float64)
    assert abs(product.mean()) < 0.1 * np.sqrt(target)
    assert abs(product.var() / target - 1) < 0.2
    assert abs(product.var() / dense.kernel.numpy().var() - 1) < 0.2
    # the old initialisation (both factors drawn like a kernel of their own shape) fails this
    A = keras.initializers.get(init)((m, r)).numpy()
    B = keras.initializers.get(init)((r, n)).numpy()
    assert abs((A @ B).var() / target - 1) > 0.5


def test_low_rank_dense_factor_variances_are_balanced_and_seeded():
    layer = nn.LowRankDense(8, rank=4, kernel_initializer=keras.initializers.GlorotUniform(seed=5))
    layer.build((None, 32))
    a, b = layer.kernel_a.numpy(), layer.kernel_b.numpy()
    per_factor = np.sqrt(2 / (32 + 8) / 4)  # each factor: variance sqrt(target / r)
    assert np.max(np.abs(a)) <= np.sqrt(3 * per_factor) + 1e-6  # uniform on +-sqrt(3 var)
    assert np.max(np.abs(b)) <= np.sqrt(3 * per_factor) + 1e-6
    again = nn.LowRankDense(8, rank=4, kernel_initializer=keras.initializers.GlorotUniform(seed=5))
    again.build((None, 32))
    np.testing.assert_array_equal(again.kernel_a.numpy(), a)  # same seed, same factors
    assert not np.allclose(a[:4, :4], b[:, :4])  # A and B are not drawn from the same stream


def test_low_rank_dense_other_initializers_are_used_as_given():
    layer = nn.LowRankDense(3, rank=2, kernel_initializer=keras.initializers.Constant(0.5))
    layer.build((None, 4))
    np.testing.assert_array_equal(layer.kernel_a.numpy(), np.full((4, 2), 0.5, np.float32))
    np.testing.assert_array_equal(layer.kernel_b.numpy(), np.full((2, 3), 0.5, np.float32))


@pytest.mark.filterwarnings(KERAS_NUMPY2_WARNING)
def test_low_rank_dense_serialises(tmp_path):
    assert keras.saving.get_registered_name(nn.LowRankDense) == "helpers>LowRankDense"
    low = nn.factorize_dense(built_dense(6, 4, activation="relu"), 2)
    clone = nn.LowRankDense.from_config(low.get_config())
    assert (clone.units, clone.rank, clone.use_bias) == (4, 2, True)
    assert clone.activation is keras.activations.relu
    model = keras.Sequential([keras.Input((6,)), low], name="saved")
    path = tmp_path / "low.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.layers[0], nn.LowRankDense)
    x = np.random.default_rng(0).standard_normal((2, 6)).astype(np.float32)
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), atol=0)


# ---------------------------------------------------------------------------------------------
# factorize_model
# ---------------------------------------------------------------------------------------------
def test_factorize_model_copies_and_replaces():
    rng = np.random.default_rng(4)
    model = keras.Sequential([
        keras.Input((8,), name="x"),
        keras.layers.Dense(6, activation="relu", name="a"),
        keras.layers.BatchNormalization(name="bn"),
        keras.layers.Dense(3, name="b"),
    ], name="seq")
    model.get_layer("a").kernel.assign(rng.standard_normal((8, 6)).astype(np.float32))
    model.get_layer("bn").moving_variance.assign(rng.uniform(0.5, 2, 6).astype(np.float32))
    x = rng.standard_normal((5, 8)).astype(np.float32)
    full = nn.factorize_model(model, {"a": 6})
    assert full.name == "seq_lowrank"
    assert [layer.name for layer in full.layers] == ["a_rank6", "bn", "b"]
    np.testing.assert_allclose(full(x).numpy(), model(x).numpy(), atol=1e-4)
    both = nn.factorize_model(model, {"a": 2, "b": 1})
    assert both.count_params() == 2 * 14 + 6 + 4 * 6 + 1 * 9 + 3
    assert both.get_layer("bn") is not model.get_layer("bn")  # a copy, not shared
    both.get_layer("b_rank1").bias.assign(np.ones(3, np.float32))
    assert np.all(model.get_layer("b").bias.numpy() == 0)  # the original is untouched
    assert [r.name for r in nn.layer_spectra(both)] == ["a_rank2", "b_rank1"]
    assert nn.layer_spectra(both)[0].shape == (8, 6)


def test_factorize_model_functional():
    inp = keras.Input((5,))
    h = keras.layers.Dense(4, activation="tanh", name="h")(inp)
    out = keras.layers.Dense(2, name="o")(h)
    model = keras.Model(inp, out, name="fn")
    copy = nn.factorize_model(model, {"h": 4})
    x = np.random.default_rng(5).standard_normal((3, 5)).astype(np.float32)
    np.testing.assert_allclose(copy(x).numpy(), model(x).numpy(), atol=1e-5)


def test_factorize_model_rejects():
    model = dense_model([np.eye(3, dtype=np.float32)], name="m")
    with pytest.raises(TypeError, match="keras.Model"):
        nn.factorize_model(model.get_layer("d0"), {"d0": 1})
    for ranks in ({}, None, [("d0", 1)]):
        with pytest.raises(ValueError, match="non-empty dict"):
            nn.factorize_model(model, ranks)
    with pytest.raises(ValueError, match=r"\['nope'\].*Dense layers are \['d0'\]"):
        nn.factorize_model(model, {"nope": 1})
    with pytest.raises(ValueError, match="rank must be an integer between 1 and 3"):
        nn.factorize_model(model, {"d0": 4})

    class Sub(keras.Model):
        def __init__(self):
            super().__init__(name="sub")
            self.d = keras.layers.Dense(2, name="d")

        def call(self, x):
            return self.d(x)

    sub = Sub()
    sub(np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match="(not top-level Dense|subclassed)"):
        nn.factorize_model(sub, {"d": 1})


# ---------------------------------------------------------------------------------------------
# SpectralMonitor
# ---------------------------------------------------------------------------------------------
def test_spectral_monitor_records_every_epoch():
    tf.keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="h"),
                              keras.layers.Dense(2, name="out")], name="tiny")
    start = nn.layer_spectra(model)
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    x = np.random.default_rng(0).standard_normal((16, 4)).astype(np.float32)
    y = np.random.default_rng(1).standard_normal((16, 2)).astype(np.float32)
    monitor = nn.SpectralMonitor()
    model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[monitor])
    assert monitor.epochs == [0, 1, 2, 3]
    hist = monitor.history("sigma_max")
    assert list(hist) == ["h", "out"] and hist["h"].shape == (4,)
    assert hist["h"][0] == start[0].sigma_max
    assert hist["h"][-1] == nn.layer_spectra(model)[0].sigma_max
    assert not np.allclose(hist["h"][0], hist["h"][-1])  # the weights did move
    ranks = monitor.history("energy_rank")["out"]
    assert ranks.dtype == np.float64 and np.all((ranks >= 1) & (ranks <= 2))
    model.fit(x, y, epochs=5, initial_epoch=3, batch_size=16, verbose=0, callbacks=[monitor])
    assert monitor.epochs == [0, 1, 2, 3, 4, 5]  # epoch 0 is recorded once


def test_spectral_monitor_rejects():
    for energy in (0, 2, True):
        with pytest.raises(error_for(energy, float), match="energy"):
            nn.SpectralMonitor(energy=energy)
    monitor = nn.SpectralMonitor()
    with pytest.raises(ValueError, match="nothing recorded"):
        monitor.history()
    monitor.records.append([])
    with pytest.raises(ValueError, match="field must be one of"):
        monitor.history("singular_values")


def test_module_functions_use_tensorflow_conventions():
    """The factorisation goes through helpers.svd's (s, U, V) convention, with signs fixed."""
    layer = built_dense(4, 3, activation=None)
    a1 = nn.factorize_dense(layer, 2).kernel_a.numpy()
    a2 = nn.factorize_dense(layer, 2).kernel_a.numpy()
    np.testing.assert_array_equal(a1, a2)
    s, U, _ = helpers.normalize_signs(*helpers.svd(tf.cast(layer.kernel, tf.float64)))
    np.testing.assert_allclose(a1, (U[:, :2] * tf.sqrt(s[:2])).numpy(), atol=1e-6)
