"""How the SVDs scale: fitted exponents of time against n.

``tf.linalg.svd`` of an n x n float32 Gaussian matrix, n = 256, 512, 1024, 2048, and
``randomized_svd`` at rank 50 (oversample 10, 2 power iterations), n = 512 … 8192. The median time
of each n (all sizes of both interleaved, each called once first; the 2048 full SVD and the 8192
randomized SVD at most 3 times), then the least-squares slope of log time against log n. Theory
says 3 (O(n³)) and 2 (O(n²k)), but only where that term dominates: the full SVD's 256 and 512
runs are partly overhead and use the two cores less well than 2048's, and the randomized SVD's
small sizes are mostly per-op overhead, its O(n k²) QRs and its small SVD. Bounds: [2.2, 3.5]
and [1.1, 2.2] — met through the noise of a loaded 2-core machine, and still apart (a randomized
SVD at the full SVD's exponent would have become cubic somewhere, one below 1.1 would be all
fixed cost). The local slopes between consecutive sizes are recorded too.
"""

import numpy as np

from ._timing import _Checks, interleaved_medians, load_average, tensorflow

FULL_SIZES = [256, 512, 1024, 2048]
RANDOMIZED_SIZES = [512, 1024, 2048, 4096, 8192]
RANDOMIZED_RANK = 50

BOUNDS = {"exponent of tf.linalg.svd (full), n = 256…2048": "in [2.2, 3.5]",
          "exponent of randomized_svd (rank 50, q = 2), n = 512…8192": "in [1.1, 2.2]",
          "load average (1 min) at the end": "record"}
for _a, _b in zip(FULL_SIZES, FULL_SIZES[1:], strict=False):
    BOUNDS[f"local slope of tf.linalg.svd, n = {_a}…{_b}"] = "record"
for _a, _b in zip(RANDOMIZED_SIZES, RANDOMIZED_SIZES[1:], strict=False):
    BOUNDS[f"local slope of randomized_svd, n = {_a}…{_b}"] = "record"


def loglog_slope(ns, times):
    """Least-squares slope of log(time) against log(n): the fitted exponent p in time ∝ nᵖ."""
    ns, times = np.asarray(ns, dtype=np.float64), np.asarray(times, dtype=np.float64)
    if ns.ndim != 1 or ns.shape != times.shape or np.unique(ns).size < 2:
        raise ValueError("need at least two distinct sizes, one time each")
    if not (np.all(ns > 0) and np.all(times > 0) and np.all(np.isfinite(times))):
        raise ValueError("sizes and times must be positive and finite")
    x, y = np.log(ns), np.log(times)
    x = x - x.mean()
    return float(np.dot(x, y - y.mean()) / np.dot(x, x))


def local_slopes(ns, times):
    """Slopes between consecutive sizes (how the exponent moves with n)."""
    x, y = np.log(np.asarray(ns, float)), np.log(np.asarray(times, float))
    return (np.diff(y) / np.diff(x)).tolist()


class Scaling(_Checks):
    """Every check of this module, measured once (``setup_cache``), one number per check."""

    params = [list(BOUNDS)]

    def setup_cache(self):

        import helpers  # noqa: F401  (first: it sets TensorFlow's environment variables)
        from helpers.randomized import randomized_svd
        tf = tensorflow()

        matrices = {n: tf.random.stateless_normal([n, n], seed=[1, 0], dtype=tf.float32)
                    for n in sorted(set(FULL_SIZES + RANDOMIZED_SIZES))}
        cases, runs = {}, {}
        for n in FULL_SIZES:
            cases["full", n] = lambda A=matrices[n]: tf.linalg.svd(A)[0].numpy()
            runs["full", n] = 5 if n < max(FULL_SIZES) else 3
        for n in RANDOMIZED_SIZES:
            cases["randomized", n] = (
                lambda A=matrices[n]: randomized_svd(A, RANDOMIZED_RANK)[0].numpy())
            runs["randomized", n] = 5 if n < max(RANDOMIZED_SIZES) else 3
        med = interleaved_medians(cases, runs)
        full = [med["full", n] for n in FULL_SIZES]
        rand = [med["randomized", n] for n in RANDOMIZED_SIZES]
        values = {"exponent of tf.linalg.svd (full), n = 256…2048": loglog_slope(FULL_SIZES, full),
                  "exponent of randomized_svd (rank 50, q = 2), n = 512…8192":
                      loglog_slope(RANDOMIZED_SIZES, rand),
                  "load average (1 min) at the end": load_average()}
        for (a, b), slope in zip(zip(FULL_SIZES, FULL_SIZES[1:], strict=False),
                                 local_slopes(FULL_SIZES, full), strict=True):
            values[f"local slope of tf.linalg.svd, n = {a}…{b}"] = slope
        for (a, b), slope in zip(zip(RANDOMIZED_SIZES, RANDOMIZED_SIZES[1:], strict=False),
                                 local_slopes(RANDOMIZED_SIZES, rand), strict=True):
            values[f"local slope of randomized_svd, n = {a}…{b}"] = slope
        return values
