"""helpers in a fresh Python process: what depends on the import order and on the environment
(TensorFlow's thread count, oneDNN). Each test starts an interpreter and imports TensorFlow, a few
seconds apiece, so they live with the project's tests rather than in `make test-fast`."""

import os
import subprocess
import sys

import pytest

from helpers import notebook


def _run(code, **env):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env={**os.environ, **env})
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.split()


def test_fixes_the_thread_count_whatever_the_environment_says():
    # One process for two checks (a TensorFlow import costs seconds): in the setup cell's order,
    # helpers then TensorFlow, with TF_NUM_INTRAOP_THREADS=8 and TF_ENABLE_ONEDNN_OPTS unset,
    # nothing warns (every warning is an error) and the thread count is helpers' own.
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    code = ("import warnings; warnings.simplefilter('error')\n"
            "import helpers, tensorflow as tf\n"
            "helpers.setup_notebook(0)\n"
            "tf.linalg.matmul(tf.ones((64, 64)), tf.ones((64, 64)))\n"
            "print(tf.config.threading.get_intra_op_parallelism_threads())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, env={**env, "TF_NUM_INTRAOP_THREADS": "8"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == [str(notebook.INTRA_OP_THREADS)]


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


def _run_without_onednn_setting(code):
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


ONEDNN_PROBE = """
import warnings
{imports}
from tensorflow.python.util import _pywrap_util_port
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    helpers.setup_notebook(0)
onednn = [w for w in caught if "oneDNN" in str(w.message)]
print(_pywrap_util_port.IsMklEnabled(), len(onednn))
for w in onednn:
    print(w.category.__name__, "|", w.message)
"""


def test_warns_naming_the_fix_when_tensorflow_came_first_with_onednn_on():
    out = _run_without_onednn_setting(ONEDNN_PROBE.format(imports="import tensorflow\nimport helpers"))
    built_with_onednn, count = out.split("\n")[0].split()
    if built_with_onednn != "True":
        pytest.skip("this TensorFlow is built without oneDNN: nothing to warn about")
    assert count == "1", out
    assert "RuntimeWarning |" in out
    assert "import helpers before tensorflow" in out and "TF_ENABLE_ONEDNN_OPTS=0" in out


def test_no_onednn_warning_when_onednn_was_off_before_tensorflow_came_first():
    # (helpers first, the setup cell's order: test_fixes_the_thread_count_..., where any
    # warning fails the process)
    imports = "import os; os.environ['TF_ENABLE_ONEDNN_OPTS'] = '0'\nimport tensorflow\nimport helpers"
    out = _run_without_onednn_setting(ONEDNN_PROBE.format(imports=imports))
    assert out.split("\n")[0].split()[1] == "0", out
