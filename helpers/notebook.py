"""The one-call set-up shared by every notebook: seeds, determinism and print options."""

import numpy as np
import tensorflow as tf


def setup_notebook(seed=0):
    """Seed Python, NumPy and TensorFlow, make TF ops deterministic, and round NumPy printing.

    Args:
      seed: int >= 0, the seed for ``random``, NumPy and TensorFlow.
    Returns:
      A ``numpy.random.Generator`` seeded with ``seed``, for notebooks that draw NumPy data.

    >>> rng = setup_notebook(0)
    >>> float(tf.random.uniform([]))  # the same number on every run
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    tf.keras.utils.set_random_seed(int(seed))
    tf.config.experimental.enable_op_determinism()
    np.set_printoptions(precision=4, suppress=True)
    return np.random.default_rng(int(seed))
