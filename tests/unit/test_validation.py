"""helpers._validation: the one input layer. Every dtype the docstrings promise (byte-swapped
included), the one-pass NaN/Inf check, and scikit-learn's policy (TypeError for a wrong type,
ValueError for a value out of range), checked on the layer and through public functions."""

import numpy as np
import pytest
import tensorflow as tf

import helpers
from helpers import _validation as v
from helpers import images, nn, pca, randomized

# ----------------------------------------------------------------------------------------------
# dtypes: float32 and float64 keep their precision in either byte order
# ----------------------------------------------------------------------------------------------
KEPT = {
    "float32": tf.float32, "<f4": tf.float32, ">f4": tf.float32,
    "float64": tf.float64, "<f8": tf.float64, ">f8": tf.float64,
    "float16": tf.float32, "<f2": tf.float32, ">f2": tf.float32,
    "longdouble": tf.float64,
    "int8": tf.float64, "int16": tf.float64, "int32": tf.float64, "int64": tf.float64,
    ">i2": tf.float64, ">i4": tf.float64, ">i8": tf.float64,
    "uint8": tf.float64, "uint16": tf.float64, "uint32": tf.float64, "uint64": tf.float64,
    ">u2": tf.float64, ">u4": tf.float64,
}


@pytest.mark.parametrize(("dtype", "expected"), KEPT.items(), ids=list(KEPT))
def test_every_numpy_dtype_and_byte_order(dtype, expected):
    x = np.array([[1, 2], [3, 4]]).astype(dtype)
    t = helpers.as_float_tensor(x)
    assert t.dtype == expected
    np.testing.assert_array_equal(t.numpy(), [[1, 2], [3, 4]])


def test_a_big_endian_float64_keeps_all_its_digits():
    x = np.array([[1.0, 1 + 2**-40], [3.0, np.pi]], ">f8")
    t = helpers.as_float_tensor(x)
    assert t.dtype == tf.float64
    assert t.numpy().tolist() == x.astype("<f8").tolist()  # bit for bit, not rounded to float32


@pytest.mark.parametrize("dtype", [">f8", "<f8", ">f4", "<f4"])
def test_pinv_of_a_byte_swapped_matrix_keeps_its_precision(dtype):
    A = np.array([[1.0, 2.0], [3.0, 4.0]]).astype(dtype)
    P = helpers.pinv(A)
    assert P.dtype == (tf.float64 if dtype.endswith("8") else tf.float32)
    tol = 1e-12 if dtype.endswith("8") else 1e-5
    np.testing.assert_allclose(P.numpy(), np.linalg.pinv(A.astype(np.float64)), atol=tol)


@pytest.mark.parametrize("dtype", [">f8", ">f4"])
def test_byte_swapped_input_to_lstsq_and_pca(dtype):
    A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]).astype(dtype)
    b = np.array([1.0, 1.0, 0.0]).astype(dtype)
    want = tf.float64 if dtype.endswith("8") else tf.float32
    assert helpers.lstsq(A, b).dtype == want
    assert pca.pca(A).components.dtype == want


TF_KEPT = {
    "float32": tf.float32, "float64": tf.float64, "float16": tf.float32, "bfloat16": tf.float32,
    "int32": tf.float64, "int64": tf.float64, "uint8": tf.float64, "int8": tf.float64,
}


@pytest.mark.parametrize(("dtype", "expected"), TF_KEPT.items(), ids=list(TF_KEPT))
def test_every_tensorflow_dtype(dtype, expected):
    t = helpers.as_float_tensor(tf.cast(tf.constant([[1, 2], [3, 4]]), dtype))
    assert t.dtype == expected
    np.testing.assert_array_equal(t.numpy(), [[1, 2], [3, 4]])


def test_python_numbers_and_variables():
    assert helpers.as_float_tensor([[1, 2], [3, 4]]).dtype == tf.float64
    assert helpers.as_float_tensor([[1.5, 2.0]]).dtype == tf.float64
    var = tf.Variable(tf.ones((2, 2), tf.float32))
    assert helpers.as_float_tensor(var).dtype == tf.float32


@pytest.mark.parametrize("x", [
    np.ones((2, 2), bool), np.ones((2, 2), np.complex64), np.ones((2, 2), ">c16"),
    np.array([["a", "b"]]), np.array([[object(), object()]]),
    tf.ones((2, 2), tf.bool), tf.complex(tf.ones((2, 2)), tf.ones((2, 2))),
    tf.constant([["a", "b"]]),
], ids=["bool", "complex64", "complex128-big-endian", "str", "object", "tf-bool", "tf-complex",
        "tf-string"])
def test_wrong_kinds_of_entries_are_a_type_error(x):
    with pytest.raises(TypeError, match="must"):
        helpers.as_float_tensor(x)


