"""``tf.linalg.svd`` against NumPy's LAPACK SVD (``numpy.linalg.svd``, OpenBLAS) on the same
matrices: square float32/float64 up to 1024, a tall 2000 x 200 matrix and a batch of 200 small
32 x 32 matrices; thin SVDs with U and V on both sides.

Threads are pinned, so that two thread pools do not fight over the cores: the comparison runs in
a child process with TensorFlow's intra- and inter-op pools and every BLAS pool (threadpoolctl)
on one thread each. Both sides get the same array, are called once before timing and
interleaved; medians (5 runs, 3 at 1024). Bounds: TensorFlow's time / NumPy's within a factor 3
either way; the singular values agree to rounding (1e-4 of σ₁ in float32, 1e-10 in float64).
"""

from ._timing import _Checks, interleaved_medians, load_average, run_child, tensorflow

CASES = [
    ("256x256 float64", (256, 256), "float64"),
    ("512x512 float64", (512, 512), "float64"),
    ("1024x1024 float32", (1024, 1024), "float32"),
    ("1024x1024 float64", (1024, 1024), "float64"),
    ("2000x200 float64 (tall)", (2000, 200), "float64"),
    ("200 x (32x32) float64 (batch)", (200, 32, 32), "float64"),
]
TIME_FACTOR = 3.0
SV_TOL = {"float32": 1e-4, "float64": 1e-10}

BOUNDS = {}
for _label, _shape, _dtype in CASES:
    BOUNDS[f"{_label}: tf.linalg.svd / numpy.linalg.svd, 1 thread each"] = (
        f"in [{1 / TIME_FACTOR:.4g}, {TIME_FACTOR:g}]")
    BOUNDS[f"{_label}: max |s_tf - s_numpy| / sigma_1"] = f"<= {SV_TOL[_dtype]:g}"
BOUNDS["load average (1 min) at the end"] = "record"


def backends_child(threads):
    import numpy as np

    from ._timing import set_threads

    limiter = set_threads(threads)  # noqa: F841  (held while it lives)
    tf = tensorflow()

    rng = np.random.default_rng(0)
    values = {}
    for label, shape, dtype in CASES:
        A_np = rng.standard_normal(shape).astype(dtype)
        A_tf = tf.constant(A_np)
        med = interleaved_medians({
            "tf": lambda A_tf=A_tf: [t.numpy() for t in tf.linalg.svd(A_tf)],
            "np": lambda A_np=A_np: np.linalg.svd(A_np, full_matrices=False)},
            5 if max(shape) < 1024 else 3)
        values[f"{label}: tf.linalg.svd / numpy.linalg.svd, 1 thread each"] = med["tf"] / med["np"]
        s_tf = tf.linalg.svd(A_tf, compute_uv=False).numpy().astype(np.float64)
        s_np = np.linalg.svd(A_np, compute_uv=False).astype(np.float64)
        values[f"{label}: max |s_tf - s_numpy| / sigma_1"] = float(
            np.max(np.abs(s_tf - s_np)) / np.max(s_np))
    values["load average (1 min) at the end"] = load_average()
    return values


class SvdBackends(_Checks):
    """Every check of this module, measured once (``setup_cache``), one number per check."""

    params = [list(BOUNDS)]

    def setup_cache(self):
        return run_child("bench_svd_backends", "backends_child", {"threads": 1})
