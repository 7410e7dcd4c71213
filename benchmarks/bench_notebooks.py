"""Each notebook executed from a clean copy, as nbval runs it (``python -m scripts.run_notebooks``:
the kernel of this environment, the notebook's folder as working directory), once, kernel
start-up included. Bound: at most 30 s each.
"""

from pathlib import Path

from ._timing import ROOT, _Checks, load_average

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
        import subprocess
        import sys
        import tempfile
        import time

        values = {}
        with tempfile.TemporaryDirectory() as tmp:
            for name in NOTEBOOKS:
                start = time.perf_counter()
                proc = subprocess.run(
                    [sys.executable, "-m", "scripts.run_notebooks", "--out-dir", tmp,
                     str(ROOT / "notebooks" / name)], cwd=ROOT, capture_output=True, text=True)
                elapsed = time.perf_counter() - start
                # a failed notebook is reported as NaN: it fails its bound
                values[f"{name}: seconds to execute"] = (
                    elapsed if proc.returncode == 0 and (Path(tmp) / name).exists()
                    else float("nan"))
        values["load average (1 min) at the end"] = load_average()
        return values
