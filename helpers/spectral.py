"""The spectral norm ‖W‖₂ = σ₁(W): power iteration, convolutions, and Lipschitz bounds.

* :func:`power_iteration` estimates σ₁ and its singular vectors with matrix–vector products
  only, batched over leading axes — the method behind ``keras.layers.SpectralNormalization``.
  Its estimate never exceeds σ₁: it is a lower bound, never a guarantee.
* :func:`conv_norm_bound` is a certified upper bound on the operator norm of a Conv2D layer,
  √(kh·kw)·σ₁(W_mat) with W_mat the kernel reshaped to (kh·kw·c_in, c_out).
* :func:`conv_operator_norm` is the exact operator norm of the circular (periodic, stride 1)
  convolution on an H × W grid, by the 2-D FFT of the kernel.
* :func:`lipschitz_upper_bound` multiplies exact spectral norms (Dense) and certified bounds
  (Conv2D) along a ``keras.Sequential`` model with 1-Lipschitz activations.

Notebook 06 explains them.
"""

import keras
import numpy as np
import tensorflow as tf

from ._keras import _float64_kernel, _unwrap
from ._validation import _check_int, _check_positive_int, _check_seed, as_float_tensor
from .linalg import normalize_signs

# Activations accepted by lipschitz_upper_bound: every one has a derivative of absolute value
# at most 1 wherever it exists (and is continuous), so it is 1-Lipschitz.
# (gelu, silu/swish, selu, mish, exponential ... are not, and are rejected.)
ONE_LIPSCHITZ_ACTIVATIONS = (
    "linear",
    "relu",
    "relu6",
    "leaky_relu",
    "elu",
    "tanh",
    "sigmoid",
    "hard_sigmoid",
    "hard_tanh",
    "softplus",
    "softsign",
)


def _unit(x):
    """Scale the last axis of ``x`` to unit length; a zero vector stays zero."""
    return tf.math.divide_no_nan(x, tf.norm(x, axis=-1, keepdims=True))


def power_iteration(W, iters=20, seed=0):
    """Estimate the largest singular value σ₁ of W and its singular vectors by power iteration.

    Starting from a seeded random unit vector v (``tf.random.stateless_normal``), each iteration
    applies W and then Wᵀ: ``u ← Wv / ‖Wv‖``, ``v ← Wᵀu / ‖Wᵀu‖``, so after ``iters`` iterations
    ``v ∝ (WᵀW)^iters v₀``. The result is ``sigma = ‖Wv‖`` and ``u = Wv / sigma``, so
    ``W v = sigma u`` holds exactly and ``Wᵀu ≈ sigma v``. With a gap ρ = σ₂/σ₁ < 1, the angle
    between v and the top right singular vector shrinks like ρ^(2·iters) and the relative error
    of sigma like ρ^(4·iters). sigma never exceeds σ₁: it is an estimate from below.

    Each matrix of a batch gets its own start vector; the same ``seed`` gives the same start
    vectors, so ``iters=k`` returns the k-th iterate of one fixed sequence. Signs follow
    :func:`helpers.normalize_signs` (the largest-magnitude entry of u is positive). A zero
    matrix gives ``sigma = 0`` and zero vectors u and v.

    Args:
      W: (..., m, n) real matrix or stack of matrices (tensor, NumPy array or nested list);
        float32 stays float32, float64 stays float64, integers become float64.
      iters: int >= 1, the number of iterations (each costs one product with W and one with Wᵀ).
      seed: int, 0 <= seed <= 2**63 - 1, the seed of the start vectors.
    Returns:
      ``(sigma, u, v)``: sigma (...), u (..., m), v (..., n) unit vectors, all of W's dtype.
    Raises:
      ValueError: W has fewer than 2 dimensions, an empty dimension, NaN or Inf entries;
        iters is an integer below 1; seed is out of range.
      TypeError: iters or seed is not an integer (bools included).
      TypeError: W has complex, boolean or string entries.

    >>> sigma, u, v = power_iteration([[2., 0.], [0., 1.]], iters=30)
    >>> round(float(sigma), 6)
    2.0
    """
    W = as_float_tensor(W, "W", min_ndim=2)
    iters = _check_positive_int(iters, "iters")
    seed = _check_seed(seed)
    shape = tf.shape(W)
    v = _unit(tf.random.stateless_normal(tf.concat([shape[:-2], shape[-1:]], 0),
                                         seed=[seed, 0], dtype=W.dtype))
    for _ in range(iters):
        u = _unit(tf.linalg.matvec(W, v))
        v = _unit(tf.linalg.matvec(W, u, adjoint_a=True))
    Wv = tf.linalg.matvec(W, v)
    sigma = tf.norm(Wv, axis=-1)
    u = tf.math.divide_no_nan(Wv, sigma[..., tf.newaxis])
    _, u, v = normalize_signs(sigma[..., tf.newaxis], u[..., tf.newaxis], v[..., tf.newaxis])
    return sigma, u[..., 0], v[..., 0]


