"""Image compression queries on a 1024×1024 RGB image: the TF guide's way against ``ImageSVD``.

The queries are those of notebook 03 and of the TensorFlow guide "Matrix approximation with Core
APIs": compress at three ranks (100, 50, 10), compress to 15% of the size, the energy curve, and
compress to 75% of the energy.

(a) *the guide's way*: every query computes a fresh batched SVD of the image, as the guide's
    ``compress_image``, ``viz_energy`` and ``compress_image_with_energy`` do (the last one twice:
    once to pick the rank and once inside ``compress_image``), so 7 SVDs in all. The energy
    curve is computed (pooled over the channels, as (b) computes it, so that both answer the
    same query) but not drawn.
(b) ``ImageSVD``: one batched SVD, then every query is answered from the stored factors (the
    energy curve pooled over the channels, as notebook 03 draws it).
(c) one batched ``tf.linalg.svd`` of the image alone, the floor that (b) cannot beat.

Bounds: (b) at most 1.3× (c); (a) at least 4× slower than (b). The image is the bundled coffee
photo resized to 1024×1024 (bilinear, antialiased). Interleaved, 5 runs each, medians.
"""

from ._timing import _Checks, interleaved_medians, load_average, tensorflow

SIZE = 1024
RANKS = (100, 50, 10)
FACTOR = 0.15
ENERGY = 0.75

BOUNDS = {"(b) ImageSVD, all queries / (c) one batched SVD": "<= 1.3",
          "(a) guide's way / (b) ImageSVD": ">= 4",
          "load average (1 min) at the end": "record"}


def test_image():
    """The bundled photo resized to SIZE × SIZE × 3, float32 in [0, 1] (deterministic)."""

    import helpers  # noqa: F401  (first: it sets TensorFlow's environment variables)
    from helpers import images
    tf = tensorflow()

    photo = images.load_image()
    big = tf.image.resize(photo, [SIZE, SIZE], method="bilinear", antialias=True)
    return tf.clip_by_value(big, 0.0, 1.0)


def _fresh_svd(img):

    import helpers  # noqa: F401  (first: it sets TensorFlow's environment variables)
    tf = tensorflow()

    return tf.linalg.svd(tf.transpose(img, [2, 0, 1]))


def _guide_compress(img, r):

    import helpers  # noqa: F401  (first: it sets TensorFlow's environment variables)
    tf = tensorflow()

    s, U, V = _fresh_svd(img)
    approx = tf.einsum("...s,...us,...vs->...uv", s[..., :r], U[..., :r], V[..., :r])
    return tf.clip_by_value(tf.transpose(approx, [1, 2, 0]), 0.0, 1.0)


def _guide_energy_curve(img):

    import helpers  # first: it sets TensorFlow's environment variables

    s, _, _ = _fresh_svd(img)
    return helpers.energy_fraction(s)  # pooled over the channels, as (b)'s: the same query


def guide_way(img):

    import helpers  # noqa: F401  (first: it sets TensorFlow's environment variables)
    tf = tensorflow()

    h, w = img.shape[0], img.shape[1]
    out = [_guide_compress(img, r) for r in RANKS]
    out.append(_guide_compress(img, int(FACTOR * h * w / (h + w + 1))))
    curve = _guide_energy_curve(img)
    curve_again = _guide_energy_curve(img)  # compress_image_with_energy: its own SVD for the rank
    r = int(tf.argmin(tf.abs(curve_again - ENERGY))) + 1
    out.append(_guide_compress(img, r))  # ... and another inside compress_image
    return [o.numpy() for o in out] + [curve.numpy()]


def imagesvd_way(img):
    from helpers import images

    svd = images.ImageSVD(img)
    out = [svd.approx(r) for r in RANKS]
    out.append(svd.approx(svd.rank_for_factor(FACTOR)))
    curve = svd.energy_fraction()  # pooled over the channels: (k,), as notebook 03 draws it
    out.append(svd.approx(svd.rank_for_energy(ENERGY)))
    return [o.numpy() for o in out] + [curve.numpy()]


def one_svd(img):
    s, U, V = _fresh_svd(img)
    return s.numpy(), U.numpy(), V.numpy()


class Compression(_Checks):
    """Every check of this module, measured once (``setup_cache``), one number per check."""

    params = [list(BOUNDS)]

    def setup_cache(self):

        img = test_image()
        med = interleaved_medians({"a": lambda: guide_way(img), "b": lambda: imagesvd_way(img),
                                   "c": lambda: one_svd(img)}, 5)
        return {"(b) ImageSVD, all queries / (c) one batched SVD": med["b"] / med["c"],
                "(a) guide's way / (b) ImageSVD": med["a"] / med["b"],
                "load average (1 min) at the end": load_average()}
