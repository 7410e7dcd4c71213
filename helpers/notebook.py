"""The one-call set-up shared by every notebook: seeds, determinism and print options."""

import warnings

import numpy as np
import tensorflow as tf

from . import _env
from ._validation import _check_nonneg_int
from .plots import apply_house_style

#: TensorFlow's intra-op thread count in every notebook. Eigen splits matrix products and
#: reductions into as many blocks as the pool has threads, so the number of threads changes the
#: order of floating-point sums, and with it the last bits of every trained weight: a notebook
#: executed with 8 threads would print other training results than one executed with 2. Fixing
#: the count (it does not depend on the cores a machine has) makes the stored outputs the same on
#: every machine; 2 is what a small CI runner or laptop has anyway.
INTRA_OP_THREADS = 2


def setup_notebook(seed=0):
    """Seed Python, NumPy and TensorFlow, make TF ops deterministic, fix TF's thread count.

    Besides seeding, this turns on TensorFlow's op determinism, sets NumPy's print options to
    4 decimals, applies the figures' house style (:func:`helpers.plots.apply_house_style`: text
    of 11 pt or more, sharp inline PNGs), and fixes TensorFlow's intra-op thread pool at ``INTRA_OP_THREADS`` (2) whatever
    the machine or ``TF_NUM_INTRAOP_THREADS`` says, so that results of training and of long
    float32 reductions do not depend on the number of cores. The thread count can only be set
    before TensorFlow runs its first op: call this first, in the setup cell. Called later in a
    process that already uses another count, it warns and keeps that count.

    It also warns, naming the fix, when TensorFlow was imported before ``helpers`` with oneDNN
    optimisations on: ``helpers`` turns them off (``TF_ENABLE_ONEDNN_OPTS=0``, see
    :mod:`helpers._env`), which only works before TensorFlow's import, and with them on the
    printed numbers can differ from the stored outputs.

    Args:
      seed: int >= 0, the seed for ``random``, NumPy and TensorFlow.
    Returns:
      A ``numpy.random.Generator`` seeded with ``seed``, for notebooks that draw NumPy data.
    Raises:
      TypeError: seed is not an integer (bools included).  ValueError: seed is negative.
    Warns:
      RuntimeWarning: TensorFlow was imported before helpers with oneDNN on; or TensorFlow
        already runs with another thread count.

    >>> rng = setup_notebook(0)
    >>> first = float(tf.random.uniform([])), rng.standard_normal()
    >>> rng = setup_notebook(0)
    >>> (float(tf.random.uniform([])), rng.standard_normal()) == first  # the same on every run
    True
    """
    seed = _check_nonneg_int(seed, "seed")
    from . import _ONEDNN_ON  # recorded by helpers/__init__.py before it set the variables

    if _ONEDNN_ON:
        warnings.warn(_env.ONEDNN_FIX, RuntimeWarning, stacklevel=2)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(INTRA_OP_THREADS)
    except RuntimeError:  # TensorFlow already started with another thread count
        warnings.warn(
            f"TensorFlow already runs ops with "
            f"{tf.config.threading.get_intra_op_parallelism_threads() or 'its default'} intra-op "
            f"threads; setup_notebook could not fix it at {INTRA_OP_THREADS}. Call it before any "
            "other TensorFlow code so that printed results match the stored ones.",
            RuntimeWarning, stacklevel=2)
    tf.keras.utils.set_random_seed(int(seed))
    tf.config.experimental.enable_op_determinism()
    np.set_printoptions(precision=4, suppress=True)
    apply_house_style()
    return np.random.default_rng(int(seed))
