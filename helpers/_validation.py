"""Input checks shared by every module of the package: the one place where arguments are checked.

The policy is scikit-learn's: an argument of the wrong **type** raises ``TypeError`` (a string, a
float or a bool where an integer is expected; a complex or boolean array), a value of the right
type that is **out of range** raises ``ValueError`` (a rank above k, a negative seed, NaN or Inf,
an empty dimension). The message names the argument, what it accepts and what it got.

Public functions check their inputs once, at the top, with the ``_check_*`` / ``as_*`` functions
here; internal paths whose data has been checked already call the unchecked functions of their
module (``images._mse_unchecked`` and so on) instead of checking it again.

Names start with an underscore because they are not part of the package's public interface;
:func:`as_float_tensor` is (``helpers.as_float_tensor``).
"""

import math
import numbers
import re

import numpy as np
import tensorflow as tf

#: Spectral weights understood by the energy functions: σ² (squared Frobenius) or σ (nuclear).
MEASURES = ("sigma2", "sigma")

#: One rule for every seed of the helpers: what a 64-bit stateless TensorFlow seed holds.
SEED_MAX = 2**63 - 1

#: Factor dtypes understood by :func:`helpers.storage.approx_nbytes`: bytes per stored entry.
FACTOR_DTYPES = {"float64": 8, "float32": 4, "float16": 2, "uint8": 1}


# ----------------------------------------------------------------------------------------------
# arrays
# ----------------------------------------------------------------------------------------------
def _check_finite(t, name):
    """``t`` if it holds no NaN or Inf, else ValueError; in a graph, an assertion op.

    One pass over the data in the usual case: the sum of the entries is finite only if every
    entry is (an Inf or a NaN makes the sum Inf or NaN). Only a sum that is not finite, because
    an entry is or because finite entries overflow it, is confirmed entry by entry.
    """
    message = f"{name} must not contain NaN or Inf entries"
    if not tf.executing_eagerly():
        return tf.debugging.assert_all_finite(t, message)
    if math.isfinite(float(tf.reduce_sum(t))):
        return t
    if not bool(tf.reduce_all(tf.math.is_finite(t))):
        raise ValueError(message)
    return t


def _check_finite_array(arr, name):
    """The same one-pass check on a NumPy float array, before it is copied into a tensor."""
    with np.errstate(all="ignore"):  # finite entries whose sum overflows are confirmed below
        total = np.add.reduce(arr, axis=None)
    if math.isfinite(float(total)) or np.isfinite(arr).all():
        return
    raise ValueError(f"{name} must not contain NaN or Inf entries")


def _native_float(arr):
    """A NumPy float array in native byte order, keeping 4- and 8-byte precision; float16 and
    other sizes become float32 (float16) or float64 (long double)."""
    size = arr.dtype.itemsize
    if size in (4, 8):
        return arr if arr.dtype.isnative else arr.astype(arr.dtype.newbyteorder("="))
    return arr.astype(np.float32 if size < 4 else np.float64)


def as_float_tensor(x, name="A", min_ndim=2):
    """Convert ``x`` to a float32 or float64 tensor, checking dtype, rank, emptiness and finiteness.

    float32 and float64 keep their dtype, in either byte order (a big-endian ``>f8`` array, as
    read from some files, is float64); float16/bfloat16 become float32; long double becomes
    float64; integers (signed or unsigned, any byte order) and Python numbers become float64.

    Args:
      x: tensor, NumPy array or nested list of real numbers, at least ``min_ndim`` dimensions.
      name: the argument's name, used in error messages.
      min_ndim: int, the smallest number of dimensions accepted.
    Returns:
      A ``tf.Tensor`` of dtype float32 or float64 and the same shape as ``x``.
    Raises:
      TypeError: complex, boolean, string or object entries.
      ValueError: fewer than ``min_ndim`` dimensions, an empty dimension, NaN or Inf, ragged lists.

    >>> as_float_tensor([[1, 2], [3, 4]]).dtype
    tf.float64
    >>> as_float_tensor(np.ones((2, 2), ">f8")).dtype
    tf.float64
    """
    t, check_finite = _as_float_tensor_deferred(x, name, min_ndim)
    return check_finite(t) if check_finite else t


def _as_float_tensor_deferred(x, name="A", min_ndim=2):
    """:func:`as_float_tensor` without its check for NaN and Inf: ``(t, check)``, where
    ``check(t)`` is that check (it returns t or raises its ValueError; in a graph it is an
    assertion op), or None for integer data, which cannot hold NaN or Inf.

    For a helper that learns more cheaply from its own first result whether the check is needed
    (:func:`helpers.randomized.randomized_svd`: a NaN or Inf in A makes its sketch A Ω NaN or Inf),
    and then runs ``check``. Every other check (dtype, dimensions, emptiness) is done here.
    """
    t, check_finite = _convert(x, name)
    shape = t.shape
    if shape.rank is None or shape.rank < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimension(s); got shape {tuple(shape)}"
        )
    if any(d == 0 for d in shape):
        raise ValueError(f"{name} must not have an empty dimension; got shape {tuple(shape)}")
    return t, check_finite


