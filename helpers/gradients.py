"""Backpropagation through the SVD by hand (notebook 05).

For the thin SVD ``A = U diag(s) Vᵀ`` of an (..., m, n) matrix, k = min(m, n), and a loss L with
upstream gradients ``s̄ = ∂L/∂s``, ``Ū = ∂L/∂U``, ``V̄ = ∂L/∂V``, the gradient with respect to A
is (J. Townsend, "Differentiating the Singular Value Decomposition", 2016)::

    Ā = U [ diag(s̄) + (F ∘ (UᵀŪ − ŪᵀU)) S + S (F ∘ (VᵀV̄ − V̄ᵀV)) ] Vᵀ
        + (I_m − UUᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I_n − VVᵀ),

    F_ij = 1 / (σ_j² − σ_i²) for i ≠ j,  F_ii = 0,   S = diag(s).

The last two terms exist only for non-square A (the first for tall, the second for wide).

How the core is evaluated: one division per pair, split in two
---------------------------------------------------------------
With X = UᵀŪ − ŪᵀU and Y = VᵀV̄ − V̄ᵀV (both skew-symmetric), the pair (i, j), i ≠ j, of the
k×k core contributes ``F_ij (X_ij σ_j + σ_i Y_ij)``. Since

    X_ij σ_j + σ_i Y_ij = ½(X_ij + Y_ij)(σ_j + σ_i) + ½(X_ij − Y_ij)(σ_j − σ_i)

(expand the right-hand side: the X σ_i and Y σ_j terms cancel) and F_ij = 1/((σ_j − σ_i)(σ_j + σ_i)),

    F_ij (X_ij σ_j + σ_i Y_ij) = ½(X_ij + Y_ij)/(σ_j − σ_i) + ½(X_ij − Y_ij)/(σ_j + σ_i).

The first term is symmetric in (i, j) (a skew numerator over a skew denominator), the second
skew-symmetric. Only the first divides by the gap; the second is finite whenever σ_i + σ_j > 0,
even at a repeated σ. Dividing by each factor separately also avoids the product
``(σ_j − σ_i)(σ_j + σ_i)``, which underflows to 0 in float32 for singular values below ~1e-19.

Example: for L = ⟨G, U S Vᵀ⟩ = ⟨G, A⟩ (true gradient G), Ū = G V S and V̄ = Gᵀ U S, so with
P = UᵀGV one finds X + Y = (P + Pᵀ)∘(σ_j − σ_i) and X − Y = (P − Pᵀ)∘(σ_j + σ_i): the two terms
are ½(P_ij + P_ji) and ½(P_ij − P_ji), which add up to P_ij, and Ā = U P Vᵀ (+ the non-square
terms) = G. At an exact tie σ_i = σ_j the first term is 0/0: the formula sees only X + Y = 0 and
cannot tell this loss (limit ½(P_ij + P_ji)) from a loss of u_i alone (limit ∞).

What :func:`svd_grad` does where the formula divides by zero
---------------------------------------------------------------
All guards use one tolerance per matrix, ``tol = max(m, n) · eps · σ_max`` (eps of the dtype:
2.2e-16 for float64, 1.2e-7 for float32), the threshold ``numpy.linalg.matrix_rank`` uses: below
it, a difference of singular values cannot be told apart from rounding error.

* Repeated or nearly repeated singular values, ``|σ_i − σ_j| <= tol``: the symmetric term
  ½(X_ij + Y_ij)/(σ_j − σ_i) is set to 0; the skew-symmetric term ½(X_ij − Y_ij)/(σ_j + σ_i) is
  kept (it is set to 0 only where σ_i + σ_j <= tol, i.e. both σ are zero to rounding). What is
  lost is therefore the symmetric off-diagonal part of the core inside each block of tied σ:

  - functions of s that are symmetric within each block of tied σ (e.g. Σ_i f(σ_i)), and losses
    whose within-block X_ij + Y_ij vanishes for every matrix, get their exact gradient. A function
    of s that tells tied values apart (σ_2 alone, Σ_i w_i σ_i² with w_2 ≠ w_3) has a kink at the
    tie and no gradient there: svd_grad returns U diag(s̄) Vᵀ in the basis the SVD routine
    picked. Functions of the block projectors ``U_b U_bᵀ`` and ``V_b V_bᵀ`` taken
    separately are such losses: Ū_b = 2 H U_b with H symmetric gives X_ij = 0 inside the block,
    and likewise Y_ij = 0. Invariance under rotations inside the block is not enough: ⟨G, A⟩ is
    invariant under the joint rotation (U_b R, V_b R), yet its X + Y = (P + Pᵀ)∘(σ_j − σ_i)
    vanishes only at the tie, as 0/0 (next item);
  - a loss of ``U diag(s) Vᵀ`` with gradient G gets ``G − Σ_{tied i≠j} ½(P_ij + P_ji) u_i v_jᵀ``
    (P = UᵀGV): exact along every direction dA whose Uᵀ dA V has no symmetric off-diagonal part
    inside a block; for A = I₂ and L = A₁₂ the result is ½(E₁₂ − E₂₁), not E₁₂. Which part that
    is depends on the basis the SVD routine picked inside the block: at a tie the SVD is not
    differentiable, even where the loss is;
  - a loss of one vector of the block (``u_i u_iᵀ`` alone) has no gradient at a repeated σ. At a
    gap 0 < |σ_i − σ_j| <= tol its true gradient exists (of size 1/gap), but the computed u_i,
    u_j carry at most about one correct digit (their error, about eps·σ_max/gap, is
    1/max(m, n) at gap = tol and grows as the gap shrinks), so no formula applied to them can
    return it; svd_grad returns only the terms that do not divide by the gap.

  Above the tolerance both terms are computed, however large, and the result is the exact
  gradient up to a rounding error of about eps·‖A‖·‖G‖/gap (up to about ‖G‖/max(m, n) just
  above tol, where eps·‖A‖/gap = 1/max(m, n)): the gradient of a single-vector loss near a
  repeated σ is genuinely of size 1/gap, and that is what is returned.
  The cut-off is hard, so the result jumps where the gap crosses tol (TensorFlow's damping,
  below, is continuous). Because the tolerance is relative to σ_max, the guard does not depend
  on the scale of A: the gradient at cA is the gradient at A scaled as the chain rule says,
  for every c > 0.
* Zero singular values in the non-square terms, ``σ_i <= tol``: S⁻¹ is replaced by the
  pseudo-inverse S⁺ (entries with σ_i <= tol become 0), so the result stays finite. At such a
  point the upstream gradients no longer determine Ā, whatever the formula: for a tall A, u_i is
  then any unit vector orthogonal to the other columns, and a loss of ``U diag(s) Vᵀ`` (that is,
  of A itself, with true gradient G) has ``Ū = G V S``, whose column i is ``G v_i σ_i = 0``: the
  component ``(I − UUᵀ) G v_i v_iᵀ`` of G is lost before any formula sees it. :func:`svd_grad`
  returns G without that component (exact along every direction dA with ``(I − UUᵀ) dA v_i = 0``,
  and for losses of s whose derivative in σ_i vanishes at σ_i = 0, e.g. ‖A‖_F² = Σ σ_i²); the same
  holds with U and V swapped for a wide A. TensorFlow's gradient loses the same component. A loss
  such as σ_i itself or the nuclear norm has a kink at σ_i = 0 and no gradient: the term
  s̄_i u_i v_iᵀ returned for it depends on which u_i the routine picked.

Real matrices only: for complex A, Uᴴ dU is skew-Hermitian, with an imaginary diagonal, each pair
(u_i, v_i) is free up to a common phase e^{iφ} (a U(1) gauge, not only a sign), and the formula
gains an imaginary-diagonal term. The helpers raise TypeError for complex input.

TensorFlow's own gradient (``_SvdGrad`` in ``tensorflow/python/ops/linalg_grad.py``) instead
replaces both reciprocals 1/x by the "Lorentz broadening" ``x / (x² + 1e-20)``: finite
everywhere, equal to 1/x for |x| >> 1e-10 and close to 0 for |x| << 1e-10, with an *absolute*
constant, so its result depends on the scale of A (notebook 05 shows both). It also refuses
``full_matrices=True`` when |m − n| > 1 (NotImplementedError), since the extra columns of a full
U or V are then any orthonormal basis of a subspace; :func:`svd_grad` takes the thin SVD only.
"""

