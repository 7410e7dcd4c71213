"""Randomized SVD after Halko, Martinsson and Tropp (2011), in TensorFlow, in memory and streamed.

"Finding structure with randomness: probabilistic algorithms for constructing approximate
matrix decompositions", SIAM Review 53(2), 217–288. The rank-``rank`` SVD of an m×n matrix in
three steps, each built from matrix products, a thin QR and one small SVD:

1. **Sketch**: ``Y = A Ω`` with a Gaussian test matrix Ω of shape (n, l), l = rank + oversample.
   The columns of Y are random mixtures of A's columns, so they span (nearly) the dominant
   l-dimensional part of A's range.
2. **Range finder**: ``Q = qr(Y)``, an orthonormal basis of that range. Each of the
   ``power_iters`` power iterations replaces Y by ``(A Aᵀ) Y``, which raises the singular values to
   the power 2q + 1 and so sharpens their decay; Q is re-orthonormalised after every product with
   A or Aᵀ, or the columns would all collapse onto the top singular vector in floating point (HMT
   Algorithm 4.4, the subspace iteration).
3. **Small SVD**: ``B = Qᵀ A`` is only l×n; ``B = Ũ diag(s) Vᵀ`` and ``U = Q Ũ``.

Cost: O(m n l (2q + 2)) for the products against O(m n min(m, n)) for the full SVD.

Between the products of the power iterations, the thin QRs of the tall sketches are Cholesky
QRs, twice (CholeskyQR2: ``R = chol(YᵀY)ᵀ``, ``Q = Y R⁻¹``, then the same on Q), which cost two
small products each where a Householder QR (``tf.linalg.qr``, single-threaded) costs about as
much as a product with A. One Cholesky QR loses orthogonality like κ(Y)² ε, so the first step's
Gram matrix ``Q₁ᵀQ₁`` is checked: if it is not within 0.1 of the identity (a rank-deficient
sketch, κ(Y) beyond about ε^(-1/2)), that QR is done by Householder instead (:func:`_qr`).
Scaling the columns does not matter (the Cholesky factor scales with them). After power
iterations the final basis, from which B and U are formed, is a CholeskyQR2 too, and the result
is the same as with a Householder QR after every product, to rounding (every basis spans the same
columns); with ``power_iters=0`` it is one Householder QR, and the result is that of the three
steps written out with ``tf.linalg.qr``, bit for bit. The three steps run as one TensorFlow graph
(``tf.function``, traced once per shape and number of power iterations): their two dozen small
operations cost more as eager calls than their arithmetic. A is checked for NaN and Inf through
its sketch: see :func:`randomized_svd`.

Three functions:

* :func:`randomized_svd` — A in memory (a tensor or array), batched.
* :func:`streaming_randomized_svd` — the same range on a matrix read in blocks of rows (a
  ``np.memmap``, an HDF5 or Zarr dataset), ``q + 2`` passes over it, memory O((m + n) l) plus
  one block.
* :func:`single_pass_svd` — one pass over a stream of row blocks that cannot be read twice (a
  generator), by the two-sketch method of Tropp, Yurtsever, Udell and Cevher (2017).
"""

import functools
import numbers

import numpy as np
import tensorflow as tf

from ._validation import (
    _as_float_tensor_deferred,
    _check_finite_array,
    _check_int,
    _check_nonneg_int,
    _check_positive_int,
    _check_seed,
    as_float_tensor,
)


def _gaussian(shape, seed, dtype):
    """The documented test matrix: ``tf.random.stateless_normal(shape, seed=[seed, 0], dtype)``.

    A function of its arguments alone, so the last few small ones are kept
    (:func:`_gaussian_cached`): drawing 2048 × 60 normal numbers costs about 7% of the products
    of a rank-50 randomized SVD of a 2048² matrix, and a repeated call (a notebook's loop over
    seeds or ranks, a benchmark) draws the same Ω again.
    """
    shape = tuple(int(d) for d in shape)
    if int(np.prod(shape)) <= _GAUSSIAN_CACHE_MAX_ENTRIES:
        return _gaussian_cached(shape, int(seed), tf.as_dtype(dtype))
    return _draw_gaussian(shape, seed, dtype)


#: Test matrices of at most this many entries are kept, the last 8 drawn: at most 64 MB (float64).
_GAUSSIAN_CACHE_MAX_ENTRIES = 2**20


def _draw_gaussian(shape, seed, dtype):
    return tf.random.stateless_normal(shape, seed=tf.constant([seed, 0], tf.int64), dtype=dtype)


@functools.lru_cache(maxsize=8)
def _gaussian_cached(shape, seed, dtype):
    with tf.init_scope():  # an eager tensor even when first drawn inside a tf.function
        return _draw_gaussian(shape, seed, dtype)


#: CholeskyQR2 is kept when the first step's basis Q₁ has ‖Q₁ᵀQ₁ − I‖_F at most this: the
#: Frobenius norm bounds the 2-norm, so every eigenvalue of Q₁ᵀQ₁ lies in [0.9, 1.1],
#: κ(Q₁) <= √(1.1 / 0.9) and the second step is orthonormal to rounding (Yamamoto et al. 2015).
#: (A bound on each entry would not do: 0.09 off the diagonal of a 60 × 60 Gram matrix is κ ≈ 6.9.)
_CHOLQR_TOLERANCE = 0.1