def _convert(x, name):
    """(float tensor, the check of its finiteness to run, or None for integer data) for any
    accepted input; TypeError for the others. A NumPy array is checked in NumPy, a tensor in
    TensorFlow: one pass over the data either way."""
    if isinstance(x, tf.Tensor | tf.Variable):
        dtype = x.dtype
        if dtype.is_complex:
            raise TypeError(f"{name} must be real; got complex dtype {dtype.name}")
        if dtype == tf.bool or dtype == tf.string or not (dtype.is_floating or dtype.is_integer):
            raise TypeError(f"{name} must hold real numbers; got dtype {dtype.name}")
        check = lambda t: _check_finite(t, name)  # noqa: E731
        if dtype in (tf.float32, tf.float64):
            return tf.convert_to_tensor(x), check
        if dtype.is_floating:
            return tf.cast(x, tf.float32), check
        return tf.cast(x, tf.float64), None
    try:
        arr = np.asarray(x)
    except ValueError as err:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers; {err}") from None
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(f"{name} must be real; got complex dtype {arr.dtype}")
    if kind not in "fiu":
        raise TypeError(f"{name} must hold real numbers (float or integer); got dtype {arr.dtype}")
    if kind == "f":
        arr = _native_float(arr)

        def check(t):
            if arr.size:
                _check_finite_array(arr, name)
            return t

        return tf.convert_to_tensor(arr), check
    return tf.convert_to_tensor(arr.astype(np.float64)), None


def _check_batch_axes(X, Y, what):
    """ValueError "<what> do not broadcast" unless the leading axes of two matrix stacks do."""
    try:
        np.broadcast_shapes(tuple(X.shape[:-2]), tuple(Y.shape[:-2]))
    except ValueError:
        raise ValueError(f"{what} do not broadcast") from None


def _check_svd_triple(s, U, V):
    """Validate a thin or full SVD triple and return it as tensors of one float dtype."""
    s = as_float_tensor(s, "s", min_ndim=1)
    U = as_float_tensor(U, "U", min_ndim=2)
    V = as_float_tensor(V, "V", min_ndim=2)
    if not (s.dtype == U.dtype == V.dtype):
        raise TypeError(
            f"s, U and V must share one dtype; got {s.dtype.name}, {U.dtype.name}, {V.dtype.name}"
        )
    k = s.shape[-1]
    if U.shape[-1] < k or V.shape[-1] < k:
        raise ValueError(
            f"U and V need at least k = {k} columns (the length of s); "
            f"got U {tuple(U.shape)} and V {tuple(V.shape)}"
        )
    batch = [tuple(s.shape[:-1]), tuple(U.shape[:-2]), tuple(V.shape[:-2])]
    try:
        np.broadcast_shapes(*batch)
    except ValueError:
        raise ValueError(
            f"the batch axes of s, U and V do not match: s {tuple(s.shape)}, "
            f"U {tuple(U.shape)}, V {tuple(V.shape)}"
        ) from None
    return s, U, V


def _check_singular_values(s, need_positive=True):
    """s (..., k) as a float tensor of non-negative values (and one positive, if asked)."""
    s = as_float_tensor(s, "s", min_ndim=1)
    if bool(tf.reduce_any(s < 0)):
        raise ValueError("s must hold singular values, which are non-negative")
    if need_positive and not bool(tf.reduce_any(s > 0)):
        raise ValueError("s must have at least one positive singular value (the matrix is zero)")
    return s


# ----------------------------------------------------------------------------------------------
# images
# ----------------------------------------------------------------------------------------------
def _as_images(x, name):
    """An image or stack of images as a float tensor in [0, 1]; uint8 is scaled by 1/255."""
    dtype = getattr(x, "dtype", None)
    if dtype is not None and (dtype == np.uint8 or dtype == tf.uint8):
        t = tf.cast(tf.convert_to_tensor(x), tf.float32) / 255.0
    else:
        t = as_float_tensor(x, name, min_ndim=2)
    lo, hi = float(tf.reduce_min(t)), float(tf.reduce_max(t))
    if lo < 0 or hi > 1:
        raise ValueError(f"{name} must hold values in [0, 1] (or be uint8); got values in "
                         f"[{lo:.4g}, {hi:.4g}]")
    return t


def _as_image(image, name="image"):
    """One (h, w) or (h, w, c) image as a float tensor in [0, 1]; uint8 is scaled by 1/255."""
    dtype = getattr(image, "dtype", None)
    if dtype is not None and (dtype == np.uint8 or dtype == tf.uint8):
        t = tf.convert_to_tensor(image)
    else:
        t = as_float_tensor(image, name, min_ndim=2)
    if t.shape.rank not in (2, 3):
        raise ValueError(f"{name} must have shape (h, w) or (h, w, c); got shape {tuple(t.shape)}")
    if any(d == 0 for d in t.shape):
        raise ValueError(f"{name} must not have an empty dimension; got shape {tuple(t.shape)}")
    return _as_images(t, name)


