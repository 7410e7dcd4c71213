"""TensorFlow's environment variables: the one place in the project where they are set.

They only work when set before TensorFlow is imported, so ``helpers/__init__.py`` calls
:func:`apply` before anything else, and every other entry point (the test suite's root
``conftest.py``, the scripts that start notebook kernels) imports this module: a kernel started
from a process inherits its environment.

* ``TF_CPP_MIN_LOG_LEVEL=3``: no C++ log lines (they carry timestamps, so a stored output holding
  one would never compare equal).
* ``TF_ENABLE_ONEDNN_OPTS=0``: no oneDNN kernels. With them, matrix products and reductions sum in
  another order, and printed results differ from the stored ones in their last digits.

:data:`KERNEL_ENV` adds ``PYTHONHASHSEED=0`` for child processes (a set's order is then the same
in every kernel); it cannot change the hash seed of a process that is already running.
"""

import os
import sys

#: What every process that imports TensorFlow through the project runs with.
TF_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
#: What a notebook kernel (a child process) is started with.
KERNEL_ENV = {**TF_ENV, "PYTHONHASHSEED": "0"}


def apply(env=None):
    """Set each variable of ``env`` (default :data:`TF_ENV`) unless the environment has it."""
    for key, value in (TF_ENV if env is None else env).items():
        os.environ.setdefault(key, value)


def onednn_was_on_at_import():
    """True when TensorFlow is already imported, was imported with oneDNN optimisations on (the
    variable unset or not "0"), and is a build with oneDNN (Linux x86-64 and aarch64 builds).

    Call it before :func:`apply`: afterwards the variable says "0" whatever TensorFlow read."""
    if "tensorflow" not in sys.modules:
        return False
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS", "").strip() in ("0", "false", "False"):
        return False
    try:
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:  # a layout we do not know: assume a oneDNN build, as on Linux
        return True
    return bool(_pywrap_util_port.IsMklEnabled())


#: The fix named by the warning of :func:`helpers.setup_notebook`.
ONEDNN_FIX = (
    "TensorFlow was imported before helpers, with oneDNN optimisations on "
    "(TF_ENABLE_ONEDNN_OPTS was not 0), so results can differ from the stored outputs in their "
    "last digits. Fix: restart the kernel and import helpers before tensorflow in the setup cell "
    "(or set TF_ENABLE_ONEDNN_OPTS=0 before Python starts)."
)
