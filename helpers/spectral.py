"""The spectral norm ‖W‖₂ = σ₁(W): power iteration, and Lipschitz bounds for Keras MLPs.

* :func:`power_iteration` estimates σ₁ and its singular vectors with matrix–vector products
  only, batched over leading axes — the method behind ``keras.layers.SpectralNormalization``.
* :func:`lipschitz_upper_bound` multiplies the exact spectral norms of the kernels of a
  ``keras.Sequential`` model of Dense layers with 1-Lipschitz activations.

Notebook 06 explains both.
"""

import keras
import tensorflow as tf

from .linalg import _check_int, _check_positive_int, as_float_tensor, normalize_signs

MAX_SEED = 2**31 - 1

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
      seed: int, 0 <= seed <= 2**31 - 1, the seed of the start vectors.
    Returns:
      ``(sigma, u, v)``: sigma (...), u (..., m), v (..., n) unit vectors, all of W's dtype.
    Raises:
      ValueError: W has fewer than 2 dimensions, an empty dimension, NaN or Inf entries;
        iters is not an integer >= 1 (bools are rejected); seed is out of range.
      TypeError: W has complex, boolean or string entries.

    >>> sigma, u, v = power_iteration([[2., 0.], [0., 1.]], iters=30)
    >>> round(float(sigma), 6)
    2.0
    """
    W = as_float_tensor(W, "W", min_ndim=2)
    iters = _check_positive_int(iters, "iters")
    seed = _check_int(seed, "seed", 0, MAX_SEED)
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


def _activation_name(fn):
    """The name of ``fn`` if it is one of the accepted 1-Lipschitz Keras activations, else None."""
    for name in ONE_LIPSCHITZ_ACTIVATIONS:
        if fn is keras.activations.get(name):
            return name
    return None


def _dense_kernel(layer, where):
    """The kernel of a built Dense layer with a 1-Lipschitz activation, as a float64 tensor."""
    if _activation_name(layer.activation) is None:
        act = getattr(layer.activation, "__name__", repr(layer.activation))
        raise ValueError(
            f"{where} has activation {act!r}, which is not known to be 1-Lipschitz; accepted: "
            + ", ".join(ONE_LIPSCHITZ_ACTIVATIONS)
        )
    if not layer.built:
        raise ValueError(f"{where} is not built: call the model once or start it with keras.Input")
    kernel = tf.convert_to_tensor(layer.kernel)
    if not kernel.dtype.is_floating:
        raise ValueError(f"{where} has a non-float kernel ({kernel.dtype.name}); "
                         "quantized layers are not supported")
    return tf.cast(kernel, tf.float64)


def lipschitz_upper_bound(model):
    """Upper bound on the Lipschitz constant (in the 2-norm) of a Keras MLP: ∏ σ₁(kernel).

    For ``f = φ_L ∘ A_L ∘ … ∘ φ_1 ∘ A_1`` with affine layers ``A_l(x) = x K_l + b_l`` and
    1-Lipschitz activations φ_l, ``‖f(x) − f(y)‖ ≤ ∏_l σ₁(K_l) · ‖x − y‖``. Biases do not
    change the bound. Each σ₁ is computed exactly (``tf.linalg.svd``, in float64), not by power
    iteration, whose estimate is too small and would not give a guaranteed bound.

    Accepted layers, in a ``keras.Sequential`` model:

    * ``Dense`` with one of the activations in ``ONE_LIPSCHITZ_ACTIVATIONS``;
    * ``SpectralNormalization`` wrapping such a ``Dense``: its current kernel is used, i.e. the
      bound is for inference (``training=False``); a training call rewrites the kernel first;
    * ``Activation`` with an accepted activation, ``ReLU`` (threshold 0, negative slope in
      [0, 1]) and ``LeakyReLU`` (|negative slope| <= 1): factor 1.

    Anything else (Conv2D, Dropout, BatchNormalization, nested models, custom activations, ...)
    is rejected with a ValueError naming the layer; so are functional and subclassed models,
    whose graphs need not be a chain (a shared layer or a skip connection breaks the product).

    Args:
      model: a built ``keras.Sequential`` model of the layers above.
    Returns:
      float, the product of the spectral norms of the Dense kernels (1.0 for no Dense layer).
    Raises:
      TypeError: model is not a ``keras.Sequential``.
      ValueError: an unsupported layer or activation, or a model that is not built.

    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="relu")])
    >>> model.layers[0].set_weights([2 * np.eye(2), np.zeros(2)])
    >>> lipschitz_upper_bound(model)
    2.0
    """
    if not isinstance(model, keras.Sequential):
        raise TypeError(
            "model must be a keras.Sequential model of Dense layers; got "
            f"{type(model).__name__}"
        )
    if not model.built:
        raise ValueError("model is not built: call it once or start it with keras.Input(shape)")
    bound = tf.constant(1.0, tf.float64)
    for i, layer in enumerate(model.layers):
        where = f"layer {i} ({layer.name!r}, {type(layer).__name__})"
        if isinstance(layer, keras.layers.Dense):
            kernel = _dense_kernel(layer, where)
        elif isinstance(layer, keras.layers.SpectralNormalization) and isinstance(
            layer.layer, keras.layers.Dense
        ):
            kernel = _dense_kernel(layer.layer, where)
        elif isinstance(layer, keras.layers.Activation):
            if _activation_name(layer.activation) is None:
                act = getattr(layer.activation, "__name__", repr(layer.activation))
                raise ValueError(f"{where} applies {act!r}, which is not known to be 1-Lipschitz; "
                                 "accepted: " + ", ".join(ONE_LIPSCHITZ_ACTIVATIONS))
            continue
        elif isinstance(layer, keras.layers.ReLU):
            slope = float(layer.negative_slope)
            if float(layer.threshold) != 0.0 or not 0.0 <= slope <= 1.0:
                raise ValueError(f"{where} must have threshold 0 and a negative slope in [0, 1] "
                                 "to be 1-Lipschitz")
            continue
        elif isinstance(layer, keras.layers.LeakyReLU):
            if abs(float(layer.negative_slope)) > 1.0:
                raise ValueError(f"{where} must have |negative_slope| <= 1 to be 1-Lipschitz")
            continue
        else:
            raise ValueError(
                f"{where} is not supported: lipschitz_upper_bound accepts Dense, "
                "SpectralNormalization(Dense), Activation, ReLU and LeakyReLU layers only"
            )
        bound *= tf.linalg.svd(kernel, compute_uv=False)[0]
    return float(bound)
