"""Forward + backward through the SVD: ``helpers.gradients.svd_manual`` against
``tf.linalg.svd``'s own registered gradient, for square and 2:1 float32 matrices.

Both sides compute the same thing inside one ``tf.function``: the thin SVD, a loss that uses
s, U and V (``Σσᵢ + ⟨W, U diag(s) Vᵀ⟩``), and its gradient with respect to A. Interleaved,
medians (5 runs, 3 from 1024 on). Bound: svd_manual / TF's gradient at most 1.5 at every size.
"""

from ._timing import _Checks, interleaved_medians, load_average, tensorflow

SIZES = [(64, 64), (128, 64), (256, 256), (512, 256), (1024, 1024), (2048, 1024)]
BOUNDS = {f"svd_manual / tf.linalg.svd gradient, {m}x{n}": "<= 1.5" for m, n in SIZES}
BOUNDS["load average (1 min) at the end"] = "record"


def _forward_backward(svd):

    import helpers  # noqa: F401  (first: it sets TensorFlow's environment variables)
    tf = tensorflow()

    @tf.function
    def step(A, W):
        with tf.GradientTape() as tape:
            tape.watch(A)
            s, U, V = svd(A)
            loss = tf.reduce_sum(s) + tf.reduce_sum(W * tf.matmul(U * s[tf.newaxis, :], V,
                                                                   adjoint_b=True))
        return tape.gradient(loss, A)

    return step


class SvdGrad(_Checks):
    """Every check of this module, measured once (``setup_cache``), one number per check."""

    params = [list(BOUNDS)]

    def setup_cache(self):
        import numpy as np

        import helpers  # noqa: F401  (first: it sets TensorFlow's environment variables)
        from helpers import gradients
        tf = tensorflow()

        tf.get_logger().setLevel("ERROR")  # one fresh tf.function per size is intended
        rng = np.random.default_rng(0)
        values = {}
        for m, n in SIZES:
            manual = _forward_backward(gradients.svd_manual)
            builtin = _forward_backward(tf.linalg.svd)
            A = tf.constant(rng.standard_normal((m, n)).astype(np.float32))
            W = tf.constant(rng.standard_normal((m, n)).astype(np.float32))
            med = interleaved_medians({
                "manual": lambda manual=manual, A=A, W=W: manual(A, W).numpy(),
                "builtin": lambda builtin=builtin, A=A, W=W: builtin(A, W).numpy()},
                5 if max(m, n) < 1024 else 3)
            values[f"svd_manual / tf.linalg.svd gradient, {m}x{n}"] = med["manual"] / med["builtin"]
        values["load average (1 min) at the end"] = load_average()
        return values
