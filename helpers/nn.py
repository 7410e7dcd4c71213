"""The SVD inside neural networks: weight spectra, low-rank Dense layers, spectral monitoring.

Keras stores a Dense kernel ``W`` as an ``(m, n) = (inputs, units)`` matrix and computes
``y = activation(x W + b)`` on row vectors ``x``. Its SVD ``W = U diag(s) Vᵀ`` says that the layer
maps ``x`` to its coordinates along the orthonormal input directions (``x U``), stretches them
(``s``) and embeds the result along the orthonormal output directions (``Vᵀ``); U and V are square,
and so rotations or reflections, only when ``m = n``.

* :func:`layer_spectra` summarises the spectrum of every Dense and Conv kernel of a model, one
  :class:`LayerSpectrum` record per layer; :func:`format_spectra` prints them as a table.
* :func:`factorize_dense` replaces a trained Dense layer by a :class:`LowRankDense` layer whose
  two kernels are the truncated SVD of the original: ``r (m + n)`` weights instead of ``m n``.
* :class:`SpectralMonitor` is a Keras callback that records the spectra after every epoch.
"""

import dataclasses
import math
import numbers

import keras
import numpy as np
import tensorflow as tf

from ._keras import (
    CONV_LAYERS,
    _check_float_kernel,
    _float64_kernel,
    _is_kernel_layer,
    _iter_layers,
    _kernel_matrix,
    _require_dense,
)
from ._validation import _check_bool, _check_int, _check_positive_int, _check_real
from .linalg import balanced_factors, rank_for_energy

# ----------------------------------------------------------------------------------------------
# the low-rank layer
# ----------------------------------------------------------------------------------------------

@keras.saving.register_keras_serializable(package="helpers")
class LowRankDense(keras.layers.Layer):
    """A Dense layer whose ``(m, n)`` kernel is stored as a product ``A B`` of rank ``r``.

    ``y = activation(x A B + b)`` with ``A`` of shape ``(m, r)`` (``kernel_a``), ``B`` of shape
    ``(r, n)`` (``kernel_b``) and ``b`` of shape ``(n,)``: ``r (m + n)`` weights plus ``n`` biases
    instead of ``m n + n``. Like Dense, it acts on the last axis of inputs ``(..., m)``.
    Usually made by :func:`factorize_dense` from a trained Dense layer.

    Built from scratch, the *product* ``A B`` starts with the variance a Dense kernel of the same
    shape would get. With independent zero-mean entries, ``Var((A B)_ij) = r · Var(A) · Var(B)``,
    so drawing both factors with ``kernel_initializer`` itself would give the product ``r`` times
    the product of two small variances (for Glorot on a 64×128 kernel at rank 8: 0.0033 instead of
    2/(64 + 128) = 0.0104). When ``kernel_initializer`` is a ``keras.initializers.VarianceScaling``
    (the Glorot, He and LeCun initialisers, uniform or normal, all are), its variance for an ``(m, n)`` kernel,
    ``v = scale / fan``, is split evenly: each factor is drawn from the same distribution with
    variance ``√(v / r)``, so ``Var((A B)_ij) = v``. Any other initialiser is used as given for both
    factors.

    Args:
      units: int >= 1, the output size n.  rank: int, 1 <= rank <= min(m, n) (checked at build).
      activation: as for ``keras.layers.Dense``.  use_bias: bool.
      kernel_initializer: the initialiser of the equivalent ``(m, n)`` Dense kernel (default
        Glorot uniform, like Dense); see above.  bias_initializer: a Keras initialiser.
      **kwargs: ``name``, ``dtype``, ``trainable``, as for any Keras layer.
    Raises:
      TypeError: units or rank not an integer; use_bias not a bool.
      ValueError: units or rank below 1; rank > min(m, n) when built.

    >>> layer = LowRankDense(3, rank=1, name="low")
    >>> layer(np.ones((2, 4), "float32")).shape
    TensorShape([2, 3])
    """

    def __init__(self, units, rank, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.units = _check_positive_int(units, "units")
        self.rank = _check_positive_int(rank, "rank")
        self.use_bias = _check_bool(use_bias, "use_bias")
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.input_spec = keras.layers.InputSpec(min_ndim=2)

    def build(self, input_shape):
        m = input_shape[-1]
        if m is None:
            raise ValueError("LowRankDense needs a known last input dimension; got None")
        _check_int(self.rank, "rank", 1, min(m, self.units),
                   f"min(m, n) of the {m}×{self.units} kernel")
        init_a, init_b = _factor_initializers(self.kernel_initializer, m, self.units, self.rank)
        self.kernel_a = self.add_weight(name="kernel_a", shape=(m, self.rank), initializer=init_a)
        self.kernel_b = self.add_weight(name="kernel_b", shape=(self.rank, self.units),
                                        initializer=init_b)
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,),
                                        initializer=self.bias_initializer)
        else:
            self.bias = None
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: m})

    def call(self, inputs):
        x = keras.ops.matmul(keras.ops.matmul(inputs, self.kernel_a), self.kernel_b)
        if self.bias is not None:
            x = keras.ops.add(x, self.bias)
        if self.activation is not None:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def dense_kernel(self):
        """The ``(m, n)`` kernel ``A B`` that an equivalent Dense layer would hold.

        >>> layer = LowRankDense(3, rank=1); _ = layer(np.ones((1, 4), "float32"))
        >>> layer.dense_kernel().shape
        TensorShape([4, 3])
        """
        if not self.built:
            raise ValueError(f"layer {self.name!r} is not built yet: call it on data first")
        return tf.matmul(self.kernel_a, self.kernel_b)

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            rank=self.rank,
            activation=keras.activations.serialize(self.activation),
            use_bias=self.use_bias,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
        )
        return config