import numpy as np
import tensorflow as tf

from ._validation import _check_real, _check_svd_triple, as_float_tensor

__all__ = ["numerical_gradient", "svd_grad", "svd_manual"]


# ----------------------------------------------------------------------------------------------
# the formula, on already-validated tensors
# ----------------------------------------------------------------------------------------------
def _svd_grad(s, U, V, grad_s, grad_U, grad_V):
    """The gradient formula; s (..., k), U (..., m, k), V (..., n, k) with static m, n, k."""
    m, k = U.shape[-2], U.shape[-1]
    n = V.shape[-2]
    dtype = s.dtype
    if grad_s is None and grad_U is None and grad_V is None:
        shape = tf.concat([tf.shape(U)[:-1], tf.shape(V)[-2:-1]], axis=0)
        return tf.zeros(shape, dtype=dtype)

    eps = float(np.finfo(dtype.as_numpy_dtype).eps)
    tol = max(m, n) * eps * tf.reduce_max(s, axis=-1, keepdims=True)  # (..., 1)
    zero = tf.zeros([], dtype)
    one = tf.ones([], dtype)

    # S⁺: the pseudo-inverse of diag(s), 0 where σ_i <= tol.
    big = s > tol
    s_pinv = tf.where(big, one / tf.where(big, s, one), zero)  # (..., k)

    # F_ij (X_ij σ_j + σ_i Y_ij) = ½(X_ij + Y_ij)/(σ_j − σ_i) + ½(X_ij − Y_ij)/(σ_j + σ_i)
    # (module docstring): the symmetric term is 0 where |σ_i − σ_j| <= tol (this includes the
    # diagonal, where X_ii = Y_ii = 0), the skew-symmetric one only where σ_i + σ_j <= tol.
    # Two separate divisions: the product (σ_j − σ_i)(σ_j + σ_i) could underflow in float32.
    s_i = s[..., :, tf.newaxis]
    s_j = s[..., tf.newaxis, :]
    tol_ij = tol[..., tf.newaxis]
    gap = s_j - s_i
    total = s_j + s_i
    tied = tf.abs(gap) <= tol_ij
    both_zero = total <= tol_ij
    inv_gap = tf.where(tied, zero, one / tf.where(tied, one, gap))  # (..., k, k)
    inv_total = tf.where(both_zero, zero, one / tf.where(both_zero, one, total))

    XY = tf.zeros_like(inv_gap)  # X + Y and X − Y, built from the factors that are present
    X_minus_Y = tf.zeros_like(inv_gap)
    if grad_U is not None:
        J_U = tf.matmul(U, grad_U, adjoint_a=True)  # UᵀŪ, (..., k, k)
        X = J_U - tf.linalg.matrix_transpose(J_U)
        XY, X_minus_Y = XY + X, X_minus_Y + X
    if grad_V is not None:
        J_V = tf.matmul(V, grad_V, adjoint_a=True)  # VᵀV̄
        Y = J_V - tf.linalg.matrix_transpose(J_V)
        XY, X_minus_Y = XY + Y, X_minus_Y - Y

    inner = 0.5 * (XY * inv_gap + X_minus_Y * inv_total)  # the k×k core U (...) Vᵀ
    if grad_s is not None:
        inner = inner + tf.linalg.diag(grad_s)

    if grad_U is not None and m > k:
        # U inner Vᵀ + (Ū − U J_U) S⁺ Vᵀ  =  [U (inner − J_U S⁺) + Ū S⁺] Vᵀ
        left = tf.matmul(U, inner - J_U * s_pinv[..., tf.newaxis, :])
        left = left + grad_U * s_pinv[..., tf.newaxis, :]
        return tf.matmul(left, V, adjoint_b=True)
    if grad_V is not None and n > k:
        # U inner Vᵀ + U S⁺ (V̄ − V J_V)ᵀ  =  U [(inner − S⁺ J_Vᵀ) Vᵀ + S⁺ V̄ᵀ]
        s_col = s_pinv[..., :, tf.newaxis]
        right = tf.matmul(inner - s_col * tf.linalg.matrix_transpose(J_V), V, adjoint_b=True)
        right = right + s_col * tf.linalg.matrix_transpose(grad_V)
        return tf.matmul(U, right)
    return tf.matmul(U, tf.matmul(inner, V, adjoint_b=True))


