"""The pure parts of the asv benchmarks (benchmarks/): the log-log slope of bench_scaling, the
/proc/self/status reader, the row reader that replaces a memory map, the one-pass Frobenius error
and the test matrices of _data, the bounds and the report of report.py, and the shape every
benchmark module has (BOUNDS, one track_check per check).

The benchmarks themselves (minutes, a 1.6 GB file) run with ``make bench``, never here.
"""

import importlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(p.stem for p in (ROOT / "benchmarks").glob("bench_*.py"))


@pytest.fixture(scope="module")
def bench():
    return importlib.import_module("benchmarks.bench_scaling")


@pytest.fixture(scope="module")
def data():
    return importlib.import_module("benchmarks._data")


@pytest.fixture(scope="module")
def report():
    return importlib.import_module("benchmarks.report")


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


def test_proc_status_fields(data):
    text = "Name:\tpython\nVmPeak:\t  900 kB\nVmHWM:\t  812345 kB\nVmRSS:\t  512000 kB\n"
    assert data.proc_status_kib("VmRSS", text) == 512000
    assert data.proc_status_kib("VmHWM", text) == 812345
    assert data.proc_status_kib("VmSwap", text) is None
    if Path("/proc/self/status").exists():
        assert data.proc_status_kib("VmRSS") > 0


@pytest.mark.parametrize("version", [(1, 0), (2, 0)])
def test_npy_rows_reads_what_np_load_reads(data, tmp_path, version):
    A = np.arange(37 * 5, dtype=np.float32).reshape(37, 5) / 7
    path = tmp_path / "a.npy"
    with open(path, "wb") as f:
        np.lib.format.write_array(f, A, version=version)
    rows = data.NpyRows(path)
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
    first = data.NpyRows(path, max_rows=8)
    assert first.shape == (8, 5)
    np.testing.assert_array_equal(first[:], A[:8])


def test_npy_rows_refuses_other_layouts(data, tmp_path):
    np.save(tmp_path / "f.npy", np.asfortranarray(np.ones((4, 3), np.float32)))
    np.save(tmp_path / "v.npy", np.ones(4, np.float32))
    for name in ("f.npy", "v.npy"):
        with pytest.raises(ValueError):
            data.NpyRows(tmp_path / name)


def test_frobenius_error_in_one_pass(data, tmp_path):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((50, 12)).astype(np.float32)
    np.save(tmp_path / "a.npy", A)
    U, s, Vt = np.linalg.svd(A.astype(np.float64), full_matrices=False)
    k = 4
    want = np.linalg.norm(A - (U[:, :k] * s[:k]) @ Vt[:k])
    got = data.frobenius_error(data.NpyRows(tmp_path / "a.npy"), s[:k], U[:, :k], Vt[:k].T,
                                block_rows=16)
    assert got == pytest.approx(want, rel=1e-6)
    assert got == pytest.approx(np.sqrt(np.sum(s[k:] ** 2)), rel=1e-5)


def test_decaying_matrix_has_the_planted_spectrum(data):
    M, sigma = data.decaying_matrix(64)
    assert M.dtype == np.float32 and M.shape == (64, 64)
    np.testing.assert_allclose(np.linalg.svd(M.astype(np.float64), compute_uv=False), sigma,
                               rtol=1e-5, atol=1e-6)
    assert not np.allclose(M, np.diag(np.diag(M)))  # really rotated


def test_generated_blocks_are_reproducible(data):
    basis = data._planted_basis(30)
    np.testing.assert_allclose(basis.T @ basis, np.eye(data.PLANTED_RANK), atol=1e-5)
    a = data.generate_block(3, 40, 30, basis)
    np.testing.assert_array_equal(a, data.generate_block(3, 40, 30, basis))
    assert a.dtype == np.float32 and a.shape == (40, 30)
    assert not np.array_equal(a, data.generate_block(4, 40, 30, basis))