def _fans(shape, mode):
    fan_in, fan_out = shape
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]


def _factor_initializers(initializer, m, n, r):
    """Initialisers for A (m, r) and B (r, n) such that Var((A B)_ij) is the initialiser's
    variance for an (m, n) kernel; non-VarianceScaling initialisers are returned unchanged."""
    if not isinstance(initializer, keras.initializers.VarianceScaling):
        return initializer, initializer
    target = initializer.scale / max(1.0, _fans((m, n), initializer.mode))
    per_factor = math.sqrt(target / r)  # r · per_factor² = target
    seed = initializer.seed
    seeds = (seed, seed + 1) if isinstance(seed, numbers.Integral) else (seed, seed)
    # VarianceScaling(scale, mode="fan_in") gives variance scale / fan_in = scale / rows
    return tuple(
        keras.initializers.VarianceScaling(scale=per_factor * rows, mode="fan_in",
                                           distribution=initializer.distribution, seed=s)
        for rows, s in ((m, seeds[0]), (r, seeds[1]))
    )


def _check_dense(layer):
    """Return the float64 (m, n) kernel of a built, plain Dense layer, or raise."""
    _require_dense(layer)
    return _float64_kernel(layer, "factorize the float layer before quantizing it")


def factorize_dense(layer, rank, name=None):
    """Replace a built Dense layer by a :class:`LowRankDense` holding its truncated SVD.

    With the kernel ``W = U diag(s) Vᵀ`` of shape ``(m, n)``, the new layer stores
    ``A = U_r diag(√s_r)`` ``(m, r)`` and ``B = diag(√s_r) V_rᵀ`` ``(r, n)``, so ``A B = W_r`` is the
    best rank-r approximation of ``W`` (Eckart–Young), split evenly between the two factors.
    The bias, the activation, the dtype policy and ``trainable`` are copied; regularisers and
    constraints are not. At ``rank = min(m, n)`` the layer computes the same function as the
    original, to float rounding. The SVD is computed in float64 and the signs are normalised
    (:func:`helpers.normalize_signs`), so the factors are the same on every run.

    Args:
      layer: a built ``keras.layers.Dense`` (kernel ``(m, n)``).
      rank: int, 1 <= rank <= min(m, n).
      name: the new layer's name; default ``f"{layer.name}_rank{rank}"``.
    Returns:
      A built :class:`LowRankDense` with ``rank (m + n)`` kernel weights plus ``n`` biases (if
      the original has a bias), ready to take the Dense layer's place in a model.
    Raises:
      TypeError: ``layer`` is not a ``keras.layers.Dense``; ``rank`` is not an integer (a bool,
        a float).
      ValueError: ``layer`` is not built, or is quantized; ``rank`` outside 1..min(m, n).

    >>> dense = keras.layers.Dense(3, name="d"); _ = dense(np.ones((1, 4), "float32"))
    >>> low = factorize_dense(dense, 2)
    >>> low.count_params()  # 2 * (4 + 3) + 3
    17
    """
    W = _check_dense(layer)
    m, n = W.shape
    rank = _check_int(rank, "rank", 1, min(m, n), f"min(m, n) of the {m}×{n} kernel")
    if name is None:
        name = f"{layer.name}_rank{rank}"
    A, B = balanced_factors(W, rank)
    new = LowRankDense(n, rank, activation=layer.activation, use_bias=layer.use_bias,
                       name=name, dtype=layer.dtype_policy, trainable=layer.trainable)
    new.build((None, m))
    new.kernel_a.assign(tf.cast(A, new.kernel_a.dtype))
    new.kernel_b.assign(tf.cast(B, new.kernel_b.dtype))
    if layer.use_bias:
        new.bias.assign(layer.bias)
    return new


