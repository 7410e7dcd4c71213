"""Shared helpers for the *SVD with TensorFlow* notebooks.

Importing this package first sets the environment variables that keep TensorFlow's C++ runtime
quiet (they only work if set before TensorFlow is imported), so a notebook's setup cell imports
``helpers`` before ``tensorflow``.

One module per topic, imported as ``from helpers import images`` and so on:

* :mod:`helpers.linalg` — the SVD, reconstruction, rank-r approximation, energy, signs,
  the pseudo-inverse and least squares
  (every public name is re-exported here: ``helpers.svd``, ``helpers.rank_r_approx`` ...);
* :mod:`helpers.storage` — numbers and bytes a rank-r SVD stores (``approx_size`` ...
  ``rank_for_nbytes``; re-exported by ``helpers.linalg`` and here);
* :mod:`helpers.images` — ``ImageSVD`` (one SVD per photo), quality; it re-exports
  :mod:`helpers.loading` (``load_image``: files and URLs, limits, errors) and
  :mod:`helpers.report` (``export_report``);
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

Arguments follow scikit-learn's policy, everywhere: one of the wrong **type** (a string, a float
or a bool where an integer is expected, a complex array) raises ``TypeError``; a value **out of
range** (a rank above k, a negative seed, NaN) raises ``ValueError``. The messages name the
argument, what it accepts and what it got.

Three private layers that the modules share: :mod:`helpers._env` (TensorFlow's environment
variables, the one place they are set), :mod:`helpers._validation` (every input check) and
:mod:`helpers._keras` (reading Keras kernels as matrices).
"""

from . import _env

#: True when TensorFlow was imported before helpers with oneDNN on: setup_notebook warns.
_ONEDNN_ON = _env.onednn_was_on_at_import()
_env.apply()

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
