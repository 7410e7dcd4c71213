"""σ₁ of a square float32 matrix: ``helpers.spectral.power_iteration`` (20 iterations) against a
full SVD (``tf.linalg.svd``, with U and V) and an SVD of the singular values only, n = 256..4096.

Power iteration costs O(k n²), a full SVD O(n³). The helper runs eagerly, so at small n its ~120
small TensorFlow operations cost more than the arithmetic and the SVD can win; the gap opens from
n ≈ 1000. Interleaved, medians (5 runs; 3 at 2048; one run without warm-up at 4096, where a full
SVD takes about half a minute on two cores). Bounds: full SVD / power iteration at least 4 from
n = 1024, at least 10 from n = 2048; the estimate at most σ₁ (power iteration approaches from
below).
"""

from ._timing import _Checks, interleaved_medians, load_average, tensorflow

SIZES = [256, 512, 1024, 2048, 4096]
ITERS = 20
EXPECTED_SPEEDUP = {1024: 4.0, 2048: 10.0, 4096: 10.0}

BOUNDS = {}
for _n in SIZES:
    for _svd in ("s, U, V", "s only"):
        _want = EXPECTED_SPEEDUP.get(_n)
        BOUNDS[f"n={_n}: tf.linalg.svd ({_svd}) / power iteration"] = (
            f">= {_want:g}" if _want else "record")
    BOUNDS[f"n={_n}: power-iteration estimate / SVD's sigma_1"] = "<= 1.00001"
BOUNDS["load average (1 min) at the end"] = "record"


class PowerIteration(_Checks):
    """Every check of this module, measured once (``setup_cache``), one number per check."""

    params = [list(BOUNDS)]

    def setup_cache(self):
        import numpy as np

        import helpers  # noqa: F401  (first: it sets TensorFlow's environment variables)
        from helpers import spectral
        tf = tensorflow()

        rng = np.random.default_rng(0)
        values = {}
        for n in SIZES:
            A = tf.constant(rng.standard_normal((n, n)).astype(np.float32))
            cases = {
                "power": lambda A=A: spectral.power_iteration(A, iters=ITERS)[0].numpy(),
                "s, U, V": lambda A=A: tf.linalg.svd(A)[0].numpy(),
                "s only": lambda A=A: tf.linalg.svd(A, compute_uv=False).numpy(),
            }
            runs = 5 if n < 2048 else 3 if n == 2048 else 1
            med = interleaved_medians(cases, runs, warmup=n < 4096)
            for svd in ("s, U, V", "s only"):
                values[f"n={n}: tf.linalg.svd ({svd}) / power iteration"] = (
                    med[svd] / med["power"])
            s1 = float(tf.linalg.svd(A, compute_uv=False)[0])
            est = float(spectral.power_iteration(A, iters=ITERS)[0])
            values[f"n={n}: power-iteration estimate / SVD's sigma_1"] = est / s1
        values["load average (1 min) at the end"] = load_average()
        return values