def _check_kernel(kernel):
    """A Conv2D kernel (..., kh, kw, c_in, c_out) as a float tensor."""
    return as_float_tensor(kernel, "kernel", min_ndim=4)


def conv_norm_bound(kernel):
    """Certified upper bound √(kh·kw)·σ₁(W_mat) on the operator 2-norm of a Conv2D.

    ``W_mat`` is the kernel reshaped to a ``(kh·kw·c_in, c_out)`` matrix — the matrix that
    ``keras.layers.SpectralNormalization`` normalises. Every output pixel of the convolution is
    ``W_matᵀ`` applied to one input patch, and every input pixel lies in at most ``kh·kw``
    patches, so ``‖conv(x)‖² = Σ_p ‖W_matᵀ patch_p‖² ≤ σ₁² Σ_p ‖patch_p‖² ≤ kh·kw·σ₁²‖x‖²``.
    That holds for every input size, every stride ≥ 1, every dilation, and "valid", "same" or
    circular padding (padded zeros add nothing). The bound is exact, not estimated: σ₁ comes
    from ``tf.linalg.svd``. For a circular convolution, σ₁(W_mat) is also a lower bound on the
    operator norm (see :func:`conv_operator_norm`).

    Args:
      kernel: (..., kh, kw, c_in, c_out) real kernel in Keras's layout (``Conv2D.kernel``), or a
        stack of kernels; float32 stays float32, float64 stays float64, integers become float64.
        Grouped convolutions (``groups > 1``) are not covered.
    Returns:
      (...) tensor of the kernel's dtype: the bound for each kernel.
    Raises:
      ValueError: kernel has fewer than 4 dimensions, an empty dimension, NaN or Inf entries.
      TypeError: kernel has complex, boolean or string entries.

    >>> k = np.zeros((3, 3, 1, 1)); k[1, 1, 0, 0] = 2.0     # 2 times the identity
    >>> float(conv_norm_bound(k))                           # sqrt(9) * 2
    6.0
    """
    kernel = _check_kernel(kernel)
    shape = tf.shape(kernel)
    w_mat = tf.reshape(kernel, tf.concat([shape[:-4], [-1], shape[-1:]], 0))
    sigma1 = tf.linalg.svd(w_mat, compute_uv=False)[..., 0]
    return tf.sqrt(tf.cast(shape[-4] * shape[-3], kernel.dtype)) * sigma1