# ----------------------------------------------------------------------------------------------
# argument checking
# ----------------------------------------------------------------------------------------------
def _static_inner_dims(t, name):
    m, n = t.shape[-2], t.shape[-1]
    if m is None or n is None:
        raise ValueError(
            f"{name} must have statically known last two dimensions (the matrix size); "
            f"got shape {t.shape}"
        )
    return m, n


def _check_upstream(g, name, like):
    """None, or ``g`` as a tensor of ``like``'s dtype and shape."""
    if g is None:
        return None
    typed = isinstance(g, tf.Tensor | tf.Variable) or (
        isinstance(g, np.ndarray) and g.dtype.kind == "f"
    )
    g = as_float_tensor(g, name, min_ndim=len(like.shape))
    if g.dtype != like.dtype:
        if typed:
            raise TypeError(
                f"{name} must have the dtype of s, U and V ({like.dtype.name}); "
                f"got {g.dtype.name}"
            )
        g = tf.cast(g, like.dtype)
    if g.shape != like.shape:
        raise ValueError(
            f"{name} must have the shape of the factor it belongs to, {tuple(like.shape)}; "
            f"got {tuple(g.shape)}"
        )
    return g


def svd_grad(s, U, V, grad_s=None, grad_U=None, grad_V=None):
    """Gradient of a loss with respect to A, given its gradients with respect to A's thin SVD.

    Implements Townsend's formula (module docstring) with pure TensorFlow ops, batched over
    leading axes; see the module docstring for what happens at repeated, nearly repeated and
    zero singular values.

    Args:
      s: (..., k) singular values of A, k = min(m, n).
      U: (..., m, k) left singular vectors (thin).  V: (..., n, k) right singular vectors (thin),
        so that ``A = U diag(s) Vᵀ`` as returned by ``tf.linalg.svd(A)``.
      grad_s: (..., k) ∂L/∂s, or None for zero.
      grad_U: (..., m, k) ∂L/∂U, or None for zero.
      grad_V: (..., n, k) ∂L/∂V, or None for zero.
    Returns:
      (..., m, n) tensor ∂L/∂A, dtype of s (float32 or float64).
    Raises:
      TypeError: non-real entries, or s, U, V and the gradients not of one dtype.
      ValueError: wrong ranks or shapes (U, V not thin, batch axes that differ, a gradient not
        shaped like its factor, unknown matrix size), NaN/Inf, negative singular values.

    >>> s, U, V = tf.linalg.svd(tf.constant([[3., 0.], [0., 1.]]))
    >>> svd_grad(s, U, V, grad_s=tf.ones_like(s)).numpy()  # ∂(σ₁ + σ₂)/∂A = U Vᵀ
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """
    s, U, V = _check_svd_triple(s, U, V)
    m, kU = _static_inner_dims(U, "U")
    n, kV = _static_inner_dims(V, "V")
    k = s.shape[-1]
    if k is None:
        raise ValueError(f"s must have a statically known last dimension; got shape {s.shape}")
    if not (kU == kV == k == min(m, n)):
        raise ValueError(
            f"svd_grad needs the thin SVD: s (..., k), U (..., m, k), V (..., n, k) with "
            f"k = min(m, n); got s {tuple(s.shape)}, U {tuple(U.shape)}, V {tuple(V.shape)} "
            f"(full_matrices=True is not supported)"
        )
    if not (s.shape[:-1] == U.shape[:-2] == V.shape[:-2]):
        raise ValueError(
            f"s, U and V must have the same batch axes; got s {tuple(s.shape)}, "
            f"U {tuple(U.shape)}, V {tuple(V.shape)}"
        )
    if tf.executing_eagerly() and bool(tf.reduce_any(s < 0)):
        raise ValueError("s must hold singular values, which are non-negative")
    grad_s = _check_upstream(grad_s, "grad_s", s)
    grad_U = _check_upstream(grad_U, "grad_U", U)
    grad_V = _check_upstream(grad_V, "grad_V", V)
    return _svd_grad(s, U, V, grad_s, grad_U, grad_V)


