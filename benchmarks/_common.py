"""What every ``bench_*.py`` shares: interleaved timing with medians, and the command-line report.

Each benchmark module defines ``run(repeats) -> dict`` with the keys ``title``, ``rows``
(``{"case", "median_s", "runs"}``) and ``ratios`` (``{"name", "value", "expected", "ok"}``);
``benchmarks/run_all.py`` collects them into ``benchmarks/results.md``.
"""

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # so that `python benchmarks/bench_x.py` finds helpers too
    sys.path.insert(0, str(ROOT))


def interleaved_medians(cases, runs, warmup=True):
    """Median wall time of each case, with the runs of all cases interleaved.

    Interleaving makes a change of machine load hit every case alike, so ratios measured in the
    same run stay meaningful. Each case is a zero-argument callable that returns only when its
    result is computed (call ``.numpy()`` inside it).

    Args:
      cases: dict name -> callable.  runs: int >= 1, or dict name -> int (fewer runs for the
        slowest cases; a case stops once it has had its runs).  warmup: call each case once
        first, so that first-call overheads (tracing, allocation) are not measured.
    Returns:
      dict name -> median seconds.
    """
    if not isinstance(runs, dict):
        runs = dict.fromkeys(cases, runs)
    runs = {name: max(1, int(runs[name])) for name in cases}
    if warmup:
        for fn in cases.values():
            fn()
    times = {name: [] for name in cases}
    for i in range(max(runs.values())):
        for name, fn in cases.items():
            if i < runs[name]:
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def print_result(result, file=None):
    """Print a benchmark's result dict as a small aligned table."""
    out = file or sys.stdout
    print(result["title"], file=out)
    width = max([len(r["case"]) for r in result["rows"]] + [10])
    for row in result["rows"]:
        print(f"  {row['case']:<{width}} {row['median_s'] * 1e3:10.1f} ms  "
              f"(median of {row['runs']})", file=out)
    width = max([len(r["name"]) for r in result["ratios"]] + [10])
    for r in result["ratios"]:
        flag = "ok" if r["ok"] else "OUTSIDE THE EXPECTED RANGE"
        print(f"  {r['name']:<{width}} {r['value']:8.3f}  expected {r['expected']}  [{flag}]",
              file=out)


def main(run, argv=None):
    """Command line of every benchmark: ``python benchmarks/bench_x.py [repeats]``."""
    argv = sys.argv[1:] if argv is None else argv
    print_result(run(int(argv[0]) if argv else 5))
    return 0
