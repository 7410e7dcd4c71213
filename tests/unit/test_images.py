"""Tests for helpers.images: loading (files and a real local HTTP server), ImageSVD against NumPy,
quality measures, the exported report, and every rejected input."""

import csv
import http.server
import io
import math
import os
import struct
import threading
import zlib
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

import helpers
from helpers import images, loading, report
from helpers.images import ImageLoadError, ImageSVD
from tests.unit.strategies import error_for

DATA = Path(helpers.__file__).resolve().parent.parent / "data"
TOL = {np.float32: 1e-4, np.float64: 1e-10}


def _png_bytes(array, mode=None):
    buf = io.BytesIO()
    im = Image.fromarray(array) if mode is None else Image.fromarray(array).convert(mode)
    im.save(buf, format="PNG")
    return buf.getvalue()


def _small_rgb(h=12, w=18, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


# ---------------------------------------------------------------------------------------------
# load_image: the bundled default and local files
# ---------------------------------------------------------------------------------------------
def test_default_image_is_the_bundled_coffee_photo():
    img = images.load_image()
    assert img.dtype == tf.float32
    assert tuple(img.shape) == (400, 600, 3)
    expected = np.asarray(Image.open(DATA / "coffee.png").convert("RGB"), np.float32) / 255
    np.testing.assert_array_equal(img.numpy(), expected)
    assert images.DEFAULT_IMAGE == DATA / "coffee.png"


def test_default_grayscale_uses_tf_luminance():
    rgb = images.load_image()
    gray = images.load_image(grayscale=True)
    assert tuple(gray.shape) == (400, 600)
    assert gray.dtype == tf.float32
    np.testing.assert_allclose(gray.numpy(), tf.image.rgb_to_grayscale(rgb)[..., 0].numpy(),
                               atol=1e-7)
    assert 0 <= float(tf.reduce_min(gray)) and float(tf.reduce_max(gray)) <= 1


def test_str_and_path_sources_agree_and_grayscale_file_becomes_rgb():
    a = images.load_image(str(DATA / "camera.png"))
    b = images.load_image(DATA / "camera.png")
    assert tuple(a.shape) == (512, 512, 3)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(a[..., 0].numpy(), a[..., 2].numpy())
    g = images.load_image(DATA / "camera.png", grayscale=True)
    expected = np.asarray(Image.open(DATA / "camera.png"), np.float32) / 255
    np.testing.assert_allclose(g.numpy(), expected, atol=1e-6)


def test_jpeg_rocket_is_non_square():
    img = images.load_image(DATA / "rocket.jpg")
    assert tuple(img.shape) == (427, 640, 3)


def _save(tmp_path, name, im, **kw):
    path = tmp_path / name
    im.save(path, **kw)
    return path


def test_palette_image_is_converted_to_its_colours(tmp_path):
    idx = np.arange(20, dtype=np.uint8).reshape(4, 5) % 3
    im = Image.new("P", (5, 4))
    im.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * (256 * 3 - 9))
    im.putdata(idx.ravel().tolist())
    path = _save(tmp_path, "pal.png", im)
    assert Image.open(path).mode == "P"
    img = images.load_image(path).numpy()
    colours = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32)
    np.testing.assert_array_equal(img, colours[idx])


def test_sixteen_bit_grayscale_keeps_its_precision(tmp_path):
    arr = np.array([[0, 1, 257, 32768], [65535, 1000, 40000, 12345]], np.uint16)
    path = _save(tmp_path, "g16.png", Image.fromarray(arr))
    assert Image.open(path).mode.startswith("I")
    g = images.load_image(path, grayscale=True).numpy()
    np.testing.assert_allclose(g, arr / 65535, rtol=0, atol=1e-7)
    assert len(np.unique(g)) == arr.size  # 1/65535 and 0 stay different: not squashed to 8 bits
    rgb = images.load_image(path).numpy()
    assert rgb.shape == (2, 4, 3)
    np.testing.assert_array_equal(rgb[..., 1], g)


def test_alpha_channel_is_dropped_not_blended(tmp_path):
    rgba = np.zeros((3, 4, 4), np.uint8)
    rgba[..., :3] = _small_rgb(3, 4)
    rgba[..., 3] = np.array([0, 128, 255, 7], np.uint8)
    path = _save(tmp_path, "rgba.png", Image.fromarray(rgba))
    img = images.load_image(path).numpy()
    np.testing.assert_array_equal(img, rgba[..., :3] / np.float32(255))
    la = np.stack([np.arange(12, dtype=np.uint8).reshape(3, 4) * 20,
                   np.zeros((3, 4), np.uint8)], axis=-1)
    path = _save(tmp_path, "la.png", Image.fromarray(la))
    assert Image.open(path).mode == "LA"
    np.testing.assert_array_equal(images.load_image(path, grayscale=True).numpy(),
                                  la[..., 0] / np.float32(255))


def test_bilevel_and_cmyk_files_are_converted(tmp_path):
    bits = (np.arange(12).reshape(3, 4) % 2 == 0)
    path = _save(tmp_path, "bits.png", Image.fromarray(bits))
    assert Image.open(path).mode == "1"
    np.testing.assert_array_equal(images.load_image(path, grayscale=True).numpy(),
                                  bits.astype(np.float32))
    cmyk = Image.fromarray(_small_rgb(5, 6)).convert("CMYK")
    path = _save(tmp_path, "cmyk.tiff", cmyk)
    expected = np.asarray(Image.open(path).convert("RGB"), np.float32) / 255
    np.testing.assert_array_equal(images.load_image(path).numpy(), expected)