def _cholesky_qr_accepted(G2):
    """True (a scalar bool tensor) when ‖G₂ − I‖_F <= ``_CHOLQR_TOLERANCE`` for every matrix of
    the batch G₂ (..., l, l); NaN or Inf anywhere gives False.

    >>> bool(_cholesky_qr_accepted(tf.eye(3) + 0.01))
    True
    """
    eye = tf.eye(tf.shape(G2)[-1], dtype=G2.dtype)
    off = tf.sqrt(tf.reduce_sum(tf.square(G2 - eye), axis=[-2, -1]))
    return tf.reduce_all(off <= _CHOLQR_TOLERANCE)


def _cholesky_qr_step(Y):
    """One Cholesky QR step: ``Y = Q R`` with ``R = Lᵀ``, ``L = chol(YᵀY)``; returns Q, YᵀY, L.

    L has NaN entries where YᵀY is not positive definite in floating point; the caller checks.
    """
    G = tf.matmul(tf.linalg.matrix_transpose(Y), Y)  # (..., l, l); faster than adjoint_a=True
    L = tf.linalg.cholesky(G)
    eye = tf.broadcast_to(tf.eye(tf.shape(G)[-1], dtype=G.dtype), tf.shape(G))
    L_inv = tf.linalg.triangular_solve(L, eye, lower=True)
    return tf.matmul(Y, L_inv, adjoint_b=True), G, L  # Y L⁻ᵀ = Y R⁻¹


def _cholesky_qr2(Y):
    """CholeskyQR2 of a tall Y, unchecked: ``(Q₂, L₁, L₂, ok)``, Q₂ = Y R₁⁻¹ R₂⁻¹ with
    ``R = (L₁ L₂)ᵀ``, and ``ok`` the test of :func:`_cholesky_qr_accepted` (if False, Q₂ is not
    to be used)."""
    Q1, _, L1 = _cholesky_qr_step(Y)
    Q2, G2, L2 = _cholesky_qr_step(Q1)
    return Q2, L1, L2, _cholesky_qr_accepted(G2)


def _qr_graph(Y):
    """Thin QR ``Y = Q R`` of a tall (..., m, l) Y, m >= l: CholeskyQR2, or Householder.

    Two Cholesky QR steps (Fukaya et al. 2020 discuss this family; CholeskyQR2 is Yamamoto et
    al. 2015): the first gives Q₁ = Y R₁⁻¹, the second orthonormalises Q₁ and measures it,
    ``G₂ = Q₁ᵀQ₁``. If ‖G₂ − I‖_F is at most ``_CHOLQR_TOLERANCE`` for every matrix of the batch
    (NaN fails the test; see :func:`_cholesky_qr_accepted`), Q₁ was well conditioned and
    Q = Q₁ R₂⁻¹ is orthonormal to rounding; else (Y rank-deficient, κ(Y) beyond about ε^(-1/2), entries that overflow or underflow in
    YᵀY) the whole batch is factored by ``tf.linalg.qr``. Works eagerly and inside ``tf.function``
    (``tf.cond``). Returns ``(Q, R)``, Q (..., m, l) with orthonormal columns, R (..., l, l) upper
    triangular (signs of its diagonal as the method gives them), ``Q R = Y`` to rounding.

    Run as one ``tf.function`` (:data:`_qr`): its two dozen small operations cost more as eager
    calls than their arithmetic, the more so on a busy machine. ``reduce_retracing`` makes the
    second shape seen trace a shape-generic graph, so a few traces serve every call.
    """
    rows, cols = Y.shape[-2], Y.shape[-1]
    if rows is not None and cols is not None and rows < cols:
        Q, R = tf.linalg.qr(Y)
        return Q, R
    Q2, L1, L2, ok = _cholesky_qr2(Y)

    def cholesky():
        return Q2, tf.linalg.matrix_transpose(tf.matmul(L1, L2))  # R = R₂ R₁ = (L₁ L₂)ᵀ

    def householder():
        Q, R = tf.linalg.qr(Y)
        return Q, R

    return tf.cond(ok, cholesky, householder)


_qr = tf.function(_qr_graph, reduce_retracing=True, autograph=False)


def _orthonormal_basis(Y):
    """Q of :func:`_qr`: an orthonormal basis of the columns of a tall Y."""
    return _qr(Y)[0]


def _project_rows(Q, A):
    """``Qᵀ A``, (..., l, n), for Q (..., m, l) and A (..., m, n).

    Also the way :func:`randomized_svd` forms ``Aᵀ Q = (Qᵀ A)ᵀ``: TensorFlow's own (Eigen) matrix
    product with ``adjoint_a`` on the big operand, ``matmul(A, Q, adjoint_a=True)``, is 2.5–2.7x
    slower than this one with ``adjoint_a`` on the thin Q (2048×2048 and 4096×4096 float32, oneDNN
    off; about equal with oneDNN on); the transpose of the l×n result costs little, and the
    numbers agree to rounding.
    """
    return tf.matmul(Q, A, adjoint_a=True)


def _small_svd(Q, B, rank):
    """Step 3: the SVD of the small ``B = Qᵀ A`` (..., l, n), lifted to ``U = Q Ũ``, truncated."""
    s, U_small, V = tf.linalg.svd(B)
    U = tf.matmul(Q, U_small)
    return s[..., :rank], U[..., :rank], V[..., :rank]


