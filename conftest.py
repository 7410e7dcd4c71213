"""Project-wide pytest configuration: the environment, nbval, hypothesis, markers.

The tests are sorted by kind, each folder with its own conftest: ``tests/unit/`` (the helpers
package, with the docstring examples of ``helpers/``) and ``tests/project/`` (the book, the
browser, the notebooks' hygiene, lint, dependencies, scripts, translations); nbval runs the
notebooks themselves. ``make test-fast`` runs the first kind, ``make test`` everything.
"""

from pathlib import Path

# TensorFlow's environment variables, from the one module that sets them: for this process and
# every kernel and pytest-xdist worker it starts (they inherit the environment).
from helpers import _env

_env.apply(_env.KERNEL_ENV)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from helpers.notebook import INTRA_OP_THREADS  # noqa: E402
from tests.project import nbval_figures  # noqa: E402

# The test process runs TensorFlow with the notebooks' thread count from its first op on, so that
# setup_notebook (its docstring example, the unit tests) finds it fixed already and has nothing to
# warn about, whichever test of a worker first ran a TensorFlow op.
tf.config.threading.set_intra_op_parallelism_threads(INTRA_OP_THREADS)

ROOT = Path(__file__).resolve().parent

# nbval compares text only; compare the stored figures too (tests/project/nbval_figures.py).
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


def pytest_addoption(parser):
    parser.addoption(
        "--book-root", default=None, metavar="DIR",
        help="tests/book: test the book built in DIR/html (sources in DIR/book-src), as make book "
             "does with DIR = build, instead of rendering one from the committed notebooks")


def pytest_collectstart(collector):
    """Do not compare stderr streams: TensorFlow's C++ runtime writes unpredictable lines there."""
    if getattr(collector, "path", None) is not None and collector.path.suffix == ".ipynb":
        collector.skip_compare += ("stderr",)


def pytest_collection_modifyitems(items):
    """Mark by kind what no folder conftest marks: the doctests of helpers/ are unit tests, the
    cells of notebooks/ are notebook tests."""
    for item in items:
        path = Path(str(item.path))
        if path.is_relative_to(ROOT / "helpers"):
            item.add_marker(pytest.mark.unit)
        elif path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    """The names every docstring example of helpers/ may use without importing them."""
    import keras
    import tensorflow as tf

    doctest_namespace.update(np=np, tf=tf, keras=keras)


@pytest.fixture(autouse=True)
def _keep_print_options(request):
    """A docstring example may call setup_notebook, which sets NumPy's print options for the
    process: restore them, so that the next example prints as it does alone."""
    if not request.node.path.is_relative_to(ROOT / "helpers"):
        yield
        return
    saved = np.get_printoptions()
    yield
    np.set_printoptions(**saved)