def test_float_tiff_in_unit_range_and_in_byte_range(tmp_path):
    unit = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    path = _save(tmp_path, "unit.tiff", Image.fromarray(unit))
    np.testing.assert_allclose(images.load_image(path, grayscale=True).numpy(), unit, atol=1e-7)
    path = _save(tmp_path, "byte.tiff", Image.fromarray(unit * 255))
    np.testing.assert_allclose(images.load_image(path, grayscale=True).numpy(), unit, atol=1e-6)
    path = _save(tmp_path, "neg.tiff", Image.fromarray(unit - 2))
    with pytest.raises(ImageLoadError, match="not in"):
        images.load_image(path)


def test_exif_orientation_is_applied(tmp_path):
    im = Image.fromarray(_small_rgb(8, 16))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when displayed
    path = _save(tmp_path, "rot.jpg", im, exif=exif.tobytes())
    assert tuple(images.load_image(path).shape) == (16, 8, 3)


def test_missing_file(tmp_path):
    with pytest.raises(ImageLoadError, match=r"nope\.png.*no such file"):
        images.load_image(tmp_path / "nope.png")


def test_directory_is_not_an_image(tmp_path):
    with pytest.raises(ImageLoadError, match="directory"):
        images.load_image(tmp_path)


def test_text_file_is_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("<html>definitely not a PNG</html>")
    with pytest.raises(ImageLoadError, match=r"notes\.png.*not an image"):
        images.load_image(path)
    assert issubclass(ImageLoadError, ValueError)


@pytest.mark.parametrize("name", ["coffee.png", "rocket.jpg"])
def test_truncated_file(tmp_path, name):
    data = (DATA / name).read_bytes()
    path = tmp_path / f"cut_{name}"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageLoadError, match=r"cut_.*(truncated|corrupt)"):
        images.load_image(path)


def _png_header_only(width, height):
    """A PNG whose header claims width × height pixels of 8-bit gray: a few hundred bytes."""
    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("side", [8000, 100_000])  # over our limit; over Pillow's own limit
def test_decompression_bomb_is_refused_before_decoding(tmp_path, side):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(side, side))
    assert path.stat().st_size < 2000
    with pytest.raises(ImageLoadError, match=r"bomb\.png.*decompression bomb"):
        images.load_image(path)


def test_pixel_limit_is_the_module_constant(monkeypatch):
    monkeypatch.setattr(loading, "MAX_PIXELS", 1000)  # the module that loads reads it
    with pytest.raises(ImageLoadError, match="over the limit of 1000"):
        images.load_image()


@pytest.mark.parametrize("url", ["ftp://example.com/a.png", "file:///tmp/a.png",
                                 "data://image/png;base64,AAAA"])
def test_unsupported_scheme(url):
    with pytest.raises(ImageLoadError, match="unsupported URL scheme"):
        images.load_image(url)


@pytest.mark.parametrize("source", [3, 2.5, b"data/coffee.png", ["a.png"]])
def test_source_of_wrong_type(source):
    with pytest.raises(TypeError, match="source must be"):
        images.load_image(source)


@pytest.mark.parametrize("flag", [1, "yes", None])
def test_grayscale_must_be_bool(flag):
    with pytest.raises(TypeError, match="grayscale must be True or False"):
        images.load_image(grayscale=flag)


def test_empty_path():
    with pytest.raises(ImageLoadError, match="empty"):
        images.load_image("")


