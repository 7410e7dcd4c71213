"""Low-rank adaptation (LoRA) through the SVD: update spectra, subspace similarity and PiSSA.

Fine-tuning changes a trained kernel ``W`` (Keras's ``(inputs, units)`` matrix) into
``W + ΔW``. LoRA (Hu et al. 2021) trains ``ΔW = A B`` with ``A`` of shape ``(m, r)`` and ``B`` of
shape ``(r, n)`` for a small rank ``r`` while ``W`` stays frozen; Keras 3 has it built in
(``keras.layers.Dense.enable_lora(rank)``: ``kernel = W + (lora_alpha / rank) · A B``, ``A``
drawn He-uniform, ``B = 0``). PiSSA (Meng et al. 2024) starts ``A B`` from the principal
singular components of ``W`` instead and freezes only the residual.

* :func:`update_spectrum` — the singular values of ``ΔW = W_after − W_before``;
* :func:`subspace_similarity` — Hu et al.'s φ(i, j) between the spans of two sets of singular
  vectors;
* :func:`pissa_split` — ``W = W_res + A B`` with ``A B`` the best rank-r approximation of ``W``;
* :func:`apply_pissa` — turn on Keras's LoRA on a built Dense layer, initialised by
  :func:`pissa_split`, without changing what the layer computes.
"""

import numpy as np
import tensorflow as tf

from ._keras import _check_float_kernel, _require_dense
from ._validation import _check_batch_axes, _check_int, as_float_tensor
from .linalg import balanced_factors

#: Largest ``max |UᵀU − I|`` accepted by :func:`subspace_similarity` as "orthonormal columns":
#: loose enough for singular vectors computed in float32, far below the O(1) error of a matrix
#: that is not orthonormal at all (a kernel or an update passed by mistake).
ORTHONORMAL_TOL = 1e-3


def _same_dtype(x, y, names):
    if x.dtype != y.dtype:
        raise TypeError(
            f"{names[0]} and {names[1]} must share one dtype; got {x.dtype.name} and {y.dtype.name}"
        )


def update_spectrum(W_before, W_after):
    """Singular values of the update ``ΔW = W_after − W_before``, in descending order, batched.

    A fine-tuning update whose energy ``Σσᵢ²`` sits in a few leading singular values is close to
    low rank, and a rank-r adapter (LoRA) can represent most of it.

    Args:
      W_before: (..., m, n) kernel before fine-tuning.  W_after: the same shape and dtype, after.
    Returns:
      (..., min(m, n)) tensor of singular values of ``W_after − W_before``, descending, same dtype.
    Raises:
      ValueError: shapes differ, fewer than 2 dimensions, empty, NaN or Inf.
      TypeError: dtypes differ, or non-real entries.

    >>> update_spectrum([[1., 0.], [0., 1.]], [[4., 0.], [0., 1.]]).numpy()
    array([3., 0.])
    """
    W_before = as_float_tensor(W_before, "W_before")
    W_after = as_float_tensor(W_after, "W_after")
    if W_before.shape != W_after.shape:
        raise ValueError(
            f"W_before and W_after must have the same shape; got {tuple(W_before.shape)} and "
            f"{tuple(W_after.shape)}"
        )
    _same_dtype(W_before, W_after, ("W_before", "W_after"))
    return tf.linalg.svd(W_after - W_before, compute_uv=False)


def _check_orthonormal(U, name):
    k = U.shape[-1]
    gram = tf.matmul(U, U, adjoint_a=True)
    err = float(tf.reduce_max(tf.abs(gram - tf.eye(k, dtype=U.dtype))))
    if not err <= ORTHONORMAL_TOL:
        raise ValueError(
            f"{name} must have orthonormal columns (max |{name}ᵀ{name} − I| at most "
            f"{ORTHONORMAL_TOL:g}); got {err:.3g}: pass singular vectors, not the matrix itself"
        )