# ----------------------------------------------------------------------------------------------
# an SVD whose backward pass is svd_grad
# ----------------------------------------------------------------------------------------------
@tf.custom_gradient
def _svd_with_manual_grad(A):
    s, U, V = tf.linalg.svd(A, full_matrices=False)

    def backward(grad_s, grad_U, grad_V):
        return _svd_grad(s, U, V, grad_s, grad_U, grad_V)

    return (s, U, V), backward


def svd_manual(A):
    """Thin SVD ``(s, U, V)`` exactly like ``tf.linalg.svd(A)``, with :func:`svd_grad` as backward.

    Works under ``tf.GradientTape`` and inside ``tf.function``, in float32 and float64, for
    tall, wide, square and batched matrices.

    Args:
      A: (..., m, n) real matrix or stack of matrices (tensor, variable, array or nested list);
        float32 stays float32, float64 stays float64, integers become float64. The last two
        dimensions must be known statically.
    Returns:
      ``(s, U, V)``: s (..., k), U (..., m, k), V (..., n, k), k = min(m, n).
    Raises:
      TypeError: complex, boolean or string entries.
      ValueError: fewer than 2 dimensions, an empty dimension, NaN or Inf, unknown matrix size.

    >>> A = tf.Variable([[3., 0.], [0., 1.]])
    >>> with tf.GradientTape() as tape:
    ...     s, U, V = svd_manual(A)
    ...     loss = s[0]
    >>> tape.gradient(loss, A).numpy()  # ∂σ₁/∂A = u₁ v₁ᵀ
    array([[1., 0.],
           [0., 0.]], dtype=float32)
    """
    A = as_float_tensor(A, "A", min_ndim=2)
    _static_inner_dims(A, "A")
    return _svd_with_manual_grad(A)


