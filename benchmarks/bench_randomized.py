"""Rank-50 SVD of an n x n float32 matrix: ``helpers.randomized.randomized_svd`` (oversample 10,
2 power iterations) against the full ``tf.linalg.svd``, n = 512, 1024, 2048; and the quality of
the randomized SVD on the channels of a real photo.

    python benchmarks/bench_randomized.py [repeats]

The randomized SVD costs O(mnk) (2q + 2 products with A, thin QRs and one small SVD), the full
SVD O(mn·min(m, n)); at 2048 x 2048 and rank 50 the randomized one is expected to be at least 10x
faster, measured in the same run. Runs of the two are interleaved so that machine load hits both
alike; medians are reported. Each function is called once before timing (first-call overheads
are not what we measure). n = 2048 uses at most 3 repeats of the full SVD, which takes seconds.

Quality: on each channel of the rocket photo (427 x 640), the rank-50 Frobenius error with
power_iters=2 is expected within 5% of the optimal error √(Σ_{i>50} σᵢ²) (notebook 04).
"""

import sys  # noqa: I001  (the order below is on purpose)

from _common import ROOT, interleaved_medians, main as _main  # first: puts the root on sys.path
import helpers  # before TensorFlow: it sets TensorFlow's environment variables
import numpy as np
import tensorflow as tf

from helpers import images
from helpers.randomized import randomized_svd

SIZES = [512, 1024, 2048]
RANK = 50
# full SVD / randomized SVD: expected at least this much faster at these sizes
EXPECTED_SPEEDUP = {2048: 10.0}
PHOTO = ROOT / "data" / "rocket.jpg"
EXPECTED_QUALITY = 1.05


def run(repeats: int = 5) -> dict:
    """Return {"title", "rows": [{"case", "median_s", "runs"}], "ratios": [...]} (see README)."""
    repeats = max(1, int(repeats))
    rows, ratios = [], []
    for n in SIZES:
        A = tf.random.stateless_normal([n, n], seed=[1, 0], dtype=tf.float32)
        cases = {
            "tf.linalg.svd (full, s U V)": lambda A=A: tf.linalg.svd(A)[0].numpy(),
            f"randomized_svd (rank {RANK}, p=10, q=2)": lambda A=A: randomized_svd(A, RANK)[0].numpy(),
        }
        runs = repeats if n < 2048 else min(repeats, 3)
        med = interleaved_medians(cases, runs)  # with a warm-up call of each case
        for name in cases:
            rows.append({"case": f"n={n}: {name}", "median_s": med[name], "runs": runs})
        full, rand = med.values()
        want = EXPECTED_SPEEDUP.get(n)
        ratios.append({
            "name": f"n={n} float32, rank {RANK}: tf.linalg.svd / randomized_svd",
            "value": full / rand,
            "expected": f">= {want:g}" if want else "> 1 (for the record)",
            "ok": full / rand >= (want if want else 1.0),
        })

    # quality on a real photo: error / optimal error, per channel, at rank 50
    photo = images.load_image(PHOTO)
    channels = tf.transpose(photo, [2, 0, 1])  # (3, h, w)
    s_full = tf.linalg.svd(channels, compute_uv=False)
    optimal = tf.sqrt(helpers.tail_energy(s_full, RANK)).numpy()
    for q in (0, 2):
        s, U, V = randomized_svd(channels, RANK, power_iters=q)
        err = tf.norm(channels - helpers.reconstruct(s, U, V), axis=[-2, -1]).numpy()
        worst = float(np.max(err / optimal))
        ratios.append({
            "name": f"rocket photo {photo.shape[0]}x{photo.shape[1]}, rank {RANK}, "
                    f"power_iters={q}: worst channel error / optimal error",
            "value": worst,
            "expected": f"<= {EXPECTED_QUALITY:g}" if q == 2 else ">= 1 (for the record)",
            "ok": worst <= EXPECTED_QUALITY if q == 2 else worst >= 1 - 1e-6,
        })
    return {
        "title": f"Rank-{RANK} SVD of an n x n float32 matrix: randomized_svd against "
                 "tf.linalg.svd; quality on a photo",
        "rows": rows,
        "ratios": ratios,
    }


if __name__ == "__main__":
    sys.exit(_main(run))
