"""Forward + backward through the SVD: ``helpers.gradients.svd_manual`` against
``tf.linalg.svd``'s own registered gradient, for square and 2:1 float32 matrices.

    python benchmarks/bench_svd_grad.py [repeats]

Both sides compute the same thing inside one ``tf.function``: the thin SVD, a loss that uses
s, U and V (``Σσᵢ + ⟨W, U diag(s) Vᵀ⟩``), and its gradient with respect to A. The forward SVD
alone is timed too: from 256 on it is most of the cost, so the two gradients end up close.
Runs of the two sides are interleaved so that machine load hits both alike; medians are
reported. The 1024 sizes use at most 3 repeats (each run takes seconds).
"""

import sys  # noqa: I001  (the order below is on purpose)

from _common import interleaved_medians, main as _main  # first: it puts the root on sys.path
import helpers  # noqa: F401  (before TensorFlow: it sets TensorFlow's environment variables)
import numpy as np
import tensorflow as tf

from helpers import gradients

SIZES = [(64, 64), (128, 64), (256, 256), (512, 256), (1024, 1024), (2048, 1024)]
EXPECTED_RATIO = 1.5


def _forward_backward(svd):
    @tf.function
    def step(A, W):
        with tf.GradientTape() as tape:
            tape.watch(A)
            s, U, V = svd(A)
            loss = tf.reduce_sum(s) + tf.reduce_sum(W * tf.matmul(U * s[tf.newaxis, :], V,
                                                                   adjoint_b=True))
        return tape.gradient(loss, A)

    return step


def _forward_only():
    return tf.function(tf.linalg.svd)


def run(repeats: int = 5) -> dict:
    """Return {"title", "rows": [{"case", "median_s", "runs"}], "ratios": [...]} (see README)."""
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")  # one fresh tf.function per size is intended: no retracing warning
    try:
        return _run(max(1, int(repeats)))
    finally:
        logger.setLevel(level)


def _run(repeats):
    rng = np.random.default_rng(0)
    rows, ratios = [], []
    for m, n in SIZES:
        # fresh functions per size: svd_manual needs the matrix size known when tracing
        manual = _forward_backward(gradients.svd_manual)
        builtin = _forward_backward(tf.linalg.svd)
        forward_only = _forward_only()
        runs = repeats if max(m, n) < 1024 else min(repeats, 3)
        A = tf.constant(rng.standard_normal((m, n)).astype(np.float32))
        W = tf.constant(rng.standard_normal((m, n)).astype(np.float32))
        cases = {  # each waits for its result (.numpy())
            "svd_manual": lambda manual=manual, A=A, W=W: manual(A, W).numpy(),
            "tf.linalg.svd": lambda builtin=builtin, A=A, W=W: builtin(A, W).numpy(),
            "forward only": lambda forward_only=forward_only, A=A: forward_only(A)[0].numpy(),
        }
        med = interleaved_medians(cases, runs)  # the warm-up call of each case traces it
        for name in ("svd_manual", "tf.linalg.svd"):
            rows.append({"case": f"{name} forward+backward {m}x{n}", "median_s": med[name],
                         "runs": runs})
        rows.append({"case": f"tf.linalg.svd forward only {m}x{n}",
                     "median_s": med["forward only"], "runs": runs})
        ratio = med["svd_manual"] / med["tf.linalg.svd"]
        ratios.append({"name": f"svd_manual / tf.linalg.svd gradient, {m}x{n}",
                       "value": ratio, "expected": f"<= {EXPECTED_RATIO}",
                       "ok": bool(ratio <= EXPECTED_RATIO)})
    return {"title": "SVD forward + backward: svd_manual (svd_grad) vs TensorFlow's gradient "
                     "(float32)",
            "rows": rows, "ratios": ratios}


if __name__ == "__main__":
    sys.exit(_main(run))
