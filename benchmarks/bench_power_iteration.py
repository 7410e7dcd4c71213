"""σ₁ of a square float32 matrix: ``helpers.spectral.power_iteration`` (20 iterations) against a
full SVD (``tf.linalg.svd``, with U and V) and an SVD of the singular values only, n = 256..4096.

    python benchmarks/bench_power_iteration.py [repeats]

Power iteration costs O(k n²) (two matrix–vector products per iteration), a full SVD O(n³). The
helper runs eagerly, so at small n its ~120 small TensorFlow operations cost more than the
arithmetic and the SVD can win; the gap opens from n ≈ 1000. Runs of the cases are interleaved so
that machine load hits all alike; medians are reported. n = 2048 uses at most 3 repeats (a full
SVD takes seconds there) and n = 4096 one run without a warm-up (a full SVD takes about half a
minute on two cores; no tracing is involved, so the first call is representative).
"""

import sys  # noqa: I001  (the order below is on purpose)

from _common import interleaved_medians, main as _main  # first: it puts the root on sys.path
import helpers  # noqa: F401  (before TensorFlow: it sets TensorFlow's environment variables)
import numpy as np
import tensorflow as tf

from helpers import spectral

SIZES = [256, 512, 1024, 2048, 4096]
ITERS = 20
# full SVD / power iteration: expected at least this much faster from these sizes on
EXPECTED_SPEEDUP = {1024: 4.0, 2048: 10.0, 4096: 10.0}


def run(repeats: int = 5) -> dict:
    """Return {"title", "rows": [{"case", "median_s", "runs"}], "ratios": [...]} (see README)."""
    repeats = max(1, int(repeats))
    rng = np.random.default_rng(0)
    rows, ratios = [], []
    for n in SIZES:
        A = tf.constant(rng.standard_normal((n, n)).astype(np.float32))
        cases = {
            f"power iteration ({ITERS} its)": lambda A=A: spectral.power_iteration(
                A, iters=ITERS)[0].numpy(),
            "tf.linalg.svd (s, U, V)": lambda A=A: tf.linalg.svd(A)[0].numpy(),
            "tf.linalg.svd (s only)": lambda A=A: tf.linalg.svd(A, compute_uv=False).numpy(),
        }
        runs = repeats if n < 2048 else min(repeats, 3) if n == 2048 else 1
        med = interleaved_medians(cases, runs, warmup=n < 4096)
        for name in cases:
            rows.append({"case": f"n={n}: {name}", "median_s": med[name], "runs": runs})
        power = med[f"power iteration ({ITERS} its)"]
        for svd_case in ("tf.linalg.svd (s, U, V)", "tf.linalg.svd (s only)"):
            value = med[svd_case] / power
            want = EXPECTED_SPEEDUP.get(n)
            ratios.append({
                "name": f"n={n}: {svd_case} / power iteration",
                "value": value,
                "expected": f">= {want:g}" if want else "about 1 or more (eager overhead at small n)",
                "ok": value >= want if want else True,
            })
        # accuracy, for the record: power iteration's estimate against the SVD's sigma_1
        s1 = float(tf.linalg.svd(A, compute_uv=False)[0])
        est = float(spectral.power_iteration(A, iters=ITERS)[0])
        ratios.append({
            "name": f"n={n}: power-iteration sigma / SVD sigma_1 ({ITERS} its, Gaussian matrix)",
            "value": est / s1,
            "expected": "<= 1 (an estimate from below)",
            "ok": est / s1 <= 1 + 1e-5,
        })
    return {
        "title": f"sigma_1 of an n x n float32 matrix: power iteration ({ITERS} iterations) "
                 "against tf.linalg.svd",
        "rows": rows,
        "ratios": ratios,
    }


if __name__ == "__main__":
    sys.exit(_main(run))
