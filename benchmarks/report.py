"""Read asv's latest results and write ``benchmarks/results.md``: each check, its bound, ok or not.

    python -m benchmarks.report --mark-start   # before `asv run`: the load average at the start
    python -m benchmarks.report                # after it: benchmarks/results.md

Each ``bench_*.py`` module holds ``BOUNDS``: check name -> ``"<= x"``, ``">= x"``,
``"in [a, b]"`` or ``"record"`` (reported, not bounded). Its ``track_check`` benchmark returns
one number per check, measured within one run (interleaved cases, medians). The header records the
machine (asv's machine.json, the CPU, library versions), every BLAS as threadpoolctl sees it with
and without ``OPENBLAS_CORETYPE`` (scikit-learn's comparison runs without it), and the 1-minute
load average at the start and the end of the run: a load above the number of cores means other
processes competed for the CPU. Exit status 1 if a check is outside its bound or missing.
"""

import argparse
import ast
import datetime
import importlib
import json
import math
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

from ._timing import ROOT

RESULTS = ROOT / "build" / "asv" / "results"
START = ROOT / "build" / "asv" / "load_start.json"
OUTPUT = ROOT / "benchmarks" / "results.md"
TRACK = "track_check"


def check_bound(value, bound):
    """True / False for a bound string (see the module docstring); None for ``"record"``."""
    if bound == "record":
        return None
    if value is None or not math.isfinite(value):
        return False
    if match := re.fullmatch(r"(<=|>=) (\S+)", bound):
        limit = float(match.group(2))
        return value <= limit if match.group(1) == "<=" else value >= limit
    if match := re.fullmatch(r"in \[(\S+), (\S+)\]", bound):
        return float(match.group(1)) <= value <= float(match.group(2))
    raise ValueError(f"unknown bound {bound!r}")


def latest_results(results_dir=RESULTS):
    """(machine.json dict, the newest result file's dict) of the machine with the newest run."""
    files = [p for p in Path(results_dir).glob("*/*.json") if p.name != "machine.json"]
    if not files:
        raise FileNotFoundError(f"no asv results under {results_dir}: run `make bench`")
    newest = max(files, key=lambda p: json.loads(p.read_text()).get("date", 0))
    machine = json.loads((newest.parent / "machine.json").read_text())
    return machine, json.loads(newest.read_text())


def checks(result):
    """{module: [(check, value)]} from an asv result dict (``track_check`` benchmarks)."""
    columns = result["result_columns"]
    out = {}
    for name, row in sorted(result["results"].items()):
        parts = name.split(".")
        module, bench = parts[0], parts[-1]
        if bench != TRACK:
            continue
        entry = dict(zip(columns, row, strict=False))
        values = entry["result"] or []
        names = [ast.literal_eval(p) for p in entry["params"][0]]
        out[module] = list(zip(names, values, strict=True))
    return out


def evaluate(found, bounds_of, modules=None):
    """Rows (module, check, value, bound, ok) for every check of every module.

    ``bounds_of(module)`` gives the module's BOUNDS. A check in BOUNDS that asv did not report
    (a benchmark that failed or was not run) is a row with value None, ok False unless "record".
    """
    rows = []
    for module in sorted(set(found) | set(MODULES if modules is None else modules)):
        bounds = bounds_of(module)
        values = dict(found.get(module, []))
        for check, bound in bounds.items():
            value = values.get(check)
            ok = check_bound(value, bound)
            rows.append((module, check, value, bound, ok))
    return rows


MODULES = sorted(p.stem for p in (ROOT / "benchmarks").glob("bench_*.py"))


def _bounds_of(module):
    return importlib.import_module(f"benchmarks.{module}").BOUNDS