def _randomized_svd_core(A, omega, power_iters, householder_fallback):
    """The three steps of :func:`randomized_svd` for a checked A and its test matrix Ω:
    ``(s, U, V, sketch_is_finite, cholesky_accepted)``, s, U, V with all l columns (the caller
    truncates), then two scalar bool tensors: False if the sketch ``Y = A Ω`` holds NaN or Inf;
    False if a CholeskyQR2 failed its test (:func:`_cholesky_qr_accepted`).

    ``power_iters`` is a Python int (a loop unrolled in the graph). With
    ``householder_fallback`` every QR is :func:`_qr_graph`'s, a Householder QR where CholeskyQR2
    fails its test (a ``tf.cond`` per QR); without, every QR is CholeskyQR2 and the caller runs
    the first way again if one failed: the usual case pays no ``tf.cond``. Run as one
    ``tf.function`` (:data:`_randomized_svd_graph`): as one graph, its QRs and small operations
    cost a quarter less than as eager calls (2048² float32).
    """
    accepted = []

    def basis(Y):  # an orthonormal basis of the columns of the tall Y
        if householder_fallback:
            return _qr_graph(Y)[0]
        Q2, _, _, ok = _cholesky_qr2(Y)
        accepted.append(ok)
        return Q2

    Y = tf.matmul(A, omega)  # step 1, the sketch: (..., m, l)
    sketch_is_finite = tf.reduce_all(tf.math.is_finite(Y))
    for _ in range(power_iters):  # step 2: subspace iteration, a QR after every product
        Q = basis(Y)
        Z = basis(tf.linalg.matrix_transpose(_project_rows(Q, A)))  # Aᵀ Q: (n, l)
        Y = tf.matmul(A, Z)
    # The final basis: with power iterations, CholeskyQR2 as between them; without, one
    # Householder QR, so that the result is the three steps as notebook 08 writes them.
    Q = basis(Y) if power_iters else tf.linalg.qr(Y)[0]
    s, U, V = _small_svd(Q, _project_rows(Q, A), Y.shape[-1])  # step 3, B = Qᵀ A: (..., l, n)
    return s, U, V, sketch_is_finite, tf.reduce_all(tf.stack([True, *accepted]))


_randomized_svd_graph = tf.function(_randomized_svd_core, reduce_retracing=True, autograph=False)


def randomized_svd(A, rank, oversample=10, power_iters=2, seed=0):
    """Approximate rank-``rank`` SVD ``A ≈ U diag(s) Vᵀ`` by a randomized range finder, batched.

    Halko–Martinsson–Tropp: a Gaussian sketch ``Y = A Ω`` with l = min(rank + oversample,
    min(m, n)) columns, ``power_iters`` power iterations with a QR re-orthonormalisation after
    every product (CholeskyQR2, Householder when the sketch is too ill-conditioned for it; with
    ``power_iters=0`` one Householder QR: see the module docstring), then the SVD of the small
    l×n matrix ``Qᵀ A``. The sketch Ω is drawn with
    ``tf.random.stateless_normal`` from ``seed`` alone, so the same call gives the same result on
    every run, whatever the global random state: Ω is exactly
    ``tf.random.stateless_normal([n, l], seed=[seed, 0], dtype=A.dtype)``. One Ω serves every
    matrix of a batch, so ``randomized_svd(A)[i]`` equals ``randomized_svd(A[i])``.

    If A has exact rank ≤ l (for instance rank + oversample ≥ min(m, n)), the result is exact up to
    rounding. Otherwise the error is at least the optimal one, ‖A − A_rank‖_F =
    √(tail_energy(s, rank)) (notebook 04), and close to it for a decaying spectrum.

    For a matrix too large for memory, see :func:`streaming_randomized_svd` (the same algorithm,
    reading A in blocks of rows) and :func:`single_pass_svd` (one pass over a stream).

    Args:
      A: (..., m, n) real matrix or stack of matrices: tensor, NumPy array or nested list.
        float32 stays float32, float64 stays float64, integers become float64. m and n must be
        known (static) when called inside ``tf.function``.
      rank: int, 1 <= rank <= min(m, n), the number of singular triplets returned.
      oversample: int >= 0, extra sketch columns (HMT suggest 5–10); rank + oversample is clamped
        to min(m, n).
      power_iters: int >= 0, the number q of power iterations (1–2 are usually enough).
      seed: int, 0 <= seed < 2**63, the seed of the Gaussian sketch.
    Returns:
      ``(s, U, V)`` in ``tf.linalg.svd``'s convention, truncated to ``rank``: s (..., rank)
      descending and non-negative, U (..., m, rank) and V (..., n, rank) with orthonormal
      columns, all of A's dtype. V is returned, not Vᵀ.
    Raises:
      ValueError: rank not an integer between 1 and min(m, n); oversample or power_iters not an
        integer >= 0; seed not an integer between 0 and 2**63 - 1; A with fewer than 2
        dimensions, an empty dimension, NaN or Inf, or unknown m, n. Booleans are rejected.
      TypeError: A complex, boolean or string.

    >>> A = tf.constant([[3., 0., 0.], [0., 2., 0.], [0., 0., 1.]])
    >>> s, U, V = randomized_svd(A, rank=2)
    >>> s.numpy().round(4)
    array([3., 2.], dtype=float32)
    """
    A, check_finite = _as_float_tensor_deferred(A, "A", min_ndim=2)
    m, n = A.shape[-2], A.shape[-1]
    if m is None or n is None:
        raise ValueError(
            f"A must have known numbers of rows and columns; got shape {tuple(A.shape)}"
        )
    k = min(m, n)
    rank = _check_int(rank, "rank", 1, k, "min(m, n)")
    oversample = _check_nonneg_int(oversample, "oversample")
    power_iters = _check_nonneg_int(power_iters, "power_iters")
    seed = _check_seed(seed)

    width = min(rank + oversample, k)
    omega = _gaussian([n, width], seed, A.dtype)
    # NaN and Inf: a NaN or Inf in row i of A makes row i of the sketch Y = A Ω NaN or Inf
    # (IEEE arithmetic: NaN·x = NaN, Inf·0 = NaN, Inf − Inf = NaN), so A itself is checked
    # (as_float_tensor's check and its error) only if Y is not finite: a pass over the small Y
    # instead of one over A. The steps after the sketch give NaN, quickly, on such input. In a
    # graph (inside the caller's tf.function) A is checked first, as usual.
    if not tf.executing_eagerly():
        A = check_finite(A) if check_finite is not None else A
        s, U, V, _, _ = _randomized_svd_graph(A, omega, power_iters, True)
        return s[..., :rank], U[..., :rank], V[..., :rank]
    s, U, V, sketch_is_finite, accepted = _randomized_svd_graph(A, omega, power_iters, False)
    if check_finite is not None and not bool(sketch_is_finite):
        check_finite(A)  # raises, unless finite entries of A overflowed in Y: then NaN results
    if not bool(accepted):  # a sketch too ill-conditioned for CholeskyQR2: Householder there
        s, U, V, _, _ = _randomized_svd_graph(A, omega, power_iters, True)
    return s[..., :rank], U[..., :rank], V[..., :rank]


