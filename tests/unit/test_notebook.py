"""helpers.setup_notebook: seeds, and a thread count that does not depend on the machine."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import tensorflow as tf

import helpers
from helpers import notebook


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True, None])
def test_rejects_a_seed_that_is_not_a_non_negative_integer(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        helpers.setup_notebook(seed)


def _setup_in_this_process(seed):
    # pytest has run TensorFlow ops before: the thread count may be fixed already (tested below
    # in fresh processes), so its warning is not the point here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return helpers.setup_notebook(seed)


def test_same_seed_same_numbers_and_rounded_printing():
    rng = _setup_in_this_process(3)
    first = (float(tf.random.uniform([])), rng.standard_normal())
    rng = _setup_in_this_process(3)
    assert (float(tf.random.uniform([])), rng.standard_normal()) == first
    assert np.get_printoptions()["precision"] == 4


def _run(code, **env):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env})
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.split()


def test_fixes_the_thread_count_whatever_the_environment_says():
    code = ("import warnings; warnings.simplefilter('error')\n"
            "import helpers, tensorflow as tf\n"
            "helpers.setup_notebook(0)\n"
            "tf.linalg.matmul(tf.ones((64, 64)), tf.ones((64, 64)))\n"
            "print(tf.config.threading.get_intra_op_parallelism_threads())\n")
    assert _run(code, TF_NUM_INTRAOP_THREADS="8") == [str(notebook.INTRA_OP_THREADS)]


def test_warns_when_tensorflow_already_runs_with_another_count():
    code = ("import warnings\n"
            "import helpers, tensorflow as tf\n"
            "tf.config.threading.set_intra_op_parallelism_threads(3)\n"
            "tf.ones(2) + 1\n"
            "with warnings.catch_warnings(record=True) as caught:\n"
            "    warnings.simplefilter('always')\n"
            "    helpers.setup_notebook(0)\n"
            "print(len(caught), caught[0].category.__name__, '3 intra-op' in str(caught[0].message))\n"
            "print(tf.config.threading.get_intra_op_parallelism_threads())\n")
    assert _run(code) == ["1", "RuntimeWarning", "True", "3"]
