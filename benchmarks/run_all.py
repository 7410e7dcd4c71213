"""Run every benchmark of the collection, time every notebook and the test suite, and write
``benchmarks/results.md``.

    make bench                                  # = python benchmarks/run_all.py
    python benchmarks/run_all.py --quick        # development: 2 repeats, 1 notebook run, no suite
    python benchmarks/run_all.py --only randomized svd_backends --skip-notebooks

What it does
    1. Each ``benchmarks/bench_*.py`` is imported in a fresh Python process (so that one cannot
       disturb another, and a crash is reported instead of ending the run) and its
       ``run(repeats)`` is called. The benchmarks the collection expects are listed in
       ``EXPECTED``; one whose file is absent is reported as *missing*, one that raises is
       reported with the end of its error, and the others still run.
    2. Every notebook ``notebooks/NN_*.ipynb`` is executed from a clean copy into
       ``build/bench/notebooks/`` with ``scripts/run_notebooks.py``'s ``execute()`` (the settings
       nbval uses, kernel start-up included; it shuts each kernel down when its notebook is
       done), ``--notebook-runs`` times, round-robin.
    3. The whole test suite, ``python -m pytest -n auto --dist loadfile`` from the project root
       (what ``make test`` runs once the environment is installed: one pytest-xdist worker per
       core, a file's tests on one worker), ``--suite-runs`` times; the counts of passed, failed,
       skipped tests are read from the ``--junitxml`` report it is asked to write.

How to read results.md
    * **Machine**: CPU model, cores, memory, library versions, the threads the TF/NumPy ratios
      depend on (each BLAS / OpenMP library loaded with NumPy and TensorFlow as threadpoolctl
      sees it, TensorFlow's intra-/inter-op settings, thread variables set in the environment),
      and the 1-minute load average at the start and the end. A load above the number of cores
      means other processes competed for the CPU: every time is then inflated, multi-threaded
      ones (NumPy's OpenBLAS, TensorFlow's SVD) most.
    * **Summary**: how many checks passed, and every check that did not.
    * **Benchmarks**: one section per ``bench_*.py``: a table of cases, each the *median* wall
      time of ``Runs`` runs (the benchmarks interleave their cases, so load hits them alike), then
      the ratios, each measured within the same run, with the bound it is expected to meet and
      ``ok`` or ``UNEXPECTED``. A bound marked "for the record" is informative only.
    * **Notebooks**: the median time to execute each notebook from scratch; expected at most
      30 s each.
    * **Test suite**: the median time of the whole suite, its outcome (passed/failed counts);
      expected under 3 minutes on a 2-core machine.
    Times are wall-clock seconds (or milliseconds, "ms") on this machine only; compare ratios, not
    absolute times, across machines.

Exit status: 1 if a benchmark crashed, a notebook failed or the test suite failed; with
``--strict`` also if a check is outside its expected bound or a benchmark is missing; else 0.
"""

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

# The same quiet, reproducible environment as the Makefile gives (kernels inherit it).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("PYTHONHASHSEED", "0")

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
BUILD = ROOT / "build" / "bench"
DEFAULT_OUTPUT = BENCH_DIR / "results.md"
QUICK_OUTPUT = BUILD / "results_quick.md"

#: The benchmarks of the collection, in report order (bench_<name>.py). Others found are added.
EXPECTED = ["compression", "svd_grad", "power_iteration", "randomized", "svd_backends", "scaling"]
NOTEBOOK_LIMIT_S = 30.0
SUITE_LIMIT_S = 180.0
BENCH_TIMEOUT_S = 3600
SUITE_TIMEOUT_S = 1800
#: How ``make test`` runs the suite: one pytest-xdist worker per core, a file's tests together.
SUITE_ARGS = ("-n", "auto", "--dist", "loadfile")
SUITE_COMMAND = "python -m pytest " + " ".join(SUITE_ARGS)

_CHILD = r"""
import importlib.util, json, os, sys
name, path, repeats, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, os.path.dirname(path))  # as `python benchmarks/bench_x.py`: finds _common
spec = importlib.util.spec_from_file_location(name, path)
module = importlib.util.module_from_spec(spec)
sys.modules[name] = module
spec.loader.exec_module(module)
if not callable(getattr(module, "run", None)):
    raise SystemExit(f"{path} has no run(repeats) function")
result = module.run(repeats)
with open(out, "w") as f:
    json.dump(result, f, default=lambda o: o.item() if hasattr(o, "item") else str(o))
"""


# ----------------------------------------------------------------------------------------------
# the machine
# ----------------------------------------------------------------------------------------------
def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _memory_gib():
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except (OSError, ValueError, IndexError):
        pass
    return None