# ----------------------------------------------------------------------------------------------
# streaming: A read in blocks of rows, q + 2 passes
# ----------------------------------------------------------------------------------------------
def _check_row_sliceable(A):
    """(m, n) of a 2-D matrix-like A with ``.shape`` and row slicing ``A[i:j]``, else an error."""
    shape = getattr(A, "shape", None)
    if shape is None or not hasattr(A, "__getitem__"):
        raise TypeError(
            "A must be a 2-D array with a .shape (m, n) and row slicing A[i:j] (a NumPy array, "
            f"np.memmap, tensor, HDF5 or Zarr dataset); got {type(A).__name__}"
        )
    shape = tuple(shape)
    if len(shape) != 2:
        raise ValueError(f"A must be 2-D, shape (m, n); got shape {shape}")
    if not all(isinstance(d, numbers.Integral) for d in shape):
        raise ValueError(f"A must have known numbers of rows and columns; got shape {shape}")
    if 0 in shape:
        raise ValueError(f"A must not have an empty dimension; got shape {shape}")
    return int(shape[0]), int(shape[1])


#: Byte alignment of the buffers whose memory a tensor shares (:func:`_aligned_empty`): TensorFlow
#: shares a buffer only if it is aligned to Eigen's largest vector width (64 bytes with AVX-512).
_ALIGN = 64


