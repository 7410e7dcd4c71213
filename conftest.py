"""Project-wide pytest configuration (nbval and hypothesis)."""

import os

# Keep TensorFlow's C++ log lines quiet in the test process and in every kernel it starts.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("PYTHONHASHSEED", "0")

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from hypothesis import HealthCheck, settings  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))
import nbval_figures  # noqa: E402

# nbval compares text only; compare the stored figures too (tests/nbval_figures.py).
nbval_figures.install()

settings.register_profile(
    "project",
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("project")


def pytest_collectstart(collector):
    """Do not compare stderr streams: TensorFlow's C++ runtime writes unpredictable lines there."""
    if getattr(collector, "path", None) is not None and collector.path.suffix == ".ipynb":
        collector.skip_compare += ("stderr",)
