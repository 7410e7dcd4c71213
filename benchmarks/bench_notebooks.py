"""Each notebook executed from a clean copy, as nbval runs it (``scripts.run_notebooks.execute``:
a fresh kernel of this environment, the notebook's folder as working directory), once, from the
kernel's start to its last cell's end. The launcher's own imports (nbclient, and TensorFlow through
``helpers._env``) happen before the clock starts: they are not the notebook's, as under nbval,
whose worker has them already. Bound: at most 30 s each.
"""

from pathlib import Path

from ._timing import ROOT, _Checks, load_average, run_child

NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LIMIT_S = 30.0

BOUNDS = {f"{name}: seconds to execute": f"<= {LIMIT_S:g}" for name in NOTEBOOKS}
BOUNDS["load average (1 min) at the end"] = "record"


class Notebooks(_Checks):
    """Every check of this module, measured once (``setup_cache``), one number per check."""

    timeout = 3600
    unit = "seconds"
    params = [list(BOUNDS)]

    def setup_cache(self):
        # in a child started in the project root, where `scripts` imports
        values = run_child("bench_notebooks", "execution_times", {})
        values["load average (1 min) at the end"] = load_average()
        return values


def execution_times():
    """{check: seconds} for every notebook, each executed once into a temporary folder."""
    import tempfile
    import time

    from scripts.run_notebooks import execute  # imports TensorFlow, before any clock starts

    values = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in NOTEBOOKS:
            start = time.perf_counter()
            try:
                execute(ROOT / "notebooks" / name, Path(tmp) / name)
                elapsed = time.perf_counter() - start
            except Exception as error:  # noqa: BLE001 (any failure is reported, not raised)
                print(f"{name} failed: {error!r}"[:2000])
                elapsed = float("nan")  # a failed notebook is NaN: it fails its bound
            values[f"{name}: seconds to execute"] = elapsed
    return values