def _load():
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")

# Run in a child process so that this one stays free of TensorFlow; it loads what a benchmark loads.
# (threadpoolctl is always there: scikit-learn, a dependency of the project, requires it.)
_INFO_CHILD = """
import json, platform, numpy, tensorflow as tf, keras, threadpoolctl
print(json.dumps({"versions": {"Python": platform.python_version(), "TensorFlow": tf.__version__,
                               "Keras": keras.__version__, "NumPy": numpy.__version__},
                  "threadpools": threadpoolctl.threadpool_info(),
                  "tf_threads": [tf.config.threading.get_intra_op_parallelism_threads(),
                                 tf.config.threading.get_inter_op_parallelism_threads()]}))
"""


def _library_info():
    """Versions, BLAS / OpenMP thread pools and TensorFlow's thread settings (a child process)."""
    try:
        out = subprocess.run([sys.executable, "-c", _INFO_CHILD], capture_output=True, text=True,
                             timeout=300, cwd=ROOT, check=True).stdout
        return json.loads(out.strip().splitlines()[-1])
    except (subprocess.SubprocessError, OSError, ValueError, IndexError) as err:
        return {"versions": {"Python": platform.python_version(), "TensorFlow": f"unknown ({err})"}}


def machine_info():
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                         else os.cpu_count()),
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        **_library_info(),
        "thread_env": {k: os.environ[k] for k in THREAD_VARIABLES if k in os.environ},
    }


# ----------------------------------------------------------------------------------------------
# benchmarks
# ----------------------------------------------------------------------------------------------
def find_benchmarks(only=None):
    """[(name, path or None)] in report order: EXPECTED first, then any other bench_*.py."""
    found = {p.stem[len("bench_"):]: p for p in sorted(BENCH_DIR.glob("bench_*.py"))}
    names = EXPECTED + [n for n in found if n not in EXPECTED]
    if only:
        unknown = [n for n in only if n not in names]
        if unknown:
            raise SystemExit(f"--only: unknown benchmark(s) {unknown}; known: {names}")
        names = [n for n in names if n in only]
    return [(n, found.get(n)) for n in names]


def _check_result(result):
    """Validate the dict a run() returned; return it normalised, or raise ValueError."""
    if not isinstance(result, dict):
        raise ValueError(f"run() must return a dict; got {type(result).__name__}")
    for key in ("title", "rows", "ratios"):
        if key not in result:
            raise ValueError(f"run()'s dict has no {key!r} key")
    rows = [{"case": str(row["case"]), "median_s": float(row["median_s"]),
             "runs": int(row["runs"])} for row in result["rows"]]
    ratios = [{"name": str(r["name"]), "value": float(r["value"]), "expected": str(r["expected"]),
               "ok": bool(r["ok"])} for r in result["ratios"]]
    return {"title": str(result["title"]), "rows": rows, "ratios": ratios}


def run_benchmark(name, path, repeats):
    """Run one benchmark in a child process; return a report dict with a 'status'."""
    report = {"name": name, "file": f"bench_{name}.py"}
    if path is None:
        report["status"] = "missing"
        return report
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-c", _CHILD, f"bench_{name}", str(path), str(repeats), str(out)]
        try:
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                                  timeout=BENCH_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            report.update(status="error", error=f"timed out after {BENCH_TIMEOUT_S} s")
            return report
        report["wall_s"] = time.perf_counter() - start
        if proc.returncode != 0 or not out.exists():
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
            report.update(status="error", error=tail or f"exit status {proc.returncode}")
            return report
        try:
            report.update(_check_result(json.loads(out.read_text())), status="ok")
        except (ValueError, KeyError, TypeError) as err:
            report.update(status="error", error=f"malformed result: {err}")
    return report