# ---------------------------------------------------------------------------------------------
# load_image over HTTP, against a real server on 127.0.0.1
# ---------------------------------------------------------------------------------------------
GOOD = _small_rgb(10, 14, seed=3)
GOOD_PNG = _png_bytes(GOOD)
STOP = threading.Event()


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass

    def _head(self, status, ctype, length=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def do_GET(self):  # noqa: N802 (http.server's naming)
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _route(self):
        path = self.path
        if path == "/good.png":
            self._head(200, "image/png", len(GOOD_PNG))
            self.wfile.write(GOOD_PNG)
        elif path == "/missing.png":
            self.send_error(404, "Not Found")
        elif path == "/page.html":
            body = b"<!doctype html><p>an HTML page, not an image</p>"
            self._head(200, "text/html; charset=utf-8", len(body))
            self.wfile.write(body)
        elif path == "/no-type":
            self._head(200, "", len(GOOD_PNG))
            self.wfile.write(GOOD_PNG)
        elif path == "/lying.png":  # says PNG, sends HTML
            body = b"<html>gotcha</html>"
            self._head(200, "image/png", len(body))
            self.wfile.write(body)
        elif path == "/endless.png":  # no length, never ends
            self._head(200, "image/png")
            chunk = b"\x89PNG" + b"\0" * 65532
            while not STOP.is_set():
                self.wfile.write(chunk)
        elif path == "/huge.png":  # announces a body over the cap
            self._head(200, "image/png", 10**12)
            self.wfile.write(GOOD_PNG)
        elif path == "/stall-headers":
            STOP.wait(10)
        elif path == "/stall-body.png":
            self._head(200, "image/png", len(GOOD_PNG))
            self.wfile.write(GOOD_PNG[:20])
            self.wfile.flush()
            STOP.wait(10)
        elif path == "/trickle.png":  # one byte at a time, each in time, forever
            self._head(200, "image/png")
            while not STOP.wait(0.05):
                self.wfile.write(b"\0")
                self.wfile.flush()
        else:
            self.send_error(500, "unknown route")


@pytest.fixture(scope="module")
def server():
    STOP.clear()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        STOP.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def quick(monkeypatch, tmp_path):
    """Short limits, and a working directory and temp dir that must stay empty."""
    monkeypatch.setattr(loading, "TIMEOUT", 0.5)
    monkeypatch.setattr(loading, "TOTAL_TIMEOUT", 1.0)
    monkeypatch.setattr(loading, "MAX_BYTES", 256 * 1024)
    monkeypatch.chdir(tmp_path)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr("tempfile.tempdir", str(tmp))
    yield tmp_path
    assert sorted(os.listdir(tmp_path)) == ["tmp"], "a download left files behind"
    assert os.listdir(tmp) == [], "a download left temporary files behind"


def test_url_good_image(server, quick):
    img = images.load_image(f"{server}/good.png")
    np.testing.assert_array_equal(img.numpy(), GOOD / np.float32(255))
    gray = images.load_image(f"{server}/good.png", grayscale=True)
    assert tuple(gray.shape) == GOOD.shape[:2]


def test_url_404(server, quick):
    with pytest.raises(ImageLoadError, match=r"missing\.png.*HTTP error 404"):
        images.load_image(f"{server}/missing.png")


@pytest.mark.parametrize("route, ctype", [("page.html", "text/html"), ("no-type", "none")])
def test_url_wrong_content_type(server, quick, route, ctype):
    with pytest.raises(ImageLoadError, match=f"{route}.*content type '{ctype}"):
        images.load_image(f"{server}/{route}")


def test_url_body_that_is_not_an_image(server, quick):
    with pytest.raises(ImageLoadError, match=r"lying\.png.*not an image"):
        images.load_image(f"{server}/lying.png")


def test_url_body_that_never_ends_hits_the_cap(server, quick):
    with pytest.raises(ImageLoadError, match=r"endless\.png.*over the cap of 262144 bytes"):
        images.load_image(f"{server}/endless.png")


def test_url_announced_length_over_the_cap(server, quick):
    with pytest.raises(ImageLoadError, match=r"huge\.png.*1000000000000 bytes, over the cap"):
        images.load_image(f"{server}/huge.png")


@pytest.mark.parametrize("route", ["stall-headers", "stall-body.png"])
def test_url_server_that_stalls_past_the_timeout(server, quick, route):
    with pytest.raises(ImageLoadError, match=f"{route}.*timed out"):
        images.load_image(f"{server}/{route}")


def test_url_trickle_hits_the_total_timeout(server, quick):
    with pytest.raises(ImageLoadError, match=r"trickle\.png.*longer than 1 s"):
        images.load_image(f"{server}/trickle.png")


@pytest.mark.parametrize("url", ["http://", "https://[::1/a.png", "http://127.0.0.1:99999/a.png"])
def test_malformed_url(url):
    with pytest.raises(ImageLoadError, match="invalid URL"):
        images.load_image(url)


def test_url_connection_refused(quick):
    import socket

    with socket.socket() as sock:  # a port that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ImageLoadError, match="network error"):
        images.load_image(f"http://127.0.0.1:{port}/x.png")


# ---------------------------------------------------------------------------------------------
# ImageSVD
# ---------------------------------------------------------------------------------------------
@st.composite
def image_arrays(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    h = draw(st.integers(2, 9))
    w = draw(st.integers(2, 9))
    c = draw(st.sampled_from([None, 1, 3]))
    seed = draw(st.integers(0, 2**31 - 1))
    shape = (h, w) if c is None else (h, w, c)
    return np.random.default_rng(seed).random(shape).astype(dtype)


def _channels_first(img):
    return img if img.ndim == 2 else np.moveaxis(img, -1, 0)


@given(image_arrays())
def test_imagesvd_matches_numpy(img):
    svd = ImageSVD(img)
    k = min(img.shape[:2])
    assert svd.k == k and svd.shape == img.shape
    assert svd.s.dtype == tf.as_dtype(img.dtype)
    expected_s_shape = (k,) if img.ndim == 2 else (img.shape[2], k)
    assert tuple(svd.s.shape) == expected_s_shape
    s_np = np.linalg.svd(_channels_first(img).astype(np.float64), compute_uv=False)
    np.testing.assert_allclose(svd.s.numpy(), s_np, atol=TOL[img.dtype.type] * 10)
    np.testing.assert_allclose(svd.approx(k).numpy(), img, atol=TOL[img.dtype.type] * 10)


@given(image_arrays(), st.data())
def test_approx_is_the_clipped_best_rank_r_approximation(img, data):
    svd = ImageSVD(img)
    r = data.draw(st.integers(1, svd.k))
    A = _channels_first(img).astype(np.float64)
    u, s, vt = np.linalg.svd(A, full_matrices=False)
    best = (u[..., :r] * s[..., None, :r]) @ vt[..., :r, :]
    best = best if img.ndim == 2 else np.moveaxis(best, 0, -1)
    out = svd.approx(r)
    assert out.dtype == tf.as_dtype(img.dtype) and tuple(out.shape) == img.shape
    np.testing.assert_allclose(out.numpy(), np.clip(best, 0, 1), atol=TOL[img.dtype.type] * 10)


def test_non_square_both_orientations():
    for shape in [(7, 19, 3), (19, 7, 3), (7, 19), (19, 7)]:
        img = np.random.default_rng(1).random(shape)
        svd = ImageSVD(img)
        assert svd.k == 7
        assert tuple(svd.approx(7).shape) == shape
        assert tuple(svd.energy_fraction().shape) == (7,)  # pooled over the channels
        assert 1 <= svd.rank_for_energy(0.9) <= 7


def test_uint8_is_scaled_to_float32():
    arr = _small_rgb(6, 8)
    svd = ImageSVD(arr)
    assert svd.dtype == tf.float32
    np.testing.assert_array_equal(svd.image.numpy(), arr / np.float32(255))
    svd_t = ImageSVD(tf.constant(arr))
    np.testing.assert_array_equal(svd_t.s.numpy(), svd.s.numpy())


def test_size_and_proportion():
    svd = ImageSVD(np.random.default_rng(0).random((10, 16, 3)))
    for r in range(1, 11):
        assert svd.size(r) == 3 * r * (10 + 16 + 1)
        assert svd.proportion(r) == pytest.approx(svd.size(r) / (10 * 16 * 3), rel=1e-15)
    gray = ImageSVD(np.random.default_rng(0).random((10, 16)))
    assert gray.size(4) == 4 * 27


@pytest.mark.parametrize("factor", [0.07, 0.15, 0.5, 0.61])
def test_rank_for_factor_is_the_largest_rank_that_fits(factor):
    svd = ImageSVD(np.random.default_rng(0).random((30, 45, 3)))
    r = svd.rank_for_factor(factor)
    assert r == helpers.rank_for_factor(30, 45, factor)
    assert svd.proportion(r) <= factor + 1e-12
    if r < svd.k:
        assert svd.proportion(r + 1) > factor


def _np_rank_r(A, r):
    u, s, vt = np.linalg.svd(A, full_matrices=False)
    return (u[..., :r] * s[..., None, :r]) @ vt[..., :r, :]


@given(image_arrays())
def test_energy_fraction_is_pooled_over_the_channels(img):
    svd = ImageSVD(img)
    A = _channels_first(img).astype(np.float64)
    s = np.reshape(np.linalg.svd(A, compute_uv=False), (-1, svd.k))  # (c, k) or (1, k)
    frac = svd.energy_fraction().numpy()
    assert frac.shape == (svd.k,)
    # pooled: Σ_c Σ_{i≤r} σ² / Σ_c Σ_i σ², not the mean of the per-channel fractions
    np.testing.assert_allclose(frac, np.cumsum(np.sum(s**2, axis=0)) / np.sum(A**2),
                               atol=TOL[img.dtype.type] * 10)
    # entry r-1 is ‖X_r‖²/‖X‖² over all channels, the energy of the first r values (not r+1)
    r = max(1, svd.k // 2)
    np.testing.assert_allclose(frac[r - 1], np.sum(_np_rank_r(A, r) ** 2) / np.sum(A**2),
                               atol=TOL[img.dtype.type] * 10)
    sig = svd.energy_fraction("sigma").numpy()
    np.testing.assert_allclose(sig, np.cumsum(np.sum(s, axis=0)) / np.sum(s),
                               atol=TOL[img.dtype.type] * 10)
    np.testing.assert_array_equal(frac, helpers.energy_fraction(svd.s).numpy())  # one rule


def test_energy_identity_on_the_coffee_photo():
    """1 − E(r) = ‖X − X_r‖_F² / ‖X‖_F² for the RGB photo (σ²), and the relative nuclear-norm
    error summed over the channels (σ), although the channels' energies differ a lot."""
    photo = images.load_image(DATA / "coffee.png")
    svd = ImageSVD(photo)
    X = np.moveaxis(photo.numpy().astype(np.float64), -1, 0)  # (3, h, w)
    u, s, vt = np.linalg.svd(X, full_matrices=False)
    E2 = svd.energy_fraction().numpy().astype(np.float64)
    E1 = svd.energy_fraction("sigma").numpy().astype(np.float64)
    for r in [1, 5, 20, 35, 100, 250]:
        R = X - (u[..., :r] * s[..., None, :r]) @ vt[..., :r, :]
        np.testing.assert_allclose(1 - E2[r - 1], np.sum(R**2) / np.sum(X**2), rtol=1e-3)
        # R's singular values by TensorFlow's SVD (a tenth of NumPy's time here), u, s, vt by
        # NumPy's: the nuclear norm of R is computed apart from the SVD that built it
        nuclear = float(tf.reduce_sum(tf.linalg.svd(R, compute_uv=False)))
        np.testing.assert_allclose(1 - E1[r - 1], nuclear / np.sum(s), rtol=1e-3)
    # the per-channel tails differ, so averaging them would not give the photo's error
    tails = np.sum(s[:, 20:] ** 2, axis=1) / np.sum(s**2, axis=1)
    assert tails.max() > 5 * tails.min()
    assert abs(np.mean(tails) - (1 - E2[19])) > 1e-3


@given(image_arrays(), st.floats(0.01, 1.0))
def test_rank_for_energy_is_the_smallest_rank_reaching_the_target(img, energy):
    svd = ImageSVD(img)
    r = svd.rank_for_energy(energy)
    frac = svd.energy_fraction().numpy().astype(np.float64)
    assert 1 <= r <= svd.k
    assert frac[r - 1] >= energy or r == svd.k
    if r > 1:
        assert frac[r - 2] < energy
    assert r == helpers.rank_for_energy(svd.s, energy)


def test_the_svd_is_computed_exactly_once(monkeypatch):
    calls = []
    real = tf.linalg.svd

    def counting(*args, **kwargs):
        calls.append(args[0].shape)
        return real(*args, **kwargs)

    monkeypatch.setattr(tf.linalg, "svd", counting)
    svd = ImageSVD(np.random.default_rng(0).random((40, 60, 3)).astype(np.float32))
    assert calls == [tf.TensorShape([3, 40, 60])]  # one call, the channels as one batch
    for r in [1, 2, 3, 5, 8, 10, 15, 20, 30, 40]:
        svd.approx(r)
        svd.size(r)
        svd.proportion(r)
    svd.rank_for_factor(0.15)
    svd.energy_fraction()
    svd.energy_fraction("sigma")
    svd.rank_for_energy(0.75)
    svd.rank_for_energy(0.95, measure="sigma")
    images.quality_table(svd, [5, 10])
    assert len(calls) == 1


def test_rank_zero_is_the_black_image():
    img = np.random.default_rng(0).random((7, 9, 3)).astype(np.float32)
    svd = ImageSVD(img)
    np.testing.assert_array_equal(svd.approx(0).numpy(), np.zeros((7, 9, 3), np.float32))
    assert svd.approx(0).dtype == tf.float32
    assert svd.size(0) == 0 and svd.proportion(0) == 0 and svd.nbytes(0) == 0
    np.testing.assert_allclose(float(images.mse(img, svd.approx(0))), np.mean(img**2),
                               rtol=1e-6)  # A_0 = 0: the error is all of the image
    gray = ImageSVD(img[..., 0])
    np.testing.assert_array_equal(gray.approx(0).numpy(), np.zeros((7, 9), np.float32))


@pytest.mark.parametrize("r", [8, -1, 2.0, True, "3", None])
def test_bad_rank(r):
    svd = ImageSVD(np.random.default_rng(0).random((7, 9, 3)))
    for method in (svd.approx, svd.size, svd.proportion, svd.nbytes):
        with pytest.raises(error_for(r), match=r"r must be an integer between 0 and 7"):
            method(r)


# ---------------------------------------------------------------------------------------------
# bytes and quantized factors
# ---------------------------------------------------------------------------------------------
def test_nbytes_counts_the_factors_in_their_dtype():
    svd = ImageSVD(np.random.default_rng(0).random((10, 16, 3)))
    assert svd.pixel_nbytes == 10 * 16 * 3
    for r in [0, 1, 4, 10]:
        assert svd.nbytes(r) == 3 * r * 27 * 4 == 4 * svd.size(r)
        assert svd.nbytes(r, "float16") == 2 * svd.size(r)
        assert svd.nbytes(r, "float64") == 8 * svd.size(r)
        assert svd.nbytes(r, "uint8") == 3 * r * (10 + 16 + 20)
        assert svd.nbytes(r, "uint8") == 3 * helpers.linalg.approx_nbytes(10, 16, r, "uint8")
    assert ImageSVD(np.zeros((10, 16))).nbytes(3) == 3 * 27 * 4


def test_coffee_photo_bytes_rank_35_and_break_even():
    svd = ImageSVD(images.load_image())
    assert svd.proportion(35) == pytest.approx(0.146, abs=5e-4)  # in numbers
    assert svd.nbytes(35) / svd.pixel_nbytes == pytest.approx(0.584, abs=5e-4)  # in bytes
    fits = [r for r in range(1, svd.k + 1) if svd.nbytes(r) <= svd.pixel_nbytes]
    assert fits[-1] == 59  # break-even in bytes, ≈ mn / (4 (m + n + 1)) = 59.94
    assert svd.nbytes(60) > svd.pixel_nbytes


@pytest.mark.parametrize("dtype, match, err", [("int8", "dtype must be one of", ValueError),
                                               ("float8", "dtype must be one of", ValueError),
                                               (3, "dtype must be a dtype name", TypeError)])
def test_bad_factor_dtype(dtype, match, err):
    svd = ImageSVD(np.random.default_rng(0).random((7, 9)))
    with pytest.raises(err, match=match):
        svd.approx(2, dtype=dtype)
    with pytest.raises(err, match=match):
        svd.nbytes(2, dtype)


@st.composite
def column_arrays(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = draw(st.sampled_from([(5, 3), (2, 9, 4), (1, 6)]))
    seed = draw(st.integers(0, 2**31 - 1))
    x = np.random.default_rng(seed).normal(size=shape).astype(dtype)
    if draw(st.booleans()):
        x[..., 0] = 0.25  # a constant column
    return x


@given(column_arrays(), st.sampled_from([1, 2, 4, 8, 12]))
def test_quantize_columns_matches_numpy(x, bits):
    out = images.quantize_columns(x, bits)
    assert out.dtype == tf.as_dtype(x.dtype) and tuple(out.shape) == x.shape
    lo = x.min(axis=-2, keepdims=True).astype(np.float64)
    hi = x.max(axis=-2, keepdims=True).astype(np.float64)
    scale = (hi - lo) / (2**bits - 1)
    safe = np.where(scale > 0, scale, 1)
    q = np.round((x - lo) / safe)
    expected = np.where(scale > 0, lo + q * scale, x)
    rtol = 1e-5 if x.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out.numpy(), expected, atol=rtol * (np.abs(x).max() + 1))
    err = np.abs(out.numpy() - x)
    assert np.all(err <= scale / 2 * (1 + 1e-3) + rtol * (np.abs(x).max() + 1))
    for j in range(x.shape[-1]):  # at most 2**bits values per column
        for col in np.reshape(np.moveaxis(out.numpy(), -1, 0)[j], (-1, x.shape[-2])):
            assert len(np.unique(col)) <= 2**bits


@pytest.mark.parametrize("bits", [0, 17, 2.0, True, "8", None])
def test_quantize_columns_bad_bits(bits):
    with pytest.raises(error_for(bits), match="bits must be an integer between 1 and 16"):
        images.quantize_columns(np.ones((3, 2)), bits)


@pytest.mark.parametrize("x, err, match", [(np.ones(3), ValueError, "at least 2 dimension"),
                                           (np.full((2, 2), np.inf), ValueError, "NaN or Inf"),
                                           (np.ones((2, 2), complex), TypeError, "real")])
def test_quantize_columns_bad_input(x, err, match):
    with pytest.raises(err, match=match):
        images.quantize_columns(x)


def test_approx_from_stored_factor_dtypes():
    img = np.random.default_rng(3).random((30, 40, 3)).astype(np.float32)
    svd = ImageSVD(img)
    r = 12
    exact = svd.approx(r).numpy()
    np.testing.assert_array_equal(svd.approx(r, "float32").numpy(), exact)
    half = svd.approx(r, "float16").numpy()
    assert half.dtype == np.float32
    err16 = np.abs(half - exact).max()
    assert 0 < err16 < 1e-2  # float16 keeps about 3 decimal digits of each factor
    u8 = svd.approx(r, "uint8").numpy()
    Uq = images.quantize_columns(svd.U[..., :r]).numpy()
    Vq = images.quantize_columns(svd.V[..., :r]).numpy()
    manual = np.clip(np.moveaxis((Uq * svd.s.numpy()[:, None, :r]) @ np.swapaxes(Vq, -1, -2),
                                 0, -1), 0, 1)
    np.testing.assert_allclose(u8, manual, atol=1e-5)
    assert np.abs(u8 - exact).max() > err16  # 8 bits lose more than float16
    assert float(images.psnr(img, u8)) > float(images.psnr(img, exact)) - 1.0
    g = ImageSVD(img[..., 0].astype(np.float64))
    assert g.approx(5, "float16").dtype == tf.float64
    np.testing.assert_array_equal(g.approx(0, "uint8").numpy(), np.zeros((30, 40)))


@pytest.mark.parametrize("energy", [0, -0.5, 1.01, float("nan"), True, "0.9"])
def test_bad_energy(energy):
    svd = ImageSVD(np.random.default_rng(0).random((7, 9)))
    with pytest.raises(error_for(energy, float), match="energy"):
        svd.rank_for_energy(energy)


@pytest.mark.parametrize("factor, match", [(0, "greater than 0"), (-1, "greater than 0"),
                                           (0.01, "too small"), (3.0, "above min"),
                                           (float("inf"), "finite"), ("0.1", "finite")])
def test_bad_factor(factor, match):
    svd = ImageSVD(np.random.default_rng(0).random((7, 9)))
    with pytest.raises(error_for(factor, float), match=match):
        svd.rank_for_factor(factor)


def test_bad_measure():
    svd = ImageSVD(np.random.default_rng(0).random((7, 9)))
    with pytest.raises(ValueError, match="measure must be"):
        svd.energy_fraction("s2")
    with pytest.raises(ValueError, match="measure must be"):
        svd.rank_for_energy(0.9, measure="energy")


def test_all_black_image_has_no_energy():
    svd = ImageSVD(np.zeros((5, 6)))
    np.testing.assert_array_equal(svd.approx(2).numpy(), np.zeros((5, 6)))
    with pytest.raises(ValueError, match="at least one positive singular value"):
        svd.rank_for_energy(0.5)


@pytest.mark.parametrize("image, err, match", [
    (np.random.default_rng(0).random(5), ValueError, "at least 2 dimension"),
    (np.random.default_rng(0).random((2, 3, 4, 3)), ValueError, r"shape \(h, w\) or \(h, w, c\)"),
    (np.full((3, 3), 1.5), ValueError, r"values in \[0, 1\]"),
    (np.full((3, 3), -0.1), ValueError, r"values in \[0, 1\]"),
    (np.full((3, 3), np.nan), ValueError, "NaN"),
    (np.zeros((0, 3)), ValueError, "empty"),
    (np.full((3, 3), 300, np.uint16), ValueError, r"values in \[0, 1\]"),
    (np.ones((3, 3), complex), TypeError, "real"),
    (np.ones((3, 3), bool), TypeError, "real numbers"),
    ([["a", "b"], ["c", "d"]], TypeError, "real numbers"),
])
def test_bad_image(image, err, match):
    with pytest.raises(err, match=match):
        ImageSVD(image)


# ---------------------------------------------------------------------------------------------
# mse, psnr, ssim, quality_table
# ---------------------------------------------------------------------------------------------
@given(image_arrays(), st.integers(0, 2**31 - 1))
def test_mse_and_psnr_match_their_definitions(a, seed):
    b = np.random.default_rng(seed).random(a.shape).astype(a.dtype)
    expected = np.mean((a.astype(np.float64) - b) ** 2)
    m = images.mse(a, b)
    assert m.dtype == tf.as_dtype(a.dtype)
    np.testing.assert_allclose(float(m), expected, rtol=1e-5)
    if expected == 0:  # the same seed drew the same image
        assert math.isinf(float(images.psnr(a, b)))
    else:
        np.testing.assert_allclose(float(images.psnr(a, b)), 10 * np.log10(1 / expected),
                                   rtol=1e-4)


def test_quality_measures_on_batches_and_identical_images():
    rng = np.random.default_rng(0)
    a = rng.random((2, 16, 20, 3)).astype(np.float32)
    b = rng.random((2, 16, 20, 3)).astype(np.float32)
    assert tuple(images.mse(a, b).shape) == (2,)
    assert tuple(images.psnr(a, b).shape) == (2,)
    assert tuple(images.ssim(a, b).shape) == (2,)
    assert math.isinf(float(images.psnr(a[0], a[0])))
    assert float(images.mse(a[0], a[0])) == 0
    assert float(images.ssim(a[0], a[0])) == pytest.approx(1.0, abs=1e-6)
    assert float(images.ssim(a[0], b[0])) < 0.5
    u8 = (a[0] * 255).round().astype(np.uint8)
    np.testing.assert_allclose(float(images.mse(u8, u8 / 255.0)), 0, atol=1e-12)


@pytest.mark.parametrize("fn", [images.mse, images.psnr, images.ssim])
def test_quality_measures_reject_bad_pairs(fn):
    a = np.zeros((12, 12))
    with pytest.raises(ValueError, match="same shape"):
        fn(a, np.zeros((12, 13)))
    with pytest.raises(ValueError, match=r"b must hold values in \[0, 1\]"):
        fn(a, np.full((12, 12), 2.0))
    with pytest.raises(ValueError, match="NaN"):
        fn(np.full((12, 12), np.nan), a)


def test_ssim_needs_eleven_pixels():
    with pytest.raises(ValueError, match="at least 11×11"):
        images.ssim(np.zeros((10, 30)), np.zeros((10, 30)))


def test_quality_table():
    img = np.random.default_rng(0).random((20, 30)).astype(np.float32)
    svd = ImageSVD(img)
    rows = images.quality_table(svd, [2, 5, 20])
    assert [r["rank"] for r in rows] == [2, 5, 20]
    assert set(rows[0]) == {"rank", "stored", "stored_fraction", "compression_ratio",
                            "stored_bytes", "bytes_fraction", "mse", "psnr_db"}
    for row in rows:
        r = row["rank"]
        assert row["stored"] == r * 51
        assert row["stored_fraction"] == pytest.approx(r * 51 / 600)
        assert row["compression_ratio"] == pytest.approx(600 / (r * 51))  # in numbers
        assert row["stored_bytes"] == 4 * r * 51 == svd.nbytes(r)  # float32 factors
        assert row["bytes_fraction"] == pytest.approx(4 * r * 51 / 600)  # of the 8-bit pixels
        assert row["mse"] == pytest.approx(float(images.mse(img, svd.approx(r))))
        assert row["psnr_db"] == pytest.approx(float(images.psnr(img, svd.approx(r))), rel=1e-6)
    assert rows[0]["mse"] > rows[1]["mse"] > rows[2]["mse"]
    with_ssim = images.quality_table(svd, [20], with_ssim=True)
    assert with_ssim[0]["ssim"] == pytest.approx(1.0, abs=1e-4)


def test_quality_table_bytes_break_even_four_times_sooner():
    svd = ImageSVD(images.load_image())  # 400 x 600 x 3: 239 in numbers, 59 in float32 bytes
    rows = {row["rank"]: row for row in images.quality_table(svd, [59, 60, 88, 239, 240])}
    assert rows[59]["bytes_fraction"] < 1 < rows[60]["bytes_fraction"]
    assert rows[239]["compression_ratio"] > 1 > rows[240]["compression_ratio"]
    assert rows[88]["compression_ratio"] > 1 and rows[88]["bytes_fraction"] == pytest.approx(
        1.468, abs=5e-4)  # smaller in numbers, 147% of the 8-bit photo in float32 bytes


def test_quality_table_rank_zero_is_the_all_zero_image():
    img = np.random.default_rng(0).random((20, 30)).astype(np.float32)
    row = images.quality_table(ImageSVD(img), [0, 3])[0]
    assert row["rank"] == 0 and row["stored"] == 0 and row["stored_bytes"] == 0
    assert row["stored_fraction"] == 0.0 == row["bytes_fraction"]
    assert row["compression_ratio"] == float("inf")
    assert row["mse"] == pytest.approx(float(np.mean(img.astype(np.float64) ** 2)), rel=1e-5)
    assert row["psnr_db"] == pytest.approx(10 * np.log10(1 / row["mse"]), rel=1e-5)
    black = images.quality_table(ImageSVD(np.zeros((12, 12))), [0])[0]
    assert black["mse"] == 0.0 and black["psnr_db"] == float("inf")


@pytest.mark.parametrize("ranks, exc, match", [
    ([], ValueError, "non-empty"), ([-1], ValueError, "between 0 and 20"),
    ([21], ValueError, "between 0 and 20"),
    ([3, 3], ValueError, "repeat"), ("5", TypeError, "list of integers"),
    ([2.5], TypeError, "between 0 and 20"), (7, TypeError, "list of integers"),
    ([True], TypeError, "between 0 and 20")])
def test_quality_table_bad_ranks(ranks, exc, match):
    svd = ImageSVD(np.random.default_rng(0).random((20, 30)))
    with pytest.raises(exc, match=match):
        images.quality_table(svd, ranks)


def test_quality_table_bad_arguments():
    with pytest.raises(TypeError, match="image_svd must be an ImageSVD"):
        images.quality_table(np.zeros((4, 4)), [1])
    svd = ImageSVD(np.random.default_rng(0).random((20, 30)))
    with pytest.raises(TypeError, match="with_ssim"):
        images.quality_table(svd, [1], with_ssim="yes")


# ---------------------------------------------------------------------------------------------
# export_report
# ---------------------------------------------------------------------------------------------
def _read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def test_export_report_on_the_default_photo(tmp_path):
    gray = images.load_image(grayscale=True)
    out = tmp_path / "nested" / "report"
    ranks = [5, 20, 100]
    paths = images.export_report(gray, ranks, out)
    names = ["svd_original.png", "svd_k5.png", "svd_k20.png", "svd_k100.png",
             "svd_sigma_decay.png", "svd_sigma_top50.csv", "svd_U_first10_cols.csv",
             "svd_Vt_first10_rows.csv", "svd_rank1_component.png", "svd_quality.csv"]
    assert [p.name for p in paths] == names
    assert all(p.parent == out and p.is_file() for p in paths)
    assert sorted(os.listdir(out)) == sorted(names)  # no staging folder left behind

    original = np.asarray(Image.open(out / "svd_original.png"))
    assert original.shape == (400, 600) and original.dtype == np.uint8
    np.testing.assert_array_equal(original, np.round(gray.numpy().astype(np.float64) * 255))
    svd = ImageSVD(gray)
    k20 = np.asarray(Image.open(out / "svd_k20.png"))
    np.testing.assert_allclose(k20 / 255, svd.approx(20).numpy(), atol=0.5 / 255 + 1e-6)

    top = _read_csv(out / "svd_sigma_top50.csv")
    assert top[0] == ["index", "sigma"] and len(top) == 51
    assert [int(r[0]) for r in top[1:]] == list(range(1, 51))
    np.testing.assert_allclose([float(r[1]) for r in top[1:]], svd.s.numpy()[:50], rtol=1e-6)

    U = np.loadtxt(out / "svd_U_first10_cols.csv", delimiter=",")
    Vt = np.loadtxt(out / "svd_Vt_first10_rows.csv", delimiter=",")
    assert U.shape == (400, 10) and Vt.shape == (10, 600)
    np.testing.assert_allclose(U.T @ U, np.eye(10), atol=1e-5)
    np.testing.assert_allclose(Vt @ Vt.T, np.eye(10), atol=1e-5)
    assert np.all(np.abs(U).max(axis=0) == U.max(axis=0))  # signs normalised

    rank1 = np.asarray(Image.open(out / "svd_rank1_component.png"))
    assert rank1.shape == (400, 600) and rank1.min() == 0 and rank1.max() == 255
    s1u1v1 = float(top[1][1]) * np.outer(U[:, 0], Vt[0])
    expected = np.round((s1u1v1 - s1u1v1.min()) / np.ptp(s1u1v1) * 255)
    assert np.abs(rank1 - expected).max() <= 1

    decay = Image.open(out / "svd_sigma_decay.png")
    assert decay.format == "PNG" and decay.size[0] > 300

    table = _read_csv(out / "svd_quality.csv")
    assert table[0] == ["rank", "stored", "stored_fraction", "compression_ratio", "mse",
                        "psnr_db", "stored_bytes_float32", "bytes_fraction"]
    assert [int(r[0]) for r in table[1:]] == ranks
    assert [int(r[1]) for r in table[1:]] == [r * 1001 for r in ranks]
    assert [int(r[6]) for r in table[1:]] == [4 * r * 1001 for r in ranks]
    np.testing.assert_allclose([float(r[7]) for r in table[1:]],
                               [4 * r * 1001 / 240000 for r in ranks], rtol=1e-8)
    psnrs = [float(r[5]) for r in table[1:]]
    assert psnrs == sorted(psnrs) and psnrs[0] > 15


def test_export_report_rank_zero(tmp_path):
    img = np.random.default_rng(0).random((12, 16))
    paths = images.export_report(img, [0, 2], tmp_path)
    assert [p.name for p in paths][:3] == ["svd_original.png", "svd_k0.png", "svd_k2.png"]
    assert np.asarray(Image.open(tmp_path / "svd_k0.png")).max() == 0  # A_0 = 0: all black
    rows = _read_csv(tmp_path / "svd_quality.csv")
    assert rows[1][:4] == ["0", "0", "0", "inf"] and rows[1][6:] == ["0", "0"]


def test_export_report_small_rgb_image_and_prefix(tmp_path):
    rgb = np.random.default_rng(0).random((8, 13, 3))
    paths = images.export_report(rgb, [1, 8], tmp_path, prefix="tiny-1")
    assert paths[0].name == "tiny-1_original.png"
    gray = tf.image.rgb_to_grayscale(rgb)[..., 0].numpy()
    np.testing.assert_array_equal(np.asarray(Image.open(paths[0])),
                                  np.round(gray * 255).astype(np.uint8))
    assert len(_read_csv(tmp_path / "tiny-1_sigma_top50.csv")) == 1 + 8  # k = 8 < 50
    assert np.loadtxt(tmp_path / "tiny-1_U_first10_cols.csv", delimiter=",").shape == (8, 8)
    assert np.loadtxt(tmp_path / "tiny-1_Vt_first10_rows.csv", delimiter=",").shape == (8, 13)


def test_export_report_reuses_a_grayscale_imagesvd(tmp_path, monkeypatch):
    svd = ImageSVD(np.random.default_rng(0).random((12, 16)))
    monkeypatch.setattr(tf.linalg, "svd", lambda *a, **k: pytest.fail("SVD recomputed"))
    assert len(images.export_report(svd, [3], tmp_path)) == 8


def test_export_report_leaves_nothing_half_written(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    real = report._save_csv

    def failing(path, rows, header=None):
        if "U_first10" in Path(path).name:
            real(path, rows[: len(rows) // 2], header)  # half of the file, then the disk fills
            raise OSError(28, "No space left on device")
        return real(path, rows, header)

    monkeypatch.setattr(report, "_save_csv", failing)
    with pytest.raises(OSError, match="No space left"):
        images.export_report(np.random.default_rng(0).random((12, 16)), [2, 4], out)
    assert os.listdir(out) == ["keep.txt"]


@pytest.mark.parametrize("prefix", ["", "a/b", "../x", ".hidden", "x y", 3, None])
def test_export_report_bad_prefix(tmp_path, prefix):
    with pytest.raises(ValueError if isinstance(prefix, str) else TypeError, match="prefix must be"):
        images.export_report(np.zeros((4, 5)) + 0.5, [1], tmp_path, prefix=prefix)
    assert os.listdir(tmp_path) == []


def test_export_report_bad_arguments(tmp_path):
    img = np.random.default_rng(0).random((6, 7))
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    with pytest.raises(ValueError, match="exists and is not a folder"):
        images.export_report(img, [1], afile)
    with pytest.raises(TypeError, match="out_dir must be"):
        images.export_report(img, [1], 42)
    with pytest.raises(ValueError, match="between 0 and 6"):
        images.export_report(img, [7], tmp_path / "o")
    with pytest.raises(ValueError, match="between 0 and 6"):
        images.export_report(img, [-1], tmp_path / "o")
    with pytest.raises(ValueError, match=r"\(h, w, 3\)"):
        images.export_report(np.zeros((6, 7, 2)), [1], tmp_path / "o")
    with pytest.raises(ValueError, match="grayscale"):
        images.export_report(ImageSVD(np.zeros((6, 7, 3))), [1], tmp_path / "o")
    assert not (tmp_path / "o").exists()