def _aligned_empty(shape, dtype):
    """An uninitialised C-order NumPy array whose data starts on a ``_ALIGN``-byte boundary.

    Its pages take memory only once written (a large allocation is a fresh memory map).
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    raw = np.empty(nbytes + _ALIGN, np.uint8)
    offset = -raw.ctypes.data % _ALIGN
    return raw[offset:offset + nbytes].view(dtype).reshape(shape)


def _shared_tensor(arr):
    """A tensor that shares the memory of the C-contiguous, ``_ALIGN``-aligned NumPy array ``arr``.

    ``tf.convert_to_tensor`` copies an array, and holds two copies of it while the tensor lives
    (TensorFlow 2.21); through DLPack, TensorFlow takes the buffer as it is. Only for buffers this
    module owns and does not write while the tensor is in use (eager execution on the CPU is
    synchronous: an operation has read its inputs when it returns). Anything else is copied.
    """
    if (arr.size == 0 or not arr.flags.c_contiguous or arr.ctypes.data % _ALIGN
            or not tf.config.experimental.get_synchronous_execution()):
        return tf.convert_to_tensor(arr)
    return tf.experimental.dlpack.from_dlpack(arr.__dlpack__())


def _float_dtype(arr):
    """The dtype :func:`helpers.as_float_tensor` gives a real NumPy array (float32 or float64)."""
    if arr.dtype.kind == "f" and arr.dtype.itemsize <= 4:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


class _BlockReader:
    """Blocks of rows of A as tensors, with at most one copy per block.

    A NumPy block that is already what the computation needs (float32 or float64 in native byte
    order, C-contiguous, ``_ALIGN``-aligned, writeable: a file reader's fresh array, a block of
    an array in memory) is shared by its tensor as it is (:func:`_shared_tensor`): no copy.
    Any other NumPy block (a read-only memory map, HDF5 or Zarr in another dtype or byte order,
    integers) is copied (and converted to float32 or float64, as :func:`helpers.as_float_tensor`
    would) into a buffer of ``block_rows × n`` numbers allocated once, which the block's tensor
    shares: no allocation per block, and no copy held beside it. The tensor is valid until the
    next block is read. Tensors are converted as before; anything other than a real NumPy array
    goes through :func:`helpers.as_float_tensor` (its errors included).
    """

    def __init__(self, block_rows, n):
        self.block_rows, self.n = block_rows, n
        self.buffer = None

    def block(self, raw, name, check):
        """``raw`` (A[i:j], named ``name``) as a tensor; with ``check``, dtype, NaN and Inf checked."""
        if isinstance(raw, tf.Tensor | tf.Variable):
            return as_float_tensor(raw, name, min_ndim=0) if check else _as_tensor(raw)
        try:
            arr = np.asarray(raw)
        except ValueError:  # ragged: as_float_tensor says so
            return as_float_tensor(raw, name, min_ndim=0)
        if (arr.dtype.kind not in "fiu" or arr.ndim != 2 or arr.shape[1] != self.n
                or not 0 < arr.shape[0] <= self.block_rows):
            return as_float_tensor(arr, name, min_ndim=0)  # its errors, or the caller's shape check
        dtype = _float_dtype(arr)
        if check and arr.dtype.kind == "f":
            _check_finite_array(arr, name)
        if (arr.dtype == dtype and arr.dtype.isnative and arr.flags.c_contiguous
                and arr.flags.writeable and arr.ctypes.data % _ALIGN == 0):
            return _shared_tensor(arr)  # as the computation needs it: shared, not copied
        if self.buffer is None or self.buffer.dtype != dtype:
            self.buffer = _aligned_empty((self.block_rows, self.n), dtype)
        out = self.buffer[:arr.shape[0]]
        np.copyto(out, arr, casting="unsafe")  # float16 and integers widen, byte order is undone
        return _shared_tensor(out)


def _as_tensor(raw):
    """A block that is neither checked nor copied into the buffer: as_float_tensor's dtype rules."""
    if isinstance(raw, tf.Tensor | tf.Variable):
        return tf.convert_to_tensor(raw) if raw.dtype in (tf.float32, tf.float64) else (
            tf.cast(raw, tf.float32 if raw.dtype.is_floating else tf.float64))
    arr = np.asarray(raw)
    return tf.convert_to_tensor(arr.astype(_float_dtype(arr), copy=False))


def _row_blocks(A, m, n, block_rows, dtype=None, check=True, reader=None):
    """One pass over A: ``(start, stop, block)`` with block = A[start:stop] as a float tensor.

    With ``check`` every block's dtype is checked and its entries for NaN and Inf, as by
    :func:`as_float_tensor`, and the error names its row range; without it (a later pass over
    rows already checked) it is only converted to ``dtype``. Every block must have the shape
    (stop - start, n) and ``dtype`` (None: the first block's). Through ``reader``
    (:class:`_BlockReader`, one per call) NumPy blocks share one buffer: a block is valid until
    the next one is read.
    """
    reader = reader or _BlockReader(block_rows, n)
    for start in range(0, m, block_rows):
        stop = min(start + block_rows, m)
        name = f"A[{start}:{stop}]"
        block = reader.block(A[start:stop], name, check or dtype is None)
        if tuple(block.shape) != (stop - start, n):
            raise ValueError(
                f"{name} must have shape {(stop - start, n)} (A's row slicing); "
                f"got shape {tuple(block.shape)}"
            )
        if dtype is None:
            dtype = block.dtype
        elif block.dtype != dtype:
            raise TypeError(
                f"{name} has dtype {block.dtype.name} but A[0:{min(block_rows, m)}] had "
                f"{dtype.name}; every block of A must convert to one dtype"
            )
        yield start, stop, block
        del block  # not held while the next block is read: one block in memory at a time


