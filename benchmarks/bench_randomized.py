"""``randomized_svd`` at the speed of its matrix products; against the full SVD; on a photo.

1. **Its own products** (issue 27, goal 1). ``randomized_svd(A, 50, oversample=10,
   power_iters=2)`` on 2048² and 4096² float32 matrices with σᵢ = 1/(i + 1) against its own
   2q + 2 = 6 matrix products alone (the same shapes: ``A Ω``, ``Qᵀ A`` and ``A Z`` twice, ``Qᵀ A``),
   interleaved, medians. Each runs in a child process with TensorFlow's oneDNN off (the
   notebooks' setting) and one with it on (TensorFlow reads ``TF_ENABLE_ONEDNN_OPTS`` once, at
   import). Bound: at most 1.5. For the record, in the same child: the Frobenius error over the
   optimal one and over that of the textbook algorithm (HMT 4.4 with ``tf.linalg.qr`` after every
   product, as the helper was before its Cholesky QRs): the result is expected the same to
   rounding (ratio within 1 ± 10⁻³).
2. **Against the full SVD**: rank 50 against ``tf.linalg.svd``, n = 512, 1024, 2048 float32;
   bound at 2048: at least 10× faster.
3. **Quality on a photo**: the worst channel's rank-50 error over the optimal one on the rocket
   photo (427 x 640), q = 2: at most 1.05 (q = 0 for the record).
"""

from ._timing import ROOT, _Checks, interleaved_medians, load_average, run_child, tensorflow

RANK, OVERSAMPLE, POWER_ITERS = 50, 10, 2
PRODUCT_SIZES = [2048, 4096]
FULL_SIZES = [512, 1024, 2048]
PHOTO = ROOT / "data" / "rocket.jpg"

#: check name -> bound, read by benchmarks/report.py ("<= x", ">= x", "in [a, b]", "record")
BOUNDS = {}
for _flag in ("off", "on"):
    for _n in PRODUCT_SIZES:
        BOUNDS[f"n={_n}, oneDNN {_flag}: randomized_svd / its 6 products"] = "<= 1.5"
        BOUNDS[f"n={_n}, oneDNN {_flag}: error / optimal error"] = "record"
        BOUNDS[f"n={_n}, oneDNN {_flag}: error / error of HMT with Householder QRs"] = \
            "in [0.999, 1.001]"
        BOUNDS[f"n={_n}, oneDNN {_flag}: load average (1 min) at the end"] = "record"
for _n in FULL_SIZES:
    BOUNDS[f"n={_n}: tf.linalg.svd / randomized_svd"] = ">= 10" if _n == 2048 else "record"
BOUNDS["rocket photo, q=2: worst channel error / optimal"] = "<= 1.05"
BOUNDS["rocket photo, q=0: worst channel error / optimal"] = "record"


def householder_hmt(A, rank, oversample, power_iters, seed=0):
    """The textbook HMT 4.4 in TensorFlow, ``tf.linalg.qr`` after every product: the reference."""

    import helpers  # noqa: F401  (first: it sets TensorFlow's environment variables)
    from helpers import randomized
    tf = tensorflow()

    n = A.shape[-1]
    width = min(rank + oversample, *A.shape[-2:])
    Q, _ = tf.linalg.qr(tf.matmul(A, randomized._gaussian([n, width], seed, A.dtype)))
    for _ in range(power_iters):
        Z, _ = tf.linalg.qr(tf.linalg.matrix_transpose(tf.matmul(Q, A, adjoint_a=True)))
        Q, _ = tf.linalg.qr(tf.matmul(A, Z))
    s, U_small, V = tf.linalg.svd(tf.matmul(Q, A, adjoint_a=True))
    return s[:rank], tf.matmul(Q, U_small)[:, :rank], V[:, :rank]


