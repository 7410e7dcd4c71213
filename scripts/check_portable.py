"""Run strict nbval over every notebook under settings that differ between real machines.

    python -m scripts.check_portable            # every setting (what `make test-portable` runs)
    python -m scripts.check_portable --list     # the settings, and which apply on this machine
    python -m scripts.check_portable --only one-cpu notebooks/05_svd_gradient.ipynb

The stored outputs must be a property of the code and the locked packages, not of the CPU, the
BLAS kernel or the number of cores. Each setting re-runs the notebooks with plain nbval (the
options in pyproject.toml) in a fresh pytest process and reports, per setting, which cells differ
from their stored outputs. Exit status 0 only if no cell differs under any setting that applies.

The settings:

- NumPy's OpenBLAS forced to another kernel (``OPENBLAS_CORETYPE``): Prescott (SSE3 only),
  Haswell (AVX2) and SkylakeX (AVX-512, only where the CPU has it: skipped, and said so, elsewhere);
- one CPU (``taskset -c 0``), as on a small CI runner;
- eight threads for TensorFlow, OpenBLAS and OpenMP, as on a large workstation.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def _cpu_flags():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def settings():
    """Every setting as (key, description, extra environment, command prefix, reason to skip)."""
    flags = _cpu_flags()
    linux = sys.platform.startswith("linux")
    taskset = shutil.which("taskset")
    eight = {"TF_NUM_INTRAOP_THREADS": "8", "OPENBLAS_NUM_THREADS": "8", "OMP_NUM_THREADS": "8"}
    return [
        ("prescott", "OPENBLAS_CORETYPE=Prescott", {"OPENBLAS_CORETYPE": "Prescott"}, [],
         None if linux else "OPENBLAS_CORETYPE is read by OpenBLAS on Linux only"),
        ("haswell", "OPENBLAS_CORETYPE=Haswell", {"OPENBLAS_CORETYPE": "Haswell"}, [],
         None if linux and "avx2" in flags else "this CPU has no AVX2"),
        ("skylakex", "OPENBLAS_CORETYPE=SkylakeX", {"OPENBLAS_CORETYPE": "SkylakeX"}, [],
         None if linux and "avx512f" in flags else "this CPU has no AVX-512"),
        ("one-cpu", "one CPU (taskset -c 0)", {}, ["taskset", "-c", "0"],
         None if taskset else "taskset is not installed"),
        ("eight-threads", "eight threads (TF_NUM_INTRAOP_THREADS=8, OPENBLAS_NUM_THREADS=8, "
         "OMP_NUM_THREADS=8)", eight, [], None),
    ]


def differing_cells(junit_path):
    """Names of the notebook cells that failed or errored in a pytest JUnit XML report."""
    tree = ET.parse(junit_path)
    cells, total = [], 0
    for case in tree.iter("testcase"):
        total += 1
        if case.find("failure") is not None or case.find("error") is not None:
            where = case.get("file") or case.get("classname", "")
            notebook = re.search(r"[^/.]+\.ipynb$", where)
            cells.append(f"{notebook.group(0) if notebook else where}::{case.get('name')}")
    return cells, total


def run_setting(key, env_extra, prefix, paths):
    """Run nbval on ``paths`` under one setting; returns (differing cells, items run, seconds)."""
    env = dict(os.environ)
    env.update(env_extra)
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / f"{key}.xml"
        cmd = [*prefix, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               f"--junitxml={junit}", *map(str, paths)]
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if not junit.exists():  # pytest could not even start: show why
            sys.stdout.write(proc.stdout[-3000:] + proc.stderr[-3000:])
            return None, 0, seconds
        cells, total = differing_cells(junit)
    return cells, total, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="notebooks (default: every notebooks/NN_*.ipynb)")
    parser.add_argument("--only", action="append", help="run only this setting (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the settings and exit")
    args = parser.parse_args(argv)
    paths = [Path(p) for p in args.paths] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    chosen = settings()
    known = {s[0] for s in chosen}
    for key in args.only or []:
        if key not in known:
            parser.error(f"--only must be one of {sorted(known)}; got {key!r}")
    if args.only:
        chosen = [s for s in chosen if s[0] in args.only]
    if args.list:
        for key, desc, _, _, skip in chosen:
            print(f"{key:14} {desc}" + (f"   [skipped here: {skip}]" if skip else ""))
        return 0

    failed, ran = [], 0
    start = time.perf_counter()
    for key, desc, env_extra, prefix, skip in chosen:
        if skip:
            print(f"{desc}: skipped ({skip})", flush=True)
            continue
        cells, total, seconds = run_setting(key, env_extra, prefix, paths)
        ran += 1
        if cells is None:
            print(f"{desc}: pytest did not run ({seconds:.0f} s)", flush=True)
            failed.append(key)
        elif cells:
            print(f"{desc}: {len(cells)} of {total} cells differ ({seconds:.0f} s)", flush=True)
            for cell in cells:
                print(f"    {cell}", flush=True)
            failed.append(key)
        else:
            print(f"{desc}: all {total} cells match ({seconds:.0f} s)", flush=True)
    total_s = time.perf_counter() - start
    if ran == 0:
        print("no setting applies on this machine")
        return 1
    verdict = f"cells differ under {', '.join(failed)}" if failed else "every setting passes"
    print(f"portability: {verdict} ({ran} settings, {total_s:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