def streaming_randomized_svd(A, rank, *, oversample=10, power_iters=1, block_rows=4096, seed=0):
    """:func:`randomized_svd` of an m×n matrix read in blocks of rows, never all in memory.

    The range of Halko–Martinsson–Tropp's algorithm, ``(A Aᵀ)^q A Ω``, with every product
    against A accumulated over blocks ``A_j = A[i:i + block_rows]`` of rows, in ``q + 2`` passes:

    * each power iteration, one pass: ``W = Aᵀ (A Z) = Σ_j A_jᵀ (A_j Z)`` (n×l, summed over
      blocks), then ``Z = qr(W)``; Z starts as Ω. The QR of this small n×l matrix keeps the
      iteration stable (it is what a re-orthonormalisation after every product does, once per
      pair of products);
    * one pass, the sketch: ``Y = A Z`` block by block, orthonormalised as it comes by a blocked
      (TSQR) QR: each block's ``A_j Z = Q_j R_j``, then one QR of the stacked small R_j;
    * last pass: ``B = Qᵀ A = Σ_j Q_jᵀ A_j`` (l×n), its SVD ``B = Ũ diag(s) Vᵀ`` and ``U = Q Ũ``.

    That is ``power_iters + 2`` passes over A. Ω is the one of :func:`randomized_svd`,
    ``tf.random.stateless_normal([n, l], seed=[seed, 0], dtype)`` with l = min(rank + oversample,
    min(m, n)), so the basis spans the same columns as :func:`randomized_svd`'s: with any
    ``block_rows`` (``block_rows >= m`` included) the result equals ``randomized_svd(A, rank,
    oversample, power_iters, seed)`` to rounding, not bitwise (that one re-orthonormalises after
    every product, this one after each ``AᵀA Z``; the two can differ beyond rounding mainly where a
    wanted direction has σᵢ below about √ε σ₁ (3·10⁻⁴ σ₁ in float32, 10⁻⁸ σ₁ in float64), a
    worst-case rounding estimate: such a direction may gain less from each power iteration,
    though the QR of Z renormalises what is left and usually keeps it; U and V also differ where
    σ_rank ≈ σ_rank+1, in any dtype).
    Blocks are checked for NaN and Inf (:func:`helpers.as_float_tensor`) on the first pass only.

    Memory: one block at a time (``block_rows × n`` numbers: an aligned float32 or float64 NumPy
    block in native byte order is shared by its tensor, any other is copied once into a buffer
    reused for every block; a tensor block is used as it is) and O((m + n) l) numbers: Q (m×l, one array filled block by block), Ω and Z (n×l), W or B
    (l×n), U (m×rank). Nothing of size m×n is ever formed. With the default ``block_rows`` and
    n = 10⁵ columns in float32, a block is 1.6 GB: lower ``block_rows`` for wide matrices.

    Args:
      A: an m×n real matrix that supports ``A.shape == (m, n)`` and row slicing ``A[i:j]``
        returning an array: a NumPy array, a ``np.memmap``, a tensor, an HDF5 (h5py) or Zarr
        dataset. Only 2-D, no batch axes. Computed in float32 if A is float32 (or float16),
        float64 if float64 or integer, like :func:`randomized_svd`.
      rank: int, 1 <= rank <= min(m, n), the number of singular triplets returned.
      oversample: int >= 0, extra sketch columns; rank + oversample is clamped to min(m, n).
      power_iters: int >= 0, the number q of power iterations, one pass over A each.
      block_rows: int >= 1, the number of rows read at a time (the last block may be shorter).
      seed: int, 0 <= seed < 2**63, the seed of the Gaussian sketch.
    Returns:
      ``(s, U, V)`` as :func:`randomized_svd`: s (rank,) descending, U (m, rank), V (n, rank)
      with orthonormal columns, all in the computation's dtype. V is returned, not Vᵀ.
    Raises:
      TypeError: A without a ``.shape`` or without slicing; a block of A complex, boolean or
        string, or of another dtype than the first block.
      ValueError: A not 2-D, with an empty or unknown dimension; rank not an integer between 1
        and min(m, n); oversample or power_iters not an integer >= 0; block_rows not a positive
        integer; seed not an integer between 0 and 2**63 - 1; a block ``A[i:j]`` with NaN or Inf
        (the message names the rows i:j) or of the wrong shape. Booleans are rejected.

    >>> A = np.diag([3., 2., 1., 0.5])
    >>> s, U, V = streaming_randomized_svd(A, rank=2, block_rows=3)  # blocks of rows 0:3, 3:4
    >>> s.numpy().round(4)
    array([3., 2.])
    """
    m, n = _check_row_sliceable(A)
    k = min(m, n)
    rank = _check_int(rank, "rank", 1, k, "min(m, n)")
    oversample = _check_nonneg_int(oversample, "oversample")
    power_iters = _check_nonneg_int(power_iters, "power_iters")
    block_rows = _check_positive_int(block_rows, "block_rows")
    seed = _check_seed(seed)
    width = min(rank + oversample, k)
    state = {"dtype": None, "passes": 0, "Z": None}
    reader = _BlockReader(block_rows, n)  # NumPy blocks pass through one buffer, reused

    def one_pass():  # (start, stop, block) over A; the first pass checks, and draws Ω
        check = state["passes"] == 0
        state["passes"] += 1
        for start, stop, block in _row_blocks(A, m, n, block_rows, state["dtype"], check,
                                              reader):
            if state["Z"] is None:  # the first block fixes the dtype, so Ω is drawn here
                state["dtype"] = block.dtype
                state["Z"] = _gaussian([n, width], seed, block.dtype)
            yield start, stop, block
            del block

    for _ in range(power_iters):  # one pass each: Wᵀ = (A Z)ᵀ A = Σ_j (A_j Z)ᵀ A_j, (l, n)
        W_t = None
        for _, _, block in one_pass():
            part = _project_rows(tf.matmul(block, state["Z"]), block)
            W_t = part if W_t is None else W_t + part
            del block
        state["Z"] = _orthonormal_basis(tf.linalg.matrix_transpose(W_t))  # (n, l)

    # The sketch Y = A Z, orthonormalised block by block (TSQR): A_j Z = Q_j R_j, then
    # [R_1; R_2; ...] = Q_R R, and Q = diag(Q_j) Q_R, of which block j is Q_j (Q_R)_j. The Q_j
    # go into one m×l array, allocated once (not one allocation per block, which would leave
    # the memory freed between them in pieces too small for the next block).
    Q, R_blocks, parts, offset = None, [], [], 0
    for start, stop, block in one_pass():
        Q_j, R_j = _qr(tf.matmul(block, state["Z"]))  # Q_j (b, c), c = min(b, l)
        del block
        if Q is None:
            Q = _aligned_empty((m, width), Q_j.dtype.as_numpy_dtype)
        cols = Q_j.shape[1]
        Q[start:stop, :cols] = Q_j
        parts.append((cols, offset))  # Q_j's columns, its rows' offset in [R_1; R_2; ...]
        offset += cols
        R_blocks.append(R_j)
    Q_R, _ = _qr(tf.concat(R_blocks, axis=0))
    del R_blocks

    B = None  # last pass: Q's block j becomes Q_j (Q_R)_j, in place; B = Qᵀ A = Σ_j Q_jᵀ A_j
    for j, (start, stop, block) in enumerate(one_pass()):
        cols, offset = parts[j]
        Q_j = tf.matmul(Q[start:stop, :cols], Q_R[offset:offset + cols])  # (b, l)
        Q[start:stop] = Q_j
        part = _project_rows(Q_j, block)
        B = part if B is None else B + part
        del block, Q_j
    reader.buffer = None  # the passes are over: the block buffer is not held beside U
    s, U_small, V = tf.linalg.svd(B)
    U = tf.matmul(_shared_tensor(Q), U_small[:, :rank])  # U = Q Ũ, no copy of Q
    del Q
    return s[:rank], U, V[:, :rank]


