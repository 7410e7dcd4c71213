"""``randomized_svd`` against scikit-learn's, on its fastest BLAS kernel (issue 27, goal 2).

``sklearn.utils.extmath.randomized_svd(M, 50, n_oversamples=10, n_iter=2,
power_iteration_normalizer=...)`` with the ``"QR"`` and the ``"LU"`` normaliser (its default for
n_iter > 2 is LU) against ``randomized_svd(M, 50, oversample=10, power_iters=2)``, on 2048² and
4096² float32 matrices with σᵢ = 1/(i + 1) (M = H₁ diag(σ) H₂ with H₁, H₂ products of Householder
reflections, so the optimal error is known). The three are interleaved, 7 runs each, medians.

Four child processes: TensorFlow's oneDNN off (the notebooks' setting) and on, each with both
libraries on 2 threads and on 1 thread (TensorFlow's intra- and inter-op pools set before its
first operation, every BLAS pool of NumPy and SciPy through threadpoolctl). The children run
without ``OPENBLAS_CORETYPE``, so NumPy and SciPy use OpenBLAS's fastest kernel for the CPU; the
kernel (threadpoolctl's ``architecture``) is written into results.md by the report.

Bounds: scikit-learn's time / ours at least 2 with either normaliser, at both sizes, both thread
settings and both oneDNN settings; our Frobenius error at most 1.01 times scikit-learn's.

Beside each measured ratio, the **derived bound** on it, from the same interleaved run: both
libraries make the same 2q + 2 = 6 products of M (n × n) with an n × l matrix (l = 60), 3 as
``M X`` and 3 as ``Mᵀ X`` (ours: ``(Xᵀ M)ᵀ``), so ours takes at least the time of its 6 products
and scikit-learn / ours ≤ scikit-learn's time / our 6 products = (scikit-learn's time / its 6
products in NumPy's OpenBLAS) × (OpenBLAS's products / TensorFlow's). Each product pair is
timed alone, interleaved with the three calls. Where the derived bound is below 2, no change of
ours short of faster products (or fewer, which changes its accuracy) meets the bound of 2; the
check stays, and results.md marks it outside.
"""

from ._timing import (
    _Checks,
    blas_kernels,
    interleaved_medians,
    load_average,
    run_child,
    tensorflow,
)

SIZES = [2048, 4096]
RANK = 50
POWER_ITERS = 2  # q: 2q + 2 = 6 products of M, 3 pairs (M X, Mᵀ X)
RUNS = 7
SPEEDUP = 2.0
ERROR_FACTOR = 1.01
NOTE = """The derived bound beside each scikit-learn / ours ratio is scikit-learn's time over
our 6 matrix products alone, in the same run: the ratio ours would reach if it spent no time
beyond its products. Where it is below 2, the bound of 2 cannot be met by cutting our overhead
(only by faster products); the check is kept and marked OUTSIDE, not relaxed."""
SETTINGS = [(flag, threads) for flag in ("off", "on") for threads in (2, 1)]

BOUNDS = {}
for _flag, _threads in SETTINGS:
    for _n in SIZES:
        _key = f"n={_n}, oneDNN {_flag}, {_threads} thread{'s' if _threads > 1 else ''}"
        for _variant in ("QR", "LU"):
            BOUNDS[f"{_key}: scikit-learn ({_variant}) time / ours"] = f">= {SPEEDUP:g}"
        BOUNDS[f"{_key}: our error / scikit-learn's (QR)"] = f"<= {ERROR_FACTOR:g}"
        BOUNDS[f"{_key}: our error / scikit-learn's (LU)"] = f"<= {ERROR_FACTOR:g}"
        for _variant in ("QR", "LU"):
            BOUNDS[f"{_key}: derived bound on scikit-learn ({_variant}) time / ours"] = "record"
            BOUNDS[f"{_key}: scikit-learn ({_variant}) time / its 6 products"] = "record"
        BOUNDS[f"{_key}: OpenBLAS's 6 products / TensorFlow's"] = "record"
        BOUNDS[f"{_key}: our time / our 6 products"] = "record"
    BOUNDS[f"oneDNN {_flag}, {_threads} thread{'s' if _threads > 1 else ''}: load average "
           "(1 min) at the end"] = "record"


