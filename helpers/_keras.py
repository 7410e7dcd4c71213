"""Reading Keras kernels as matrices: the one place where :mod:`helpers.nn`, :mod:`helpers.spectral`
and :mod:`helpers.lora` take a layer's weights.

One rule for every reader:

* a layer must be **built** (else it has no kernel) and hold a **float** kernel: a quantized
  layer (``layer.quantize("int8")``, or any kernel whose dtype is not a float) stores another
  matrix than the one it applies, and is rejected with a ``ValueError`` that says what to do;
* a **Dense** kernel ``(m, n)`` is the matrix itself; a **Conv1D/2D/3D** kernel
  ``(*kernel_size, c_in / groups, c_out)`` is the ``(prod(kernel_size) · c_in, c_out)`` matrix
  that multiplies a flattened patch, block-diagonal over its ``groups``; a low-rank layer (one
  with a ``dense_kernel()`` method, such as :class:`helpers.nn.LowRankDense`) is its product;
* a layer inside a ``keras.layers.Wrapper`` (``SpectralNormalization``, ``TimeDistributed``, ...)
  is read through the wrapper, whose names are kept for reports.

Every matrix is returned in float64.
"""

import keras
import tensorflow as tf

CONV_LAYERS = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)


def _require_dense(layer):
    """TypeError unless ``layer`` is a ``keras.layers.Dense`` (another layer class included)."""
    if not isinstance(layer, keras.layers.Dense):
        raise TypeError(f"layer must be a keras.layers.Dense layer; got {type(layer).__name__}"
                        + (f" {layer.name!r}" if isinstance(layer, keras.layers.Layer) else ""))


def _check_built(layer, where=None):
    """ValueError unless ``layer`` is built (only a built layer has a kernel)."""
    if not layer.built:
        where = where or f"layer {layer.name!r}"
        raise ValueError(
            f"{where} is not built yet, so it has no kernel: build the model "
            "(give it a keras.Input or call it on data) first"
        )


def _check_float_kernel(layer, advice, where=None):
    """ValueError unless ``layer`` is built and holds a float (not quantized) kernel."""
    _check_built(layer, where)
    where = where or f"layer {layer.name!r}"
    mode = getattr(layer, "quantization_mode", None)
    if not mode:
        dtype = getattr(getattr(layer, "kernel", None), "dtype", None)
        if dtype is not None and not tf.as_dtype(dtype).is_floating:
            mode = tf.as_dtype(dtype).name
    if mode:
        raise ValueError(
            f"{where} is quantized ({mode}): its stored kernel is not the float matrix it "
            f"applies; {advice}"
        )


def _float64_kernel(layer, advice, where=None):
    """The checked kernel of a built float layer, as it is stored, in float64."""
    _check_float_kernel(layer, advice, where)
    return tf.cast(tf.convert_to_tensor(layer.kernel), tf.float64)


def _conv_matrix(layer):
    """The float64 matrix of a Conv layer's patch map, block-diagonal over its groups."""
    kernel = tf.cast(layer.kernel, tf.float64)  # (*kernel_size, c_in / groups, c_out)
    groups = int(getattr(layer, "groups", 1) or 1)
    c_out = kernel.shape[-1]
    if groups == 1:
        return tf.reshape(kernel, (-1, c_out))
    # group g maps its c_in / groups input channels to its c_out / groups filters only, so the
    # (prod(kernel_size) · c_in, c_out) matrix is block-diagonal (rows ordered by group, which
    # permutes rows and leaves the singular values unchanged)
    blocks = [tf.reshape(block, (-1, c_out // groups))
              for block in tf.split(kernel, groups, axis=-1)]
    return tf.linalg.LinearOperatorBlockDiag(
        [tf.linalg.LinearOperatorFullMatrix(block) for block in blocks]).to_dense()


def _is_low_rank(layer):
    return callable(getattr(layer, "dense_kernel", None)) and hasattr(layer, "kernel_a")


def _is_kernel_layer(layer):
    """True for the layers :func:`_kernel_matrix` reads: Dense, Conv1D/2D/3D, low-rank."""
    return isinstance(layer, (keras.layers.Dense, *CONV_LAYERS)) or _is_low_rank(layer)


def _kernel_matrix(layer):
    """(kind, kernel_shape, float64 matrix, number of meaningful singular values) of a checked
    Dense, Conv or low-rank layer."""
    if isinstance(layer, keras.layers.Dense):
        kernel = layer.kernel
        W = tf.cast(kernel, tf.float64)
        k = min(W.shape)
    elif isinstance(layer, CONV_LAYERS):
        kernel = layer.kernel
        W = _conv_matrix(layer)
        k = min(W.shape)
    elif _is_low_rank(layer):
        kernel = layer.dense_kernel()
        W = tf.matmul(tf.cast(layer.kernel_a, tf.float64), tf.cast(layer.kernel_b, tf.float64))
        k = layer.rank
    else:
        raise TypeError(f"layer {layer.name!r} ({type(layer).__name__}) has no kernel to read")
    return type(layer).__name__, tuple(kernel.shape), W, k


def _unwrap(layer):
    """(the layer inside every Wrapper around ``layer``, the wrappers' class names, outermost
    first)."""
    wrappers = ()
    while isinstance(layer, keras.layers.Wrapper):
        wrappers = (*wrappers, type(layer).__name__)
        layer = layer.layer
    return layer, wrappers


def _iter_layers(model, wrappers=()):
    """(layer, the names of the Wrapper layers around it) for every leaf layer, in order; nested
    models are walked into."""
    for layer in model.layers:
        inner, more = _unwrap(layer)
        if isinstance(inner, keras.Model):
            yield from _iter_layers(inner, (*wrappers, *more))
        else:
            yield inner, (*wrappers, *more)