def conv_operator_norm(kernel, input_shape):
    """Exact operator 2-norm of the circular (periodic, stride 1) convolution on an H × W grid.

    The circular convolution ``y[i, j, o] = Σ_{a, b, c} x[(i + a) mod H, (j + b) mod W, c]
    · kernel[a, b, c, o]`` (Keras's cross-correlation with periodic boundaries) is
    block-diagonalised by the 2-D DFT (Sedghi, Gupta and Long, 2019): at each of the H·W
    frequencies ω it acts as the c_in × c_out matrix ``K̂(ω) = Σ_{a,b} kernel[a, b] e^{-2πi(aω₁/H
    + bω₂/W)}``. Its singular values are those of the H·W matrices K̂(ω), and its norm is
    ``max_ω σ₁(K̂(ω))``. It satisfies ``σ₁(W_mat) ≤ conv_operator_norm ≤ conv_norm_bound``, and
    a zero-padded convolution on an h × w image with h ≤ H − kh + 1, w ≤ W − kw + 1 is a
    restriction of the circular one, so its norm is at most this value.

    Args:
      kernel: (..., kh, kw, c_in, c_out) real kernel in Keras's layout, or a stack of kernels;
        float32 stays float32, float64 stays float64, integers become float64.
      input_shape: ``(H, W)`` or ``(H, W, c_in)``: the periodic grid, integers with
        ``H >= kh`` and ``W >= kw``; a third entry must equal the kernel's c_in.
    Returns:
      (...) tensor of the kernel's dtype: the norm for each kernel.
    Raises:
      ValueError: a bad kernel (as in :func:`conv_norm_bound`); input_shape not of length 2 or 3,
        a grid side that is not an integer in [kh, 2**20] (or [kw, 2**20]), or a channel count
        that differs from the kernel's.
      TypeError: kernel has complex, boolean or string entries.

    >>> k = np.zeros((3, 3, 1, 1)); k[1, 1, 0, 0] = 2.0     # 2 times the identity
    >>> round(float(conv_operator_norm(k, (8, 8))), 6)
    2.0
    """
    kernel = _check_kernel(kernel)
    kh, kw, c_in = kernel.shape[-4], kernel.shape[-3], kernel.shape[-2]
    if isinstance(input_shape, str) or not hasattr(input_shape, "__len__") or len(
            input_shape) not in (2, 3):
        raise ValueError(f"input_shape must be (H, W) or (H, W, c_in); got {input_shape!r}")
    H = _check_int(input_shape[0], "input_shape[0] (H)", kh, 2**20, "at least the kernel height")
    W = _check_int(input_shape[1], "input_shape[1] (W)", kw, 2**20, "at least the kernel width")
    if len(input_shape) == 3:
        _check_int(input_shape[2], "input_shape[2] (c_in)", c_in, c_in,
                   "the kernel's input channels")
    rank = kernel.shape.rank
    complex_dtype = tf.complex128 if kernel.dtype == tf.float64 else tf.complex64
    padding = [[0, 0]] * (rank - 4) + [[0, H - kh], [0, W - kw], [0, 0], [0, 0]]
    padded = tf.cast(tf.pad(kernel, padding), complex_dtype)
    to_end = list(range(rank - 4)) + [rank - 2, rank - 1, rank - 4, rank - 3]
    spectrum = tf.signal.fft2d(tf.transpose(padded, to_end))  # (..., c_in, c_out, H, W)
    spectrum = tf.transpose(spectrum, np.argsort(to_end))  # (..., H, W, c_in, c_out)
    sigma = tf.math.real(tf.linalg.svd(spectrum, compute_uv=False))  # (..., H, W, min(c_in, c_out))
    return tf.cast(tf.reduce_max(sigma, axis=[-3, -2, -1]), kernel.dtype)


def _activation_name(fn):
    """The name of ``fn`` if it is one of the accepted 1-Lipschitz Keras activations, else None."""
    for name in ONE_LIPSCHITZ_ACTIVATIONS:
        if fn is keras.activations.get(name):
            return name
    return None


def _kernel(layer, where):
    """The kernel of a built Dense or Conv2D layer with a 1-Lipschitz activation, as float64."""
    if _activation_name(layer.activation) is None:
        act = getattr(layer.activation, "__name__", repr(layer.activation))
        raise ValueError(
            f"{where} has activation {act!r}, which is not known to be 1-Lipschitz; accepted: "
            + ", ".join(ONE_LIPSCHITZ_ACTIVATIONS)
        )
    if isinstance(layer, keras.layers.Conv2D) and layer.groups != 1:
        raise ValueError(f"{where} has groups={layer.groups}; only groups=1 convolutions are "
                         "supported")
    return _float64_kernel(layer, "quantized layers are not supported", where)