# ---------------------------------------------------------------------------------------------
# every benchmark module: BOUNDS and one track_check over them
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("module", MODULES)
def test_each_module_has_bounds_and_one_track_over_them(module, report):
    mod = importlib.import_module(f"benchmarks.{module}")
    assert mod.BOUNDS, module
    for bound in mod.BOUNDS.values():
        report.check_bound(1.0, bound)  # every bound parses (raises on an unknown form)
    # the classes asv collects (it skips names that start with "_", such as the shared base)
    classes = [v for k, v in vars(mod).items()
               if not k.startswith("_") and isinstance(v, type) and hasattr(v, "track_check")]
    assert len(classes) == 1, module
    base = importlib.import_module("benchmarks._timing")._Checks  # track_check is written once
    assert issubclass(classes[0], base), module
    assert classes[0].params == [list(mod.BOUNDS)]
    values = dict.fromkeys(mod.BOUNDS, 2.5)
    assert classes[0]().track_check(values, next(iter(mod.BOUNDS))) == 2.5
    assert any("load average" in check for check in mod.BOUNDS)  # every run states its load


def test_the_issue_bounds_are_there():
    from benchmarks import bench_randomized, bench_sklearn, bench_streaming

    assert bench_randomized.BOUNDS["n=4096, oneDNN off: randomized_svd / its 6 products"] == \
        "<= 1.5"
    assert bench_sklearn.BOUNDS["n=2048, oneDNN off, 1 thread: scikit-learn (LU) time / ours"] \
        == ">= 2"
    assert bench_streaming.BOUNDS["passes over the data (rows read / m)"] == "in [3, 3]"
    assert bench_streaming.BOUNDS["peak memory above baseline / matrix size"] == "<= 0.1"
    assert bench_streaming.BOUNDS["Dask svd_compressed time / streaming_randomized_svd time"] \
        == ">= 1"


# ---------------------------------------------------------------------------------------------
# report.py: bounds, asv's results, results.md
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, bound, want", [
    (1.5, "<= 1.5", True), (1.51, "<= 1.5", False), (2.0, ">= 2", True), (1.99, ">= 2", False),
    (3.0, "in [3, 3]", True), (2.9, "in [3, 3]", False), (0.5, "in [0.333, 3]", True),
    (7.0, "record", None), (None, "<= 1", False), (math.nan, ">= 1", False),
    (math.inf, "<= 1", False), (None, "record", None)])
def test_check_bound(report, value, bound, want):
    assert report.check_bound(value, bound) is want


@pytest.mark.parametrize("bound", ["< 1", "== 2", "in [1, 2)", "about 3", ""])
def test_unknown_bound_is_an_error(report, bound):
    with pytest.raises(ValueError, match="unknown bound"):
        report.check_bound(1.0, bound)


def fake_results(tmp_path, values, date=1_000):
    """An asv result file as asv 0.6 writes it, with one track_check of bench_x."""
    machine = tmp_path / "results" / "box"
    machine.mkdir(parents=True, exist_ok=True)
    (machine / "machine.json").write_text(json.dumps({"machine": "box", "num_cpu": "2",
                                                      "ram": str(2**32), "os": "Linux"}))
    result = {
        "commit_hash": "0123456789abcdef", "date": date, "params": {}, "version": 2,
        "result_columns": ["result", "params", "version", "started_at", "duration"],
        "results": {"bench_x.X.track_check": [list(values.values()),
                                              [[repr(k) for k in values]], "v", 0, 1.0],
                    "bench_x.X.time_other": [[0.1], [], "v", 0, 1.0]},
    }
    (machine / f"{date}-existing.json").write_text(json.dumps(result))
    return tmp_path / "results"


