"""Shared helpers for the *SVD with TensorFlow* notebooks.

Importing this package first sets the environment variables that keep TensorFlow's C++ runtime
quiet (they only work if set before TensorFlow is imported), so a notebook's setup cell imports
``helpers`` before ``tensorflow``.

One module per topic: :mod:`helpers.linalg` (re-exported here), :mod:`helpers.plots`,
:mod:`helpers.notebook`, and the topic modules that later notebooks add (``images``,
``gradients``, ``spectral``, ``nn``, ``randomized``), imported as ``from helpers import images``.
"""

import os as _os

_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
_os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from ._quiet import import_tensorflow_quietly as _import_tf  # noqa: E402

_import_tf()

from .linalg import (  # noqa: E402
    approx_size,
    as_float_tensor,
    compression_factor,
    energy_fraction,
    normalize_signs,
    rank_for_energy,
    rank_for_factor,
    rank_r_approx,
    reconstruct,
    svd,
    tail_energy,
)
from .notebook import setup_notebook  # noqa: E402

__all__ = [
    "approx_size",
    "as_float_tensor",
    "compression_factor",
    "energy_fraction",
    "normalize_signs",
    "rank_for_energy",
    "rank_for_factor",
    "rank_r_approx",
    "reconstruct",
    "setup_notebook",
    "svd",
    "tail_energy",
]