def factorize_model(model, ranks):
    """A copy of a Sequential or functional model with some Dense layers factorised.

    Every layer named in ``ranks`` is replaced by ``factorize_dense(layer, rank)`` (named
    ``f"{name}_rank{rank}"``); every other layer is cloned with the same weights
    (``keras.models.clone_model``), so the original model is left untouched and the copy can be
    fine-tuned on its own. The copy is not compiled.

    Args:
      model: a built ``keras.Sequential`` or functional ``keras.Model``.
      ranks: non-empty dict {name of a top-level Dense layer: rank}, each rank an int between 1
        and min(m, n) of that layer's kernel.
    Returns:
      A new ``keras.Model`` of the same kind, named ``f"{model.name}_lowrank"``.
    Raises:
      TypeError: ``model`` is not a ``keras.Model``.
      ValueError: ``ranks`` empty or naming a layer that is not a top-level Dense layer; a rank
        out of range; a subclassed model (``clone_model`` cannot copy those).

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="d")])
    >>> [layer.name for layer in factorize_model(model, {"d": 2}).layers]
    ['d_rank2']
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model; got {type(model).__name__}")
    if not isinstance(ranks, dict) or not ranks:
        raise ValueError(f"ranks must be a non-empty dict {{layer name: rank}}; got {ranks!r}")
    dense = {layer.name: layer for layer in model.layers if isinstance(layer, keras.layers.Dense)}
    unknown = [name for name in ranks if name not in dense]
    if unknown:
        raise ValueError(
            f"ranks names {unknown!r}, which are not top-level Dense layers of model "
            f"{model.name!r}; its Dense layers are {list(dense)!r}"
        )
    for name, rank in ranks.items():  # check every rank before cloning anything
        W = _check_dense(dense[name])
        m, n = W.shape
        _check_int(rank, "rank", 1, min(m, n), f"min(m, n) of the {m}×{n} kernel of {name!r}")

    def clone(layer):
        if layer.name in ranks:
            return factorize_dense(layer, ranks[layer.name])
        return layer.__class__.from_config(layer.get_config())

    try:
        copy = keras.models.clone_model(model, clone_function=clone)
    except ValueError:
        raise ValueError(
            f"model {model.name!r} cannot be copied layer by layer: factorize_model needs a "
            "Sequential or functional model, not a subclassed one"
        ) from None
    copy.name = f"{model.name}_lowrank"
    for layer in model.layers:
        if layer.name not in ranks and layer.weights:
            copy.get_layer(layer.name).set_weights(layer.get_weights())
    return copy


# ----------------------------------------------------------------------------------------------
# spectra of a model's kernels
# ----------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class LayerSpectrum:
    """Spectrum of one layer's kernel, as a matrix. One record per layer of :func:`layer_spectra`.

    Attributes:
      name: the layer's name.  kind: its class name ("Dense", "Conv2D", "LowRankDense", ...).
      kernel_shape: the kernel's shape as stored, e.g. ``(3, 3, 1, 8)`` for a Conv2D.
      shape: ``(m, n)``, the matrix whose singular values are reported.
      sigma_max, sigma_min: largest and smallest singular value (σ₁, σ_k).
      condition_number: σ₁ / σ_k (``inf`` when σ_k = 0).
      stable_rank: ‖W‖_F² / σ₁² = Σσᵢ² / σ₁², between 1 and the rank (0 for a zero kernel).
      energy_rank: the smallest r with Σ_{i≤r} σᵢ² >= energy · Σσᵢ² (0 for a zero kernel).
        It is at least ``energy · stable_rank``: the r largest σᵢ² sum to at most r·σ₁², so
        r·σ₁² >= energy·‖W‖_F². It can be smaller than the stable rank: a flat spectrum of k
        equal σᵢ has stable rank k and energy rank ⌈energy · k⌉.
      energy: the energy fraction used for ``energy_rank`` (0.9 by default).
      singular_values: the k singular values, descending, as a float64 NumPy array.
    """

    name: str
    kind: str
    kernel_shape: tuple
    shape: tuple
    sigma_max: float
    sigma_min: float
    condition_number: float
    stable_rank: float
    energy_rank: int
    energy: float
    singular_values: np.ndarray = dataclasses.field(repr=False, compare=False)


NUMERIC_FIELDS = ("sigma_max", "sigma_min", "condition_number", "stable_rank", "energy_rank")


SUPPORTED = (keras.layers.Dense, LowRankDense, *CONV_LAYERS)


def _check_supported(layer):
    """Raise ValueError for a layer that holds a kernel layer_spectra cannot read as one matrix."""
    if _is_kernel_layer(layer):
        return
    if any(w.name.endswith("kernel") for w in layer.weights):
        raise ValueError(
            f"layer {layer.name!r} ({type(layer).__name__}) holds a kernel that layer_spectra "
            "cannot read as one matrix: it supports Dense, LowRankDense and Conv1D/2D/3D "
            "(grouped or not), also inside Wrapper layers such as SpectralNormalization"
        )


def _spectrum(layer, wrappers, energy):
    kind, kernel_shape, W, k = _kernel_matrix(layer)
    for wrapper in reversed(wrappers):
        kind = f"{wrapper}({kind})"
    s = tf.linalg.svd(W, compute_uv=False)[:k].numpy()
    s1, sk = float(s[0]), float(s[-1])
    if s1 > 0:
        cond = s1 / sk if sk > 0 else math.inf
        stable = float(np.sum(s**2) / s1**2)
        r = rank_for_energy(s, energy)
    else:
        cond, stable, r = math.inf, 0.0, 0
    return LayerSpectrum(name=layer.name, kind=kind, kernel_shape=kernel_shape,
                         shape=tuple(int(d) for d in W.shape), sigma_max=s1, sigma_min=sk,
                         condition_number=cond, stable_rank=stable, energy_rank=int(r),
                         energy=energy, singular_values=s)


def layer_spectra(model, energy=0.9):
    """The singular values of every Dense and Conv kernel of a Keras model, one record per layer.

    A Dense kernel ``(m, n)`` is used as is. A Conv kernel ``(*kernel_size, c_in, c_out)`` is
    reshaped to the ``(prod(kernel_size) · c_in, c_out)`` matrix ``W_mat`` that multiplies each
    flattened input patch; with ``groups > 1`` (kernel ``(*kernel_size, c_in / groups, c_out)``)
    the patch matrix is block-diagonal, one block per group, and its singular values are those of
    the blocks together. ``W_mat`` is not the convolution operator itself: for the layer's gain
    ``‖conv‖₂`` (its largest singular value as a map of whole images),

        σ_max(W_mat) <= ‖conv‖₂ <= √(prod(kernel_size)) · σ_max(W_mat),

    the lower bound for a circular convolution (or any input at least as large as the kernel:
    one output pixel's patch gives it), the upper bound for every padding and stride (each input
    pixel lies in at most prod(kernel_size) patches; see ``helpers.spectral.conv_norm_bound`` and
    ``conv_operator_norm``). A :class:`LowRankDense` layer reports the ``rank`` non-zero singular
    values of ``A B``. Layers are visited in order, nested models included; a layer inside a
    ``keras.layers.Wrapper`` (``SpectralNormalization``, ``TimeDistributed``, ...) is reported
    under its own name, with the wrapper in ``kind`` (e.g. ``"SpectralNormalization(Dense)"``).
    Layers without a kernel (activations, BatchNormalization, Dropout, ...) are skipped; a layer
    with a kernel of another kind (DepthwiseConv2D, Conv2DTranspose, EinsumDense, recurrent
    layers, ...) is rejected rather than skipped. The SVD runs in float64.

    For every record, ``1 <= stable_rank <= rank`` and ``energy_rank >= energy · stable_rank``
    (see :class:`LayerSpectrum`).

    Record type: a frozen dataclass :class:`LayerSpectrum` (``dataclasses.asdict`` gives a dict).
    Print a list of records with :func:`format_spectra`, which rounds to fixed decimals.

    Args:
      model: a built ``keras.Model`` (Sequential, functional or subclassed).
      energy: real, 0 < energy <= 1, the energy fraction for ``energy_rank`` (default 0.9).
    Returns:
      list of :class:`LayerSpectrum`, in layer order.
    Raises:
      TypeError: ``model`` is not a ``keras.Model``.
      ValueError: a Dense or Conv layer is not built yet or is quantized; a layer holds a kernel
        of an unsupported kind; the model has no Dense or Conv kernel; energy outside (0, 1].

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="d")])
    >>> [(r.name, r.shape) for r in layer_spectra(model)]
    [('d', (4, 3))]
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model; got {type(model).__name__}")
    energy = _check_real(energy, "energy")
    if not 0 < energy <= 1:
        raise ValueError(f"energy must be in (0, 1] (a fraction of the total); got {energy!r}")
    layers = []
    for layer, wrappers in _iter_layers(model):
        _check_supported(layer)
        if _is_kernel_layer(layer):
            _check_float_kernel(layer, "take the spectra before quantizing")
            layers.append((layer, wrappers))
    records = [_spectrum(layer, wrappers, energy) for layer, wrappers in layers]
    if not records:
        raise ValueError(f"model {model.name!r} has no Dense or Conv layer with a kernel")
    return records


