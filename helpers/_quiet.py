"""Import TensorFlow without the C++ start-up lines it writes straight to file descriptor 2.

A few lines (``All log messages before absl::InitializeLog() ...``, ``Could not find cuda
drivers ...``) are printed by TensorFlow's native code before ``TF_CPP_MIN_LOG_LEVEL`` is read.
They carry timestamps, so a notebook that stored them would never compare equal. We silence
fd 2 for the duration of the import only; a Python exception raised by the import still
propagates with its normal traceback.
"""

import os
import sys


def import_tensorflow_quietly():
    """Import ``tensorflow`` once, with the process's fd 2 pointed at /dev/null meanwhile."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    try:
        sys.stderr.flush()
    except (AttributeError, ValueError):
        pass
    try:
        saved = os.dup(2)
    except OSError:  # no usable fd 2 (embedded interpreters): import normally
        import tensorflow

        return tensorflow
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return tensorflow