@pytest.mark.parametrize(("x", "match"), [
    (np.ones(3), r"at least 2 dimension\(s\); got shape \(3,\)"),
    (np.ones((0, 3)), "empty dimension"),
    ([[1.0, 2.0], [3.0]], "rectangular array"),
])
def test_wrong_shapes_are_a_value_error(x, match):
    with pytest.raises(ValueError, match=match):
        helpers.as_float_tensor(x)


# ----------------------------------------------------------------------------------------------
# the one-pass finiteness check
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("dtype", [">f8", "float64", "float32", "float16"])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_nan_and_inf_are_rejected(bad, dtype, as_tensor):
    x = np.ones((3, 4)).astype(dtype)
    x[1, 2] = bad
    if as_tensor:
        x = tf.constant(x.astype(x.dtype.newbyteorder("=")))
    with pytest.raises(ValueError, match="must not contain NaN or Inf"):
        helpers.as_float_tensor(x)


def test_inf_and_minus_inf_together_are_rejected():
    x = np.ones((2, 3), np.float32)
    x[0, 0], x[1, 1] = np.inf, -np.inf  # their sum is NaN, not Inf: still rejected
    with pytest.raises(ValueError, match="NaN or Inf"):
        helpers.as_float_tensor(x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_finite_values_whose_sum_overflows_are_accepted(dtype):
    big = np.finfo(dtype).max / 2
    x = np.full((4, 4), big, dtype)  # the sum is Inf, every entry finite
    t = helpers.as_float_tensor(x)
    assert t.dtype == tf.as_dtype(dtype) and bool(tf.reduce_all(tf.math.is_finite(t)))


def test_the_check_is_an_assertion_inside_a_graph():
    @tf.function
    def f(x):
        return helpers.as_float_tensor(x)

    np.testing.assert_array_equal(f(tf.ones((2, 2))).numpy(), np.ones((2, 2)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="NaN or Inf"):
        f(tf.constant([[1.0, np.nan]]))


# ----------------------------------------------------------------------------------------------
# scalars: TypeError for a wrong type, ValueError for a value out of range
# ----------------------------------------------------------------------------------------------
WRONG_TYPES = ["2", 2.0, True, np.bool_(True), None, [2]]


@pytest.mark.parametrize("value", WRONG_TYPES, ids=repr)
def test_check_int_type_error(value):
    with pytest.raises(TypeError, match=r"r must be an integer between 0 and 5"):
        v._check_int(value, "r", 0, 5)


@pytest.mark.parametrize("value", [-1, 6, np.int64(7)])
def test_check_int_value_error(value):
    with pytest.raises(ValueError, match=r"r must be an integer between 0 and 5 \(k\); got"):
        v._check_int(value, "r", 0, 5, "k")


def test_check_int_accepts_numpy_integers():
    assert v._check_int(np.int32(3), "r", 0, 5) == 3 and type(v._check_int(np.int64(3), "r", 0, 5)) is int


@pytest.mark.parametrize(("check", "low_bad", "ok"), [
    (v._check_positive_int, 0, 1), (v._check_nonneg_int, -1, 0), (v._check_seed, -1, 2**63 - 1),
])
def test_integer_checks(check, low_bad, ok):
    assert check(ok, "x") == ok
    with pytest.raises(ValueError, match="x must be"):
        check(low_bad, "x")
    for value in WRONG_TYPES:
        with pytest.raises(TypeError, match="x must be"):
            check(value, "x")


def test_seed_above_64_bits_is_a_value_error():
    with pytest.raises(ValueError, match=r"seed must be an integer between 0 and 2\*\*63 - 1"):
        v._check_seed(2**63)


@pytest.mark.parametrize("value", ["1", True, None, 1j])
def test_check_real_type_error(value):
    with pytest.raises(TypeError, match="tol must be a finite real number"):
        v._check_real(value, "tol")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -np.inf])
def test_check_real_value_error(value):
    with pytest.raises(ValueError, match="tol must be a finite real number"):
        v._check_real(value, "tol")


@pytest.mark.parametrize("value", [0, 1, "True", None])
def test_check_bool_type_error(value):
    with pytest.raises(TypeError, match="flag must be True or False"):
        v._check_bool(value, "flag")


def test_check_bool_accepts_numpy_bools():
    assert v._check_bool(np.bool_(True), "flag") is True


def test_check_measure():
    with pytest.raises(ValueError, match='measure must be "sigma2" or "sigma"'):
        v._check_measure("sigma3")
    with pytest.raises(TypeError, match='measure must be "sigma2" or "sigma"'):
        v._check_measure(2)


@pytest.mark.parametrize(("dtype", "error"), [("f4", ValueError), ("int8", ValueError),
                                              (4, TypeError), (None, TypeError)])
def test_check_factor_dtype(dtype, error):
    with pytest.raises(error, match="dtype must be"):
        v._check_factor_dtype(dtype)


def test_check_ranks_default_lowest_rank_is_one():
    assert v._check_ranks([1, 5, np.int64(9)], 9) == [1, 5, 9]
    with pytest.raises(ValueError, match="between 1 and 9"):
        v._check_ranks([0, 3], 9)