# ----------------------------------------------------------------------------------------------
# notebooks and the test suite
# ----------------------------------------------------------------------------------------------
def time_notebooks(runs, log):
    """{notebook name: {"times": [...], "error": str or None}}, executed round-robin."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import run_notebooks  # the project's own executor

    paths = run_notebooks.notebook_paths()
    results = {p.name: {"times": [], "error": None} for p in paths}
    for i in range(runs):
        for path in paths:
            entry = results[path.name]
            if entry["error"]:
                continue
            start = time.perf_counter()
            try:
                run_notebooks.execute(path, BUILD / "notebooks" / path.name)
            except Exception as err:  # a failing notebook is reported, the others still run
                lines = str(err).strip().splitlines()
                entry["error"] = f"{type(err).__name__}: {lines[-1] if lines else ''}"
                log(f"  notebook {path.name}: FAILED ({type(err).__name__})")
                continue
            entry["times"].append(time.perf_counter() - start)
            log(f"  notebook {path.name} run {i + 1}/{runs}: {entry['times'][-1]:.1f} s")
    return results


def junit_outcome(path):
    """"3 failed, 120 passed, 2 skipped" from the counts in a pytest ``--junitxml`` report."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
    n = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in suites:
        for key in n:
            n[key] += int(suite.get(key, 0))
    passed = n["tests"] - n["failures"] - n["errors"] - n["skipped"]
    xfailed = sum(1 for s in root.iter("skipped") if s.get("type") == "pytest.xfail")
    parts = [(n["failures"], "failed"), (passed, "passed"), (n["skipped"] - xfailed, "skipped"),
             (xfailed, "xfailed"), (n["errors"], "error" if n["errors"] == 1 else "errors")]
    return ", ".join(f"{count} {word}" for count, word in parts if count) or "no tests ran"


def time_suite(runs, log, pytest_args=SUITE_ARGS):
    """Time ``python -m pytest -n auto --dist loadfile`` (as ``make test``) from the project root;
    return times and the outcome line."""
    times, outcome, code = [], "", 0
    for i in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            report = Path(tmp) / "junit.xml"
            cmd = [sys.executable, "-m", "pytest", "-q", f"--junitxml={report}", *pytest_args]
            start = time.perf_counter()
            try:
                proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                                      timeout=SUITE_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                return {"times": times, "outcome": f"timed out after {SUITE_TIMEOUT_S} s",
                        "code": -1}
            times.append(time.perf_counter() - start)
            try:
                outcome = junit_outcome(report)
            except (OSError, ET.ParseError, ValueError) as err:
                outcome = f"no test report ({type(err).__name__}; exit status {proc.returncode})"
        code = code or proc.returncode
        log(f"  test suite run {i + 1}/{runs}: {times[-1]:.1f} s ({outcome})")
    return {"times": times, "outcome": outcome, "code": code}


# ----------------------------------------------------------------------------------------------
# the report
# ----------------------------------------------------------------------------------------------
def _fmt_time(seconds):
    if seconds is None or not math.isfinite(seconds):
        return "–"
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _fmt_value(v):
    if not math.isfinite(v):
        return str(v)
    return f"{v:.4g}"


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _result(ok):
    return "ok" if ok else "**UNEXPECTED**"


def _thread_rows(machine):
    """Rows of the Machine table: BLAS / OpenMP thread pools, TensorFlow's threads, variables."""
    for pool in machine.get("threadpools", []):
        api = {"blas": "BLAS", "openmp": "OpenMP"}.get(pool.get("user_api"), pool.get("user_api"))
        library = "/".join(Path(pool.get("filepath") or "?").parts[-2:])  # e.g. numpy.libs/x.so
        details = [f"{pool.get('internal_api')} {pool.get('version') or ''}".strip()]
        details += [f"{key.replace('_', ' ')} {pool[key]}"
                    for key in ("threading_layer", "architecture") if pool.get(key)]
        details.append(f"{pool.get('num_threads')} threads")
        yield f"| {api}: `{library}` | {_cell(', '.join(details))} |"
    if machine.get("tf_threads"):
        intra, inter = machine["tf_threads"]
        yield (f"| TensorFlow threads, intra-op / inter-op | {intra} / {inter} "
               "(0: TensorFlow chooses from the cores) |")
    env = ", ".join(f"`{k}={v}`" for k, v in machine.get("thread_env", {}).items())
    yield f"| Thread variables in the environment | {_cell(env or 'none set')} |"