def subspace_similarity(U_a, U_b, i=None, j=None):
    """Hu et al.'s subspace similarity φ(i, j) = ‖U_a[:, :i]ᵀ U_b[:, :j]‖²_F / min(i, j), batched.

    φ is the mean squared cosine of the principal angles between the span of the first ``i``
    columns of ``U_a`` and the span of the first ``j`` columns of ``U_b`` (LoRA paper, equation 4):
    1 when the smaller span lies inside the larger one, 0 when they are orthogonal, and about
    ``max(i, j) / m`` for random subspaces of ``R^m``.

    Args:
      U_a: (..., m, a) with orthonormal columns (checked: ``max |U_aᵀU_a − I| <= 1e-3``,
        :data:`ORTHONORMAL_TOL`), for example the left singular vectors of one update.
      U_b: (..., m, b), the same number of rows m and dtype, orthonormal columns.
      i: int, 1 <= i <= a; default a (all columns).  j: int, 1 <= j <= b; default b.
    Returns:
      (...) tensor (a scalar for single matrices) in [0, 1] up to rounding, dtype of ``U_a``.
    Raises:
      ValueError: columns not orthonormal; different numbers of rows or batch axes that do not
        broadcast; ``i`` or ``j`` out of range.
      TypeError: dtypes differ, or non-real entries.

    >>> e = np.eye(3)
    >>> float(subspace_similarity(e[:, :2], e[:, 1:], i=2, j=1))  # span(e2) lies in span(e1, e2)
    1.0
    """
    U_a = as_float_tensor(U_a, "U_a")
    U_b = as_float_tensor(U_b, "U_b")
    _same_dtype(U_a, U_b, ("U_a", "U_b"))
    (m_a, a), (m_b, b) = U_a.shape[-2:], U_b.shape[-2:]
    if m_a != m_b:
        raise ValueError(
            f"U_a and U_b must have the same number of rows (vectors of one space); got "
            f"{tuple(U_a.shape)} and {tuple(U_b.shape)}"
        )
    _check_batch_axes(U_a, U_b, f"the batch axes of U_a {tuple(U_a.shape)} and U_b "
                                f"{tuple(U_b.shape)}")
    i = a if i is None else _check_int(i, "i", 1, a, "the number of columns of U_a")
    j = b if j is None else _check_int(j, "j", 1, b, "the number of columns of U_b")
    _check_orthonormal(U_a, "U_a")
    _check_orthonormal(U_b, "U_b")
    cross = tf.matmul(U_a[..., :i], U_b[..., :j], adjoint_a=True)  # (..., i, j)
    return tf.reduce_sum(tf.square(cross), axis=[-2, -1]) / min(i, j)


def pissa_split(W, rank):
    """Split a kernel into its principal rank-r part ``A B`` and the residual: ``W = W_res + A B``.

    With the SVD ``W = U diag(σ) Vᵀ``, ``A = U_r diag(√σ_r)`` and ``B = diag(√σ_r) V_rᵀ``, so
    ``A B = U_r diag(σ_r) V_rᵀ`` is the best rank-r approximation of ``W`` (Eckart–Young), split
    evenly between the two factors, and ``W_res = W − A B`` holds the remaining singular
    components (``‖W_res‖₂ = σ_{r+1}``). This is PiSSA's initialisation (Meng et al. 2024). The SVD
    is computed in float64 with normalised signs (:func:`helpers.normalize_signs`), so the split
    is the same on every run; the results have the dtype of ``W``.

    Args:
      W: (..., m, n) kernel, ``(inputs, units)`` in Keras's convention.
      rank: int, 1 <= rank <= min(m, n).
    Returns:
      ``(A, B, W_res)`` of shapes (..., m, rank), (..., rank, n) and (..., m, n).
    Raises:
      TypeError: ``rank`` not an integer (bools included).
      ValueError: ``rank`` out of range; W with fewer than 2 dimensions, empty,
        NaN or Inf.
      TypeError: non-real entries.

    >>> A, B, W_res = pissa_split([[3., 0.], [0., 1.]], 1)
    >>> (A @ B).numpy().round(6), W_res.numpy().round(6)
    (array([[3., 0.],
           [0., 0.]]), array([[0., 0.],
           [0., 1.]]))
    """
    W = as_float_tensor(W, "W")
    m, n = W.shape[-2:]
    rank = _check_int(rank, "rank", 1, min(m, n), f"min(m, n) of the {m}×{n} kernel")
    A, B = balanced_factors(tf.cast(W, tf.float64), rank)
    A, B = tf.cast(A, W.dtype), tf.cast(B, W.dtype)
    return A, B, W - tf.matmul(A, B)


