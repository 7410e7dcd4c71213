"""Shared helpers for the *SVD with TensorFlow* notebooks.

Importing this package first sets the environment variables that keep TensorFlow's C++ runtime
quiet (they only work if set before TensorFlow is imported), so a notebook's setup cell imports
``helpers`` before ``tensorflow``.

One module per topic, imported as ``from helpers import images`` and so on:

* :mod:`helpers.linalg` — the SVD, reconstruction, rank-r approximation, storage, energy, signs,
  the pseudo-inverse and least squares
  (every public name is re-exported here: ``helpers.svd``, ``helpers.rank_r_approx`` ...);
* :mod:`helpers.images` — loading photos, ``ImageSVD`` (one SVD per photo), quality, reports;
* :mod:`helpers.approximation` — measured truncation errors and rank-r baselines (notebook 04);
* :mod:`helpers.gradients` — ``svd_grad`` and ``svd_manual`` (notebook 05);
* :mod:`helpers.spectral` — ``power_iteration``, ``lipschitz_upper_bound``, ``conv_norm_bound``,
  ``conv_operator_norm`` (notebook 06);
* :mod:`helpers.nn` — ``layer_spectra``, ``factorize_dense`` and ``LowRankDense`` (notebook 07);
* :mod:`helpers.randomized` — ``randomized_svd`` (notebook 08); ``streaming_randomized_svd`` and
  ``single_pass_svd`` for matrices beyond memory (notebook 11);
* :mod:`helpers.pca` — ``pca``, PCA through one thin SVD (notebook 09);
* :mod:`helpers.denoise` — ``optimal_hard_threshold``, ``singular_value_threshold`` (notebook 09);
* :mod:`helpers.lora` — ``update_spectrum``, ``subspace_similarity``, ``pissa_split``,
  ``apply_pissa`` (notebook 10);
* :mod:`helpers.plots` — figures shared by several notebooks;
* :mod:`helpers.notebook` — ``setup_notebook``, the seed-everything call of every setup cell.
"""

import os as _os

_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
_os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from ._quiet import import_tensorflow_quietly as _import_tf  # noqa: E402

_import_tf()

from .linalg import (  # noqa: E402
    approx_nbytes,
    approx_size,
    as_float_tensor,
    compression_factor,
    energy_fraction,
    lstsq,
    normalize_signs,
    pinv,
    rank_for_energy,
    rank_for_factor,
    rank_for_nbytes,
    rank_r_approx,
    reconstruct,
    svd,
    tail_energy,
)
from .notebook import setup_notebook  # noqa: E402

__all__ = [
    "approx_nbytes",
    "approx_size",
    "as_float_tensor",
    "compression_factor",
    "energy_fraction",
    "lstsq",
    "normalize_signs",
    "pinv",
    "rank_for_energy",
    "rank_for_factor",
    "rank_for_nbytes",
    "rank_r_approx",
    "reconstruct",
    "setup_notebook",
    "svd",
    "tail_energy",
]
