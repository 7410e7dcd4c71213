"""The pure parts of benchmarks/bench_scaling.py: the log-log slope, the /proc/self/status reader,
the row reader that replaces a memory map, the one-pass Frobenius error and the test matrices.

The benchmark itself (minutes, a 1.6 GB file) runs with ``make bench``, never here.
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load(name):
    """benchmarks/<name>.py as module ``name``, registered in sys.modules while it is loaded (so
    that ``from _common import ...`` finds the benchmarks' _common: no path is edited)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    saved = {name: sys.modules.get(name) for name in ("_common", "bench_scaling")}
    try:
        _load("_common")
        return _load("bench_scaling")
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


@pytest.mark.parametrize("power", [1.0, 2.0, 3.0, 2.37])
def test_slope_of_a_power_law_is_its_exponent(bench, power):
    ns = [256, 512, 1024, 2048]
    times = [1e-9 * 7.0 * n**power for n in ns]
    assert bench.loglog_slope(ns, times) == pytest.approx(power, abs=1e-12)
    assert bench.local_slopes(ns, times) == pytest.approx([power] * 3, abs=1e-12)


def test_slope_is_the_least_squares_fit(bench):
    rng = np.random.default_rng(0)
    ns = np.array([512, 1024, 2048, 4096, 8192])
    times = 1e-6 * ns**2.0 * np.exp(rng.normal(0, 0.2, ns.size))
    assert bench.loglog_slope(ns, times) == pytest.approx(
        np.polyfit(np.log(ns), np.log(times), 1)[0], rel=1e-12)


@pytest.mark.parametrize("ns, times", [([512], [1.0]), ([512, 512], [1.0, 2.0]),
                                       ([512, 1024], [1.0, 0.0]), ([512, 1024], [1.0])])
def test_slope_needs_two_sizes_and_positive_times(bench, ns, times):
    with pytest.raises(ValueError):
        bench.loglog_slope(ns, times)


def test_proc_status_fields(bench):
    text = "Name:\tpython\nVmPeak:\t  900 kB\nVmHWM:\t  812345 kB\nVmRSS:\t  512000 kB\n"
    assert bench.proc_status_kib("VmRSS", text) == 512000
    assert bench.proc_status_kib("VmHWM", text) == 812345
    assert bench.proc_status_kib("VmSwap", text) is None
    if Path("/proc/self/status").exists():
        assert bench.proc_status_kib("VmRSS") > 0


@pytest.mark.parametrize("version", [(1, 0), (2, 0)])
def test_npy_rows_reads_what_np_load_reads(bench, tmp_path, version):
    A = np.arange(37 * 5, dtype=np.float32).reshape(37, 5) / 7
    path = tmp_path / "a.npy"
    with open(path, "wb") as f:
        np.lib.format.write_array(f, A, version=version)
    rows = bench.NpyRows(path)
    assert rows.shape == (37, 5) and rows.dtype == np.float32 and len(rows) == 37
    for key in (slice(0, 10), slice(10, 37), slice(30, 100), slice(None), slice(-4, None),
                slice(5, 5)):
        np.testing.assert_array_equal(rows[key], A[key])
    np.testing.assert_array_equal(rows[3:9, :], A[3:9])
    assert rows.rows_read == 10 + 27 + 7 + 37 + 4 + 0 + 6
    assert not isinstance(rows[0:3], np.memmap)
    with pytest.raises(IndexError):
        rows[::2]
    with pytest.raises(IndexError):
        rows[3]
    with pytest.raises(IndexError):
        rows[0:3, 1:2]
    first = bench.NpyRows(path, max_rows=8)
    assert first.shape == (8, 5)
    np.testing.assert_array_equal(first[:], A[:8])


def test_npy_rows_refuses_other_layouts(bench, tmp_path):
    np.save(tmp_path / "f.npy", np.asfortranarray(np.ones((4, 3), np.float32)))
    np.save(tmp_path / "v.npy", np.ones(4, np.float32))
    for name in ("f.npy", "v.npy"):
        with pytest.raises(ValueError):
            bench.NpyRows(tmp_path / name)


def test_frobenius_error_in_one_pass(bench, tmp_path):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((50, 12)).astype(np.float32)
    np.save(tmp_path / "a.npy", A)
    U, s, Vt = np.linalg.svd(A.astype(np.float64), full_matrices=False)
    k = 4
    want = np.linalg.norm(A - (U[:, :k] * s[:k]) @ Vt[:k])
    got = bench.frobenius_error(bench.NpyRows(tmp_path / "a.npy"), s[:k], U[:, :k], Vt[:k].T,
                                block_rows=16)
    assert got == pytest.approx(want, rel=1e-6)
    assert got == pytest.approx(np.sqrt(np.sum(s[k:] ** 2)), rel=1e-5)


def test_decaying_matrix_has_the_planted_spectrum(bench):
    M, sigma = bench.decaying_matrix(64)
    assert M.dtype == np.float32 and M.shape == (64, 64)
    np.testing.assert_allclose(np.linalg.svd(M.astype(np.float64), compute_uv=False), sigma,
                               rtol=1e-5, atol=1e-6)
    assert not np.allclose(M, np.diag(np.diag(M)))  # really rotated


def test_generated_blocks_are_reproducible(bench):
    basis = bench._planted_basis(30)
    np.testing.assert_allclose(basis.T @ basis, np.eye(bench.PLANTED_RANK), atol=1e-5)
    a = bench.generate_block(3, 40, 30, basis)
    np.testing.assert_array_equal(a, bench.generate_block(3, 40, 30, basis))
    assert a.dtype == np.float32 and a.shape == (40, 30)
    assert not np.array_equal(a, bench.generate_block(4, 40, 30, basis))