def test_report_reads_asv_results_and_flags_what_is_outside_or_missing(report, tmp_path):
    values = {"a / b": 1.2, "c / d": 0.4, "n=4096: e's time": 9.0, "load average": 3.0}
    older = fake_results(tmp_path, {"a / b": 99.0}, date=10)
    newer = fake_results(tmp_path, values, date=2_000)
    assert older == newer
    machine, result = report.latest_results(newer)
    assert machine["machine"] == "box" and result["date"] == 2_000
    found = report.checks(result)
    assert found == {"bench_x": list(values.items())}  # time_other is not a check
    bounds = {"a / b": "<= 1.5", "c / d": ">= 1", "n=4096: e's time": "record",
              "load average": "record", "never measured": "<= 1"}
    rows = report.evaluate(found, lambda module: bounds, modules=["bench_x"])
    oks = {check: ok for _, check, _, _, ok in rows}
    assert oks == {"a / b": True, "c / d": False, "n=4096: e's time": None,
                   "load average": None, "never measured": False}
    text = report.render(rows, machine, result, 1.0, 2.0, {"TensorFlow": "x"}, "blas", "blas")
    assert "**2 of 3 bounded checks are outside their bounds:**" in text
    assert "- `bench_x`: c / d: 0.4 (expected >= 1)" in text
    assert "- `bench_x`: never measured: missing (expected <= 1)" in text
    assert "| Load average (1 min), start / end | 1 / 2 |" in text


def test_report_says_all_within_bounds_only_when_they_are(report, tmp_path):
    machine, result = report.latest_results(fake_results(tmp_path, {"a / b": 1.0}))
    rows = report.evaluate(report.checks(result), lambda module: {"a / b": "<= 1.5"},
                           modules=["bench_x"])
    text = report.render(rows, machine, result, None, 0.5, {}, "blas", "blas")
    assert "**All 1 bounded checks are within their bounds.**" in text


def test_report_without_results_says_so(report, tmp_path):
    with pytest.raises(FileNotFoundError, match="make bench"):
        report.latest_results(tmp_path / "nothing")


def test_sklearn_derived_bound_is_its_time_over_our_products():
    # 3 pairs (M X, Mᵀ X) per call: scikit-learn 6.0 s, our pair 0.5 s, OpenBLAS's pair 1.0 s.
    sk = importlib.import_module("benchmarks.bench_sklearn")
    med = {"QR": 6.0, "LU": 4.5, "ours": 3.0, "tf pair": 0.5, "numpy pair": 1.0}
    key = "n=2048, oneDNN off, 1 thread"
    got = {k.replace(key, "k"): v for k, v in sk.derived_bounds(med, key).items()}
    assert got["k: derived bound on scikit-learn (QR) time / ours"] == pytest.approx(4.0)
    assert got["k: derived bound on scikit-learn (LU) time / ours"] == pytest.approx(3.0)
    assert got["k: scikit-learn (QR) time / its 6 products"] == pytest.approx(2.0)
    assert got["k: OpenBLAS's 6 products / TensorFlow's"] == pytest.approx(2.0)
    assert got["k: our time / our 6 products"] == pytest.approx(2.0)
    # the bound factors into scikit-learn's overhead times the product speed ratio
    assert got["k: derived bound on scikit-learn (QR) time / ours"] == pytest.approx(
        got["k: scikit-learn (QR) time / its 6 products"]
        * got["k: OpenBLAS's 6 products / TensorFlow's"])
    assert all(sk.BOUNDS[k.replace("k", key, 1)] == "record" for k in got)  # reported beside
    assert all(sk.BOUNDS[k] == ">= 2" for k in sk.BOUNDS if k.endswith("time / ours")
               and "derived" not in k)


def test_report_prints_a_module_note_after_its_table(report, tmp_path):
    machine, result = report.latest_results(fake_results(tmp_path, {"a / b": 1.0}))
    rows = report.evaluate(report.checks(result), lambda module: {"a / b": "<= 1.5"},
                           modules=["bench_sklearn"])
    rows = [("bench_sklearn", *row[1:]) for row in rows]
    text = report.render(rows, machine, result, None, 0.5, {}, "blas", "blas")
    note = " ".join(importlib.import_module("benchmarks.bench_sklearn").NOTE.split())
    assert text.index("| a / b | 1 |") < text.index(note)