def _blas(without_coretype):
    code = ("import json, numpy, scipy.linalg, sklearn, threadpoolctl; "
            "print(json.dumps(threadpoolctl.threadpool_info()))")
    env = dict(os.environ)
    if without_coretype:
        env.pop("OPENBLAS_CORETYPE", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    pools = json.loads(out.stdout) if out.returncode == 0 else []
    seen = []
    for p in pools:
        text = " ".join(f"{Path(p.get('filepath') or '?').parent.name}: {p.get('internal_api')} "
                        f"{p.get('version') or ''} {p.get('architecture') or ''}".split())
        text += f", {p.get('num_threads')} threads"
        if text not in seen:
            seen.append(text)
    return "; ".join(seen) or "none found"


def _versions():
    code = ("import json, platform, numpy, scipy, sklearn, dask, tensorflow as tf; "
            "print(json.dumps({'Python': platform.python_version(), 'TensorFlow': tf.__version__,"
            " 'NumPy': numpy.__version__, 'SciPy': scipy.__version__, 'scikit-learn': "
            "sklearn.__version__, 'Dask': dask.__version__}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else {}


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _fmt(value):
    if value is None:
        return "missing"
    if not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def render(rows, machine, result, start, end_load, versions, blas, blas_fast):
    failed = [r for r in rows if r[4] is False]
    bounded = [r for r in rows if r[4] is not None]
    date = datetime.datetime.fromtimestamp(result["date"] / 1000, datetime.UTC)
    lines = [
        "# Benchmark results",
        "",
        "Written by `python -m benchmarks.report` from the asv results of `make bench` (see",
        "[README.md](README.md)). Every value is measured within one run (interleaved cases,",
        "medians); compare ratios, not times, across machines.",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        f"| Date (UTC) | {date:%Y-%m-%d %H:%M} |",
        f"| Commit | `{result['commit_hash'][:12]}` |",
        f"| CPU | {_cpu_model()}, {machine.get('num_cpu')} cores |",
        f"| Memory | {int(machine.get('ram', 0)) / 2**30:.1f} GiB |",
        f"| OS | {machine.get('os')} |",
        f"| Versions | {', '.join(f'{k} {v}' for k, v in versions.items())} |",
        f"| BLAS (as the notebooks run) | {blas} |",
        f"| BLAS without `OPENBLAS_CORETYPE` (scikit-learn's comparison) | {blas_fast} |",
        f"| Load average (1 min), start / end | {_fmt(start)} / {_fmt(end_load)} |",
        "",
        "## Summary",
        "",
        (f"**All {len(bounded)} bounded checks are within their bounds.**" if not failed else
         f"**{len(failed)} of {len(bounded)} bounded checks are outside their bounds:**"),
        "",
    ]
    for module, check, value, bound, _ in failed:
        lines.append(f"- `{module}`: {check}: {_fmt(value)} (expected {bound})")
    if failed:
        lines.append("")
    current = None
    for module, check, value, bound, ok in rows:
        if module != current:
            if current is not None:
                lines += _note(current)
            current = module
            try:
                doc = (importlib.import_module(f"benchmarks.{module}").__doc__ or "").strip()
            except ImportError:
                doc = ""
            lines += ["", f"## `{module}.py`", "", doc.split("\n\n")[0].replace("\n", " "), "",
                      "| Check | Value | Bound | |", "| --- | ---: | --- | --- |"]
        flag = "" if ok is None else "ok" if ok else "**OUTSIDE**"
        lines.append(f"| {check} | {_fmt(value)} | {'for the record' if bound == 'record' else bound}"
                     f" | {flag} |")
    if current is not None:
        lines += _note(current)
    return "\n".join(lines) + "\n"


def _note(module):
    """A module's ``NOTE`` (how to read its checks), as lines after its table; none if absent."""
    try:
        note = getattr(importlib.import_module(f"benchmarks.{module}"), "NOTE", "")
    except ImportError:
        note = ""
    return ["", " ".join(note.split())] if note else []


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mark-start", action="store_true",
                        help="record the load average at the start of a run, then exit")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    if args.mark_start:
        START.parent.mkdir(parents=True, exist_ok=True)
        START.write_text(json.dumps({"load": os.getloadavg()[0]}))
        return 0
    machine, result = latest_results()
    rows = evaluate(checks(result), _bounds_of)
    start = json.loads(START.read_text())["load"] if START.exists() else None
    text = render(rows, machine, result, start, os.getloadavg()[0], _versions(), _blas(False),
                  _blas(True))
    args.output.write_text(text)
    failed = [r for r in rows if r[4] is False]
    print(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}"
          f": {len(failed)} check(s) outside their bounds")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