def write_report(path, machine, settings, benches, notebooks, suite, load_start, load_end,
                 started, elapsed):
    checks = []  # (section, name, value, expected, ok)
    for b in benches:
        for r in b.get("ratios", []):
            checks.append((b["file"], r["name"], _fmt_value(r["value"]), r["expected"], r["ok"]))
    for name, entry in (notebooks or {}).items():
        if entry["times"] and not entry["error"]:
            med = statistics.median(entry["times"])
            checks.append(("notebooks", name, _fmt_time(med), f"<= {NOTEBOOK_LIMIT_S:g} s",
                           med <= NOTEBOOK_LIMIT_S))
    if suite and suite["times"]:
        med = statistics.median(suite["times"])
        checks.append(("test suite", f"{SUITE_COMMAND} ({suite['outcome']})", _fmt_time(med),
                       f"<= {SUITE_LIMIT_S:g} s, all passed",
                       med <= SUITE_LIMIT_S and not suite["code"]))

    L = []
    add = L.append
    add("# Benchmark results")
    add("")
    mode = " in **quick mode** (fewer repeats; not for the record)" if settings["quick"] else ""
    add(f"Written by `benchmarks/run_all.py` (`make bench`){mode} on "
        f"{started:%Y-%m-%d %H:%M} UTC; the run took {elapsed / 60:.1f} min. How to read this "
        "file: see the docstring at the top of `benchmarks/run_all.py`. Times are medians of "
        "several runs on this machine; ratios are measured within one run.")
    add("")
    add("## Machine")
    add("")
    add("| | |")
    add("| --- | --- |")
    add(f"| CPU | {_cell(machine['cpu'])} |")
    add(f"| Cores | {machine['cores']} logical ({machine['usable_cores']} usable by this run) |")
    if machine["memory_gib"]:
        add(f"| Memory | {machine['memory_gib']:.1f} GiB |")
    add(f"| OS | {_cell(machine['os'])} |")
    for lib, version in machine["versions"].items():
        add(f"| {lib} | {_cell(version)} |")
    for row in _thread_rows(machine):
        add(row)
    loads = " / ".join("–" if x is None else f"{x:.2f}" for x in (load_start, load_end))
    add(f"| Load average (1 min), start / end | {loads} |")
    add(f"| Settings | repeats {settings['repeats']}, notebook runs {settings['notebook_runs']}, "
        f"test-suite runs {settings['suite_runs']} |")
    add("")

    add("## Summary")
    add("")
    n_ok = sum(1 for c in checks if c[4])
    add(f"- Checks within their expected bounds: **{n_ok} of {len(checks)}**.")
    missing = [b["file"] for b in benches if b["status"] == "missing"]
    errors = [b["file"] for b in benches if b["status"] == "error"]
    failed_nb = [n for n, e in (notebooks or {}).items() if e["error"]]
    if missing:
        add(f"- Missing benchmarks: {', '.join(f'`{m}`' for m in missing)}.")
    if errors:
        add(f"- Benchmarks that failed to run: {', '.join(f'`{e}`' for e in errors)}.")
    if failed_nb:
        add(f"- Notebooks that failed: {', '.join(f'`{n}`' for n in failed_nb)}.")
    if suite is None:
        add("- The whole test suite was not timed (quick mode or `--suite-runs 0`).")
    elif suite["code"]:
        add(f"- The test suite did not pass: {suite['outcome']}.")
    bad = [c for c in checks if not c[4]]
    if bad:
        add("")
        add("| Where | Check | Value | Expected | Result |")
        add("| --- | --- | --- | --- | --- |")
        for sec, name, value, expected, _ in bad:
            add(f"| {_cell(sec)} | {_cell(name)} | {value} | {_cell(expected)} | "
                f"{_result(False)} |")
    add("")

    add("## Benchmarks")
    add("")
    for b in benches:
        if b["status"] == "missing":
            add(f"### `{b['file']}`: missing")
            add("")
            add(f"`benchmarks/{b['file']}` does not exist (yet); nothing was measured.")
            add("")
            continue
        if b["status"] == "error":
            add(f"### `{b['file']}`: error")
            add("")
            add("```")
            add(b["error"])
            add("```")
            add("")
            continue
        add(f"### {b['title']} (`{b['file']}`)")
        add("")
        add("| Case | Median | Runs |")
        add("| --- | ---: | ---: |")
        for row in b["rows"]:
            add(f"| {_cell(row['case'])} | {_fmt_time(row['median_s'])} | {row['runs']} |")
        add("")
        if b["ratios"]:
            add("| Ratio | Value | Expected | Result |")
            add("| --- | ---: | --- | --- |")
            for r in b["ratios"]:
                add(f"| {_cell(r['name'])} | {_fmt_value(r['value'])} | {_cell(r['expected'])} | "
                    f"{_result(r['ok'])} |")
            add("")

    add("## Notebooks")
    add("")
    if notebooks is None:
        add("Not timed (`--skip-notebooks`).")
    else:
        add("Each notebook executed from a clean copy (kernel start-up included), as nbval does.")
        add("")
        add("| Notebook | Median | Runs | Expected | Result |")
        add("| --- | ---: | ---: | --- | --- |")
        total = 0.0
        for name, entry in notebooks.items():
            if entry["error"]:
                add(f"| `{name}` | – | {len(entry['times'])} | <= {NOTEBOOK_LIMIT_S:g} s | "
                    f"**FAILED**: {_cell(entry['error'])} |")
                continue
            med = statistics.median(entry["times"])
            total += med
            add(f"| `{name}` | {_fmt_time(med)} | {len(entry['times'])} | "
                f"<= {NOTEBOOK_LIMIT_S:g} s | {_result(med <= NOTEBOOK_LIMIT_S)} |")
        add(f"| all notebooks (sum of medians) | {_fmt_time(total)} | | | |")
    add("")

    add("## Test suite")
    add("")
    if suite is None:
        add("Not timed (quick mode or `--suite-runs 0`).")
    else:
        add("| Command | Median | Runs | Outcome | Expected | Result |")
        add("| --- | ---: | ---: | --- | --- | --- |")
        med = statistics.median(suite["times"]) if suite["times"] else None
        ok = med is not None and med <= SUITE_LIMIT_S and not suite["code"]
        add(f"| `{SUITE_COMMAND}` (= `make test`) | {_fmt_time(med)} | {len(suite['times'])} | "
            f"{_cell(suite['outcome'])} | <= {SUITE_LIMIT_S:g} s, all passed | {_result(ok)} |")
    add("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(L))
    return checks


# ----------------------------------------------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Run every benchmark, time the notebooks and the test suite, and write "
                    "benchmarks/results.md.")
    parser.add_argument("--quick", action="store_true",
                        help="development run: 2 repeats, 1 notebook run, no test-suite timing; "
                             f"written to {QUICK_OUTPUT.relative_to(ROOT)} unless --output")
    parser.add_argument("--repeats", type=int, help="repeats per benchmark case (default 5)")
    parser.add_argument("--notebook-runs", type=int, help="runs per notebook (default 3)")
    parser.add_argument("--suite-runs", type=int, help="runs of the whole test suite (default 1)")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="run only these benchmarks (bench_NAME.py), e.g. randomized")
    parser.add_argument("--skip-notebooks", action="store_true", help="do not time notebooks")
    parser.add_argument("--output", type=Path, help="where to write the report")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 also when a check is outside its bound or a benchmark is "
                             "missing")
    args = parser.parse_args(argv)

    repeats = args.repeats if args.repeats is not None else (2 if args.quick else 5)
    nb_runs = args.notebook_runs if args.notebook_runs is not None else (1 if args.quick else 3)
    suite_runs = args.suite_runs if args.suite_runs is not None else (0 if args.quick else 1)
    for name, value in (("--repeats", repeats), ("--notebook-runs", nb_runs)):
        if value < 1:
            parser.error(f"{name} must be at least 1; got {value}")
    if suite_runs < 0:
        parser.error(f"--suite-runs must be at least 0; got {suite_runs}")
    output = args.output or (QUICK_OUTPUT if args.quick else DEFAULT_OUTPUT)

    def log(msg):
        print(msg, flush=True)

    started = datetime.datetime.now(datetime.UTC)
    t0 = time.perf_counter()
    load_start = _load()
    log("machine ...")
    machine = machine_info()

    benches = []
    todo = find_benchmarks(args.only)
    for i, (name, path) in enumerate(todo, 1):
        log(f"[{i}/{len(todo)}] bench_{name}.py ...")
        report = run_benchmark(name, path, repeats)
        status = report["status"]
        extra = f" in {report['wall_s']:.1f} s" if "wall_s" in report else ""
        log(f"  {status}{extra}" + (f": {report['error'].splitlines()[-1]}"
                                      if status == "error" and report["error"] else ""))
        benches.append(report)

    notebooks = None
    if not args.skip_notebooks:
        log(f"notebooks ({nb_runs} run(s) each) ...")
        notebooks = time_notebooks(nb_runs, log)
    suite = None
    if suite_runs:
        log(f"test suite ({suite_runs} run(s)) ...")
        suite = time_suite(suite_runs, log)

    load_end = _load()
    settings = {"quick": args.quick, "repeats": repeats, "notebook_runs": nb_runs,
                "suite_runs": suite_runs}
    checks = write_report(output, machine, settings, benches, notebooks, suite, load_start,
                          load_end, started, time.perf_counter() - t0)
    n_bad = sum(1 for c in checks if not c[4])
    shown = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
    log(f"wrote {shown}: {len(checks) - n_bad} of {len(checks)} checks within bounds")

    broken = (any(b["status"] == "error" for b in benches)
              or any(e["error"] for e in (notebooks or {}).values())
              or bool(suite and suite["code"]))
    strict_fail = n_bad or any(b["status"] == "missing" for b in benches)
    return 1 if broken or (args.strict and strict_fail) else 0


if __name__ == "__main__":
    sys.exit(main())
