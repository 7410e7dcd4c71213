"""``tf.linalg.svd`` against NumPy's LAPACK SVD (``numpy.linalg.svd``, OpenBLAS) on the same
matrices: square float32/float64 up to 1024, a tall 2000 x 200 matrix and a batch of 200 small
32 x 32 matrices; thin SVDs with U and V on both sides.

    python benchmarks/bench_svd_backends.py [repeats]

Both sides get the same array (NumPy's input is the tensor's ``.numpy()``), are called once before
timing, and their runs are interleaved so that machine load hits both alike; medians are reported.
NumPy runs with OpenBLAS's default thread count; when ``threadpoolctl`` is installed (it comes with
scikit-learn) NumPy is also timed with one thread: on a busy machine OpenBLAS's threads spin while
they wait for a core, and one thread can be several times faster than two.

Ratios: time of TensorFlow / time of NumPy (below 1: TensorFlow is faster), expected within a
factor 3 either way — neither backend should be far off the other on a CPU. And the largest
relative difference of the singular values, expected at rounding level (1e-4 for float32, 1e-10
for float64), since both compute the same decomposition.
"""

import sys  # noqa: I001  (the order below is on purpose)

from _common import interleaved_medians, main as _main  # first: it puts the root on sys.path
import helpers  # noqa: F401  (before TensorFlow: it sets TensorFlow's environment variables)
import numpy as np
import tensorflow as tf

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # optional
    threadpool_limits = None

# (label, shape, dtype)
CASES = [
    ("256x256 float64", (256, 256), np.float64),
    ("512x512 float64", (512, 512), np.float64),
    ("1024x1024 float32", (1024, 1024), np.float32),
    ("1024x1024 float64", (1024, 1024), np.float64),
    ("2000x200 float64 (tall)", (2000, 200), np.float64),
    ("200 x (32x32) float64 (batch)", (200, 32, 32), np.float64),
]
EXPECTED_TIME_FACTOR = 3.0
SV_TOL = {np.float32: 1e-4, np.float64: 1e-10}


def _one_thread():
    return threadpool_limits(limits=1, user_api="blas")


def run(repeats: int = 5) -> dict:
    """Return {"title", "rows": [{"case", "median_s", "runs"}], "ratios": [...]} (see README)."""
    repeats = max(1, int(repeats))
    rng = np.random.default_rng(0)
    rows, ratios = [], []
    for label, shape, dtype in CASES:
        A_np = rng.standard_normal(shape).astype(dtype)
        A_tf = tf.constant(A_np)

        def numpy_svd(A_np=A_np):
            return np.linalg.svd(A_np, full_matrices=False)

        def numpy_svd_1(A_np=A_np):
            with _one_thread():
                return np.linalg.svd(A_np, full_matrices=False)

        cases = {
            "tf.linalg.svd": lambda A_tf=A_tf: [t.numpy() for t in tf.linalg.svd(A_tf)],
            "numpy.linalg.svd": numpy_svd,
        }
        if threadpool_limits is not None:
            cases["numpy.linalg.svd, 1 BLAS thread"] = numpy_svd_1
        runs = repeats if max(shape) < 1024 else min(repeats, 3)
        med = interleaved_medians(cases, runs)  # with a warm-up call of each case
        for name in cases:
            rows.append({"case": f"{label}: {name}", "median_s": med[name], "runs": runs})
        for name in cases:
            if name == "tf.linalg.svd":
                continue
            value = med["tf.linalg.svd"] / med[name]
            ratios.append({
                "name": f"{label}: tf.linalg.svd / {name}",
                "value": value,
                "expected": f"between 1/{EXPECTED_TIME_FACTOR:g} and {EXPECTED_TIME_FACTOR:g}",
                "ok": 1 / EXPECTED_TIME_FACTOR <= value <= EXPECTED_TIME_FACTOR,
            })
        s_tf = tf.linalg.svd(A_tf, compute_uv=False).numpy().astype(np.float64)
        s_np = np.linalg.svd(A_np, compute_uv=False).astype(np.float64)
        rel = float(np.max(np.abs(s_tf - s_np)) / np.max(s_np))
        tol = SV_TOL[dtype]
        ratios.append({
            "name": f"{label}: max |s_tf - s_numpy| / sigma_1",
            "value": rel,
            "expected": f"<= {tol:g}",
            "ok": rel <= tol,
        })
    return {
        "title": "tf.linalg.svd against numpy.linalg.svd (LAPACK) on the same matrices",
        "rows": rows,
        "ratios": ratios,
    }


if __name__ == "__main__":
    sys.exit(_main(run))
