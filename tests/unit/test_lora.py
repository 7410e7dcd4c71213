"""Tests for helpers.lora: update spectra, subspace similarity and PiSSA against NumPy; bad input."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from helpers import lora
from tests.unit.strategies import error_for, matrices, matrices_and_rank

# Keras's own quantization code converts tensors with np.array(x), which NumPy 2 flags.
KERAS_NUMPY2_WARNING = "ignore:__array__ implementation doesn't accept a copy:DeprecationWarning"
TOL = {np.float32: 2e-4, np.float64: 1e-9}


def tol(x):
    return TOL[np.asarray(x).dtype.type]


def orthonormal(rng, m, k, dtype=np.float64):
    Q, _ = np.linalg.qr(rng.standard_normal((m, k)))
    return Q.astype(dtype)


def built_dense(m, n, seed=0, **kwargs):
    layer = keras.layers.Dense(n, name="d", **kwargs)
    layer.build((None, m))
    layer.kernel.assign(np.random.default_rng(seed).standard_normal((m, n)).astype(np.float32))
    if layer.bias is not None:
        layer.bias.assign(np.linspace(-1, 1, n).astype(np.float32))
    return layer


# ---------------------------------------------------------------------------------------------
# update_spectrum
# ---------------------------------------------------------------------------------------------
@given(matrices(), st.integers(0, 2**31 - 1))
def test_update_spectrum_against_numpy(W_before, seed):
    W_after = W_before + np.random.default_rng(seed).standard_normal(W_before.shape).astype(
        W_before.dtype)
    s = lora.update_spectrum(W_before, W_after)
    expected = np.linalg.svd(W_after.astype(np.float64) - W_before, compute_uv=False)
    assert s.dtype == W_before.dtype and s.shape == expected.shape
    np.testing.assert_allclose(s.numpy(), expected, rtol=tol(W_before), atol=tol(W_before))
    assert np.all(np.diff(s.numpy(), axis=-1) <= 0)  # descending


def test_update_spectrum_of_a_rank_one_update():
    rng = np.random.default_rng(1)
    W = rng.standard_normal((6, 4))
    u, v = rng.standard_normal(6), rng.standard_normal(4)
    s = lora.update_spectrum(W, W + np.outer(u, v)).numpy()
    np.testing.assert_allclose(s[0], np.linalg.norm(u) * np.linalg.norm(v), rtol=1e-12)
    assert np.all(s[1:] < 1e-12)


def test_update_spectrum_rejects_bad_input():
    with pytest.raises(ValueError, match=r"same shape; got \(3, 2\) and \(2, 3\)"):
        lora.update_spectrum(np.zeros((3, 2)), np.zeros((2, 3)))
    with pytest.raises(TypeError, match="W_before and W_after must share one dtype"):
        lora.update_spectrum(np.zeros((3, 2), np.float32), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="W_before must have at least 2 dimension"):
        lora.update_spectrum(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="W_after must not contain NaN"):
        lora.update_spectrum(np.zeros((2, 2)), np.full((2, 2), np.nan))


# ---------------------------------------------------------------------------------------------
# subspace_similarity
# ---------------------------------------------------------------------------------------------
@st.composite
def two_bases(draw):
    m = draw(st.integers(1, 9))
    a, b = draw(st.integers(1, m)), draw(st.integers(1, m))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    i, j = draw(st.integers(1, a)), draw(st.integers(1, b))
    return orthonormal(rng, m, a, dtype), orthonormal(rng, m, b, dtype), i, j


@given(two_bases())
def test_subspace_similarity_against_numpy(bases):
    U_a, U_b, i, j = bases
    phi = lora.subspace_similarity(U_a, U_b, i, j)
    cross = U_a[:, :i].astype(np.float64).T @ U_b[:, :j]
    expected = np.sum(cross**2) / min(i, j)
    assert phi.shape == () and phi.dtype == U_a.dtype
    np.testing.assert_allclose(float(phi), expected, rtol=tol(U_a), atol=tol(U_a))
    assert -tol(U_a) <= float(phi) <= 1 + tol(U_a)
    # symmetric in the two bases, and the cosines of principal angles give the same number
    np.testing.assert_allclose(float(lora.subspace_similarity(U_b, U_a, j, i)), expected,
                               rtol=tol(U_a), atol=tol(U_a))
    cosines = np.linalg.svd(cross, compute_uv=False)
    np.testing.assert_allclose(np.sum(cosines**2) / min(i, j), expected, atol=tol(U_a))


def test_subspace_similarity_defaults_to_all_columns_and_is_basis_free():
    rng = np.random.default_rng(2)
    U = orthonormal(rng, 8, 3)
    R = orthonormal(rng, 3, 3)  # another orthonormal basis of the same span
    assert float(lora.subspace_similarity(U, U @ R)) == pytest.approx(1.0, abs=1e-12)
    V = orthonormal(rng, 8, 5)
    assert float(lora.subspace_similarity(U, V)) == pytest.approx(
        float(lora.subspace_similarity(U, V, 3, 5)), abs=1e-15)


def test_subspace_similarity_nested_orthogonal_and_batched():
    e = np.eye(5)
    assert float(lora.subspace_similarity(e[:, :3], e[:, [2, 0]], 3, 2)) == pytest.approx(1.0)
    assert float(lora.subspace_similarity(e[:, :2], e[:, 2:])) == pytest.approx(0.0)
    # half of the span: e1 against span(e1, e2) with i = 2, j = 1 counts min(i, j) = 1
    assert float(lora.subspace_similarity(e[:, [0, 3]], e[:, [0]])) == pytest.approx(1.0)
    assert float(lora.subspace_similarity(e[:, [0, 3]], e[:, [0, 1]])) == pytest.approx(0.5)
    batch = np.stack([e[:, :2], e[:, 2:4]])  # (2, 5, 2)
    np.testing.assert_allclose(lora.subspace_similarity(batch, e[:, :2]).numpy(), [1.0, 0.0])


def test_subspace_similarity_rejects_bad_input():
    rng = np.random.default_rng(3)
    U, V = orthonormal(rng, 6, 3), orthonormal(rng, 6, 2)
    with pytest.raises(ValueError, match=r"U_a must have orthonormal columns"):
        lora.subspace_similarity(2 * U, V)
    with pytest.raises(ValueError, match=r"U_b must have orthonormal columns"):
        lora.subspace_similarity(U, rng.standard_normal((6, 2)))
    for bad in (0, 4, True, 1.0):
        with pytest.raises(error_for(bad), match=r"i must be an integer between 1 and 3"):
            lora.subspace_similarity(U, V, i=bad)
    for bad in (0, 3):
        with pytest.raises(ValueError, match=r"j must be an integer between 1 and 2"):
            lora.subspace_similarity(U, V, j=bad)
    with pytest.raises(ValueError, match="same number of rows"):
        lora.subspace_similarity(U, orthonormal(rng, 5, 2))
    with pytest.raises(ValueError, match=r"batch axes of U_a \(.*\) and U_b \(.*\) do not broadcast"):
        lora.subspace_similarity(np.stack([U] * 2), np.stack([U] * 3))
    with pytest.raises(TypeError, match="U_a and U_b must share one dtype"):
        lora.subspace_similarity(U.astype(np.float32), V)


# ---------------------------------------------------------------------------------------------
# pissa_split
# ---------------------------------------------------------------------------------------------
@given(matrices_and_rank())
def test_pissa_split_against_numpy(W_and_rank):
    W, r = W_and_rank
    A, B, W_res = lora.pissa_split(W, r)
    m, n = W.shape[-2:]
    assert A.shape == (*W.shape[:-2], m, r) and B.shape == (*W.shape[:-2], r, n)
    assert A.dtype == B.dtype == W_res.dtype == W.dtype
    U, s, Vt = np.linalg.svd(W.astype(np.float64), full_matrices=False)
    best = (U[..., :r] * s[..., None, :r]) @ Vt[..., :r, :]  # Eckart-Young
    scale = max(1.0, float(s.max()))
    np.testing.assert_allclose((A @ B).numpy(), best, atol=tol(W) * scale)
    np.testing.assert_allclose((W_res + A @ B).numpy(), W, atol=tol(W) * scale)
    # A = U_r diag(sqrt s_r), B = diag(sqrt s_r) V_r^T: A^T A = B B^T = diag(s_r)
    AtA = np.swapaxes(A.numpy(), -1, -2) @ A.numpy()
    BBt = B.numpy() @ np.swapaxes(B.numpy(), -1, -2)
    diag = s[..., :r, None] * np.eye(r)
    np.testing.assert_allclose(AtA, diag, atol=tol(W) * scale)
    np.testing.assert_allclose(BBt, diag, atol=tol(W) * scale)
    res_norm = np.linalg.norm(W_res.numpy().astype(np.float64), 2, axis=(-2, -1))
    tail = s[..., r] if r < min(m, n) else np.zeros(s.shape[:-1])
    np.testing.assert_allclose(res_norm, tail, atol=tol(W) * scale)


def test_pissa_split_is_deterministic_in_sign():
    W = np.array([[0.0, -2.0], [-1.0, 0.0]])
    A, B, _ = lora.pissa_split(W, 1)
    # sigma_1 = 2 with u_1 = -e_1, v_1 = e_2 or u_1 = e_1, v_1 = -e_2: u_1's largest entry is positive
    np.testing.assert_allclose(A.numpy(), [[np.sqrt(2)], [0.0]], atol=1e-12)
    np.testing.assert_allclose(B.numpy(), [[0.0, -np.sqrt(2)]], atol=1e-12)


def test_pissa_split_rejects_bad_rank_and_input():
    for bad in (0, 3, True, 1.5, None):
        with pytest.raises(error_for(bad), match=r"rank must be an integer between 1 and 2 \(min\(m, n\)"):
            lora.pissa_split(np.ones((2, 5)), bad)
    with pytest.raises(ValueError, match="W must have at least 2 dimension"):
        lora.pissa_split(np.ones(4), 1)
    with pytest.raises(TypeError, match="W must be real"):
        lora.pissa_split(np.ones((2, 2), complex), 1)


# ---------------------------------------------------------------------------------------------
# apply_pissa
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("m", "n", "rank", "kwargs"), [
    (6, 4, 1, {}),
    (6, 4, 4, {"activation": "relu"}),
    (3, 7, 2, {"use_bias": False, "activation": "tanh"}),
    (16, 16, 5, {}),
])
def test_apply_pissa_keeps_the_outputs_and_trains_only_the_adapter(m, n, rank, kwargs):
    layer = built_dense(m, n, **kwargs)
    W = layer.kernel.numpy().astype(np.float64)
    x = np.random.default_rng(4).standard_normal((9, m)).astype(np.float32)
    before = layer(x).numpy()
    assert lora.apply_pissa(layer, rank) is layer
    np.testing.assert_allclose(layer(x).numpy(), before, atol=1e-5)
    assert [w.name for w in layer.trainable_weights] == ["lora_kernel_a", "lora_kernel_b"]
    assert layer.lora_enabled and layer.lora_rank == rank
    # the adapter holds the best rank-r approximation of W, the frozen kernel the rest
    U, s, Vt = np.linalg.svd(W)
    best = (U[:, :rank] * s[:rank]) @ Vt[:rank]
    adapter = layer.lora_kernel_a.numpy() @ layer.lora_kernel_b.numpy()
    np.testing.assert_allclose(adapter, best, atol=1e-5)
    np.testing.assert_allclose(layer._kernel.numpy(), W - best, atol=1e-5)


def test_apply_pissa_accounts_for_the_lora_scaling():
    layer = built_dense(8, 5)
    x = np.ones((2, 8), np.float32)
    before = layer(x).numpy()
    W = layer.kernel.numpy().astype(np.float64)
    enable = layer.enable_lora
    layer.enable_lora = lambda rank, **kw: enable(rank, lora_alpha=4 * rank, **kw)  # c = 4
    lora.apply_pissa(layer, 3)
    assert layer.lora_alpha / layer.lora_rank == 4
    np.testing.assert_allclose(layer(x).numpy(), before, atol=1e-5)
    U, s, Vt = np.linalg.svd(W)
    adapter = layer.lora_kernel_a.numpy() @ layer.lora_kernel_b.numpy()
    np.testing.assert_allclose(4 * adapter, (U[:, :3] * s[:3]) @ Vt[:3], atol=1e-5)


def test_apply_pissa_training_moves_only_the_adapter():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, name="d")], name="net")
    layer = model.get_layer("d")
    lora.apply_pissa(layer, 2)
    frozen = [layer._kernel.numpy(), layer.bias.numpy()]
    adapter = [layer.lora_kernel_a.numpy(), layer.lora_kernel_b.numpy()]
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    rng = np.random.default_rng(5)
    model.fit(rng.standard_normal((16, 6)), rng.standard_normal((16, 3)), epochs=2, verbose=0)
    np.testing.assert_array_equal(layer._kernel.numpy(), frozen[0])
    np.testing.assert_array_equal(layer.bias.numpy(), frozen[1])
    assert not np.allclose(layer.lora_kernel_a.numpy(), adapter[0])
    assert not np.allclose(layer.lora_kernel_b.numpy(), adapter[1])


def test_apply_pissa_draws_no_random_numbers():
    keras.utils.set_random_seed(0)
    expected = keras.random.uniform((3,)).numpy()
    layer = built_dense(5, 4)
    keras.utils.set_random_seed(0)
    lora.apply_pissa(layer, 2)
    np.testing.assert_array_equal(keras.random.uniform((3,)).numpy(), expected)


def test_apply_pissa_rejects_bad_rank():
    for bad in (0, 5, True, 2.0):
        with pytest.raises(error_for(bad), match=r"rank must be an integer between 1 and 4 \(min\(m, n\)"):
            lora.apply_pissa(built_dense(4, 6), bad)


def test_apply_pissa_rejects_layers_that_are_not_dense():
    for bad in (np.eye(3), "dense", None, tf.Variable(np.eye(2))):
        with pytest.raises(TypeError, match="layer must be a keras.layers.Dense layer"):
            lora.apply_pissa(bad, 1)
    conv = keras.layers.Conv1D(2, 3, name="conv")
    conv.build((None, 5, 1))
    with pytest.raises(TypeError, match="must be a keras.layers.Dense layer; got Conv1D"):
        lora.apply_pissa(conv, 1)


def test_apply_pissa_rejects_an_unbuilt_layer():
    with pytest.raises(ValueError, match="'lazy' is not built yet"):
        lora.apply_pissa(keras.layers.Dense(3, name="lazy"), 1)


def test_apply_pissa_rejects_a_layer_with_lora_already_enabled():
    layer = built_dense(4, 3)
    layer.enable_lora(2)
    with pytest.raises(ValueError, match="already has LoRA enabled"):
        lora.apply_pissa(layer, 1)


def test_apply_pissa_rejects_a_kernel_constraint():
    layer = built_dense(4, 3, kernel_constraint=keras.constraints.NonNeg())
    with pytest.raises(ValueError, match="kernel_constraint"):
        lora.apply_pissa(layer, 1)


@pytest.mark.filterwarnings(KERAS_NUMPY2_WARNING)
def test_apply_pissa_rejects_a_quantized_layer():
    layer = built_dense(8, 4)
    layer.quantize("int8")
    with pytest.raises(ValueError, match="quantized"):
        lora.apply_pissa(layer, 1)