def test_check_ranks_low_zero_accepts_the_all_zero_image():
    assert v._check_ranks((0, 4), 9, low=0) == [0, 4]
    with pytest.raises(ValueError, match="between 0 and 9.*rank 0 is the all-zero image"):
        v._check_ranks([-1], 9, low=0)


@pytest.mark.parametrize(("ranks", "error", "match"), [
    ([], ValueError, "non-empty list of integers between 0 and 9; got"),
    ([10], ValueError, "between 0 and 9"), ([2, 2], ValueError, "must not repeat"),
    ("3", TypeError, "non-empty list"), (3, TypeError, "non-empty list"),
    ([1.0], TypeError, "between 0 and 9"), ([False], TypeError, "between 0 and 9")])
def test_check_ranks_rejects(ranks, error, match):
    with pytest.raises(error, match=match):
        v._check_ranks(ranks, 9, low=0)


# ----------------------------------------------------------------------------------------------
# the policy through public functions: one mistake, one exception type, everywhere
# ----------------------------------------------------------------------------------------------
def _svd():
    return helpers.svd(np.diag([3.0, 2.0, 1.0]))


@pytest.mark.parametrize(("call", "error"), [
    (lambda: helpers.rank_r_approx(*_svd(), "2"), TypeError),
    (lambda: helpers.rank_r_approx(*_svd(), 2.0), TypeError),
    (lambda: helpers.rank_r_approx(*_svd(), True), TypeError),
    (lambda: helpers.rank_r_approx(*_svd(), 4), ValueError),
    (lambda: helpers.approx_size(10, 10, "3"), TypeError),
    (lambda: helpers.approx_size(0, 10, 0), ValueError),
    (lambda: helpers.rank_for_factor(10, 10, "0.5"), TypeError),
    (lambda: helpers.rank_for_factor(10, 10, -0.5), ValueError),
    (lambda: helpers.svd(np.eye(2), full_matrices=1), TypeError),
    (lambda: images.load_image(grayscale=1), TypeError),
    (lambda: images.quality_table(images.ImageSVD(np.eye(4)), [1], with_ssim=1), TypeError),
    (lambda: images.quality_table(images.ImageSVD(np.eye(4)), 2), TypeError),
    (lambda: images.quality_table(images.ImageSVD(np.eye(4)), [5]), ValueError),
    (lambda: nn.LowRankDense(True, rank=1), TypeError),
    (lambda: nn.LowRankDense(3, rank=0), ValueError),
    (lambda: nn.LowRankDense(3, rank=1, use_bias=1), TypeError),
    (lambda: randomized.randomized_svd(np.eye(4), 2, oversample=1.5), TypeError),
    (lambda: randomized.randomized_svd(np.eye(4), 2, oversample=-1), ValueError),
    (lambda: randomized.randomized_svd(np.eye(4), 2, seed=-1), ValueError),
    (lambda: helpers.setup_notebook("0"), TypeError),
    (lambda: helpers.setup_notebook(-1), ValueError),
    (lambda: pca.pca(np.ones((3, 2)), center=1), TypeError),
], ids=lambda x: "" if callable(x) else x.__name__)
def test_wrong_type_is_type_error_and_out_of_range_is_value_error(call, error):
    with pytest.raises(error):
        call()


# ----------------------------------------------------------------------------------------------
# checked once: quality_table does not check the image again for every metric
# ----------------------------------------------------------------------------------------------
def test_quality_table_checks_the_image_once(monkeypatch):
    isvd = images.ImageSVD(images.load_image(grayscale=True)[100:180, 200:300])
    calls = []
    real = images._as_images
    monkeypatch.setattr(images, "_as_images", lambda *a: calls.append(a) or real(*a))
    rows = images.quality_table(isvd, [5, 20, 50], with_ssim=True)
    assert [r["rank"] for r in rows] == [5, 20, 50] and calls == []
    # and the numbers are those of the checked metrics
    for row in rows:
        approx = isvd.approx(row["rank"])
        assert row["mse"] == pytest.approx(float(images.mse(isvd.image, approx)), rel=1e-12)
        assert row["psnr_db"] == pytest.approx(float(images.psnr(isvd.image, approx)), rel=1e-6)
        assert row["ssim"] == pytest.approx(float(images.ssim(isvd.image, approx)), rel=1e-6)


def test_the_stored_fraction_has_one_name_and_two_aliases():
    isvd = images.ImageSVD(np.zeros((10, 16, 3)))
    for r in (0, 1, 5, 10):
        assert isvd.proportion(r) == isvd.compression_factor(r) == helpers.compression_factor(10, 16, r)
    row = images.quality_table(images.ImageSVD(np.eye(12) * 0.5), [3])[0]
    assert row["stored_fraction"] == helpers.compression_factor(12, 12, 3)
