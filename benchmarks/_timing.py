"""What every benchmark module shares: interleaved medians, child processes, thread settings.

Not a benchmark (asv collects only ``time_``, ``track_``, ``peakmem_`` ... names).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "bench"


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


def load_average():
    """The 1-minute load average (None where the OS does not tell)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def run_child(module, function, kwargs, env=None, timeout=1800):
    """``benchmarks.<module>.<function>(**kwargs)`` in a fresh interpreter; its JSON result.

    For what must start before TensorFlow is imported (oneDNN on or off, thread counts, no
    ``OPENBLAS_CORETYPE``) or be measured alone (peak memory). ``env``: variables to set (a
    value of None removes the variable).
    """
    child_env = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            child_env.pop(key, None)
        else:
            child_env[key] = str(value)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        code = (f"import json, benchmarks.{module} as m; "
                f"r = m.{function}(**json.loads({json.dumps(json.dumps(kwargs))})); "
                f"open({str(out)!r}, 'w').write(json.dumps(r))")
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=child_env,
                              capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0 or not out.exists():
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
            raise RuntimeError(f"child {module}.{function} failed (exit {proc.returncode}):\n{tail}")
        return json.loads(out.read_text())


def tensorflow():
    """TensorFlow, imported after ``helpers``, which sets TensorFlow's environment variables.

    Benchmark modules import nothing heavy at module level: asv imports a module once per check,
    each in a fresh process, to read the numbers ``setup_cache`` measured.
    """
    import helpers  # noqa: I001, F401  (first: it sets TensorFlow's environment variables)
    import tensorflow as tf

    return tf


def set_threads(threads):
    """TensorFlow's intra- and inter-op pools and every BLAS pool (threadpoolctl) to ``threads``.

    Call before TensorFlow runs its first operation. Returns the threadpoolctl limiter (keep a
    reference for as long as the limit should hold).
    """
    from threadpoolctl import threadpool_limits

    tf = tensorflow()

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    return threadpool_limits(limits=threads, user_api="blas")


def blas_kernels():
    """Each BLAS loaded in this process: library folder, implementation, version, kernel."""
    from threadpoolctl import threadpool_info

    seen = []
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            lib = Path(pool.get("filepath") or "?").parent.name  # numpy.libs, scipy.libs
            text = (f"{lib}: {pool.get('internal_api')} {pool.get('version') or ''} "
                    f"{pool.get('architecture') or '?'}, {pool.get('num_threads')} threads")
            if text not in seen:
                seen.append(text.replace("  ", " "))
    return "; ".join(seen) or "none found"


class _Checks:
    """The base of every benchmark class here: a module's checks, measured once, one number each.

    A subclass sets ``params = [list(BOUNDS)]`` (one asv parameter per check, named as in the
    module's ``BOUNDS``) and defines ``setup_cache``, which measures every check of the module in
    one run (so that ratios compare cases measured under the same load) and returns a dict
    check -> number; asv reports each as a ``track_`` value. The leading underscore keeps asv
    from collecting this class itself (it skips names that start with one).
    """

    timeout = 1800
    rounds = 1
    param_names = ["check"]
    unit = "ratio"

    def track_check(self, values, check):
        return values[check]
