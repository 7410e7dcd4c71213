"""Image compression queries on a 1024×1024 RGB image: the TF guide's way against ``ImageSVD``.

    python benchmarks/bench_compression.py [repeats]

The queries are those of notebook 03 and of the TensorFlow guide "Matrix approximation with Core
APIs": compress at three ranks (100, 50, 10), compress to 15% of the size, the energy curve, and
compress to 75% of the energy.

(a) *the guide's way*: every query computes a fresh batched SVD of the image, as the guide's
    ``compress_image``, ``viz_energy`` and ``compress_image_with_energy`` do (the last one twice:
    once to pick the rank and once inside ``compress_image``), so 7 SVDs in all. The energy
    curve is computed but not drawn.
(b) ``ImageSVD``: one batched SVD, then every query is answered from the stored factors.
(c) one batched ``tf.linalg.svd`` of the image alone, the floor that (b) cannot beat.

Expected: (b) costs at most 1.3× (c), and (a) is at least 4× slower than (b). The image is the
bundled coffee photo resized to 1024×1024 (bilinear, antialiased), which is the same on every
run. Cases are interleaved so that machine load hits all of them alike, and medians are
reported.
"""

import sys  # noqa: I001  (the order below is on purpose)

from _common import interleaved_medians, main as _main  # first: it puts the root on sys.path
import helpers  # noqa: F401  (before TensorFlow: it sets TensorFlow's environment variables)
import tensorflow as tf

from helpers import images

SIZE = 1024
RANKS = (100, 50, 10)
FACTOR = 0.15
ENERGY = 0.75


def test_image():
    """The bundled photo resized to SIZE × SIZE × 3, float32 in [0, 1] (deterministic)."""
    photo = images.load_image()
    big = tf.image.resize(photo, [SIZE, SIZE], method="bilinear", antialias=True)
    return tf.clip_by_value(big, 0.0, 1.0)


# ---- (a) the guide's way: a fresh SVD per query -------------------------------------------------
def _fresh_svd(img):
    return tf.linalg.svd(tf.transpose(img, [2, 0, 1]))


def _guide_compress(img, r):
    s, U, V = _fresh_svd(img)
    approx = tf.einsum("...s,...us,...vs->...uv", s[..., :r], U[..., :r], V[..., :r])
    return tf.clip_by_value(tf.transpose(approx, [1, 2, 0]), 0.0, 1.0)


def _guide_energy_curve(img):
    s, _, _ = _fresh_svd(img)
    return tf.reduce_mean(tf.cumsum(s, axis=-1) / tf.reduce_sum(s, axis=-1, keepdims=True), 0)


def guide_way(img):
    h, w = img.shape[0], img.shape[1]
    out = [_guide_compress(img, r) for r in RANKS]
    out.append(_guide_compress(img, int(FACTOR * h * w / (h + w + 1))))
    curve = _guide_energy_curve(img)
    curve_again = _guide_energy_curve(img)  # compress_image_with_energy: its own SVD for the rank
    r = int(tf.argmin(tf.abs(curve_again - ENERGY))) + 1
    out.append(_guide_compress(img, r))  # ... and another inside compress_image
    return [o.numpy() for o in out] + [curve.numpy()]


# ---- (b) ImageSVD: one SVD ----------------------------------------------------------------------
def imagesvd_way(img):
    svd = images.ImageSVD(img)
    out = [svd.approx(r) for r in RANKS]
    out.append(svd.approx(svd.rank_for_factor(FACTOR)))
    curve = tf.reduce_mean(svd.energy_fraction(), axis=0)
    out.append(svd.approx(svd.rank_for_energy(ENERGY)))
    return [o.numpy() for o in out] + [curve.numpy()]


# ---- (c) the floor: one batched SVD -------------------------------------------------------------
def one_svd(img):
    s, U, V = _fresh_svd(img)
    return s.numpy(), U.numpy(), V.numpy()


def run(repeats: int = 5) -> dict:
    """Return {"title", "rows": [{"case", "median_s", "runs"}], "ratios": [...]} (see README)."""
    repeats = max(1, int(repeats))
    img = test_image()
    cases = {
        "(a) guide's way: a fresh SVD per query (7 SVDs)": lambda: guide_way(img),
        "(b) ImageSVD: one SVD, all queries": lambda: imagesvd_way(img),
        "(c) one batched tf.linalg.svd": lambda: one_svd(img),
    }
    med = interleaved_medians(cases, repeats)  # with a warm-up call of each case
    a, b, c = (med[name] for name in cases)
    rows = [{"case": name, "median_s": med[name], "runs": repeats} for name in cases]
    ratios = [
        {"name": "(b) ImageSVD, all queries / (c) one batched SVD", "value": b / c,
         "expected": "<= 1.3", "ok": b / c <= 1.3},
        {"name": "(a) guide's way / (b) ImageSVD", "value": a / b,
         "expected": ">= 4", "ok": a / b >= 4},
    ]
    return {
        "title": f"Compression queries on a {SIZE}x{SIZE} RGB image (3 ranks, a factor, the "
                 "energy curve, an energy target): the TF guide's way against ImageSVD",
        "rows": rows,
        "ratios": ratios,
    }


if __name__ == "__main__":
    sys.exit(_main(run))