# ----------------------------------------------------------------------------------------------
# single pass: Tropp, Yurtsever, Udell and Cevher (2017)
# ----------------------------------------------------------------------------------------------
#: Rows of the co-range test matrix Ψ drawn at a time: chunk c holds Ψ's columns for the global
#: rows c·_PSI_CHUNK ... (c + 1)·_PSI_CHUNK − 1, from the seed (seed, c + 1), whatever the blocks.
_PSI_CHUNK = 256


class _CoRangeTestMatrix:
    """Ψ (l×m, Gaussian) produced on demand by row ranges ``[start, stop)`` of A, as Ψᵀ rows.

    Column j of Ψ (row j of A) depends only on ``seed`` and j: chunk c of ``_PSI_CHUNK`` columns
    is ``tf.random.stateless_normal([_PSI_CHUNK, l], seed=[seed, c + 1])`` (transposed), so
    re-blocking the rows of A gives the same Ψ, and m need not be known in advance. The chunk last
    used is kept, so a stream of small blocks draws each chunk once.
    """

    def __init__(self, width, seed, dtype):
        self.width, self.seed, self.dtype = width, seed, dtype
        self._cached = (None, None)

    def _chunk(self, c):
        if self._cached[0] != c:
            seed = tf.constant([self.seed, c + 1], tf.int64)
            shape = [_PSI_CHUNK, self.width]
            chunk = tf.random.stateless_normal(shape, seed=seed, dtype=self.dtype)
            self._cached = (c, chunk)
        return self._cached[1]

    def rows(self, start, stop):
        """Ψ[:, start:stop]ᵀ, shape (stop − start, l)."""
        first, last = start // _PSI_CHUNK, (stop - 1) // _PSI_CHUNK
        chunks = tf.concat([self._chunk(c) for c in range(first, last + 1)], axis=0)
        offset = start - first * _PSI_CHUNK
        return chunks[offset:offset + stop - start]


