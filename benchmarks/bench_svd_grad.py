"""Forward + backward through the SVD: ``helpers.gradients.svd_manual`` against
``tf.linalg.svd``'s own registered gradient, for square and 2:1 float32 matrices.

    python benchmarks/bench_svd_grad.py [repeats]

Both sides compute the same thing inside one ``tf.function``: the thin SVD, a loss that uses
s, U and V (``Σσᵢ + ⟨W, U diag(s) Vᵀ⟩``), and its gradient with respect to A. The forward SVD
alone is timed too: from 256 on it is most of the cost, so the two gradients end up close.
Runs of the two sides are interleaved so that machine load hits both alike; medians are
reported. The 1024 sizes use at most 3 repeats (each run takes seconds).
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import helpers  # noqa: E402, F401, I001  (first: it sets TensorFlow's environment variables)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from helpers import gradients  # noqa: E402

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


def _time(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    out = out[0] if isinstance(out, tuple | list) else out
    out.numpy()  # wait for the result
    return time.perf_counter() - start


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
        cases = {
            "svd_manual": _forward_backward(gradients.svd_manual),
            "tf.linalg.svd": _forward_backward(tf.linalg.svd),
        }
        forward_only = _forward_only()
        runs = repeats if max(m, n) < 1024 else min(repeats, 3)
        A = tf.constant(rng.standard_normal((m, n)).astype(np.float32))
        W = tf.constant(rng.standard_normal((m, n)).astype(np.float32))
        times = {name: [] for name in cases}
        times["forward only"] = []
        for fn in cases.values():  # trace and warm up
            fn(A, W).numpy()
        forward_only(A)[0].numpy()
        for _ in range(runs):
            for name, fn in cases.items():
                times[name].append(_time(fn, A, W))
            times["forward only"].append(_time(forward_only, A))
        med = {name: statistics.median(t) for name, t in times.items()}
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


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    repeats = int(argv[0]) if argv else 5
    result = run(repeats)
    print(result["title"])
    for row in result["rows"]:
        print(f"  {row['case']:<48} {row['median_s'] * 1e3:10.2f} ms  (median of {row['runs']})")
    for r in result["ratios"]:
        flag = "ok" if r["ok"] else "NOT OK"
        print(f"  {r['name']:<48} {r['value']:6.2f}  expected {r['expected']}  {flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