def _layer_factor(layer, where):
    """The Lipschitz factor of one layer (a float64 scalar), or None for a 1-Lipschitz layer."""
    inner, wrappers = _unwrap(layer)
    if wrappers != ("SpectralNormalization",):  # other wrappers are not read through
        inner = layer
    if isinstance(inner, keras.layers.Dense):
        return tf.linalg.svd(_kernel(inner, where), compute_uv=False)[0]
    if isinstance(inner, keras.layers.Conv2D):
        return conv_norm_bound(_kernel(inner, where))
    if inner is not layer:
        raise ValueError(f"{where} is not supported: lipschitz_upper_bound accepts "
                         "SpectralNormalization around Dense and Conv2D layers only")
    if isinstance(layer, keras.layers.Activation):
        if _activation_name(layer.activation) is None:
            act = getattr(layer.activation, "__name__", repr(layer.activation))
            raise ValueError(f"{where} applies {act!r}, which is not known to be 1-Lipschitz; "
                             "accepted: " + ", ".join(ONE_LIPSCHITZ_ACTIVATIONS))
        return None
    if isinstance(layer, keras.layers.ReLU):
        slope = float(layer.negative_slope)
        if float(layer.threshold) != 0.0 or not 0.0 <= slope <= 1.0:
            raise ValueError(f"{where} must have threshold 0 and a negative slope in [0, 1] "
                             "to be 1-Lipschitz")
        return None
    if isinstance(layer, keras.layers.LeakyReLU):
        if abs(float(layer.negative_slope)) > 1.0:
            raise ValueError(f"{where} must have |negative_slope| <= 1 to be 1-Lipschitz")
        return None
    if isinstance(layer, keras.layers.Flatten | keras.layers.Reshape | keras.layers.Dropout):
        return None  # a reordering of the entries, or (Dropout at inference) the identity
    raise ValueError(
        f"{where} is not supported: lipschitz_upper_bound accepts Dense, Conv2D, "
        "SpectralNormalization(Dense or Conv2D), Activation, ReLU, LeakyReLU, Flatten, Reshape "
        "and Dropout layers only"
    )


def lipschitz_upper_bound(model):
    """Certified upper bound on the Lipschitz constant (2-norm) of a Keras Sequential model.

    For ``f = φ_L ∘ A_L ∘ … ∘ φ_1 ∘ A_1`` with affine layers ``A_l`` and 1-Lipschitz maps φ_l,
    ``‖f(x) − f(y)‖ ≤ ∏_l ‖A_l‖₂ · ‖x − y‖``; biases do not change the bound. For a Dense layer
    ``‖A_l‖₂ = σ₁(kernel)``, computed exactly (``tf.linalg.svd``, in float64) — not by power
    iteration, whose estimate is a lower bound and would give no guarantee. For a Conv2D layer
    the factor is :func:`conv_norm_bound`, ``√(kh·kw)·σ₁(W_mat)``, a certified upper bound on the
    convolution's norm for any input size, stride, dilation and padding.

    Accepted layers, in a ``keras.Sequential`` model:

    * ``Dense`` and ``Conv2D`` (``groups=1``) with one of the activations in
      ``ONE_LIPSCHITZ_ACTIVATIONS``;
    * ``SpectralNormalization`` wrapping such a layer: its current kernel is used, i.e. the bound
      is for inference (``training=False``); a training call rewrites the kernel first;
    * factor 1: ``Activation`` with an accepted activation, ``ReLU`` (threshold 0, negative slope
      in [0, 1]), ``LeakyReLU`` (|negative slope| <= 1), ``Flatten`` and ``Reshape`` (they only
      reorder the entries), and ``Dropout`` (and its subclasses) — the identity at inference;
      in a training call Dropout scales kept entries by 1/(1 − rate), and the bound is not for
      that.

    Anything else (BatchNormalization, pooling, other convolutions, nested models, custom
    activations, ...) is rejected with a ValueError naming the layer; so are functional and
    subclassed models (TypeError), whose graphs need not be a chain (a shared layer or a skip
    connection breaks the product).

    Args:
      model: a built ``keras.Sequential`` model of the layers above.
    Returns:
      float, the product of the layers' factors (1.0 for no Dense or Conv2D layer).
    Raises:
      TypeError: model is not a ``keras.Sequential``.
      ValueError: an unsupported layer or activation, a grouped convolution, or a model that is
        not built.

    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="relu")])
    >>> model.layers[0].set_weights([2 * np.eye(2), np.zeros(2)])
    >>> lipschitz_upper_bound(model)
    2.0
    """
    if not isinstance(model, keras.Sequential):
        raise TypeError(
            "model must be a keras.Sequential model of Dense, Conv2D and 1-Lipschitz layers; got "
            f"{type(model).__name__}"
        )
    if not model.built:
        raise ValueError("model is not built: call it once or start it with keras.Input(shape)")
    bound = tf.constant(1.0, tf.float64)
    for i, layer in enumerate(model.layers):
        factor = _layer_factor(layer, f"layer {i} ({layer.name!r}, {type(layer).__name__})")
        if factor is not None:
            bound *= factor
    return float(bound)