# ----------------------------------------------------------------------------------------------
# the reference every gradient is checked against
# ----------------------------------------------------------------------------------------------
def numerical_gradient(loss, A, h=None):
    """Central finite-difference gradient ``(L(A + h E_ij) − L(A − h E_ij)) / 2h``, entry by entry.

    Meant for small matrices (2 calls of ``loss`` per entry) in float64, as the reference that
    analytic gradients are checked against. The default step scales with the data, so that the
    result does not depend on the units of A: with a = max|A|, its relative error is about
    (h/a)² + eps·a/h, smallest near h = eps^(1/3)·a (≈ 1e-10 in float64, relative).

    Args:
      loss: callable taking a tensor shaped like A and returning a scalar.
      A: (...) real array or tensor with at least one entry; float32 stays float32 (but float64
        is what finite differences need), integers become float64.
      h: step, a positive real; default ``eps^(1/3) · max|A|`` (eps of A's dtype), or
        ``eps^(1/3)`` if A is all zeros.
    Returns:
      Tensor shaped like A, of A's dtype.
    Raises:
      TypeError: loss is not callable; non-real A.  ValueError: h not a positive real; a loss
        value that is not a finite scalar.

    >>> numerical_gradient(lambda X: tf.reduce_sum(X ** 2), [[1., 2.]]).numpy().round(6)
    array([[2., 4.]])
    """
    if not callable(loss):
        raise TypeError(f"loss must be a callable returning a scalar; got {type(loss).__name__}")
    A = as_float_tensor(A, "A", min_ndim=0)
    a = A.numpy()
    if h is None:
        scale = float(np.abs(a).max(initial=0))  # the size of A's entries; 1 for A = 0
        h = float(np.finfo(a.dtype).eps) ** (1 / 3) * (scale if scale > 0 else 1.0)
    else:
        h = _check_real(h, "h")
        if h <= 0:
            raise ValueError(f"h must be a positive real number; got {h!r}")
    grad = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        values = []
        for step in (h, -h):
            b = a.copy()
            b[idx] += step
            value = loss(tf.constant(b))
            value = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
            if value.size != 1 or not np.isfinite(value).all():
                raise ValueError(f"loss must return a finite scalar; got {value!r}")
            values.append(float(value.reshape(())))
        grad[idx] = (values[0] - values[1]) / (2 * h)
    return tf.constant(grad)