def _check_plain_dense(layer):
    _require_dense(layer)
    _check_float_kernel(layer, "apply PiSSA before quantizing")
    if layer.lora_enabled:
        raise ValueError(f"layer {layer.name!r} already has LoRA enabled (rank {layer.lora_rank})")
    if layer.kernel_constraint is not None:
        raise ValueError(
            f"layer {layer.name!r} has a kernel_constraint, which Keras's LoRA does not support"
        )


def apply_pissa(layer, rank):
    """Turn on Keras's LoRA for a built Dense layer, initialised by :func:`pissa_split`.

    Keras computes ``kernel = W₀ + (lora_alpha / rank) · A' B'`` with the frozen kernel ``W₀`` and
    the trainable adapter ``A'`` (``lora_kernel_a``, (m, rank)) and ``B'`` (``lora_kernel_b``,
    (rank, n)). This sets ``W₀ = W_res`` and ``A' = A / √c``, ``B' = B / √c`` with
    ``c = lora_alpha / rank`` (1 for ``enable_lora(rank)``) and ``(A, B, W_res) =
    pissa_split(W, rank)``, so the merged kernel is ``W`` again: the layer computes what it
    computed before (checked to float32 rounding: ``max |kernel − W| <= 1e-5 (rank + 10) σ₁``). The
    bias is frozen too, so only the adapter is trainable, as in the LoRA and PiSSA papers
    (``enable_lora`` alone leaves the bias trainable).

    Args:
      layer: a built ``keras.layers.Dense`` with LoRA not yet enabled, not quantized, without a
        kernel constraint. It is changed in place.
      rank: int, 1 <= rank <= min(m, n) of its (m, n) kernel.
    Returns:
      The same layer, with ``layer.trainable_weights == [lora_kernel_a, lora_kernel_b]``.
    Raises:
      TypeError: ``layer`` is not a ``keras.layers.Dense``; ``rank`` not an integer.
      ValueError: not built, LoRA already enabled, quantized, or with a kernel
        constraint; ``rank`` out of range.

    >>> import keras
    >>> dense = keras.layers.Dense(3, name="d"); y = dense(np.ones((1, 4), "float32"))
    >>> _ = apply_pissa(dense, 2)
    >>> [w.name for w in dense.trainable_weights]
    ['lora_kernel_a', 'lora_kernel_b']
    """
    _check_plain_dense(layer)
    W = tf.convert_to_tensor(layer.kernel)
    m, n = W.shape
    rank = _check_int(rank, "rank", 1, min(m, n), f"min(m, n) of the {m}×{n} kernel")
    A, B, W_res = pissa_split(W, rank)
    # zeros: the adapter is overwritten below, and no random draw shifts the global seed's stream
    layer.enable_lora(rank, a_initializer="zeros", b_initializer="zeros")
    root_c = float(np.sqrt(layer.lora_alpha / layer.lora_rank))
    layer._kernel.assign(tf.cast(W_res, layer._kernel.dtype))  # the frozen kernel Keras stores
    layer.lora_kernel_a.assign(tf.cast(A / root_c, layer.lora_kernel_a.dtype))
    layer.lora_kernel_b.assign(tf.cast(B / root_c, layer.lora_kernel_b.dtype))
    if layer.bias is not None:
        layer.bias.trainable = False
    merged = tf.cast(tf.convert_to_tensor(layer.kernel), tf.float64)
    err = float(tf.reduce_max(tf.abs(merged - tf.cast(W, tf.float64))))
    sigma_1 = float(tf.linalg.svd(tf.cast(W, tf.float64), compute_uv=False)[0])
    if not err <= 1e-5 * (rank + 10) * sigma_1 + 1e-30:
        raise RuntimeError(
            f"apply_pissa changed layer {layer.name!r}'s kernel by {err:.3g} (σ₁ = {sigma_1:.3g})"
        )
    return layer