def _check_ranks(ranks, k, *, low=1):
    """A non-empty list of distinct ranks, each an integer between ``low`` and k (min(h, w)).

    ``low`` is the lowest rank allowed: 1 by default; 0 where rank 0, the all-zero image
    ``A_0 = 0``, is meaningful (the quality table and the report)."""
    what = "min(h, w) of the image" + ("; rank 0 is the all-zero image" if low == 0 else "")
    if isinstance(ranks, str | bytes) or not hasattr(ranks, "__iter__"):
        raise TypeError(f"ranks must be a non-empty list of integers between {low} and {k}; "
                        f"got {ranks!r}")
    out = [_check_int(r, "each rank", low, k, what) for r in ranks]
    if not out:
        raise ValueError(f"ranks must be a non-empty list of integers between {low} and {k}; "
                         f"got []")
    if len(set(out)) != len(out):
        raise ValueError(f"ranks must not repeat a rank; got {list(ranks)!r}")
    return out


_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def _check_prefix(prefix):
    """A file-name prefix of letters, digits, '_', '.' or '-', starting with a letter or digit."""
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a str; got {type(prefix).__name__}")
    if not _PREFIX.match(prefix):
        raise ValueError(f"prefix must be a non-empty file-name prefix of letters, digits, '_', "
                         f"'.' or '-' (starting with a letter or digit); got {prefix!r}")
    return prefix


# ----------------------------------------------------------------------------------------------
# scalars
# ----------------------------------------------------------------------------------------------
def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _check_int(value, name, low, high, what=""):
    """``value`` as a Python int if it is an integer in [low, high]: TypeError if it is not an
    integer (bools, floats and strings included), ValueError if it is out of range."""
    extra = f" ({what})" if what else ""
    message = f"{name} must be an integer between {low} and {high}{extra}; got {value!r}"
    if not _is_int(value):
        raise TypeError(message)
    if not low <= int(value) <= high:
        raise ValueError(message)
    return int(value)


def _check_positive_int(value, name):
    """``value`` as a Python int >= 1; TypeError for a non-integer, ValueError below 1."""
    message = f"{name} must be a positive integer; got {value!r}"
    if not _is_int(value):
        raise TypeError(message)
    if int(value) < 1:
        raise ValueError(message)
    return int(value)


def _check_nonneg_int(value, name):
    """``value`` as a Python int >= 0; TypeError for a non-integer, ValueError below 0."""
    message = f"{name} must be an integer >= 0; got {value!r}"
    if not _is_int(value):
        raise TypeError(message)
    if int(value) < 0:
        raise ValueError(message)
    return int(value)


def _check_seed(seed, name="seed"):
    """``seed`` as a Python int in [0, 2**63 - 1]; TypeError for a non-integer."""
    message = f"{name} must be an integer between 0 and 2**63 - 1; got {seed!r}"
    if not _is_int(seed):
        raise TypeError(message)
    if not 0 <= int(seed) <= SEED_MAX:
        raise ValueError(message)
    return int(seed)


def _check_real(value, name):
    """``value`` as a finite float; TypeError for a non-number (or bool), ValueError for NaN/Inf."""
    message = f"{name} must be a finite real number; got {value!r}"
    if not isinstance(value, numbers.Real) or isinstance(value, bool | np.bool_):
        raise TypeError(message)
    if not math.isfinite(float(value)):
        raise ValueError(message)
    return float(value)


def _check_bool(value, name):
    """``value`` as a Python bool; TypeError for anything else (0 and 1 included)."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def _check_measure(measure):
    """"sigma2" or "sigma"; TypeError for a non-string, ValueError for another string."""
    if measure not in MEASURES:
        error = ValueError if isinstance(measure, str) else TypeError
        raise error(f'measure must be "sigma2" or "sigma"; got {measure!r}')
    return measure


def _check_factor_dtype(dtype):
    """Return the name ("float64", "float32", "float16" or "uint8") of a factor dtype."""
    if isinstance(dtype, str):
        name = dtype  # the exact name: "float" or "f4" would be ambiguous to a reader
    elif isinstance(dtype, tf.DType):
        name = dtype.name
    elif isinstance(dtype, np.dtype) or (isinstance(dtype, type) and issubclass(dtype, np.generic)):
        name = np.dtype(dtype).name
    else:
        raise TypeError(
            f'dtype must be a dtype name or object ("float64", "float32", "float16" or "uint8"); '
            f"got {dtype!r}"
        )
    if name not in FACTOR_DTYPES:
        raise ValueError(
            f'dtype must be one of "float64", "float32", "float16" or "uint8" (8-bit quantized); '
            f"got {dtype!r}"
        )
    return name