def _product_pairs(M):
    """Zero-argument callables: one ``M X`` and one ``Mᵀ X`` (X: n × l, float32), NumPy's way
    (as scikit-learn's ``safe_sparse_dot`` calls them) and TensorFlow's (as ``randomized_svd``)."""
    import numpy as np

    tf = tensorflow()
    X = np.random.default_rng(0).standard_normal((M.shape[1], RANK + 10)).astype(np.float32)
    M_tf, X_tf = tf.constant(M), tf.constant(X)

    def numpy_pair():
        M @ X
        M.T @ X

    def tf_pair():
        tf.matmul(M_tf, X_tf).numpy()
        tf.matmul(X_tf, M_tf, adjoint_a=True).numpy()  # (Xᵀ M), l × n: ours forms Mᵀ X so

    return {"numpy pair": numpy_pair, "tf pair": tf_pair}


def sklearn_child(paths, threads, runs):
    """In a child: ours against scikit-learn's QR and LU variants, interleaved, on ``threads``."""
    import numpy as np
    from sklearn.utils.extmath import randomized_svd as sk_randomized_svd  # loads SciPy's BLAS

    from helpers.randomized import randomized_svd

    from ._timing import set_threads

    limiter = set_threads(threads)  # noqa: F841  (every BLAS now loaded; held while it lives)

    out = {}
    for n, path in paths.items():
        M = np.load(path)

        def sklearn(normalizer, M=M):
            return sk_randomized_svd(M, RANK, n_oversamples=10, n_iter=POWER_ITERS,
                                     power_iteration_normalizer=normalizer, random_state=0)

        def ours(M=M):
            s, U, V = randomized_svd(M, RANK, oversample=10, power_iters=POWER_ITERS)
            return U.numpy(), s.numpy(), V.numpy().T

        cases = {"QR": lambda: sklearn("QR"), "LU": lambda: sklearn("LU"), "ours": ours}
        products = _product_pairs(M)  # M X and Mᵀ X, in NumPy and in TensorFlow
        med = interleaved_medians({**cases, **products}, runs)
        M64 = M.astype(np.float64)
        errors = {}
        for name, fn in cases.items():
            U, s, Vt = fn()
            errors[name] = float(np.linalg.norm(M64 - (U.astype(np.float64) * s) @ Vt))
        out[n] = {"median_s": med, "errors": errors}
    return {"sizes": out, "blas": blas_kernels(), "load": load_average()}


def derived_bounds(med, key):
    """The derived bound and its two factors from one run's medians (seconds): the calls
    ``"QR"``, ``"LU"``, ``"ours"`` and the product pairs ``"numpy pair"``, ``"tf pair"`` (one
    ``M X`` and one ``Mᵀ X`` each; a call makes 3 pairs)."""
    pairs = POWER_ITERS + 1
    out = {}
    for variant in ("QR", "LU"):
        out[f"{key}: derived bound on scikit-learn ({variant}) time / ours"] = (
            med[variant] / (pairs * med["tf pair"]))
        out[f"{key}: scikit-learn ({variant}) time / its 6 products"] = (
            med[variant] / (pairs * med["numpy pair"]))
    out[f"{key}: OpenBLAS's 6 products / TensorFlow's"] = med["numpy pair"] / med["tf pair"]
    out[f"{key}: our time / our 6 products"] = med["ours"] / (pairs * med["tf pair"])
    return out


class Sklearn(_Checks):
    """Every check of this module, measured once (``setup_cache``), one number per check."""

    params = [list(BOUNDS)]

    def setup_cache(self):
        import tempfile
        from pathlib import Path

        import numpy as np

        from ._data import decaying_matrix

        values = {}
        with tempfile.TemporaryDirectory() as tmp:
            paths = {}
            for n in SIZES:
                M, _ = decaying_matrix(n)
                paths[str(n)] = str(Path(tmp) / f"decay_{n}.npy")
                np.save(paths[str(n)], M)
                del M
            for flag, threads in SETTINGS:
                child = run_child("bench_sklearn", "sklearn_child",
                                  {"paths": paths, "threads": threads, "runs": RUNS},
                                  env={"TF_ENABLE_ONEDNN_OPTS": "1" if flag == "on" else "0",
                                       "OPENBLAS_CORETYPE": None})
                label = f"oneDNN {flag}, {threads} thread{'s' if threads > 1 else ''}"
                for n in SIZES:
                    r = child["sizes"][str(n)]
                    med, err = r["median_s"], r["errors"]
                    for variant in ("QR", "LU"):
                        values[f"n={n}, {label}: scikit-learn ({variant}) time / ours"] = (
                            med[variant] / med["ours"])
                        values[f"n={n}, {label}: our error / scikit-learn's ({variant})"] = (
                            err["ours"] / err[variant])
                    values.update(derived_bounds(med, f"n={n}, {label}"))
                values[f"{label}: load average (1 min) at the end"] = child["load"]
        return values