def single_pass_svd(row_blocks, n, rank, *, sketch=None, seed=0):
    """Rank-``rank`` SVD from one pass over a stream of row blocks: each block is read once.

    The two-sketch method of Tropp, Yurtsever, Udell and Cevher (2017), "Practical sketching
    algorithms for low-rank matrix approximation", SIAM J. Matrix Anal. Appl. 38(4), 1454–1485:
    their simplest low-rank approximation ``Q X``, truncated to a fixed rank. For an m×n matrix A
    arriving as blocks of rows A_i (b_i×n):

    * range sketch ``Y = A Ω`` (m×k) with a Gaussian Ω (n×k): row block i of Y is ``A_i Ω``;
    * co-range sketch ``W = Ψ A = Σ_i Ψ_i A_i`` (l×n) with a Gaussian Ψ (l×m); the columns Ψ_i of
      Ψ for block i are drawn from ``seed`` and the global row indices, so m need not be known in
      advance and re-blocking the same rows gives the same Ψ (the same result, to rounding);
    * after the stream: ``Q = qr(Y)`` (m×k'), ``X = (Ψ Q)⁺ W`` (k'×n) by least squares through
      the QR of the l×k' matrix ``Ψ Q`` (Ψ is drawn again from its seed), so ``A ≈ Q X``; then
      ``X = Ũ diag(s) Vᵀ``, ``U = Q Ũ``, truncated to ``rank``.

    Sketch sizes: k = ``2 rank + 1`` by default (``sketch=None``), or ``k = sketch``; k is
    clamped to n, and Q has k' = min(k, m) columns; the co-range sketch has l = 2k + 1 rows (with
    the clamped k). Tropp et al. bound the expected squared error of ``Q X`` by
    (1 + k / (l − k − 1)) (1 + r / (k − r − 1)) times the optimal rank-r tail Σ_{i>r} σᵢ², for
    r < k − 1: with these defaults and r = rank, 4 times, and truncating ``Q X`` to rank r adds at
    most twice its error, so E‖A − U diag(s) Vᵀ‖_F <= 5 ‖A − A_r‖_F. If A has exact rank ≤ k' the
    result is exact up to rounding. With no second look at A, the error is larger than that of
    :func:`randomized_svd` (1.4–1.7x the optimal one for σᵢ = 1/i, 1.3–1.5x for a Gaussian
    matrix, in ``tests/test_streaming.py``); when A can be read again, prefer
    :func:`streaming_randomized_svd`.

    Memory: Y (m×k), W (l×n), Ω (n×k), one block and one chunk of Ψ (256×l): O(m k + n l).

    Args:
      row_blocks: an iterable (a list, or a one-shot generator) of 2-D blocks of rows of A,
        shapes (b_i, n) with b_i >= 1, in order from row 0; tensors, NumPy arrays or nested
        lists. It is iterated exactly once. float32 stays float32, float64 stays float64,
        integers become float64; every block must convert to the first block's dtype.
      n: int >= 1, the number of columns of A (every block's width).
      rank: int, 1 <= rank <= min(m, n); rank <= n is checked at once, rank <= m (the total
        number of rows) when the stream ends.
      sketch: None (k = 2 rank + 1) or int, rank <= sketch <= n, the range sketch's width k;
        the co-range sketch has l = 2k + 1 rows.
      seed: int, 0 <= seed < 2**63: Ω is ``stateless_normal([n, k], seed=[seed, 0])`` and
        chunk c of Ψ uses the seed ``[seed, c + 1]``.
    Returns:
      ``(s, U, V)`` in ``tf.linalg.svd``'s convention: s (rank,) descending, U (m, rank) and
      V (n, rank) with orthonormal columns, in the blocks' dtype. V is returned, not Vᵀ.
    Raises:
      TypeError: row_blocks not iterable; a block complex, boolean or string, or of another
        dtype than the first block.
      ValueError: n not a positive integer; rank not an integer between 1 and min(m, n); sketch
        neither None nor an integer between rank and n; seed not an integer between 0 and
        2**63 - 1; an empty stream; a block that is not 2-D, has not n columns, has no rows or
        holds NaN or Inf (the message names the block's index and first row). Booleans are
        rejected.

    >>> blocks = (np.diag([3., 2., 1.])[i:i + 1] for i in range(3))  # a generator, row by row
    >>> s, U, V = single_pass_svd(blocks, n=3, rank=2)
    >>> s.numpy().round(4)
    array([3., 2.])
    """
    n = _check_positive_int(n, "n")
    rank = _check_int(rank, "rank", 1, n, "min(m, n); rank <= m is checked when the stream ends")
    if sketch is None:
        k = min(2 * rank + 1, n)
    else:
        k = _check_int(sketch, "sketch", rank, n, "the range sketch's width k, from rank to n")
    seed = _check_seed(seed)
    ell = 2 * k + 1  # the paper's l
    try:
        stream = iter(row_blocks)
    except TypeError:
        raise TypeError(
            "row_blocks must be an iterable of (b, n) blocks of rows; "
            f"got {type(row_blocks).__name__}"
        ) from None

    dtype = omega = psi = W = None
    Y_parts, m = [], 0
    for i, block in enumerate(stream):
        name = f"block {i} (starting at row {m})"
        block = as_float_tensor(block, name, min_ndim=0)  # dtype, emptiness, NaN and Inf
        if len(block.shape) != 2 or block.shape[1] != n:
            raise ValueError(
                f"{name} must be 2-D with n = {n} columns, shape (b, {n}); "
                f"got shape {tuple(block.shape)}"
            )
        if dtype is None:
            dtype = block.dtype
            omega = _gaussian([n, k], seed, dtype)
            psi = _CoRangeTestMatrix(ell, seed, dtype)
        elif block.dtype != dtype:
            raise TypeError(
                f"{name} has dtype {block.dtype.name} but block 0 had {dtype.name}; every block "
                "must convert to one dtype"
            )
        b = block.shape[0]
        Y_parts.append(tf.matmul(block, omega))  # (b, k)
        part = tf.matmul(psi.rows(m, m + b), block, adjoint_a=True)  # Ψ_i A_i, (l, n)
        W = part if W is None else W + part
        m += b
    if dtype is None:
        raise ValueError("row_blocks must yield at least one block of rows; the stream was empty")
    _check_int(rank, "rank", 1, min(m, n), f"min(m, n), with m = {m} rows in the stream")

    Q, _ = tf.linalg.qr(tf.concat(Y_parts, axis=0))  # (m, k'), k' = min(k, m)
    psi_Q = None  # Ψ Q, (l, k'), Ψ drawn again chunk by chunk
    for start in range(0, m, _PSI_CHUNK):
        stop = min(start + _PSI_CHUNK, m)
        part = tf.matmul(psi.rows(start, stop), Q[start:stop], adjoint_a=True)
        psi_Q = part if psi_Q is None else psi_Q + part
    Q_p, R_p = tf.linalg.qr(psi_Q)  # Ψ Q = Q_p R_p, R_p (k', k') invertible almost surely
    X = tf.linalg.triangular_solve(R_p, tf.matmul(Q_p, W, adjoint_a=True), lower=False)
    return _small_svd(Q, X, rank)  # A ≈ Q X, X (k', n)