def format_spectra(records, digits=3):
    """A fixed-width text table of :class:`LayerSpectrum` records, one row per layer.

    Every float is printed with ``digits`` decimals (``f"{x:.{digits}f}"``), so the table is
    the same on every run as long as the values agree to that many decimals; ``inf`` prints as
    ``inf``. Columns: layer, type, matrix shape m×n, σ_max, σ_min, condition number κ,
    stable rank, and the energy rank (headed e.g. ``r90%``).

    Args:
      records: non-empty sequence of :class:`LayerSpectrum` (from :func:`layer_spectra`).
      digits: int, 0 <= digits <= 10.
    Returns:
      str, the table (no trailing newline).
    Raises:
      ValueError: records empty or not LayerSpectrum; digits out of range.

    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, name="d")])
    >>> _ = model.get_layer("d").kernel.assign([[3., 0.], [0., 1.]])
    >>> print(format_spectra(layer_spectra(model), digits=1))
    layer  type   shape  σ_max  σ_min    κ  stable rank  r90%
    d      Dense  2×2      3.0    1.0  3.0          1.1     1
    """
    records = list(records) if isinstance(records, list | tuple) else records
    if not isinstance(records, list) or not records or not all(
        isinstance(r, LayerSpectrum) for r in records
    ):
        raise TypeError("records must be a non-empty list of LayerSpectrum (from layer_spectra)")
    digits = _check_int(digits, "digits", 0, 10)
    energies = {r.energy for r in records}
    rank_head = f"r{100 * records[0].energy:g}%" if len(energies) == 1 else "energy rank"
    head = ["layer", "type", "shape", "σ_max", "σ_min", "κ", "stable rank", rank_head]
    rows = [
        [r.name, r.kind, f"{r.shape[0]}×{r.shape[1]}", f"{r.sigma_max:.{digits}f}",
         f"{r.sigma_min:.{digits}f}", f"{r.condition_number:.{digits}f}",
         f"{r.stable_rank:.{digits}f}", str(r.energy_rank)]
        for r in records
    ]
    widths = [max(len(row[j]) for row in [head, *rows]) for j in range(len(head))]
    left = 3  # name, type and shape are left-aligned, numbers right-aligned

    def line(cells):
        parts = [c.ljust(w) if j < left else c.rjust(w)
                 for j, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(parts).rstrip()

    return "\n".join(line(cells) for cells in [head, *rows])


# ----------------------------------------------------------------------------------------------
# monitoring during training
# ----------------------------------------------------------------------------------------------
class SpectralMonitor(keras.callbacks.Callback):
    """Keras callback: :func:`layer_spectra` of the model before training and after every epoch.

    ``records[i]`` is the list of :class:`LayerSpectrum` at epoch ``epochs[i]``; epoch 0 is the
    state before the first ``fit`` (recorded once, on the first ``on_train_begin``), epoch e the
    state after e epochs (Keras's epoch index + 1, so pass ``initial_epoch`` to continue a run).
    :meth:`history` turns one field into one array per layer, ready to plot against ``epochs``.

    Args:
      energy: real, 0 < energy <= 1, passed to :func:`layer_spectra`.

    >>> monitor = SpectralMonitor()
    >>> model.fit(x, y, epochs=3, verbose=0, callbacks=[monitor])  # doctest: +SKIP
    >>> monitor.epochs, monitor.history("sigma_max")["hidden"].shape  # doctest: +SKIP
    ([0, 1, 2, 3], (4,))
    """

    def __init__(self, energy=0.9):
        super().__init__()
        energy = _check_real(energy, "energy")
        if not 0 < energy <= 1:
            raise ValueError(f"energy must be in (0, 1] (a fraction of the total); got {energy!r}")
        self.energy = energy
        self.epochs = []
        self.records = []

    def _record(self, epoch):
        self.epochs.append(int(epoch))
        self.records.append(layer_spectra(self.model, self.energy))

    def on_train_begin(self, logs=None):
        if not self.records:
            self._record(0)

    def on_epoch_end(self, epoch, logs=None):
        self._record(epoch + 1)

    def history(self, field="sigma_max"):
        """One NumPy array per layer name: ``field`` at each recorded epoch.

        Args:
          field: one of "sigma_max", "sigma_min", "condition_number", "stable_rank",
            "energy_rank".
        Returns:
          dict {layer name: (len(epochs),) float64 array}, in layer order.
        Raises:
          ValueError: unknown field; nothing recorded yet.
        """
        if field not in NUMERIC_FIELDS:
            raise ValueError(f"field must be one of {', '.join(NUMERIC_FIELDS)}; got {field!r}")
        if not self.records:
            raise ValueError("nothing recorded yet: pass the monitor to model.fit(callbacks=...)")
        names = [r.name for r in self.records[0]]
        return {
            name: np.array([float(getattr(recs[i], field)) for recs in self.records])
            for i, name in enumerate(names)
        }