def products_child(sizes, runs):
    """In a child: randomized_svd against its own products, interleaved; and its errors."""
    import numpy as np

    import helpers  # noqa: F401  (first: it sets TensorFlow's environment variables)
    from helpers import randomized

    from ._data import decaying_matrix
    tf = tensorflow()

    out = {}
    for n in sizes:
        M, sigma = decaying_matrix(n)
        A = tf.constant(M)
        del M
        width = RANK + OVERSAMPLE
        omega = randomized._gaussian([n, width], 0, tf.float32)
        Q = tf.linalg.qr(tf.matmul(A, omega))[0]  # orthonormal operands of the right shapes
        Z = tf.linalg.qr(tf.transpose(tf.matmul(Q, A, adjoint_a=True)))[0]

        def ours(A=A):
            return randomized.randomized_svd(A, RANK, OVERSAMPLE, POWER_ITERS)[0].numpy()

        def products(A=A, omega=omega, Q=Q, Z=Z):
            done = [tf.matmul(A, omega)]
            for _ in range(POWER_ITERS):
                done.append(randomized._project_rows(Q, A))  # Qᵀ A, as randomized_svd forms Aᵀ Q
                done.append(tf.matmul(A, Z))
            done.append(randomized._project_rows(Q, A))  # B = Qᵀ A
            return [d.numpy() for d in done]

        med = interleaved_medians({"ours": ours, "products": products}, runs)
        A64 = tf.cast(A, tf.float64)

        def error(s, U, V, A64=A64):
            approx = tf.matmul(tf.cast(U, tf.float64) * tf.cast(s, tf.float64),
                               tf.cast(V, tf.float64), adjoint_b=True)
            return float(tf.norm(A64 - approx))

        err = error(*randomized.randomized_svd(A, RANK, OVERSAMPLE, POWER_ITERS))
        err_ref = error(*householder_hmt(A, RANK, OVERSAMPLE, POWER_ITERS))
        optimal = float(np.sqrt(np.sum(sigma[RANK:] ** 2)))
        out[str(n)] = {"ours_s": med["ours"], "products_s": med["products"],
                       "error": err, "error_householder": err_ref, "optimal": optimal}
    out["load"] = load_average()
    return out


class Randomized(_Checks):
    """Every check of this module, measured once (``setup_cache``), one number per check."""

    params = [list(BOUNDS)]

    def setup_cache(self):
        import numpy as np

        import helpers  # noqa: F401  (first: it sets TensorFlow's environment variables)
        from helpers import images
        from helpers.randomized import randomized_svd
        tf = tensorflow()

        values = {}
        for flag, env in (("off", "0"), ("on", "1")):
            child = run_child("bench_randomized", "products_child",
                              {"sizes": PRODUCT_SIZES, "runs": 9},
                              env={"TF_ENABLE_ONEDNN_OPTS": env})
            for n in PRODUCT_SIZES:
                r = child[str(n)]
                key = f"n={n}, oneDNN {flag}"
                values[f"{key}: randomized_svd / its 6 products"] = r["ours_s"] / r["products_s"]
                values[f"{key}: error / optimal error"] = r["error"] / r["optimal"]
                values[f"{key}: error / error of HMT with Householder QRs"] = (
                    r["error"] / r["error_householder"])
                values[f"{key}: load average (1 min) at the end"] = child["load"]
        for n in FULL_SIZES:
            A = tf.random.stateless_normal([n, n], seed=[1, 0], dtype=tf.float32)
            med = interleaved_medians({
                "full": lambda A=A: tf.linalg.svd(A)[0].numpy(),
                "ours": lambda A=A: randomized_svd(A, RANK)[0].numpy()},
                {"full": 3 if n == 2048 else 5, "ours": 5})
            values[f"n={n}: tf.linalg.svd / randomized_svd"] = med["full"] / med["ours"]
        photo = images.load_image(PHOTO)
        channels = tf.transpose(photo, [2, 0, 1])  # (3, h, w)
        s_full = tf.linalg.svd(channels, compute_uv=False)
        optimal = tf.sqrt(helpers.tail_energy(s_full, RANK)).numpy()
        for q in (2, 0):
            s, U, V = randomized_svd(channels, RANK, power_iters=q)
            err = tf.norm(channels - helpers.reconstruct(s, U, V), axis=[-2, -1]).numpy()
            values[f"rocket photo, q={q}: worst channel error / optimal"] = float(
                np.max(err / optimal))
        return values
